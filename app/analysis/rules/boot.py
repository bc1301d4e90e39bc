"""Rules about the boot as a whole: did it finish, and what did its logging cost."""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

RULES = (
    Rule(
        "BOOT-001",
        2,
        Severity.CRITICAL,
        "Boot failed",
        "The boot stopped: an ASSERT, a CPU exception (the firmware's register dump), an error of "
        "the #VC or #VE handler, a fatal error of the VMM (KVM or QEMU), or BDS found nothing it "
        "could boot. Everything after this point is missing, so shared pages and live mappings "
        "were never torn down and the guest never reached its OS. For a crash the details name "
        "the RIP and the module it falls in.",
        "Start from the ASSERT's file and line, or the faulting module and RIP (disassemble the "
        "module's .debug file at RIP - ImageBase), or the boot options BDS tried. Rebuild with "
        "the same edk2 tag to reproduce; check that the VMM passed the devices and firmware "
        "volumes this build expects.",
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
    Rule(
        "BOOT-004",
        1,
        Severity.MEDIUM,
        "A boot attempt failed before a later one went ahead",
        "BDS could not load or start a boot option (or printed `Unable to boot!` and ran the "
        "boot manager), and a later attempt then started. The boot's outcome is that of the "
        "last attempt; the failed one is worth a look: a missing or unsigned loader, a device "
        "that was not ready, or a boot order that no longer matches the disks.",
        "Check the failed option's device path and status in the line; fix the boot order or "
        "the image so that the intended option boots first.",
    ),
)
