"""Dataclasses to JSON-ready data and back, by their type hints.

The result document is a tree of frozen dataclasses (``document``); this turns it into the dicts
and lists ``json`` writes, and reads those back, so the shape is declared once, by the classes.
Supported field types: the JSON scalars (and unions of them), ``X | None``, ``tuple[X, ...]``
(a JSON list), ``dict[str, X]``, ``Any`` (kept as is) and nested dataclasses. A field declared with
``field(metadata=OMIT_NONE)`` is left out of the JSON while it is None (facts present only
when the log showed them), and read back as None when the key is missing.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, TypeVar, Union

from app.analysis.errors import AnalysisError

T = TypeVar("T")
OMIT_NONE = {"omit_none": True}


class DocumentError(AnalysisError):
    """Stored JSON does not have the shape of the dataclass it is read as."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    hint: Any
    omit_none: bool


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        _Field(f.name, hints[f.name], bool(f.metadata.get("omit_none")))
        for f in dataclasses.fields(cls)
    )


def to_json(value: Any) -> Any:
    """A dataclass tree as dicts, lists and scalars (tuples become lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in _fields(type(value)):
            item = getattr(value, f.name)
            if item is None and f.omit_none:
                continue
            out[f.name] = to_json(item)
        return out
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


def from_json(cls: type[T], data: Any) -> T:
    """Read ``data`` (as ``to_json`` wrote it) as a ``cls``; DocumentError if it does not fit."""
    result: T = _decode(cls, data, cls.__name__)
    return result


def _decode(hint: Any, data: Any, where: str) -> Any:
    if hint is Any:
        return data
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        if data is None:
            return None
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(inner) > 1:  # a union of scalars (``int | bool``): JSON keeps which one it is
            return data
        return _decode(inner[0], data, where)
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise DocumentError(f"{where}: expected a list, got {type(data).__name__}")
        item = typing.get_args(hint)[0]
        return tuple(_decode(item, x, f"{where}[{i}]") for i, x in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise DocumentError(f"{where}: expected an object, got {type(data).__name__}")
        value = typing.get_args(hint)[1]
        return {k: _decode(value, v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, data, where)
    return data


def _decode_dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise DocumentError(f"{where}: expected an object, got {type(data).__name__}")
    kwargs: dict[str, Any] = {}
    for f in _fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(f.hint, data[f.name], f"{where}.{f.name}")
        elif f.omit_none:
            kwargs[f.name] = None
        else:
            raise DocumentError(f"{where}: missing key {f.name!r}")
    unknown = set(data) - {f.name for f in _fields(cls)}
    if unknown:
        raise DocumentError(f"{where}: unexpected keys {sorted(unknown)}")
    return cls(**kwargs)
