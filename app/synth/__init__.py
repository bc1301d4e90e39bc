"""The synthesizer: DEBUG_VERBOSE IoMmu/encryption lines woven into real OVMF boot logs.

No public OVMF log carries the verbose IoMmuDxe and encryption-library lines, so tests,
benchmarks and demos get them from here: a declared ``Workload`` goes in, a byte-exact log
(first line ``# cvmreview synthesized log: {...}``) and a ``GroundTruth`` come out.
"""

from app.synth.demos import demo_workloads, get_demo
from app.synth.truth import GroundTruth
from app.synth.workload import DeviceSpec, FaultSpec, Workload
from app.synth.writer import HEADER, write_log

__all__ = [
    "HEADER",
    "DeviceSpec",
    "FaultSpec",
    "GroundTruth",
    "Workload",
    "demo_workloads",
    "get_demo",
    "write_log",
]
