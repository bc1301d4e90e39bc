"""The compiled (mypyc) copies of the hot modules give exactly the pure-Python results, are used
only while fresh, and are what CI runs (``make test`` builds them first)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.analysis import native

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import io, json, sys
from app.analysis import native
from app.analysis.report import analyze
from app.synth import demo_workloads, write_log
out = {"native": native.is_active(), "documents": []}
for workload in demo_workloads():
    buffer = io.BytesIO()
    write_log(workload, buffer)
    buffer.seek(0)
    document = analyze(buffer, name=workload.name).to_dict()
    document.pop("analysis_seconds")
    out["documents"].append(document)
print(json.dumps(out, sort_keys=True))
"""


def run_engine(pure: bool) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("CVMREVIEW_PURE_PYTHON", None)
    if pure:
        env["CVMREVIEW_PURE_PYTHON"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)


def test_ci_runs_the_compiled_engine() -> None:
    if os.environ.get("CI") != "true":
        pytest.skip("only CI is required to have built .native/ (make native)")
    assert run_engine(pure=False)["native"] is True


def test_compiled_and_pure_engines_agree() -> None:
    compiled = run_engine(pure=False)
    if not compiled["native"]:
        pytest.skip("no fresh native build here (run `make native`)")
    pure = run_engine(pure=True)
    assert pure["native"] is False
    assert compiled["documents"] == pure["documents"]


def test_a_stale_build_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = tmp_path / "stamp.json"
    sources = {module: "0" * 64 for module in native.NATIVE_MODULES}
    stamp.write_text(json.dumps({"python": native.python_tag(), "sources": sources, "files": {}}))
    monkeypatch.setattr(native, "STAMP", stamp)
    assert native._fresh_files() is None
