"""Hypothesis counterpart of the metadata JSON fuzz target: valid documents (of the seed images
and a hand-written one) with any one value replaced by any JSON value, or a key dropped, or
wrapped in deep nesting, and arbitrary text. Each is checked by the same target as the fuzzer:
only ``FirmwareError`` may escape, and whatever loads round-trips."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import seeds
from tests.fuzz.targets import metadata

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Where = tuple[str | int, ...]


@cache
def documents() -> tuple[str, ...]:
    return tuple(seed.decode() for seed in seeds.metadata_seeds())


def paths(value: Any, prefix: Where = ()) -> list[Where]:
    """Every place in a JSON value (the root excluded): object keys and list indexes."""
    found: list[Where] = []
    if isinstance(value, dict):
        items: list[tuple[str | int, Any]] = list(value.items())
    else:
        items = list(enumerate(value)) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def replaced(document: Any, path: Where, value: Any) -> Any:
    """``document`` with the value at ``path`` replaced (``DROP``: removed)."""
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if value is DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


DROP = object()
KEYS = st.sampled_from(
    [
        "schema",
        "schema_version",
        "identity",
        "size",
        "footer",
        "entries",
        "guid",
        "payload_hex",
        "fields",
        "sev_metadata",
        "tdx_metadata",
        "sections",
        "type",
        "base",
        "offset",
        "length",
        "diagnostics",
        "code",
        "severity",
        "message",
        "memory_address",
        "split_offset",
    ]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "0x",
            "0x800000",
            "-0x1",
            "0xffffffffffffffffffff",
            "SNP_SEC_MEM",
            "BFV",
            "error",
            "warning",
            "00f771de-1a7e-4fcb-890e-68c77e2fb44e",
            "zz",
        ]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


@PROPERTY
@given(st.data())
def test_any_value_anywhere_in_a_document(data: st.DataObject) -> None:
    document = json.loads(data.draw(st.sampled_from(documents())))
    path = data.draw(st.sampled_from(paths(document)))
    value = data.draw(VALUES | st.just(DROP))
    metadata(json.dumps(replaced(document, path, value)).encode())


@PROPERTY
@given(st.data(), st.integers(1, 3000))
def test_deeply_nested_value_anywhere_in_a_document(data: st.DataObject, depth: int) -> None:
    document = json.loads(data.draw(st.sampled_from(documents())))
    path = data.draw(st.sampled_from(paths(document)))
    nested = "[" * depth + "0" + "]" * depth
    text = json.dumps(replaced(document, path, "NESTED")).replace('"NESTED"', nested, 1)
    metadata(text.encode())


@PROPERTY
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_arbitrary_text_is_rejected_or_loaded(text: str | bytes) -> None:
    metadata(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
