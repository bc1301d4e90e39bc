"""What a log format module declares: line patterns and how to build an event from each.

A pattern is a regular expression over one normalised log line (bytes, CR and control
characters removed, leading timestamp already consumed by the scanner). Its capture groups are
handed, in order, to ``build`` together with the line number and time. ``build`` may return
``None`` for a line that is recognised but carries nothing the engine needs ("chatter").

``app.analysis.scanner`` tries each line against the patterns that can match it: those learnt
for the line's first twelve bytes, else those that can start with its first byte
(``app.analysis.firstbytes`` reads both from the regex's parse tree), in registry order. A
pattern that starts with a literal (``IoMmuMap: ``) or edk2's module prefix (``(\\w+):``) is
tried on few lines; one that starts with a class or an optional group is tried on many more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.analysis.model import Event

Groups = tuple[Any, ...]
"""A pattern's capture groups: bytes, or None for an optional group that did not match."""
Builder = Callable[[Groups, int, float | None], Event | None]

HEX = rb"([0-9A-Fa-f]+)"
"""One hex number without ``0x`` (edk2 prints uppercase; we accept both cases)."""


@dataclass(frozen=True, slots=True)
class LinePattern:
    """One line format: ``name`` is unique across formats and names the event kind counted in the
    result document (``events``); ``regex`` must not contain named groups."""

    name: str
    regex: bytes
    build: Builder

    @property
    def group_count(self) -> int:
        return re.compile(self.regex).groups


def is_vmm_kind(kind: str) -> bool:
    """Lines QEMU or KVM printed into the capture (``formats.qemu``, and the trace events of
    ``formats.qemu_trace``, all ``host-``, chatter included): not guest output, so they cost
    the guest no exit and are no message of its debug log."""
    return kind.startswith(("qemu-", "kvm-", "host-"))


def chatter(name: str, regex: bytes) -> LinePattern:
    """A recognised line that produces no event (so it is not counted as unrecognised)."""
    return LinePattern(name, regex, no_event)


def no_event(groups: Groups, line: int, time: float | None) -> None:
    return None


def hex_int(raw: bytes | None) -> int:
    return int(raw, 16) if raw else 0


def dec_int(raw: bytes | None) -> int:
    return int(raw) if raw else 0


def text(raw: bytes | None) -> str:
    return raw.decode("ascii", "replace") if raw else ""
