"""routing: a version of the leads routing counts, for the live-counts cache on PostgreSQL

A `cache_version` row `leads`, bumped (PostgreSQL: deferred to the commit, once per
transaction, by `crmbot_bump_cache_version` of migration pg_1) by any transaction that
inserts or deletes a lead or changes what routing counts: its owner, status, assignment
time or team. A process keeps the counts it read (each rep's open leads and today's
assignments, each team's last assignee) while the version says nothing changed, and carries
its own intake's new lead forward. SQLite: the row only (there `data_version` and the
process's own write counter stamp the counts).

Revision ID: routing_2
Revises: routing_1
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "routing_2"
down_revision: str | Sequence[str] | None = "routing_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ("owner_id", "status", "assigned_at", "team_id")


def upgrade() -> None:
    op.bulk_insert(sa.table("cache_version", sa.column("name", sa.String()),
                            sa.column("version", sa.Integer())),
                   [{"name": "leads", "version": 1}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE CONSTRAINT TRIGGER cv_leads_lead AFTER INSERT OR UPDATE OF "
            + ", ".join(COUNTED) + " OR DELETE ON lead DEFERRABLE INITIALLY DEFERRED"
            " FOR EACH ROW EXECUTE FUNCTION crmbot_bump_cache_version('leads')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cv_leads_lead ON lead")
    op.execute("DELETE FROM cache_version WHERE name = 'leads'")
