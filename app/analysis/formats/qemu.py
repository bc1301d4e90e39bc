"""QEMU's and KVM's own lines when they land in the same capture as the firmware's (a serial
console on stdio, ``-debugcon stdio``, or a pasted terminal).

Sources (qemu/qemu, master as stored at c94bee4cd6693c1c65ba43bb8970cf909dec378b):

- ``accel/kvm/kvm-all.c`` (``kvm_cpu_exec``): ``error: kvm run failed %s`` (``strerror``),
  printed when ``KVM_RUN`` fails; the vCPU stops and QEMU dumps its registers.
- ``util/qemu-error.c`` (``vreport``/``print_loc``): ``error_report`` lines start with the
  program name and a colon, ``qemu-system-x86_64: `` (``qemu-kvm: `` in RHEL builds), then
  ``warning: ``/``info: `` for ``warn_report``/``info_report`` (only errors are taken here;
  ``terminating on signal %d`` is QEMU stopped from outside, ``formats.qemu_trace``).
- ``target/i386/cpu-dump.c`` (``x86_cpu_dump_state``): ``EAX=%08x EBX=%08x ECX=%08x EDX=%08x``,
  ``ESI=... EDI=... EBP=... ESP=...``, ``EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%d II=%d
  A20=%d SMM=%d HLT=%d`` (or the 64-bit ``RAX=%016lx ...``/``R8 =...``/``RIP=%016lx RFL=...``),
  then ``cpu_x86_dump_seg_cache``'s ``%-3s=%04x %08x %08x %08x`` for ES..GS, LDT, TR,
  ``GDT=     %08x %08x``, ``IDT=...``, ``CR0=%08x CR2=... CR3=... CR4=...``, ``DR%d=...``,
  ``DR6=... DR7=...``, ``CCS=...`` (with CPU_DUMP_CCOP), ``EFER=%016lx`` and ``Code=`` with
  the bytes around the IP.
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, chatter, hex_int, text
from app.analysis.model import VmmError, VmmRegisterDump


def _ip(g: Groups, line: int, time: float | None) -> VmmRegisterDump:
    return VmmRegisterDump(line, time, hex_int(g[1]), hex_int(g[2]), 64 if g[0] == b"R" else 32)


_H = rb"[0-9a-f]{8,16}"

PATTERNS = (
    LinePattern(
        "kvm-run-failed",
        rb"error: (kvm run failed .+)",
        lambda g, line, time: VmmError(line, time, "kvm", text(g[0])),
    ),
    LinePattern(
        "qemu-error",
        rb"(?:qemu-system-[\w-]+|qemu-kvm): (?!warning: |info: |terminating on signal )(.+)",
        lambda g, line, time: VmmError(line, time, "qemu", text(g[0])),
    ),
    LinePattern(
        "qemu-register-ip",
        rb"([ER])IP=" + HEX + rb" [ER]FL=" + HEX + rb" \[[-A-Z]{7}\] CPL=\d+ II=\d+ A20=\d+ SMM=\d+"
        rb" HLT=\d+",
        _ip,
    ),
    chatter(
        "qemu-register-dump",
        rb"(?:(?:[ER]AX|[ER]SI|R8 |R12)=" + _H + rb"(?: (?:[ER]\w\w|R\d |R\d\d)=" + _H + rb")+"
        rb"|(?:ES |CS |SS |DS |FS |GS |LDT|TR )=[0-9a-f]{4} " + _H + rb" [0-9a-f]{8} [0-9a-f]{8}"
        rb"(?: DPL=.*)?"
        rb"|(?:GDT|IDT)=     " + _H + rb" [0-9a-f]{8}"
        rb"|CR0=[0-9a-f]{8} CR2=" + _H + rb" CR3=" + _H + rb" CR4=[0-9a-f]{8}"
        rb"|DR0="
        + _H
        + rb"(?: DR\d="
        + _H
        + rb")*|DR6="
        + _H
        + rb" DR7="
        + _H
        + rb"|CCS="
        + _H
        + rb" CCD="
        + _H
        + rb" CCO=\S+|EFER=[0-9a-f]{16}"
        rb"|Code=(?:[ <]*(?:[0-9a-f]{2}|\?\?)>?)+)",
    ),
)
