"""baselines and per-upload policy overrides

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:45:00+00:00

``boots.baseline_id`` is the boot an upload named as its baseline (``baseline=``; NULL: the
last passing boot of the same project, branch, platform and firmware flavour is used);
``boots.policy_overrides`` the policy fields the upload overrode (``--fail-on-rule``...), kept
so the verdict says what it was judged by. ``verdict_policies.fail_on_new`` fails a boot on a
finding its baseline did not have; ``max_shared_pages`` on more pages shared at hand-off.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD/DROP COLUMN (no batch copy of ``boots`` on SQLite: nothing to recreate)
    op.add_column("boots", sa.Column("baseline_id", sa.Integer(), nullable=True))
    op.add_column("boots", sa.Column("policy_overrides", sa.JSON(), nullable=True))
    op.add_column(
        "verdict_policies",
        sa.Column("fail_on_new", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("verdict_policies", sa.Column("max_shared_pages", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("verdict_policies", "max_shared_pages")
    op.drop_column("verdict_policies", "fail_on_new")
    op.drop_column("boots", "policy_overrides")
    op.drop_column("boots", "baseline_id")
