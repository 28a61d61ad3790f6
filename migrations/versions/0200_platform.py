"""inbox_event: platform callbacks stored before they are acknowledged (issue 20.5)

Revision ID: platform_1
Revises: dialog_1, io_1, nlp_1, sec_1
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_core.models.base

revision: str = "platform_1"
down_revision: str | Sequence[str] | None = ("dialog_1", "io_1", "nlp_1", "sec_1")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                    "postgresql"), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("locked_until", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=True),
        sa.Column("received_at", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=False),
        sa.Column("done_at", crm_core.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "event_id", name="uq_inbox_platform_event"),
    )
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_event_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbox_event_received_at"), ["received_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_event_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbox_event_status"))
    op.drop_table("inbox_event")
