"""Seed corpora for the fuzz targets, built at run time from the project's real fixtures.

- ``scanner``: the real boot logs of app/data/logs cut at line ends into pieces of a few KiB
  (a fuzzer mutates small inputs far faster than whole logs), each log's first piece gzipped
  too (the gzip path), and the pieces of the synthesized demo logs that carry the DEBUG_VERBOSE
  IoMmu and encryption lines no real log has (they drive the simulator).
- ``firmware``: Debian's OVMF images from /usr/share/OVMF when installed (not in the repo):
  their last 64 KiB (the footer table and descriptors) and first 64 KiB (the volume header).
  The byte-built images of tests/unit/analysis/firmware/builders.py are always added, so the
  corpus is never empty and covers TDX descriptors and broken tables.
- ``metadata``: the metadata JSON documents of those images (whole images), and a
  hand-written document using names, ``fields`` and ``"0x..."`` strings.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

from app.analysis.firmware import read_firmware
from tests.unit.analysis.firmware import builders as b

ROOT = Path(__file__).resolve().parents[2]
LOGS_DIR = ROOT / "app" / "data" / "logs"
OVMF_DIR = Path("/usr/share/OVMF")
PIECE = 4 << 10
WINDOW = 64 << 10
VERBOSE_MARKERS = (b"IoMmu", b"SetMemory", b"SetPageState", b"InternalAllocateBuffer")


def pieces(log: bytes, size: int = PIECE) -> Iterator[bytes]:
    """``log`` cut at line ends into pieces of about ``size`` bytes."""
    start = 0
    while start < len(log):
        end = log.find(b"\n", start + size)
        end = len(log) if end < 0 else end + 1
        yield log[start:end]
        start = end


def scanner_seeds() -> Iterator[bytes]:
    for path in sorted(LOGS_DIR.glob("*.log")):
        log = path.read_bytes()
        yield from pieces(log)
        yield gzip.compress(next(pieces(log)), mtime=0)
    for log in synthesized_logs():
        yield from (p for p in pieces(log) if any(m in p for m in VERBOSE_MARKERS))


def synthesized_logs() -> list[bytes]:
    """The demo logs of the synthesizer: the IoMmu and encryption lines no real log has."""
    from app.synth import demo_workloads, write_log

    logs = []
    for workload in demo_workloads():
        buffer = io.BytesIO()
        write_log(workload, buffer)
        logs.append(buffer.getvalue())
    return logs


def debian_images() -> list[bytes]:
    if not OVMF_DIR.is_dir():
        return []
    return [path.read_bytes() for path in sorted(OVMF_DIR.glob("*.fd"))]


def built_images() -> list[bytes]:
    """Whole small images (64 KiB fits the fuzzer's input size), and broken tables."""
    small = 0x10000
    return [
        b.image(size=small),
        b.image(size=small, first_volume=b.NV_FV),
        b.image(size=small, table_length=10),
        b.image([b.entry(b.RESET, b.u32(1)), *b.standard_entries()], size=small),
        b.image(size=small, asev_bytes=b.asev([*b.SNP_SECTIONS, (0x808000, 0x2000, 7)])),
        b.image(size=small, tdvf_bytes=b.tdvf(b.tdx_sections(small), guid=False)),
        b.image(),
    ]


def firmware_seeds() -> Iterator[bytes]:
    for image in debian_images() + built_images():
        yield image[-WINDOW:]
        yield image[:WINDOW]


def metadata_seeds() -> Iterator[bytes]:
    for image in debian_images() + built_images():
        document = read_firmware(image, name="seed.fd").to_dict()
        yield json.dumps(document, indent=1).encode()
    yield json.dumps(HAND_WRITTEN).encode()


HAND_WRITTEN = {
    "schema": "cvmreview-firmware-metadata",
    "schema_version": 1,
    "identity": {"name": "tdvf.fd", "size": "0x400000", "layout": "code"},
    "footer": {
        "entries": [
            {"guid": str(b.TDX_META), "fields": {"offset_from_end": "0x840"}},
            {"guid": str(b.SECRET), "fields": {"base": "0x80d000", "size": 4096}},
            {"guid": str(b.RESET), "fields": {"value": "0x80b004"}},
        ]
    },
    "sev_metadata": None,
    "tdx_metadata": {
        "sections": [
            {
                "memory_address": "0xffc00000",
                "memory_size": "0x400000",
                "raw_size": 4194304,
                "type": "BFV",
                "attributes": 1,
            },
            {"memory_address": "0x809000", "memory_size": "0x2000", "type": "td_hob"},
            {"memory_address": "0x800000", "memory_size": "0x6000", "type": 3},
        ]
    },
    "diagnostics": [],
}

SEEDS = {"scanner": scanner_seeds, "firmware": firmware_seeds, "metadata": metadata_seeds}


def write_seeds(target: str, directory: Path) -> int:
    """Write the target's seeds (deduplicated, named by digest) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    names = set()
    for seed in SEEDS[target]():
        name = hashlib.sha1(seed).hexdigest()
        if name not in names:
            names.add(name)
            (directory / name).write_bytes(seed)
    return len(names)
