"""Two boots compared: findings new, fixed and persisting (by fingerprint), device deltas.

Pure functions over result-document sections, shared by the compare page and its JSON.
"""

from __future__ import annotations

from typing import Any

DEVICE_METRICS = (
    "maps",
    "bytes",
    "bounce_bytes",
    "transitions",
    "peak_shared_pages",
    "shared_page_lines",
    "shared_page_seconds",
)


def compare_findings(
    a: list[dict[str, Any]], b: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """``new`` (only in B), ``fixed`` (only in A) and ``persisting`` (in both, B's copy)."""
    in_a = {f["fingerprint"]: f for f in a}
    in_b = {f["fingerprint"]: f for f in b}
    return {
        "new": [f for fp, f in in_b.items() if fp not in in_a],
        "fixed": [f for fp, f in in_a.items() if fp not in in_b],
        "persisting": [f for fp, f in in_b.items() if fp in in_a],
    }


def _pair_kinds(in_a: dict[str, Any], in_b: dict[str, Any]) -> dict[str, str]:
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


def compare_devices(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per device of either boot: its statistics in A and B and B - A per metric."""
    in_a = {d["device"]: d for d in a}
    in_b = {d["device"]: d for d in b}
    for b_name, a_name in _pair_kinds(in_a, in_b).items():
        specific = a_name if " " in a_name else b_name  # show the name with the PCI address
        in_a[specific] = in_a.pop(a_name)
        in_b[specific] = in_b.pop(b_name)
    rows = []
    for name in sorted(set(in_a) | set(in_b)):
        da, db = in_a.get(name), in_b.get(name)
        delta = {
            metric: (db or {}).get(metric, 0) - (da or {}).get(metric, 0)
            for metric in DEVICE_METRICS
            if (da or {}).get(metric) is not None or (db or {}).get(metric) is not None
        }
        rows.append({"device": name, "a": da, "b": db, "delta": delta})
    return rows


def compare_documents(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "findings": compare_findings(a.get("findings", []), b.get("findings", [])),
        "devices": compare_devices(a.get("devices", []), b.get("devices", [])),
        "verdict": {"a": a.get("verdict"), "b": b.get("verdict")},
    }
