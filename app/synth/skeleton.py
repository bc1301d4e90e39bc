"""The real info-level boot log a synthesized log is woven into, and where things go.

SEV flavours on edk2 >= 202302 use fixture 003 (a real SEV-ES boot with IoMmuDxe and the
reserved pool); TDX, and every platform on edk2 <= 202211, use the DXE/BDS body of fixture 008
(Debian edk2 2022.11) with the platform lines the firmware would add (SEV lines in PlatformPei,
TDX SEC lines as in fixture 007, TdxDxe's lines, IoMmu installed instead of IoMmuAbsent).
The result is a plan: base lines (edited where the platform says so) and ``Hook`` markers where
the writer inserts IoMmu and device activity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.synth import lines
from app.synth.devices import MODERN_DID
from app.synth.workload import DeviceSpec, Workload

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
SEV_ES_BASE = "003-tianocore-bz1354-sev-es-ovmf-debug.log"
PLAIN_BASE = "008-debian-ovmf-2022.11-debug-plain.log"
FWCFG_DMA = "QemuFwCfg interface (DMA) is supported."
_DISCOVERED = re.compile(
    r"^PciBus: Discovered PCI @ \[([0-9A-F]{2})\|([0-9A-F]{2})\|([0-9A-F]{2})\]"
)
#: VID/DID of the devices fixture 008 enumerates (QEMU q35; 02.0/03.0 transitional virtio)
BASE_IDS = {
    (0, 0, 0): (0x8086, 0x29C0),
    (0, 1, 0): (0x1234, 0x1111),
    (0, 2, 0): (0x1AF4, 0x1000),
    (0, 3, 0): (0x1AF4, 0x1001),
    (0, 0x1F, 0): (0x8086, 0x2918),
    (0, 0x1F, 2): (0x8086, 0x2922),
    (0, 0x1F, 3): (0x8086, 0x2930),
}
VIRTIO_BARS = (
    "   BAR[1]: Type =  Mem32; Alignment = 0xFFF;\tLength = 0x1000;\tOffset = 0x14",
    "   BAR[4]: Type = PMem64; Alignment = 0x3FFF;\tLength = 0x4000;\tOffset = 0x20",
    "",
)


@dataclass(frozen=True, slots=True)
class Hook:
    """A place where the writer inserts generated lines."""

    name: str


PlanItem = str | Hook


def base_name(workload: Workload) -> str:
    if workload.platform != "tdx" and workload.edk2 >= "202302":
        return SEV_ES_BASE
    return PLAIN_BASE


def read_base(name: str) -> list[str]:
    """Lines of a base fixture, byte-exact (latin-1), without their CRLF."""
    data = (LOGS / name).read_bytes()
    text = data.decode("latin-1")
    if text.endswith("\r\n"):
        text = text[:-2]
    return text.split("\r\n")


def bdf_tuple(bdf: str) -> tuple[int, int, int]:
    bus, rest = bdf.split(":")
    dev, func = rest.split(".")
    return int(bus, 16), int(dev, 16), int(func, 16)


def build_plan(workload: Workload) -> tuple[str, list[PlanItem]]:
    """The base fixture's name and the woven plan for ``workload``."""
    name = base_name(workload)
    base = read_base(name)
    w = workload
    sev = w.platform != "tdx"
    es = w.platform in ("sev-es", "sev-snp")
    pci_devices = sorted((d for d in w.devices if d.is_pci), key=lambda d: bdf_tuple(d.bdf or ""))
    base_bdfs = {
        (int(m[1], 16), int(m[2], 16), int(m[3], 16))
        for m in (_DISCOVERED.match(x) for x in base)
        if m
    }
    injected = [d for d in pci_devices if bdf_tuple(d.bdf or "") not in base_bdfs]
    plan: list[PlanItem] = []
    seen_iommu = seen_dxe = seen_connect = sev_lines_done = False
    last_bdf: tuple[int, int, int] | None = None
    pending = list(injected)
    skip_until = -1
    for index, line in enumerate(base):
        if index <= skip_until:
            continue
        if line.startswith("Loading driver at ") or line.startswith("Loading DXE CORE"):
            seen_dxe = True
        # --- PCI enumeration: inject stanzas of declared devices in bdf order ---------------
        match = _DISCOVERED.match(line)
        if match:
            bdf = (int(match[1], 16), int(match[2], 16), int(match[3], 16))
            if last_bdf is not None and bdf <= last_bdf:
                plan.extend(_stanzas(w, pending))
                pending = list(injected)
            while pending and bdf_tuple(pending[0].bdf or "") < bdf:
                plan.extend(_stanzas(w, [pending.pop(0)]))
            last_bdf = bdf
            if name == PLAIN_BASE and w.edk2 >= "202302":
                vid, did = BASE_IDS.get(bdf, (0x1AF4, 0x1000))
                line = lines.pci_discovered(w.edk2, *bdf, vid, did)
        elif last_bdf is not None and pending and line.startswith("PciHostBridge: SubmitResources"):
            plan.extend(_stanzas(w, pending))
            pending = []
            last_bdf = None
        elif line.startswith("PciHostBridge: SubmitResources"):
            last_bdf = None
        # --- platform edits ------------------------------------------------------------------
        if name == PLAIN_BASE:
            if index == 0:
                plan.append(line)
                if not sev:
                    plan.extend(_tdx_sec_lines(w))
                continue
            if line == FWCFG_DMA and not seen_dxe:
                plan.append(_pei_fwcfg_line(w))
                continue
            if line.startswith("Temp Stack :") and sev and not sev_lines_done:
                plan.extend(_sev_pei_lines(w))
                sev_lines_done = True
            if line.startswith("Error: Image at") and sev and "AmdSevDxe.efi" in base[index - 4]:
                continue
            if line.startswith("Loading driver at") and line.endswith("TdxDxe.efi") and not sev:
                plan.extend(base[index : index + 4])
                plan.extend(_tdx_dxe_lines(w))
                skip_until = index + 3
                continue
            if line.startswith("Loading driver at") and line.endswith("CpuDxe.efi") and es:
                plan.extend(base[index : index + 4])
                plan.append("Dxe: SevEsAPMemory = 3F76C000")
                if w.platform == "sev-snp":
                    plan.append("SEV-SNP: Using known initial APIC IDs")
                skip_until = index + 3
                continue
            if line.startswith("InstallProtocolInterface: " + lines.GUID_IOMMU_ABSENT):
                plan.append(lines.install_protocol(lines.GUID_IOMMU, 0x3E9D4420))
                plan.append(Hook("iommu"))
                seen_iommu = True
                continue
            if line.startswith("InstallProtocolInterface: " + lines.GUID_VIRTIO):
                continue
            if line.startswith("VirtioBlkInit:"):
                if index + 1 < len(base) and base[index + 1].startswith(
                    "InstallProtocolInterface: " + lines.DEVICE_PROTOCOL["virtio-blk"]
                ):
                    skip_until = index + 1
                continue
        else:
            if not es and (
                line.startswith("SEV-ES is enabled")
                or line.startswith("QEMU Flash: SEV-ES enabled")
                or line.startswith("Dxe: SevEsAPMemory")
            ):
                continue
            if line.startswith("Dxe: SevEsAPMemory") and w.platform == "sev-snp":
                plan.append(line)
                plan.append("SEV-SNP: Using known initial APIC IDs")
                continue
            if line.startswith("InstallProtocolInterface: " + lines.GUID_IOMMU):
                plan.append(line)
                plan.append(Hook("iommu"))
                seen_iommu = True
                continue
            if line == lines.feature_supported():
                continue
        # --- common hooks ----------------------------------------------------------------------
        if line.startswith("InstallProtocolInterface: 30CFE3E7") and injected:
            plan.extend(_pci_io_lines(injected))
        if line.startswith("[Bds]Booting ") and seen_connect:
            if w.boot_exits_cleanly:
                plan.append(Hook("boot"))
                return name, plan
            plan.append(line)
            plan.append(Hook("boot_tail"))
            plan.extend(base[index + 1 :])
            return name, plan
        plan.append(line)
        if line == FWCFG_DMA and seen_iommu:
            plan.append(Hook("fwcfg"))
        if line == "EfiBootManagerConnectAll" and not seen_connect:
            plan.append(Hook("connect"))
            seen_connect = True
    return name, plan


def _stanzas(w: Workload, devices: list[DeviceSpec]) -> list[str]:
    out: list[str] = []
    for d in devices:
        bus, dev, func = bdf_tuple(d.bdf or "")
        out.append(lines.pci_discovered(w.edk2, bus, dev, func, 0x1AF4, MODERN_DID[d.kind]))
        out.extend(VIRTIO_BARS)
    return out


def _pci_io_lines(devices: list[DeviceSpec]) -> list[str]:
    out = []
    for i, _ in enumerate(devices):
        out.append(lines.install_protocol(lines.GUID_DEVICE_PATH, 0x3E621E98 - 0x100 * i))
        out.append(lines.install_protocol(lines.GUID_PCI_IO, 0x3E5FF028 - 0x400 * i))
    return out


def _pei_fwcfg_line(w: Workload) -> str:
    if w.edk2 >= "202302":
        return "QemuFwCfgProbe: Supported 1, DMA 0"
    if w.platform == "tdx":
        return "TDX: QemuFwCfg fallback to IO Port interface."
    return "SEV: QemuFwCfg fallback to IO Port interface."


def _sev_pei_lines(w: Workload) -> list[str]:
    out = ["SEV is enabled (mask 0x8000000000000)"]
    if w.platform in ("sev-es", "sev-snp"):
        pages = 2 * w.cpus
        out.append(f"SEV-ES is enabled, {pages} GHCB pages allocated starting at 0x3FF4C000")
        if w.edk2 >= "202102":
            out.append(
                f"SEV-ES is enabled, {w.cpus} GHCB backup pages allocated starting at 0x3FBFE000"
            )
    return out


def _tdx_sec_lines(w: Workload) -> list[str]:
    out = [f"Intel Tdx Started with (GPAW: 52, Cpus: {w.cpus})"]
    if w.edk2 >= "202302":
        out += [
            "AcceptMemoryForAPsStack with APsStackSize=0x200000",
            "AcceptMemory under address of 4G",
            "MpAccept : 0x806000 - 0x809000 (0x3000)",
            "MpAccept : 0x80D000 - 0x810000 (0x3000)",
            "MpAccept : 0x820000 - 0x40000000 (0x3F7E0000)",
        ]
    return out


def _tdx_dxe_lines(w: Workload) -> list[str]:
    return [
        "HostBridgeDevId=0x29C0, CCAttr=0x200, SetNxForStack=1",
        f"MaxCpuCount=0x{w.cpus:X}, BootCpuCount=0x{w.cpus:X}",
        "TdxSharedBitMask=0x8000000000000",
    ]
