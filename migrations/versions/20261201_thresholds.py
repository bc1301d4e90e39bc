"""verdict thresholds on transitions, bounce bytes and debug-port exits

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:40:00+00:00

``verdict_policies.max_transitions`` (encryption transitions of the boot),
``max_bounce_bytes`` (bytes bounced through IoMmu bounce buffers) and ``max_debug_exits``
(the debug log's estimated VM exits, ``debug_cost.exits``) fail a boot whose figure is above
them, like ``max_shared_pages`` (0007); NULL: no limit. Per-upload overrides of them live in
``boots.policy_overrides`` (JSON, nothing to migrate).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("max_transitions", "max_bounce_bytes", "max_debug_exits")


def upgrade() -> None:
    # plain ADD/DROP COLUMN (no batch copy of ``verdict_policies`` on SQLite)
    for name in COLUMNS:
        op.add_column("verdict_policies", sa.Column(name, sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("verdict_policies", name)
