"""Every finding rule, like a linter's catalogue: ``RULES`` is the registry.

Rules are declared per area (``boot``, ``iommu``, ``pool``, ``pagestate``, ``firmware``); the
code that detects each lives where the knowledge is (the boot tracker, the simulator, the
firmware cross-check) and reports through ``FindingCollector``. IDs are ``<AREA>-<NNN>`` and never
reused; the README lists them all (a test checks).
"""

from __future__ import annotations

import importlib

from app.analysis.rules.base import FindingCollector, Rule

_AREAS = ("boot", "iommu", "pool", "pagestate", "firmware")


def _load() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for area in _AREAS:
        module = importlib.import_module(f"app.analysis.rules.{area}")
        rules.extend(module.RULES)
    return tuple(rules)


RULES: tuple[Rule, ...] = _load()
RULES_BY_ID: dict[str, Rule] = {rule.rule_id: rule for rule in RULES}


def new_collector() -> FindingCollector:
    return FindingCollector(RULES)


__all__ = ["RULES", "RULES_BY_ID", "Rule", "FindingCollector", "new_collector"]
