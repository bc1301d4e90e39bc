"""Schemathesis against the OpenAPI document, over real HTTP to a real server (bounded: a few
examples per operation, no deadline): no server error, every status and body as documented.

The caller holds an admin token of the project that has an analysed boot, so generated
requests reach the routes' real work, not only the permission checks. Checks: no 5xx, status
codes, content types, headers and bodies conform to the document. Figures in
docs/reliability.md ("Schemathesis").
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.db.session import Database
from tests.api.live import live_server
from tests.servicekit import bearer, upload, wait_for_status

LOG = "004-tianocore-bz1341-sev-pei-assert.log"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 12


@pytest.fixture
def live_api(settings: Settings, make_token, logs_dir: Path, db: Database):
    """(schema, base URL, auth headers) of a live server with one analysed boot."""
    import httpx

    token = make_token("fuzz", "upload,read,admin")
    with live_server(settings, workers=1) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            boot_id = upload(client, token, logs_dir / LOG).json()["id"]
            wait_for_status(client, boot_id, token)
        schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
        yield schema, base, bearer(token)


def test_api_conforms_to_its_openapi_document(live_api) -> None:
    schema, base, headers = live_api
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case) -> None:
            response = case.call_and_validate(
                base_url=base, headers=headers, checks=CHECKS, timeout=30
            )
            statuses[response.status_code] += 1

        try:
            check()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
    print(f"schemathesis: {len(operations)} operations, {sum(statuses.values())} cases, {statuses}")
    assert sum(statuses.values()) >= len(operations) * 3
    assert any(200 <= code < 300 for code in statuses)  # real work, not only refusals
