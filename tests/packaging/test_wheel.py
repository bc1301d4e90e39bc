"""The wheel, built once per session from exactly the files the Dockerfile copies and installed
into a fresh venv: it runs the compiled engine, gives the pure engine's results, and serves
from anywhere (migrations, templates and static files come from the package).

The pure engine is the one these tests run in: ``make install`` is editable, and an editable
install never compiles (setup.py), so the comparison is compiled against pure.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from tests.packaging import corpus
from tests.servicekit import Server, service_env

# The first test also pays for the session's wheel build (mypyc and a C compile, 2 to 6 minutes
# on the shared 2-core machine) and the venv install, beyond the suite's 600 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
LOGS = sorted((ROOT / "app" / "data" / "logs").glob("*.log"))
DEMOS = ("sev-snp-driver-bugs", "sev-legacy-202211-leak", "tdx-pool-duplicate-slot-bug")
DEV_CVMREVIEW = Path(sys.executable).with_name("cvmreview")
RANDOM_WORKLOADS = 8  # each also gives a fault scenario with its seed


def compiled_modules_listed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["cvmreview"]["build"]["compiled-modules"])


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#"):
            stages[-1].append(line)
    return stages


def build_stage_sources() -> list[str]:
    """What the Dockerfile's build stage copies from the checkout."""
    copies = [line.split()[1:-1] for line in dockerfile_stages()[0] if line.startswith("COPY ")]
    return [source for sources in copies for source in sources]


def run(args: list[str | Path], cwd: Path, timeout: float = 900) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{args} failed:\n{output}"
    return result.stdout


@pytest.fixture(scope="session")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory with no source tree in or above it."""
    return tmp_path_factory.mktemp("elsewhere")


def copy_build_sources(source: Path) -> Path:
    """The files the Dockerfile's build stage copies, copied into ``source``."""
    for name in build_stage_sources():
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    return source


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built like the Docker image's build stage (pip may use its cache)."""
    source = copy_build_sources(tmp_path_factory.mktemp("source"))
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source], dist)
    (built,) = dist.glob("cvmreview-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory, elsewhere: Path) -> Path:
    """The bin/ directory of a fresh venv with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--clear", venv], elsewhere)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], elsewhere)
    return venv / "bin"


def test_dockerfile_installs_the_built_wheel() -> None:
    build, runtime = dockerfile_stages()
    assert any(re.match(r"RUN pip wheel .*--wheel-dir /wheels \.$", line) for line in build)
    installs = [line for line in runtime if line.startswith("RUN pip install")]
    assert installs and "/wheels/cvmreview-*.whl" in installs[0].split()
    assert not any(" -e " in line or "--editable" in line for line in runtime)
    assert any(line.startswith("COPY --from=build /wheels") for line in runtime)


def test_a_listed_module_that_does_not_exist_fails_the_build(tmp_path: Path) -> None:
    """Rather than quietly compiling less (modules move between packages)."""
    source = copy_build_sources(tmp_path)
    pyproject = source / "pyproject.toml"
    listed = '"app.analysis.model",'
    text = pyproject.read_text(encoding="utf-8")
    assert listed in text
    pyproject.write_text(text.replace(listed, f'{listed} "app.analysis.moved_away",'))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path, source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "compiled module app.analysis.moved_away listed in pyproject.toml" in result.stderr
    assert not list(tmp_path.glob("*.whl"))


def test_wheel_ships_the_compiled_engine_and_the_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for resource in (
        "alembic.ini",
        "migrations/env.py",
        "templates/base.html",
        "static/app.css",
    ):
        assert f"app/_resources/{resource}" in names
    extensions = {name.split(".")[0].replace("/", ".") for name in names if name.endswith(".so")}
    assert compiled_modules_listed() <= extensions
    assert not any(name.startswith("tests/") for name in names)


def test_installed_cvmreview_reports_the_compiled_engine(installed: Path, elsewhere: Path) -> None:
    out = run([installed / "cvmreview", "version"], elsewhere)
    assert "engine build: compiled" in out
    reported = {line.strip() for line in out.splitlines() if line.startswith("  ")}
    assert reported == compiled_modules_listed()


def test_the_development_install_runs_the_pure_engine(elsewhere: Path) -> None:
    """`make install` is editable: edited sources are what runs, never stale compiled code."""
    assert "engine build: pure" in run([DEV_CVMREVIEW, "version"], elsewhere)
    assert not list((ROOT / "app").rglob("*.so")), "compiled modules in the source tree"


def document(cvmreview: Path, log: Path, out: Path) -> dict[str, object]:
    run([cvmreview, "analyze", log, "--json", out, "--quiet"], out.parent)
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    result.pop("analysis_seconds")
    return result


def test_compiled_and_pure_cli_give_the_same_documents(installed: Path, tmp_path: Path) -> None:
    """``cvmreview analyze --json`` of each build (the engine itself is compared below)."""
    logs = LOGS[:2]
    for name in DEMOS:
        logs.append(tmp_path / f"{name}.log")
        run([DEV_CVMREVIEW, "synth", "--demo", name, "-o", logs[-1]], tmp_path)
    for log in logs:
        pure = document(DEV_CVMREVIEW, log, tmp_path / "pure.json")
        compiled = document(installed / "cvmreview", log, tmp_path / "compiled.json")
        # As text, not as parsed objects: ``True == 1`` would hide a flag compiled into an int.
        assert json.dumps(compiled, sort_keys=True) == json.dumps(pure, sort_keys=True), log.name


def documents(python: Path, logs: Path, out: Path, cwd: Path) -> dict[str, str]:
    """The JSON text of the result document of each log in ``logs``, by ``python``'s engine."""
    out.mkdir()
    run([python, "-c", corpus.DOCUMENTS, logs, out], cwd)
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(out.iterdir())}


def test_compiled_and_pure_engines_give_identical_documents(
    installed: Path, tmp_path: Path, elsewhere: Path
) -> None:
    """The pure engine is the reference: every real log, demo, fault scenario, worst case and
    random workload gives the same text. The random workloads are new each run outside CI and
    fixed under CI (repeatable, like the fuzz tests); the seed is in the message."""
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    seed = 14 if in_ci else random.randrange(10**6)
    logs = tmp_path / "logs"
    logs.mkdir()
    written = corpus.write_corpus(logs, random.Random(seed), RANDOM_WORKLOADS)
    pure = documents(Path(sys.executable), logs, tmp_path / "pure", ROOT)
    compiled = documents(installed / "python", logs, tmp_path / "compiled", elsewhere)
    assert len(pure) == len(written) >= len(LOGS) + 2 * RANDOM_WORKLOADS
    for name, text in pure.items():
        assert compiled[name] == text, f"{name} differs (random seed {seed})"


def test_installed_cvmreview_serves_from_anywhere(
    installed: Path, elsewhere: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = Server(
        service_env(),
        tmp_path / "server.log",
        "--data-dir",
        str(data),
        command=[str(installed / "cvmreview")],
        cwd=elsewhere,
    )
    try:
        server.wait_ready()
        health = httpx.get(f"{server.url}/api/v1/health").json()
        assert health["engine_build"] == "compiled"
        assert set(health["compiled_modules"]) == compiled_modules_listed()
        page = httpx.get(f"{server.url}/")
        assert page.status_code == 200 and "<title>Boots · cvmreview</title>" in page.text
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assert stylesheet and "/static/" in stylesheet.group(1)
        css = httpx.get(stylesheet.group(1))
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    finally:
        server.stop()
    with sqlite3.connect(data / "cvmreview.db") as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == ScriptDirectory(str(ROOT / "migrations")).get_current_head()
