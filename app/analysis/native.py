"""Optional compiled copies of the engine's hot modules (mypyc), used only while they are fresh.

The engine is plain Python. ``make install`` (and so ``make run`` and ``make test``) also compiles
the modules on the hot path (``NATIVE_MODULES``) with mypyc into ``.native/`` beside the
checkout, which roughly doubles throughput. The compiled copies live outside ``app/`` on purpose:
an extension module next to its source would shadow every later edit of that source. Instead a
stamp records the sha256 of each compiled source, and ``enable()`` installs an import finder for
the compiled modules only when every stamp still matches, so an edited module silently falls back
to the pure-Python one (until the next ``make``) rather than running stale code.

``CVMREVIEW_PURE_PYTHON=1`` disables the compiled modules.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
NATIVE_DIR = ROOT / ".native"
STAMP = NATIVE_DIR / "stamp.json"

# Modules on the hot path; everything they import at run time from app.analysis must be here or
# stay pure (mypyc calls pure modules normally).
NATIVE_MODULES = (
    "app.analysis.model",
    "app.analysis.source",
    "app.analysis.scanner",
    "app.analysis.boot",
    "app.analysis.debugcost",
    "app.analysis.rules.base",
    "app.analysis.formats.base",
    "app.analysis.formats.edk2_core",
    "app.analysis.formats.edk2_iommu",
    "app.analysis.formats.edk2_pci",
    "app.analysis.formats.edk2_sev",
    "app.analysis.formats.edk2_tdx",
    "app.analysis.formats.edk2_virtio",
    "app.analysis.host.events",  # subclasses model.Event: compiled with it, or pure with it
    "app.analysis.simulator.addrspace",
    "app.analysis.simulator.attribution",
    "app.analysis.simulator.iommu",
    "app.analysis.simulator.pagemap",
    "app.analysis.simulator.pool",
    "app.analysis.simulator.records",
    "app.analysis.simulator.sortedkeys",
    "app.analysis.simulator.replay",
    "app.analysis.simulator.result",
    "app.analysis.simulator.stats",
    "app.analysis.simulator.timeline",
    "app.analysis.simulator.transitions",
)

_active = False


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def source_digest(module: str) -> str:
    return hashlib.sha256(source_path(module).read_bytes()).hexdigest()


def python_tag() -> str:
    return f"{sys.implementation.cache_tag}-{sys.platform}"


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled extension for exactly the modules in the stamp."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._files = files

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        location = self._files.get(fullname)
        if location is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(location))
        return importlib.util.spec_from_file_location(fullname, location, loader=loader)


def _fresh_files() -> dict[str, Path] | None:
    """The compiled files by module name, or None when any is missing or stale."""
    try:
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp.get("python") != python_tag() or set(stamp.get("sources", {})) != set(NATIVE_MODULES):
        return None
    files: dict[str, Path] = {}
    for module, digest in stamp["sources"].items():
        try:
            if source_digest(module) != digest:
                return None
        except OSError:
            return None
    for module, relative in stamp.get("files", {}).items():
        location = NATIVE_DIR / relative
        if not location.is_file():
            return None
        files[module] = location
    return files


def enable() -> bool:
    """Use the compiled modules if they are fresh; call before the hot modules are imported."""
    global _active
    if _active:
        return True
    if os.environ.get("CVMREVIEW_PURE_PYTHON") or any(m in sys.modules for m in NATIVE_MODULES):
        return False
    files = _fresh_files()
    if not files:
        return False
    sys.meta_path.insert(0, _CompiledFinder(files))
    _active = True
    return True


def is_active() -> bool:
    """True when the engine runs the compiled modules (the bench and ``--version`` say so)."""
    return _active
