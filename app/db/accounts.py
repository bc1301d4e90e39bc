"""API tokens and user accounts.

Tokens are 256-bit random secrets, so a plain sha256 of the secret is a safe lookup key (a slow
hash buys nothing against brute force of 2**256); passwords are low-entropy and get argon2.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import ROLES, SCOPES, ApiToken, Membership, Project, User

TOKEN_PREFIX = "cvmr_"
_hasher = PasswordHasher()


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str | Iterable[str]) -> tuple[str, ...]:
    """Validated, ordered scopes from ``"upload,read"`` or an iterable (ValueError if unknown)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {item.strip() for item in items if item.strip()}
    unknown = wanted - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(sorted(unknown))}; use {', '.join(SCOPES)}")
    if not wanted:
        raise ValueError("give at least one scope")
    return tuple(s for s in SCOPES if s in wanted)


def create_token(
    session: Session, *, project: Project, scopes: Iterable[str], name: str = ""
) -> tuple[ApiToken, str]:
    """A new token for ``project``; the secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        project_id=project.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        scopes=",".join(parse_scopes(scopes)),
    )
    session.add(token)
    session.flush()
    return token, secret


def get_token(session: Session, *, secret: str) -> ApiToken | None:
    """The live token with this secret, or None."""
    stmt = select(ApiToken).where(
        ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None)
    )
    return session.scalar(stmt)


def revoke_token(session: Session, *, token: ApiToken) -> None:
    token.revoked_at = utcnow()


def list_tokens(
    session: Session, *, project: str | None = None, include_revoked: bool = False
) -> list[ApiToken]:
    """Tokens (never their secrets), oldest first; only ``project``'s when given."""
    stmt = select(ApiToken).join(ApiToken.project).order_by(ApiToken.id)
    if project is not None:
        stmt = stmt.where(Project.name == project)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(stmt))


def get_token_by_id(session: Session, *, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, *, username: str, password: str, is_admin: bool = False) -> User:
    if len(password) < 8:
        raise ValueError("passwords need at least 8 characters")
    user = User(
        username=username,
        password_hash=hash_password(password),
        is_admin=is_admin,
        session_version=1,
    )
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, *, user: User) -> None:
    """Revoke every session cookie of ``user``: cookies carry the version they were issued
    under, and ``resolve_principal`` accepts only the current one."""
    row = session.get(User, user.id)
    if row is not None:
        row.session_version = (row.session_version or 0) + 1
        session.flush()


def set_password(session: Session, *, user: User, password: str) -> None:
    """A new password ends the sessions signed in with the old one."""
    if len(password) < 8:
        raise ValueError("passwords need at least 8 characters")
    row = session.get(User, user.id)
    if row is None:
        raise ValueError(f"no user {user.username!r}")
    row.password_hash = hash_password(password)
    end_sessions(session, user=row)


def get_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get_user_by_id(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def authenticate_user(session: Session, *, username: str, password: str) -> User | None:
    """The user if the password matches; rehashes when argon2 parameters changed."""
    user = get_user(session, username=username)
    if user is None:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_role(session: Session, *, user: User, project: Project, role: str) -> Membership:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use {', '.join(ROLES)}")
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.project_id == project.id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, project_id=project.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def get_roles(session: Session, *, user: User) -> dict[int, str]:
    """``{project_id: role}`` for a user."""
    rows = session.execute(
        select(Membership.project_id, Membership.role).where(Membership.user_id == user.id)
    )
    return {project_id: role for project_id, role in rows}
