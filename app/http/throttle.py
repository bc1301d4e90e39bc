"""Sign-in throttling: failed passwords per username and client address lock that pair out.

Every password check costs an argon2 hash (tens of milliseconds of CPU, on purpose). Run on
the event loop, 20 concurrent wrong passwords pushed ``/api/v1/health`` from 32 ms to 2.8 s;
so the checks run in worker threads, at most ``HASH_THREADS`` at a time (the other requests
keep the rest of the CPU), and ``max_failures`` failures of one (username, address) within
``window_seconds`` lock that pair out for ``lockout_seconds``: a locked attempt is answered
``429`` with ``Retry-After`` before any hash is computed. A success clears the pair.

The state is per server process and bounded (``MAX_TRACKED`` pairs, the oldest dropped), which
is what the embedded default needs; behind a proxy the address is the proxy's.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio.to_thread
from fastapi import HTTPException, Request
from fastapi import status as http

HASH_THREADS = 2
MAX_TRACKED = 100_000
T = TypeVar("T")


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class LoginThrottle:
    """Failed sign-ins per (username, client address), with lockout and a hash limiter."""

    def __init__(self, *, max_failures: int, window_seconds: float, lockout_seconds: float) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._limiters: dict[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = {}

    @staticmethod
    def key(request: Request, username: str) -> tuple[str, str]:
        address = request.client.host if request.client else "unknown"
        return username.strip().lower(), address

    def check(self, key: tuple[str, str]) -> None:
        """``429`` with ``Retry-After`` while ``key`` is locked out."""
        entry = self._failures.get(key)
        wait = (entry.locked_until - time.monotonic()) if entry else 0.0
        if wait > 0:
            raise HTTPException(
                http.HTTP_429_TOO_MANY_REQUESTS,
                f"too many failed sign-ins; try again in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )

    def failed(self, key: tuple[str, str]) -> None:
        now = time.monotonic()
        entry = self._failures.pop(key, None) or _Failures()
        entry.times = [t for t in entry.times if now - t < self.window_seconds] + [now]
        if len(entry.times) >= self.max_failures:
            entry.locked_until, entry.times = now + self.lockout_seconds, []
        self._failures[key] = entry
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)

    def succeeded(self, key: tuple[str, str]) -> None:
        self._failures.pop(key, None)

    async def run_hashing(self, work: Callable[[], T]) -> T:
        """``work`` (which checks a password) in a thread, ``HASH_THREADS`` at a time."""
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            self._limiters = {loop: anyio.CapacityLimiter(HASH_THREADS)}
            limiter = self._limiters[loop]
        return await anyio.to_thread.run_sync(work, limiter=limiter)
