"""Team review: comments, finding statuses kept across re-analysis, known issues, and who
may write (reviewers and admins, signed in, with the CSRF token)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import BootMaker, sign_in, synthesized_log

LEAK = "sev-legacy-202211-leak"


def leak_finding(client: Any, boot: int) -> dict[str, Any]:
    findings = client.get(f"/api/v1/boots/{boot}/findings").json()["data"]
    finding: dict[str, Any] = next(f for f in findings if f["rule_id"] == "IOMMU-001")
    return finding


def test_comment_on_boot_finding_and_line_survives_reload(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None]
) -> None:
    boot = make_boot(synthesized_log(LEAK), name="leaky")
    make_user("rita", "reviewer")
    csrf = sign_in(web_client, "rita")
    headers = {"X-CSRF-Token": csrf}
    fingerprint = leak_finding(web_client, boot)["fingerprint"]
    line = leak_finding(web_client, boot)["lines"][0]
    for body in (
        {"body": "Looks like the blk driver again."},
        {"body": "Owner: storage team", "fingerprint": fingerprint},
        {"body": "This Map is never unmapped", "line": line},
    ):
        response = web_client.post(f"/api/v1/boots/{boot}/comments", json=body, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["author"] == "rita"
    page = web_client.get(f"/boots/{boot}").text
    assert "Looks like the blk driver again." in page
    finding_html = page.split(f'id="finding-{fingerprint}"')[1].split("</article>")[0]
    assert "Owner: storage team" in finding_html
    log = web_client.get(f"/boots/{boot}/log?line={line}").text
    assert "This Map is never unmapped" in log
    listed = web_client.get(f"/api/v1/boots/{boot}/comments").json()
    assert listed["count"] == 3


def test_status_survives_reanalysis(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None]
) -> None:
    boot = make_boot(synthesized_log(LEAK), name="leaky")
    make_user("rita", "reviewer")
    headers = {"X-CSRF-Token": sign_in(web_client, "rita")}
    fingerprint = leak_finding(web_client, boot)["fingerprint"]
    url = f"/api/v1/boots/{boot}/findings/{fingerprint}/status"
    response = web_client.put(url, json={"status": "acknowledged"}, headers=headers)
    assert response.status_code == 200, response.text
    bad = web_client.put(url, json={"status": "wontfix"}, headers=headers)
    assert bad.status_code == 422
    make_boot.reanalyse(boot)
    assert leak_finding(web_client, boot)["fingerprint"] == fingerprint
    page = web_client.get(f"/boots/{boot}").text
    card = page.split(f'id="finding-{fingerprint}"')[1].split("</article>")[0]
    assert 'rs-acknowledged" data-review-status>acknowledged<' in card
    review = web_client.get(f"/api/v1/boots/{boot}/review").json()
    assert review["statuses"] == [
        {**review["statuses"][0], "fingerprint": fingerprint, "status": "acknowledged"}
    ]


def test_known_issue_is_listed_apart_but_counted(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None]
) -> None:
    boot = make_boot(synthesized_log(LEAK), name="leaky")
    other = make_boot(synthesized_log(LEAK), name="leaky again")
    make_user("rita", "reviewer")
    headers = {"X-CSRF-Token": sign_in(web_client, "rita")}
    fingerprint = leak_finding(web_client, boot)["fingerprint"]
    url = f"/api/v1/boots/{boot}/known-issues/{fingerprint}"
    response = web_client.put(
        url, json={"rule_id": "IOMMU-001", "note": "upstream bug"}, headers=headers
    )
    assert response.status_code == 200, response.text
    page = web_client.get(f"/boots/{other}").text  # the whole project knows it
    known = page.split('<details class="known">')[1]
    assert f'id="finding-{fingerprint}"' in known and "upstream bug" in known
    assert "1 known issue" in page
    assert "1 medium" in page  # still counted in the verdict
    assert web_client.delete(url, headers=headers).status_code == 204
    assert '<details class="known">' not in web_client.get(f"/boots/{other}").text


def test_writes_need_a_reviewer(
    web_client: Any,
    make_boot: BootMaker,
    make_user: Callable[..., None],
    make_token: Callable[..., str],
) -> None:
    boot = make_boot(synthesized_log(LEAK), name="leaky")
    url = f"/api/v1/boots/{boot}/comments"
    assert web_client.post(url, json={"body": "hi"}).status_code == 401
    token = make_token(project="acme", scopes="upload,read", public=True)
    response = web_client.post(
        url, json={"body": "hi"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401  # a comment needs a person
    make_user("vic", "viewer")
    headers = {"X-CSRF-Token": sign_in(web_client, "vic")}
    assert web_client.post(url, json={"body": "hi"}, headers=headers).status_code == 403
    page = web_client.get(f"/boots/{boot}").text
    assert 'class="comment-form"' not in page and "status-select" not in page


def test_writes_need_the_csrf_token(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None]
) -> None:
    boot = make_boot(synthesized_log(LEAK), name="leaky")
    make_user("rita", "reviewer")
    csrf = sign_in(web_client, "rita")
    url = f"/api/v1/boots/{boot}/comments"
    assert web_client.post(url, json={"body": "no token"}).status_code == 403
    wrong = {"X-CSRF-Token": "0" * 64}
    assert web_client.post(url, json={"body": "bad"}, headers=wrong).status_code == 403
    page = web_client.get(f"/boots/{boot}").text
    assert f'<meta name="csrf-token" content="{csrf}">' in page
    assert web_client.get(f"/api/v1/boots/{boot}/comments").json()["count"] == 0


def test_admin_reviews_any_project_and_empty_comments_are_refused(
    web_client: Any, make_boot: BootMaker, make_user: Callable[..., None], db: Any
) -> None:
    from app.db import accounts

    boot = make_boot(synthesized_log(LEAK), name="leaky", project="elsewhere")
    with db.write() as session:
        accounts.create_user(session, username="ada", password="password-123", is_admin=True)
    headers = {"X-CSRF-Token": sign_in(web_client, "ada")}
    url = f"/api/v1/boots/{boot}/comments"
    assert web_client.post(url, json={"body": "   "}, headers=headers).status_code == 422
    assert (
        web_client.post(url, json={"body": "ok", "line": 10**9}, headers=headers).status_code == 422
    )
    assert web_client.post(url, json={"body": "ok"}, headers=headers).status_code == 201
