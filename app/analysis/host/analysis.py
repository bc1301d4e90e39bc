"""The host view's part of one analysis: a separate trace scanned into the view, then the
section built and the cross-checks run (``report.replay`` calls these two)."""

from __future__ import annotations

import io
from typing import BinaryIO

from app.analysis.errors import InputError
from app.analysis.firmware import FirmwareReport
from app.analysis.host import crosscheck
from app.analysis.host.document import HostSection
from app.analysis.host.events import HOST_EVENT_TYPES
from app.analysis.host.view import HostView
from app.analysis.rules.base import FindingCollector
from app.analysis.scanner import Scanner
from app.analysis.textcheck import binary_reason

NO_TRACE_LINES = "no QEMU trace event lines in the host trace"


def scan_host_trace(stream: BinaryIO, view: HostView, *, name: str) -> None:
    """Feed a host trace uploaded apart from the guest log (plain or gzip) into ``view``."""
    scanner = Scanner()
    view.begin_separate()
    feed = view.feed_separate
    for event in scanner.iter_events(stream):
        feed(event)
    if scanner.stats.source.bytes == 0:
        raise InputError(f"{name}: the host trace is empty")
    if not view.seen:
        raise InputError(f"{name}: {NO_TRACE_LINES}")


def host_trace_refusal(sample: bytes) -> str | None:
    """Why the separate host trace whose (decompressed) head is ``sample`` is not one, or None:
    for callers that must refuse before storing anything (the upload). QEMU writes trace lines
    from the start, so a head (up to a stored chunk, about 1 MiB) without one is no trace."""
    reason = binary_reason(sample)
    if reason is not None:
        return reason
    for event in Scanner().iter_events(io.BytesIO(sample)):
        if type(event) in HOST_EVENT_TYPES:
            return None
    return NO_TRACE_LINES


def host_section(
    view: HostView, collector: FindingCollector, firmware: FirmwareReport | None
) -> HostSection | None:
    """The ``host`` section, after reporting the HOST-* findings; None without host lines."""
    if not view.seen:
        return None
    facts = view.facts
    pairing = crosscheck.pair(facts.guest, facts.pieces, collector, interleaved=view.interleaved)
    if firmware is not None:
        crosscheck.check_launch(firmware, facts.launch, collector)
    crosscheck.check_faults(facts.faults, facts.launch, collector)
    return view.finish(pairing)
