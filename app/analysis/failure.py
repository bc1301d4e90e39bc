"""Why a boot stopped, and where: the first fatal line of a boot cycle and its crash site.

A crash is several lines: edk2's exception dump names the vector on its first line, the RIP a
few lines later and the image last (``!!!! Find image based on IP ...``); QEMU prints its fatal
error before the register dump. ``FailureRecord`` is opened by the first fatal line (the first
failure wins: in a #VC error followed by the handler's ASSERT, the #VC line is the cause) and
completed by the lines that follow it. When the dump names no image, the module is the one the
RIP falls in by load address (``ModuleIndex``, fed from ``Loading driver at`` / ``Loading PEIM
at``), so a reviewer sees "#GP in IoMmuDxe" rather than a bare address.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

MAX_MODULES = 4096
# An image larger than this is not an OVMF module: a RIP this far above the nearest load
# address is not attributed to it.
MAX_IMAGE_BYTES = 16 << 20

# failure.kind by the handler that printed a CcExitLib / TDX #VE error line.
CC_FAILURE_KIND = {"vc": "vc-error", "ve": "ve-error"}


@dataclass(slots=True)
class FailureRecord:
    """The failure of one boot cycle: ``kind`` (``assert``, ``exception``, ``vc-error``,
    ``ve-error``, ``vmm-error``, ``unable-to-boot``, ``kernel-panic``), the line and text that
    say so, and for a crash the vector, RIP and module."""

    kind: str
    line: int
    text: str
    vector: int | None = None
    rip: int | None = None
    module: str | None = None

    @property
    def is_crash(self) -> bool:
        return self.kind in ("exception", "vc-error", "ve-error", "vmm-error")

    def details(self) -> dict[str, Any]:
        """The crash site for a finding's ``details`` (only what is known)."""
        out: dict[str, Any] = {}
        if self.vector is not None:
            out["vector"] = self.vector
        if self.rip is not None:
            out["rip"] = hex(self.rip)
        if self.module is not None:
            out["module"] = self.module
        return out


def image_module(path: str) -> str:
    """``IoMmuDxe`` of ``/build/.../IoMmuDxe/DEBUG/IoMmuDxe.pdb`` (or ``.dll``)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".pdb", ".dll", ".efi", ".debug"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


class ModuleIndex:
    """Load addresses of the modules seen so far, to name the module a RIP falls in."""

    __slots__ = ("_bases", "_names")

    def __init__(self) -> None:
        self._bases: list[int] = []
        self._names: list[str] = []

    def add(self, base: int, name: str) -> None:
        if len(self._bases) >= MAX_MODULES:
            return
        name = image_module(name)  # IoMmuDxe, as the dump's image line names it
        at = bisect.bisect_right(self._bases, base)
        if at and self._bases[at - 1] == base:  # reloaded at the same address: the later name
            self._names[at - 1] = name
            return
        self._bases.insert(at, base)
        self._names.insert(at, name)

    def module_at(self, ip: int) -> str | None:
        """The module with the highest load address at or below ``ip`` (within reach)."""
        at = bisect.bisect_right(self._bases, ip)
        if not at or ip - self._bases[at - 1] > MAX_IMAGE_BYTES:
            return None
        return self._names[at - 1] or None
