"""``cvmreview synth``: write a synthesized verbose OVMF log (and its ground truth)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from app.analysis.errors import WorkloadError
from app.cli import cli, fail
from app.synth import Workload, demo_workloads, get_demo, write_log


def _load_workload(source: str | None, demo: str | None) -> Workload:
    if (source is None) == (demo is None):
        raise WorkloadError("give either WORKLOAD.json or --demo NAME (not both)")
    if demo is not None:
        workload = get_demo(demo)
        if workload is None:
            names = ", ".join(w.name for w in demo_workloads())
            raise WorkloadError(f"unknown demo {demo!r}; choose one of: {names}")
        return workload
    assert source is not None
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkloadError(f"cannot read {source}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WorkloadError(f"{source} is not valid JSON: {exc}") from exc
    return Workload.from_dict(data)


@cli.command("synth")
@click.argument("workload_file", required=False, metavar="WORKLOAD.json")
@click.option("--demo", "demo", metavar="NAME", help="Use a built-in demo workload.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
@click.option("--truth", "truth", type=click.Path(dir_okay=False), help="Write ground truth JSON.")
@click.option(
    "--truth-lines",
    "truth_lines",
    type=click.Path(dir_okay=False),
    help="Also stream every truth record as JSON Lines (for huge runs).",
)
@click.option(
    "--requests",
    "requests",
    type=click.IntRange(min=0),
    help="Override every device's request count.",
)
@click.option(
    "--truth-limit",
    "truth_limit",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Most mappings/allocations listed in --truth (all go to --truth-lines).",
)
def synth(
    workload_file: str | None,
    demo: str | None,
    output: str,
    truth: str | None,
    truth_lines: str | None,
    requests: int | None,
    truth_limit: int,
) -> None:
    """Write a SYNTHESIZED OVMF debug log with verbose IoMmu/encryption lines."""
    try:
        workload = _load_workload(workload_file, demo)
        if requests is not None:
            workload = workload.with_requests(requests)
    except WorkloadError as exc:
        fail(f"invalid workload: {exc}")
    try:
        with open(output, "wb") as out:
            if truth_lines:
                with open(truth_lines, "wb") as stream:
                    result = write_log(workload, out, stream, truth_limit)
            else:
                result = write_log(workload, out, None, truth_limit)
        if truth:
            with open(truth, "w", encoding="utf-8") as handle:
                json.dump(result.to_dict(), handle)
    except OSError as exc:
        fail(f"cannot write output: {exc}")
    click.echo(
        f"synthesized {workload.name} ({workload.platform}, edk2 {workload.edk2}): "
        f"{result.total_lines} lines, {result.total_bytes} bytes, "
        f"{result.mappings_total} mappings, {len(result.faults)} fault(s), "
        f"{result.end_state} -> {output}"
    )
