"""Turn an upload's form fields and files into validated ``BootFields`` and staged blobs.

Everything here happens before the database is touched: sizes, gzip limits, JSON and field
lengths are checked first, so a refused upload leaves nothing behind. Requests larger than the
upload limit are cut off while they stream in (``BodyLimitMiddleware``), before the multipart
parser has spooled them to disk.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db.blobs import BlobRejected, BlobTooLarge, Limits, StagedBlob, stage_upload
from app.db.queries import BootFields

MAX_TAGS = 32
MAX_METADATA_BYTES = 1024 * 1024
MULTIPART_SLACK = 1024 * 1024  # room for the text fields and part headers of a request
FIELD_LIMITS = {"name": 255, "branch": 255, "commit": 64, "ci_url": 2000, "origin_id": 255}


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_upload_bytes,
        max_decompressed=settings.max_decompressed_bytes,
        max_ratio=settings.max_gzip_ratio,
    )


def stage_file(stream: BinaryIO, settings: Settings, *, what: str, gunzip: bool) -> StagedBlob:
    """Stage one uploaded file; 413 when over a limit, 422 when unusable."""
    try:
        return stage_upload(stream, limits=limits_of(settings), gunzip=gunzip)
    except BlobTooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"{what}: {exc}") from None
    except BlobRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{what}: {exc}") from None


def parse_metadata(stream: BinaryIO) -> dict[str, Any]:
    data = stream.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "firmware_metadata is over 1 MiB")
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"firmware_metadata is not JSON: {exc}"
        ) from None
    if not isinstance(value, dict):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "firmware_metadata must be a JSON object"
        )
    return value


def parse_tags(text: str | None) -> tuple[str, ...]:
    tags = tuple(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > 64 for t in tags):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"at most {MAX_TAGS} tags of 64 characters"
        )
    return tags


def build_fields(
    *,
    name: str | None,
    filename: str | None,
    branch: str | None,
    commit: str | None,
    ci_url: str | None,
    tags: str | None,
    origin_id: str | None,
    firmware_metadata: dict[str, Any] | None,
) -> BootFields:
    """Validated, trimmed boot fields; 422 names the offending field."""
    values = {
        "name": (name or filename or "boot log").strip() or "boot log",
        "branch": (branch or "").strip() or None,
        "commit": (commit or "").strip() or None,
        "ci_url": (ci_url or "").strip() or None,
        "origin_id": (origin_id or "").strip() or None,
    }
    for key, limit in FIELD_LIMITS.items():
        value = values[key]
        if value is not None and len(value) > limit:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"{key} is longer than {limit} characters"
            )
    ci = values["ci_url"]
    if ci is not None and not ci.startswith(("http://", "https://")):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "ci_url must be http(s)")
    return BootFields(
        name=values["name"] or "boot log",
        branch=values["branch"],
        commit=values["commit"],
        ci_url=ci,
        tags=parse_tags(tags),
        origin_id=values["origin_id"],
        firmware_metadata=firmware_metadata,
    )


class BodyLimitMiddleware:
    """Answer 413 as soon as a request body is larger than ``max_bytes`` (plus slack)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + MULTIPART_SLACK

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _reject(send, self.max_bytes)
            return
        received = 0
        state = {"started": False, "exceeded": False, "rejected": False}

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    state["exceeded"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app makes of a cut-off body (FastAPI says 400), the answer is 413.
            if state["exceeded"] and not state["started"]:
                if not state["rejected"]:
                    state["rejected"] = True
                    await _reject(send, self.max_bytes)
                return
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not state["started"] and not state["rejected"]:
                await _reject(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _reject(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body is larger than the limit of {limit} bytes"})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
