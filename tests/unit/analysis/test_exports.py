"""Exports read back by their consumers: SARIF by the SARIF 2.1.0 schema (OASIS copy in
tests/schemas), JUnit by ``junitparser``, CSV by ``csv``, the Chrome trace by a checker of the
Trace Event Format rules Perfetto relies on (Perfetto's own trace processor fetches a binary
at run time, which this machine cannot, so the test checks nesting and the required fields).

The documents come from real engine runs over synthesized demo logs (devices, mappings,
findings of every severity) and a real OVMF log (no devices, a boot finding).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from app.analysis.document import ResultDocument
from app.analysis.export import EXPORT_NAMES, UnknownExport, export_format
from app.analysis.export.sarif import FINGERPRINT_KEY
from app.analysis.report import analyze_file
from app.analysis.rules import RULES, RULES_BY_ID
from app.synth import get_demo, write_log

SCHEMA = Path(__file__).parents[2] / "schemas" / "sarif-schema-2.1.0.json"
LOGS = Path(__file__).parents[3] / "app" / "data" / "logs"
DEMOS = ("sev-snp-driver-bugs", "tdx-pool-duplicate-slot-bug", "sev-legacy-202211-leak")


@pytest.fixture(scope="module", params=[*DEMOS, "real:003-tianocore-bz1354-sev-es-ovmf-debug.log"])
def document(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    name: str = request.param
    if name.startswith("real:"):
        return analyze_file(LOGS / name.removeprefix("real:"))
    path = tmp_path_factory.mktemp("demo") / f"{name}.log"
    with path.open("wb") as out:
        write_log(get_demo(name), out)
    return analyze_file(path)


def render(document: ResultDocument, name: str) -> bytes:
    return export_format(name).render(document)


def test_sarif_is_valid_sarif_2_1_0(document: ResultDocument) -> None:
    log = json.loads(render(document, "sarif"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.rule_id for rule in RULES]
    for rule in rules:
        assert rule["help"]["text"] == RULES_BY_ID[rule["id"]].advice
        assert rule["fullDescription"]["text"] == RULES_BY_ID[rule["id"]].explanation
    assert len(run["results"]) == len(document.findings) > 0
    for result, finding in zip(run["results"], document.findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.id
        assert result["partialFingerprints"] == {FINGERPRINT_KEY: finding.fingerprint}
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == (finding.lines[0] if finding.lines else 1)
        related = [
            r["physicalLocation"]["region"]["startLine"] for r in result.get("relatedLocations", [])
        ]
        assert related == list(finding.lines[1:])
    assert run["artifacts"][0]["hashes"]["sha-256"] == document.source.sha256


def test_sarif_schema_rejects_what_is_not_sarif(document: ResultDocument) -> None:
    """The schema check can fail: a result without its message is refused."""
    log = json.loads(render(document, "sarif"))
    del log["runs"][0]["results"][0]["message"]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)


def test_junit_has_one_case_per_rule_and_failures_carry_findings(
    document: ResultDocument, tmp_path: Path
) -> None:
    path = tmp_path / "report.xml"
    path.write_bytes(render(document, "junit"))
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == 1
    cases = {case.name.split()[0]: case for case in suites[0]}
    assert list(cases) == [rule.rule_id for rule in RULES]
    failing = {f.id for f in document.findings if f.severity != "info"}
    for rule_id, case in cases.items():
        failures = [r for r in case.result if isinstance(r, Failure)]
        assert bool(failures) == (rule_id in failing), rule_id
        for failure in failures:
            for finding in (f for f in document.findings if f.id == rule_id):
                assert finding.fingerprint in (failure.text or "")
                assert finding.title in (failure.message or "")
    assert suites[0].failures == len(failing)
    assert suites[0].tests == len(RULES)


def test_csv_parses_back_to_the_document(document: ResultDocument) -> None:
    devices = list(csv.DictReader(io.StringIO(render(document, "devices.csv").decode())))
    assert [row["device"] for row in devices] == [d.device for d in document.devices]
    for row, device in zip(devices, document.devices, strict=True):
        assert int(row["bytes"]) == device.bytes
        assert int(row["peak_shared_pages"]) == device.peak_shared_pages
        ops = dict(pair.split("=") for pair in row["maps_by_operation"].split(";") if pair)
        assert {k: int(v) for k, v in ops.items()} == device.maps_by_operation
    findings = list(csv.DictReader(io.StringIO(render(document, "findings.csv").decode())))
    assert [(r["id"], r["fingerprint"]) for r in findings] == [
        (f.id, f.fingerprint) for f in document.findings
    ]
    for row, finding in zip(findings, document.findings, strict=True):
        assert [int(n) for n in row["lines"].split()] == list(finding.lines)
        assert int(row["count"]) == finding.count


def test_json_is_the_document(document: ResultDocument) -> None:
    data = json.loads(render(document, "json"))
    assert ResultDocument.from_dict(data) == document


def check_trace(trace: dict[str, Any]) -> dict[tuple[int, int], list[tuple[str, float, float]]]:
    """The Trace Event Format rules a viewer relies on; returns the spans per track.

    Every event has ``ph``, ``pid``, ``tid`` (and ``name``); every non-metadata event a
    numeric ``ts``; on each track ``B``/``E`` events come in non-decreasing time and nest
    like brackets (an ``E`` closes the last open ``B`` of the same name); every track with
    events is named by a ``thread_name`` metadata event."""
    stacks: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
    spans: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    last_ts: dict[tuple[int, int], float] = {}
    named: set[tuple[int, int]] = set()
    for event in trace["traceEvents"]:
        assert {"ph", "pid", "tid", "name"} <= event.keys(), event
        track = (event["pid"], event["tid"])
        if event["ph"] == "M":
            if event["name"] == "thread_name":
                named.add(track)
            assert isinstance(
                event["args"]["name" if "name" in event["name"] else "sort_index"], str | int
            )
            continue
        assert isinstance(event["ts"], int | float), event
        if event["ph"] in "BE":
            assert event["ts"] >= last_ts.get(track, float("-inf")), event
            last_ts[track] = event["ts"]
            if event["ph"] == "B":
                stacks[track].append((event["name"], event["ts"]))
            else:
                name, start = stacks[track].pop()
                assert name == event["name"], (name, event)
                spans[track].append((name, start, event["ts"]))
        elif event["ph"] == "C":
            assert all(isinstance(v, int | float) for v in event["args"].values())
        else:
            assert event["ph"] == "i", event
    assert all(not stack for stack in stacks.values()), "unclosed duration events"
    assert set(spans) <= named, "a track without a thread_name"
    return spans


def test_chrome_trace_is_nested_and_names_devices(document: ResultDocument) -> None:
    trace = json.loads(render(document, "chrome-trace"))
    spans = check_trace(trace)
    names = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in trace["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    phase_spans = [
        span for track, found in spans.items() if names[track] == "phases" for span in found
    ]
    assert [name for name, _, _ in phase_spans] == [p.name for p in document.phases] + (
        ["boot"] if document.phases else []
    )
    devices = {names[track].split(" #")[0] for track in spans if names[track] not in ("phases",)}
    drawn = {
        m.device
        for m in (*document.timeline.lifetimes.long_lived, *document.timeline.lifetimes.sampled)
    }
    assert devices == drawn
    counters = [e for e in trace["traceEvents"] if e["ph"] == "C" and e["name"] == "shared pages"]
    assert [c["args"]["pages"] for c in counters] == [
        p.last for p in document.timeline.shared_pages.points
    ]


def test_trace_checker_catches_bad_nesting() -> None:
    """The nesting check can fail: crossed spans on one track are refused."""
    events = [
        {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "t"}},
        {"ph": "B", "name": "a", "pid": 1, "tid": 1, "ts": 1},
        {"ph": "B", "name": "b", "pid": 1, "tid": 1, "ts": 2},
        {"ph": "E", "name": "a", "pid": 1, "tid": 1, "ts": 3},
        {"ph": "E", "name": "b", "pid": 1, "tid": 1, "ts": 4},
    ]
    with pytest.raises(AssertionError):
        check_trace({"traceEvents": events})


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(UnknownExport, match="sarif"):
        export_format("pdf")
    assert EXPORT_NAMES == ("sarif", "junit", "chrome-trace", "json", "devices.csv", "findings.csv")
