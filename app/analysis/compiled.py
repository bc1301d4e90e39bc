"""Which engine modules run compiled (mypyc), as the import system will load them.

The package build compiles the hot modules (``setup.py``, the list in ``pyproject.toml``); an
editable install or a pure build (``CVMREVIEW_PURE_PYTHON=1``) has none. Asking the import
system for each module's origin, rather than reading that list, reports what actually runs:
an extension module is always preferred over the ``.py`` beside it. ``cvmreview version`` and
``GET /api/v1/health`` show this.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Literal

import app.analysis


@dataclass(frozen=True)
class EngineBuild:
    """The engine as installed: ``kind`` is ``compiled`` when any module is an extension."""

    compiled_modules: tuple[str, ...]

    @property
    def kind(self) -> Literal["compiled", "pure"]:
        return "compiled" if self.compiled_modules else "pure"


def is_extension(origin: str | None) -> bool:
    return origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


@cache
def engine_build() -> EngineBuild:
    """The compiled modules of ``app.analysis``, sorted (imports only its subpackages)."""
    compiled = []
    for info in pkgutil.walk_packages(app.analysis.__path__, "app.analysis."):
        spec = importlib.util.find_spec(info.name)
        if spec is not None and is_extension(spec.origin):
            compiled.append(info.name)
    return EngineBuild(compiled_modules=tuple(sorted(compiled)))
