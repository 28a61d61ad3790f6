"""routing's per-lead load read: today's assignments per rep from an index

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lead_owner_assigned", "lead", ["owner_id", "assigned_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_owner_assigned", table_name="lead")
