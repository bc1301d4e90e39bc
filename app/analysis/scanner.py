"""Turning a log into events, line by line, at tens of megabytes per second.

Every format's patterns are combined into one anchored alternation (the "master" expression),
each alternative wrapped in an outer group so that ``match.lastindex`` names the pattern that
matched. Running that alternation on every line would cost a microsecond per line, so lines are
first looked up by their first ``KEY_LENGTH`` bytes: a key seen before maps to the few patterns
that matched lines with that key, each compiled alone and tried in registry order. Only a line
with a new key (or one its candidates reject) goes to the master expression, which then teaches
the cache. Verbose logs repeat a handful of keys millions of times, so nearly every line takes the
fast path; the result is the same as running the master expression on every line. That slow path
does not run the master expression itself: it tries, in order, only the patterns that can match
a line starting with the line's first byte (``_Patterns``), which picks the same pattern; logs
with many lines no pattern knows (real boots, kernel output) spend most of their time there.

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
from app.analysis.firstbytes import first_bytes, literal_prefix, may_start
from app.analysis.formats import all_patterns
from app.analysis.formats.base import Builder, LinePattern, is_vmm_kind, no_event
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
    vmm: bool  # a line QEMU or KVM printed (formats.base.is_vmm_kind): the observer hears it
    prefix: tuple[bool, bytes]  # what every match starts with (firstbytes.literal_prefix)

    def may_start(self, key: bytes) -> bool:
        """Whether a line starting with ``key`` could match (its literal prefix allows it)."""
        return may_start(self.prefix[0], self.prefix[1], key)


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

    def vmm_line(self, nbytes: int) -> None:
        """A line of ``nbytes`` (with its newline) that QEMU or KVM printed, not the guest."""


class _Alternation:
    """Some candidates combined into one anchored alternation, in priority order: the outer
    group numbers (``match.lastindex``) name the candidate that matched."""

    def __init__(self, candidates: list[_Candidate], patterns: list[LinePattern]) -> None:
        self.by_group: dict[int, _Candidate] = {}
        parts = []
        group = 1
        for candidate in candidates:
            pattern = patterns[candidate.priority]
            self.by_group[group] = candidate
            parts.append(b"(" + pattern.regex + b")")
            group += 1 + pattern.group_count
        self.match: Callable[[bytes], re.Match[bytes] | None] | None = None
        if parts:
            regex = rb"(?:" + b"|".join(parts) + rb")[ \t]*$"
            self.match = re.compile(regex, re.MULTILINE).match


class _Patterns:
    """The compiled registry: candidates by priority, and what the slow path tries.

    ``by_byte[b]`` lists, in priority order, only the candidates that can match a line starting
    with byte ``b`` (``app.analysis.firstbytes``). Trying them one by one and taking the first
    that matches picks exactly what the alternation of all candidates (``master``, kept as the
    reference) picks, with the same groups: each candidate is that alternative followed by the
    same ``[ \\t]*$``, and ``re`` tries alternatives in order. It needs no compilation beyond the
    candidates themselves, and a line costs a few failed literal comparisons instead of one per
    pattern in the registry."""

    def __init__(self, patterns: list[LinePattern]) -> None:
        # Chatter (patterns without events) goes last so that it never shadows a real pattern.
        self._ordered = sorted(patterns, key=lambda p: p.build is no_event)
        self.candidates: list[_Candidate] = []
        for priority, pattern in enumerate(self._ordered):
            candidate = _Candidate(
                priority,
                pattern.name,
                re.compile(pattern.regex + rb"[ \t]*$", re.MULTILINE).match,
                pattern.build,
                pattern.regex.count(rb"\n") + 1,
                pattern.build is no_event,
                is_vmm_kind(pattern.name),
                literal_prefix(pattern.regex),
            )
            self.candidates.append(candidate)
        starts = [first_bytes(p.regex) for p in self._ordered]
        self.by_byte: list[tuple[_Candidate, ...]] = [
            tuple(c for c in self.candidates if first in starts[c.priority]) for first in range(256)
        ]
        self._master: _Alternation | None = None

    @property
    def master(self) -> _Alternation:
        if self._master is None:
            self._master = _Alternation(self.candidates, self._ordered)
        return self._master


_COMPILED: _Patterns | None = None


def _compiled() -> _Patterns:
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = _Patterns(all_patterns())
    return _COMPILED


def _no_candidates(key: bytes) -> None:
    return None


class Scanner:
    """Streams events out of a binary log. Create one per log; read ``stats`` afterwards."""

    def __init__(
        self, observer: ModuleObserver | None = None, *, dispatch: bool = True, cache: bool = True
    ) -> None:
        """``dispatch=False`` runs the alternation of all patterns on the slow path, and
        ``cache=False`` sends every line there: the definitions the differential tests hold the
        fast paths to."""
        self._patterns = _compiled()
        self._dispatch = dispatch
        self._use_cache = cache
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
        get_candidates = self._cache.get if self._use_cache else _no_candidates
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
            if candidate.vmm and observer is not None:
                observer.vmm_line(len(text) + 1)
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
        """The slow path: find the pattern the master expression picks, then remember it."""
        if not text.strip():
            self.stats.blank_lines += 1
            return None
        candidate = self._first_match(self._join(text, lines, index))
        if candidate is None:
            samples = self.stats.unrecognised_samples
            if len(samples) < 20:
                samples.append((line, text[:200].decode("utf-8", "replace")))
            return None
        self._remember(text[:KEY_LENGTH], candidate)
        own = candidate.match(text if candidate.span == 1 else self._join(text, lines, index))
        return None if own is None else (candidate, own)

    def _remember(self, key: bytes, candidate: _Candidate) -> None:
        """Adds ``candidate`` to the key's list with every earlier candidate that could match a
        line starting with ``key``: the first of the list that matches a line is then the one
        the master expression would pick, even for a line unlike those the key was learnt from
        (``IoMmuMap: Mapping=0x...`` after a damaged ``IoMmuMap: Mapping=`` line taught the
        chatter pattern)."""
        known = self._cache.get(key)
        if known is None:
            if len(self._cache) >= MAX_KEYS:
                self._cache.clear()
            known = self._cache[key] = []
        if candidate in known:
            return
        for earlier in self._patterns.by_byte[key[0]]:
            if earlier.priority >= candidate.priority:
                break
            if earlier not in known and earlier.may_start(key):
                known.append(earlier)
        known.append(candidate)
        known.sort(key=lambda c: c.priority)

    def _first_match(self, joined: bytes) -> _Candidate | None:
        """The candidate the alternation of all patterns picks for the line (and the ones
        after it, ``joined``), or None when no pattern matches."""
        if not self._dispatch:
            master = self._patterns.master
            match = master.match(joined) if master.match is not None else None
            if match is None or match.lastindex is None:
                return None
            return master.by_group[match.lastindex]
        for candidate in self._patterns.by_byte[joined[0]]:
            if candidate.match(joined) is not None:
                return candidate
        return None

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
