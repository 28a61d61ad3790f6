"""mgmt: stage approvals ([申请经理同意] → the manager's [同意][驳回]); indexes for /看板

Revision ID: mgmt_2
Revises: mgmt_1
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import crm_core.models.base

revision: str = "mgmt_2"
down_revision: str | Sequence[str] | None = "mgmt_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("stage_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("requested_at", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=False),
        sa.Column("decided_at", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["crm_user.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_approval") as b:
        b.create_index("ix_stage_approval_deal_id", ["deal_id"])
        b.create_index("ix_stage_approval_manager_id", ["manager_id"])
    op.create_index("ix_lead_created_owner_contacted", "lead",
                    ["created_at", "owner_id", "first_contacted_at"])
    op.create_index("ix_stage_history_moved_at", "stage_history", ["moved_at"])


def downgrade() -> None:
    op.drop_index("ix_stage_history_moved_at", table_name="stage_history")
    op.drop_index("ix_lead_created_owner_contacted", table_name="lead")
    with op.batch_alter_table("stage_approval") as b:
        b.drop_index("ix_stage_approval_manager_id")
        b.drop_index("ix_stage_approval_deal_id")
    op.drop_table("stage_approval")
