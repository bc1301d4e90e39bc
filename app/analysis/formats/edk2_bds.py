"""Boot-option lines that BdsDxe prints to the console (and so to the serial capture).

Source: ``OvmfPkg/Library/PlatformBmPrintScLib/StatusCodeHandler.c`` (linked into BdsDxe through
PlatformBootManagerLib since edk2-stable201905; checked at edk2-stable202605-568-gc5aa7e7d94,
c5aa7e7d94c0e6b3c0202e15dbf7a5c92dd6a01d), a status-code handler that ``Print``s

- ``%a: %a %s "%s" from %s`` with ``gEfiCallerBaseName`` (``BdsDxe``), ``loading`` or
  ``starting``, the option name ``Boot%04x``, its description and its device path;
- ``%a: failed to %a %s "%s" from %s: %r%a`` (``load`` or ``start``; the trailing ``%a`` is
  `` -- rejected probably by Secure Boot`` or empty).

Only BdsDxe links the library (it ignores status codes of other modules), so the prefix is
always ``BdsDxe: ``. A firmware built without DEBUG output still prints these, so they are
often the only BDS lines of a release build's capture.
"""

from __future__ import annotations

from app.analysis.formats.base import Groups, LinePattern, text
from app.analysis.model import BootOptionAction


def _action(g: Groups, line: int, time: float | None) -> BootOptionAction:
    return BootOptionAction(line, time, text(g[0]), text(g[1]), text(g[2]), text(g[3]))


def _failure(g: Groups, line: int, time: float | None) -> BootOptionAction:
    return BootOptionAction(
        line, time, f"failed-{text(g[0])}", text(g[1]), text(g[2]), text(g[3]), text(g[4])
    )


_OPTION = rb'(Boot[0-9A-Fa-f]{4}) "(.*)" from (.*?)'

PATTERNS = (
    LinePattern(
        "bds-boot-option-failed",
        rb"BdsDxe: failed to (load|start) " + _OPTION + rb": (.+)",
        _failure,
    ),
    LinePattern("bds-boot-option", rb"BdsDxe: (loading|starting) " + _OPTION, _action),
)
