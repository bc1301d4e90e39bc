"""``cvmreview demo``: fill a public ``demo`` project with boots to look at straight away.

Two kinds of boots, always labelled: the real firmware logs shipped in ``app/data/logs`` (each
with the provenance row of its INDEX.md) and verbose logs written by the synthesizer
(``app/synth``), marked *synthesized*. Re-running adds nothing twice (each demo boot
has a fixed origin_id). The boots are analysed before the command ends, and a token for the
demo project is printed on the last line so a newcomer can upload at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click

from app.cli import cli
from app.config import Settings, load_settings

LOGS_DIR = Path(__file__).resolve().parents[1] / "data" / "logs"
PROJECT = "demo"


def read_provenance(index: Path) -> dict[str, str]:
    """``{file name: "source; platform"}`` from the table rows of INDEX.md."""
    rows: dict[str, str] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].endswith(".log"):
            rows[cells[0]] = f"real log; source: {cells[1]}; platform: {cells[2]}"
    return rows


def iter_demo_logs() -> Iterator[tuple[str, str, bool, str, BinaryIO]]:
    """(origin_id, name, synthesized, provenance, stream) for every demo boot."""
    provenance = read_provenance(LOGS_DIR / "INDEX.md")
    for path in sorted(LOGS_DIR.glob("*.log")):
        where = provenance.get(path.name, "real log shipped in app/data/logs (see INDEX.md)")
        yield f"demo:real:{path.name}", path.name, False, where, path.open("rb")
    from app.synth import demo_workloads, write_log

    for workload in demo_workloads():
        buffer = io.BytesIO()
        write_log(workload, buffer)
        buffer.seek(0)
        note = (
            "SYNTHESIZED by cvmreview's workload synthesizer (app/synth), "
            f"workload {workload.name!r}: not a real boot"
        )
        yield f"demo:synth:{workload.name}", f"{workload.name} (synthesized)", True, note, buffer


def load_demo(settings: Settings, *, analyse: bool) -> tuple[int, int]:
    """Create the demo boots (and analyse them); returns (added, already there)."""
    from app.db import queries
    from app.service.database import prepare_database
    from app.service.ingest import ingest_boot, limits_of, project_named
    from app.service.processing import job_settings, process_run

    db = prepare_database(settings)
    added, present, run_ids = 0, 0, []
    try:
        project = project_named(db, PROJECT, public_read=True)
        for origin, name, synthesized, provenance, stream in iter_demo_logs():
            fields = queries.BootFields(
                name=name,
                tags=("demo", "synthesized" if synthesized else "real"),
                origin_id=origin,
                synthesized=synthesized,
                provenance=provenance,
            )
            with stream:
                ingested = ingest_boot(
                    db, project=project, fields=fields, log=stream, limits=limits_of(settings)
                )
            if ingested.existing or ingested.run_id is None:
                present += 1
                continue
            run_ids.append(ingested.run_id)
            added += 1
            click.echo(f"  + {name}", err=True)
        if analyse:
            for number, run_id in enumerate(run_ids, 1):
                outcome = process_run(db, run_id, settings=job_settings(settings))
                click.echo(f"  analysed {number}/{len(run_ids)}: {outcome}", err=True)
    finally:
        db.dispose()
    return added, present


@cli.command("demo")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the SQLite database (CVMREVIEW_DATA_DIR; ignored with DATABASE_URL).",
)
@click.option(
    "--analyse/--no-analyse",
    default=True,
    show_default=True,
    help="Analyse the boots now (else the server's workers do it).",
)
def demo(data_dir: Path | None, analyse: bool) -> None:
    """Load demo boots (real logs and synthesized ones) into a public project 'demo'."""
    from app.db import accounts, queries
    from app.db.session import Database

    settings = load_settings(data_dir=data_dir)
    click.echo("loading demo boots into project 'demo' (anyone may read it):", err=True)
    added, present = load_demo(settings, analyse=analyse)
    click.echo(f"{added} demo boot(s) added, {present} already there", err=True)
    db = Database(settings.sqlalchemy_url, pool_size=1)
    try:
        with db.write() as session:
            project = queries.get_or_create_project(session, name=PROJECT, public_read=True)
            _, secret = accounts.create_token(
                session, project=project, scopes=("upload", "read"), name="demo"
            )
    finally:
        db.dispose()
    click.echo(
        "upload a boot with:  cvmreview upload LOG --server http://127.0.0.1:8000 "
        "--token TOKEN --wait\ntoken for project 'demo' (upload,read):",
        err=True,
    )
    click.echo(secret)
