"""The logs the two engine builds must agree on: every real log, every demo (host captures
included), every single-fault scenario, the benchmark's worst cases and random workloads.

``write_corpus`` writes them as files; ``DOCUMENTS`` is the script each build runs over them
(one process per build, so the comparison costs two interpreter starts, not two per log).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from app.synth import DeviceSpec, Workload, demo_workloads, write_log
from tests.unit.analysis.test_engine_vs_truth import FAULT_WORKLOADS

ROOT = Path(__file__).resolve().parents[2]
REAL_LOGS = sorted((ROOT / "app" / "data" / "logs").glob("*.log"))
# platform -> edk2 releases the synthesizer models for it (workload.MIN_EDK2 and later)
RELEASES = {
    "sev": ("202211", "202302", "202402"),
    "sev-es": ("202211", "202305"),
    "sev-snp": ("202211", "202402", "202511"),
    "tdx": ("202302", "202402"),
}

DOCUMENTS = """
import json, sys
from pathlib import Path
from app.analysis.report import analyze_file
for log in sorted(Path(sys.argv[1]).glob("*.log")):
    document = analyze_file(log).to_dict()
    document.pop("analysis_seconds")
    # As text: ``True == 1`` in parsed JSON would hide a flag compiled into an int.
    text = json.dumps(document, sort_keys=True)
    (Path(sys.argv[2]) / (log.name + ".json")).write_text(text, encoding="utf-8")
"""


def random_workloads(rng: random.Random, count: int) -> list[Workload]:
    """Clean boots of random platform, release, pool mode and traffic, and the fault scenarios
    again with other seeds and request counts."""
    workloads = []
    for index in range(count):
        platform = rng.choice(sorted(RELEASES))
        edk2 = rng.choice(RELEASES[platform])
        devices = (
            DeviceSpec("virtio-blk", "00:03.0", rng.randint(1, 120), (512, 4096, 65536), 0.3),
            DeviceSpec("virtio-net", "00:04.0", rng.randint(1, 40), (60, 1514), rng.random()),
            DeviceSpec("fw-cfg", None, rng.randint(0, 20), (8, 1024), 0.2),
        )
        seed = rng.randint(0, 10**6)
        pool = edk2 >= "202302" and rng.random() < 0.6
        workloads.append(Workload(f"random-{index}", seed, platform, edk2, pool, devices))
        fault = rng.choice(FAULT_WORKLOADS)
        requests = rng.randint(8, 60)
        faulty = replace(fault.with_requests(requests), seed=seed, name=f"{fault.name}-{index}")
        workloads.append(faulty)
    return workloads


def worst_cases() -> list[Workload]:
    """The benchmark's verbose SNP logs (legacy path, pool), small."""
    blk = DeviceSpec("virtio-blk", "00:03.0", 400, (512, 4096, 65536), 0.3)
    net = DeviceSpec("virtio-net", "00:04.0", 100, (), 0.3)
    fwcfg = DeviceSpec("fw-cfg", None, 50, (), 0.3)
    return [
        Workload(f"verbose-{edk2}", 7, "sev-snp", edk2, pool, (blk, net, fwcfg))
        for edk2, pool in (("202211", False), ("202402", True))
    ]


def write_corpus(directory: Path, rng: random.Random, random_count: int) -> list[Path]:
    for log in REAL_LOGS:
        (directory / log.name).write_bytes(log.read_bytes())
    synthesized = [*demo_workloads(), *FAULT_WORKLOADS, *worst_cases()]
    for workload in synthesized + random_workloads(rng, random_count):
        with open(directory / f"synth-{workload.name}.log", "wb") as out:
            write_log(workload, out)
    return sorted(directory.glob("*.log"))
