"""The permission table of ``app.service.permissions``: roles, tokens, public projects.

Pure: the rows are built in memory, no database. The API and page tests check the same rules
end to end; this one names every cell, ``review`` included.
"""

from __future__ import annotations

import pytest

from app.db.models import ApiToken, Project, User
from app.service.errors import Forbidden, SignInRequired
from app.service.permissions import Principal

PUBLIC = Project(id=1, name="open", public_read=True)
PRIVATE = Project(id=2, name="closed", public_read=False)


def person(role: str | None = None, *, admin: bool = False) -> Principal:
    user = User(id=7, username="ann", is_admin=admin)
    return Principal(user=user, roles={PRIVATE.id: role} if role else {})


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (Principal(), set()),
        (person(), set()),
        (person("viewer"), {"read"}),
        (person("reviewer"), {"read", "upload", "review"}),
        (person("admin"), {"read", "upload", "review", "admin"}),
        (person(admin=True), {"read", "upload", "review", "admin"}),
        (
            Principal(token=ApiToken(project_id=PRIVATE.id, scopes="upload,read")),
            {"read", "upload"},
        ),
        (
            Principal(token=ApiToken(project_id=PRIVATE.id, scopes="admin")),
            {"read", "upload", "admin"},
        ),
        (Principal(token=ApiToken(project_id=PRIVATE.id, scopes="read,review")), {"read"}),
        (Principal(token=ApiToken(project_id=PUBLIC.id, scopes="admin")), set()),
    ],
)
def test_permissions_on_a_private_project(principal: Principal, expected: set[str]) -> None:
    assert principal.permissions(PRIVATE) == expected


def test_public_projects_are_readable_by_people_and_nobody_but_not_by_other_tokens() -> None:
    assert Principal().permissions(PUBLIC) == {"read"}
    assert person("reviewer").permissions(PUBLIC) == {"read"}  # the role is in another project
    token = Principal(token=ApiToken(project_id=PRIVATE.id, scopes="read"))
    assert token.permissions(PUBLIC) == frozenset()


def test_review_needs_a_person_with_the_role() -> None:
    assert person("reviewer").require_reviewer(PRIVATE).username == "ann"
    with pytest.raises(SignInRequired):
        Principal().require_reviewer(PRIVATE)
    with pytest.raises(SignInRequired):  # a token never reviews, whatever its scopes
        Principal(token=ApiToken(project_id=PRIVATE.id, scopes="admin")).require_reviewer(PRIVATE)
    with pytest.raises(Forbidden, match="reviewer role"):
        person("viewer").require_reviewer(PRIVATE)
