"""Sign-in for people: a session cookie (HttpOnly, SameSite=Lax) and its CSRF token.

The password check (argon2) runs in a worker thread under ``LoginThrottle``, which also locks
out a username and address after repeated failures, so sign-in can neither stall the event
loop nor be brute-forced at full speed.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi import status as http
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.api.schemas import LoginRequest, UserPublic
from app.db import accounts, queries
from app.db.models import User
from app.db.session import Database
from app.http.auth import csrf_token, end_session, require_same_origin, start_session
from app.http.deps import CurrentUser, DbDep, PrincipalDep, SessionDep, SettingsDep, ThrottleDep

router = APIRouter(prefix="/auth", tags=["auth"])


def _user_public(session: Session, user: User, csrf: str | None) -> UserPublic:
    roles = accounts.get_roles(session, user=user)
    names = {p.id: p.name for p in queries.list_projects(session, project_ids=list(roles))}
    return UserPublic(
        username=user.username,
        is_admin=user.is_admin,
        roles={names[pid]: role for pid, role in roles.items() if pid in names},
        csrf_token=csrf,
    )


async def _login_body(request: Request) -> LoginRequest:
    """The credentials of a JSON object or a form; 422 for anything else."""
    raw: Any
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            raw = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": "the body is not JSON"}]
            ) from None
    else:
        form = await request.form()
        raw = {key: form[key] for key in ("username", "password") if isinstance(form.get(key), str)}
    if not isinstance(raw, dict):
        raise RequestValidationError(
            [{"type": "dict_type", "loc": ("body",), "msg": "send a JSON object"}]
        )
    try:
        return LoginRequest.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from None


def _check_password(db: Database, body: LoginRequest) -> User | None:
    with db.write() as write:
        return accounts.authenticate_user(write, username=body.username, password=body.password)


@router.post(
    "/login",
    response_model=UserPublic,
    responses={
        401: {"description": "wrong username or password"},
        403: {"description": "posted from another site"},
        429: {"description": "too many failed sign-ins: wait Retry-After seconds"},
    },
)
async def login(
    request: Request, response: Response, db: DbDep, settings: SettingsDep, throttle: ThrottleDep
) -> UserPublic:
    """Check a username and password (JSON or form) and set the session cookie."""
    require_same_origin(request, settings)
    body = await _login_body(request)
    key = throttle.key(request, body.username)
    throttle.check(key)
    user = await throttle.run_hashing(lambda: _check_password(db, body))
    if user is None:
        throttle.failed(key)
        raise HTTPException(http.HTTP_401_UNAUTHORIZED, "wrong username or password")
    throttle.succeeded(key)
    csrf = start_session(response, user, settings)
    return await run_in_threadpool(_signed_in, db, user, csrf)


def _signed_in(db: Database, user: User, csrf: str) -> UserPublic:
    with db.read() as session:
        return _user_public(session, user, csrf)


@router.post("/logout", status_code=http.HTTP_204_NO_CONTENT)
def logout(principal: PrincipalDep, db: DbDep, settings: SettingsDep) -> Response:
    """End the session server-side and clear its cookie (the CSRF header is checked like for
    any write). Every session of the user ends: a copied cookie is worthless afterwards."""
    if principal.user is not None:
        with db.write() as write:
            accounts.end_sessions(write, user=principal.user)
    response = Response(status_code=http.HTTP_204_NO_CONTENT)
    end_session(response, settings)
    return response


@router.get("/me", response_model=UserPublic)
def me(
    user: CurrentUser, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    """The signed-in user, their roles and the CSRF token for writes."""
    return _user_public(session, user, csrf_token(principal, settings))
