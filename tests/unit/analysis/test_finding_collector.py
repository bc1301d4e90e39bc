"""The collector's grouping: one finding per fingerprint, so triage, the new/fixed lists and
permalinks that key on fingerprints see each finding once."""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import FindingCollector
from app.analysis.simulator import SIMULATOR_RULES


def test_keys_that_differ_only_in_a_pci_slot_are_one_finding() -> None:
    collector = FindingCollector(SIMULATOR_RULES)
    collector.report("IOMMU-001", [90], key="virtio-blk 00:04.0:map", details={"n": 2})
    collector.report("IOMMU-001", [40], key="virtio-blk 00:03.0:map", details={"n": 1})
    collector.report("IOMMU-001", [41], key="virtio-blk 00:03.0:map")
    collector.report("IOMMU-001", [70], key="virtio-net 00:05.0:map", severity=Severity.HIGH)
    findings = collector.findings()
    prints = [f.fingerprint for f in findings]
    assert len(prints) == len(set(prints)) == 2
    (blk,) = [f for f in findings if f.key.startswith("virtio-blk")]
    assert blk.key == "virtio-blk 00:03.0:map"  # the one seen first in the log
    assert blk.count == 3 and blk.lines == (40, 41, 90)
    assert blk.details == {"n": 1, "keys": ["virtio-blk 00:03.0:map", "virtio-blk 00:04.0:map"]}
    (net,) = [f for f in findings if f.key.startswith("virtio-net")]
    assert net.count == 1 and "keys" not in net.details and net.severity == Severity.HIGH


def test_the_worst_severity_of_merged_groups_is_kept() -> None:
    collector = FindingCollector(SIMULATOR_RULES)
    collector.report("IOMMU-001", [5], key="ahci 00:1f.2:map")
    collector.report("IOMMU-001", [9], key="ahci 00:1f.3:map", severity=Severity.CRITICAL)
    (finding,) = collector.findings()
    assert finding.severity == Severity.CRITICAL and finding.count == 2
