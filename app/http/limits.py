"""Requests refused at the door, before any route or query runs.

Requests larger than the upload limit are cut off while they stream in, before the multipart
parser has spooled them to disk: the answer is 413 with a JSON ``detail``. A URL with a NUL
byte (``%00``) in its path or query is 422: PostgreSQL cannot compare text with a NUL (it
answered a misleading 503) while SQLite can, so both refuse it here the same way."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_SLACK = 1024 * 1024  # room for the text fields and part headers of a request


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


class NulInUrlMiddleware:
    """422 for a request whose path or query string holds a NUL byte, raw or ``%00``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            raw_path: bytes = scope.get("raw_path") or b""
            path: str = scope.get("path", "")
            if "\x00" in path or any(
                b"\x00" in part or b"%00" in part.lower() for part in (query, raw_path)
            ):
                detail = "the URL holds a NUL character"
                await _answer(send, 422, detail)
                return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _reject(send: Send, limit: int) -> None:
    detail = f"request body is larger than the limit of {limit} bytes"
    await _answer(send, 413, detail, close=True)


async def _answer(send: Send, status: int, detail: str, *, close: bool = False) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
