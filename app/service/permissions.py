"""Who may do what: the permissions of a caller (token, signed-in user or nobody) per project.

Machines hold an API token of one project with scopes (upload, read, admin). People hold a
role per project (viewer < reviewer < admin). Everyone may read a project whose
``public_read`` is on -- except tokens, which are confined to their own project. ``review``
(comment, set statuses, mark known issues) is for people only: a comment has an author, so a
token never reviews, whatever its scopes.

The one place these rules live; the API, the pages and the CLI all ask ``Principal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.db import queries
from app.db.models import ApiToken, Boot, Project, User
from app.service.errors import Forbidden, NotFound, SignInRequired

READ, UPLOAD, REVIEW, ADMIN = "read", "upload", "review", "admin"
ROLE_PERMISSIONS = {
    "viewer": frozenset({READ}),
    "reviewer": frozenset({READ, UPLOAD, REVIEW}),
    "admin": frozenset({READ, UPLOAD, REVIEW, ADMIN}),
}
PERSON_ONLY = frozenset({REVIEW})
TOKEN_ADMIN = ROLE_PERMISSIONS["admin"] - PERSON_ONLY


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
            return TOKEN_ADMIN if ADMIN in scopes else scopes - PERSON_ONLY
        granted: set[str] = {READ} if project.public_read else set()
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
            return [self.token.project_id] if scopes & {READ, ADMIN} else []
        if self.user is not None and self.user.is_admin:
            return None
        ids = set(queries.list_public_project_ids(session))
        ids |= set(self.roles)
        return sorted(ids)

    def require(self, project: Project, permission: str) -> None:
        """``SignInRequired`` (nobody signed in) or ``Forbidden`` unless granted."""
        if self.can(project, permission):
            return
        if self.is_anonymous:
            raise SignInRequired("sign in or send an API token (Authorization: Bearer ...)")
        raise Forbidden(f"no {permission} permission on project {project.name!r}")

    def require_reviewer(self, project: Project) -> User:
        """The signed-in person holding ``review`` on ``project`` (a token never does)."""
        if self.user is None:
            raise SignInRequired("sign in as a reviewer to do this")
        if not self.can(project, REVIEW):
            raise Forbidden(f"needs the reviewer role in project {project.name!r}")
        return self.user


def readable_boot(session: Session, principal: Principal, boot_id: int) -> Boot:
    """The boot if the caller may read it. Otherwise the same answer whether or not it exists
    (existence is not revealed): ``SignInRequired`` for an anonymous caller, who may see it
    after signing in, ``NotFound`` for everyone else."""
    boot = queries.get_boot(session, boot_id=boot_id)
    if boot is not None and principal.can(boot.project, READ):
        return boot
    if principal.is_anonymous:
        raise SignInRequired("sign in or send an API token (Authorization: Bearer ...)")
    raise NotFound(f"no boot {boot_id}")


def upload_project(session: Session, principal: Principal, name: str) -> Project:
    """The project ``name`` if the caller may upload to it. A project the caller cannot see
    is answered like one that does not exist (``NotFound``, ``SignInRequired`` when
    anonymous); ``Forbidden`` only where the caller may read but not upload."""
    project = queries.get_project(session, name=name.strip())
    visible = project is not None and bool(principal.permissions(project) & {READ, UPLOAD})
    if project is None or not visible:
        if principal.is_anonymous:
            raise SignInRequired("sign in or send an API token (Authorization: Bearer ...)")
        raise NotFound("no such project (or no access to it)")
    principal.require(project, UPLOAD)
    return project
