"""Replay of parsed boot-log events through a page-state map and a model of IoMmuDxe.

Entry point: ``Simulator(collector, seeds=...)``; ``feed(event)`` for each event in log order,
then ``finish(last_line=...)`` for a JSON-ready ``SimulationResult``. Rules it reports are
declared in ``app.analysis.rules.iommu``, ``.pool`` and ``.pagestate`` (``SIMULATOR_RULES``).
"""

from app.analysis.rules.iommu import RULES as IOMMU_RULES
from app.analysis.rules.pagestate import RULES as PAGE_RULES
from app.analysis.rules.pool import RULES as POOL_RULES
from app.analysis.simulator.pagemap import PageMap
from app.analysis.simulator.replay import SimulationResult, Simulator

SIMULATOR_RULES = (*IOMMU_RULES, *POOL_RULES, *PAGE_RULES)

__all__ = ["PageMap", "SIMULATOR_RULES", "SimulationResult", "Simulator"]
