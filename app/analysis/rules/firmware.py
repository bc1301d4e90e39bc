"""Rules about the boot against its firmware image (detected in ``firmware/crosscheck.py``)."""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

RULES = (
    Rule(
        "FW-001",
        1,
        Severity.HIGH,
        "SEV boot with firmware that cannot start it",
        "The log shows an SEV, SEV-ES or SEV-SNP guest, but the firmware image lacks what the "
        "VMM needs for that mode: every SEV mode needs an X64 reset vector, SEV-ES and SEV-SNP "
        "the SEV-ES reset block in the footer table, SEV-SNP also the ASEV metadata with its "
        "secrets and CPUID pages. Either the image given is not the one that ran this boot, or "
        "the VMM started the guest from ranges it guessed.",
        "Check that the image reviewed is the one the VMM loaded (compare its sha256 with the "
        "VMM configuration). Boot SEV guests from an OvmfPkgX64 or AmdSevX64 build; IA32 and "
        "SMM builds (the 4 MiB images distributions ship) cannot start them.",
    ),
    Rule(
        "FW-002",
        1,
        Severity.HIGH,
        "TDX boot with firmware that has no usable TDVF metadata",
        "The log shows a TDX guest, but the firmware image has no TDVF descriptor QEMU would "
        "accept (version 1, a length matching its sections, types 0-3, a BFV). Without it the "
        "VMM cannot know which pages to add, measure or leave to the guest, so the image given "
        "is not the one that ran, or the measurement covered something else.",
        "Compare the image's sha256 with the VMM configuration and use an OvmfPkgX64 or "
        "IntelTdxX64 build from edk2-stable202111 or later.",
    ),
    Rule(
        "FW-003",
        1,
        Severity.MEDIUM,
        "TDX accepted ranges disagree with the TDVF sections",
        "TDVF sections are added by the VMM before the guest runs: TEMP_MEM and TD_HOB as "
        "private pages, BFV and CFV as measured private pages. A guest that accepts them again, "
        "or reports them unaccepted, works from a memory map that contradicts its own firmware: "
        "acceptance of an added page fails (TDX_PAGE_ALREADY_ACCEPTED) or, worse, the ranges "
        "the guest trusts are not the ones the VMM measured.",
        "Check the TD HOB the VMM built (its resource descriptors must leave the TDVF sections "
        "out of unaccepted memory) and that the firmware image reviewed is the one that ran.",
    ),
    Rule(
        "FW-004",
        1,
        Severity.HIGH,
        "GHCB pages where shared memory must not be",
        "The GHCB is shared with the hypervisor by design. These GHCB pages lie inside a range "
        "the firmware declares pre-validated and private (an ASEV section), inside the flash "
        "window below 4 GiB, or on a page the firmware reserves (SEV-ES work area, launch "
        "secret, kernel hashes). Sharing such a page exposes or corrupts what the firmware "
        "keeps there.",
        "Find the allocation in the log line shown: the GHCB must come from ordinary RAM that "
        "the firmware has not pre-validated. Compare the MEMFD layout of the build with the "
        "ranges listed.",
    ),
    Rule(
        "FW-005",
        1,
        Severity.MEDIUM,
        "Firmware image has errors",
        "Reading the firmware image found errors (listed in the details): a VMM would reject or "
        "misread parts of its metadata, so checks of the boot against the firmware are "
        "incomplete.",
        "Run `cvmreview firmware IMAGE` for every diagnostic with its byte offset; rebuild the "
        "image or give the correct OVMF_CODE/OVMF.fd (not the variable store).",
    ),
    Rule(
        "FW-006",
        1,
        Severity.MEDIUM,
        "SEV-SNP secret or kernel hashes outside the pre-validated ranges",
        "The footer table places the SEV launch secret or the kernel-hash table outside every "
        "ASEV section. Under SEV-SNP only ASEV ranges are validated and measured at launch, so "
        "the hashes QEMU writes there are not covered by the launch measurement and the "
        "measured direct boot (kernel, initrd, command line) can be subverted.",
        "Use a build whose MEMFD puts the launch secret and hash table inside an ASEV section "
        "(edk2-stable202402 or later adds a KERNEL_HASHES section).",
    ),
)
