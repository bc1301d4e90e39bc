"""Baselines over HTTP on both backends: a branch's series of uploads where a finding appears,
is marked known, persists (in a boot whose addresses moved) and is fixed; each verdict and
its new / fixed / persisting lists are checked, and so are a baseline named on upload and the
per-upload policy overrides recorded with the verdict."""

from __future__ import annotations

import dataclasses
import io

import pytest

from tests.api.test_verdict import mark_known, verdict
from tests.servicekit import bearer, upload, wait_for_status

BUG = "tdx-pool-duplicate-slot-bug"  # POOL-002 (high) and BOOT-003 (info)


def _log(*, faults: bool, seed: int) -> bytes:
    from app.synth import get_demo, write_log

    demo = get_demo(BUG)
    assert demo is not None
    workload = dataclasses.replace(demo, seed=seed, faults=demo.faults if faults else ())
    buffer = io.BytesIO()
    write_log(workload, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def logs() -> dict[str, bytes]:
    return {
        "clean": _log(faults=False, seed=3),
        "bug": _log(faults=True, seed=3),
        "bug-moved": _log(faults=True, seed=11),  # the same bug, other addresses and sizes
    }


def _boot(client, token: str, content: bytes, **fields: str) -> int:
    files = {"log": ("boot.log", content, "text/plain")}
    response = client.post(
        "/api/v1/boots", files=files, data={"branch": "main", **fields}, headers=bearer(token)
    )
    assert response.status_code == 202, response.text
    boot_id: int = response.json()["id"]
    assert wait_for_status(client, boot_id, token)["status"] == "done"
    return boot_id


def _baseline(client, token: str, boot_id: int) -> dict:
    response = client.get(f"/api/v1/boots/{boot_id}/baseline", headers=bearer(token))
    assert response.status_code == 200, response.text
    answer: dict = response.json()
    return answer


def _ids(compared: dict, kind: str) -> list[str]:
    return sorted(f["id"] for f in compared["changes"][kind])


def test_a_finding_appears_is_known_persists_and_is_fixed(client, db, make_token, logs) -> None:
    token = make_token()
    first = _boot(client, token, logs["clean"])
    assert verdict(client, token, first)["verdict"] == "pass"
    alone = _baseline(client, token, first)
    assert alone["baseline_id"] is None and "no earlier passing boot" in alone["how"]

    second = _boot(client, token, logs["bug"])
    failed = verdict(client, token, second)
    assert failed["verdict"] == "fail"
    compared = _baseline(client, token, second)
    assert compared["baseline_id"] == first and "last passing" in compared["how"]
    assert _ids(compared, "new") == ["POOL-002"]
    assert _ids(compared, "fixed") == [] and _ids(compared, "persisting") == ["BOOT-003"]

    [reason] = failed["reasons"]
    mark_known(client, db, second, reason["fingerprint"])

    third = _boot(client, token, logs["bug-moved"])
    passed = verdict(client, token, third)
    assert passed["verdict"] == "pass" and passed["reasons"][0]["triaged"] == "known issue"
    assert passed["reasons"][0]["fingerprint"] == reason["fingerprint"]  # addresses moved
    persisting = _baseline(client, token, third)
    assert persisting["baseline_id"] == second  # passes now that its finding is known
    assert _ids(persisting, "new") == [] and _ids(persisting, "fixed") == []
    assert _ids(persisting, "persisting") == ["BOOT-003", "POOL-002"]

    fourth = _boot(client, token, logs["clean"])
    assert verdict(client, token, fourth)["verdict"] == "pass"
    fixed = _baseline(client, token, fourth)
    assert fixed["baseline_id"] == third and _ids(fixed, "fixed") == ["POOL-002"]
    assert _ids(fixed, "new") == []
    assert {d["device"] for d in fixed["devices"]} >= {"virtio-blk 00:03.0"}
    shared = fixed["shared_pages_at_handoff"]
    assert shared["delta"] == shared["boot"] - shared["baseline"]

    # another branch has no baseline on main's boots
    other = _boot(client, token, logs["clean"], branch="dev")
    assert _baseline(client, token, other)["baseline_id"] is None

    history = client.get(
        "/api/v1/projects/acme/history", params={"branch": "main"}, headers=bearer(token)
    ).json()
    assert [(b["boot_id"], b["verdict"]) for b in history["boots"]] == [
        (fourth, "pass"),
        (third, "pass"),
        (second, "pass"),  # its finding is a known issue now
        (first, "pass"),
    ]
    assert history["boots"][2]["figures"]["counts"]["high"] == 1
    first_seen = {f["rule_id"]: (f["first_boot_id"], f["listed"]) for f in history["findings"]}
    assert first_seen == {"POOL-002": (second, 2), "BOOT-003": (first, 4)}
    short = client.get(
        "/api/v1/projects/acme/history",
        params={"branch": "main", "limit": 1},
        headers=bearer(token),
    ).json()
    assert [b["boot_id"] for b in short["boots"]] == [fourth]
    assert {f["rule_id"]: f["first_boot_id"] for f in short["findings"]} == {"BOOT-003": first}


def test_named_baseline_and_upload_overrides(client, make_token, logs) -> None:
    token = make_token()
    clean = _boot(client, token, logs["clean"])
    _boot(client, token, logs["clean"])
    judged = _boot(
        client,
        token,
        logs["bug"],
        baseline=str(clean),
        fail_on="none",
        fail_on_new="true",
    )
    answer = verdict(client, token, judged)
    assert answer["overrides"] == {"fail_on": "none", "fail_on_new": True}
    assert answer["verdict"] == "fail" and answer["baseline_id"] == clean
    assert [(r["rule_id"], r["why"]) for r in answer["reasons"]] == [
        ("POOL-002", f"new against the baseline #{clean}")
    ]
    assert _baseline(client, token, judged)["how"] == f"#{clean}, named on upload"

    limited = _boot(client, token, logs["clean"], fail_on="none", max_shared_pages="0")
    over = verdict(client, token, limited)
    shared = _baseline(client, token, limited)["shared_pages_at_handoff"]["boot"]
    assert (over["verdict"] == "fail") is (shared > 0)
    rule = _boot(client, token, logs["clean"], fail_on="none", fail_rules="BOOT-003")
    assert [r["rule_id"] for r in verdict(client, token, rule)["reasons"]] == ["BOOT-003"]


def test_bad_baseline_and_overrides_are_refused(client, make_token, logs) -> None:
    token = make_token()
    other = make_token(project="elsewhere")
    theirs = upload(client, other, logs["clean"], name="x.log").json()["id"]
    for fields, word in (
        ({"baseline": str(theirs)}, "baseline"),
        ({"baseline": "999999"}, "baseline"),
        ({"fail_rules": "NOPE-9"}, "NOPE-9"),
        ({"fail_on": "severe"}, "severe"),
        ({"max_shared_pages": "-1"}, "max_shared_pages"),
    ):
        files = {"log": ("boot.log", logs["clean"], "text/plain")}
        response = client.post("/api/v1/boots", files=files, data=fields, headers=bearer(token))
        assert response.status_code == 422, (fields, response.text)
        assert word in str(response.json()["detail"])
    listed = client.get("/api/v1/boots", params={"project": "acme"}, headers=bearer(token))
    assert listed.json()["count"] == 0  # nothing half-stored


def test_policy_fails_on_findings_new_against_the_baseline(client, db, make_token, logs) -> None:
    admin = make_token(scopes="upload,read,admin")
    policy = {"fail_on": "none", "fail_on_new": True}
    stored = client.put("/api/v1/projects/acme/verdict-policy", json=policy, headers=bearer(admin))
    assert stored.status_code == 200 and stored.json()["fail_on_new"] is True
    clean = _boot(client, admin, logs["clean"])
    assert verdict(client, admin, clean)["verdict"] == "pass"
    bug = _boot(client, admin, logs["bug"])
    failed = verdict(client, admin, bug)
    assert (failed["verdict"], failed["policy_version"], failed["baseline_id"]) == (
        "fail",
        1,
        clean,
    )
    [reason] = failed["reasons"]
    assert reason["rule_id"] == "POOL-002" and reason["why"] == f"new against the baseline #{clean}"
    # untriaged, it keeps failing the next boot: the failing one never becomes the baseline
    still = _boot(client, admin, logs["bug-moved"])
    failing = verdict(client, admin, still)
    assert (failing["verdict"], failing["baseline_id"]) == ("fail", clean)
    # once it is a known issue the bug boots pass and the newest is the baseline: persisting
    mark_known(client, db, bug, reason["fingerprint"])
    again = verdict(client, admin, _boot(client, admin, logs["bug-moved"]))
    assert (again["verdict"], again["baseline_id"], again["reasons"]) == ("pass", still, [])
