"""Ground truth of a synthesized log: every mapping, allocation and injected fault, by line.

Mappings and allocations are kept in memory up to ``mappings_limit`` each (so a 500 MB
benchmark log does not hold millions of dicts); beyond that only the totals grow. If a truth
stream is given, every completed record is also written to it as one JSON line
(``{"type": "mapping", ...}``), so nothing is lost for huge runs. Faults are always kept: they
are few.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, BinaryIO

DEFAULT_MAPPINGS_LIMIT = 100_000


@dataclass
class MappingRecord:
    """One IoMmuMap call that succeeded, from request line to unmap line."""

    mapping: int
    device: str
    operation: str
    nbytes: int
    pages: int
    path: str
    request_line: int
    result_line: int
    unmap_line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapping": f"0x{self.mapping:X}",
            "device": self.device,
            "operation": self.operation,
            "bytes": self.nbytes,
            "pages": self.pages,
            "path": self.path,
            "request_line": self.request_line,
            "result_line": self.result_line,
            "unmap_line": self.unmap_line,
        }


@dataclass
class AllocationRecord:
    """One IoMmuAllocateBuffer call, from its request line to the FreeBuffer line."""

    host: int
    pages: int
    device: str
    path: str
    allocate_line: int
    result_line: int
    free_line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": f"0x{self.host:X}",
            "pages": self.pages,
            "device": self.device,
            "path": self.path,
            "allocate_line": self.allocate_line,
            "result_line": self.result_line,
            "free_line": self.free_line,
        }


@dataclass
class FaultRecord:
    kind: str
    rule_id: str
    lines: list[int]
    device: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule_id": self.rule_id,
            "lines": self.lines,
            "device": self.device,
        }


@dataclass
class GroundTruth:
    """What the synthesizer wrote, for tests, benchmarks and engine-vs-truth checks."""

    workload: dict[str, Any]
    mappings: list[MappingRecord] = field(default_factory=list)
    allocations: list[AllocationRecord] = field(default_factory=list)
    faults: list[FaultRecord] = field(default_factory=list)
    mappings_total: int = 0
    allocations_total: int = 0
    total_lines: int = 0
    total_bytes: int = 0
    exit_boot_services: bool = False
    end_state: str = "running"
    mappings_limit: int = DEFAULT_MAPPINGS_LIMIT
    host: dict[str, Any] | None = None  # the woven host trace's truth (``hosttrace``)

    @property
    def truncated_records(self) -> bool:
        """True when some mappings/allocations are counted but not listed."""
        return self.mappings_total > len(self.mappings) or self.allocations_total > len(
            self.allocations
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "synthesized": True,
            "workload": self.workload,
            "mappings": [m.to_dict() for m in self.mappings],
            "allocations": [a.to_dict() for a in self.allocations],
            "faults": [f.to_dict() for f in self.faults],
            "mappings_total": self.mappings_total,
            "allocations_total": self.allocations_total,
            "records_truncated": self.truncated_records,
            "total_lines": self.total_lines,
            "total_bytes": self.total_bytes,
            "exit_boot_services": self.exit_boot_services,
            "end_state": self.end_state,
            **({"host": self.host} if self.host is not None else {}),
        }


class TruthSink:
    """Collects records into a ``GroundTruth`` (bounded) and an optional JSON Lines stream."""

    def __init__(self, truth: GroundTruth, stream: BinaryIO | None) -> None:
        self.truth = truth
        self.stream = stream

    def add_mapping(self, record: MappingRecord) -> None:
        self.truth.mappings_total += 1
        if len(self.truth.mappings) < self.truth.mappings_limit:
            self.truth.mappings.append(record)

    def add_allocation(self, record: AllocationRecord) -> None:
        self.truth.allocations_total += 1
        if len(self.truth.allocations) < self.truth.mappings_limit:
            self.truth.allocations.append(record)

    def add_fault(self, record: FaultRecord) -> None:
        self.truth.faults.append(record)
        self._write("fault", record.to_dict())

    def mapping_done(self, record: MappingRecord) -> None:
        self._write("mapping", record.to_dict())

    def allocation_done(self, record: AllocationRecord) -> None:
        self._write("allocation", record.to_dict())

    def _write(self, kind: str, data: dict[str, Any]) -> None:
        if self.stream is not None:
            self.stream.write(json.dumps({"type": kind, **data}).encode() + b"\n")
