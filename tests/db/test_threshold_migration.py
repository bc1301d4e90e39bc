"""Migration 0008 adds the policy thresholds on transitions, bounce bytes and debug-port exits
as nullable columns: a policy stored before it keeps its rows and fields (no limit on the new
figures), and going down to 0007 drops only the new columns."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from app.db import queries
from app.db.migrate import alembic_config, current_revision, upgrade
from app.db.policy import add_policy, current_policy
from app.db.session import Database, make_engine

NEW = {"max_transitions", "max_bounce_bytes", "max_debug_exits"}


def _columns(url: str) -> set[str]:
    engine = make_engine(url, pool_size=1)
    try:
        return {column["name"] for column in inspect(engine).get_columns("verdict_policies")}
    finally:
        engine.dispose()


def test_thresholds_go_down_and_up_keeping_policies(database_url: str) -> None:
    db = Database(database_url, pool_size=1)
    try:
        with db.write() as session:
            project = queries.get_or_create_project(session, name="acme")
            limits = {"max_shared_pages": 7, "max_transitions": 40, "max_debug_exits": 9}
            add_policy(
                session,
                project_id=project.id,
                fail_on="none",
                fail_rules=["POOL-002"],
                author="rita",
                limits=limits,
            )
            project_id = project.id
        db.dispose()
        assert NEW <= _columns(database_url)
        command.downgrade(alembic_config(database_url), "0007")
        assert current_revision(database_url) == "0007"
        columns = _columns(database_url)
        assert not NEW & columns and "max_shared_pages" in columns
        upgrade(database_url)
        assert NEW <= _columns(database_url)
        with db.read() as session:
            policy = current_policy(session, project_id=project_id)
            assert policy is not None
            kept = (policy.version, policy.fail_rules, policy.max_shared_pages)
            assert kept == (1, "POOL-002", 7)
            assert (policy.max_transitions, policy.max_bounce_bytes, policy.max_debug_exits) == (
                None,
                None,
                None,
            )
    finally:
        db.dispose()
