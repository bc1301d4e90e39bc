"""AMD SEV, SEV-ES and SEV-SNP lines (reference sections 2.1 to 2.4).

Sources: ``OvmfPkg/Library/BaseMemEncryptSevLib/X64/PeiDxeVirtualMemory.c`` (SetMemoryEncDec,
``Mmio=`` since edk2-stable202202), ``X64/SnpPageStateChangeInternal.c`` (InternalSetPageState,
no colon after the function name), ``OvmfPkg/PlatformPei/AmdSev.c`` (SEV/SEV-ES enabled lines),
``QemuFlash.c``, ``PlatformInitLib/Platform.c``, ``MpInitLib`` and ``AmdSevDxe``.

Library lines start with ``gEfiCallerBaseName`` (``IoMmuDxe:``, ``AmdSevDxe:``, ``SecMain:``):
the module that changed the encryption state, kept in the event.
"""

from __future__ import annotations

from app.analysis.formats.base import HEX, Groups, LinePattern, text
from app.analysis.model import (
    PageSplit,
    PageStateChange,
    PlatformHint,
    SetMemoryEncDec,
    SevEnabled,
    SevEsGhcb,
)


def _sev_enabled(g: Groups, line: int, time: float | None) -> SevEnabled:
    return SevEnabled(line, time, int(g[0], 16))


def _ghcb(g: Groups, line: int, time: float | None) -> SevEsGhcb:
    return SevEsGhcb(line, time, int(g[1] or b"0"), int(g[2], 16), g[0] == b"GHCB backup")


def _enc_dec(g: Groups, line: int, time: float | None) -> SetMemoryEncDec:
    mmio = None if g[4] is None else g[4] != b"0"
    return SetMemoryEncDec(
        line, time, text(g[0]), int(g[1], 16), int(g[2], 16), g[3] == b"Encrypt", mmio
    )


def _page_state(g: Groups, line: int, time: float | None) -> PageStateChange:
    return PageStateChange(
        line, time, text(g[0]), int(g[1], 16), int(g[2], 16), g[3] == b"Shared", g[4] != b"0"
    )


def _split(g: Groups, line: int, time: float | None) -> PageSplit:
    what = {b"splitting 2MB page": "2MB", b"splitting 1GB page": "1GB"}.get(
        g[1] or b"", "1GB-update"
    )
    return PageSplit(line, time, text(g[0]), int(g[2], 16), what)


PATTERNS = (
    LinePattern("sev-enabled", rb"SEV is enabled \(mask 0x" + HEX + rb"\)", _sev_enabled),
    LinePattern(
        "sev-es-ghcb",
        rb"SEV-ES is enabled, (\d+) (GHCB backup|GHCB) pages allocated starting at 0x" + HEX,
        lambda g, line, time: _ghcb((g[1], g[0], g[2]), line, time),
    ),
    LinePattern(
        "sev-set-memory-enc-dec",
        rb"(\w+):SetMemoryEncDec: Cr3Base=0x[0-9A-Fa-f]+ Physical=0x"
        + HEX
        + rb" Length=0x"
        + HEX
        + rb" Mode=(Encrypt|Decrypt) CacheFlush=\d+(?: Mmio=(\d+))?",
        _enc_dec,
    ),
    LinePattern(
        "snp-page-state",
        rb"(\w+):InternalSetPageState Address 0x"
        + HEX
        + rb" - 0x"
        + HEX
        + rb" State = (Shared|Private) LargeEntry = (\d+)",
        _page_state,
    ),
    LinePattern(
        "page-split",
        rb"(\w+):(?:SetMemoryEncDec|SetMemorySharedOrPrivate): "
        rb"(splitting 2MB page|splitting 1GB page|updated 1GB entry) for Physical=0x" + HEX,
        _split,
    ),
    LinePattern(
        "sev-es-flash",
        rb"QEMU Flash: SEV-ES enabled, assuming FD behaves as FLASH",
        lambda g, line, time: PlatformHint(line, time, "sev-es-flash"),
    ),
    LinePattern(
        "nvvarstore-shared",
        rb"Remapping NvVarStore as shared",
        lambda g, line, time: PlatformHint(line, time, "nvvarstore-shared"),
    ),
    LinePattern(
        "sev-es-ap-memory",
        rb"Dxe: SevEsAPMemory = " + HEX,
        lambda g, line, time: PlatformHint(line, time, "sev-es-ap-memory", int(g[0], 16)),
    ),
    LinePattern(
        "snp-known-apic-ids",
        rb"SEV-SNP: Using known initial APIC IDs",
        lambda g, line, time: PlatformHint(line, time, "snp-known-apic-ids"),
    ),
    LinePattern(
        "accepting-all-memory",
        rb"Accepting all memory",
        lambda g, line, time: PlatformHint(line, time, "accepting-all-memory"),
    ),
)
