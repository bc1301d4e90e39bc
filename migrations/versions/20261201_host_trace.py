"""host trace: a boot may carry QEMU's trace output uploaded apart from its log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00+00:00

``boots.host_trace_sha256`` names the blob of the ``host_trace`` upload field (README "Host
view"); NULL for every existing boot. Batch mode so that SQLite gets the foreign key too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("boots") as batch:
        batch.add_column(sa.Column("host_trace_sha256", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_boots_host_trace_sha256_blobs"), "blobs", ["host_trace_sha256"], ["sha256"]
        )


def downgrade() -> None:
    with op.batch_alter_table("boots") as batch:
        batch.drop_constraint(op.f("fk_boots_host_trace_sha256_blobs"), type_="foreignkey")
        batch.drop_column("host_trace_sha256")
