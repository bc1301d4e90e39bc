"""FastAPI dependencies as ``Annotated`` aliases: settings, database, queue, caller.

The application keeps its ``Settings``, ``Database`` and job queue on ``app.state`` (set by
``create_app``), so tests swap them by building another app, never by patching globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from app.api.auth import Principal, resolve_principal
from app.config import Settings
from app.db import queries
from app.db.models import Boot, User
from app.db.session import Database
from app.jobs.queue import JobQueue


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.queue
    return queue


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]


def get_session(db: DbDep) -> Iterator[Session]:
    """A read session for the request (writes open ``db.write()`` explicitly)."""
    with db.read() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    return resolve_principal(request, session, settings)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_current_user(principal: PrincipalDep) -> User:
    """The signed-in user, or 401 (for pages and endpoints that need a person)."""
    if principal.user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_readable_boot(boot_id: int, session: SessionDep, principal: PrincipalDep) -> Boot:
    """The boot if the caller may read it; 404 otherwise (existence is not revealed)."""
    boot = queries.get_boot(session, boot_id=boot_id)
    if boot is None or not principal.can(boot.project, "read"):
        if boot is not None and principal.is_anonymous:
            principal.require(boot.project, "read")
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no boot {boot_id}")
    return boot


ReadableBoot = Annotated[Boot, Depends(get_readable_boot)]
