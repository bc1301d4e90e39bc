"""Two boots compared: findings new, fixed and persisting (by fingerprint), device deltas.

Pure functions over result documents, shared by the compare page and its JSON (the API
serves ``to_json`` of the ``Comparison``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.analysis.document import Device, Finding, ResultDocument, Verdict

DEVICE_METRICS = (
    "maps",
    "bytes",
    "bounce_bytes",
    "transitions",
    "peak_shared_pages",
    "shared_page_lines",
    "shared_page_seconds",
)


@dataclass(frozen=True, slots=True)
class FindingChanges:
    """``new`` (only in B), ``fixed`` (only in A) and ``persisting`` (in both, B's copy)."""

    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    persisting: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class DeviceDelta:
    """One device of either boot: its statistics in A and B, and B - A per metric."""

    device: str
    a: Device | None
    b: Device | None
    delta: dict[str, float]


@dataclass(frozen=True, slots=True)
class VerdictPair:
    a: Verdict
    b: Verdict


@dataclass(frozen=True, slots=True)
class Comparison:
    findings: FindingChanges
    devices: tuple[DeviceDelta, ...]
    verdict: VerdictPair


def compare_findings(a: Sequence[Finding], b: Sequence[Finding]) -> FindingChanges:
    in_a = {f.fingerprint: f for f in a}
    in_b = {f.fingerprint: f for f in b}
    return FindingChanges(
        new=tuple(f for fp, f in in_b.items() if fp not in in_a),
        fixed=tuple(f for fp, f in in_a.items() if fp not in in_b),
        persisting=tuple(f for fp, f in in_b.items() if fp in in_a),
    )


def _pair_kinds(in_a: Mapping[str, Device], in_b: Mapping[str, Device]) -> dict[str, str]:
    """Logs before edk2-stable202302 print no PCI IDs, so their devices are named by kind only
    ("virtio-blk") where a newer log says "virtio-blk 00:03.0". A kind-only name on one side
    pairs with the single unmatched device of that kind on the other; returns {b name: a name}."""
    pairs: dict[str, str] = {}
    for ours, theirs, flip in ((in_a, in_b, False), (in_b, in_a, True)):
        for name in ours:
            if " " in name or name in theirs:
                continue
            same_kind = [n for n in theirs if n.split(" ")[0] == name and n not in ours]
            if len(same_kind) == 1:
                a_name, b_name = (same_kind[0], name) if flip else (name, same_kind[0])
                pairs[b_name] = a_name
    return pairs


def metric(device: Device | None, name: str) -> float:
    """One of ``DEVICE_METRICS`` of a device, 0 for a device the boot does not have."""
    if device is None:
        return 0
    value: float = getattr(device, name)
    return value


def compare_devices(a: Sequence[Device], b: Sequence[Device]) -> tuple[DeviceDelta, ...]:
    """One row per device of either boot, by name."""
    in_a = {d.device: d for d in a}
    in_b = {d.device: d for d in b}
    for b_name, a_name in _pair_kinds(in_a, in_b).items():
        specific = a_name if " " in a_name else b_name  # show the name with the PCI address
        in_a[specific] = in_a.pop(a_name)
        in_b[specific] = in_b.pop(b_name)
    rows = []
    for name in sorted(set(in_a) | set(in_b)):
        da, db = in_a.get(name), in_b.get(name)
        delta = {m: metric(db, m) - metric(da, m) for m in DEVICE_METRICS}
        rows.append(DeviceDelta(device=name, a=da, b=db, delta=delta))
    return tuple(rows)


def compare_documents(a: ResultDocument, b: ResultDocument) -> Comparison:
    return Comparison(
        findings=compare_findings(a.findings, b.findings),
        devices=compare_devices(a.devices, b.devices),
        verdict=VerdictPair(a=a.verdict, b=b.verdict),
    )
