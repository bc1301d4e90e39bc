"""Who is looking at a page, and what the page may show or let them do.

Pages reuse the API's ``Principal`` (tokens, session cookies, project roles), so the two can
never disagree about access. Missing access on a page is a ``PageError``, rendered as an HTML
page (with a sign-in link for anonymous visitors) instead of the API's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.api.auth import Principal, csrf_token, resolve_principal
from app.api.deps import SessionDep, SettingsDep
from app.db import queries
from app.db.models import Boot, Project

REVIEW_ROLES = frozenset({"reviewer", "admin"})


class PageError(Exception):
    """An HTTP error a page shows as HTML."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass
class Viewer:
    """The principal of a page request plus the CSRF token its forms send back."""

    principal: Principal
    csrf: str | None

    @property
    def username(self) -> str | None:
        return self.principal.user.username if self.principal.user else None

    @property
    def signed_in(self) -> bool:
        return self.principal.user is not None

    def can_read(self, project: Project) -> bool:
        return self.principal.can(project, "read")

    def can_upload(self, project: Project) -> bool:
        return self.principal.user is not None and self.principal.can(project, "upload")

    def can_review(self, project: Project) -> bool:
        """Reviewers and admins comment and set statuses; a person, never a token."""
        user = self.principal.user
        if user is None:
            return False
        return user.is_admin or self.principal.roles.get(project.id) in REVIEW_ROLES


def get_viewer(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    try:
        principal = resolve_principal(request, session, settings)
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None
    viewer = Viewer(principal, csrf_token(principal, settings))
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def load_boot(session: SessionDep, viewer: Viewer, boot_id: int) -> Boot:
    """The boot if the viewer may read it; a 404 page otherwise (or 401 for anonymous)."""
    boot = queries.get_boot(session, boot_id=boot_id)
    if boot is None:
        raise PageError(404, f"There is no boot {boot_id}.")
    if not viewer.can_read(boot.project):
        if not viewer.signed_in:
            raise PageError(401, "Sign in to see this boot.")
        raise PageError(404, f"There is no boot {boot_id}.")
    return boot
