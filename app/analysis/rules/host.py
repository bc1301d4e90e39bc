"""HOST-* rules: the guest's page-state story against the host's (QEMU trace events).

Detection lives in ``app.analysis.host.crosscheck``; keys name the module, phase or section,
never an address.
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

GUEST_CONVERSION_UNSEEN = Rule(
    "HOST-001",
    1,
    Severity.HIGH,
    "Guest conversion the host never saw",
    "The firmware logged a private/shared conversion, but the host's trace shows no "
    "kvm_convert_memory for (all of) that range in that direction. Either the page-state "
    "request never reached the VMM (the guest believes memory is shared that the host still "
    "holds private, or the reverse), or the trace lost events. A guest that thinks a page is "
    "private while the host can still map it shared is exactly the confusion SNP and TDX "
    "are meant to rule out.",
    "Check that the trace was enabled from launch (kvm_convert_memory) and complete; then "
    "follow the page-state request path of the module in the details (GHCB PSC, TDG.VP.VMCALL "
    "MapGPA).",
)
HOST_CONVERSION_UNEXPLAINED = Rule(
    "HOST-002",
    1,
    Severity.MEDIUM,
    "Host conversion no guest line explains",
    "While the firmware ran, the host converted a range that no firmware conversion line "
    "asked for. Implicit conversions (a memory fault on an access with the other attribute) "
    "or conversions by code that does not log them change what the host can read without the "
    "review seeing why.",
    "Look for kvm_memory_fault lines just before the conversion, and for firmware modules "
    "that convert memory without the DEBUG_VERBOSE lines (or a firmware build that is not "
    "the one reviewed).",
)
LAUNCH_LAYOUT_MISMATCH = Rule(
    "HOST-003",
    1,
    Severity.HIGH,
    "Launch layout disagrees with the firmware image",
    "The ranges the VMM added at launch (SNP launch updates, TDX init-memory regions) do not "
    "match the sections the firmware image declares (ASEV / TDVF metadata): a section missing, "
    "only partly added, or with another page type or measurement. The launch digest then "
    "covers something other than what the firmware expects, or memory the firmware relies on "
    "was never validated or accepted.",
    "Compare the QEMU version and its firmware handling with the image's metadata "
    "(`cvmreview firmware`), and make sure the image given with --firmware is the one booted.",
)
FAULT_ON_LAUNCH_MEMORY = Rule(
    "HOST-004",
    1,
    Severity.MEDIUM,
    "Shared access to memory added private at launch",
    "KVM reported a memory fault for a shared access to a range the launch added as private "
    "(firmware, secrets, CPUID, TD HOB). QEMU converts such a range implicitly, so measured or "
    "secret memory can end up readable by the host without the guest having asked for it.",
    "Find the guest access at that address: usually a missing page-state change before "
    "sharing a buffer, or a pointer into firmware memory handed to a device.",
)

RULES = (
    GUEST_CONVERSION_UNSEEN,
    HOST_CONVERSION_UNEXPLAINED,
    LAUNCH_LAYOUT_MISMATCH,
    FAULT_ON_LAUNCH_MEMORY,
)
