"""presence: a rep's last activity leaves the reference caches alone

`crm_user.last_seen_at` moves whenever a rep writes to the bot (at most every 2 minutes
per rep). It bumped the `reference` version like any change to users, teams or rules, so
that in a company of 500 reps every process re-read its users, teams, rules, products and
configuration several times a second. Now the `reference` triggers on `crm_user` fire for
the other columns only, and a new `cache_version` row `presence` is bumped by
`last_seen_at` alone (routing's "online now" is kept under it).

Revision ID: presence_1
Revises: routing_2
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "presence_1"
down_revision: str | Sequence[str] | None = "routing_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# crm_user's columns as of this revision, less last_seen_at (a later column that the
# reference caches hold needs a migration that recreates these triggers; a test compares)
REFERENCE_COLUMNS = ("id", "login", "name", "role", "team_id", "manager_id", "phone", "email",
                     "active", "leave_from", "leave_until", "max_open_leads",
                     "max_daily_leads", "created_at")


def _pg_trigger(name: str, event: str, cache: str) -> str:
    return (f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON crm_user DEFERRABLE"
            f" INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION"
            f" crmbot_bump_cache_version('{cache}')")


def _sqlite_trigger(name: str, event: str, cache: str) -> str:
    return (f"CREATE TRIGGER {name} AFTER {event} ON crm_user BEGIN UPDATE cache_version"
            f" SET version = version + 1 WHERE name = '{cache}'; END")


def upgrade() -> None:
    op.bulk_insert(sa.table("cache_version", sa.column("name", sa.String()),
                            sa.column("version", sa.Integer())),
                   [{"name": "presence", "version": 1}])
    update = f"UPDATE OF {', '.join(REFERENCE_COLUMNS)}"
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cv_reference_crm_user ON crm_user")
        op.execute(_pg_trigger("cv_reference_crm_user", f"INSERT OR {update} OR DELETE",
                               "reference"))
        op.execute(_pg_trigger("cv_presence_crm_user", "UPDATE OF last_seen_at", "presence"))
        return
    op.execute("DROP TRIGGER cv_reference_crm_user_u")
    op.execute(_sqlite_trigger("cv_reference_crm_user_u", update, "reference"))
    op.execute(_sqlite_trigger("cv_presence_crm_user_u", "UPDATE OF last_seen_at",
                               "presence"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cv_presence_crm_user ON crm_user")
        op.execute("DROP TRIGGER cv_reference_crm_user ON crm_user")
        op.execute(_pg_trigger("cv_reference_crm_user", "INSERT OR UPDATE OR DELETE",
                               "reference"))
    else:
        op.execute("DROP TRIGGER cv_presence_crm_user_u")
        op.execute("DROP TRIGGER cv_reference_crm_user_u")
        op.execute(_sqlite_trigger("cv_reference_crm_user_u", "UPDATE", "reference"))
    op.execute("DELETE FROM cache_version WHERE name = 'presence'")
