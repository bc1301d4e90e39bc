"""Every line the synthesizer writes matches the edk2 format strings of the reference.

The regexes are transcribed from the format strings in edk2-log-formats.md (sections 1-3):
``%a`` a word, ``0x%p``/``0x%Lx`` uppercase hex without padding, ``%d``/``%u``/``%lu`` decimal,
bitmaps (``%lx``) uppercase hex without ``0x``.
"""

from __future__ import annotations

import re

import pytest

from app.synth import DeviceSpec, Workload
from app.synth.lines import map_result, pci_discovered, set_mem_enc_dec

from .conftest import Synthesized, synthesize

H = r"[0-9A-F]+"
FORMATS = {
    "map_request": (
        rf"IoMmuMap: "
        rf"Operation=(Read|Write|CommonBuffer|Read64|Write64|CommonBuffer64) Host=0x{H} Bytes=0x{H}"
    ),
    "map_result_new": (
        rf"IoMmuMap: Mapping=0x{H} Device\(PlainText\)=0x{H} Crypted=0x{H} "
        rf"Pages=0x{H}, ReservedMemBitmap=0x{H}"
    ),
    "map_result_classic": (
        rf"IoMmuMap: Mapping=0x{H} Device\(PlainText\)=0x{H} "
        rf"Crypted=0x{H} Pages=0x{H}"
    ),
    "unmap": rf"IoMmuUnmapWorker: Mapping=0x{H} MemoryMapLocked=[01]",
    "alloc_req": rf"IoMmuAllocateBuffer: MemoryType=\d+ Pages=0x{H} Attributes=0x{H}",
    "alloc_res": rf"IoMmuAllocateBuffer: Host=0x{H} Stash=0x{H}",
    "free": rf"IoMmuFreeBuffer: Host=0x{H} Pages=0x{H}",
    "set_attr": rf"IoMmuSetAttribute: Mapping=0x{H} Access=[0-3]",
    "exit": r"IoMmuExitBoot",
    "unmap_all": r"IoMmuUnmapAllMappings",
    "reserved": rf"IoMmuInitReservedSharedMem: ReservedMem \(\d+ pages\) address = 0x{H}",
    "internal": (
        rf"InternalAllocateBuffer: range-size: {H}, start-address=0x{H}, "
        rf"pages=0x{H}, bits=0x{H}, bitmap: {H} => {H}"
    ),
    "free_bounce": (
        rf"IoMmuFreeBounceBuffer: PlainTextAddress=0x{H}, "
        rf"bits=0x{H}, bitmap: {H} => {H}"
    ),
    "free_common": rf"IoMmuFreeCommonBuffer: CommonBuffer=0x{H}, bits=0x{H}, bitmap: {H} => {H}",
    "feature": r"InstallIoMmuProtocol: Feature of reserved memory for DMA is supported\.",
    "encdec": (
        rf"\w+:SetMemoryEncDec: Cr3Base=0x{H} Physical=0x{H} Length=0x{H} "
        rf"Mode=(Encrypt|Decrypt) CacheFlush=[01]( Mmio=[01])?"
    ),
    "split": (
        rf"\w+:(SetMemoryEncDec|SetMemorySharedOrPrivate): splitting 2MB "
        rf"page for Physical=0x{H}"
    ),
    "psc": (
        rf"\w+:InternalSetPageState Address 0x{H} - 0x{H} State = "
        rf"(Shared|Private) LargeEntry = [01]"
    ),
    "tdx": (
        rf"\w+:SetMemorySharedOrPrivate: Cr3Base=0x{H} Physical=0x{H} "
        rf"Length=0x{H} Mode=(Shared|Private)"
    ),
    "tdx_pte": (
        rf"\w+:SetOrClearSharedBit: pte=0x{H} AddressEncMask=0x{H} "
        rf"Mode=0x[01] MapGPA Status=0x{H}"
    ),
}
COMPILED = {k: re.compile(v + r"$") for k, v in FORMATS.items()}
PREFIXES = ("IoMmu", "InternalAllocateBuffer", "InstallIoMmuProtocol")
ENC_WORDS = ("SetMemoryEncDec", "InternalSetPageState", "SetMemorySharedOrPrivate", "SetOrClear")


def _synthetic(s: Synthesized) -> list[str]:
    return [x for x in s.lines if x.startswith(PREFIXES) or any(w in x for w in ENC_WORDS)]


def test_lines_every_verbose_line_matches_a_format(demos: dict[str, Synthesized]) -> None:
    for name, s in demos.items():
        verbose = _synthetic(s)
        assert len(verbose) > 100, name
        for text in verbose:
            assert any(c.match(text) for c in COMPILED.values()), (name, text)


def test_lines_hex_is_uppercase_and_unpadded(demos: dict[str, Synthesized]) -> None:
    for s in demos.values():
        for text in _synthetic(s):
            for value in re.findall(r"0x([0-9A-Fa-f]+)", text):
                assert value == value.upper(), text
                assert value == "0" or not value.startswith("0"), text


def test_lines_map_result_classic_vs_pool_format() -> None:
    assert map_result("202211", 0x7F6B3A98, 0x7F5FE000, 0x7F6A5018, 1, 0) == (
        "IoMmuMap: Mapping=0x7F6B3A98 Device(PlainText)=0x7F5FE000 Crypted=0x7F6A5018 Pages=0x1"
    )
    assert map_result("202302", 0x7F6B3A98, 0x7E001000, 0x7F6A5018, 1, 1).endswith(
        "Pages=0x1, ReservedMemBitmap=0x1"
    )


def test_lines_mmio_field_only_from_202202() -> None:
    assert not set_mem_enc_dec("IoMmuDxe", "202111", 0x1000, 0x1000, False).endswith("Mmio=0")
    assert set_mem_enc_dec("IoMmuDxe", "202202", 0x1000, 0x1000, False).endswith(
        "Mode=Decrypt CacheFlush=1 Mmio=0"
    )


def test_lines_pci_discovered_format_by_version() -> None:
    assert (
        pci_discovered("202211", 0, 3, 0, 0x1AF4, 0x1042) == "PciBus: Discovered PCI @ [00|03|00]"
    )
    assert pci_discovered("202302", 0, 0x1F, 2, 0x8086, 0x2922) == (
        "PciBus: Discovered PCI @ [00|1F|02]  [VID = 0x8086, DID = 0x2922]"
    )


@pytest.mark.parametrize(
    ("edk2", "pool", "set_attribute", "classic"),
    [("202211", False, False, True), ("202305", True, False, False), ("202402", True, True, False)],
)
def test_lines_version_switches(edk2: str, pool: bool, set_attribute: bool, classic: bool) -> None:
    w = Workload("v", 1, "sev-es", edk2, pool, (DeviceSpec("virtio-blk", "00:03.0", 3),))
    s = synthesize(w)
    results = [x for x in s.lines if x.startswith("IoMmuMap: Mapping=")]
    assert results
    assert all(("ReservedMemBitmap" not in x) == classic for x in results)
    assert any(x.startswith("IoMmuSetAttribute") for x in s.lines) == set_attribute
    assert any(x.startswith("IoMmuInitReservedSharedMem") for x in s.lines) == pool
    assert (lines_feature := [x for x in s.lines if "Feature of reserved" in x]) == (
        [lines_feature[0]] if pool else []
    )


def test_lines_sev_legacy_conversion_between_request_and_result() -> None:
    w = Workload("l", 3, "sev-snp", "202211", False, (DeviceSpec("virtio-blk", "00:03.0", 2),))
    s = synthesize(w)
    for m in s.truth.mappings:
        between = s.lines[m.request_line : m.result_line - 1]
        assert m.path == "legacy"
        assert between[0].startswith("IoMmuDxe:SetMemoryEncDec: Cr3Base=0x0 Physical=")
        assert "Mode=Decrypt" in between[0]
        # SNP decrypt: the page state change comes right after the SetMemoryEncDec line
        assert "State = Shared" in between[1]
        if m.unmap_line is not None and not s.line(m.unmap_line).endswith("=1"):
            after = s.lines[m.unmap_line : m.unmap_line + 3]
            assert "Mode=Encrypt" in after[0]
            private = [x for x in after if "State = Private" in x]
            assert private, after


def test_lines_tdx_legacy_uses_shared_bit_lines() -> None:
    w = Workload("t", 4, "tdx", "202211", False, (DeviceSpec("virtio-net", "00:04.0", 2),))
    s = synthesize(w)
    m = s.truth.mappings[0]
    between = s.lines[m.request_line : m.result_line - 1]
    assert between[0].startswith("IoMmuDxe:SetMemorySharedOrPrivate: Cr3Base=0x0 Physical=")
    assert between[0].endswith("Mode=Shared")
    assert any(x.startswith("IoMmuDxe:SetOrClearSharedBit: pte=0x8") for x in between)
    assert "Intel Tdx Started with (GPAW: 52, Cpus: 2)" in s.lines
    assert "TdxSharedBitMask=0x8000000000000" in s.lines
