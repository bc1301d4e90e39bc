"""The guest kernel's console after the firmware: hand-off, platform, bounce buffers, faults.

Format strings from the Linux source (torvalds/linux; found with code search, not pinned to a
commit; the forms below are those of v6.0 to v6.13):

- ``drivers/firmware/efi/libstub/efistub.h``: ``#define pr_fmt(fmt) "EFI stub: " fmt``, e.g.
  ``efi_info("Exiting boot services...\\n")`` (``libstub/x86-stub.c``, ``efi-stub.c``);
- ``init/version.c`` / ``init/version-timestamp.c``: ``linux_banner``, ``"Linux version "
  UTS_RELEASE " (" LINUX_COMPILE_BY "@" LINUX_COMPILE_HOST ") (" LINUX_COMPILER ") "
  UTS_VERSION``;
- ``arch/x86/coco/tdx/tdx.c``: ``pr_fmt`` ``"tdx: "``, ``pr_info("Guest detected\\n")``;
- ``arch/x86/mm/mem_encrypt.c`` (``print_mem_encrypt_feature_info``):
  ``pr_info("Memory Encryption Features active: ")`` then ``pr_cont`` of ``Intel TDX`` or
  ``AMD`` and `` SME``/`` SEV``/`` SEV-ES``/`` SEV-SNP`` (before v6.2:
  ``AMD Memory Encryption Features active:`` then the names);
- ``arch/x86/coco/sev/core.c`` (``sev_show_status``, pr_fmt ``"SEV: "``):
  ``pr_info("Status: ")`` then ``pr_cont("%s ", sev_status_feat_names[i])`` (``SEV``,
  ``SEV-ES``, ``SEV-SNP``, ``vTom``, ...);
- ``kernel/dma/swiotlb.c`` (``swiotlb_print_info``, pr_fmt ``"software IO TLB: "``):
  ``pr_info("mapped [mem %pa-%pa] (%luMB)\\n")`` (``%pa`` prints ``0x%016llx``; before v5.10
  ``[mem %#010llx-%#010llx]``);
- ``drivers/firmware/efi/efi.c`` (``common_tables``): the ``efi: `` config-table line names
  ``Unaccepted=0x%lx`` when the firmware left memory unaccepted (lazy accept, v6.5+);
- ``kernel/panic.c``: ``pr_emerg("Kernel panic - not syncing: %s\\n")`` and ``__warn``'s
  ``WARNING: CPU: %d PID: %d at %s:%d %pS`` / ``WARNING: CPU: %d PID: %d at %pS``;
- ``arch/x86/kernel/dumpstack.c`` (``__die_header``): ``Oops: ...``; ``arch/x86/mm/fault.c``
  and ``lib/bug.c``: ``BUG: ...`` (``BUG: kernel NULL pointer dereference, address: %px``,
  ``BUG: unable to handle page fault for address: %px``, ...).

The kernel's ``[%5lu.%06lu] `` printk timestamp is the scanner's ``[  1.234567]`` leading
timestamp: it is removed before these patterns run and becomes the line's time. So kernel
lines are recognised by what they say, never by the prefix: a firmware log captured with a
host-side timestamp of the same shape stays firmware, and a kernel console captured without
``printk.time`` (common on serial consoles) is still recognised.
"""

from __future__ import annotations

from app.analysis.formats.base import Builder, Groups, LinePattern, text
from app.analysis.model import KernelFault, KernelMessage, SwiotlbMapped


def _message(kind: str) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> KernelMessage:
        return KernelMessage(line, time, kind, text(g[0]).strip())

    return build


def _features(kind: str) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> KernelMessage:
        body = text(g[0]).strip()
        return KernelMessage(line, time, kind, body, tuple(body.split()))

    return build


def _fault(kind: str) -> Builder:
    def build(g: Groups, line: int, time: float | None) -> KernelFault:
        return KernelFault(line, time, kind, text(g[0]).strip())

    return build


def _swiotlb(g: Groups, line: int, time: float | None) -> SwiotlbMapped:
    return SwiotlbMapped(line, time, int(g[0], 16), int(g[1], 16), int(g[2]))


PATTERNS = (
    LinePattern(
        "kernel-exiting-boot-services",
        rb"EFI stub: (Exiting boot services\.\.\.)",
        _message("exiting-boot-services"),
    ),
    LinePattern("kernel-efi-stub", rb"EFI stub: (.+)", _message("efi-stub")),
    LinePattern("kernel-version", rb"(Linux version \S+ \(.*)", _message("linux-version")),
    LinePattern("kernel-tdx-guest", rb"tdx: (Guest detected)", _message("tdx-guest")),
    LinePattern("kernel-tdx", rb"tdx: (.+)", _message("tdx")),
    LinePattern(
        "kernel-mem-encrypt",
        rb"(?:AMD )?Memory Encryption Features active:(.*)",
        _features("mem-encrypt"),
    ),
    LinePattern("kernel-sev-status", rb"SEV: Status:(.*)", _features("sev-status")),
    LinePattern("kernel-sev", rb"SEV: (.+)", _message("sev")),
    LinePattern(
        "kernel-swiotlb",
        rb"software IO TLB: mapped \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] \((\d+)MB\)",
        _swiotlb,
    ),
    LinePattern(
        "kernel-unaccepted-memory",
        rb"(efi: .*Unaccepted=0x[0-9a-f]+.*)",
        _message("unaccepted-memory"),
    ),
    LinePattern("kernel-panic", rb"Kernel panic - not syncing: (.*)", _fault("panic")),
    LinePattern("kernel-bug", rb"(BUG: .+)", _fault("bug")),
    LinePattern("kernel-oops", rb"(Oops: .+)", _fault("oops")),
    LinePattern("kernel-warning", rb"(WARNING: CPU: \d+ PID: \d+ at .+)", _fault("warning")),
)
