"""routing: a team's last assignee read from one index entry

`ix_lead_team_assigned` gains `id`, routing's tiebreaker (ORDER BY assigned_at DESC, id DESC),
and on PostgreSQL carries `owner_id` (INCLUDE): the newest assignment of a team is the
index's first entry, read without the table. With (team_id, assigned_at) only, the
prepared statement's generic plan costed a walk back along `ix_lead_assigned_at` (filtering
on the team) below this index's heap fetches, and took it: for a team whose last lead was
a while ago that walked over every other team's recent leads (1 966 rows, 1.9 ms, after a
few thousand leads). The index-only path costs less than both.

Revision ID: routing_1
Revises: intake_1
"""
from collections.abc import Sequence

from alembic import op

revision: str = "routing_1"
down_revision: str | Sequence[str] | None = "intake_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_lead_team_assigned", table_name="lead")
    op.create_index("ix_lead_team_assigned", "lead", ["team_id", "assigned_at", "id"],
                    postgresql_include=["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_assigned", table_name="lead")
    op.create_index("ix_lead_team_assigned", "lead", ["team_id", "assigned_at"])
