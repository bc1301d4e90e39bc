"""KERNEL-* rules: faults the guest kernel printed on the console captured with the firmware.

Detection lives in ``app.analysis.boot`` (the tracker reads ``KernelFault`` events); each
finding names the kernel's line.
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

RULES = (
    Rule(
        "KERNEL-001",
        1,
        Severity.CRITICAL,
        "Kernel panic",
        "The guest kernel stopped with `Kernel panic - not syncing`: the firmware handed off, "
        "but the confidential VM did not come up. In a CVM the usual causes are a memory "
        "encryption or validation mismatch (a page the firmware left shared, unaccepted or "
        "unvalidated), a missing bounce buffer, or an attestation or root-disk failure.",
        "Read the panic message and the lines before it; check the platform section (SEV/TDX "
        "features the kernel saw, swiotlb size, unaccepted memory) against what the firmware "
        "set up.",
    ),
    Rule(
        "KERNEL-002",
        1,
        Severity.HIGH,
        "Kernel BUG or Oops",
        "The guest kernel printed `BUG:` or `Oops:`: a kernel fault, often a page fault on an "
        "address the firmware's memory map or the encryption state did not prepare.",
        "Look at the faulting address and the call trace after the line; compare the address "
        "with the firmware's shared and unaccepted ranges.",
    ),
    Rule(
        "KERNEL-003",
        1,
        Severity.MEDIUM,
        "Kernel warning",
        "The guest kernel printed `WARNING: CPU: ... at ...`: an internal check failed but the "
        "kernel carried on. Warnings in the SEV, TDX, swiotlb or EFI code point at a firmware "
        "hand-off the kernel did not expect.",
        "Read the file and line in the warning; if it is in arch/x86/coco, kernel/dma or "
        "drivers/firmware/efi, compare with the firmware's hand-off state.",
    ),
)
