"""The log formats the engine recognises, one module per edk2 component (and QEMU, Linux).

Like datasette's ``DEFAULT_PLUGINS``, ``FORMATS`` is the single registry: the scanner combines
the patterns of every module listed here. To add a format, write a module with a ``PATTERNS``
tuple of ``LinePattern`` and list it below (see README, "Adding a log format").
"""

from __future__ import annotations

from types import ModuleType

from app.analysis.formats import (
    edk2_bds,
    edk2_ccexit,
    edk2_core,
    edk2_exception,
    edk2_iommu,
    edk2_pci,
    edk2_reset,
    edk2_sev,
    edk2_tdx,
    edk2_virtio,
    linux_kernel,
    qemu,
    qemu_trace,
)
from app.analysis.formats.base import LinePattern

FORMATS: tuple[ModuleType, ...] = (
    edk2_iommu,
    edk2_sev,
    edk2_tdx,
    edk2_core,
    edk2_pci,
    edk2_virtio,
    edk2_exception,
    edk2_ccexit,
    edk2_reset,
    edk2_bds,
    qemu,
    qemu_trace,
    linux_kernel,
)


def all_patterns() -> list[LinePattern]:
    """Every pattern of every format, in registry order (earlier formats win ties)."""
    patterns: list[LinePattern] = []
    for module in FORMATS:
        patterns.extend(module.PATTERNS)
    names = [p.name for p in patterns]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate pattern names: {sorted(duplicates)}")
    return patterns
