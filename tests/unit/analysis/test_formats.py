"""Each log format against lines built from the exact edk2 format strings (reference sections
1 to 4). The constructed lines are the reference's own examples; those of the crash, reset,
BdsDxe, QEMU and Linux formats are built from the format strings cited in each module."""

from __future__ import annotations

import io

import pytest

from app.analysis.model import (
    BootFailure,
    BootOption,
    BootOptionAction,
    CcHandlerError,
    CpuCount,
    CpuException,
    CpuVendor,
    DriverMessage,
    Event,
    ExceptionImage,
    ExceptionRegisters,
    ExitBootServicesCallback,
    IoMmuAllocateRequest,
    IoMmuAllocateResult,
    IoMmuExitBoot,
    IoMmuFree,
    IoMmuMapRequest,
    IoMmuMapResult,
    IoMmuSetAttribute,
    IoMmuUnmap,
    KernelFault,
    KernelMessage,
    MemoryAccepted,
    ModuleLoaded,
    PageSplit,
    PageStateChange,
    PciDeviceFound,
    Phase,
    PhaseMarker,
    PlatformHint,
    PoolInit,
    PoolSlotFreed,
    PoolSlotTaken,
    ProtocolInstalled,
    ResetRequest,
    ResourceHob,
    SetMemoryEncDec,
    SetMemorySharedOrPrivate,
    SevEnabled,
    SevEsGhcb,
    SharedBitChange,
    SwiotlbMapped,
    TdAcceptMessage,
    TdxSharedBitMask,
    TdxStarted,
    VmmError,
    VmmRegisterDump,
)
from app.analysis.scanner import Scanner


def scan(text: str) -> tuple[list[Event], Scanner]:
    scanner = Scanner()
    events = list(scanner.iter_events(io.BytesIO(text.encode())))
    return events, scanner


def only(text: str) -> Event:
    events, scanner = scan(text + "\n")
    assert len(events) == 1, events
    assert scanner.stats.unrecognised_lines == 0
    return events[0]


IOMMU_CASES = [
    (
        "IoMmuMap: Operation=Read Host=0x7F6A5018 Bytes=0x10",
        IoMmuMapRequest(1, None, "Read", 0x7F6A5018, 0x10),
    ),
    (
        "IoMmuMap: Mapping=0x7F6B3A98 Device(PlainText)=0x7E001000 Crypted=0x7F6A5018 Pages=0x1, "
        "ReservedMemBitmap=0x1",
        IoMmuMapResult(1, None, 0x7F6B3A98, 0x7E001000, 0x7F6A5018, 1, 1),
    ),
    (
        "IoMmuMap: Mapping=0x7F6B3A98 Device(PlainText)=0x7F5FE000 Crypted=0x7F6A5018 Pages=0x1",
        IoMmuMapResult(1, None, 0x7F6B3A98, 0x7F5FE000, 0x7F6A5018, 1, None),
    ),
    (
        "IoMmuUnmapWorker: Mapping=0x7F6B2F18 MemoryMapLocked=1",
        IoMmuUnmap(1, None, 0x7F6B2F18, True),
    ),
    (
        "IoMmuUnmapWorker: Mapping=0x7F6B3A98 MemoryMapLocked=0",
        IoMmuUnmap(1, None, 0x7F6B3A98, False),
    ),
    (
        "IoMmuAllocateBuffer: MemoryType=4 Pages=0x1 Attributes=0x800",
        IoMmuAllocateRequest(1, None, 4, 1, 0x800),
    ),
    (
        "IoMmuAllocateBuffer: Host=0x7E009000 Stash=0x7F6A4000",
        IoMmuAllocateResult(1, None, 0x7E009000, 0x7F6A4000),
    ),
    ("IoMmuFreeBuffer: Host=0x7E009000 Pages=0x1", IoMmuFree(1, None, 0x7E009000, 1)),
    ("IoMmuSetAttribute: Mapping=0x7F6B3A98 Access=1", IoMmuSetAttribute(1, None, 0x7F6B3A98, 1)),
    ("IoMmuExitBoot", IoMmuExitBoot(1, None, "exit-boot")),
    ("IoMmuUnmapAllMappings", IoMmuExitBoot(1, None, "unmap-all")),
    (
        "InternalAllocateBuffer: range-size: 8000, start-address=0x7E009000, pages=0x2, bits=0x10, "
        "bitmap: 0 => 10",
        PoolSlotTaken(1, None, 0x8000, 0x7E009000, 2, 0x10, 0, 0x10),
    ),
    (
        "IoMmuFreeBounceBuffer: PlainTextAddress=0x7E001000, bits=0x1, bitmap: 11 => 10",
        PoolSlotFreed(1, None, 0x7E001000, 1, 0x11, 0x10, False),
    ),
    (
        "IoMmuFreeCommonBuffer: CommonBuffer=0x7E009000, bits=0x10, bitmap: 10 => 0",
        PoolSlotFreed(1, None, 0x7E009000, 0x10, 0x10, 0, True),
    ),
    (
        "IoMmuInitReservedSharedMem: ReservedMem (1429 pages) address = 0x7E000000",
        PoolInit(1, None, 1429, 0x7E000000),
    ),
    (
        "InstallIoMmuProtocol: Feature of reserved memory for DMA is supported.",
        PlatformHint(1, None, "iommu-pool-supported"),
    ),
]


@pytest.mark.parametrize(("line", "expected"), IOMMU_CASES, ids=[c[0][:40] for c in IOMMU_CASES])
def test_iommu_lines_parse_to_events(line: str, expected: Event) -> None:
    assert only(line) == expected


ENCRYPTION_CASES = [
    (
        "IoMmuDxe:SetMemoryEncDec: Cr3Base=0x0 Physical=0x7F5FE000 Length=0x1000 Mode=Decrypt "
        "CacheFlush=1 Mmio=0",
        SetMemoryEncDec(1, None, "IoMmuDxe", 0x7F5FE000, 0x1000, False, False),
    ),
    (
        "AmdSevDxe:SetMemoryEncDec: Cr3Base=0x0 Physical=0xFEC00000 Length=0x1000 Mode=Decrypt "
        "CacheFlush=0 Mmio=1",
        SetMemoryEncDec(1, None, "AmdSevDxe", 0xFEC00000, 0x1000, False, True),
    ),
    (
        "IoMmuDxe:SetMemoryEncDec: Cr3Base=0x0 Physical=0x7F5FE000 Length=0x2000 Mode=Encrypt "
        "CacheFlush=1",
        SetMemoryEncDec(1, None, "IoMmuDxe", 0x7F5FE000, 0x2000, True, None),
    ),
    (
        "IoMmuDxe:InternalSetPageState Address 0x7F5FE000 - 0x7F5FF000 "
        "State = Shared LargeEntry = 0",
        PageStateChange(1, None, "IoMmuDxe", 0x7F5FE000, 0x7F5FF000, True, False),
    ),
    (
        "SecMain:InternalSetPageState Address 0x830000 - 0x1A00000 State = Private LargeEntry = 1",
        PageStateChange(1, None, "SecMain", 0x830000, 0x1A00000, False, True),
    ),
    (
        "IoMmuDxe:SetMemoryEncDec: splitting 2MB page for Physical=0x7F5FE000",
        PageSplit(1, None, "IoMmuDxe", 0x7F5FE000, "2MB"),
    ),
    (
        "IoMmuDxe:SetMemorySharedOrPrivate: Cr3Base=0x0 Physical=0x7E001000 Length=0x1000 "
        "Mode=Shared",
        SetMemorySharedOrPrivate(1, None, "IoMmuDxe", 0x7E001000, 0x1000, True),
    ),
    (
        "IoMmuDxe:SetOrClearSharedBit: pte=0x7E001063 AddressEncMask=0x8000000000000 Mode=0x0 "
        "MapGPA Status=0x0",
        SharedBitChange(1, None, "IoMmuDxe", 0x7E001063, True),
    ),
    (
        "Page at Address (0x7E001000) has already been accepted. - 0",
        TdAcceptMessage(1, None, "already", 0x7E001000),
    ),
    ("SEV is enabled (mask 0x8000000000000)", SevEnabled(1, None, 0x8000000000000)),
    (
        "SEV-ES is enabled, 8 GHCB pages allocated starting at 0x7FE5B000",
        SevEsGhcb(1, None, 8, 0x7FE5B000, False),
    ),
    (
        "SEV-ES is enabled, 2 GHCB backup pages allocated starting at 0x3FBFE000",
        SevEsGhcb(1, None, 2, 0x3FBFE000, True),
    ),
    ("Intel Tdx Started with (GPAW: 52, Cpus: 4)", TdxStarted(1, None, 52, 4, None)),
    ("Tdx started with(Hob: 0x809000, Gpaw: 0x34, Cpus: 4)", TdxStarted(1, None, 52, 4, 0x809000)),
    ("TdxSharedBitMask=0x8000000000000", TdxSharedBitMask(1, None, 0x8000000000000)),
    (
        "MpAccept : 0x820000 - 0x80000000 (0x7F7E0000)",
        MemoryAccepted(1, None, 0x820000, 0x80000000),
    ),
    ("Accepting all memory", PlatformHint(1, None, "accepting-all-memory")),
]


@pytest.mark.parametrize(
    ("line", "expected"), ENCRYPTION_CASES, ids=[c[0][:40] for c in ENCRYPTION_CASES]
)
def test_platform_and_encryption_lines_parse_to_events(line: str, expected: Event) -> None:
    assert only(line) == expected


@pytest.mark.parametrize(
    ("line", "vendor", "device"),
    [
        ("PciBus: Discovered PCI @ [00|03|00]", None, None),
        ("PciBus: Discovered PCI @ [00|03|00]  [VID = 0x1AF4, DID = 0x1042]", 0x1AF4, 0x1042),
        ("PciBus: Discovered PCI @ [00|03|00]  [VID = 0x1af4, DID = 0x1042]", 0x1AF4, 0x1042),
    ],
)
def test_pci_discovery_in_all_three_versions(
    line: str, vendor: int | None, device: int | None
) -> None:
    assert only(line) == PciDeviceFound(1, None, "PCI", 0, 3, 0, vendor, device)


def test_core_markers_modules_and_failures() -> None:
    text = (
        "SecCoreStartupWithStack(0xFFFCC000, 0x820000)\n"
        "Loading PEIM at 0x0000082BB40 EntryPoint=0x0000082ED95 PcdPeim.efi\n"
        "Loading driver at 0x0007EA1F000 EntryPoint=0x0007EA22A10 VirtioBlkDxe.efi\n"
        "InstallProtocolInterface: 964E5B21-6459-11D2-8E39-00A0C969723B 7EA1E0A8\n"
        "[Bds] Entry...\n"
        "[Bds]Booting UEFI Misc Device\n"
        "VirtioBlkInit: LbaSize=0x200[B] NumBlocks=0x1400000[Lba]\n"
        "VirtioBlkExitBoot: Context=0x7EA1E018\n"
        "ASSERT /edk2/OvmfPkg/Library/PlatformInitLib/Platform.c(930): ((BOOLEAN)(0==1))\n"
        "[Bds] Unable to boot!\n"
    )
    events, scanner = scan(text)
    assert [type(e) for e in events] == [
        PhaseMarker,
        ModuleLoaded,
        ModuleLoaded,
        ProtocolInstalled,
        PhaseMarker,
        BootOption,
        DriverMessage,
        DriverMessage,
        BootFailure,
        BootFailure,
    ]
    assert events[0] == PhaseMarker(
        1, None, Phase.SEC, "SecCoreStartupWithStack(0xFFFCC000, 0x820000)"
    )
    assert events[1] == ModuleLoaded(2, None, "PcdPeim.efi", 0x82BB40, 0x82ED95, "peim")
    assert events[2] == ModuleLoaded(3, None, "VirtioBlkDxe.efi", 0x7EA1F000, 0x7EA22A10, "driver")
    assert events[5] == BootOption(6, None, "UEFI Misc Device")
    assert events[7] == DriverMessage(8, None, "VirtioBlkExitBoot", "Context=0x7EA1E018")
    assert events[8].kind == "assert" and "Platform.c(930)" in events[8].text
    assert scanner.stats.unrecognised_lines == 0


def test_module_name_split_onto_the_next_line_is_joined() -> None:
    text = (
        "Loading driver at 0x0007EA1F000 EntryPoint=0x0007EA22A10 \n"
        "VirtioBlkDxe.efi\n"
        "Loading driver at 0x0007E676000 EntryPoint=0x0007E678908 \n"
        "InstallProtocolInterface: 964E5B21-6459-11D2-8E39-00A0C969723B 7EA1E0A8\n"
    )
    events, scanner = scan(text)
    assert events[0] == ModuleLoaded(1, None, "VirtioBlkDxe.efi", 0x7EA1F000, 0x7EA22A10, "driver")
    assert events[1] == ModuleLoaded(3, None, "", 0x7E676000, 0x7E678908, "driver")
    assert events[2].line == 4
    assert scanner.stats.recognised_lines == 4


def test_resource_hob_dump_spanning_lines_is_one_event() -> None:
    text = (
        "ResourceType: 0x7\n"
        "ResourceAttribute: 0x7\n"
        "PhysicalStart: 0x100000000\n"
        "ResourceLength: 0x180000000\n"
        "Owner: 00000000-0000-0000-0000-000000000000\n"
    )
    events, scanner = scan(text)
    assert events == [ResourceHob(1, None, 7, 0x100000000, 0x180000000)]
    assert scanner.stats.unrecognised_lines == 0


# --- crashes, resets, boot options, QEMU and the guest kernel -----------------------------------

PDB = (
    "/build/edk2/Build/OvmfX64/DEBUG_GCC5/X64/MdeModulePkg/Bus/Pci/PciBusDxe/PciBusDxe/DEBUG/"
    "PciBusDxe.dll"
)
CRASH_CASES = [
    (
        "!!!! X64 Exception Type - 0D(#GP - General Protection)  CPU Apic ID - 00000000 !!!!",
        CpuException(1, None, 0x0D, "#GP - General Protection", 0, "X64"),
    ),
    (
        "!!!! IA32 Exception Type - 0E(#PF - Page-Fault)  CPU Apic ID - 00000001 !!!!",
        CpuException(1, None, 0x0E, "#PF - Page-Fault", 1, "IA32"),
    ),
    (
        "!!!! X64 Exception Type - 1D(#VC - VMM Communication)  CPU Apic ID - 00000000 !!!!",
        CpuException(1, None, 0x1D, "#VC - VMM Communication", 0, "X64"),
    ),
    (
        "RIP  - 000000007EC3A5B1, CS  - 0000000000000038, RFLAGS - 0000000000010246",
        ExceptionRegisters(1, None, 0x7EC3A5B1, 0x38, 0x10246),
    ),
    (
        "EIP  - 7EC3A5B1, CS  - 00000010, EFLAGS - 00010246",
        ExceptionRegisters(1, None, 0x7EC3A5B1, 0x10, 0x10246),
    ),
    (
        f"!!!! Find image based on IP(0x7EC3A5B1) {PDB} (ImageBase=000000007EC30000, "
        "EntryPoint=000000007EC3B2D0) !!!!",
        ExceptionImage(1, None, True, 0x7EC3A5B1, PDB, 0x7EC30000, 0x7EC3B2D0),
    ),
    (
        "!!!! Find image based on IP(0x7EC3A5B1) (No PDB)  (ImageBase=000000007EC30000, "
        "EntryPoint=000000007EC3B2D0) !!!!",
        ExceptionImage(1, None, True, 0x7EC3A5B1, "", 0x7EC30000, 0x7EC3B2D0),
    ),
    ("!!!! Can't find image information. !!!!", ExceptionImage(1, None, False)),
    (
        "MMIO using encrypted memory: fec00000",
        CcHandlerError(
            1, None, "vc", "mmio-encrypted", 0xFEC00000, "MMIO using encrypted memory: fec00000"
        ),
    ),
    (
        "Invalid MMIO opcode (0)",
        CcHandlerError(1, None, "vc", "invalid-mmio-opcode", 0, "Invalid MMIO opcode (0)"),
    ),
    (
        "MmioExit: Invalid MMIO opcode (c6)",
        CcHandlerError(
            1, None, "ve", "invalid-mmio-opcode", 0xC6, "MmioExit: Invalid MMIO opcode (c6)"
        ),
    ),
    (
        "MmioExit: Invalid MmioSize - 3",
        CcHandlerError(1, None, "ve", "invalid-mmio-size", 3, "MmioExit: Invalid MmioSize - 3"),
    ),
    (
        "MmioExit: EPT-violation #VE on private memory is not allowed!",
        CcHandlerError(
            1,
            None,
            "ve",
            "ept-private",
            None,
            "MmioExit: EPT-violation #VE on private memory is not allowed!",
        ),
    ),
    (
        "MmioExit: Address is not correct! (137: 0xfec00000 != 0x7ec00000)",
        CcHandlerError(
            1,
            None,
            "ve",
            "address-mismatch",
            0xFEC00000,
            "MmioExit: Address is not correct! (137: 0xfec00000 != 0x7ec00000)",
        ),
    ),
    (
        "#VE Error (0x8000000000000001) returned from host, ExitReason is 48, "
        "ExitQualification = 0x181.",
        CcHandlerError(
            1,
            None,
            "ve",
            "host-error",
            0x8000000000000001,
            "#VE Error (0x8000000000000001) returned from host, ExitReason is 48, "
            "ExitQualification = 0x181.",
        ),
    ),
    (
        "Unsupported #VE happened, ExitReason is 52, ExitQualification = 0x0.",
        CcHandlerError(
            1,
            None,
            "ve",
            "unsupported",
            52,
            "Unsupported #VE happened, ExitReason is 52, ExitQualification = 0x0.",
        ),
    ),
    (
        "DXE ResetSystem2: ResetType Cold, Call Depth = 1.",
        ResetRequest(1, None, "dxe", "Cold", 1),
    ),
    (
        "DXE ResetSystem2: ResetType PlatformSpecific, Call Depth = 2.",
        ResetRequest(1, None, "dxe", "PlatformSpecific", 2),
    ),
    ("PEI ResetSystem2: Reset call depth = 1.", ResetRequest(1, None, "pei", "", 1)),
    (
        "PEI ResetSystem2: Maximum reset call depth is met. Use the current reset type: Warm!",
        ResetRequest(1, None, "pei", "Warm", None),
    ),
    ("Reset System", ResetRequest(1, None, "bare", "", None)),
    (
        'BdsDxe: loading Boot0004 "ubuntu" from HD(1,GPT,581F8208-7B1E-479E-8F43-B561148DDD19,'
        "0x800,0x100000)/\\EFI\\ubuntu\\shimx64.efi",
        BootOptionAction(
            1,
            None,
            "loading",
            "Boot0004",
            "ubuntu",
            "HD(1,GPT,581F8208-7B1E-479E-8F43-B561148DDD19,0x800,0x100000)"
            "/\\EFI\\ubuntu\\shimx64.efi",
        ),
    ),
    (
        'BdsDxe: starting Boot0001 "UEFI QEMU HARDDISK QM00001 " from PciRoot(0x0)/Pci(0x1,0x1)',
        BootOptionAction(
            1,
            None,
            "starting",
            "Boot0001",
            "UEFI QEMU HARDDISK QM00001 ",
            "PciRoot(0x0)/Pci(0x1,0x1)",
        ),
    ),
    (
        'BdsDxe: failed to load Boot0002 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0): '
        "Access Denied -- rejected probably by Secure Boot",
        BootOptionAction(
            1,
            None,
            "failed-load",
            "Boot0002",
            "UEFI Misc Device",
            "PciRoot(0x0)/Pci(0x3,0x0)",
            "Access Denied -- rejected probably by Secure Boot",
        ),
    ),
    (
        "MaxCpuCountInitialization: BootCpuCount=16 mMaxCpuCount=16",
        CpuCount(1, None, 16, 16),
    ),
    ("MaxCpuCountInitialization: QEMU reports 4 processor(s)", CpuCount(1, None, 4, 4)),
    ("QemuFwCfgProbe: Supported 1, DMA 0", PlatformHint(1, None, "fw-cfg-probe", 0)),
    (
        "PlatformAddressWidthFromCpuid: Signature: 'AuthenticAMD', PhysBits: 40, QemuQuirk: On, "
        "Valid: Yes",
        CpuVendor(1, None, "AuthenticAMD", 40),
    ),
    (
        "PlatformAddressWidthFromCpuid: Signature: 'GenuineIntel', PhysBits: 46, GuestPhysBits: 0, "
        "QemuQuirk: On, la57: Off, Valid: Yes",
        CpuVendor(1, None, "GenuineIntel", 46),
    ),
    (
        "MpInitChangeApLoopCallback() done!",
        ExitBootServicesCallback(1, None, "MpInitChangeApLoopCallback"),
    ),
    (
        "error: kvm run failed Invalid argument",
        VmmError(1, None, "kvm", "kvm run failed Invalid argument"),
    ),
    (
        "qemu-system-x86_64: failed to initialize kvm: Permission denied",
        VmmError(1, None, "qemu", "failed to initialize kvm: Permission denied"),
    ),
    (
        "qemu-kvm: -object sev-snp-guest,id=sev0: guest_memfd not supported",
        VmmError(1, None, "qemu", "-object sev-snp-guest,id=sev0: guest_memfd not supported"),
    ),
    (
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0",
        VmmRegisterDump(1, None, 0xFFF0, 2, 32),
    ),
    (
        "RIP=000000007f8e1a2c RFL=00010246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0",
        VmmRegisterDump(1, None, 0x7F8E1A2C, 0x10246, 64),
    ),
    (
        "EFI stub: Exiting boot services...",
        KernelMessage(1, None, "exiting-boot-services", "Exiting boot services..."),
    ),
    (
        "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path",
        KernelMessage(
            1, None, "efi-stub", "Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
        ),
    ),
    ("tdx: Guest detected", KernelMessage(1, None, "tdx-guest", "Guest detected")),
    (
        "Memory Encryption Features active: AMD SEV SEV-ES SEV-SNP",
        KernelMessage(
            1, None, "mem-encrypt", "AMD SEV SEV-ES SEV-SNP", ("AMD", "SEV", "SEV-ES", "SEV-SNP")
        ),
    ),
    (
        "Memory Encryption Features active: Intel TDX",
        KernelMessage(1, None, "mem-encrypt", "Intel TDX", ("Intel", "TDX")),
    ),
    (
        "AMD Memory Encryption Features active: SEV SEV-ES",
        KernelMessage(1, None, "mem-encrypt", "SEV SEV-ES", ("SEV", "SEV-ES")),
    ),
    (
        "SEV: Status: SEV SEV-ES SEV-SNP ",
        KernelMessage(1, None, "sev-status", "SEV SEV-ES SEV-SNP", ("SEV", "SEV-ES", "SEV-SNP")),
    ),
    (
        "software IO TLB: mapped [mem 0x000000007bfdf000-0x000000007ffdf000] (64MB)",
        SwiotlbMapped(1, None, 0x7BFDF000, 0x7FFDF000, 64),
    ),
    (
        "software IO TLB: mapped [mem 0xbbfdf000-0xbffdf000] (64MB)",
        SwiotlbMapped(1, None, 0xBBFDF000, 0xBFFDF000, 64),
    ),
    (
        "efi: ACPI=0x7fb7e000 ACPI 2.0=0x7fb7e014 SMBIOS=0x7f9e8000 Unaccepted=0x7e5a8018",
        KernelMessage(
            1,
            None,
            "unaccepted-memory",
            "efi: ACPI=0x7fb7e000 ACPI 2.0=0x7fb7e014 SMBIOS=0x7f9e8000 Unaccepted=0x7e5a8018",
        ),
    ),
    (
        "Kernel panic - not syncing: Fatal exception",
        KernelFault(1, None, "panic", "Fatal exception"),
    ),
    (
        "BUG: kernel NULL pointer dereference, address: 0000000000000008",
        KernelFault(
            1, None, "bug", "BUG: kernel NULL pointer dereference, address: 0000000000000008"
        ),
    ),
    (
        "Oops: 0002 [#1] PREEMPT SMP NOPTI",
        KernelFault(1, None, "oops", "Oops: 0002 [#1] PREEMPT SMP NOPTI"),
    ),
    (
        "WARNING: CPU: 0 PID: 1 at arch/x86/mm/ioremap.c:217 __ioremap_caller+0x2e5/0x330",
        KernelFault(
            1,
            None,
            "warning",
            "WARNING: CPU: 0 PID: 1 at arch/x86/mm/ioremap.c:217 __ioremap_caller+0x2e5/0x330",
        ),
    ),
]


@pytest.mark.parametrize(("line", "expected"), CRASH_CASES, ids=[c[0][:40] for c in CRASH_CASES])
def test_crash_reset_bds_vmm_and_kernel_lines_parse_to_events(line: str, expected: Event) -> None:
    assert only(line) == expected


def test_whole_exception_dumps_are_recognised_x64_and_ia32() -> None:
    """Every line of DumpCpuContext, as the X64 and IA32 format strings print them."""
    x64 = (
        "!!!! X64 Exception Type - 0E(#PF - Page-Fault)  CPU Apic ID - 00000000 !!!!\n"
        "ExceptionData - 0000000000000010  I:1 R:0 U:0 W:0 P:0 PK:0 SS:0 SGX:0\n"
        "RIP  - 000000007EC3A5B1, CS  - 0000000000000038, RFLAGS - 0000000000010246\n"
        "RAX  - 0000000000000000, RCX - 000000007F8F1018, RDX - 0000000000000000\n"
        "RBX  - 000000007F8F1018, RSP - 000000007FF0F8E8, RBP - 000000007FF0F950\n"
        "RSI  - 0000000000000000, RDI - 0000000000000000\n"
        "R8   - 0000000000000000, R9  - 0000000000000000, R10 - 0000000000000000\n"
        "R11  - 0000000000000000, R12 - 0000000000000000, R13 - 0000000000000000\n"
        "R14  - 0000000000000000, R15 - 0000000000000000\n"
        "DS   - 0000000000000030, ES  - 0000000000000030, FS  - 0000000000000030\n"
        "GS   - 0000000000000030, SS  - 0000000000000030\n"
        "CR0  - 0000000080010033, CR2 - 000000007EC3A5B1, CR3 - 000000007FC01000\n"
        "CR4  - 0000000000000668, CR8 - 0000000000000000\n"
        "DR0  - 0000000000000000, DR1 - 0000000000000000, DR2 - 0000000000000000\n"
        "DR3  - 0000000000000000, DR6 - 00000000FFFF0FF0, DR7 - 0000000000000400\n"
        "GDTR - 000000007F9DC000 0000000000000047, LDTR - 0000000000000000\n"
        "IDTR - 000000007F48D018 0000000000000FFF,   TR - 0000000000000000\n"
        "FXSAVE_STATE - 000000007FF0F540\n"
        "!!!! Can't find image information. !!!!\n"
    )
    ia32 = (
        "!!!! IA32 Exception Type - 06(#UD - Invalid Opcode)  CPU Apic ID - 00000000 !!!!\n"
        "ExceptionData - 00000000\n"
        "EIP  - 7EC3A5B1, CS  - 00000010, EFLAGS - 00010246\n"
        "EAX  - 00000000, ECX - 00000000, EDX - 00000000, EBX - 00000000\n"
        "ESP  - 7FF0F8E8, EBP - 7FF0F950, ESI - 00000000, EDI - 00000000\n"
        "DS   - 00000008, ES  - 00000008, FS  - 00000008, GS  - 00000008, SS - 00000008\n"
        "CR0  - 00000033, CR2 - 00000000, CR3 - 00000000, CR4 - 00000640\n"
        "DR0  - 00000000, DR1 - 00000000, DR2 - 00000000, DR3 - 00000000\n"
        "DR6  - FFFF0FF0, DR7 - 00000400\n"
        "GDTR - 7F9DC000 00000047, IDTR - 7F48D018 000007FF\n"
        "LDTR - 00000000, TR - 00000000\n"
        "FXSAVE_STATE - 7FF0F540\n"
    )
    for dump, kinds in (
        (x64, [CpuException, ExceptionRegisters, ExceptionImage]),
        (ia32, [CpuException, ExceptionRegisters]),
    ):
        events, scanner = scan(dump)
        assert [type(e) for e in events] == kinds
        assert scanner.stats.unrecognised_lines == 0


def test_qemu_register_dump_after_kvm_run_failed_is_recognised() -> None:
    """The 32-bit dump as x86_cpu_dump_state prints it (lines of real log 127) and the
    64-bit form."""
    dump = (
        "error: kvm run failed Invalid argument\n"
        "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00800f12\n"
        "ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\n"
        "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
        "ES =0000 00000000 0000ffff 00009300\n"
        "CS =f000 ffff0000 0000ffff 00009b00\n"
        "LDT=0000 00000000 0000ffff 00008200\n"
        "TR =0000 00000000 0000ffff 00008b00\n"
        "GDT=     00000000 0000ffff\n"
        "IDT=     00000000 0000ffff\n"
        "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n"
        "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
        "EFER=0000000000000000\n"
        "Code=c5 5a 08 2d 00 00 <0f> 20 c0 a8 01 74 05 e9 2c ff ff ff e9 11 ff 90 ?? ??\n"
        "RAX=0000000000000000 RBX=000000007f8f1018 RCX=0000000000000000 RDX=0000000000000000\n"
        "R8 =0000000000000000 R9 =0000000000000000 R10=0000000000000000 R11=0000000000000000\n"
        "RIP=000000007f8e1a2c RFL=00010246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
        "CS =0038 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\n"
        "GDT=     000000007f9dc000 00000047\n"
        "CR0=80010033 CR2=0000000000000000 CR3=000000007fc01000 CR4=00000668\n"
        "CCS=0000000000000000 CCD=0000000000000000 CCO=EFLAGS\n"
    )
    events, scanner = scan(dump)
    assert [type(e) for e in events] == [VmmError, VmmRegisterDump, VmmRegisterDump]
    assert scanner.stats.unrecognised_lines == 0


def test_qemu_warnings_are_not_errors() -> None:
    events, scanner = scan("qemu-system-x86_64: warning: host doesn't support requested feature\n")
    assert events == [] and scanner.stats.unrecognised_lines == 1


def test_kernel_lines_keep_their_printk_timestamp_as_time() -> None:
    text = (
        "[    0.000000] Linux version 6.13.0-snp-guest (user@host) (gcc (GCC) 14.2.1, GNU ld "
        "(GNU Binutils) 2.43) #1 SMP PREEMPT_DYNAMIC Mon Jan 20 10:00:00 UTC 2025\n"
        "[    0.000000] tdx: Guest detected\n"
        "[    1.250000] Kernel panic - not syncing: VFS: Unable to mount root fs\n"
    )
    events, scanner = scan(text)
    assert [(type(e), e.time) for e in events] == [
        (KernelMessage, 0.0),
        (KernelMessage, 0.0),
        (KernelFault, 1.25),
    ]
    assert isinstance(events[0], KernelMessage) and events[0].kind == "linux-version"
    assert scanner.stats.unrecognised_lines == 0
