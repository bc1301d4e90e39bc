"""Policy thresholds over HTTP on both backends: ``max_transitions``, ``max_bounce_bytes`` and
``max_debug_exits`` (beside ``max_shared_pages``) fail a boot whose figure is above them and
pass it at the figure itself, set in the stored policy or per upload (recorded in the verdict's
``overrides``); the figures judged are the ones the branch history shows. Bad limits are a 422
with detail and store nothing."""

from __future__ import annotations

import io

import pytest

from tests.api.test_verdict import verdict
from tests.servicekit import bearer, wait_for_status

SLOT_BUG = "tdx-pool-duplicate-slot-bug"
NEW = {  # threshold field -> the history figure it judges
    "max_transitions": "transitions",
    "max_bounce_bytes": "bounce_bytes",
    "max_debug_exits": "debug_exits",
}
POLICY = "/api/v1/projects/acme/verdict-policy"


@pytest.fixture(scope="module")
def slot_log() -> bytes:
    from app.synth import get_demo, write_log

    buffer = io.BytesIO()
    write_log(get_demo(SLOT_BUG), buffer)
    return buffer.getvalue()


def _boot(client, token: str, content: bytes, **fields: str) -> int:
    files = {"log": ("boot.log", content, "text/plain")}
    data = {"branch": "main", "fail_on": "none", **fields}
    response = client.post("/api/v1/boots", files=files, data=data, headers=bearer(token))
    assert response.status_code == 202, response.text
    boot_id: int = response.json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    return boot_id


def _figures(client, token: str, boot_id: int) -> dict:
    history = client.get(
        "/api/v1/projects/acme/history", params={"branch": "main"}, headers=bearer(token)
    )
    assert history.status_code == 200, history.text
    [row] = [row for row in history.json()["boots"] if row["boot_id"] == boot_id]
    figures: dict = row["figures"]
    return figures


def test_stored_thresholds_fail_above_the_figure_and_pass_at_it(
    client, make_token, slot_log
) -> None:
    admin = make_token(scopes="upload,read,admin")
    boot = _boot(client, admin, slot_log)
    figures = _figures(client, admin, boot)
    assert verdict(client, admin, boot)["verdict"] == "pass"
    for field, figure in NEW.items():
        value = figures[figure]
        assert value > 0, figure  # the demo has each figure, so "above" can be tested
        at = client.put(POLICY, json={"fail_on": "none", field: value}, headers=bearer(admin))
        assert at.status_code == 200 and at.json()[field] == value, at.text
        judged = verdict(client, admin, boot)
        assert (judged["verdict"], judged["thresholds"]) == ("pass", []), field
        below = client.put(
            POLICY, json={"fail_on": "none", field: value - 1}, headers=bearer(admin)
        )
        assert below.status_code == 200, below.text
        judged = verdict(client, admin, boot)
        assert judged["verdict"] == "fail" and judged["policy_version"] == below.json()["version"]
        [over] = judged["thresholds"]
        assert over.startswith(f"{value} ") and over.endswith(f"over {field} {value - 1}")
        assert judged["reasons"] == []  # a threshold is not a finding
    stored = client.get(POLICY, headers=bearer(admin)).json()
    assert stored["max_debug_exits"] == figures["debug_exits"] - 1
    assert stored["max_transitions"] is None  # each version is the whole policy


def test_upload_overrides_are_recorded_in_the_verdict(client, make_token, slot_log) -> None:
    token = make_token()
    first = _boot(client, token, slot_log)
    figures = _figures(client, token, first)
    below = {field: str(figures[figure] - 1) for field, figure in NEW.items()}
    failing = _boot(client, token, slot_log, **below)
    judged = verdict(client, token, failing)
    assert judged["verdict"] == "fail"
    assert judged["overrides"] == {
        "fail_on": "none",
        **{field: int(limit) for field, limit in below.items()},
    }
    assert [entry.split(", over ")[1] for entry in judged["thresholds"]] == [
        f"{field} {limit}" for field, limit in below.items()
    ]
    at = {field: str(figures[figure]) for field, figure in NEW.items()}
    passing = verdict(client, token, _boot(client, token, slot_log, **at))
    assert (passing["verdict"], passing["thresholds"]) == ("pass", [])
    assert passing["overrides"]["max_bounce_bytes"] == figures["bounce_bytes"]


def test_bad_limits_are_refused_and_nothing_is_stored(client, make_token, slot_log) -> None:
    admin = make_token(scopes="upload,read,admin")
    for field in NEW:
        for bad in ("-1", "1.5", "many", str(2**64)):  # 2**64: over a BIGINT
            files = {"log": ("boot.log", slot_log, "text/plain")}
            response = client.post(
                "/api/v1/boots", files=files, data={field: bad}, headers=bearer(admin)
            )
            assert response.status_code == 422, (field, bad, response.text)
            assert field in str(response.json()["detail"])
            number = int(bad) if bad.lstrip("-").isdigit() else bad
            put = client.put(POLICY, json={field: number}, headers=bearer(admin))
            assert put.status_code == 422, (field, bad, put.text)
            assert field in str(put.json()["detail"])
    listed = client.get("/api/v1/boots", params={"project": "acme"}, headers=bearer(admin))
    assert listed.json()["count"] == 0  # nothing half-stored
    assert client.get(POLICY, headers=bearer(admin)).json()["version"] == 0
