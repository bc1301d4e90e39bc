"""Load shedding: at most ``max_active`` requests are served at once, a bounded number wait
for a slot, and the rest get a fast ``503`` with ``Retry-After``.

Without it, 200 concurrent clients on a 2-core server queued inside the thread pool and the
database pool: each waiting request held a thread and then a pooled connection for up to 30 s,
nearly every request timed out, and the server kept working off requests whose clients had long
left. Here a request waits (holding no thread and no database session) until a slot frees up,
for at most ``wait_seconds``; when ``max_waiting`` requests already wait, or the wait runs out,
it is refused at once. A client that disconnects while waiting simply leaves the queue.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_SECONDS = 1


class ConcurrencyLimitMiddleware:
    """Serve ``max_active`` HTTP requests at once; queue ``max_waiting`` for ``wait_seconds``."""

    def __init__(
        self, app: ASGIApp, *, max_active: int, max_waiting: int, wait_seconds: float
    ) -> None:
        self.app = app
        self.max_active = max_active
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        """The slots of the running event loop (a test may run the app on several loops)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop, self.waiting = asyncio.Semaphore(self.max_active), loop, 0
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if slots.locked():
            if self.waiting >= self.max_waiting:
                await _busy(send, "too many requests are waiting")
                return
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.wait_seconds)
            except TimeoutError:
                await _busy(send, f"no request slot within {self.wait_seconds:g} s")
                return
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


async def _busy(send: Send, why: str) -> None:
    body = json.dumps({"detail": f"the server is busy ({why}); retry shortly"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
