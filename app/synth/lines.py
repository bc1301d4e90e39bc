"""Exact text of every line the synthesizer writes, one function per edk2 format string.

Each function renders one DEBUG format string the way edk2's PrintLib does: uppercase hex,
``%p`` without padding, ``%11p`` zero-padded to 11 digits, bitmaps without ``0x``. The format
strings are transcribed from docs/reference/edk2-log-formats.md (sections 1-5, read
from edk2 ``OvmfPkg/IoMmuDxe/CcIoMmu.c``, ``IoMmuBuffer.c``, ``BaseMemEncryptSevLib``,
``BaseMemEncryptTdxLib``, ``PciBusDxe``, the virtio drivers and DebugLib). Version switches are
passed in as the edk2 release string (``"202211"``), compared lexically.
"""

from __future__ import annotations

OPERATIONS = ("Read", "Write", "CommonBuffer", "Read64", "Write64", "CommonBuffer64")
GUID_IOMMU = "4E939DE9-D948-4B0F-88ED-E6E1CE517C1E"
GUID_IOMMU_ABSENT = "F8775D50-8ABD-4ADF-92AC-853E51F6C8DC"
GUID_VIRTIO = "FA920010-6785-4941-B6EC-498C579F160A"
GUID_DEVICE_PATH = "09576E91-6D3F-11D2-8E39-00A0C969723B"
GUID_PCI_IO = "4CF5B200-68B8-4CA5-9EEC-B23E3F50029A"
GUID_LOADED_IMAGE = "5B1B31A1-9562-11D2-8E3F-00A0C969723B"
GUID_LOADED_IMAGE_DEVICE_PATH = "BC62157E-3E33-4FEC-9920-2D3B36D750DF"
#: protocol each virtio driver installs once the device is up
DEVICE_PROTOCOL = {
    "virtio-blk": "964E5B21-6459-11D2-8E39-00A0C969723B",
    "virtio-scsi": "143B7632-B81B-4CB7-ABD3-B625A5B9BFFE",
    "virtio-net": "A19832B9-AC25-11D3-9A2D-0090273FC14D",
    "virtio-rng": "3152BCA5-EADE-433D-862E-C01CDC291F44",
    "virtio-gpu": "9042A9DE-23DC-4A38-96FB-7ADED080516A",
}


def map_request(operation: str, host: int, nbytes: int) -> str:
    return f"IoMmuMap: Operation={operation} Host=0x{host:X} Bytes=0x{nbytes:X}"


def map_result(edk2: str, mapping: int, device: int, crypted: int, pages: int, bits: int) -> str:
    """Success line; edk2 >= 202302 appends the pool bitmap of the mapping."""
    text = (
        f"IoMmuMap: Mapping=0x{mapping:X} Device(PlainText)=0x{device:X} "
        f"Crypted=0x{crypted:X} Pages=0x{pages:X}"
    )
    if edk2 >= "202302":
        text += f", ReservedMemBitmap=0x{bits:X}"
    return text


def unmap_worker(mapping: int, locked: bool) -> str:
    return f"IoMmuUnmapWorker: Mapping=0x{mapping:X} MemoryMapLocked={int(locked)}"


def allocate_buffer_request(memory_type: int, pages: int, attributes: int) -> str:
    return (
        f"IoMmuAllocateBuffer: MemoryType={memory_type} Pages=0x{pages:X} "
        f"Attributes=0x{attributes:X}"
    )


def allocate_buffer_result(host: int, stash: int) -> str:
    return f"IoMmuAllocateBuffer: Host=0x{host:X} Stash=0x{stash:X}"


def free_buffer(host: int, pages: int) -> str:
    return f"IoMmuFreeBuffer: Host=0x{host:X} Pages=0x{pages:X}"


def set_attribute(mapping: int, access: int) -> str:
    return f"IoMmuSetAttribute: Mapping=0x{mapping:X} Access={access}"


def exit_boot() -> str:
    return "IoMmuExitBoot"


def unmap_all() -> str:
    return "IoMmuUnmapAllMappings"


def reserved_mem(pages: int, address: int) -> str:
    return f"IoMmuInitReservedSharedMem: ReservedMem ({pages} pages) address = 0x{address:X}"


def feature_supported() -> str:
    return "InstallIoMmuProtocol: Feature of reserved memory for DMA is supported."


def internal_allocate(
    range_size: int, start: int, pages: int, bits: int, old: int, new: int
) -> str:
    return (
        f"InternalAllocateBuffer: range-size: {range_size:X}, start-address=0x{start:X}, "
        f"pages=0x{pages:X}, bits=0x{bits:X}, bitmap: {old:X} => {new:X}"
    )


def free_bounce(plain: int, bits: int, old: int, new: int) -> str:
    return (
        f"IoMmuFreeBounceBuffer: PlainTextAddress=0x{plain:X}, bits=0x{bits:X}, "
        f"bitmap: {old:X} => {new:X}"
    )


def free_common(address: int, bits: int, old: int, new: int) -> str:
    return (
        f"IoMmuFreeCommonBuffer: CommonBuffer=0x{address:X}, bits=0x{bits:X}, "
        f"bitmap: {old:X} => {new:X}"
    )


def set_mem_enc_dec(
    module: str, edk2: str, physical: int, length: int, encrypt: bool, mmio: bool = False
) -> str:
    """SEV page-table walk entry line; ``Mmio=`` exists from edk2 202202."""
    text = (
        f"{module}:SetMemoryEncDec: Cr3Base=0x0 Physical=0x{physical:X} Length=0x{length:X} "
        f"Mode={'Encrypt' if encrypt else 'Decrypt'} CacheFlush={0 if mmio else 1}"
    )
    if edk2 >= "202202":
        text += f" Mmio={int(mmio)}"
    return text


def split_2m(module: str, function: str, physical: int) -> str:
    return f"{module}:{function}: splitting 2MB page for Physical=0x{physical:X}"


def set_page_state(module: str, base: int, end: int, shared: bool) -> str:
    """SNP page state change (note: no colon after the function name)."""
    state = "Shared" if shared else "Private"
    return (
        f"{module}:InternalSetPageState Address 0x{base:X} - 0x{end:X} "
        f"State = {state} LargeEntry = 0"
    )


def set_shared_or_private(module: str, physical: int, length: int, shared: bool) -> str:
    return (
        f"{module}:SetMemorySharedOrPrivate: Cr3Base=0x0 Physical=0x{physical:X} "
        f"Length=0x{length:X} Mode={'Shared' if shared else 'Private'}"
    )


def set_or_clear_shared_bit(module: str, pte: int, mask: int, shared: bool) -> str:
    return (
        f"{module}:SetOrClearSharedBit: pte=0x{pte:X} AddressEncMask=0x{mask:X} "
        f"Mode=0x{0 if shared else 1:X} MapGPA Status=0x0"
    )


def pci_discovered(edk2: str, bus: int, dev: int, func: int, vid: int, did: int) -> str:
    """PciBusDxe enumeration line; VID/DID appended from edk2 202302."""
    text = f"PciBus: Discovered PCI @ [{bus:02X}|{dev:02X}|{func:02X}]"
    if edk2 >= "202302":
        text += f"  [VID = 0x{vid:X}, DID = 0x{did:X}]"
    return text


def install_protocol(guid: str, interface: int) -> str:
    return f"InstallProtocolInterface: {guid} {interface:X}"


def loading_driver(base: int, entry: int, name: str) -> str:
    return f"Loading driver at 0x{base:011X} EntryPoint=0x{entry:011X} {name}"


def context(function: str, address: int) -> str:
    return f"{function}: Context=0x{address:X}"


def exception_dump(image_base: int, rip: int, module: str) -> list[str]:
    """A page fault as CpuExceptionHandlerLib (X64 ``DumpCpuContext``, ``DumpModuleImageInfo``)
    prints it: the exception line, ExceptionData with the #PF bits, RIP, a register line, the
    image the RIP falls in."""
    pdb = f"/builddir/build/BUILD/edk2/Build/OvmfX64/DEBUG_GCC5/X64/OvmfPkg/{module}/{module}"
    return [
        "!!!! X64 Exception Type - 0E(#PF - Page-Fault)  CPU Apic ID - 00000000 !!!!",
        "ExceptionData - 0000000000000002  I:0 R:0 U:0 W:1 P:0 PK:0 SS:0 SGX:0",
        f"RIP  - {rip:016X}, CS  - 0000000000000038, RFLAGS - 0000000000010246",
        "RAX  - 0000000000000000, RCX - 000000007F8F1018, RDX - 0000000000000000",
        f"!!!! Find image based on IP(0x{rip:X}) {pdb}/DEBUG/{module}.dll "
        f"(ImageBase={image_base:016X}, EntryPoint={image_base + 0x1000:016X}) !!!!",
    ]


def assert_line(path: str, line: int, expression: str) -> str:
    return f"ASSERT {path}({line}): {expression}"
