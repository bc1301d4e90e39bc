"""``host_trace`` on POST /api/v1/boots: QEMU's trace uploaded apart from the guest log is
stored with the boot and analysed with it (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip

from tests.servicekit import bearer, wait_for_status
from tests.unit.analysis.host.test_host_view import SNP_CAPTURE


def split_capture() -> tuple[bytes, bytes]:
    rows = SNP_CAPTURE.split("\n")
    guest = "\n".join(r for r in rows if "kvm_" not in r) + "\n"
    trace = "\n".join(r for r in rows if "kvm_" in r) + "\n"
    return guest.encode(), trace.encode()


def test_upload_with_a_host_trace_gives_the_host_section(client, make_token) -> None:
    token = make_token()
    guest, trace = split_capture()
    response = client.post(
        "/api/v1/boots",
        files={"log": ("guest.log", guest), "host_trace": ("trace.log.gz", gzip.compress(trace))},
        headers=bearer(token),
    )
    assert response.status_code == 202, response.text
    boot = wait_for_status(client, response.json()["id"], token)
    assert boot["status"] == "done", boot
    result = client.get(f"/api/v1/boots/{boot['id']}/result", headers=bearer(token)).json()
    host = result["host"]
    assert host["technology"] == "sev-snp" and host["interleaved"] is False
    assert (host["to_shared"], host["to_private"]) == (4, 1)
    assert host["cross_check"]["paired"] == 3


def test_upload_without_a_host_trace_has_no_host_section(client, make_token) -> None:
    token = make_token()
    guest, _ = split_capture()
    response = client.post("/api/v1/boots", files={"log": ("g.log", guest)}, headers=bearer(token))
    boot = wait_for_status(client, response.json()["id"], token)
    result = client.get(f"/api/v1/boots/{boot['id']}/result", headers=bearer(token)).json()
    assert "host" not in result


def test_a_corrupt_gzip_host_trace_is_a_4xx_and_stores_nothing(client, make_token) -> None:
    token = make_token()
    guest, _ = split_capture()
    response = client.post(
        "/api/v1/boots",
        files={"log": ("g.log", guest), "host_trace": ("t.gz", b"\x1f\x8b\x08\x00broken")},
        headers=bearer(token),
    )
    assert 400 <= response.status_code < 500 and "host_trace" in response.json()["detail"]
    listed = client.get("/api/v1/boots", headers=bearer(token)).json()
    assert listed["count"] == 0 and listed["data"] == []


def test_a_host_trace_without_trace_lines_is_a_422_and_stores_nothing(
    client, make_token, logs_dir
) -> None:
    """A guest log or a firmware image sent as the trace is refused at once, not in the worker."""
    token = make_token()
    guest, _ = split_capture()
    not_traces = (guest, (logs_dir / "004-tianocore-bz1341-sev-pei-assert.log").read_bytes())
    for wrong in (*not_traces, b"\x00\x01binary\xff" * 512):
        response = client.post(
            "/api/v1/boots",
            files={"log": ("g.log", guest), "host_trace": ("t.log", wrong)},
            headers=bearer(token),
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("host_trace: ")
    listed = client.get("/api/v1/boots", headers=bearer(token)).json()
    assert listed["count"] == 0 and listed["data"] == []
