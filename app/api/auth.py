"""Who is asking and what they may do: Bearer tokens, session cookies, CSRF.

Machines send ``Authorization: Bearer <token>``; a token belongs to one project and carries
scopes (upload, read, admin). People sign in and get a signed, HttpOnly, SameSite session
cookie; they hold a role per project (viewer < reviewer < admin). Everyone may read a project
whose ``public_read`` is on -- except tokens, which are confined to their own project.

The HTML pages reuse ``Principal``, ``get_current_user``, the cookie helpers and
``csrf_token``/``verify_csrf`` from here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, Response, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import accounts, queries
from app.db.base import utcnow
from app.db.models import ApiToken, Project, User

SESSION_COOKIE = "cvmreview_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLE_PERMISSIONS = {
    "viewer": frozenset({"read"}),
    "reviewer": frozenset({"read", "upload"}),
    "admin": frozenset({"read", "upload", "admin"}),
}


@dataclass
class Principal:
    """The caller of one request: a token, a signed-in user, or nobody."""

    token: ApiToken | None = None
    user: User | None = None
    roles: dict[int, str] = field(default_factory=dict)
    session_nonce: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.token is None and self.user is None

    def permissions(self, project: Project) -> frozenset[str]:
        if self.token is not None:
            if self.token.project_id != project.id:
                return frozenset()
            scopes = self.token.scope_set
            return ROLE_PERMISSIONS["admin"] if "admin" in scopes else scopes
        granted: set[str] = {"read"} if project.public_read else set()
        if self.user is not None:
            if self.user.is_admin:
                return ROLE_PERMISSIONS["admin"]
            granted |= ROLE_PERMISSIONS.get(self.roles.get(project.id, ""), frozenset())
        return frozenset(granted)

    def can(self, project: Project, permission: str) -> bool:
        return permission in self.permissions(project)

    def readable_project_ids(self, session: Session) -> list[int] | None:
        """Projects whose boots this caller may list; None means all of them."""
        if self.token is not None:
            scopes = self.token.scope_set
            return [self.token.project_id] if scopes & {"read", "admin"} else []
        if self.user is not None and self.user.is_admin:
            return None
        ids = set(queries.list_public_project_ids(session))
        ids |= set(self.roles)
        return sorted(ids)

    def require(self, project: Project, permission: str) -> None:
        """Raise 401 (nobody signed in) or 403 unless ``permission`` is granted."""
        if self.can(project, permission):
            return
        if self.is_anonymous:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "sign in or send an API token (Authorization: Bearer ...)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"no {permission} permission on project {project.name!r}"
        )


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="cvmreview-session")


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def resolve_principal(request: Request, session: Session, settings: Settings) -> Principal:
    """The caller of ``request``; 401 for a bad token (never silently anonymous)."""
    secret = bearer_secret(request)
    if secret is not None:
        token = accounts.get_token(session, secret=secret)
        if token is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid or revoked API token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return Principal(token=token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return Principal()
    try:
        data = _serializer(settings).loads(cookie, max_age=settings.session_max_age)
        user = accounts.get_user_by_id(session, user_id=int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return Principal()
    if user is None or user.session_version != data.get("v"):
        return Principal()
    principal = Principal(
        user=user, roles=accounts.get_roles(session, user=user), session_nonce=str(data["n"])
    )
    if request.method not in SAFE_METHODS:
        verify_csrf(principal, request.headers.get(CSRF_HEADER), settings)
    return principal


def start_session(response: Response, user: User, settings: Settings) -> str:
    """Set the session cookie for ``user``; returns the CSRF token that goes with it."""
    nonce = secrets.token_urlsafe(16)
    value = _serializer(settings).dumps({"u": user.id, "v": user.session_version, "n": nonce})
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return _csrf_for(nonce, settings)


def end_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


def _csrf_for(nonce: str, settings: Settings) -> str:
    key = hashlib.sha256(("csrf:" + settings.secret_key).encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_token(principal: Principal, settings: Settings) -> str | None:
    """The token a page embeds in its forms (None when nobody is signed in)."""
    if principal.session_nonce is None:
        return None
    return _csrf_for(principal.session_nonce, settings)


def verify_csrf(principal: Principal, token: str | None, settings: Settings) -> None:
    """403 unless ``token`` matches the signed-in session (cookie-authenticated writes)."""
    expected = csrf_token(principal, settings)
    if expected is None or not token or not hmac.compare_digest(expected, token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")


def touch_token(session: Session, token: ApiToken) -> None:
    token.last_used_at = utcnow()
