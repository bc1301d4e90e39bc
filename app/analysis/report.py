"""The single entry point of the engine: a log (and optionally firmware) in, a result document out.

``analyze`` streams the log once: the scanner yields events, and each event goes to the boot
tracker and to the simulator of the current boot cycle (``cycles``: where the tracker sees a new
boot start, the cycle is closed and the next starts from a clean page map).
Nothing holds the whole log or every event, so memory does not grow
with the log's size. The result document is a typed ``ResultDocument`` (``document``), versioned
by ``SCHEMA_VERSION`` (its shape; documented in README "Result document") and ``ENGINE_VERSION``
(bumped whenever a change can alter results of the same log, which marks stored results stale).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.analysis import document as doc
from app.analysis.cycles import ClosedCycle, ClosedCycles, CycleRun
from app.analysis.debugcost import DebugCost
from app.analysis.document import ENGINE_VERSION, SCHEMA_VERSION, ResultDocument
from app.analysis.errors import InputError
from app.analysis.fingerprint import FINGERPRINT_VERSION
from app.analysis.firmware import FirmwareReport, cross_check, load_firmware
from app.analysis.gcpolicy import fewer_collections
from app.analysis.host.analysis import host_section, scan_host_trace
from app.analysis.host.events import HOST_EVENT_TYPES
from app.analysis.host.view import HostView
from app.analysis.jsondata import from_json
from app.analysis.model import Finding, LabelledRange, Platform, Severity
from app.analysis.rules.base import FindingCollector
from app.analysis.scanner import Scanner
from app.analysis.simulator import SimulationResult
from app.analysis.textcheck import binary_reason

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Replay:
    """Everything one analysis produced: the result document, and the simulator's own result
    (with its per-mapping records, which the document leaves out for size)."""

    document: ResultDocument
    simulation: SimulationResult


def analyze(
    stream: BinaryIO,
    *,
    name: str,
    firmware: FirmwareReport | None = None,
    progress: Progress | None = None,
    host_trace: BinaryIO | None = None,
) -> ResultDocument:
    """Analyse one boot log read from ``stream`` (plain or gzip) and return the result document
    (typed; ``.to_dict()`` is its JSON). ``host_trace``: QEMU trace lines captured apart from
    the log (lines interleaved with the log are found without it).

    Raises ``InputError`` when the input holds no log at all (empty, or a corrupt gzip stream).
    """
    return replay(
        stream, name=name, firmware=firmware, progress=progress, host_trace=host_trace
    ).document


def replay(
    stream: BinaryIO,
    *,
    name: str,
    firmware: FirmwareReport | None = None,
    progress: Progress | None = None,
    host_trace: BinaryIO | None = None,
) -> Replay:
    """``analyze``, keeping the simulator's result too (tests compare it with ground truth)."""
    with fewer_collections():
        return _replay(stream, name, firmware, progress, host_trace)


def _replay(
    stream: BinaryIO,
    name: str,
    firmware: FirmwareReport | None,
    progress: Progress | None,
    host_trace: BinaryIO | None,
) -> Replay:
    started = time.perf_counter()
    cost = DebugCost()
    scanner = Scanner(observer=cost)
    seeds = None if firmware is None else _platform_seeds(firmware)
    closed = ClosedCycles()
    cycle = CycleRun(0, 1, seeds)
    feed_boot = cycle.boot.feed  # decides platform and EBS, tells the simulator
    feed_simulator = cycle.simulator.feed
    # The host view spans the VM's life (every cycle); phases are the current cycle's.
    host = HostView(phase_of=lambda: cycle.boot.reached)
    feed_host, host_types = host.feed, host.event_types
    for event in scanner.iter_events(stream, progress=progress):
        if feed_boot(event):  # a new boot starts on this line: close the cycle, start clean
            closed.add(cycle.close(event.line - 1))
            cycle = CycleRun(closed.count, event.line, seeds)
            feed_boot, feed_simulator = cycle.boot.feed, cycle.simulator.feed
            feed_boot(event)
        cls = type(event)
        if cls not in HOST_EVENT_TYPES:  # the VMM's lines are not the firmware's
            feed_simulator(event)
        if cls in host_types:
            feed_host(event)
    stats, offset = scanner.stats, scanner.offset
    if stats.source.bytes == 0:
        raise InputError(f"{name}: the log is empty")
    if stats.recognised_lines == 0:
        raise InputError(f"{name}: {NOTHING_RECOGNISED}")
    boot = cycle.boot
    simulation = cycle.finish(stats.lines)
    collector = cycle.collector
    platform = boot.platform_section()
    if firmware is not None:
        cross_check(firmware, platform, collector)
    debug_cost = cost.finish(
        platform=boot.platform,
        total_bytes=offset,
        total_lines=stats.lines,
        event_counts=stats.event_counts,
        event_bytes=stats.event_bytes,
    )
    _report_debug_cost(collector, boot.platform, debug_cost)
    if host_trace is not None:
        scan_host_trace(host_trace, host, name=f"{name} (host trace)")
    host_view = host_section(host, collector, firmware)  # HOST-* go with the last cycle
    last = cycle.summarise(stats.lines, tuple(collector.findings()))
    cycles = [*closed.kept, last]
    findings = _all_findings(cycles)
    document = ResultDocument(
        schema_version=SCHEMA_VERSION,
        engine_version=ENGINE_VERSION,
        source=doc.Source(
            name=name,
            sha256=stats.source.sha256,
            bytes=stats.source.raw_bytes,
            decompressed_bytes=stats.source.bytes,
            compressed=stats.source.compressed,
            lines=stats.lines,
            synthesized=stats.synthesized,
            synthesized_header=stats.synthesized_header or None,
            has_timestamps=stats.has_timestamps,
        ),
        platform=from_json(doc.Platform, platform),
        boot=doc.Boot(
            outcome=boot.outcome,
            reached_phase=boot.reached.value if boot.reached else None,
            exit_boot_services_line=boot.exit_boot_line,
            boot_options=tuple(doc.BootOptionSeen(**o) for o in boot.boot_options),
            failure=last.summary.failure,
            cycle=cycle.index,
            cycles=closed.count + 1,
        ),
        boots=tuple(c.summary for c in cycles),
        kernel=None if boot.kernel is None else from_json(doc.Kernel, boot.kernel),
        phases=tuple(doc.Phase(**p) for p in boot.phases_section()),
        modules=doc.Modules(
            loads=tuple(doc.ModuleLoad(**load) for load in boot.loads),
            dropped=boot.loads_dropped,
        ),
        events=dict(sorted(stats.event_counts.items())),
        recognised_lines=stats.recognised_lines,
        blank_lines=stats.blank_lines,
        unrecognised_lines=stats.unrecognised_lines,
        unrecognised_samples=tuple(doc.LineSample(n, t) for n, t in stats.unrecognised_samples),
        # the simulator and the cost model build JSON-ready sections; read them as typed
        devices=tuple(from_json(doc.Device, d) for d in simulation.devices),
        iommu=from_json(doc.IoMmu, simulation.summary),
        findings=findings,
        fingerprint_version=FINGERPRINT_VERSION,
        verdict=verdict(findings),
        timeline=from_json(doc.Timeline, simulation.timeline),
        address_space=from_json(doc.AddressSpace, simulation.address_space),
        debug_cost=from_json(doc.DebugCost, debug_cost),
        firmware=None if firmware is None else firmware.to_dict(),
        analysis_seconds=round(time.perf_counter() - started, 3),
        host=host_view,
    )
    return Replay(document, simulation)


def _all_findings(cycles: list[ClosedCycle]) -> tuple[doc.Finding, ...]:
    """The findings of every cycle kept, each with its cycle index, worst first."""
    tagged = [(c.summary.index, f) for c in cycles for f in c.findings]
    tagged.sort(key=lambda item: (-item[1].severity, item[0], item[1].rule_id, item[1].lines[:1]))
    return tuple(_finding(f, index) for index, f in tagged)


NOTHING_RECOGNISED = "not a log: no line of it is a firmware, VMM or kernel line"


def refusal(sample: bytes, *, complete: bool) -> str | None:
    """Why the input whose (decompressed) head is ``sample`` is not a log, or None.

    The same two tests ``analyze`` applies while it reads (binary data; nothing recognised),
    for callers that must refuse before storing anything (the upload). "Nothing recognised" is
    decided only when ``sample`` is the ``complete`` input: a longer log may start with lines
    the engine does not know."""
    reason = binary_reason(sample)
    if reason is not None or not complete:
        return reason
    scanner = Scanner()
    for _ in scanner.iter_events(io.BytesIO(sample)):
        pass
    return NOTHING_RECOGNISED if scanner.stats.recognised_lines == 0 else None


def _platform_seeds(firmware: FirmwareReport) -> Callable[[Platform], list[LabelledRange]]:
    def seeds(platform: Platform) -> list[LabelledRange]:
        return firmware.seed_ranges(platform.value)

    return seeds


def replay_file(
    path: Path,
    *,
    name: str | None = None,
    firmware: FirmwareReport | None = None,
    progress: Progress | None = None,
    host_trace_path: Path | None = None,
) -> Replay:
    """``replay`` of a file on disk (and of a separate host trace file)."""
    with open(path, "rb") as stream:
        if host_trace_path is None:
            return replay(stream, name=name or path.name, firmware=firmware, progress=progress)
        with open(host_trace_path, "rb") as trace:
            return replay(
                stream,
                name=name or path.name,
                firmware=firmware,
                progress=progress,
                host_trace=trace,
            )


def analyze_file(
    log_path: Path,
    *,
    firmware_path: Path | None = None,
    display_name: str | None = None,
    progress: Progress | None = None,
    host_trace_path: Path | None = None,
) -> ResultDocument:
    """``analyze`` for files on disk; the firmware may be an image or a metadata JSON.

    A firmware file nothing could be read from (a variable store, not an OVMF image) is an
    ``InputError``, as in ``cvmreview firmware``: a cross-check against nothing would pass."""
    firmware = None
    if firmware_path is not None:
        firmware = load_firmware(_read(firmware_path), name=firmware_path.name)
        if not firmware.usable:
            raise InputError(f"{firmware_path.name}: {firmware.why_unusable}")
    try:
        return replay_file(
            log_path,
            name=display_name,
            firmware=firmware,
            progress=progress,
            host_trace_path=host_trace_path,
        ).document
    except (IsADirectoryError, FileNotFoundError, PermissionError) as exc:
        raise InputError(f"cannot read {log_path}: {exc.strerror}") from exc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def verdict(findings: tuple[doc.Finding, ...]) -> doc.Verdict:
    """Counts by severity and the worst one: what CI gates on (``--fail-on``)."""
    counts = {severity.label: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    worst = max((Severity.parse(f.severity) for f in findings), default=None)
    return doc.Verdict(None if worst is None else worst.label, counts)


def fails(document: ResultDocument, threshold: Severity) -> bool:
    """True when the boot has a finding at ``threshold`` or worse."""
    worst = document.verdict.worst_severity
    return worst is not None and Severity.parse(worst) >= threshold


def _report_debug_cost(
    collector: FindingCollector, platform: Platform, cost: dict[str, Any]
) -> None:
    if platform in (Platform.NONE, Platform.UNKNOWN) or not cost["messages"]:
        return
    top = cost["modules"][:3]
    collector.report(
        "BOOT-003",
        [],
        key=platform.value,
        details={
            "exits": cost["exits"],
            "messages": cost["messages"],
            "bytes": cost["bytes"],
            "model": cost["model"],
            "top_modules": [row["module"] for row in top],
        },
    )


def _finding(finding: Finding, cycle: int) -> doc.Finding:
    return doc.Finding(
        id=finding.rule_id,
        rule_version=finding.rule_version,
        severity=finding.severity.label,
        title=finding.title,
        explanation=finding.explanation,
        advice=finding.advice,
        lines=tuple(finding.lines),
        count=finding.count,
        key=finding.key,
        fingerprint=finding.fingerprint,
        fingerprint_version=FINGERPRINT_VERSION,
        details=dict(finding.details),
        cycle=cycle,
    )
