"""mgmt: alert cards per recipient (escalations remember whether they were told and their
title), routing problems read by kind and time

Revision ID: mgmt_1
Revises: pg_1
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import crm_core.models.base

revision: str = "mgmt_1"
down_revision: str | Sequence[str] | None = "pg_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sla_escalation") as b:
        b.add_column(sa.Column("notified_at", crm_core.models.base.AwareDateTime(timezone=True),
                               nullable=True))
        b.add_column(sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        b.create_index("ix_sla_escalation_notified_at", ["notified_at"])
    # what fired before this revision was pushed one card each already
    op.execute("UPDATE sla_escalation SET notified_at = fired_at")
    op.create_index("ix_lead_event_kind_at", "lead_event", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_lead_event_kind_at", table_name="lead_event")
    with op.batch_alter_table("sla_escalation") as b:
        b.drop_index("ix_sla_escalation_notified_at")
        b.drop_column("title")
        b.drop_column("notified_at")
