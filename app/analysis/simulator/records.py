"""The records IoMmuModel keeps: one per live MAP_INFO and one per AllocateBuffer buffer."""

from __future__ import annotations

from app.analysis.simulator.stats import DeviceStats


class Mapping:
    """One MAP_INFO: what was mapped, where the device sees it, who it is attributed to."""

    __slots__ = (
        "mapping",
        "op",
        "host",
        "nbytes",
        "pages",
        "device_address",
        "bits",
        "request_line",
        "line",
        "time",
        "stats",
        "buffer",
    )

    def __init__(
        self,
        mapping: int,
        op: int,
        host: int,
        nbytes: int,
        pages: int,
        device_address: int,
        bits: int,
        request_line: int,
        line: int,
        time: float | None,
        stats: DeviceStats,
        buffer: Buffer | None,
    ) -> None:
        self.mapping = mapping
        self.op = op
        self.host = host
        self.nbytes = nbytes
        self.pages = pages
        self.device_address = device_address
        self.bits = bits
        self.request_line = request_line
        self.line = line
        self.time = time
        self.stats = stats
        self.buffer = buffer


class Buffer:
    """One AllocateBuffer allocation (``host`` is what the caller got back)."""

    __slots__ = ("host", "pages", "stash", "bits", "line", "stats", "mapped")

    def __init__(
        self, host: int, pages: int, stash: int, bits: int, line: int, stats: DeviceStats
    ) -> None:
        self.host = host
        self.pages = pages
        self.stash = stash
        self.bits = bits
        self.line = line
        self.stats = stats
        self.mapped = 0
