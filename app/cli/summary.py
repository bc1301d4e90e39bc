"""The terminal rendering of a result document: a header, devices, findings, logging cost."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from app.analysis.host.document import HostSection
from app.analysis.jsondata import from_json

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
MAX_FINDING_ROWS = 40


def print_summary(document: dict[str, Any], console: Console) -> None:
    _print_header(document, console)
    _print_devices(document["devices"], console)
    if document.get("host") is not None:
        print_host(from_json(HostSection, document["host"]), console)
    _print_findings(document["findings"], console)
    _print_debug_cost(document["debug_cost"], console)
    _print_verdict(document["verdict"], console)


def _print_header(document: dict[str, Any], console: Console) -> None:
    source = document["source"]
    platform = document["platform"]
    boot = document["boot"]
    origin = "[magenta]SYNTHESIZED[/] " if source["synthesized"] else ""
    console.print(
        f"[bold]{source['name']}[/]  {origin}{source['lines']:,} lines, "
        f"{source['decompressed_bytes']:,} bytes, sha256 {source['sha256'][:16]}…"
    )
    kind = platform["kind"]
    mask = platform.get("encryption_mask")
    extras = [f"mask {mask}"] if mask else []
    if platform.get("ghcb"):
        ghcb = platform["ghcb"]
        extras.append(f"{ghcb['pages']} GHCB pages at {ghcb['base']:#x}")
    if platform.get("reserved_pool"):
        extras.append("IoMmu reserved pool")
    if platform.get("gpaw"):
        extras.append(f"GPAW {platform['gpaw']}")
    console.print(f"platform [bold]{kind}[/]" + (f" ({', '.join(extras)})" if extras else ""))
    phases = " → ".join(p["name"] for p in document["phases"]) or "none"
    console.print(
        f"phases {phases}; outcome [bold]{boot['outcome']}[/]"
        + (
            f", last boot option {boot['boot_options'][-1]['description']!r}"
            if boot["boot_options"]
            else ""
        )
    )
    counts = document["events"]
    console.print(
        f"{sum(counts.values()):,} events, {document['unrecognised_lines']:,} unrecognised lines"
    )


def _print_devices(devices: list[dict[str, Any]], console: Console) -> None:
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
        maps = sum(device.get("maps_by_operation", {}).values())
        attribution = device.get("attribution", {})
        table.add_row(
            str(device.get("device")),
            str(attribution.get("method", "")),
            f"{maps:,}",
            f"{device.get('bytes', 0):,}",
            f"{device.get('bounce_bytes', 0):,}",
            f"{_transitions(device):,}",
            f"{device.get('peak_shared_pages', 0):,}",
        )
    console.print(table)


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
    console.print(table)


def _or_dash(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _transitions(device: dict[str, Any]) -> int:
    value = device.get("transitions", 0)
    if isinstance(value, dict):
        return int(value.get("count", 0))
    return int(value)


def _print_findings(findings: list[dict[str, Any]], console: Console) -> None:
    if not findings:
        console.print("[green]no findings[/]")
        return
    table = Table(title="Findings", title_justify="left")
    table.add_column("severity")
    table.add_column("rule")
    table.add_column("title")
    table.add_column("count", justify="right")
    table.add_column("lines")
    for finding in findings[:MAX_FINDING_ROWS]:
        style = SEVERITY_STYLE.get(finding["severity"], "")
        lines = ", ".join(str(n) for n in finding["lines"][:5])
        if len(finding["lines"]) > 5:
            lines += ", …"
        table.add_row(
            f"[{style}]{finding['severity']}[/]",
            finding["id"],
            finding["title"],
            str(finding["count"]),
            lines,
        )
    console.print(table)
    if len(findings) > MAX_FINDING_ROWS:
        console.print(f"… and {len(findings) - MAX_FINDING_ROWS} more findings (see --json)")


def _print_debug_cost(cost: dict[str, Any], console: Console) -> None:
    top = ", ".join(f"{row['module']} {row['exits']:,}" for row in cost["modules"][:3])
    console.print(
        f"debug logging: about {cost['exits']:,} VM exits for {cost['messages']:,} messages "
        f"({cost['model']}); by load context: {top or 'nobody'}"
    )
    verbose = [row for row in cost["by_source"] if row["source"] != "other lines" and row["exits"]]
    if verbose and cost["exits"]:
        parts = ", ".join(
            f"{row['source'].split(' (')[0]} {_share(row['exits'], cost['exits'])}"
            for row in verbose
        )
        console.print(f"verbose lines: {parts} of those exits")


def _share(part: int, whole: int) -> str:
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 1 else "<1%"


def _print_verdict(verdict: dict[str, Any], console: Console) -> None:
    worst = verdict["worst_severity"]
    counts = ", ".join(f"{n} {label}" for label, n in verdict["counts"].items() if n)
    console.print(
        f"verdict: worst severity [bold]{worst or 'none'}[/]" + (f" ({counts})" if counts else "")
    )
