"""Blame (``app.service.blame``): per-phase and per-module amounts that add up to the boot's
span, in lines without timestamps and in seconds with them; the page and its JSON."""

from __future__ import annotations

import io
from typing import Any

import pytest

from app.analysis.document import ResultDocument
from app.analysis.report import analyze
from app.service.blame import build_blame
from tests.web.conftest import BootMaker, synthesized_log


def stamped(log: bytes, step: float) -> bytes:
    """Every line but the first behind a ``[seconds]`` stamp, ``step`` seconds apart."""
    lines = log.splitlines(keepends=True)
    return b"".join(
        line if i == 0 else b"[%10.6f] " % (i * step) + line for i, line in enumerate(lines)
    )


@pytest.fixture(scope="module")
def leak_log() -> bytes:
    return synthesized_log("sev-legacy-202211-leak")


@pytest.fixture(scope="module")
def leak_document(leak_log: bytes) -> ResultDocument:
    return analyze(io.BytesIO(leak_log), name="leak.log")


def test_blame_in_lines_adds_up(leak_document: ResultDocument) -> None:
    blame = build_blame(leak_document)
    assert blame is not None and blame.unit == "lines"
    phases = leak_document.phases
    assert blame.total == phases[-1].last_line - phases[0].first_line + 1
    assert [row.name for row in blame.phases] == [p.name for p in phases]
    assert sum(row.amount for row in blame.phases) == blame.total
    assert sum(row.amount for row in blame.modules) == blame.total
    for phase in blame.phases:  # each phase's module rows add up to the phase
        inside = [row.amount for row in blame.modules if row.phase == phase.name]
        assert sum(inside) == phase.amount
    amounts = [row.amount for row in blame.modules]
    assert amounts == sorted(amounts, reverse=True)
    loads = leak_document.modules.loads
    assert blame.loads == len(loads) > 100
    # A module is charged from its load line to the next load (inside one phase).
    pcd = next(i for i, load in enumerate(loads) if load.name == "PcdDxe.efi")
    row = next(r for r in blame.modules if r.name == "PcdDxe.efi")
    assert row.kind == "driver" and row.phase == "DXE"
    assert row.amount == loads[pcd + 1].line - loads[pcd].line
    assert pytest.approx(sum(r.share for r in blame.modules)) == 1.0


def test_blame_in_seconds_with_timestamps(leak_log: bytes) -> None:
    document = analyze(io.BytesIO(stamped(leak_log, 0.002)), name="stamped.log")
    blame = build_blame(document)
    assert blame is not None and blame.unit == "seconds"
    phases = document.phases
    assert phases[0].start_time is not None and phases[-1].end_time is not None
    assert blame.total == pytest.approx(phases[-1].end_time - phases[0].start_time)
    assert sum(row.amount for row in blame.phases) == pytest.approx(blame.total)
    assert sum(row.amount for row in blame.modules) == pytest.approx(blame.total)
    dxe = next(row for row in blame.phases if row.name == "DXE")
    assert dxe.amount == pytest.approx(0.002 * (phases[3].first_line - phases[2].first_line))


def test_no_phases_no_blame(leak_document: ResultDocument) -> None:
    data = leak_document.to_dict()
    data["phases"] = []
    assert build_blame(ResultDocument.from_dict(data)) is None


def test_blame_page_and_json(web_client: Any, make_boot: BootMaker, leak_log: bytes) -> None:
    boot = make_boot(leak_log, name="leak")
    answer = web_client.get(f"/api/v1/boots/{boot}/blame")
    assert answer.status_code == 200
    blame = answer.json()["blame"]
    assert blame["unit"] == "lines"
    assert sum(row["amount"] for row in blame["modules"]) == blame["total"]
    html = web_client.get(f"/boots/{boot}/blame").text
    assert "virtio-net.efi" in html and f"{blame['total']:,.0f} lines in all" in html
    assert f'href="/boots/{boot}/blame"' in web_client.get(f"/boots/{boot}").text
    assert web_client.get("/boots/999999/blame").status_code in (401, 404)  # anonymous
    assert web_client.get("/api/v1/boots/999999/blame").json()["detail"]
