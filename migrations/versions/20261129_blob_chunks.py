"""blob chunks: logs stored as independently gzipped ~1 MiB pieces with a line index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00+00:00

Existing blobs (compression "gzip", whole content in ``blobs.data``) stay as they are and
remain readable; new blobs are "gzip-chunks" with an empty ``blobs.data``. The downgrade turns
chunked blobs back into whole-blob gzip, one blob at a time, before dropping the table.
"""

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blob_chunks",
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("raw_offset", sa.BigInteger(), nullable=False),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_blob_chunks_blob_sha256_blobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blob_sha256", "seq", name=op.f("pk_blob_chunks")),
    )
    op.create_index(
        "ix_blob_chunks_blob_sha256_first_line", "blob_chunks", ["blob_sha256", "first_line"]
    )


def downgrade() -> None:
    _unchunk_blobs()
    op.drop_index("ix_blob_chunks_blob_sha256_first_line", table_name="blob_chunks")
    op.drop_table("blob_chunks")


def _unchunk_blobs() -> None:
    """Rewrite every "gzip-chunks" blob as one gzip stream in ``blobs.data``."""
    connection = op.get_bind()
    shas = connection.execute(
        sa.text("SELECT sha256 FROM blobs WHERE compression = 'gzip-chunks'")
    ).scalars()
    for sha in list(shas):
        members = connection.execute(
            sa.text("SELECT data FROM blob_chunks WHERE blob_sha256 = :sha ORDER BY seq"),
            {"sha": sha},
        ).scalars()
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        parts = [compressor.compress(zlib.decompress(member, 31)) for member in members]
        data = b"".join(parts) + compressor.flush()
        connection.execute(
            sa.text(
                "UPDATE blobs SET data = :data, stored_size = :size, compression = 'gzip' "
                "WHERE sha256 = :sha"
            ),
            {"data": data, "size": len(data), "sha": sha},
        )
