"""API schemas, separate from the ORM: ``<Res>Public`` is always the ``response_model``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "done", "failed"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""Text that both databases can store (PostgreSQL refuses NUL; SQLite would keep it)."""


class ErrorPublic(BaseModel):
    """Every refusal: a message, or for invalid parameters the list of what and where."""

    detail: str | list[dict[str, Any]]


class BootCreated(BaseModel):
    """The answer to an upload: where to poll and where a person looks."""

    id: int
    status: Status
    status_url: str
    url: str
    existing: bool = Field(False, description="true when origin_id matched an earlier upload")


class RunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Status
    attempts: int
    engine_version: str | None
    schema_version: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None


class BootPublic(BaseModel):
    id: int
    project: str
    name: str
    branch: str | None
    commit: str | None
    ci_url: str | None
    tags: list[str]
    origin_id: str | None
    status: Status
    error: str | None
    platform: str | None
    worst_severity: str | None
    stale: bool
    synthesized: bool
    provenance: str | None
    log_sha256: str
    log_bytes: int
    log_lines: int
    firmware_sha256: str | None
    firmware_metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    url: str
    status_url: str
    result_url: str
    latest_run: RunPublic | None = None


class BootListPublic(BaseModel):
    data: list[BootPublic]
    count: int
    limit: int
    offset: int


class FindingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rule_id: str
    severity: str
    title: str
    explanation: str
    advice: str
    lines: list[int]
    count: int
    fingerprint: str
    key: str | None


class FindingListPublic(BaseModel):
    boot_id: int
    data: list[FindingPublic]
    count: int


class DeviceStatPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    device: str
    attribution_method: str | None
    maps_by_operation: dict[str, Any]
    bytes: int
    pages: int
    bounce_bytes: int
    transitions: int
    peak_shared_pages: int
    shared_page_time: float | None


class DeviceStatListPublic(BaseModel):
    boot_id: int
    data: list[DeviceStatPublic]
    count: int


class LogSearchHitPublic(BaseModel):
    line: int = Field(description="1-based line number")
    text: str = Field(description="the line, cut to 300 characters")


class LogSearchPublic(BaseModel):
    boot_id: int
    q: str
    ignore_case: bool
    start: int = Field(description="first line searched")
    hits: list[LogSearchHitPublic]
    count: int = Field(description="hits returned")
    capped: bool = Field(description="the search stopped early: there may be more hits")
    stopped: Literal["end", "hits", "bytes"] = Field(
        description="end of the log, the hit limit, or the bytes-read limit"
    )
    next_line: int | None = Field(description="search on from here (null at the end)")
    bytes_scanned: int
    total_lines: int


class ReanalyseStalePublic(BaseModel):
    queued: list[int] = Field(description="ids of the boots queued for analysis")
    count: int


class LoginRequest(BaseModel):
    username: Text = Field(min_length=1, max_length=100)
    password: Text = Field(min_length=1, max_length=1000)


class UserPublic(BaseModel):
    username: str
    is_admin: bool
    roles: dict[str, str] = Field(description="project name -> role")
    csrf_token: str | None = None


class ProjectPublic(BaseModel):
    name: str
    public_read: bool
    permissions: list[str]


class ProjectListPublic(BaseModel):
    data: list[ProjectPublic]
    count: int


class HealthPublic(BaseModel):
    status: Literal["ok"]
    database: str
    job_backend: str
    engine_version: str
    engine_build: Literal["compiled", "pure"]
    compiled_modules: list[str]
