"""SEV-* rules: what the #VC handler of an SEV-ES or SEV-SNP guest reports about the firmware.

Detection lives in ``app.analysis.boot`` (the tracker reads CcExitLib's error lines).
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

RULES = (
    Rule(
        "SEV-001",
        1,
        Severity.HIGH,
        "MMIO access to encrypted memory",
        "The #VC handler refused an MMIO access because the address is mapped private "
        "(encrypted): CcExitLib's `MMIO using encrypted memory`. MMIO must go through shared "
        "(unencrypted) mappings; a driver or page-table setup that leaves an MMIO range private "
        "is a firmware bug, and the handler answers it with #GP, which usually ends the boot.",
        "Find the driver that accessed the address (the exception dump that follows names the "
        "module) and make sure its MMIO range is marked shared: "
        "MemEncryptSevClearMmioPageEncMask for the range, or a PCI BAR the host bridge driver "
        "maps decrypted.",
    ),
)
