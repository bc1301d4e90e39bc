"""Each log format against lines built from the exact edk2 format strings (reference sections
1 to 4). The constructed lines are the reference's own examples."""

from __future__ import annotations

import io

import pytest

from app.analysis.model import (
    BootFailure,
    BootOption,
    DriverMessage,
    Event,
    IoMmuAllocateRequest,
    IoMmuAllocateResult,
    IoMmuExitBoot,
    IoMmuFree,
    IoMmuMapRequest,
    IoMmuMapResult,
    IoMmuSetAttribute,
    IoMmuUnmap,
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
    ResourceHob,
    SetMemoryEncDec,
    SetMemorySharedOrPrivate,
    SevEnabled,
    SevEsGhcb,
    SharedBitChange,
    TdAcceptMessage,
    TdxSharedBitMask,
    TdxStarted,
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
