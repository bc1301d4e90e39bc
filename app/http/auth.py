"""Who is asking, over HTTP: Bearer tokens, session cookies, CSRF (for the API and the pages).

Machines send ``Authorization: Bearer <token>``; people sign in and get a signed, HttpOnly,
SameSite session cookie, and every cookie-authenticated write carries a CSRF token. What the
caller may then do is ``app.service.permissions.Principal``'s business; this module only
finds out who the caller is. It lives in ``app.http`` because both the API and the pages need
it and they may not import each other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import accounts
from app.db.models import User
from app.service.errors import Forbidden, InvalidToken
from app.service.permissions import Principal

SESSION_COOKIE = "cvmreview_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="cvmreview-session")


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def resolve_principal(request: Request, session: Session, settings: Settings) -> Principal:
    """The caller of ``request``; ``InvalidToken`` for a bad token (never silently anonymous)."""
    secret = bearer_secret(request)
    if secret is not None:
        token = accounts.get_token(session, secret=secret)
        if token is None:
            raise InvalidToken("invalid or revoked API token")
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


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def require_same_origin(request: Request, settings: Settings) -> None:
    """``Forbidden`` for a browser request sent from another site (login CSRF: a foreign page
    posting its own credentials would sign the victim in as the attacker). Browsers send
    ``Origin`` (or at least ``Referer``) on cross-site posts; a client that sends neither is
    not a browser acting for someone else and passes."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent:
        return
    allowed = {_origin_of(str(request.base_url))}
    if settings.public_url:
        allowed.add(_origin_of(settings.public_url))
    if sent == "null" or _origin_of(sent) not in allowed:
        raise Forbidden("cross-origin sign-in refused: post from this site's own page")


def _csrf_for(nonce: str, settings: Settings) -> str:
    key = hashlib.sha256(("csrf:" + settings.secret_key).encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_token(principal: Principal, settings: Settings) -> str | None:
    """The token a page embeds in its forms (None when nobody is signed in)."""
    if principal.session_nonce is None:
        return None
    return _csrf_for(principal.session_nonce, settings)


def verify_csrf(principal: Principal, token: str | None, settings: Settings) -> None:
    """``Forbidden`` unless ``token`` matches the signed-in session (cookie-based writes)."""
    expected = csrf_token(principal, settings)
    if expected is None or not token or not hmac.compare_digest(expected, token):
        raise Forbidden("missing or wrong CSRF token")
