"""merge the feature branches; indexes for routing's per-lead reads

Revision ID: 0005
Revises: 0002, 0003, 0004
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lead_team_assigned", "lead", ["team_id", "assigned_at"])
    op.create_index("ix_lead_owner_status", "lead", ["owner_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_lead_owner_status", table_name="lead")
    op.drop_index("ix_lead_team_assigned", table_name="lead")
