"""Virtio driver lines (reference section 4.3). VirtioLib, Virtio10Dxe and VirtioPciDeviceDxe
print nothing; the drivers' own INFO lines and their ExitBoot ``%a: Context=0x%p`` lines are
the context the simulator uses to attribute DMA and to infer ExitBootServices.

Sources: ``OvmfPkg/VirtioBlkDxe/VirtioBlk.c``, ``VirtioScsiDxe``, ``VirtioNetDxe``,
``VirtioRngDxe``, ``VirtioGpuDxe/DriverBinding.c``, ``VirtioSerialDxe``, ``VirtioFsDxe``.
"""

from __future__ import annotations

from app.analysis.formats.base import Groups, LinePattern, text
from app.analysis.model import DriverMessage


def _message(g: Groups, line: int, time: float | None) -> DriverMessage:
    return DriverMessage(line, time, text(g[0]), text(g[1]))


PATTERNS = (
    LinePattern("driver-exit-boot", rb"(\w+ExitBoot): (Context=0x[0-9A-Fa-f]+)", _message),
    LinePattern(
        "virtio-driver",
        rb"(Virtio\w+|GopNativeResolution|VirtioSerial\w*)(?::\d+)?: (.*)",
        _message,
    ),
)
