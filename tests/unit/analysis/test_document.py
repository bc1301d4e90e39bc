"""The typed result document reads back what it writes, on every bundled log and demo."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.analysis.document import (
    ENGINE_VERSION,
    SCHEMA_VERSION,
    DocumentError,
    ResultDocument,
    is_current,
)
from app.analysis.report import analyze, analyze_file
from app.synth import demo_workloads, write_log
from tests.unit.conftest import LOGS_DIR

DEMOS = demo_workloads()


def assert_round_trip(document: ResultDocument) -> None:
    stored = json.loads(json.dumps(document.to_dict()))  # what the service keeps
    assert ResultDocument.from_dict(stored) == document
    assert ResultDocument.from_dict(stored).to_dict() == stored


@pytest.mark.parametrize("path", sorted(LOGS_DIR.glob("*.log")), ids=lambda p: p.name[:3])
def test_every_bundled_log_round_trips(path: Path) -> None:
    assert_round_trip(analyze_file(path))


@pytest.mark.parametrize("workload", DEMOS, ids=lambda w: w.name)
def test_every_demo_round_trips(workload) -> None:
    buffer = io.BytesIO()
    write_log(workload, buffer)
    buffer.seek(0)
    document = analyze(buffer, name=workload.name)
    assert document.platform.kind == workload.platform
    assert_round_trip(document)


def test_each_fact_is_in_the_document_once() -> None:
    data = analyze_file(sorted(LOGS_DIR.glob("003-*.log"))[0]).to_dict()
    assert "platform" not in data["iommu"] and "platform" not in data["debug_cost"]
    assert "ebs_line" not in data["iommu"] and "ebs_line" not in data["timeline"]
    assert "handoff_line" not in data["timeline"] and "pool_supported" not in data["iommu"]


def test_platform_facts_not_seen_are_left_out_not_null() -> None:
    data = analyze_file(sorted(LOGS_DIR.glob("005-*.log"))[0]).to_dict()  # a plain VM
    assert data["platform"]["kind"] == "none"
    assert "ghcb" not in data["platform"] and "gpaw" not in data["platform"]
    assert ResultDocument.from_dict(data).platform.ghcb is None


def test_a_document_of_another_shape_is_refused_and_not_current() -> None:
    data = analyze_file(sorted(LOGS_DIR.glob("003-*.log"))[0]).to_dict()
    assert is_current(data)
    old = {**data, "schema_version": 1, "iommu": {**data["iommu"], "platform": "sev-es"}}
    assert not is_current(old)
    assert not is_current({**data, "engine_version": ENGINE_VERSION + "-old"})
    with pytest.raises(DocumentError, match="unexpected keys \\['platform'\\]"):
        ResultDocument.from_dict(old)
    missing = {k: v for k, v in data.items() if k != "boot"}
    with pytest.raises(DocumentError, match="missing key 'boot'"):
        ResultDocument.from_dict(missing)
    assert data["schema_version"] == SCHEMA_VERSION == 5
    assert data["fingerprint_version"] == 2
    assert {f["fingerprint_version"] for f in data["findings"]} <= {2}


def test_fingerprints_survive_address_and_number_changes() -> None:
    from app.analysis.fingerprint import fingerprint, fingerprint_v1, normalise_key

    moved = ("SNP_SECRETS@0x80d000", "SNP_SECRETS@0x80e000")
    assert fingerprint("FW-004", 1, moved[0]) == fingerprint("FW-004", 1, moved[1])
    assert fingerprint_v1("FW-004", 1, moved[0]) != fingerprint_v1("FW-004", 1, moved[1])
    slots = ("virtio-blk 00:03.0:map", "virtio-blk 0000:00:04.0:map")
    assert fingerprint("IOMMU-001", 1, slots[0]) == fingerprint("IOMMU-001", 1, slots[1])
    # a number inside a name is the name: e1000 is not virtio, nor another device
    assert normalise_key("e1000 00:03.0:leak") == "e1000 <pci>:leak"
    assert fingerprint("IOMMU-001", 1, "e1000:leak") != fingerprint("IOMMU-001", 1, "e1001:leak")
    assert fingerprint("IOMMU-001", 1, "virtio-net:leak") != fingerprint(
        "IOMMU-001", 1, "virtio-blk:leak"
    )
    assert fingerprint("IOMMU-001", 2, "x") != fingerprint("IOMMU-001", 1, "x")
