"""Bounded request parameters: every number a request carries fits the database's integers.

An id, offset or line number of 2**63 or more made SQLite raise OverflowError (a 500) and
PostgreSQL a data error (a misleading 503); these types answer 422 with a ``detail`` before
any query, the same on both backends. Ids and line numbers are 32-bit columns (PostgreSQL
``integer`` refuses to compare with a larger value), so they stop at 2**31 - 1; offsets are
bigint.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_BIGINT = 2**63 - 1
MAX_INT32 = 2**31 - 1

BootIdPath = Annotated[int, Path(ge=1, le=MAX_INT32, description="a boot's id")]
BootIdQuery = Annotated[int, Query(ge=1, le=MAX_INT32, description="a boot's id")]
OptionalBootIdQuery = Annotated[int | None, Query(ge=1, le=MAX_INT32, description="a boot's id")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_BIGINT, description="rows to skip")]
LineQuery = Annotated[int, Query(ge=1, le=MAX_INT32, description="a line, 1-based")]
OptionalLineQuery = Annotated[int | None, Query(ge=1, le=MAX_INT32, description="a line")]

FINGERPRINT_PATTERN = r"^[0-9a-f]{16}$"  # app.analysis.rules.base.fingerprint: 16 hex digits
FingerprintPath = Annotated[
    str, Path(min_length=16, max_length=16, pattern=FINGERPRINT_PATTERN, description="a finding")
]
