"""Baseline and branch-history benchmark: what "compared with #N" and the history page cost.

    .venv/bin/python bench/bench_baseline.py [--boots 21]

Builds a SQLite database in a temporary directory with one clean boot followed by ``--boots``
minus one boots that all fail (a TDX pool bug, synthesized), on one branch: the worst case of
the baseline search (every candidate is judged before the clean one is found). Then times
``boot_baseline`` of the newest boot and ``branch_history`` of the branch, with the policy's
``fail_on_new`` off and on (on: each candidate is judged against its own predecessor), next
to a verdict alone. Figures are one run's medians; compare them as ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from app.db import queries
from app.db.blobs import Limits
from app.db.migrate import upgrade
from app.db.models import Boot
from app.db.policy import add_policy
from app.db.session import Database
from app.service.baseline import boot_baseline
from app.service.history import branch_history
from app.service.ingest import ingest_boot, project_named
from app.service.permissions import Principal
from app.service.processing import JobSettings, process_run
from app.service.verdict import boot_verdict
from app.synth import get_demo, write_log

LIMITS = Limits(max_bytes=1 << 30, max_decompressed=1 << 30, max_ratio=1000.0)


def demo_log(faults: bool) -> bytes:
    demo = get_demo("tdx-pool-duplicate-slot-bug")
    assert demo is not None
    buffer = io.BytesIO()
    write_log(dataclasses.replace(demo, faults=demo.faults if faults else ()), buffer)
    return buffer.getvalue()


def median_ms(call: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(db: Database) -> str:
    """Verdict, baseline and history of the newest boot, each timed in a fresh read session
    (as one request sees it: nothing memoised from the call before)."""
    anyone = Principal()  # the project is public
    with db.read() as session:
        newest_id = queries.list_boots(session, project_ids=None, limit=1)[0][0].id

    def timed(work: Callable[[Session, Boot], object]) -> float:
        def once() -> object:
            with db.read() as session:
                boot = queries.get_boot(session, boot_id=newest_id)
                assert boot is not None
                return work(session, boot)

        return median_ms(once)

    verdict = timed(lambda session, boot: boot_verdict(session, boot))
    baseline = timed(lambda session, boot: boot_baseline(session, boot))
    history = timed(lambda session, _: branch_history(session, anyone, "bench", "main"))
    with db.read() as session:
        boot = queries.get_boot(session, boot_id=newest_id)
        assert boot is not None
        found = boot_baseline(session, boot).baseline_id
    return (
        f"baseline #{found}: verdict {verdict:.1f} ms, boot_baseline {baseline:.1f} ms "
        f"({baseline / verdict:.1f}x), branch_history {history:.1f} ms ({history / verdict:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boots", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        db = Database(url, pool_size=1)
        project = project_named(db, "bench", public_read=True)
        logs = {False: demo_log(False), True: demo_log(True)}
        for index in range(args.boots):
            fields = queries.BootFields(name=f"boot-{index}", branch="main")
            ingested = ingest_boot(
                db, project=project, fields=fields, log=io.BytesIO(logs[index > 0]), limits=LIMITS
            )
            assert ingested.run_id is not None
            process_run(db, ingested.run_id, settings=JobSettings())
        for fail_on_new in (False, True):
            if fail_on_new:
                with db.write() as session:
                    add_policy(
                        session,
                        project_id=project.id,
                        fail_on="high",
                        fail_rules=[],
                        fail_on_new=True,
                        author="bench",
                    )
            print(f"fail_on_new={fail_on_new!s:5}  {args.boots} boots, {measure(db)}")
        db.dispose()


if __name__ == "__main__":
    main()
