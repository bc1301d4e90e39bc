"""atheris (libFuzzer) entry point: ``python -m tests.fuzz.harness TARGET [libFuzzer args...]``.

Run from the repository root; ``runner.py`` builds the command line (corpus, seeds, time
budget, artifact directory). The engine is imported inside ``atheris.instrument_imports`` so
every ``app`` module gets coverage instrumentation and libFuzzer's mutations are guided by the
branches they reach. The compiled (mypyc) copies of the hot modules cannot be instrumented, so
the pure-Python engine is forced before anything of ``app`` is imported.
"""

from __future__ import annotations

import os
import sys

os.environ["CVMREVIEW_PURE_PYTHON"] = "1"

import atheris  # noqa: E402


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tests.fuzz.harness scanner|firmware|metadata [libFuzzer args]")
    with atheris.instrument_imports(include=["app"]):
        from tests.fuzz.targets import TARGETS
    target = TARGETS.get(sys.argv[1])
    if target is None:
        sys.exit(f"unknown target {sys.argv[1]!r}: choose one of {', '.join(TARGETS)}")
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
