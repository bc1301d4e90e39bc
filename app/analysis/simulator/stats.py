"""Per-device DMA statistics, accumulated incrementally while the log is replayed.

A ``DeviceStats`` is also the unit of attribution: every mapping points at the accumulator
it was counted in. An accumulator opened before the device is known ("pending") can later be
merged into the real device's accumulator; ``resolve()`` follows those merges.
"""

from __future__ import annotations

from app.analysis.model import IOMMU_OPERATIONS

OP_INDEX = {name: i for i, name in enumerate(IOMMU_OPERATIONS)}
OP_READ, OP_WRITE, OP_COMMON, OP_READ64, OP_WRITE64, OP_COMMON64 = range(6)
BOUNCE_IN_OPS = (OP_READ, OP_READ64)  # copied into the bounce buffer at Map
BOUNCE_OUT_OPS = (OP_WRITE, OP_WRITE64)  # copied back at Unmap
COMMON_OPS = (OP_COMMON, OP_COMMON64)


class DeviceStats:
    """Counters for one device (or one pending group of mappings)."""

    __slots__ = (
        "label",
        "method",
        "evidence_line",
        "maps",
        "unmaps",
        "bytes",
        "pages",
        "bounce_bytes",
        "transitions",
        "transition_pages",
        "shared_pages",
        "peak_shared_pages",
        "page_lines",
        "page_seconds",
        "last_line",
        "last_time",
        "merged_into",
        "first_line",
        "pool_maps",
        "legacy_maps",
        "live_at_ebs",
        "methods",
    )

    def __init__(self, label: str | None, method: str, evidence_line: int | None) -> None:
        self.label = label
        self.method = method
        self.evidence_line = evidence_line
        self.maps = [0, 0, 0, 0, 0, 0]
        self.unmaps = 0
        self.bytes = 0
        self.pages = 0
        self.bounce_bytes = 0
        self.transitions = 0
        self.transition_pages = 0
        self.shared_pages = 0
        self.peak_shared_pages = 0
        self.page_lines = 0
        self.page_seconds = 0.0
        self.last_line = 0
        self.last_time: float | None = None
        self.merged_into: DeviceStats | None = None
        self.first_line: int | None = None
        self.pool_maps = 0
        self.legacy_maps = 0
        self.live_at_ebs = 0
        self.methods: dict[str, int] = {}

    def resolve(self) -> DeviceStats:
        """The accumulator this one was merged into (itself if none)."""
        target = self
        while target.merged_into is not None:
            target = target.merged_into
        return target

    def advance(self, line: int, time: float | None) -> None:
        """Accumulate shared page-time up to ``line``/``time`` at the current level."""
        shared = self.shared_pages
        if shared:
            self.page_lines += shared * (line - self.last_line)
            if time is not None and self.last_time is not None:
                self.page_seconds += shared * (time - self.last_time)
        self.last_line = line
        if time is not None:
            self.last_time = time

    def add_shared(self, pages: int, line: int, time: float | None) -> None:
        shared = self.shared_pages
        if shared:  # advance() inlined: this runs on every map and unmap
            self.page_lines += shared * (line - self.last_line)
            if time is not None and self.last_time is not None:
                self.page_seconds += shared * (time - self.last_time)
        self.last_line = line
        if time is not None:
            self.last_time = time
        self.shared_pages = shared + pages
        if self.shared_pages > self.peak_shared_pages:
            self.peak_shared_pages = self.shared_pages

    def merge_into(self, target: DeviceStats, line: int, time: float | None) -> None:
        """Fold this pending accumulator into ``target`` and forward future lookups."""
        if target is self:
            return
        self.advance(line, time)
        target.advance(line, time)
        for i, n in enumerate(self.maps):
            target.maps[i] += n
        target.unmaps += self.unmaps
        target.bytes += self.bytes
        target.pages += self.pages
        target.bounce_bytes += self.bounce_bytes
        target.transitions += self.transitions
        target.transition_pages += self.transition_pages
        target.page_lines += self.page_lines
        target.page_seconds += self.page_seconds
        target.pool_maps += self.pool_maps
        target.legacy_maps += self.legacy_maps
        target.live_at_ebs += self.live_at_ebs
        for method, n in self.methods.items():
            target.methods[method] = target.methods.get(method, 0) + n
        if self.first_line is not None and (
            target.first_line is None or self.first_line < target.first_line
        ):
            target.first_line = self.first_line
        target.add_shared(self.shared_pages, line, time)
        target.peak_shared_pages = max(target.peak_shared_pages, self.peak_shared_pages)
        self.merged_into = target

    def to_dict(self) -> dict[str, object]:
        return {
            "device": self.label or "unattributed",
            "attribution": {
                "method": self.method,
                "evidence_line": self.evidence_line,
                "methods": dict(self.methods),
            },
            "maps": sum(self.maps),
            "maps_by_operation": {
                name: n for name, n in zip(IOMMU_OPERATIONS, self.maps, strict=True) if n
            },
            "unmaps": self.unmaps,
            "bytes": self.bytes,
            "pages": self.pages,
            "bounce_bytes": self.bounce_bytes,
            "pool_maps": self.pool_maps,
            "legacy_maps": self.legacy_maps,
            "transitions": self.transitions,
            "transition_pages": self.transition_pages,
            "peak_shared_pages": self.peak_shared_pages,
            "shared_page_lines": self.page_lines,
            "shared_page_seconds": round(self.page_seconds, 6),
            "live_at_ebs": self.live_at_ebs,
            "first_line": self.first_line,
        }
