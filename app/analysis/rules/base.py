"""Rules are declared like a linter's: a stable ID, a version, a severity and the words a
reviewer reads. Detection lives where the knowledge is (the simulator sees a double unmap, the
boot tracker sees an ASSERT); those places call ``FindingCollector.report`` with a rule ID, the
log lines and a key, and the collector turns the occurrences into ``Finding`` objects.

Occurrences with the same rule and key are grouped into one finding whose ``count`` says how
often it happened, so a boot that leaks ten thousand mappings gives one readable finding per
device rather than ten thousand rows. Memory stays bounded: at most ``MAX_FINDING_LINES`` line
numbers are kept per finding. Groups whose fingerprints are equal (keys that differ only in
an address or a PCI slot, ``app.analysis.fingerprint``) are one finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.analysis.fingerprint import fingerprint
from app.analysis.model import MAX_FINDING_LINES, Finding, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """A finding rule. Bump ``version`` whenever the rule's logic changes (fingerprints move)."""

    rule_id: str
    version: int
    severity: Severity
    title: str
    explanation: str
    advice: str


class _Occurrences:
    __slots__ = ("lines", "count", "details", "severity")

    def __init__(self, severity: Severity) -> None:
        self.lines: list[int] = []
        self.count = 0
        self.details: dict[str, object] = {}
        self.severity = severity


class FindingCollector:
    """Groups reported occurrences by (rule, key) and builds the findings at the end."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = {rule.rule_id: rule for rule in rules}
        self._groups: dict[tuple[str, str], _Occurrences] = {}

    def report(
        self,
        rule_id: str,
        lines: Iterable[int],
        *,
        key: str = "",
        details: dict[str, object] | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Record one occurrence. ``details`` of the first occurrence of a group are kept;
        ``severity`` overrides the rule's default (for rules whose weight depends on size)."""
        rule = self._rules[rule_id]
        group = self._groups.get((rule_id, key))
        if group is None:
            group = _Occurrences(severity if severity is not None else rule.severity)
            if details:
                group.details = dict(details)
            self._groups[(rule_id, key)] = group
        elif severity is not None and severity > group.severity:
            group.severity = severity
        group.count += 1
        room = MAX_FINDING_LINES - len(group.lines)
        if room > 0:
            group.lines.extend(sorted(set(lines))[:room])

    def findings(self) -> list[Finding]:
        """All findings, worst first, then by rule ID and first line."""
        out = []
        for (rule_id, key), print_, group in self._merged():
            rule = self._rules[rule_id]
            out.append(
                Finding(
                    rule_id=rule_id,
                    rule_version=rule.version,
                    severity=group.severity,
                    title=rule.title,
                    explanation=rule.explanation,
                    advice=rule.advice,
                    lines=tuple(sorted(set(group.lines))),
                    count=group.count,
                    key=key,
                    fingerprint=print_,
                    details=group.details,
                )
            )
        out.sort(key=lambda f: (-f.severity, f.rule_id, f.lines[:1], f.key))
        return out

    def _merged(self) -> list[tuple[tuple[str, str], str, _Occurrences]]:
        """The groups, those whose fingerprints are equal made one.

        Fingerprints wildcard addresses and slots, so two groups of one rule whose keys differ
        only there (two virtio-blk disks at 00:03.0 and 00:04.0) are the same finding to a
        team's triage, to the new/fixed lists and to a ``#finding-`` permalink. One finding
        per fingerprint keeps those right: it takes the key and details of the group seen
        first in the log, the worst severity, every count and (up to the cap) every line, and
        ``details["keys"]`` lists the keys merged."""
        by_print: dict[str, list[tuple[tuple[str, str], _Occurrences]]] = {}
        for (rule_id, key), group in self._groups.items():
            print_ = fingerprint(rule_id, self._rules[rule_id].version, key)
            by_print.setdefault(print_, []).append(((rule_id, key), group))
        merged = []
        for print_, members in by_print.items():
            if len(members) == 1:
                merged.append((members[0][0], print_, members[0][1]))
                continue
            members.sort(key=lambda m: (min(m[1].lines, default=0), m[0][1]))
            first_key, first = members[0]
            one = _Occurrences(max(group.severity for _, group in members))
            one.details = {**first.details, "keys": [key for (_, key), _ in members]}
            for _, group in members:
                one.count += group.count
                one.lines.extend(group.lines)
            one.lines = sorted(set(one.lines))[:MAX_FINDING_LINES]
            merged.append((first_key, print_, one))
        return merged
