"""Versions of the in-process caches (routing's reference snapshot, the nlp catalog).

Each cache has a row in `cache_version`; database triggers (migration pg_1) add one to it in
the transaction that changes any of its source tables, whoever writes them (another
process, a CLI import, psql). A cache keeps the version it was read at and is valid while
the row says the same: an exact answer, where a checksum of columns missed a swap of two
reps' teams or a rule edited in place.

A transaction that wrote a source table itself sees its own changes that others do not
(and, on PostgreSQL, the old version: the trigger runs at the commit), so it reads afresh
and leaves the shared cache alone (`touched`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from crm_core.uow import UnitOfWork

# cache → {table: the columns whose change matters (None: any)}. Changing this needs a
# migration that recreates the triggers (see migrations/versions/0200_pg.py).
SOURCES: dict[str, dict[str, tuple[str, ...] | None]] = {
    # a user's last activity is not: it moves with every rep's messages (`presence`)
    "reference": {"crm_user": ("id", "login", "name", "role", "team_id", "manager_id", "phone",
                               "email", "active", "leave_from", "leave_until",
                               "max_open_leads", "max_daily_leads", "created_at"),
                  "user_identity": None, "team": None, "region": None,
                  "assignment_rule": None, "config_entry": None, "product": None},
    "catalog": {"customer": ("name", "aliases", "province", "city"),
                "contact": ("name", "aliases", "title", "customer_id"),
                "product": None, "stage": None, "config_entry": None, "learned_alias": None},
    "learned": {"learned_alias": None},
    # routing's "online now" (migration presence_1)
    "presence": {"crm_user": ("last_seen_at",)},
}
# Not here: `leads`, the version of routing's live counts (crm_core.services.routing_state),
# bumped on PostgreSQL by its own trigger on `lead` (migration routing_2: rows in or out, a
# new owner, status, assignment time or team). Lead writes are no cache source for `touched`:
# the counts go by the process's write counter (crm_core.db), which sees uncommitted ones.
# rows that matter where not all do: the catalog holds the team's learned words only, each
# rep's own are the `learned` overlay
ROW_FILTERS: dict[tuple[str, str], str] = {("catalog", "learned_alias"): "owner_id = 0"}
# every table a cache is read from: the engine hook of crm_core.db notes the writes to them
CACHE_SOURCE_TABLES = frozenset(t for tables in SOURCES.values() for t in tables)
TOUCHED_TABLES = "crmbot.touched_tables"   # Connection.info: cache sources written

_VERSIONS_SQL = text("SELECT name, version FROM cache_version")
_MEMO = "cache_versions"


async def version(uow: UnitOfWork, cache: str) -> int:
    """The committed version of `cache` (read once per transaction, all caches at once; once
    per request where the unit of work shares reads with the request's others, until one of
    them commits). A cache used later in the request then holds what it held when the request
    began, or newer: never older, since a cache is filled after its version is read."""
    memo: dict[str, int] | None = uow.memo.get(_MEMO)
    if memo is None:
        memo = uow.shared.get(_MEMO) if uow.shared is not None else None
        if memo is None:
            memo = {str(n): int(v) for n, v in (await uow.sql(_VERSIONS_SQL)).all()}
            if uow.shared is not None:
                uow.shared[_MEMO] = memo
        uow.memo[_MEMO] = memo
    return memo.get(cache, 0)


def forget(shared: dict[str, Any]) -> None:
    """After a commit: the request's next unit of work reads the versions again."""
    shared.pop(_MEMO, None)


# what a statement that reads the versions along with something else selects (one row per
# cache: "cache:<name>", version), for `note`
VERSIONS_UNION = "SELECT 'cache:' || name, version, NULL FROM cache_version"


def note(uow: UnitOfWork, versions: dict[str, int]) -> None:
    """The committed versions, read by this transaction in a statement of its own making
    (`VERSIONS_UNION`): `version` then asks nothing more."""
    uow.memo[_MEMO] = versions
    if uow.shared is not None:
        uow.shared[_MEMO] = versions


async def touched(uow: UnitOfWork, cache: str) -> bool:
    """Whether this transaction wrote (or holds unflushed changes to) a table `cache` is
    read from: then it must read afresh, and not store what it read for others."""
    tables = SOURCES[cache]
    s = uow.session.sync_session
    if any(getattr(row, "__tablename__", None) in tables
           for row in (*s.new, *s.dirty, *s.deleted)):
        return True
    if not s.in_transaction():
        return False
    conn = await uow.session.connection()
    written: Any = conn.sync_connection.info.get(TOUCHED_TABLES) if conn.sync_connection \
        else None
    return bool(written) and any(t in tables for t in written)
