"""Faults against the scale-out configuration, long version: figures printed.

    .venv/bin/python scripts/faults.py                          # every scenario, 100 uploads
    .venv/bin/python scripts/faults.py --scenario kill-workers --uploads 300

PostgreSQL and Redis are private servers started here (the machine's are shared), with one
``cvmreview serve`` and two Celery workers (``cvmreview worker --concurrency 1``), as
docker-compose.yml runs them. Scenarios, each on a fresh database, during a stream of uploads
by 4 clients that retry with the same ``origin_id`` like ``cvmreview upload``:

- ``kill-workers``: a worker is killed with SIGKILL every 2 s and a new one started;
- ``restart-postgres``: PostgreSQL stopped (fast: every session ends) and started again after
  ``--down`` seconds, twice;
- ``restart-redis``: redis-server killed and started again (empty) after ``--down`` seconds;
- ``full-disk``: the database's tablespace on an 8 MiB tmpfs filled with a ballast file;
  the ballast is deleted once the clients have been refused for ``--down`` seconds (root only);
- ``full-disk-sqlite``: the same against the embedded default (SQLite, one embedded worker),
  its data directory on an 8 MiB tmpfs.

Printed per scenario: uploads, accepted, boots done/failed, lost, duplicated, half-stored,
answers by status, uploads retried, how long refusals lasted, time to finish every analysis,
whether the boots stored before are intact. The short versions are in
tests/e2e/test_service_faults.py; both share tests/faultkit.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import faultkit  # noqa: E402

SCENARIOS = ("kill-workers", "restart-postgres", "restart-redis", "full-disk", "full-disk-sqlite")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=SCENARIOS, nargs="+", default=list(SCENARIOS))
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--down", type=float, default=5.0, help="seconds a server stays down")
    options = parser.parse_args()
    reason = faultkit.missing_servers()
    if reason:
        sys.exit(f"faults: {reason}")
    print(f"cvmreview faults, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="cvmreview-faults-") as tmp:
        scale_out = [s for s in options.scenario if s != "full-disk-sqlite"]
        if scale_out:
            with faultkit.lab(Path(tmp) / "lab") as lab:
                for scenario in scale_out:
                    if scenario == "full-disk" and lab.space is None:
                        print("full-disk: skipped (mounting a small tmpfs needs root)")
                        continue
                    run = faultkit.SCENARIOS[scenario]
                    print(run(lab, uploads=options.uploads, down=options.down), flush=True)
        if "full-disk-sqlite" in options.scenario:
            if os.geteuid() != 0:
                print("full-disk-sqlite: skipped (mounting a small tmpfs needs root)")
            else:
                with faultkit.embedded(Path(tmp) / "embedded") as deployment:
                    result = faultkit.full_disk(
                        deployment, uploads=options.uploads, down=options.down
                    )
                    result.scenario = "full-disk-sqlite"
                    print(result, flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
