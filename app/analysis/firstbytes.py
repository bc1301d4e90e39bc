"""Which bytes a line can start with for a pattern to match it: the scanner's line dispatch.

The scanner sends a line it has not seen before to the patterns that could match it. A pattern
whose every match starts with ``I`` (``IoMmuMap: ...``) can be skipped for a line starting with
``q``; only the patterns whose first-byte set holds the line's first byte are tried, in registry
order, so the first one that matches is the one the full alternation would have picked.

The set is read from the pattern's parse tree (the ``re`` module's own parser), not from its
source text, so escapes, classes, optional groups and alternations are handled as ``re`` sees
them. Anything this module does not model (back-references, case-insensitive matching, a
pattern that may match the empty string) gives the set of all bytes: a superset is always
safe, it only costs speed.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from typing import Any

ALL_BYTES: frozenset[int] = frozenset(range(256))

_CATEGORIES: dict[Any, frozenset[int]] = {}
for _name, _regex in (
    ("DIGIT", rb"\d"),
    ("WORD", rb"\w"),
    ("SPACE", rb"\s"),
    ("LINEBREAK", rb"\n"),
):
    _members = frozenset(b for b in range(256) if re.fullmatch(_regex, bytes([b])))
    _CATEGORIES[getattr(sre, "CATEGORY_" + _name)] = _members
    _CATEGORIES[getattr(sre, "CATEGORY_NOT_" + _name)] = ALL_BYTES - _members

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}


def first_bytes(regex: bytes) -> frozenset[int]:
    """The bytes a match of ``regex`` (anchored at the line start) can begin with."""
    parsed = sre_parse.parse(regex)
    if parsed.state.flags & re.IGNORECASE:
        return ALL_BYTES
    found, nullable = _sequence(list(parsed))
    return ALL_BYTES if nullable else found


def _sequence(items: list[tuple[Any, Any]]) -> tuple[frozenset[int], bool]:
    """First bytes of a concatenation, and whether all of it may match nothing."""
    found: set[int] = set()
    for op, av in items:
        first, nullable = _item(op, av)
        found |= first
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _item(op: Any, av: Any) -> tuple[frozenset[int], bool]:
    if op is sre.LITERAL:
        return frozenset((av,)), False
    if op is sre.NOT_LITERAL:
        return ALL_BYTES - {av}, False
    if op is sre.IN:
        return _charset(av), False
    if op is sre.ANY:
        return ALL_BYTES, False
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        if add_flags & re.IGNORECASE:
            return ALL_BYTES, True
        return _sequence(list(body))
    if op is sre.BRANCH:
        found: set[int] = set()
        nullable = False
        for branch in av[1]:
            first, empty = _sequence(list(branch))
            found |= first
            nullable = nullable or empty
        return frozenset(found), nullable
    if op in _REPEATS:
        minimum, _maximum, body = av
        first, empty = _sequence(list(body))
        return first, empty or minimum == 0
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    if op in _ZERO_WIDTH:
        return frozenset(), True  # consumes nothing: what follows decides
    return ALL_BYTES, True  # not modelled (back-references, conditionals): anything


def _charset(items: list[tuple[Any, Any]]) -> frozenset[int]:
    members: set[int] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            members.add(av)
        elif op is sre.RANGE:
            members.update(range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av in _CATEGORIES:
            members |= _CATEGORIES[av]
        else:
            return ALL_BYTES
    return ALL_BYTES - members if negate else frozenset(members)


def literal_prefix(regex: bytes) -> tuple[bool, bytes]:
    """What every match of ``regex`` starts with: ``(word_lead, literal)`` where ``word_lead``
    means a leading ``(\\w+)`` that the literal, starting with a non-word byte, must follow
    directly (edk2's ``%a:`` module prefix), and ``literal`` the plain bytes after it (empty when
    the pattern starts with anything else). The scanner's test of whether a pattern could match
    a line with a given start (``Scanner._remember``)."""
    parsed = sre_parse.parse(regex)
    if parsed.state.flags & re.IGNORECASE:
        return False, b""
    items = list(parsed)
    word_lead = bool(items) and _is_word_group(*items[0])
    while not word_lead and items and items[0][0] is sre.SUBPATTERN and not any(items[0][1][1:3]):
        items = list(items[0][1][3]) + items[1:]  # a leading group is its body, for the prefix
    prefix = bytearray()
    for op, av in items[1:] if word_lead else items:
        if op is not sre.LITERAL:
            break
        prefix.append(av)
    if word_lead and (not prefix or prefix[0] in _CATEGORIES[sre.CATEGORY_WORD]):
        return False, b""  # the word group's end is not fixed by the literal: no test
    return word_lead, bytes(prefix)


def _is_word_group(op: Any, av: Any) -> bool:
    """``(\\w+)``, as a capturing group."""
    if op is not sre.SUBPATTERN or av[1] or av[2]:
        return False
    body = list(av[3])
    return (
        len(body) == 1
        and body[0][0] is sre.MAX_REPEAT
        and body[0][1][0] >= 1
        and list(body[0][1][2]) == [(sre.IN, [(sre.CATEGORY, sre.CATEGORY_WORD)])]
    )


def may_start(word_lead: bool, literal: bytes, key: bytes) -> bool:
    """Whether a match described by ``literal_prefix`` could start with ``key``."""
    if word_lead:
        word = _CATEGORIES[sre.CATEGORY_WORD]
        end = next((i for i, byte in enumerate(key) if byte not in word), None)
        if end is None:
            return True  # the key is all word bytes: the literal may come after it
        if end == 0:
            return False
        key = key[end:]
    common = min(len(key), len(literal))
    return key[:common] == literal[:common]
