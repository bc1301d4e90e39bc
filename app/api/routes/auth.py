"""Sign-in for people: a session cookie (HttpOnly, SameSite=Lax) and its CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi import status as http

from app.api.schemas import LoginRequest, UserPublic
from app.db import accounts, queries
from app.db.models import User
from app.http.auth import csrf_token, end_session, start_session
from app.http.deps import CurrentUser, DbDep, PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


def _user_public(session: SessionDep, user: User, csrf: str | None) -> UserPublic:
    roles = accounts.get_roles(session, user=user)
    names = {p.id: p.name for p in queries.list_projects(session, project_ids=list(roles))}
    return UserPublic(
        username=user.username,
        is_admin=user.is_admin,
        roles={names[pid]: role for pid, role in roles.items() if pid in names},
        csrf_token=csrf,
    )


@router.post("/login", response_model=UserPublic)
async def login(
    request: Request, response: Response, db: DbDep, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    """Check a username and password (JSON or form) and set the session cookie."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = LoginRequest.model_validate(await request.json())
    else:
        form = await request.form()
        body = LoginRequest(
            username=str(form.get("username", "")), password=str(form.get("password", ""))
        )
    with db.write() as write:
        user = accounts.authenticate_user(write, username=body.username, password=body.password)
    if user is None:
        raise HTTPException(http.HTTP_401_UNAUTHORIZED, "wrong username or password")
    csrf = start_session(response, user, settings)
    return _user_public(session, user, csrf)


@router.post("/logout", status_code=http.HTTP_204_NO_CONTENT)
def logout(principal: PrincipalDep, settings: SettingsDep) -> Response:
    """Clear the session cookie (the CSRF header is checked like for any write)."""
    response = Response(status_code=http.HTTP_204_NO_CONTENT)
    end_session(response, settings)
    return response


@router.get("/me", response_model=UserPublic)
def me(
    user: CurrentUser, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    """The signed-in user, their roles and the CSRF token for writes."""
    return _user_public(session, user, csrf_token(principal, settings))
