"""Named, realistic demo workloads (``cvmreview demo``, tests, screenshots).

Each one tells a story a reviewer recognises: a clean SNP boot on the pool, a 2022 SEV build
that leaks a bounce buffer, a TDX build hitting the 1M/2M pool-mask bug, an SEV-ES boot that
runs the 128K range dry, an SNP boot with a handful of driver bugs, and SNP and TDX boots with
the host's trace woven in (one where guest and host disagree).
"""

from __future__ import annotations

from app.synth.workload import DeviceSpec, FaultSpec, HostTraceSpec, Workload


def demo_workloads() -> list[Workload]:
    """The demo workloads, in a stable order."""
    blk = DeviceSpec("virtio-blk", "00:03.0", 40, (512, 4096, 65536, 131072), 0.1)
    fwcfg = DeviceSpec("fw-cfg", None, 24, (4, 8, 128, 1024, 4096), 0.1)
    return [
        Workload(
            name="sev-snp-pool-virtio-blk",
            seed=1,
            platform="sev-snp",
            edk2="202402",
            pool=True,
            devices=(blk, fwcfg, DeviceSpec("virtio-rng", "00:05.0", 4, (32,), 0.0)),
        ),
        Workload(
            name="sev-legacy-202211-leak",
            seed=2,
            platform="sev",
            edk2="202211",
            pool=False,
            devices=(
                DeviceSpec("virtio-blk", "00:04.0", 30, (512, 4096, 32768), 0.2),
                DeviceSpec("virtio-net", "00:05.0", 10, (60, 590, 1514), 1.0),
                fwcfg,
            ),
            faults=(FaultSpec("leak", device="virtio-blk 00:04.0", at=5),),
        ),
        Workload(
            name="tdx-pool-duplicate-slot-bug",
            seed=3,
            platform="tdx",
            edk2="202302",
            pool=True,
            devices=(blk, fwcfg),
            faults=(FaultSpec("duplicate-slot", device="virtio-blk 00:03.0", at=6, size="1M"),),
        ),
        Workload(
            name="sev-es-pool-exhaustion",
            seed=4,
            platform="sev-es",
            edk2="202305",
            pool=True,
            devices=(
                blk,
                DeviceSpec("virtio-scsi", "00:06.0", 20, (4096, 131072), 0.3),
                fwcfg,
            ),
            faults=(FaultSpec("pool-exhaustion", device="virtio-scsi 00:06.0", at=4, size="128K"),),
        ),
        Workload(
            name="sev-snp-driver-bugs",
            seed=5,
            platform="sev-snp",
            edk2="202511",
            pool=True,
            devices=(blk, DeviceSpec("virtio-gpu", "00:07.0", 12, (24, 40), 1.0), fwcfg),
            faults=(
                FaultSpec("double-unmap", device="virtio-blk 00:03.0", at=2),
                FaultSpec("unknown-unmap", device="virtio-gpu 00:07.0", at=1),
                FaultSpec("free-mapped", device="virtio-blk 00:03.0", at=5),
                FaultSpec("redundant-decrypt", device="virtio-blk 00:03.0", at=7),
            ),
        ),
        Workload(
            name="sev-snp-host-trace",
            seed=6,
            platform="sev-snp",
            edk2="202402",
            pool=True,
            devices=(blk, fwcfg),
            host=HostTraceSpec(),
        ),
        Workload(
            name="tdx-host-trace",
            seed=7,
            platform="tdx",
            edk2="202402",
            pool=True,
            devices=(blk, fwcfg),
            host=HostTraceSpec(),
        ),
        Workload(
            name="sev-snp-host-disagreement",
            seed=8,
            platform="sev-snp",
            edk2="202402",
            pool=True,
            devices=(blk, fwcfg),
            host=HostTraceSpec(disagreements=("missed", "extra"), at=5),
        ),
    ]


def get_demo(name: str) -> Workload | None:
    return next((w for w in demo_workloads() if w.name == name), None)
