"""FastAPI dependencies as ``Annotated`` aliases: settings, database, queue, caller.

The application keeps its ``Settings``, ``Database`` and job queue on ``app.state`` (set by
``create_app``), so tests swap them by building another app, never by patching globals.
Shared by the API and the pages (see ``app.http``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import User
from app.db.session import Database
from app.http.auth import resolve_principal
from app.http.throttle import LoginThrottle
from app.service.errors import SignInRequired
from app.service.permissions import Principal
from app.service.processing import JobQueue


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.queue
    return queue


def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
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
    """The signed-in user (for pages and endpoints that need a person)."""
    if principal.user is None:
        raise SignInRequired("sign in first")
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]
