"""Firmware metadata: read OVMF/TDVF flash images (or their metadata JSON), seed the simulator,
cross-check a boot against its firmware and compare two images.

Entry points: ``read_firmware(data, name=...)`` for image bytes, ``load_firmware`` for image
bytes or a metadata JSON document, ``compare_firmware(a, b)`` and ``cross_check(...)``.
"""

from app.analysis.firmware.compare import Change, FirmwareComparison, compare_firmware
from app.analysis.firmware.crosscheck import cross_check
from app.analysis.firmware.diagnostics import CODES, Diagnostic, DiagnosticSeverity
from app.analysis.firmware.flavour import Flavour
from app.analysis.firmware.image import load_firmware, read_firmware
from app.analysis.firmware.metadata_json import load_metadata_json
from app.analysis.firmware.report import FirmwareReport, Identity

__all__ = [
    "CODES",
    "Change",
    "Diagnostic",
    "DiagnosticSeverity",
    "FirmwareComparison",
    "FirmwareReport",
    "Flavour",
    "Identity",
    "compare_firmware",
    "cross_check",
    "load_firmware",
    "load_metadata_json",
    "read_firmware",
]
