"""Finding fingerprints: what makes "the same finding" in two boots, versioned.

A fingerprint hashes the rule ID, the rule's version and the finding's *key* (usually a device
or module, sometimes a range). Version 1 hashed the key as it was, so a key naming an address
(``SNP_SECRETS@0x80d000``) or a PCI slot (``virtio-blk 00:04.0:dma-leak``) gave another
fingerprint when the firmware moved a range or the VMM a device, and a team's triage (known
issues, false positives, comments) no longer applied. Version 2 wildcards what varies between
otherwise identical boots before hashing, as pm-graph's and Sentry's grouping do: hexadecimal
numbers (``0x...``) become ``<hex>``, PCI addresses (``00:04.0``) ``<pci>`` and other standalone
decimal numbers ``<n>`` (a number inside a word, such as ``e1000``, is part of the name).

Every version stays computable here (``FINGERPRINTS``), so the database migration that moves
stored triage from one version to the next (``migrations/versions/*_fingerprints.py``) keeps
working after a later version is added: an algorithm change never silently splits or merges a
team's findings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

FINGERPRINT_VERSION = 2

_HEX = re.compile(r"\b0[xX][0-9a-fA-F]+\b")
_PCI = re.compile(r"\b(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]\b")
_DECIMAL = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def normalise_key(key: str) -> str:
    """The key with addresses and numbers wildcarded (what version 2 hashes)."""
    key = _HEX.sub("<hex>", key)
    key = _PCI.sub("<pci>", key)
    return _DECIMAL.sub("<n>", key)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint_v1(rule_id: str, rule_version: int, key: str) -> str:
    """Version 1: the key verbatim (addresses and slot numbers split findings)."""
    return _digest(f"{rule_id}:{rule_version}:{key}")


def fingerprint_v2(rule_id: str, rule_version: int, key: str) -> str:
    """Version 2: the key with addresses and numbers wildcarded (``normalise_key``)."""
    return _digest(f"v2:{rule_id}:{rule_version}:{normalise_key(key)}")


FINGERPRINTS: dict[int, Callable[[str, int, str], str]] = {1: fingerprint_v1, 2: fingerprint_v2}


def fingerprint(rule_id: str, rule_version: int, key: str) -> str:
    """The current version's fingerprint (``FINGERPRINT_VERSION``)."""
    return FINGERPRINTS[FINGERPRINT_VERSION](rule_id, rule_version, key)
