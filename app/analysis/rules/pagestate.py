"""PAGE-* rules: guest-physical page-state (private/shared) anomalies found by the replay.

Detection lives in ``app.analysis.simulator.transitions``; keys name the module or device and
the kind of disagreement, never an address.
"""

from __future__ import annotations

from app.analysis.model import Severity
from app.analysis.rules.base import Rule

DOUBLE_DECRYPT = Rule(
    "PAGE-001",
    1,
    Severity.MEDIUM,
    "Page made shared while already shared",
    "A range was converted to shared although the replay says it already was. Either two "
    "owners believe they control the same plaintext pages (one of them will later re-encrypt "
    "memory the other still uses), or a conversion back to private was lost. On SNP each "
    "redundant conversion is also a needless PVALIDATE rescind and page-state VMGEXIT.",
    "Follow the lines: find who shared the range first and why it was not made private "
    "again before the second conversion.",
)
DOUBLE_ENCRYPT = Rule(
    "PAGE-002",
    1,
    Severity.MEDIUM,
    "Page made private while already private",
    "A range was converted to private although the replay says it already was. It often "
    "means an unmap or free ran twice; on SNP re-validating a validated page is a guest "
    "error the hypervisor can use to confuse the guest about which pages it owns.",
    "Check the unmap/free paths of the owner for a double release.",
)
STATE_MISMATCH = Rule(
    "PAGE-003",
    1,
    Severity.MEDIUM,
    "Logged page-state change disagrees with the IOMMU model",
    "The encryption library logged a conversion that the IoMmuDxe operation around it does "
    "not imply (wrong range, wrong direction, or no operation at all), or an operation that "
    "must convert pages logged nothing. Either the firmware does something other than the "
    "reviewed edk2 code, or the log lost lines - in both cases the shared-memory picture of "
    "this boot cannot be trusted without a closer look.",
    "Compare the firmware's IoMmuDxe with upstream edk2 and check the log capture for lost "
    "or interleaved lines.",
)
SHARED_AT_HANDOFF = Rule(
    "PAGE-004",
    1,
    Severity.HIGH,
    "Unexpected shared pages at hand-off to the OS",
    "When ExitBootServices finished, pages were still shared with the host beyond the "
    "expected ones (GHCBs, the IoMmu pool data areas, MMIO). The OS inherits them as "
    "ordinary memory without knowing the host can read and write them, so whatever it puts "
    "there later is exposed.",
    "Find the conversion that shared the range (see the details) and the release that "
    "should have made it private again before ExitBootServices.",
)

RULES = (DOUBLE_DECRYPT, DOUBLE_ENCRYPT, STATE_MISMATCH, SHARED_AT_HANDOFF)
