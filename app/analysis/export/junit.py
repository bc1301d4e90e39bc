"""JUnit XML of a result document, the test report GitLab and Jenkins show.

One ``testcase`` per rule of the catalogue, so a CI dashboard lists every check the boot went
through (a rule with no finding passes) and a rule's history is one row over time. A rule with
findings at or above ``fail_at`` fails; its ``failure`` carries each finding (severity, key,
count, log lines, explanation, advice). Findings below ``fail_at`` (by default the info ones)
do not fail the case and are written to its ``system-out`` instead, where they stay readable.

The element and attribute names are those of the JUnit XML that Ant and Maven Surefire write,
the shape GitLab's and Jenkins' parsers read (``testsuites``/``testsuite``/``testcase``/
``failure``/``system-out``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from app.analysis.document import Finding, ResultDocument
from app.analysis.model import Severity
from app.analysis.rules import RULES, Rule

SUITE = "cvmreview"


def render(document: ResultDocument, fail_at: Severity = Severity.LOW) -> bytes:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in document.findings:
        by_rule[finding.id].append(finding)
    cases = [_case(rule, by_rule.get(rule.rule_id, []), fail_at) for rule in RULES]
    failures = sum(1 for case in cases if case.find("failure") is not None)
    name = f"{SUITE}: {document.source.name}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0"}
    root = ET.Element("testsuites", {"name": name, **counts, "time": _seconds(document)})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts, "skipped": "0"})
    suite.set("time", _seconds(document))
    properties = ET.SubElement(suite, "properties")
    for key, value in _properties(document):
        ET.SubElement(properties, "property", {"name": key, "value": value})
    suite.extend(cases)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _seconds(document: ResultDocument) -> str:
    return f"{document.analysis_seconds:.3f}"


def _properties(document: ResultDocument) -> list[tuple[str, str]]:
    return [
        ("log", document.source.name),
        ("sha256", document.source.sha256),
        ("platform", document.platform.kind),
        ("outcome", document.boot.outcome),
        ("engine_version", document.engine_version),
    ]


def _case(rule: Rule, findings: list[Finding], fail_at: Severity) -> ET.Element:
    area = rule.rule_id.split("-")[0].lower()
    case = ET.Element(
        "testcase",
        {"classname": f"{SUITE}.{area}", "name": f"{rule.rule_id} {rule.title}", "time": "0"},
    )
    failing = [f for f in findings if Severity.parse(f.severity) >= fail_at]
    passing = [f for f in findings if Severity.parse(f.severity) < fail_at]
    if failing:
        worst = failing[0]  # the engine lists findings worst first
        failure = ET.SubElement(
            case,
            "failure",
            {"message": _headline(worst, len(failing)), "type": worst.severity},
        )
        failure.text = "\n\n".join(_describe(f) for f in failing)
    if passing:
        ET.SubElement(case, "system-out").text = "\n\n".join(_describe(f) for f in passing)
    return case


def _headline(finding: Finding, findings: int) -> str:
    where = f" ({finding.key})" if finding.key else ""
    more = f" and {findings - 1} more" if findings > 1 else ""
    first = f" at line {finding.lines[0]}" if finding.lines else ""
    return f"{finding.severity}: {finding.title}{where}{first}{more}"


def _describe(finding: Finding) -> str:
    lines = ", ".join(str(line) for line in finding.lines) or "none"
    return "\n".join(
        [
            f"{finding.id} [{finding.severity}] {finding.title}",
            f"key: {finding.key or '-'}  count: {finding.count}",
            f"fingerprint: {finding.fingerprint}",
            f"log lines: {lines}",
            finding.explanation,
            f"advice: {finding.advice}",
        ]
    )
