"""The terminal rendering of a result document: a header, devices, findings, logging cost."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from app.analysis.document import (
    BootCycle,
    DebugCost,
    Device,
    Failure,
    Finding,
    ResultDocument,
    Verdict,
)
from app.analysis.host.document import HostSection
from app.cli.tables import print_table

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
MAX_FINDING_ROWS = 40


def print_summary(document: ResultDocument, console: Console) -> None:
    _print_header(document, console)
    _print_cycles(document.boots, console)
    _print_devices(document.devices, console)
    if document.host is not None:
        print_host(document.host, console)
    _print_findings(document.findings, console, cycles=len(document.boots) > 1)
    _print_debug_cost(document.debug_cost, console)
    _print_verdict(document.verdict, console)


def _print_header(document: ResultDocument, console: Console) -> None:
    source = document.source
    platform = document.platform
    boot = document.boot
    origin = "[magenta]SYNTHESIZED[/] " if source.synthesized else ""
    console.print(
        f"[bold]{source.name}[/]  {origin}{source.lines:,} lines, "
        f"{source.decompressed_bytes:,} bytes, sha256 {source.sha256[:16]}…"
    )
    kind = platform.kind
    mask = platform.encryption_mask
    extras = [f"mask {mask}"] if mask else []
    if platform.ghcb:
        ghcb = platform.ghcb
        extras.append(f"{ghcb.pages} GHCB pages at {ghcb.base:#x}")
    if platform.reserved_pool:
        extras.append("IoMmu reserved pool")
    if platform.gpaw:
        extras.append(f"GPAW {platform.gpaw}")
    console.print(f"platform [bold]{kind}[/]" + (f" ({', '.join(extras)})" if extras else ""))
    phases = " → ".join(p.name for p in document.phases) or "none"
    console.print(
        f"phases {phases}; outcome [bold]{boot.outcome}[/]"
        + (f", last boot option {boot.boot_options[-1].description!r}" if boot.boot_options else "")
    )
    if boot.failure:
        console.print(f"[bold red]failure[/] {failure_text(boot.failure)}")
    counts = document.events
    console.print(
        f"{sum(counts.values()):,} events, {document.unrecognised_lines:,} unrecognised lines"
    )


def failure_text(failure: Failure) -> str:
    """``exception on line 120: #GP ... (RIP 0x7e8a1234 in IoMmuDxe)``: one line."""
    where = ""
    if failure.rip:
        module = failure.module
        where = f" (RIP {failure.rip}" + (f" in {module}" if module else "") + ")"
    return f"{failure.kind} on line {failure.line}: {failure.text}{where}"


def _print_cycles(boots: Sequence[BootCycle], console: Console) -> None:
    """One line per boot cycle, when the capture holds more than one boot."""
    if len(boots) < 2:
        return
    console.print(f"{len(boots)} boot cycles (the summary above describes the last):")
    for cycle in boots:
        worst = [f"{n} {label}" for label, n in cycle.findings.items() if n]
        failure = cycle.failure
        console.print(
            f"  cycle {cycle.index}: lines {cycle.first_line}-{cycle.last_line}, "
            f"platform {cycle.platform}, outcome [bold]{cycle.outcome}[/]"
            + (f" ({failure.kind} on line {failure.line})" if failure else "")
            + (f"; findings {', '.join(worst)}" if worst else "")
        )


def _print_devices(devices: Sequence[Device], console: Console) -> None:
    if not devices:
        return
    table = Table(title="DMA by device", title_justify="left")
    for column in (
        "device",
        "attribution",
        "maps",
        "bytes",
        "bounce bytes",
        "transitions",
        "peak shared pages",
    ):
        table.add_column(column, justify="left" if column in ("device", "attribution") else "right")
    for device in devices:
        maps = sum(device.maps_by_operation.values())
        table.add_row(
            device.device,
            device.attribution.method,
            f"{maps:,}",
            f"{device.bytes:,}",
            f"{device.bounce_bytes:,}",
            f"{device.transitions:,}",
            f"{device.peak_shared_pages:,}",
        )
    print_table(table, console)


def print_host(host: HostSection, console: Console) -> None:
    """The host view (QEMU's trace): launch layout in one line, then conversions by phase."""
    what = host.technology or "unknown technology"
    console.print(
        f"Host view ({what}, {host.lines:,} trace lines): launch added {host.launch_pages:,} "
        f"pages ({host.measured_pages:,} measured); {host.to_shared:,} conversions to shared, "
        f"{host.to_private:,} to private; shared pages peak {host.shared_pages_peak:,}, "
        f"at hand-off {_or_dash(host.shared_pages_at_handoff)}, at the end "
        f"{host.shared_pages_at_end:,}"
    )
    if not host.phases:
        return
    table = Table(title="Host conversions by phase", title_justify="left")
    for column in ("phase", "to shared", "pages", "to private", "pages", "faults", "shared at end"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for phase in host.phases:
        table.add_row(
            phase.phase,
            f"{phase.to_shared:,}",
            f"{phase.pages_to_shared:,}",
            f"{phase.to_private:,}",
            f"{phase.pages_to_private:,}",
            f"{phase.faults:,}",
            f"{phase.shared_pages_at_end:,}",
        )
    print_table(table, console)


def _or_dash(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _print_findings(findings: Sequence[Finding], console: Console, *, cycles: bool = False) -> None:
    if not findings:
        console.print("[green]no findings[/]")
        return
    table = Table(title="Findings", title_justify="left")
    table.add_column("severity")
    table.add_column("rule")
    table.add_column("title")
    table.add_column("count", justify="right")
    table.add_column("lines")
    if cycles:
        table.add_column("cycle", justify="right")
    for finding in findings[:MAX_FINDING_ROWS]:
        style = SEVERITY_STYLE.get(finding.severity, "")
        lines = ", ".join(str(n) for n in finding.lines[:5])
        if len(finding.lines) > 5:
            lines += ", …"
        row = [
            f"[{style}]{finding.severity}[/]",
            finding.id,
            finding.title,
            str(finding.count),
            lines,
        ]
        table.add_row(*row, *([str(finding.cycle)] if cycles else []))
    print_table(table, console)
    if len(findings) > MAX_FINDING_ROWS:
        console.print(f"… and {len(findings) - MAX_FINDING_ROWS} more findings (see --json)")


def _print_debug_cost(cost: DebugCost, console: Console) -> None:
    top = ", ".join(f"{row.module} {row.exits:,}" for row in cost.modules[:3])
    console.print(
        f"debug logging: about {cost.exits:,} VM exits for {cost.messages:,} messages "
        f"({cost.model}); by load context: {top or 'nobody'}"
    )
    verbose = [row for row in cost.by_source if row.source != "other lines" and row.exits]
    if verbose and cost.exits:
        parts = ", ".join(
            f"{row.source.split(' (')[0]} {_share(row.exits, cost.exits)}" for row in verbose
        )
        console.print(f"verbose lines: {parts} of those exits")


def _share(part: int, whole: int) -> str:
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 1 else "<1%"


def _print_verdict(verdict: Verdict, console: Console) -> None:
    worst = verdict.worst_severity
    counts = ", ".join(f"{n} {label}" for label, n in verdict.counts.items() if n)
    console.print(
        f"verdict: worst severity [bold]{worst or 'none'}[/]" + (f" ({counts})" if counts else "")
    )
