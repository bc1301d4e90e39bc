"""Who is looking at a page, and what the page may show or let them do.

Pages ask the same ``Principal`` as the API (``app.service.permissions``: tokens, session
cookies, project roles), so the two can never disagree about access. Missing access on a page
is a ``PageError``, rendered as an HTML page (with a sign-in link for anonymous visitors)
instead of the API's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.analysis.document import ResultDocument
from app.db.models import Boot, Project
from app.http.auth import csrf_token, resolve_principal
from app.http.deps import SessionDep, SettingsDep
from app.http.errors import status_of
from app.service.errors import NotFound, ServiceError
from app.service.permissions import READ, REVIEW, UPLOAD, Principal, readable_boot
from app.service.results import StaleResult, get_result


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
        return self.principal.can(project, READ)

    def can_upload(self, project: Project) -> bool:
        """The page's upload form is for people (machines use the API with a token)."""
        return self.principal.user is not None and self.principal.can(project, UPLOAD)

    def can_review(self, project: Project) -> bool:
        """Reviewers and admins comment and set statuses; a person, never a token."""
        return self.principal.can(project, REVIEW)


def get_viewer(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    try:
        principal = resolve_principal(request, session, settings)
    except ServiceError as exc:
        raise PageError(status_of(exc), exc.message) from None
    viewer = Viewer(principal, csrf_token(principal, settings))
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def load_boot(session: SessionDep, viewer: Viewer, boot_id: int) -> Boot:
    """The boot if the viewer may read it; a 404 page otherwise (or 401 for anonymous)."""
    try:
        return readable_boot(session, viewer.principal, boot_id)
    except NotFound:
        raise PageError(404, f"There is no boot {boot_id}.") from None
    except ServiceError:
        raise PageError(401, "Sign in to see this boot.") from None


def load_result(
    session: SessionDep, viewer: Viewer, boot_id: int, label: str = ""
) -> tuple[Boot, ResultDocument]:
    """The boot and its result document, for pages that need one (compare, blame): a 409
    page while it has none or it is stale."""
    boot = load_boot(session, viewer, boot_id)
    name = f"Boot {boot_id}" + (f" ({label})" if label else "")
    try:
        document = get_result(session, boot)
    except StaleResult as exc:
        raise PageError(409, f"{name}: {exc.message}.") from None
    if document is None:
        raise PageError(409, f"{name} has no result yet: it is {boot.status}.")
    return boot, document
