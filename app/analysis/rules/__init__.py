"""Every finding rule, like a linter's catalogue: ``RULES`` is the registry.

Rules are declared per area (``boot``, ``iommu``, ``pool``, ``pagestate``, ``sev``, ``kernel``,
``firmware``, ``host``); the code that detects each lives where the knowledge is (the boot
tracker, the simulator, the firmware and host cross-checks) and reports through
``FindingCollector``. Like ``FORMATS``, ``AREAS`` is an explicit tuple of the area modules,
so a new area is one import and one entry here. IDs are
``<AREA>-<NNN>`` and never reused; the README lists them all (a test checks).
"""

from __future__ import annotations

from types import ModuleType

from app.analysis.rules import boot, firmware, host, iommu, kernel, pagestate, pool, sev
from app.analysis.rules.base import FindingCollector, Rule

AREAS: tuple[ModuleType, ...] = (boot, iommu, pool, pagestate, sev, kernel, firmware, host)

RULES: tuple[Rule, ...] = tuple(rule for area in AREAS for rule in area.RULES)
RULES_BY_ID: dict[str, Rule] = {rule.rule_id: rule for rule in RULES}


def new_collector() -> FindingCollector:
    return FindingCollector(RULES)


__all__ = ["RULES", "RULES_BY_ID", "Rule", "FindingCollector", "new_collector"]
