"""What the analysis of a boot produced: the result document, findings, devices, timeline,
and the raw log by line range."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi import status as http
from fastapi.responses import JSONResponse

from app.analysis.jsondata import to_json
from app.api.deps import ReadableBoot
from app.api.schemas import (
    DeviceStatListPublic,
    DeviceStatPublic,
    FindingListPublic,
    FindingPublic,
)
from app.db import queries
from app.db.blobs import iter_blob_lines
from app.http.deps import SessionDep, SettingsDep
from app.http.params import MAX_INT32
from app.service.blame import build_blame
from app.service.results import require_result, result_bytes

router = APIRouter(prefix="/boots/{boot_id}", tags=["results"])

MAX_LOG_LINES = 100_000
SeverityName = Literal["info", "low", "medium", "high", "critical"]


@router.get(
    "/result",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, 409: {"description": "no result yet"}},
)
def read_result(boot: ReadableBoot, session: SessionDep) -> Response:
    """The engine's result document, exactly as stored."""
    return Response(result_bytes(session, boot), media_type="application/json")


@router.get("/timeline", response_class=JSONResponse)
def read_timeline(boot: ReadableBoot, session: SessionDep) -> dict[str, Any]:
    """Timeline data of the result (phases and the timeline section)."""
    document = require_result(session, boot)
    return {
        "boot_id": boot.id,
        "phases": to_json(document.phases),
        "timeline": to_json(document.timeline),
    }


@router.get("/blame", response_class=JSONResponse)
def read_blame(boot: ReadableBoot, session: SessionDep) -> dict[str, Any]:
    """Time (or log lines, without timestamps) per phase and per module, most first, like
    ``systemd-analyze blame``; ``blame`` is null when the log has no recognised phases."""
    blame = build_blame(require_result(session, boot))
    return {"boot_id": boot.id, "blame": None if blame is None else to_json(blame)}


@router.get("/findings", response_model=FindingListPublic)
def list_findings(
    boot: ReadableBoot,
    session: SessionDep,
    severity: Annotated[SeverityName | None, Query(description="at least this severe")] = None,
) -> FindingListPublic:
    """Findings of the shown analysis, worst first."""
    rows = queries.list_findings(session, boot=boot, min_severity=severity)
    data = [FindingPublic.model_validate(row) for row in rows]
    return FindingListPublic(boot_id=boot.id, data=data, count=len(data))


@router.get("/devices", response_model=DeviceStatListPublic)
def list_devices(boot: ReadableBoot, session: SessionDep) -> DeviceStatListPublic:
    """Per-device DMA statistics of the shown analysis."""
    rows = queries.list_device_stats(session, boot=boot)
    data = [DeviceStatPublic.model_validate(row) for row in rows]
    return DeviceStatListPublic(boot_id=boot.id, data=data, count=len(data))


@router.get(
    "/log",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}},
        416: {"description": "the lines are outside the log"},
    },
)
def read_log(
    boot: ReadableBoot,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[int, Query(ge=1, le=MAX_INT32, description="first line, 1-based")] = 1,
    end: Annotated[
        int | None, Query(ge=1, le=MAX_INT32, description="last line, inclusive")
    ] = None,
) -> Response:
    """The raw log, lines ``start``..``end``, bytes as uploaded: at most 100,000 lines and
    ``max_log_response_bytes`` at a time (``X-Line-End`` says where it stopped), each line
    cut to ``max_log_line_bytes``."""
    last = min(end or start + MAX_LOG_LINES - 1, start + MAX_LOG_LINES - 1, boot.log_lines)
    if start > max(boot.log_lines, 1) or (end is not None and end < start):
        raise HTTPException(
            http.HTTP_416_RANGE_NOT_SATISFIABLE,
            f"lines {start}..{end or start} are outside 1..{boot.log_lines}",
        )
    lines = iter_blob_lines(
        session, boot.log_sha256, start, max_line_bytes=settings.max_log_line_bytes
    )
    body = bytearray()
    shown = 0
    for line in islice(lines, last - start + 1):
        if shown and len(body) + len(line) > settings.max_log_response_bytes:
            break
        body += line
        shown += 1
    headers = {
        "X-Line-Start": str(start),
        "X-Line-End": str(start + shown - 1),
        "X-Total-Lines": str(boot.log_lines),
        "X-Max-Line-Bytes": str(settings.max_log_line_bytes),
    }
    return Response(bytes(body), media_type="text/plain; charset=utf-8", headers=headers)
