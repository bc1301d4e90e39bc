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
from collections.abc import Callable
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
def _fields(cls: Any) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        _Field(f.name, hints[f.name], bool(f.metadata.get("omit_none")))
        for f in dataclasses.fields(cls)
    )


_SCALARS = frozenset((str, int, float, bool, type(None)))


def to_json(value: Any) -> Any:
    """A dataclass tree as dicts, lists and scalars (tuples become lists)."""
    cls: Any = type(value)
    if cls in _SCALARS:
        return value
    if cls is tuple or cls is list:
        return [to_json(item) for item in value]
    if cls is dict:
        return {key: to_json(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value):
        out: dict[str, Any] = {}
        for f in _fields(cls):
            item = getattr(value, f.name)
            if item is None and f.omit_none:
                continue
            out[f.name] = to_json(item)
        return out
    return value


def from_json(cls: type[T], data: Any) -> T:
    """Read ``data`` (as ``to_json`` wrote it) as a ``cls``; DocumentError if it does not fit."""
    hint: Any = cls
    result: T = _decoder(hint)(data)
    return result


Decoder = Callable[[Any], Any]


def _keep(data: Any) -> Any:
    return data


@cache
def _decoder(hint: Any) -> Decoder:
    """One decoding function per type, built once (documents are read on every page view)."""
    if hint is Any:
        return _keep
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(inner) > 1:  # a union of scalars (``int | bool``): JSON keeps which one it is
            return _keep
        return _optional(_decoder(inner[0]))
    if origin is tuple:
        return _sequence(_decoder(typing.get_args(hint)[0]))
    if origin is dict:
        return _mapping(_decoder(typing.get_args(hint)[1]))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record(hint)
    return _keep


def _optional(item: Decoder) -> Decoder:
    def decode(data: Any) -> Any:
        return None if data is None else item(data)

    return decode


def _sequence(item: Decoder) -> Decoder:
    if item is _keep:
        return lambda data: tuple(_expect(data, list, "a list"))
    return lambda data: tuple(item(x) for x in _expect(data, list, "a list"))


def _mapping(value: Decoder) -> Decoder:
    if value is _keep:
        return lambda data: dict(_expect(data, dict, "an object"))
    return lambda data: {k: value(v) for k, v in _expect(data, dict, "an object").items()}


def _expect(data: Any, kind: type, what: str) -> Any:
    if not isinstance(data, kind):
        raise DocumentError(f"expected {what}, got {type(data).__name__}")
    return data


def _record(cls: type) -> Decoder:
    fields = [(f.name, f.omit_none) for f in _fields(cls)]
    names = frozenset(name for name, _ in fields)

    def decode(data: Any) -> Any:
        if not isinstance(data, dict):
            raise DocumentError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
        kwargs: dict[str, Any] = {}
        for name, omit_none in fields:
            if name in data:
                try:
                    kwargs[name] = decoders[name](data[name])
                except DocumentError as exc:
                    raise DocumentError(f"{cls.__name__}.{name}: {exc}") from None
            elif omit_none:
                kwargs[name] = None
            else:
                raise DocumentError(f"{cls.__name__}: missing key {name!r}")
        if len(data) > len(kwargs) or not names.issuperset(data):
            unknown = sorted(set(data) - names)
            raise DocumentError(f"{cls.__name__}: unexpected keys {unknown}")
        return cls(**kwargs)

    decoders: dict[str, Decoder] = {}
    for f in _fields(cls):  # after ``decode`` exists: a class may refer to itself
        decoders[f.name] = _decoder(f.hint)
    return decode
