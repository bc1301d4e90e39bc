"""edk2's CPU exception dump: the lines a firmware prints when it crashes.

Source: ``UefiCpuPkg/Library/CpuExceptionHandlerLib`` at edk2-stable202605-568-gc5aa7e7d94
(c5aa7e7d94c0e6b3c0202e15dbf7a5c92dd6a01d): ``X64/ArchExceptionHandler.c`` and
``Ia32/ArchExceptionHandler.c`` (``DumpCpuContext``) print

- ``!!!! X64 Exception Type - %02x(%a)  CPU Apic ID - %08x !!!!`` (``IA32`` in 32-bit builds;
  ``%a`` is ``mExceptionNameStr[]`` of ``CpuExceptionCommon.c``, e.g. ``#GP - General
  Protection``, ``#VC - VMM Communication``),
- ``ExceptionData - %016lx`` (``%08x`` on IA32), followed for a page fault by
  ``  I:%x R:%x U:%x W:%x P:%x PK:%x SS:%x SGX:%x`` on the same line,
- ``RIP  - %016lx, CS  - %016lx, RFLAGS - %016lx`` (IA32: ``EIP  - %08x, CS  - %08x, EFLAGS -
  %08x``) and the other register lines (``RAX  - ...``, ``CR0  - ...``, ``GDTR - ...``,
  ``FXSAVE_STATE - ...``),

and ``CpuExceptionCommon.c`` (``DumpModuleImageInfo``) names the image the IP falls in with
``!!!! Find image based on IP(0x%x) `` + ``%a`` (the PDB path) or ``(No PDB) `` +
`` (ImageBase=%016lp, EntryPoint=%016p) !!!!``, or says ``!!!! Can't find image information.
!!!!``. The same strings are in every edk2 release since UDK2017 (the ``SGX`` bit since 2019).
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, chatter, hex_int, text
from app.analysis.model import CpuException, ExceptionImage, ExceptionRegisters


def _exception(g: Groups, line: int, time: float | None) -> CpuException:
    return CpuException(line, time, hex_int(g[1]), text(g[2]), hex_int(g[3]), text(g[0]))


def _registers(g: Groups, line: int, time: float | None) -> ExceptionRegisters:
    return ExceptionRegisters(line, time, hex_int(g[0]), hex_int(g[1]), hex_int(g[2]))


def _image(g: Groups, line: int, time: float | None) -> ExceptionImage:
    pdb = text(g[1]).strip()
    return ExceptionImage(
        line,
        time,
        True,
        hex_int(g[0]),
        "" if pdb == "(No PDB)" else pdb,
        hex_int(g[2]),
        hex_int(g[3]),
    )


_REGISTER_LINE = (
    rb"(?:(?:[RE]AX|[RE]BX|[RE]SI|[RE]SP|R8|R11|R14|DS|GS|CR0|CR4|DR0|DR3|DR6)"
    rb" +- [0-9A-Fa-f]{8,16}(?:, +\w+ +- [0-9A-Fa-f]{8,16})*"
    rb"|(?:GDTR|IDTR) - [0-9A-Fa-f]{8,16} [0-9A-Fa-f]{8,16}, .*"
    rb"|LDTR - [0-9A-Fa-f]{8,16}, TR - [0-9A-Fa-f]{8,16}"
    rb"|FXSAVE_STATE - [0-9A-Fa-f]{8,16})"
)

PATTERNS = (
    LinePattern(
        "cpu-exception",
        rb"!!!! (X64|IA32) Exception Type - "
        + HEX
        + rb"\((.*)\)  CPU Apic ID - "
        + HEX
        + rb" !!!!",
        _exception,
    ),
    LinePattern(
        "exception-registers",
        rb"[RE]IP  - " + HEX + rb", CS  - " + HEX + rb", [RE]FLAGS - " + HEX,
        _registers,
    ),
    LinePattern(
        "exception-image",
        rb"!!!! Find image based on IP\(0x"
        + HEX
        + rb"\) (.*?) ?\(ImageBase="
        + HEX
        + rb", EntryPoint="
        + HEX
        + rb"\) !!!!",
        _image,
    ),
    LinePattern(
        "exception-no-image",
        rb"!!!! Can't find image information\. !!!!",
        lambda g, line, time: ExceptionImage(line, time, False),
    ),
    chatter(
        "exception-dump",
        rb"(?:ExceptionData - [0-9A-Fa-f]{8,16}(?:  I:\w+ R:\w+ U:\w+ W:\w+ P:\w+ PK:\w+"
        rb"(?: SS:\w+ SGX:\w+)?)?|" + _REGISTER_LINE + rb")",
    ),
)
