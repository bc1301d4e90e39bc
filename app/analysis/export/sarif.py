"""SARIF 2.1.0 (OASIS) of a result document, the format GitHub code scanning shows.

The boot log is the one artifact; every rule of the catalogue (``app.analysis.rules.RULES``) is
a ``reportingDescriptor`` with its explanation as ``fullDescription`` and its advice as ``help``,
so a reader sees why and what to do next to each result. A finding becomes one ``result``: its
first log line is the physical location (the other lines, up to the engine's cap, are related
locations) and its fingerprint is the ``partialFingerprints`` entry, which lets GitHub keep one
alert open across re-uploads of boots whose lines moved (the fingerprint ignores line numbers).

Severity maps to SARIF ``level`` (critical/high: error, medium: warning, low/info: note) and to
the ``security-severity`` score GitHub sorts alerts by.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from app.analysis.document import ENGINE_VERSION, Finding, ResultDocument
from app.analysis.model import Severity
from app.analysis.rules import RULES, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "cvmreview/v1"  # name/version, as SARIF 3.27.17 suggests

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {  # GitHub's bands: >9 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

Json = dict[str, Any]


def render(document: ResultDocument) -> bytes:
    return json.dumps(sarif_log(document), indent=2).encode() + b"\n"


def sarif_log(document: ResultDocument) -> Json:
    """The SARIF log object: one run of the cvmreview engine over one boot log."""
    index = {rule.rule_id: i for i, rule in enumerate(RULES)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cvmreview",
                        "version": ENGINE_VERSION,
                        "semanticVersion": ENGINE_VERSION,
                        "rules": [_rule(rule) for rule in RULES],
                    }
                },
                "artifacts": [_artifact(document)],
                "results": [_result(f, index.get(f.id), document) for f in document.findings],
                "properties": {
                    "platform": document.platform.kind,
                    "outcome": document.boot.outcome,
                    "schemaVersion": document.schema_version,
                },
            }
        ],
    }


def _rule(rule: Rule) -> Json:
    return {
        "id": rule.rule_id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.explanation},
        "help": {
            "text": rule.advice,
            "markdown": f"**{rule.title}**\n\n{rule.explanation}\n\n**Advice:** {rule.advice}",
        },
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.label,
            "ruleVersion": rule.version,
            "tags": ["confidential-vm", rule.rule_id.split("-")[0].lower()],
        },
    }


def _pascal(title: str) -> str:
    """A rule's ``name``: its title as one PascalCase word (SARIF 3.49.7 wants an identifier)."""
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _artifact_uri(document: ResultDocument) -> str:
    return quote(document.source.name or "boot.log")


def _artifact(document: ResultDocument) -> Json:
    source = document.source
    return {
        "location": {"uri": _artifact_uri(document)},
        "length": source.bytes,
        "mimeType": "text/plain",
        "hashes": {"sha-256": source.sha256},
    }


def _location(document: ResultDocument, line: int, location_id: int | None = None) -> Json:
    location: Json = {
        "physicalLocation": {
            "artifactLocation": {"uri": _artifact_uri(document), "index": 0},
            "region": {"startLine": line},
        }
    }
    if location_id is not None:
        location["id"] = location_id
    return location


def _result(finding: Finding, rule_index: int | None, document: ResultDocument) -> Json:
    severity = Severity.parse(finding.severity)
    first = finding.lines[0] if finding.lines else 1  # a result needs a line: the log's first
    result: Json = {
        "ruleId": finding.id,
        "level": LEVEL[severity],
        "message": {"text": _message(finding)},
        "locations": [_location(document, first)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "occurrenceCount": finding.count,
        "properties": {"severity": severity.label, "ruleVersion": finding.rule_version},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    related = [_location(document, line, i) for i, line in enumerate(finding.lines[1:], 1)]
    if related:
        result["relatedLocations"] = related
    if finding.key:
        result["properties"]["key"] = finding.key
    return result


def _message(finding: Finding) -> str:
    where = f" ({finding.key})" if finding.key else ""
    times = f", {finding.count:,} occurrences" if finding.count > 1 else ""
    return f"{finding.title}{where}{times}. {finding.advice}"
