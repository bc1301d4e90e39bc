"""Reset requests: the last lines of a boot that resets (and so the start of the next one).

Sources, at edk2-stable202605-568-gc5aa7e7d94 (c5aa7e7d94c0e6b3c0202e15dbf7a5c92dd6a01d):

- ``MdeModulePkg/Universal/ResetSystemRuntimeDxe/ResetSystem.c``:
  ``DXE ResetSystem2: ResetType %s, Call Depth = %d.`` (``%s`` is ``mResetTypeStr[]``:
  ``Cold``, ``Warm``, ``Shutdown``, ``PlatformSpecific``);
- ``MdeModulePkg/Universal/ResetSystemPei/ResetSystem.c``:
  ``PEI ResetSystem2: Reset call depth = %d.`` and
  ``PEI ResetSystem2: Maximum reset call depth is met. Use the current reset type: %s!``.

``Reset System`` alone is not edk2's: shim's fallback (rhboot/shim ``fallback.c``,
``console_print(L"Reset System\\n")`` before ``gRT->ResetSystem(EfiResetCold, ...)``) and
fwupdate print it just before they reset, which is why it precedes the DXE line in a capture.
"""

from __future__ import annotations

from app.analysis.formats.base import Groups, LinePattern, dec_int, text
from app.analysis.model import ResetRequest


def _dxe(g: Groups, line: int, time: float | None) -> ResetRequest:
    return ResetRequest(line, time, "dxe", text(g[0]), dec_int(g[1]))


PATTERNS = (
    LinePattern(
        "reset-dxe",
        rb"DXE ResetSystem2: ResetType (\w+), Call Depth = (\d+)\.",
        _dxe,
    ),
    LinePattern(
        "reset-pei",
        rb"PEI ResetSystem2: Reset call depth = (\d+)\.",
        lambda g, line, time: ResetRequest(line, time, "pei", "", dec_int(g[0])),
    ),
    LinePattern(
        "reset-pei-max-depth",
        rb"PEI ResetSystem2: Maximum reset call depth is met\. Use the current reset type: (\w+)!",
        lambda g, line, time: ResetRequest(line, time, "pei", text(g[0]), None),
    ),
    LinePattern(
        "reset-bare",
        rb"Reset System",
        lambda g, line, time: ResetRequest(line, time, "bare", "", None),
    ),
)
