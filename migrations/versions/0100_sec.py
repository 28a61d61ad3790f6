"""one lead per new phone / e-mail (contact_point); audit hash chain; request digests;
SQLite refuses REPLACE on the audit log

Revision ID: sec_1
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sec_1"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_point",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value"),
    )
    # The people already known need no row: intake finds their leads and contacts by their
    # indexed phone / e-mail and merges; a row is claimed only when a lead is created.

    op.add_column("audit_log", sa.Column("prev_hash", sa.String(), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(), nullable=True))
    op.add_column("intake_request", sa.Column("digest", sa.String(), nullable=True))

    if op.get_bind().dialect.name == "sqlite":
        # REPLACE (and an upsert's conflict) deletes the old row without firing the DELETE
        # trigger: refuse any insert that would meet an existing id
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    op.drop_column("intake_request", "digest")
    # the append-only triggers stay: dropping columns rebuilds nothing on PostgreSQL, and on
    # SQLite ALTER TABLE DROP COLUMN keeps the table's triggers
    op.drop_column("audit_log", "hash")
    op.drop_column("audit_log", "prev_hash")
    op.drop_table("contact_point")
