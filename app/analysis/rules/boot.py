"""Rules about the boot as a whole: did it finish, and what did its logging cost."""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

RULES = (
    Rule(
        "BOOT-001",
        1,
        Severity.CRITICAL,
        "Boot failed",
        "The firmware stopped with an ASSERT or BDS found nothing it could boot. Everything the "
        "log says after this point is missing, so shared pages and live mappings were never torn "
        "down and the guest never reached its OS.",
        "Start from the ASSERT's file and line (or the boot options BDS tried). Rebuild with the "
        "same edk2 tag to reproduce; check that the VMM passed the devices and firmware volumes "
        "this build expects.",
    ),
    Rule(
        "BOOT-002",
        1,
        Severity.MEDIUM,
        "Log ends before a boot option ran",
        "The log stops before BDS booted anything and without an ASSERT: the capture was cut "
        "short, the guest hung, or the VMM killed it. Findings about hand-off (live mappings, "
        "shared pages) cannot be judged on a truncated log.",
        "Capture the whole debug console (QEMU -debugcon file:... -global "
        "isa-debugcon.iobase=0x402) until the OS loader runs; if the guest hangs, note the last "
        "phase and module reached.",
    ),
    Rule(
        "BOOT-003",
        1,
        Severity.INFO,
        "Debug logging costs VM exits",
        "Every debug message leaves the confidential VM through the debug port: on plain SEV "
        "and on TDX each character is a separate exit (string I/O cannot be emulated on "
        "encrypted memory), on SEV-ES and SEV-SNP about one per message through the GHCB. "
        "Verbose builds therefore slow the boot, and the figures here estimate by how much.",
        "Review with verbose logs, but ship builds with the default PcdDebugPrintErrorLevel "
        "(0x8000004F) or a RELEASE build; the modules at the top of the table are the ones to "
        "quieten first.",
    ),
)
