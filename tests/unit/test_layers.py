"""The layers of ``app/`` import only downwards, and the adapters never import each other.

    engine (app.analysis, app.synth)  <-  db  <-  service  <-  http  <-  api, web
                                                           <-  cli, jobs
    composition root (app.main, app.entrypoints) may import anything.

Every ``import`` and ``from ... import`` of every module under ``app/`` (also those inside
functions and under ``TYPE_CHECKING``: they are edges all the same) is mapped to the layer of
the module it names; an edge that the table below does not allow fails the test, naming the
importing file, the line and the imported module.

One exception, on purpose: ``app.cli`` may import the composition root, because
``cvmreview serve`` and ``cvmreview worker`` start the server and the workers that it wires
together (``app.entrypoints``). That keeps cli from importing api, web or jobs directly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import app

APP = Path(app.__file__).parent

# Longest prefix wins; a module of app/ that matches none fails test_every_module_has_a_layer.
LAYER_OF_PREFIX = {
    "app.analysis": "engine",
    "app.synth": "engine",
    "app.resources": "leaf",
    "app.config": "config",
    "app.db": "db",
    "app.service": "service",
    "app.http": "http",
    "app.api": "api",
    "app.web": "web",
    "app.cli": "cli",
    "app.jobs": "jobs",
    "app.main": "root",
    "app.entrypoints": "root",
}
BELOW_ADAPTERS = {"leaf", "engine", "config", "db", "service"}
MAY_IMPORT = {
    "leaf": {"leaf"},
    "engine": {"leaf", "engine"},
    "config": {"leaf", "config"},
    "db": {"leaf", "engine", "config", "db"},
    "service": {"leaf", "engine", "config", "db", "service"},
    "http": BELOW_ADAPTERS | {"http"},
    "api": BELOW_ADAPTERS | {"http", "api"},
    "web": BELOW_ADAPTERS | {"http", "web"},
    "jobs": BELOW_ADAPTERS | {"jobs"},
    "cli": BELOW_ADAPTERS | {"cli", "root"},  # the documented exception: serve / worker
    "root": BELOW_ADAPTERS | {"http", "api", "web", "jobs", "root"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    if module == "app":
        return "leaf"  # the package itself (empty __init__)
    matches = [p for p in LAYER_OF_PREFIX if module == p or module.startswith(p + ".")]
    return LAYER_OF_PREFIX[max(matches, key=len)] if matches else None


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module of ``from <module> import ...`` (relative imports included)."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def app_imports(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of a module of ``app`` in ``path`` (or in ``text``
    as if it were that file); ``from app.x import y`` names ``app.x.y`` when that is a module
    itself (``from app.web import pages``)."""
    importer = module_name(path)
    source = path.read_text(encoding="utf-8") if text is None else text
    tree = ast.parse(source, filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(importer, path.name == "__init__.py", node)
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                is_module = _module_path(sub) is not None
                found.append((node.lineno, sub if is_module else module))
    inside = {(line, name) for line, name in found if name == "app" or name.startswith("app.")}
    return sorted(inside)


def _module_path(module: str) -> Path | None:
    """The file of ``module`` under app/, None when it is not a module (a name in one)."""
    relative = Path(*module.split("."))
    for candidate in (relative.with_suffix(".py"), relative / "__init__.py"):
        if (APP.parent / candidate).is_file():
            return APP.parent / candidate
    return None


def all_modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    missing = [module_name(p) for p in all_modules() if layer_of(module_name(p)) is None]
    assert missing == [], f"add these to LAYER_OF_PREFIX in {Path(__file__).name}: {missing}"


def test_imports_only_go_down_and_adapters_never_import_each_other() -> None:
    offenders = []
    for path in all_modules():
        source = layer_of(module_name(path))
        if source is None:
            continue
        for line, imported in app_imports(path):
            target = layer_of(imported)
            if target is None or target not in MAY_IMPORT[source]:
                where = f"{path.relative_to(APP.parent)}:{line}"
                offenders.append(f"{where} ({source}) imports {imported} ({target})")
    assert offenders == [], "imports against the layering:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("importer", "source", "allowed"),
    [
        ("app/web/pages/x.py", "from app.api.deps import ReadableBoot", False),
        ("app/api/routes/x.py", "from app.web import access", False),
        ("app/cli/x.py", "from app.jobs.queue import get_queue", False),
        ("app/service/x.py", "from app.http.deps import SessionDep", False),
        ("app/db/x.py", "from ..service import results", False),
        ("app/web/x.py", "from app.http.deps import SessionDep", True),
        ("app/cli/x.py", "from app.entrypoints import serve", True),
        ("app/web/pages/x.py", "from .. import access", True),
    ],
)
def test_the_check_sees_each_kind_of_edge(importer: str, source: str, allowed: bool) -> None:
    """The checker itself: absolute, relative and package imports map to the right layer."""
    path = APP.parent / importer
    source_layer = layer_of(module_name(path))
    assert source_layer is not None
    names = [name for _, name in app_imports(path, source)]
    assert names, source
    verdicts = {layer_of(name) in MAY_IMPORT[source_layer] for name in names}
    assert verdicts == {allowed}, (importer, source, names)
