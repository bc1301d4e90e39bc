"""Contracts of the codebase that no single feature test would notice breaking."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import app
from app.analysis.formats import all_patterns
from app.analysis.rules import RULES

ROOT = Path(app.__file__).parent.parent
ANALYSIS = ROOT / "app" / "analysis"
FORBIDDEN = (
    "fastapi",
    "sqlalchemy",
    "jinja2",
    "plotly",
    "celery",
    "redis",
    "starlette",
    "uvicorn",
    "app.db",
    "app.api",
    "app.web",
    "app.jobs",
    "app.config",
    "app.cli",
    "app.synth",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_analysis_imports_nothing_from_web_database_or_queue() -> None:
    """The engine is pure, and the synthesizer is a separate tool built on it, not part of it."""
    offenders = []
    for path in sorted(ANALYSIS.rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_rule_ids_are_unique_well_formed_and_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ids = [rule.rule_id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"[A-Z]+-\d{3}", rule.rule_id), rule.rule_id
        assert rule.title and rule.explanation and rule.advice, rule.rule_id
        assert f"| {rule.rule_id} |" in readme, f"{rule.rule_id} has no row in README.md"


def test_every_log_format_is_documented_and_tested() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    for module_name in {p.__module__ for p in (pattern.build for pattern in all_patterns())}:
        short = module_name.rsplit(".", 1)[-1]
        if short == "base":
            continue  # chatter patterns share the base builder
        assert f"`{short}`" in readme, f"format module {short} has no README row"
    assert "IoMmuUnmapWorker" in tests and "PciBus: Discovered" in tests


def test_no_test_or_code_reads_the_shared_folder() -> None:
    """The project stands alone: references were copied into docs/reference/."""
    outside = ("../" + "shared", "/work/" + "shared")
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "tests").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not any(name in text for name in outside), path
