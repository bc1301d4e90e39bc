"""What the debug log itself cost the confidential VM, in VM exits (reference section 5).

Output is charged to the module that was loaded last before it: OVMF runs a driver's entry
point right after ``Loading driver at ...``, so that is where most of a module's output lands
(later callbacks are charged to whoever loaded last; the per-module table is an estimate, the
totals are not). A message is a log line.

Exits per message, by platform:

* plain SEV: ``SevIoWriteFifo8`` unrolls ``rep outsb`` into one ``out`` per character (the
  host cannot read the encrypted string), so one IOIO exit per character;
* TDX: ``TdIoWriteFifo8`` issues one TDVMCALL(IO) per character;
* SEV-ES: one ``#VC`` and VMGEXIT per 2032 bytes of message, plus the three CPUIDs of
  ``SevNoRepIo``, each a ``#VC`` and VMGEXIT;
* SEV-SNP: as SEV-ES, but the CPUIDs are answered from the CPUID page without an exit;
* no confidential computing: one exit per message (``rep outsb``).

Presence probes add reads of port 0x402: two per message in SEC and PEI (the ROM DebugLib
variant probes on every call) and one per DXE module (the RAM variant caches the answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.analysis.model import ModuleLoaded, Platform

GHCB_SHARED_BUFFER = 2032
MAX_MODULES = 1000
TOP_MODULES = 25


@dataclass(slots=True)
class _ModuleOutput:
    name: str
    rom_variant: bool  # SEC, PEI core and PEIMs probe the port on every message
    bytes: int = 0
    messages: int = 0
    vmm_bytes: int = 0  # of those, lines QEMU or KVM printed: charged to nobody
    vmm_messages: int = 0

    def guest_output(self) -> _ModuleOutput:
        """The module's own output: its lines without the VMM's interleaved in them."""
        return _ModuleOutput(
            self.name,
            self.rom_variant,
            max(0, self.bytes - self.vmm_bytes),
            max(0, self.messages - self.vmm_messages),
        )


class DebugCost:
    """A ``ModuleObserver`` for the scanner; ``finish`` turns the tallies into exits."""

    def __init__(self) -> None:
        self._modules: dict[str, _ModuleOutput] = {
            "SEC/PEI core": _ModuleOutput("SEC/PEI core", True)
        }
        self._current = self._modules["SEC/PEI core"]
        self._offset = 0
        self._line = 0  # the line before the current module's output

    def vmm_line(self, nbytes: int) -> None:
        """QEMU's and KVM's lines (errors, trace events, chatter) land wherever the guest's
        output is; they are taken out of the module's share and of the totals."""
        self._current.vmm_messages += 1
        self._current.vmm_bytes += nbytes

    def module_started(self, event: ModuleLoaded, offset: int) -> None:
        self._charge(offset, event.line - 1)
        name = event.name or f"(unnamed {event.kind} at {event.base:#x})"
        module = self._modules.get(name)
        if module is None:
            if len(self._modules) >= MAX_MODULES:
                name = "(other modules)"
                module = self._modules.setdefault(name, _ModuleOutput(name, False))
            else:
                module = _ModuleOutput(name, event.kind == "peim")
                self._modules[name] = module
        self._current = module

    def _charge(self, offset: int, line: int) -> None:
        self._current.bytes += max(0, offset - self._offset)
        self._current.messages += max(0, line - self._line)
        self._offset = offset
        self._line = line

    def finish(
        self,
        *,
        platform: Platform,
        total_bytes: int,
        total_lines: int,
        event_counts: Mapping[str, int],
        event_bytes: Mapping[str, int],
    ) -> dict[str, Any]:
        """Charge the tail of the log and compute exits for ``platform``. ``event_counts`` and
        ``event_bytes`` (lines and bytes per event kind) split the cost by who printed it."""
        self._charge(total_bytes, total_lines)
        rows: list[dict[str, Any]] = []
        probes = 0
        for output in self._modules.values():
            module = output.guest_output()
            if module.messages == 0 and module.bytes == 0:
                continue
            probes += _probes(module)
            rows.append(
                {
                    "module": module.name,
                    "bytes": module.bytes,
                    "messages": module.messages,
                    "exits": _exits(platform, module),
                }
            )
        rows.sort(key=lambda row: (-row["exits"], row["module"]))
        vmm_lines = sum(m.vmm_messages for m in self._modules.values())
        vmm_bytes = sum(m.vmm_bytes for m in self._modules.values())
        messages, nbytes = max(0, total_lines - vmm_lines), max(0, total_bytes - vmm_bytes)
        sources = _by_source(platform, nbytes, messages, event_counts, event_bytes, probes)
        total_exits = sum(row["exits"] for row in sources)
        return {
            "model": _MODEL[platform],
            "bytes": nbytes,
            "messages": messages,
            "exits": total_exits,
            "exits_per_message": round(total_exits / messages, 2) if messages else 0.0,
            "modules": rows[:TOP_MODULES],
            "modules_omitted": max(0, len(rows) - TOP_MODULES),
            "by_source": sources,
        }


_MODEL = {
    Platform.SEV: "one IOIO exit per character",
    Platform.TDX: "one TDVMCALL per character",
    Platform.SEV_ES: "one VMGEXIT per 2032 bytes plus three CPUID #VC exits per message",
    Platform.SEV_SNP: "one VMGEXIT per 2032 bytes of message",
    Platform.NONE: "one exit per message",
    Platform.UNKNOWN: "one exit per message (platform unknown)",
}


PAGE_STATE_KINDS = frozenset(
    (
        "sev-set-memory-enc-dec",
        "snp-page-state",
        "page-split",
        "tdx-set-memory-shared-or-private",
        "tdx-shared-bit",
    )
)

# Verbose lines are printed by the code that runs them, whichever driver called it: IoMmuDxe for
# every IoMmu line, the encryption libraries (linked into the caller) for page-state lines.
SOURCES = (
    ("IoMmuDxe (IoMmu lines)", lambda kind: kind.startswith("iommu-")),
    (
        "page-state libraries (SetMemoryEncDec, InternalSetPageState, TDX MapGPA)",
        lambda kind: kind in PAGE_STATE_KINDS,
    ),
)


def _by_source(
    platform: Platform,
    total_bytes: int,
    total_lines: int,
    event_counts: Mapping[str, int],
    event_bytes: Mapping[str, int],
    probes: int,
) -> list[dict[str, Any]]:
    """Exits split by the code that printed the lines; the rest is "other lines", and the
    presence probes of port 0x402 (counted per module) get a row of their own, so that the
    rows add up to the total exits."""
    rows: list[dict[str, Any]] = []
    rest_messages, rest_bytes = total_lines, total_bytes
    for label, belongs in SOURCES:
        messages = sum(n for kind, n in event_counts.items() if belongs(kind))
        nbytes = sum(n for kind, n in event_bytes.items() if belongs(kind))
        rows.append({"source": label, "messages": messages, "bytes": nbytes})
        rest_messages -= messages
        rest_bytes -= nbytes
    rows.append(
        {"source": "other lines", "messages": max(0, rest_messages), "bytes": max(0, rest_bytes)}
    )
    for row in rows:
        output = _ModuleOutput(row["source"], False, row["bytes"], row["messages"])
        row["exits"] = _exits(platform, output) - _probes(output)
    rows.append(
        {"source": "presence probes of port 0x402", "messages": 0, "bytes": 0, "exits": probes}
    )
    return rows


def _probes(module: _ModuleOutput) -> int:
    return 2 * module.messages if module.rom_variant else 1


def _exits(platform: Platform, module: _ModuleOutput) -> int:
    probes = _probes(module)
    if platform in (Platform.SEV, Platform.TDX):
        data = module.bytes
    elif platform in (Platform.SEV_ES, Platform.SEV_SNP):
        chunks = module.messages + module.bytes // GHCB_SHARED_BUFFER
        data = chunks + (3 * module.messages if platform is Platform.SEV_ES else 0)
    else:
        data = module.messages
    return data + probes
