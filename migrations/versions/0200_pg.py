"""cache versions: one counter per in-process cache, bumped by triggers in the transaction
that changes any table the cache is read from (replaces the column checksums); PostgreSQL:
the audit chain's lock and head in one call

Revision ID: pg_1
Revises: platform_1
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pg_1"
down_revision: str | Sequence[str] | None = "platform_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# cache → {table: the columns whose change matters (None: any)}; a frozen copy of
# crm_core.infra.cache_versions.SOURCES as of this revision (a later change adds a migration)
SOURCES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "reference": {"crm_user": None, "user_identity": None, "team": None, "region": None,
                  "assignment_rule": None, "config_entry": None, "product": None},
    "catalog": {"customer": ("name", "aliases", "province", "city"),
                "contact": ("name", "aliases", "title", "customer_id"),
                "product": None, "stage": None, "config_entry": None, "learned_alias": None},
    "learned": {"learned_alias": None},
}
# rows that matter, where not all do: the catalog holds the team's learned words only (a
# rep's own are the `learned` overlay)
ROW_FILTERS: dict[tuple[str, str], str] = {("catalog", "learned_alias"): "owner_id = 0"}

# PostgreSQL: deferred to the commit (the counter's row lock is held for the commit only,
# not from the first write on), and once per transaction and cache however many rows change
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION crmbot_bump_cache_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'crmbot.cache_bumped_' || TG_ARGV[0];
BEGIN
    IF current_setting(flag, true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config(flag, txid_current()::text, true);
        UPDATE cache_version SET version = version + 1 WHERE name = TG_ARGV[0];
    END IF;
    RETURN NULL;
END $$
"""


# PostgreSQL: the audit chain's lock and its newest hash in one round trip. A volatile
# PL/pgSQL function takes a new snapshot for each statement, so the head is read after the
# lock is held (one SELECT holding both would read it from before the wait).
AUDIT_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION crmbot_audit_head() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(4242000001);
    RETURN (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1);
END $$
"""


def _triggers() -> list[tuple[str, str, str, tuple[str, ...] | None]]:
    return [(f"cv_{cache}_{table}", cache, table, cols)
            for cache, tables in SOURCES.items() for table, cols in tables.items()]


def upgrade() -> None:
    op.create_table(
        "cache_version",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(sa.table("cache_version", sa.column("name", sa.String()),
                            sa.column("version", sa.Integer())),
                   [{"name": name, "version": 1} for name in SOURCES])
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute(PG_FUNCTION)
        op.execute(AUDIT_HEAD_FUNCTION)
    for name, cache, table, cols in _triggers():
        update = "UPDATE" + (f" OF {', '.join(cols)}" if cols else "")
        where = ROW_FILTERS.get((cache, table))
        events = [("INSERT", "i", f"NEW.{where}" if where else None),
                  (update, "u", f"NEW.{where} OR OLD.{where}" if where else None),
                  ("DELETE", "d", f"OLD.{where}" if where else None)]
        if pg:
            if where is None:      # one trigger for the three events
                events = [(f"INSERT OR {update} OR DELETE", "", None)]
            for event, suffix, when in events:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {name}{suffix and '_' + suffix} AFTER {event}"
                    f" ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                    + (f" WHEN ({when})" if when else "")
                    + f" EXECUTE FUNCTION crmbot_bump_cache_version('{cache}')")
            continue
        bump = f"UPDATE cache_version SET version = version + 1 WHERE name = '{cache}'"
        for event, suffix, when in events:
            op.execute(f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table}"
                       + (f" WHEN {when}" if when else "") + f" BEGIN {bump}; END")


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for name, _cache, table, _cols in _triggers():
        for suffix in ("", "_i", "_u", "_d"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}" + (f" ON {table}" if pg else ""))
    if pg:
        op.execute("DROP FUNCTION IF EXISTS crmbot_bump_cache_version()")
        op.execute("DROP FUNCTION IF EXISTS crmbot_audit_head()")
    op.drop_table("cache_version")
