"""Fuzz one engine entry point for longer than CI does, and print the figures.

    .venv/bin/python scripts/fuzz.py --target scanner|firmware|metadata --seconds 300

Targets and seeds are those of the CI tests (tests/fuzz/). The corpus libFuzzer grows is kept in
``.fuzz/TARGET/corpus`` (``--workdir`` to change), so each run goes on from the last; crashing
inputs land in ``.fuzz/TARGET/crashes``. Prints inputs executed, exec/s, coverage (edges and
features), corpus size and crashes, plus the row for docs/reliability.md; exits 1 on a crash.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz.runner import TARGETS, run, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workdir", type=Path, help="default: .fuzz/TARGET in the checkout")
    args = parser.parse_args()
    workdir = args.workdir or ROOT / ".fuzz" / args.target
    result = run(args.target, args.seconds, workdir)
    print(summary(result))
    print(f"  seeds {result.seeds}, work directory {workdir}")
    print(
        f"| {result.target} | {result.seconds} | {result.inputs} | {result.exec_per_second} | "
        f"{result.coverage} / {result.features} | {len(result.crashes)} | "
        f"{datetime.date.today().isoformat()} |"
    )
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
