"""Compare two firmware reports: what a firmware update changed for confidential boots.

Footer entries are matched by GUID (QEMU looks them up that way), ASEV sections by type and
base, TDVF sections by type and memory address: a moved range shows as one removed and one
added, a resized one as changed. Identity (size, hashes, flavour, platforms) and diagnostic
codes are compared too, so "same tables, different code" is visible as a hash change alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.analysis.firmware import guids
from app.analysis.firmware.report import FirmwareReport


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. ``kind`` is ``added``, ``removed`` or ``changed``; ``area`` is
    ``identity``, ``footer``, ``sev_metadata``, ``tdx_metadata`` or ``diagnostics``."""

    area: str
    kind: str
    key: str
    before: object
    after: object

    def to_dict(self) -> dict[str, object]:
        return {
            "area": self.area,
            "kind": self.kind,
            "key": self.key,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class FirmwareComparison:
    a: str
    b: str
    changes: tuple[Change, ...]

    @property
    def identical(self) -> bool:
        return not self.changes

    def in_area(self, area: str) -> list[Change]:
        return [c for c in self.changes if c.area == area]

    def to_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "identical": self.identical,
            "changes": [c.to_dict() for c in self.changes],
        }


def compare_firmware(a: FirmwareReport, b: FirmwareReport) -> FirmwareComparison:
    changes: list[Change] = []
    changes.extend(_identity(a, b))
    changes.extend(_footer(a, b))
    changes.extend(_descriptor("sev_metadata", _sev_dict(a), _sev_dict(b)))
    changes.extend(_descriptor("tdx_metadata", _tdx_dict(a), _tdx_dict(b)))
    changes.extend(_diagnostics(a, b))
    return FirmwareComparison(a.identity.name, b.identity.name, tuple(changes))


def _identity(a: FirmwareReport, b: FirmwareReport) -> list[Change]:
    def facts(r: FirmwareReport) -> dict[str, object]:
        return {
            "size": r.identity.size,
            "sha256": r.identity.sha256,
            "sha384": r.identity.sha384,
            "layout": r.identity.layout,
            "flavour": r.flavour.value,
            "platforms": list(r.platforms),
        }

    before, after = facts(a), facts(b)
    return [
        Change("identity", "changed", key, before[key], after[key])
        for key in before
        if before[key] != after[key]
    ]


def _footer(a: FirmwareReport, b: FirmwareReport) -> list[Change]:
    def entries(r: FirmwareReport) -> dict[str, dict[str, object]]:
        if r.footer is None:
            return {}
        out: dict[str, dict[str, object]] = {}
        for e in r.footer.entries:
            out.setdefault(str(e.guid), {"payload_hex": e.payload.hex(), "fields": e.fields})
        return out

    changes = _keyed("footer", entries(a), entries(b), lambda k, _v: _entry_label(k))
    if (a.footer is None) != (b.footer is None):
        changes.insert(
            0,
            Change(
                "footer",
                "added" if a.footer is None else "removed",
                "footer table",
                None if a.footer is None else a.footer.length,
                None if b.footer is None else b.footer.length,
            ),
        )
    return changes


def _entry_label(guid: str) -> str:
    return f"{guids.describe_guid(uuid.UUID(guid))} {guid}"


def _sev_dict(r: FirmwareReport) -> dict[str, dict[str, object]] | None:
    if r.sev is None:
        return None
    out: dict[str, dict[str, object]] = {
        "header": {"version": r.sev.version, "length": r.sev.length}
    }
    for s in r.sev.sections:
        out[f"{s.type_name}@{s.base:#x}"] = {"base": s.base, "size": s.size, "type": s.type_name}
    return out


def _tdx_dict(r: FirmwareReport) -> dict[str, dict[str, object]] | None:
    if r.tdx is None:
        return None
    out: dict[str, dict[str, object]] = {
        "header": {"version": r.tdx.version, "length": r.tdx.length}
    }
    for s in r.tdx.sections:
        out[f"{s.type_name}@{s.memory_address:#x}"] = {
            "data_offset": s.data_offset,
            "raw_size": s.raw_size,
            "memory_address": s.memory_address,
            "memory_size": s.memory_size,
            "type": s.type_name,
            "attributes": s.attributes,
        }
    return out


def _descriptor(
    area: str, a: dict[str, dict[str, object]] | None, b: dict[str, dict[str, object]] | None
) -> list[Change]:
    if a is None and b is None:
        return []
    if a is None or b is None:
        kind = "added" if a is None else "removed"
        return [Change(area, kind, "descriptor", a and a["header"], b and b["header"])]
    return _keyed(area, a, b, lambda k, _v: k)


def _diagnostics(a: FirmwareReport, b: FirmwareReport) -> list[Change]:
    def codes(r: FirmwareReport) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for d in r.diagnostics:
            out.setdefault(d.code, {"severity": d.severity.value, "message": d.message})
        return out

    return _keyed("diagnostics", codes(a), codes(b), lambda k, _v: k)


def _keyed(
    area: str,
    a: dict[str, dict[str, object]],
    b: dict[str, dict[str, object]],
    label: Callable[[str, dict[str, object]], str],
) -> list[Change]:
    """Added, removed and changed items of two keyed maps, in a stable order."""
    out: list[Change] = []
    for key in _ordered(a, b):
        before, after = a.get(key), b.get(key)
        if before == after:
            continue
        if area == "diagnostics" and before is not None and after is not None:
            continue  # same code on both sides: messages naming the file may differ
        kind = "added" if before is None else "removed" if after is None else "changed"
        out.append(Change(area, kind, label(key, before or after or {}), before, after))
    return out


def _ordered(a: Iterable[str], b: Iterable[str]) -> list[str]:
    keys = list(a)
    keys.extend(k for k in b if k not in keys)
    return keys
