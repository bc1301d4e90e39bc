"""Workload declarations: JSON round trip and clear errors for invalid ones."""

from __future__ import annotations

import json

import pytest

from app.analysis.errors import WorkloadError
from app.synth import Workload, demo_workloads


def test_workload_round_trips_through_json() -> None:
    for w in demo_workloads():
        assert Workload.from_dict(json.loads(json.dumps(w.to_dict()))) == w


def test_demo_workloads_are_named_and_distinct() -> None:
    names = [w.name for w in demo_workloads()]
    assert 3 <= len(names) <= 8 and len(set(names)) == len(names)  # 3 with a host trace


BASE = {"name": "x", "seed": 1, "platform": "sev-es", "edk2": "202402", "pool": True}


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"platform": "sgx"}, "platform must be one of"),
        ({"edk2": "2024"}, "edk2 must be a release"),
        ({"platform": "tdx", "edk2": "202202", "pool": False}, "tdx is not supported"),
        ({"edk2": "202211"}, "pool only exists from edk2 202302"),
        ({"devices": [{"kind": "virtio-blk"}]}, "bdf must look like"),
        ({"devices": [{"kind": "virtio-blk", "bdf": "00:01.0"}]}, "taken by a device of the base"),
        (
            {"devices": [{"kind": "virtio-blk", "bdf": "00:03.0", "sizes": [100]}]},
            "multiple of 512",
        ),
        ({"devices": [{"kind": "fw-cfg", "bdf": "00:03.0"}]}, "not a PCI device"),
        ({"faults": [{"kind": "nope"}]}, "kind must be one of"),
        ({"faults": [{"kind": "duplicate-slot"}], "edk2": "202511"}, "fixed in edk2 202511"),
        ({"faults": [{"kind": "truncated"}]}, "set boot_exits_cleanly to false"),
        ({"faults": [{"kind": "leak"}]}, "needs a virtio device"),
        ({"colour": "red"}, "unknown field"),
        ({"seed": "one"}, "seed must be an integer"),
    ],
)
def test_workload_invalid_raises_clear_error(patch: dict[str, object], message: str) -> None:
    with pytest.raises(WorkloadError, match=message):
        Workload.from_dict({**BASE, **patch})


def test_workload_missing_field() -> None:
    with pytest.raises(WorkloadError, match="missing required field 'platform'"):
        Workload.from_dict({"name": "x", "seed": 1, "edk2": "202402"})
