"""Every real log bundled with the project, analysed end to end, with what it really shows.

``EXPECTED`` is the reviewer's reading of each log in ``app/data/logs`` (INDEX.md has their
provenance), written down by reading the logs, not by running the engine: the platform (``none``
only with positive evidence that no confidential computing was active, ``unknown`` otherwise),
the outcome and failure kind, the number of boot cycles, the findings and the lines they must
name, the CPU counts where the log prints them, and a lower bound of the share of recognised
lines. Each fact is its own test case. A fact the engine does not deliver yet can be marked
``pending`` (a strict xfail with the reason: one that starts to pass fails the suite, so whoever
implements the fact removes its mark); since issue 9 ("Real boots") none is.

The facts are read from the result document through ``fact()`` alone, by the dotted names the
issue uses (``platform.kind``, ``boot.outcome``, ``boot.failure.kind``, ``boots``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.analysis.report import analyze_file
from tests.unit.conftest import LOGS_DIR, real_log

Document = dict[str, Any]


@dataclass(frozen=True)
class Expected:
    """What one log shows. ``findings`` maps a rule ID to lines its finding must include;
    ``absent`` are rules that must not fire; ``pending`` maps a fact name to its xfail reason."""

    log: str
    platform: str
    outcome: str
    failure: str | None = None
    failure_line: int | None = None
    boots: int = 1
    findings: dict[str, tuple[int, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    fails_on_high: bool = False
    cpus: tuple[int, int] | None = None
    recognised: float = 0.0
    pending: dict[str, str] = field(default_factory=dict)


NO_FAILURE = frozenset({"BOOT-001", "BOOT-002"})

EXPECTED = (
    Expected(
        "003",
        "sev-es",
        "shutdown",  # the shell ran, then `DXE ResetSystem2: ResetType Shutdown` (line 1811)
        findings={"BOOT-003": ()},
        absent=NO_FAILURE,
        cpus=(2, 2),
        recognised=0.70,
    ),
    Expected(
        "004",
        "sev",  # DMA 0 (line 37) on AuthenticAMD (line 47): it dies before `SEV is enabled`
        "failed",
        "assert",
        75,
        findings={"BOOT-001": (75,)},
        fails_on_high=True,
        cpus=(2, 2),
        recognised=0.90,
    ),
    Expected(
        "005",
        "none",
        "handed-off",  # `[Bds]Booting UEFI QEMU HARDDISK` (2059), MpInit EBS callback (2419)
        absent=NO_FAILURE,
        cpus=(16, 16),
        recognised=0.70,
    ),
    Expected(
        "007",
        "tdx",
        "truncated",  # an excerpt that stops in DXE
        findings={"BOOT-002": (79,), "BOOT-003": ()},
        cpus=(8, 8),
        recognised=0.65,
    ),
    Expected(
        "008",
        "none",
        "booted",  # network boot attempts, last `[Bds]Booting UEFI PXEv6`
        absent=NO_FAILURE,
        cpus=(1, 1),
        recognised=0.65,
    ),
    Expected(
        "101",
        "none",
        "failed",
        "assert",
        1677,  # ASSERT ... PciResourceSupport.c(375): PaddingAperture == 0
        findings={"BOOT-001": (1677,)},
        fails_on_high=True,
        cpus=(4, 4),  # `MaxCpuCountInitialization: QEMU reports 4 processor(s)` (2017 form)
        recognised=0.70,
    ),
    Expected(
        "102",
        "none",  # `QemuFwCfgProbe: Supported 1, DMA 1` and a whole PEI without SEV/TDX
        "truncated",  # stops in BDS before the page fault the bug is about
        findings={"BOOT-002": (1719,)},
        cpus=(2, 2),
        recognised=0.80,
    ),
    Expected(
        "104",
        "none",
        "handed-off",  # boots the macOS disk (2059), MpInit EBS callback (2419)
        absent=NO_FAILURE,
        cpus=(16, 16),  # `BootCpuCount=16 mMaxCpuCount=16` (2020-2022 form)
        recognised=0.70,
    ),
    Expected(
        "105",
        "none",
        "booted",  # both cycles: `BdsDxe: starting Boot0004 "ubuntu"` (2830, 5778)
        boots=2,  # SecCoreStartupWithStack at lines 1 and 2951
        absent=NO_FAILURE,
        cpus=(0, 1),  # `BootCpuCount=0 mMaxCpuCount=1` after the QEMU v2.7 reset-bug line
        recognised=0.40,
    ),
    Expected(
        "107",
        "none",  # OVMF on Xen HVM, a whole PEI without SEV/TDX
        "failed",
        "assert",
        1156,  # ASSERT ... BdsPlatform.c(1444): !EFI_ERROR (Status)
        findings={"BOOT-001": (1156,)},
        fails_on_high=True,
        recognised=0.85,
    ),
    Expected(
        "110",
        "none",
        "truncated",  # stops in DXE while SMM drivers load
        findings={"BOOT-002": (695,)},
        cpus=(0, 1),
        recognised=0.75,
    ),
    Expected(
        "112",
        "none",  # TDVF Config-A booted as a plain VM
        "booted",  # `[Bds]Booting EFI Internal Shell`
        absent=NO_FAILURE,
        cpus=(0, 1),
        recognised=0.80,
    ),
    Expected(
        "120",
        "sev",  # DMA 0 (line 13) on AuthenticAMD (line 25); an SNP guest per the thread
        "truncated",
        findings={"BOOT-002": (33,)},
        recognised=0.90,
    ),
    Expected(
        "121",
        "unknown",  # a DXE excerpt: no line says whether SEV was active (it was: SNP)
        "truncated",
        findings={"BOOT-002": (23,)},
        recognised=0.90,
    ),
    Expected(
        "125",
        "unknown",
        "handed-off",  # the excerpt starts with the MpInit ExitBootServices callback
        absent=NO_FAILURE,
        recognised=0.10,
    ),
    Expected(
        "127",
        "unknown",
        "failed",
        "vmm-error",
        2,  # error: kvm run failed Invalid argument (then QEMU's register dump)
        findings={"BOOT-001": (2,)},
        absent=frozenset({"BOOT-002"}),
        fails_on_high=True,
        recognised=0.90,
    ),
    Expected(
        "130",
        "sev-es",  # `Invalid MMIO opcode (0)` is CcExitLib's #VC handler: SEV-ES or later
        "failed",
        "vc-error",
        1,  # the #VC error; the ASSERT on line 2 is its consequence
        findings={"BOOT-001": (1,)},
        fails_on_high=True,
        recognised=1.0,
    ),
    Expected(
        "131",
        "unknown",
        "reset",  # shim fallback's `Reset System`, `DXE ResetSystem2: ResetType Cold`
        absent=NO_FAILURE,
        recognised=0.10,
    ),
    Expected(
        "134",
        "unknown",
        "truncated",  # a cut PEI memory-allocation HOB dump
        findings={"BOOT-002": (27,)},
        recognised=0.95,
    ),
)


def fact(document: Document, name: str) -> Any:
    """The value of a dotted fact name in the result document (``None`` where absent)."""
    if name == "boots":
        boots = document.get("boots")
        return None if boots is None else len(boots)
    value: Any = document
    for key in name.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def finding_lines(document: Document) -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    for finding in document["findings"]:
        lines.setdefault(finding["id"], set()).update(finding["lines"])
    return lines


def recognised_share(document: Document) -> float:
    text_lines = document["source"]["lines"] - document["blank_lines"]
    return document["recognised_lines"] / max(1, text_lines)


def check(document: Document, expected: Expected, name: str) -> None:
    """Assert one fact of ``expected`` against the document."""
    if name == "platform.kind":
        assert fact(document, name) == expected.platform
    elif name == "boot.outcome":
        assert fact(document, name) == expected.outcome
    elif name == "boot.failure.kind":
        assert fact(document, name) == expected.failure
    elif name == "boot.failure.line":
        assert fact(document, name) == expected.failure_line
    elif name == "boots":
        assert fact(document, name) == expected.boots
    elif name == "findings":
        found = finding_lines(document)
        for rule_id, lines in expected.findings.items():
            assert rule_id in found, f"{rule_id} missing; found {sorted(found)}"
            assert set(lines) <= found[rule_id], (rule_id, sorted(found[rule_id]))
        assert not expected.absent & set(found), sorted(expected.absent & set(found))
    elif name == "verdict":
        worst = fact(document, "verdict.worst_severity")
        assert (worst in ("high", "critical")) is expected.fails_on_high, worst
    elif name == "platform.cpus":
        cpus = fact(document, name)
        actual = None if cpus is None else (cpus["boot"], cpus["max"])
        assert actual == expected.cpus
    elif name == "recognised":
        assert recognised_share(document) >= expected.recognised
    else:
        raise AssertionError(f"unknown fact {name}")


FACTS = (
    "platform.kind",
    "boot.outcome",
    "boot.failure.kind",
    "boot.failure.line",
    "boots",
    "findings",
    "verdict",
    "platform.cpus",
    "recognised",
)


def cases() -> Iterator[Any]:
    for expected in EXPECTED:
        for name in FACTS:
            reason = expected.pending.get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(expected, name, id=f"{expected.log}-{name}", marks=marks)


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {path.name[:3]: analyze_file(path).to_dict() for path in sorted(LOGS_DIR.glob("*.log"))}


def test_every_bundled_log_has_its_expected_facts(documents: dict[str, Document]) -> None:
    assert set(documents) == {expected.log for expected in EXPECTED}
    for document in documents.values():
        assert document["source"]["synthesized"] is False
        assert document["recognised_lines"] > 0  # every real log is recognised as a log


@pytest.mark.parametrize(("expected", "name"), list(cases()))
def test_fact(documents: dict[str, Document], expected: Expected, name: str) -> None:
    check(documents[expected.log], expected, name)


def test_105_has_two_boot_cycles_each_booting_ubuntu(documents: dict[str, Document]) -> None:
    boots = documents["105"]["boots"]
    assert [(b["first_line"], b["last_line"]) for b in boots] == [(1, 2950), (2951, 5898)]
    assert [b["outcome"] for b in boots] == ["booted", "booted"]


@pytest.mark.parametrize(("log", "lines"), [("004", {37, 47}), ("120", {13, 25})])
def test_dma_hint_is_listed_as_platform_evidence(
    documents: dict[str, Document], log: str, lines: set[int]
) -> None:
    evidence = documents[log]["platform"]["evidence"]
    assert lines <= {item["line"] for item in evidence}


def test_vc_error_is_listed_as_platform_evidence(documents: dict[str, Document]) -> None:
    evidence = documents["130"]["platform"]["evidence"]
    assert 1 in {item["line"] for item in evidence}


def test_003_sev_es_boot_with_reserved_pool_reaches_the_shell(
    documents: dict[str, Document],
) -> None:
    doc = documents["003"]
    platform = doc["platform"]
    assert platform["encryption_mask"] == "0x8000000000000"
    assert platform["ghcb"] == {"base": 0x3FF4C000, "pages": 4, "line": 83}
    assert platform["ghcb_backup"]["pages"] == 2
    assert platform["reserved_pool"] is True
    assert platform["sev_es_ap_memory"] == 0x3F76C000
    assert [phase["name"] for phase in doc["phases"]] == ["SEC", "PEI", "DXE", "BDS"]
    assert doc["boot"]["boot_options"][-1]["description"] == "EFI Internal Shell"
    assert doc["events"]["driver-loaded"] == 103
    assert doc["events"]["reset-dxe"] == 1
    assert doc["source"]["lines"] == 1811


def test_004_sev_boot_fails_in_pei_with_an_assert(documents: dict[str, Document]) -> None:
    doc = documents["004"]
    assert doc["boot"]["reached_phase"] == "PEI"
    assert "PlatformInitLib/Platform.c(930)" in doc["boot"]["failure"]["text"]
    failed = [f for f in doc["findings"] if f["id"] == "BOOT-001"]
    assert len(failed) == 1 and failed[0]["lines"] == [75] and failed[0]["severity"] == "critical"
    assert doc["events"]["fw-cfg-probe"] == 1 and doc["events"]["cpu-vendor"] == 1


def test_005_plain_vm_boots_the_hard_disk(documents: dict[str, Document]) -> None:
    doc = documents["005"]
    assert doc["platform"]["encryption_mask"] is None
    assert doc["boot"]["boot_options"][-1]["description"] == "UEFI QEMU HARDDISK QM00005"
    assert doc["events"]["driver-loaded"] == 111
    assert doc["events"]["exit-boot-services-callback"] == 1
    assert "BOOT-003" not in finding_lines(doc)


def test_007_tdx_excerpt_with_accepted_and_unaccepted_memory(
    documents: dict[str, Document],
) -> None:
    platform = documents["007"]["platform"]
    assert platform["gpaw"] == 52
    assert platform["encryption_mask"] == "0x8000000000000"
    accepted = [(r["start"], r["end"]) for r in platform["accepted_ranges"]]
    assert accepted == [(0x806000, 0x809000), (0x80D000, 0x810000), (0x820000, 0x80000000)]
    assert (0x100000000, 0x280000000) in [
        (r["start"], r["end"]) for r in platform["unaccepted_ranges"]
    ]


def test_008_debian_plain_boot_tries_the_network(documents: dict[str, Document]) -> None:
    doc = documents["008"]
    assert doc["platform"]["fw_cfg_dma"] is True
    options = [o["description"] for o in doc["boot"]["boot_options"]]
    assert options[0].startswith("UEFI QEMU DVD-ROM") and options[-1].startswith("UEFI PXEv6")
    assert doc["events"]["virtio-driver"] >= 1


def test_the_new_formats_find_their_lines_in_the_real_logs(
    documents: dict[str, Document],
) -> None:
    """BdsDxe's console lines (105), QEMU's fatal line and register dump (127), the #VC error
    (130) and the reset lines (131) are recognised today, before the boot tracker uses them."""
    assert documents["105"]["events"]["bds-boot-option"] == 4  # loading + starting, twice
    events_127 = documents["127"]["events"]
    assert events_127["kvm-run-failed"] == 1 and events_127["qemu-register-ip"] == 1
    assert documents["127"]["unrecognised_lines"] == 1  # only `Init EmuVariableNvStore ...`
    assert documents["130"]["events"]["vc-invalid-mmio-opcode"] == 1
    assert documents["131"]["events"]["reset-bare"] == 1
    assert documents["131"]["events"]["reset-dxe"] == 1


def test_line_numbers_in_findings_point_at_the_right_text() -> None:
    path = real_log("004")
    doc = analyze_file(path).to_dict()
    line = doc["boot"]["failure"]["line"]
    text = path.read_bytes().split(b"\n")[line - 1]
    assert text.startswith(b"ASSERT ")
