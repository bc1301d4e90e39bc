"""Sorted interval starts for the page map: a plain list while small, a ``SortedList`` when big.

A boot's page map holds tens to a few thousand intervals. For those, ``bisect`` on a plain list
(C code; an insert moves at most ``small_limit`` pointers, a few kilobytes) is several times
faster than ``SortedList``, whose methods are Python. Past ``small_limit`` keys the store moves
to a ``SortedList`` for good, so updates stay O(log n) however fragmented guest memory gets.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedList

SMALL_LIMIT = 4096


class SortedKeys:
    """The subset of ``SortedList`` the page map uses, for distinct int keys."""

    __slots__ = ("_small", "_big", "_limit")

    def __init__(self, small_limit: int = SMALL_LIMIT) -> None:
        self._small: list[int] = []
        self._big: Any = None  # SortedList once large (sortedcontainers ships no types)
        self._limit = small_limit

    def __len__(self) -> int:
        return len(self._small) if self._big is None else len(self._big)

    def __iter__(self) -> Iterator[int]:
        return iter(self._small) if self._big is None else iter(self._big)

    def __getitem__(self, index: int) -> int:
        if self._big is None:
            return self._small[index]
        value: int = self._big[index]
        return value

    def bisect_right(self, key: int) -> int:
        if self._big is None:
            return bisect_right(self._small, key)
        position: int = self._big.bisect_right(key)
        return position

    def add(self, key: int) -> None:
        if self._big is not None:
            self._big.add(key)
            return
        insort(self._small, key)
        if len(self._small) > self._limit:
            self._big = SortedList(self._small)
            self._small = []

    def remove(self, key: int) -> None:
        if self._big is not None:
            self._big.remove(key)
            return
        index = bisect_left(self._small, key)
        if index == len(self._small) or self._small[index] != key:
            raise ValueError(f"{key:#x} is not a stored key")
        del self._small[index]
