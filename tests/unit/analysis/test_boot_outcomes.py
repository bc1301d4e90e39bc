"""What a boot's lines make of it: outcome, failure and crash site, platform evidence, boot
cycles, the kernel phase, and the rules BOOT-004, SEV-001 and KERNEL-001..003 firing and quiet.

The logs are built from the format strings the parsing modules cite (edk2's SecMain,
PlatformPei, DxeCore, BdsDxe, CpuExceptionHandlerLib, CcExitLib; Linux's printk lines).
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from app.analysis.errors import InputError
from app.analysis.report import NOTHING_RECOGNISED, analyze, refusal

SEC = "SecCoreStartupWithStack(0xFFFCC000, 0x820000)"
PEI = (
    "Platform PEIM Loaded\n"
    "QemuFwCfgProbe: Supported 1, DMA {dma}\n"
    "PlatformAddressWidthFromCpuid: Signature: '{vendor}', PhysBits: 48, QemuQuirk: 1, "
    "Valid: 1\n"
    "Loading PEIM at 0x0007FE30000 EntryPoint=0x0007FE30240 DxeIpl.efi\n"
)
DXE = (
    "DXE IPL Entry\n"
    "Loading driver at 0x0007E800000 EntryPoint=0x0007E801000 PciBusDxe.efi\n"
    "Loading driver at 0x0007E8A0000 EntryPoint=0x0007E8A1000 IoMmuDxe.efi\n"
    "Loading driver at 0x0007E900000 EntryPoint=0x0007E901000 BdsDxe.efi\n"
)
BDS = "[Bds] Entry...\n"
GP = (
    "!!!! X64 Exception Type - 0D(#GP - General Protection)  CPU Apic ID - 00000000 !!!!\n"
    "ExceptionData - 0000000000000000\n"
    "RIP  - 000000007E8A2345, CS  - 0000000000000038, RFLAGS - 0000000000010246\n"
    "RAX  - 0000000000000000, RCX - 000000007F8F1018, RDX - 0000000000000000\n"
)


def boot(*parts: str, dma: int = 1, vendor: str = "GenuineIntel") -> str:
    """A log of the given parts; ``PEI`` is formatted with the DMA bit and CPU vendor."""
    return "".join(p.format(dma=dma, vendor=vendor) if p is PEI else p for p in parts)


def run(text: str) -> dict[str, Any]:
    return analyze(io.BytesIO(text.encode()), name="test.log").to_dict()


def ids(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in document["findings"]}


def test_cpu_exception_fails_the_boot_with_rip_and_the_module_by_load_address() -> None:
    doc = run(boot(SEC + "\n", PEI, DXE, GP))
    failure = doc["boot"]["failure"]
    assert doc["boot"]["outcome"] == "failed"
    assert failure["kind"] == "exception" and failure["vector"] == 0x0D
    assert failure["rip"] == "0x7e8a2345" and failure["module"] == "IoMmuDxe"
    finding = ids(doc)["BOOT-001"]
    assert finding["severity"] == "critical" and finding["lines"] == [10]
    assert finding["details"]["module"] == "IoMmuDxe"
    assert finding["details"]["rip"] == "0x7e8a2345" and finding["details"]["vector"] == 13


def test_the_image_line_of_the_dump_names_the_module() -> None:
    image = (
        "!!!! Find image based on IP(0x7E8A2345) /build/OvmfX64/DEBUG_GCC5/X64/OvmfPkg/"
        "IoMmuDxe/IoMmuDxe/DEBUG/IoMmuDxe.dll (ImageBase=000000007E8A0000, "
        "EntryPoint=000000007E8A1000) !!!!\n"
    )
    doc = run(boot(SEC + "\n", PEI, GP, image))  # no `Loading driver` line for it
    assert doc["boot"]["failure"]["module"] == "IoMmuDxe"


def test_first_failure_wins_vc_error_before_its_assert() -> None:
    doc = run(
        "MMIO using encrypted memory: FEC00000\n"
        "ASSERT /edk2/OvmfPkg/Library/CcExitLib/CcExitVcHandler.c(498): ((BOOLEAN)(0==1))\n"
    )
    assert doc["boot"]["failure"]["kind"] == "vc-error" and doc["boot"]["failure"]["line"] == 1
    assert doc["platform"]["kind"] == "sev-es"
    assert {"what": "#VC handler error", "line": 1, "platform": "sev-es"} in doc["platform"][
        "evidence"
    ]
    finding = ids(doc)["SEV-001"]
    assert finding["severity"] == "high" and finding["lines"] == [1]
    assert finding["details"]["address"] == "0xfec00000"


def test_sev_001_is_quiet_for_other_vc_errors() -> None:
    doc = run("Invalid MMIO opcode (0)\n")
    assert "SEV-001" not in ids(doc) and doc["boot"]["failure"]["kind"] == "vc-error"


def test_ve_handler_error_is_a_tdx_failure() -> None:
    doc = run("#VE happened. TDGETVEINFO failed with Status = 0x8000000000000001\n")
    assert doc["boot"]["failure"]["kind"] == "ve-error" and doc["platform"]["kind"] == "tdx"


def test_unable_to_boot_followed_by_a_boot_that_goes_ahead_is_boot_004_not_a_failure() -> None:
    doc = run(
        boot(
            SEC + "\n",
            PEI,
            DXE,
            BDS,
            "[Bds] Unable to boot!\n",
            "[Bds]Booting UEFI QEMU HARDDISK QM00001\n",
            "MpInitChangeApLoopCallback() done!\n",
        )
    )
    assert doc["boot"]["outcome"] == "handed-off" and doc["boot"]["failure"] is None
    found = ids(doc)
    assert "BOOT-001" not in found
    assert found["BOOT-004"]["severity"] == "medium" and found["BOOT-004"]["lines"] == [11]
    assert doc["verdict"]["worst_severity"] == "medium"


def test_unable_to_boot_at_the_end_stays_a_failure() -> None:
    doc = run(boot(SEC + "\n", PEI, DXE, BDS, "[Bds] Unable to boot!\n"))
    assert doc["boot"]["failure"]["kind"] == "unable-to-boot"
    assert "BOOT-001" in ids(doc) and "BOOT-004" not in ids(doc)


def test_bdsdxe_failed_start_then_starting_another_option() -> None:
    doc = run(
        boot(
            SEC + "\n",
            PEI,
            DXE,
            'BdsDxe: loading Boot0001 "UEFI PXEv4" from PciRoot(0x0)/Pci(0x3,0x0)\n',
            'BdsDxe: failed to load Boot0001 "UEFI PXEv4" from PciRoot(0x0)/Pci(0x3,0x0): '
            "Not Found\n",
            'BdsDxe: loading Boot0002 "ubuntu" from HD(1,GPT)/\\EFI\\ubuntu\\shimx64.efi\n',
            'BdsDxe: starting Boot0002 "ubuntu" from HD(1,GPT)/\\EFI\\ubuntu\\shimx64.efi\n',
        )
    )
    assert doc["boot"]["outcome"] == "booted"
    assert doc["boot"]["boot_options"][-1]["description"] == "ubuntu"
    assert ids(doc)["BOOT-004"]["details"]["status"] == "Not Found"
    assert "BOOT-002" not in ids(doc)


def test_a_clean_boot_has_none_of_the_new_rules() -> None:
    doc = run(boot(SEC + "\n", PEI, DXE, BDS, "[Bds]Booting UEFI Shell\n"))
    assert not {"BOOT-001", "BOOT-004", "SEV-001", "KERNEL-001", "KERNEL-002"} & set(ids(doc))
    assert doc["boot"]["outcome"] == "booted"


def test_reset_is_its_own_outcome_and_the_next_sec_starts_a_clean_cycle() -> None:
    first = boot(SEC + "\n", PEI, DXE, BDS, "DXE ResetSystem2: ResetType Cold, Call Depth = 1.\n")
    second = boot(
        SEC + "\n",
        "SEV is enabled (mask 0x8000000000000)\n",
        PEI,
        DXE,
        GP,
        vendor="AuthenticAMD",
    )
    doc = run(first + second)
    boots = doc["boots"]
    assert [(b["first_line"], b["last_line"]) for b in boots] == [(1, 11), (12, 25)]
    assert [b["outcome"] for b in boots] == ["reset", "failed"]
    assert [b["platform"] for b in boots] == ["none", "sev"]
    assert doc["boot"]["cycles"] == 2 and doc["boot"]["cycle"] == 1
    assert doc["boot"]["outcome"] == "failed" and doc["platform"]["kind"] == "sev"
    assert boots[1]["failure"]["line"] == 22 and boots[1]["findings"]["critical"] == 1
    assert ids(doc)["BOOT-001"]["cycle"] == 1
    assert doc["phases"][0]["first_line"] == 12  # the top level describes the last cycle


def test_sec_lines_of_one_boot_do_not_split_it() -> None:
    tdx = (
        "Intel Tdx Started with (GPAW: 52, Cpus: 8)\n"
        + SEC
        + "\nTdx started with(Hob: 0x809000, Gpaw: 0x34, Cpus: 8)\n"
    )
    doc = run(tdx + boot(PEI, DXE))
    assert len(doc["boots"]) == 1 and doc["platform"]["kind"] == "tdx"


def test_platform_none_needs_evidence() -> None:
    excerpt = run(boot(DXE, BDS))
    assert excerpt["platform"]["kind"] == "unknown" and excerpt["platform"]["evidence"] == []
    whole = run(boot(SEC + "\n", PEI, DXE, dma=0))
    assert whole["platform"]["kind"] == "none"
    assert whole["platform"]["evidence"][0]["what"] == "whole PEI without SEV/TDX lines"
    dma1 = run("QemuFwCfgProbe: Supported 1, DMA 1\n")
    assert dma1["platform"]["kind"] == "none"


def test_dma_0_on_an_amd_cpu_is_sev_evidence() -> None:
    doc = run(boot(SEC + "\n", PEI, dma=0, vendor="AuthenticAMD"))
    assert doc["platform"]["kind"] == "sev"
    assert {e["line"] for e in doc["platform"]["evidence"]} == {3, 4}
    assert run(boot(SEC + "\n", PEI, dma=0))["platform"]["kind"] == "unknown"  # Intel: no claim


KERNEL = (
    "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path\n"
    "EFI stub: Exiting boot services...\n"
    "[    0.000000] Linux version 6.8.0-41-generic (buildd@lcy02-amd64-100) (gcc 13.2.0) #41\n"
    "[    0.000000] efi: ACPI=0x7fb7e000 SMBIOS=0x7f9a4000 Unaccepted=0x7e5cc018 MOKvar=0x7f\n"
    "[    0.000000] Memory Encryption Features active: AMD SEV SEV-ES SEV-SNP\n"
    "[    0.000000] SEV: Status: SEV SEV-ES SEV-SNP\n"
    "[    0.412345] software IO TLB: mapped [mem 0x0000000076000000-0x000000007a000000] (64MB)\n"
)


def test_the_kernel_phase_claims_the_platform_and_records_swiotlb() -> None:
    doc = run(boot(SEC + "\n", PEI, DXE, BDS, "[Bds]Booting ubuntu\n", KERNEL, dma=0))
    assert [p["name"] for p in doc["phases"]][-1] == "kernel"
    assert doc["boot"]["outcome"] == "handed-off"
    assert doc["platform"]["kind"] == "sev-snp"
    kernel = doc["kernel"]
    assert kernel["version"].startswith("Linux version 6.8.0-41-generic")
    assert kernel["swiotlb"] == {
        "start": 0x76000000,
        "end": 0x7A000000,
        "megabytes": 64,
        "line": 18,
    }
    assert kernel["unaccepted_memory_line"] == 15
    assert "SEV-SNP" in kernel["features"]
    assert not {"KERNEL-001", "KERNEL-002", "KERNEL-003"} & set(ids(doc))


def test_tdx_guest_detected_is_tdx_evidence() -> None:
    doc = run("[    0.000000] tdx: Guest detected\n")
    assert doc["platform"]["kind"] == "tdx"


@pytest.mark.parametrize(
    ("line", "rule", "severity"),
    [
        ("Kernel panic - not syncing: VFS: Unable to mount root fs", "KERNEL-001", "critical"),
        ("BUG: unable to handle page fault for address: ffff888000000000", "KERNEL-002", "high"),
        ("Oops: 0000 [#1] PREEMPT SMP NOPTI", "KERNEL-002", "high"),
        (
            "WARNING: CPU: 0 PID: 1 at arch/x86/coco/sev/core.c:123 foo+0x1/0x2",
            "KERNEL-003",
            "medium",
        ),
    ],
)
def test_kernel_faults_are_findings_on_their_lines(line: str, rule: str, severity: str) -> None:
    doc = run(KERNEL + f"[    1.000000] {line}\n")
    finding = ids(doc)[rule]
    assert finding["severity"] == severity and finding["lines"] == [8]
    if rule == "KERNEL-001":
        assert doc["boot"]["outcome"] == "failed"
        assert doc["boot"]["failure"]["kind"] == "kernel-panic"
        assert "BOOT-001" not in ids(doc)
    else:
        assert doc["boot"]["outcome"] == "handed-off"


def test_vmm_error_with_its_register_dump() -> None:
    doc = run(
        "error: kvm run failed Invalid argument\n"
        "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00800f12\n"
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
    )
    failure = doc["boot"]["failure"]
    assert failure["kind"] == "vmm-error" and failure["rip"] == "0xfff0"
    assert ids(doc)["BOOT-001"]["lines"] == [1]


def test_not_a_log_is_refused() -> None:
    firmware_volume = bytes(40) + b"_FVH" + bytes(4000)
    assert "firmware volume" in (refusal(firmware_volume, complete=True) or "")
    assert refusal(b"hello\nworld\n", complete=True) == NOTHING_RECOGNISED
    assert refusal(b"hello\nworld\n", complete=False) is None  # a longer log may start so
    assert refusal(b"SEV is enabled (mask 0x8000000000000)\n", complete=True) is None
    with pytest.raises(InputError, match="firmware volume"):
        analyze(io.BytesIO(firmware_volume), name="OVMF_CODE.fd")
    with pytest.raises(InputError, match="not a log"):
        analyze(io.BytesIO(b"just some text\n"), name="notes.txt")
