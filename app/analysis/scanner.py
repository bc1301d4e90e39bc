"""Turning a log into events, line by line, at tens of megabytes per second.

Every format's patterns are combined into one anchored alternation (the "master" expression),
each alternative wrapped in an outer group so that ``match.lastindex`` names the pattern that
matched. Running that alternation on every line would cost a microsecond per line, so lines are
first looked up by their first ``KEY_LENGTH`` bytes: a key seen before maps to the few patterns
that matched lines with that key, each compiled alone and tried in registry order. Only a line
with a new key (or one its candidates reject) goes to the master expression, which then teaches
the cache. Verbose logs repeat a handful of keys millions of times, so nearly every line takes the
fast path; the result is the same as running the master expression on every line.

Patterns that span lines (resource HOB dumps, a module name printed after a line break) are
matched against the line joined with the next ones. An optional leading timestamp
(``[  1.234567]``, ISO 8601, ``HH:MM:SS.mmm``) is removed first and becomes the event's time,
in seconds since the first timestamp of the log. Lines that match nothing are counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Protocol

from app.analysis.errors import InputError
from app.analysis.formats import all_patterns
from app.analysis.formats.base import Builder, LinePattern, no_event
from app.analysis.model import Event, ModuleLoaded
from app.analysis.source import SourceStats, iter_blocks, normalise
from app.analysis.textcheck import binary_reason

SYNTHESIZED_MARKER = b"# cvmreview synthesized log"
KEY_LENGTH = 12
MAX_KEYS = 8192
MAX_SPAN = 4  # the most lines one pattern may span

_TIMESTAMP = re.compile(
    rb"(\[\s*\d+\.\d+\]|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    rb"|\d\d:\d\d:\d\d\.\d+)[ \t]*"
)
_STAMP_START = frozenset(b"[0123456789")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One pattern compiled alone, with what the scanner needs to run it."""

    priority: int
    name: str
    match: Callable[[bytes], re.Match[bytes] | None]
    build: Builder
    span: int  # lines it may cover (1 for ordinary patterns)
    chatter: bool  # recognised, but produces no event


@dataclass(slots=True)
class ScanStats:
    """Counts the scanner keeps while it streams: bounded, whatever the log's size."""

    source: SourceStats = field(default_factory=SourceStats)
    lines: int = 0
    blank_lines: int = 0
    recognised_lines: int = 0
    event_counts: Counter[str] = field(default_factory=Counter)
    event_bytes: Counter[str] = field(default_factory=Counter)  # bytes of those lines
    synthesized: bool = False
    synthesized_header: str = ""
    has_timestamps: bool = False
    unrecognised_samples: list[tuple[int, str]] = field(default_factory=list)

    @property
    def unrecognised_lines(self) -> int:
        return max(0, self.lines - self.recognised_lines - self.blank_lines)


class ModuleObserver(Protocol):
    """Told where each loaded module's output starts (``debugcost`` charges output to it)."""

    def module_started(self, event: ModuleLoaded, offset: int) -> None: ...


class _Patterns:
    """The compiled registry: candidates by priority and the master alternation."""

    def __init__(self, patterns: list[LinePattern]) -> None:
        # Chatter (patterns without events) goes last so that it never shadows a real pattern.
        ordered = sorted(patterns, key=lambda p: p.build is no_event)
        self.candidates: list[_Candidate] = []
        self.by_group: dict[int, _Candidate] = {}
        parts = []
        group = 1
        for priority, pattern in enumerate(ordered):
            candidate = _Candidate(
                priority,
                pattern.name,
                re.compile(pattern.regex + rb"[ \t]*$", re.MULTILINE).match,
                pattern.build,
                pattern.regex.count(rb"\n") + 1,
                pattern.build is no_event,
            )
            self.candidates.append(candidate)
            self.by_group[group] = candidate
            parts.append(b"(" + pattern.regex + b")")
            group += 1 + pattern.group_count
        self.master = re.compile(rb"(?:" + b"|".join(parts) + rb")[ \t]*$", re.MULTILINE)


_COMPILED: _Patterns | None = None


def _compiled() -> _Patterns:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = _Patterns(all_patterns())
    return _COMPILED


class Scanner:
    """Streams events out of a binary log. Create one per log; read ``stats`` afterwards."""

    def __init__(self, observer: ModuleObserver | None = None) -> None:
        self._patterns = _compiled()
        self._cache: dict[bytes, list[_Candidate]] = {}
        self.stats = ScanStats()
        self._observer = observer
        self._time_origin: float | None = None
        self._last_clock = 0.0
        self._clock_days = 0.0
        self._offset = 0  # normalised bytes before the current line
        self._hits = [0] * len(self._patterns.candidates)
        self._hit_bytes = [0] * len(self._patterns.candidates)

    @property
    def offset(self) -> int:
        """Normalised bytes scanned so far (what the debug port carried)."""
        return self._offset

    def iter_events(
        self, stream: BinaryIO, *, progress: Callable[[int], None] | None = None
    ) -> Iterator[Event]:
        first = True
        for raw in iter_blocks(stream, self.stats.source, progress=progress):
            lines = normalise(raw).split(b"\n")
            lines.pop()  # every block ends with a newline
            if first:
                first = False
                refused = binary_reason(raw)
                if refused is not None:
                    raise InputError(refused)
                self._take_header(lines)
            yield from self._scan_lines(lines)
        self.finish()

    def _take_header(self, lines: list[bytes]) -> None:
        """The synthesizer's first line says the log is synthesized; it is recognised."""
        if lines and lines[0].startswith(SYNTHESIZED_MARKER):
            self.stats.synthesized = True
            self.stats.synthesized_header = lines[0].decode("utf-8", "replace")
            lines[0] = b""
            self.stats.recognised_lines += 1
            self.stats.blank_lines -= 1  # the emptied line is counted as blank below

    def _scan_lines(self, lines: list[bytes]) -> Iterator[Event]:
        """The hot loop: kept flat, with locals instead of attributes, on purpose."""
        stats = self.stats
        get_candidates = self._cache.get
        hits = self._hits
        hit_bytes = self._hit_bytes
        observer = self._observer
        offset = self._offset
        line = stats.lines
        skip = 0
        spanned = 0
        for index, text in enumerate(lines):
            line += 1
            offset += len(text) + 1
            if skip:
                skip -= 1
                continue
            time = None
            if text and text[0] in _STAMP_START:
                stamp = _TIMESTAMP.match(text)
                if stamp is not None:
                    time = self._seconds(stamp.group(1))
                    text = text[stamp.end() :]
            match = None
            candidates = get_candidates(text[:KEY_LENGTH])
            if candidates is not None:
                for candidate in candidates:
                    if candidate.span == 1:
                        match = candidate.match(text)
                    else:
                        match = candidate.match(self._join(text, lines, index))
                    if match is not None:
                        break
            if match is None:
                found = self._learn(text, lines, index, line)
                if found is None:
                    continue
                candidate, match = found
            hits[candidate.priority] += 1
            hit_bytes[candidate.priority] += len(text) + 1
            if candidate.span > 1:
                skip = match.group(0).count(b"\n")
                spanned += skip
            event = candidate.build(match.groups(), line, time)
            if event is not None:
                if observer is not None and type(event) is ModuleLoaded:
                    observer.module_started(event, offset - len(text) - 1)
                yield event
        stats.lines = line
        stats.recognised_lines += spanned
        self._offset = offset

    def finish(self) -> ScanStats:
        """Fold the per-pattern hit counters into ``stats``; call once after the last event."""
        stats = self.stats
        counts = zip(self._patterns.candidates, self._hits, self._hit_bytes, strict=True)
        for candidate, hits, nbytes in counts:
            if hits:
                stats.recognised_lines += hits
                if not candidate.chatter:
                    stats.event_counts[candidate.name] += hits
                    stats.event_bytes[candidate.name] += nbytes
        self._hits = [0] * len(self._hits)
        self._hit_bytes = [0] * len(self._hit_bytes)
        return stats

    @staticmethod
    def _join(text: bytes, lines: list[bytes], index: int) -> bytes:
        return b"\n".join([text, *lines[index + 1 : index + MAX_SPAN]])

    def _learn(
        self, text: bytes, lines: list[bytes], index: int, line: int
    ) -> tuple[_Candidate, re.Match[bytes]] | None:
        """The slow path: run the master expression, then remember which pattern matched."""
        if not text.strip():
            self.stats.blank_lines += 1
            return None
        match = self._patterns.master.match(self._join(text, lines, index))
        if match is None or match.lastindex is None:
            samples = self.stats.unrecognised_samples
            if len(samples) < 20:
                samples.append((line, text[:200].decode("utf-8", "replace")))
            return None
        candidate = self._patterns.by_group[match.lastindex]
        key = text[:KEY_LENGTH]
        known = self._cache.get(key)
        if known is None:
            if len(self._cache) >= MAX_KEYS:
                self._cache.clear()
            self._cache[key] = [candidate]
        elif candidate not in known:
            known.append(candidate)
            known.sort(key=lambda c: c.priority)
        own = candidate.match(text if candidate.span == 1 else self._join(text, lines, index))
        return None if own is None else (candidate, own)

    def _seconds(self, stamp: bytes) -> float | None:
        """Seconds since the first timestamp; clock-only stamps roll over at midnight."""
        text = stamp.decode("ascii")
        try:
            if text[0] == "[":
                value = float(text[1:-1])
            elif len(text) > 8 and text[2] == ":":
                h, m, s = text.split(":")
                value = int(h) * 3600 + int(m) * 60 + float(s)
                if value + 43200 < self._last_clock:
                    self._clock_days += 86400
                self._last_clock = value
                value += self._clock_days
            else:
                value = datetime.fromisoformat(text.replace(",", ".")).timestamp()
        except ValueError:
            return None
        if self._time_origin is None:
            self._time_origin = value
            self.stats.has_timestamps = True
        return round(value - self._time_origin, 6)
