"""Ingest a boot: validate its fields, stage its blobs, store it with a queued run, poke the
queue. The one implementation behind the upload endpoint, ``cvmreview demo`` and the tests.

Everything is checked before the database is touched (sizes, gzip limits, that the log is a
log, JSON and field lengths), so a refused upload leaves nothing behind. Then the blobs, the
boot and its queued run are written in one transaction, and only then is the job queue poked:
a crash or a database outage at any point leaves either nothing or a complete, queued boot.
``origin_id`` makes ingestion idempotent per project: a repeat gives back the boot that exists.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy.exc import IntegrityError

from app.analysis.host.analysis import host_trace_refusal
from app.analysis.report import refusal
from app.config import Settings
from app.db import queries
from app.db.blobs import BlobRejected, BlobTooLarge, Limits, StagedBlob, stage_upload
from app.db.models import Boot, Project
from app.db.queries import BootFields
from app.db.session import Database
from app.service.baseline import check_named_baseline
from app.service.errors import Invalid, TooLarge
from app.service.processing import JobQueue
from app.service.verdict import PolicyOverrides

MAX_TAGS = 32
MAX_METADATA_BYTES = 1024 * 1024
MAX_METADATA_DEPTH = 32  # firmware metadata is flat; a deep one is an attack on recursion
FIELD_LIMITS = {"name": 255, "branch": 255, "commit": 64, "ci_url": 2000, "origin_id": 255}


def limits_of(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_upload_bytes,
        max_decompressed=settings.max_decompressed_bytes,
        max_ratio=settings.max_gzip_ratio,
    )


def stage_file(stream: BinaryIO, limits: Limits, *, what: str, gunzip: bool) -> StagedBlob:
    """Stage one uploaded file; ``TooLarge`` when over a limit, ``Invalid`` when unusable."""
    try:
        return stage_upload(stream, limits=limits, gunzip=gunzip)
    except BlobTooLarge as exc:
        raise TooLarge(f"{what}: {exc}") from None
    except BlobRejected as exc:
        raise Invalid(f"{what}: {exc}") from None


def refuse_non_log(staged: StagedBlob) -> None:
    """``Invalid`` when the staged log is not a log at all (a firmware image, binary data, or
    text without a single line the engine knows), judged on its first stored chunk."""
    head = zlib.decompress(staged.chunks[0].data, 31)
    reason = refusal(head, complete=len(staged.chunks) == 1)
    if reason is not None:
        raise Invalid(f"log: {reason}")


def refuse_non_trace(staged: StagedBlob) -> None:
    """``Invalid`` when the staged host trace holds no QEMU trace line in its first chunk."""
    reason = host_trace_refusal(zlib.decompress(staged.chunks[0].data, 31))
    if reason is not None:
        raise Invalid(f"host_trace: {reason}")


def parse_metadata(stream: BinaryIO) -> dict[str, Any]:
    data = stream.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise TooLarge("firmware_metadata is over 1 MiB")
    try:
        value = json.loads(data)
    except RecursionError:
        raise Invalid(f"firmware_metadata nests deeper than {MAX_METADATA_DEPTH} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"firmware_metadata is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Invalid("firmware_metadata must be a JSON object")
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """``Invalid`` when ``value`` nests deeper than ``MAX_METADATA_DEPTH`` or holds a NUL in a
    key or string (walked iteratively: a recursive walk would be what the attack aims at)."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, str):
            check_text("firmware_metadata", item)
        elif isinstance(item, dict | list):
            if depth > MAX_METADATA_DEPTH:
                raise Invalid(f"firmware_metadata nests deeper than {MAX_METADATA_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)


def check_text(what: str, value: str | None) -> None:
    """``Invalid`` for a NUL character: PostgreSQL cannot store one in text, SQLite can, so
    both refuse it here, the same way."""
    if value is not None and "\x00" in value:
        raise Invalid(f"{what} holds a NUL character")


def parse_tags(text: str | None) -> tuple[str, ...]:
    tags = tuple(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > 64 for t in tags):
        raise Invalid(f"at most {MAX_TAGS} tags of 64 characters")
    return tags


def build_fields(
    *,
    name: str | None,
    filename: str | None,
    branch: str | None,
    commit: str | None,
    ci_url: str | None,
    tags: str | None,
    origin_id: str | None,
    firmware_metadata: dict[str, Any] | None,
    baseline_id: int | None = None,
    overrides: PolicyOverrides | None = None,
) -> BootFields:
    """Validated, trimmed boot fields; ``Invalid`` names the offending field."""
    values = {
        "name": (name or filename or "boot log").strip() or "boot log",
        "branch": (branch or "").strip() or None,
        "commit": (commit or "").strip() or None,
        "ci_url": (ci_url or "").strip() or None,
        "origin_id": (origin_id or "").strip() or None,
    }
    check_text("tags", tags)
    for key, limit in FIELD_LIMITS.items():
        value = values[key]
        check_text(key, value)
        if value is not None and len(value) > limit:
            raise Invalid(f"{key} is longer than {limit} characters")
    ci = values["ci_url"]
    if ci is not None and not ci.startswith(("http://", "https://")):
        raise Invalid("ci_url must be http(s)")
    return BootFields(
        name=values["name"] or "boot log",
        branch=values["branch"],
        commit=values["commit"],
        ci_url=ci,
        tags=parse_tags(tags),
        origin_id=values["origin_id"],
        firmware_metadata=firmware_metadata,
        baseline_id=baseline_id,
        policy_overrides=overrides.to_json() if overrides else None,
    )


@dataclass(frozen=True)
class Ingested:
    """What ingestion did: the boot (new, or the one ``origin_id`` matched) and its run."""

    boot_id: int
    status: str
    existing: bool
    run_id: int | None = None


def project_named(db: Database, name: str, *, public_read: bool = False) -> Project:
    """The project ``name``, created when missing (the demo loader, tests and benchmarks;
    uploads over the API go only to projects that exist)."""
    with db.write() as session:
        return queries.get_or_create_project(session, name=name, public_read=public_read)


def _ingested(boot: Boot, *, run_id: int | None = None) -> Ingested:
    return Ingested(boot.id, boot.status, existing=run_id is None, run_id=run_id)


def _existing(db: Database, project_id: int, origin_id: str) -> Boot | None:
    with db.read() as session:
        return queries.get_boot_by_origin(session, project_id=project_id, origin_id=origin_id)


def ingest_boot(
    db: Database,
    *,
    project: Project,
    fields: BootFields,
    log: BinaryIO,
    limits: Limits,
    firmware: BinaryIO | None = None,
    queue: JobQueue | None = None,
    host_trace: BinaryIO | None = None,
) -> Ingested:
    """Store a boot of ``log`` (plain or gzip), ``firmware`` and ``host_trace`` (QEMU's trace
    output captured apart from the log, plain or gzip) in ``project`` with a queued run, then
    enqueue it on ``queue`` (None: the caller processes the run itself).

    A repeated ``origin_id`` gives back the existing boot, also when two uploads race (the
    unique index decides, the loser reads the winner's boot)."""
    origin = fields.origin_id
    if origin and (found := _existing(db, project.id, origin)) is not None:
        return _ingested(found)
    staged_log = stage_file(log, limits, what="log", gunzip=True)
    refuse_non_log(staged_log)
    staged_fw = stage_file(firmware, limits, what="firmware", gunzip=False) if firmware else None
    staged_trace = (
        stage_file(host_trace, limits, what="host_trace", gunzip=True) if host_trace else None
    )
    if staged_trace is not None:
        refuse_non_trace(staged_trace)
    try:
        with db.write() as write:
            if origin:
                found = queries.get_boot_by_origin(write, project_id=project.id, origin_id=origin)
                if found is not None:
                    return _ingested(found)
            check_named_baseline(write, project_id=project.id, baseline_id=fields.baseline_id)
            boot, run = queries.create_boot(
                write,
                project=project,
                fields=fields,
                log=staged_log,
                firmware=staged_fw,
                host_trace=staged_trace,
            )
            ingested = _ingested(boot, run_id=run.id)
    except IntegrityError:
        if not origin or (found := _existing(db, project.id, origin)) is None:
            raise
        return _ingested(found)
    if queue is not None and ingested.run_id is not None:
        queue.enqueue([ingested.run_id])
    return ingested
