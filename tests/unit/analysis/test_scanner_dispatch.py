"""The scanner's fast paths against its definition, on every real log, every demo and random mixes.

Three scanners read the same bytes: the shipped one (prefix cache, first-byte dispatch on the slow
path), the one before the dispatch (prefix cache, alternation of all patterns) and the reference
(no cache: every line through the alternation of all patterns). Their events and counts must be
identical. Random mixes interleave real lines, synthesized lines and damaged copies of both
(truncated, prefixed, case-changed) so that lines share prefixes with lines of other patterns.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analysis.errors import InputError
from app.analysis.firstbytes import ALL_BYTES, first_bytes, literal_prefix, may_start
from app.analysis.formats import all_patterns
from app.analysis.model import Event
from app.analysis.scanner import Scanner
from app.synth import demo_workloads, write_log
from tests.unit.conftest import LOGS_DIR

REAL_LOGS = sorted(LOGS_DIR.glob("*.log"))


def scan(data: bytes, *, dispatch: bool = True, cache: bool = True) -> tuple[list[Event], object]:
    """The events and counts; for input the scanner refuses (binary), the refusal itself, which
    must be the same on every path too."""
    scanner = Scanner(dispatch=dispatch, cache=cache)
    try:
        events = list(scanner.iter_events(io.BytesIO(data)))
    except InputError as exc:
        return [], ("refused", str(exc))
    stats = scanner.stats
    counts = (
        stats.lines,
        stats.blank_lines,
        stats.recognised_lines,
        dict(stats.event_counts),
        dict(stats.event_bytes),
        stats.unrecognised_samples,
        stats.has_timestamps,
    )
    return events, counts


def assert_same_scan(data: bytes) -> None:
    shipped = scan(data)
    assert scan(data, dispatch=False) == shipped, "dispatch differs from the full alternation"
    assert scan(data, dispatch=False, cache=False) == shipped, "cache differs from the reference"


def synthesized(name: str) -> bytes:
    workload = next(w for w in demo_workloads() if w.name == name)
    out = io.BytesIO()
    write_log(workload, out)
    return out.getvalue()


@pytest.mark.parametrize("path", REAL_LOGS, ids=lambda p: p.name[:3])
def test_real_log_scans_identically(path: Path) -> None:
    assert_same_scan(path.read_bytes())


@pytest.mark.parametrize("name", [w.name for w in demo_workloads()])
def test_demo_log_scans_identically(name: str) -> None:
    assert_same_scan(synthesized(name))


@cache
def line_pool() -> tuple[bytes, ...]:
    """Distinct lines of the real logs and of one demo, the material of the random mixes."""
    lines: set[bytes] = set()
    for path in REAL_LOGS:
        lines.update(path.read_bytes().splitlines())
    lines.update(synthesized(demo_workloads()[0].name).splitlines()[1:])
    return tuple(sorted(lines))


def damaged(line: bytes, rng: random.Random) -> bytes:
    """A copy of ``line`` that keeps or breaks its prefix, the case the prefix cache keys on."""
    choice = rng.randrange(6)
    if choice == 0:
        return line[: rng.randrange(len(line) + 1)]
    if choice == 1:
        return line[:12] + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(20)))
    if choice == 2:
        return rng.choice((b"[ 1.5] ", b"  ", b"x", b"10:00:01.500 ")) + line
    if choice == 3:
        return line.swapcase()
    if choice == 4:
        return re.sub(rb"[0-9A-F]", lambda m: bytes(rng.choice(b"0fZ ")), line, count=2)
    return line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=400))
def test_random_line_mixes_scan_identically(rng: random.Random, count: int) -> None:
    pool = line_pool()
    lines = [damaged(rng.choice(pool), rng) for _ in range(count)]
    assert_same_scan(b"\n".join(lines) + b"\n")


def every_pattern_line() -> Iterator[tuple[str, bytes]]:
    """(pattern name, line) for each recognised line of the real logs and a demo."""
    for line in line_pool():
        for pattern in all_patterns():
            if re.match(pattern.regex, line):
                yield pattern.name, line


def test_every_line_a_pattern_matches_starts_with_one_of_its_first_bytes() -> None:
    starts = {p.name: first_bytes(p.regex) for p in all_patterns()}
    seen = 0
    for name, line in every_pattern_line():
        assert line[0] in starts[name], (name, line)
        seen += 1
    assert seen > 1000


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (rb"IoMmuMap: ", b"I"),
        (rb"(?:AMD )?Memory", b"AM"),
        (rb"\[Bds\] ?Entry", b"["),
        (rb"(?:qemu-system-[\w-]+|qemu-kvm): (?!warning: )(.+)", b"q"),
        (rb"(?=x)xy", b"x"),
        (rb"[^\]\n]", bytes(sorted(ALL_BYTES - set(b"]\n")))),
        (rb" +BAR\[\d+\]|PciBus", b" P"),
    ],
)
def test_first_bytes_follow_the_parse_tree(regex: bytes, expected: bytes) -> None:
    assert first_bytes(regex) == frozenset(expected)


@pytest.mark.parametrize("regex", [rb"(?i)iommu", rb"(a)?\1", rb"x?", rb"(?:.*)"])
def test_what_is_not_modelled_may_start_with_any_byte(regex: bytes) -> None:
    assert first_bytes(regex) == ALL_BYTES


def test_a_prefix_learnt_from_chatter_still_recognises_the_real_line() -> None:
    """The damaged line teaches its key the chatter pattern; the intact line with the same first
    twelve bytes must still be parsed by its own pattern, as the master expression would."""
    damaged_first = b"IoMmuMap: Mapping=garbage\n"
    intact = b"IoMmuMap: Mapping=0x1000 Device(PlainText)=0x1000 Crypted=0x2000 Pages=0x1\n"
    events, _ = scan(damaged_first + intact)
    assert [type(e).__name__ for e in events] == ["IoMmuMapResult"]
    assert_same_scan(damaged_first + intact)


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        (rb"IoMmuMap: Operation=(\w+)", (False, b"IoMmuMap: Operation=")),
        (rb"(\w+):SetMemoryEncDec", (True, b":SetMemoryEncDec")),
        (rb"(\w+ExitBoot): ", (False, b"")),
        (rb"(\w+)ab", (False, b"")),
        (rb"\[Bds\] ?Entry", (False, b"[Bds]")),
        (rb"(?i)iommu", (False, b"")),
    ],
)
def test_literal_prefix_stops_at_the_first_non_literal(
    regex: bytes, expected: tuple[bool, bytes]
) -> None:
    assert literal_prefix(regex) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (b"PlatformPei:", True),
        (b"PlatformPeiX", True),
        (b"Loading driv", False),
        (b":SetMemoryEn", False),
        (b"AmdSev:SetMe", True),
        (b"AmdSev:SetX", False),
    ],
)
def test_a_word_led_pattern_may_start_only_where_the_word_ends_in_its_literal(
    key: bytes, expected: bool
) -> None:
    assert may_start(True, b":SetMemoryEncDec", key) is expected
