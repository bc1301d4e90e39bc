"""The error lines of OVMF's #VC (SEV-ES, SEV-SNP) and #VE (TDX) exception handlers.

Source: ``OvmfPkg/Library/CcExitLib`` at edk2-stable202605-568-gc5aa7e7d94
(c5aa7e7d94c0e6b3c0202e15dbf7a5c92dd6a01d); the #VC lines are the same in
``OvmfPkg/Library/VmgExitLib/VmgExitVcHandler.c`` of edk2-stable202205 and earlier.

``CcExitVcHandler.c`` (``DEBUG_ERROR``):

- ``MMIO using encrypted memory: %lx`` (``ValidateMmioMemory``: an MMIO access to a page that is
  private, i.e. encrypted; the handler injects #GP). Only a SEV-ES or later guest takes #VC.
- ``Invalid MMIO opcode (%x)`` (``MmioExit``; followed by ``ASSERT (FALSE)``).

``CcExitVeHandler.c`` (``DEBUG_ERROR``; ``%a`` is ``__func__``):

- ``%a: Invalid MmioSize - %d``, ``%a: TdVmcall failed with %llx``,
  ``%a: Initialize InstructionData failed! (%r)``,
  ``%a: Parse Ext.ModRm.Mod error! (OpCode: 0x%x)``, ``%a: Invalid MMIO opcode (%x)``,
  ``%a: TDCALL failed with status=%llx``,
  ``%a: EPT-violation #VE on private memory is not allowed!``,
  ``%a: Address is not correct! (%d: 0x%llx != 0x%llx)`` (``MmioExit`` and helpers),
- ``#VE happened. TDGETVEINFO failed with Status = 0x%llx`` (then TDVMCALL_HALT),
- ``Unsupported #VE happened, ExitReason is %d, ExitQualification = 0x%x.``,
- ``#VE Error (0x%llx) returned from host, ExitReason is %d, ExitQualification = 0x%x.``
  (``CcExitHandleVe``; then ``TDVMCALL_HALT``: the TD stops).

The handlers print nothing when they terminate the guest through the GHCB MSR protocol.
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Builder, Groups, LinePattern, dec_int, hex_int
from app.analysis.model import CcHandlerError


def _error(handler: str, kind: str, decimal: bool) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> CcHandlerError:
        raw = g[1] if len(g) > 1 else None
        value = None if raw is None else (dec_int(raw) if decimal else hex_int(raw))
        return CcHandlerError(line, time, handler, kind, value, g[0].decode("ascii", "replace"))

    return build


# The only functions of CcExitVeHandler.c that print their __func__ (a literal prefix keeps the
# scanner's combined expression fast on lines that match nothing).
_FUNC = rb"(?:MmioExit|ParseMmioExitInstructions|TdxMmioReadWrite): "
_DEC = rb"(\d+)"
_QUAL = rb"ExitQualification = 0x[0-9A-Fa-f]+\."

# (handler, kind, the line after any ``%a: `` prefix, whether the value is decimal)
_LINES: tuple[tuple[str, str, bytes, bool], ...] = (
    ("vc", "mmio-encrypted", rb"MMIO using encrypted memory: " + HEX, False),
    ("vc", "invalid-mmio-opcode", rb"Invalid MMIO opcode \(" + HEX + rb"\)", False),
    ("ve", "invalid-mmio-opcode", _FUNC + rb"Invalid MMIO opcode \(" + HEX + rb"\)", False),
    ("ve", "invalid-mmio-size", _FUNC + rb"Invalid MmioSize - " + _DEC, True),
    ("ve", "tdvmcall-failed", _FUNC + rb"TdVmcall failed with " + HEX, False),
    ("ve", "decode-failed", _FUNC + rb"Initialize InstructionData failed! \(.*\)", False),
    (
        "ve",
        "modrm-error",
        _FUNC + rb"Parse Ext\.ModRm\.Mod error! \(OpCode: 0x" + HEX + rb"\)",
        False,
    ),
    ("ve", "tdcall-failed", _FUNC + rb"TDCALL failed with status=" + HEX, False),
    ("ve", "ept-private", _FUNC + rb"EPT-violation #VE on private memory is not allowed!", False),
    (
        "ve",
        "address-mismatch",
        _FUNC + rb"Address is not correct! \(\d+: 0x" + HEX + rb" != 0x[0-9A-Fa-f]+\)",
        False,
    ),
    (
        "ve",
        "tdgetveinfo-failed",
        rb"#VE happened\. TDGETVEINFO failed with Status = 0x" + HEX,
        False,
    ),
    (
        "ve",
        "unsupported",
        rb"Unsupported #VE happened, ExitReason is " + _DEC + b", " + _QUAL,
        True,
    ),
    (
        "ve",
        "host-error",
        rb"#VE Error \(0x" + HEX + rb"\) returned from host, ExitReason is \d+, " + _QUAL,
        False,
    ),
)

PATTERNS = tuple(
    LinePattern(f"{handler}-{kind}", rb"(" + regex + rb")", _error(handler, kind, decimal))
    for handler, kind, regex, decimal in _LINES
)
