"""PciBusDxe discovery lines (reference section 4.2), in all three versions:

* 2011 to edk2-stable202211: ``PciBus: Discovered %s @ [%02x|%02x|%02x]``
* edk2-stable202302 to 202605: the same plus ``  [VID = 0x%x, DID = 0x%0x]``
* master after 202605: ``  [VID = 0x%04x, DID = 0x%04x]`` (zero-padded; same regex)

Source: ``MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c``.
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, chatter, hex_int, text
from app.analysis.model import PciDeviceFound


def _discovered(g: Groups, line: int, time: float | None) -> PciDeviceFound:
    vendor = None if g[4] is None else hex_int(g[4])
    device = None if g[5] is None else hex_int(g[5])
    return PciDeviceFound(
        line, time, text(g[0]), hex_int(g[1]), hex_int(g[2]), hex_int(g[3]), vendor, device
    )


PATTERNS = (
    LinePattern(
        "pci-discovered",
        rb"PciBus: Discovered (PPB|P2C|PCI) +@ \[" + HEX + rb"\|" + HEX + rb"\|" + HEX + rb"\]"
        rb"(?: +\[VID = 0x" + HEX + rb", DID = 0x" + HEX + rb"\])?",
        _discovered,
    ),
    chatter(
        "pci-chatter",
        rb"(?: +BAR\[\d+\]: Type = .*|PCI Bus (?:First|Second) Scanning|PciBus: .*"
        rb"|Root Bridge .*|Bridge \[\w+\|\w+\|\w+\]|PciHostBridge\w*: .*|PciRoot.*"
        rb"|   (?:Mem|Io|PMem)\w*: .*|Type = .*)",
    ),
)
