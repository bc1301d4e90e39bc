"""Encryption-state transitions: the ones the log states and the ones IoMmuDxe implies.

Verbose logs state every conversion (SEV ``SetMemoryEncDec``/``InternalSetPageState``, TDX
``SetMemorySharedOrPrivate``); info-level logs state none. The IoMmu model therefore files
*expectations* ("this legacy map must make ``[a, b)`` shared") and this tracker matches them
with the logged lines of module ``IoMmuDxe``:

* a logged line is applied to the page map at once (PAGE-001/PAGE-002 are checked there);
* IoMmuDxe lines that match no expectation wait as *orphans*: on a legacy map the lines come
  before the ``Mapping=`` result that files the expectation;
* at the next IoMmu event (``resolve``) an expectation that nothing matched is applied
  implicitly - silently when the boot never logged any conversion, as PAGE-003 when it did -
  and leftover orphans are PAGE-003 (a conversion no operation implies).

Sticky expectations (the pool re-encryption at ExitBootServices, logged after the whole LIFO
unmap burst) are only resolved at hand-off.
"""

from __future__ import annotations

from app.analysis.model import PAGE_SIZE, PageState
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator.pagemap import PAGE_SHIFT, PageMap, align_range
from app.analysis.simulator.stats import DeviceStats
from app.analysis.simulator.timeline import BucketCounter, Downsampler

SHARED = PageState.SHARED
PRIVATE = PageState.PRIVATE
IOMMU_MODULE = "IoMmuDxe"
MAX_ORPHANS = 64
PAGE_MASK = ~(PAGE_SIZE - 1)
MAX_SHARED_BY = 4096


class Expectation:
    __slots__ = ("start", "end", "to_shared", "owner", "line", "matched", "sticky", "what", "lines")

    def __init__(
        self,
        start: int,
        end: int,
        to_shared: bool,
        owner: DeviceStats | None,
        line: int,
        sticky: bool,
        what: str,
    ) -> None:
        self.start = start
        self.end = end
        self.to_shared = to_shared
        self.owner = owner
        self.line = line
        self.matched = 0
        self.sticky = sticky
        self.what = what
        self.lines: tuple[int, ...] = (line,)


class TransitionTracker:
    """Owns the page map of RAM, the MMIO map, and everything about conversions."""

    def __init__(
        self, collector: FindingCollector, *, max_points: int = 1000, keep_transitions: int = 500
    ) -> None:
        self.collector = collector
        self.pages = PageMap()
        self.mmio = PageMap()
        self.enc_logged = False
        self.expectations: list[Expectation] = []
        self.orphans: list[tuple[int, int, bool, int, list[object] | None]] = []
        self.series = Downsampler(max_points)
        self.buckets = BucketCounter(max_points)
        self.keep_transitions = keep_transitions
        self.first: list[list[object]] = []
        self.to_shared = 0
        self.implied = 0
        self.peak_shared = 0
        self.peak_line = 0
        self.by_module: dict[str, list[int]] = {}
        #: who last shared a range, by start address (bounded; evidence for PAGE-004)
        self.shared_by: dict[int, tuple[str, int]] = {}

    # -- applying ---------------------------------------------------------------------------

    def apply(
        self,
        start: int,
        end: int,
        to_shared: bool,
        line: int,
        time: float | None,
        module: str,
        source: str,
        check: bool = True,
        owner: DeviceStats | None = None,
    ) -> list[object] | None:
        """Convert ``[start, end)``; check PAGE-001/002; record stats. Returns the verbatim
        timeline entry (so a later match can fill in the device) or None."""
        start &= PAGE_MASK
        end = (end + PAGE_SIZE - 1) & PAGE_MASK
        if end <= start:
            return None
        pages = self.pages
        counts = pages.counts
        before = counts[0]
        same = SHARED if to_shared else PRIVATE
        previous = pages.set_range(start, end, same)
        if check:
            dup = 0
            for s, e, st in previous:
                if st is same:
                    dup += (e - s) >> PAGE_SHIFT
            if dup:
                rule = "PAGE-001" if to_shared else "PAGE-002"
                key = f"{module or 'unknown'}:{'shared' if to_shared else 'private'}"
                self.collector.report(
                    rule, (line,), key=key, details={"module": module, "pages": dup}
                )
        after = counts[0]
        if after != before:
            self.series.record(line, time, after)
            if after > self.peak_shared:
                self.peak_shared = after
                self.peak_line = line
        n = (end - start) >> PAGE_SHIFT
        if source == "implied":
            self.implied += 1
        per = self.by_module.get(module)
        if per is None:
            per = self.by_module[module] = [0, 0]
        per[0] += 1
        per[1] += n
        buckets = self.buckets
        if line // buckets.width == buckets.key:  # BucketCounter.add, inlined fast path
            bucket = buckets.buckets[-1]
            bucket[1] += 1
            bucket[2] += n
            if to_shared:
                bucket[3] += 1
        else:
            buckets.add(line, n, to_shared)
        label = None
        if owner is not None:
            owner.transitions += 1
            owner.transition_pages += n
            label = owner.label
        if to_shared:
            self.to_shared += 1
            shared_by = self.shared_by
            shared_by[start] = (label or module or "unknown", line)
            if len(shared_by) > MAX_SHARED_BY:  # keep the newest half, amortised O(1)
                self.shared_by = dict(list(shared_by.items())[MAX_SHARED_BY // 2 :])
        first = self.first
        if len(first) < self.keep_transitions:
            entry: list[object] = [line, time, start, end, n, to_shared, module, source, label]
            first.append(entry)
            return entry
        return None

    def logged(
        self, start: int, end: int, to_shared: bool, module: str, line: int, time: float | None
    ) -> None:
        """A conversion the log states (not MMIO)."""
        self.enc_logged = True
        entry = self.apply(start, end, to_shared, line, time, module, "logged")
        if module != IOMMU_MODULE:
            return
        start &= PAGE_MASK
        end = (end + PAGE_SIZE - 1) & PAGE_MASK
        if not self.expectations or not self._match(start, end, to_shared, entry):
            self.orphans.append((start, end, to_shared, line, entry))
            if len(self.orphans) > MAX_ORPHANS:
                self._report_orphan(self.orphans.pop(0))

    def mark_known(self, start: int, end: int, state: PageState) -> None:
        """Record what the code guarantees about pages we knew nothing of (no conversion)."""
        pages = self.pages
        for s, e, st in pages.pieces(start, end):
            if st is PageState.UNKNOWN:
                pages.set_range(s, e, state)

    def logged_mmio(self, start: int, end: int, to_shared: bool) -> None:
        self.enc_logged = True
        self.mmio.set_range(start, end, SHARED if to_shared else PRIVATE)

    def _match(self, start: int, end: int, to_shared: bool, entry: list[object] | None) -> bool:
        for x in self.expectations:
            if x.to_shared is to_shared and x.start <= start and end <= x.end:
                x.matched += (end - start) >> PAGE_SHIFT
                if x.owner is not None:
                    x.owner.transitions += 1
                    x.owner.transition_pages += (end - start) >> PAGE_SHIFT
                    if entry is not None:
                        entry[8] = x.owner.label
                    if to_shared and x.owner.label:
                        self.shared_by[start] = (x.owner.label, x.line)
                return True
        return False

    # -- expectations -----------------------------------------------------------------------

    def claim_window(
        self, start: int, end: int, to_shared: bool, owner: DeviceStats, line: int
    ) -> bool:
        """Fast path of ``expect`` + ``resolve`` for a legacy map: the window logged exactly
        the expected conversion as one line. True if so (nothing left to settle)."""
        orphans = self.orphans
        if len(orphans) != 1 or self.expectations:
            return False
        s, e, d, _, entry = orphans[0]
        if d is not to_shared or s != start or e != end:
            return False
        self.orphans = []
        n = (e - s) >> PAGE_SHIFT
        owner.transitions += 1
        owner.transition_pages += n
        label = owner.label
        if entry is not None:
            entry[8] = label
        if to_shared and label:
            self.shared_by[s] = (label, line)
        return True

    def expect(
        self,
        start: int,
        end: int,
        to_shared: bool,
        owner: DeviceStats | None,
        line: int,
        *,
        sticky: bool = False,
        what: str = "map",
        request_line: int | None = None,
    ) -> None:
        """File a conversion the code path implies; ``request_line`` is the Map request line
        (evidence for PAGE-003 along with ``line``)."""
        start, end = align_range(start, end)
        if end <= start:
            return
        x = Expectation(start, end, to_shared, owner, line, sticky, what)
        if request_line is not None:
            x.lines = (request_line, line)
        self.expectations.append(x)
        if self.orphans:
            keep = []
            for o in self.orphans:
                s, e, d, _, entry = o
                if d is to_shared and start <= s and e <= end:
                    x.matched += (e - s) >> PAGE_SHIFT
                    if owner is not None:
                        owner.transitions += 1
                        owner.transition_pages += (e - s) >> PAGE_SHIFT
                        if entry is not None:
                            entry[8] = owner.label
                        if d and owner.label:
                            self.shared_by[s] = (owner.label, line)
                else:
                    keep.append(o)
            self.orphans = keep

    def resolve(self, line: int, time: float | None, *, sticky: bool = False) -> None:
        """Settle expectations (all, or only non-sticky ones) and leftover orphans."""
        if self.expectations:
            keep = []
            for x in self.expectations:
                if x.sticky and not sticky:
                    keep.append(x)
                else:
                    self._settle(x, time)
            self.expectations = keep
        if self.orphans:
            for o in self.orphans:
                self._report_orphan(o)
            self.orphans = []

    def _settle(self, x: Expectation, time: float | None) -> None:
        want = (x.end - x.start) >> PAGE_SHIFT
        if x.matched >= want:
            return
        device = x.owner.label if x.owner is not None and x.owner.label else IOMMU_MODULE
        if self.enc_logged:
            # Same-direction orphans of this window are the lines that logged the wrong range.
            wrong = [o for o in self.orphans if o[2] is x.to_shared]
            if wrong:
                self.orphans = [o for o in self.orphans if o[2] is not x.to_shared]
                kind = "wrong-range"
            else:
                kind = "missing"
            key = f"{device}:{kind}" if x.what in ("map", "unmap") else f"{device}:{x.what}:{kind}"
            self.collector.report(
                "PAGE-003",
                (*x.lines, *(o[3] for o in wrong)),
                key=key,
                details={
                    "expected": f"{x.start:#x}-{x.end:#x}",
                    "expected_pages": want,
                    "logged_pages": x.matched,
                    "logged_elsewhere": [f"{o[0]:#x}-{o[1]:#x}" for o in wrong[:5]],
                    "what": x.what,
                    "to": "shared" if x.to_shared else "private",
                },
            )
        # The code path converts unconditionally: keep the map in step with the firmware.
        self.apply(
            x.start,
            x.end,
            x.to_shared,
            x.line,
            time,
            module=IOMMU_MODULE,
            source="implied",
            check=x.matched == 0,
            owner=x.owner,
        )

    def _report_orphan(self, orphan: tuple[int, int, bool, int, list[object] | None]) -> None:
        start, end, to_shared, line, _ = orphan
        self.collector.report(
            "PAGE-003",
            (line,),
            key=f"{IOMMU_MODULE}:unexpected",
            details={
                "pages": (end - start) >> PAGE_SHIFT,
                "range": f"{start:#x}-{end:#x}",
                "to": "shared" if to_shared else "private",
            },
        )

    @property
    def total(self) -> int:
        """Number of conversions applied (logged and implied)."""
        return sum(c for c, _ in self.by_module.values())

    @property
    def total_pages(self) -> int:
        return sum(p for _, p in self.by_module.values())

    def to_dict(self) -> dict[str, object]:
        keys = ("line", "time", "start", "end", "pages", "to_shared", "module", "source", "device")
        return {
            "total": self.total,
            "pages": self.total_pages,
            "to_shared": self.to_shared,
            "to_private": self.total - self.to_shared,
            "implied": self.implied,
            "first": [dict(zip(keys, e, strict=True)) for e in self.first],
            "dropped": self.total - len(self.first),
            "per_bucket": self.buckets.to_dict(),
            "by_module": {m: {"count": c, "pages": p} for m, (c, p) in self.by_module.items()},
        }
