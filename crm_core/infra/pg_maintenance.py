"""Keep PostgreSQL's tables vacuumed and analysed where its autovacuum is off.

PostgreSQL's autovacuum marks freshly written pages all-visible (VACUUM) and refreshes the
planner's statistics (ANALYZE). Some servers run with `autovacuum = off` (ours do). There,
every read of a row written since the last VACUUM checks the commit log and dirties the page
to set hint bits, and index-only scans fetch the heap. `benchmarks.intake` on such a server
lost a fifth of its throughput per thousand leads (115 → 92 → 76 leads/s over three rounds);
with a VACUUM between rounds it held (154 → 181 → 190 → 191).

`crmbot serve` calls `maintain()` every `CRMBOT_DB_MAINTENANCE_SECONDS` (10; adapters.app,
scheduler or not). It does what autovacuum would, with autovacuum's own kind of thresholds (a base
plus a fraction of the table's live rows), but only where autovacuum is off (for the server,
or for a table: `autovacuum_enabled = false`): where it is on, PostgreSQL keeps the tables
itself and this does nothing. One instance at a time (a
session-level advisory lock tried, never waited for); VACUUM runs outside a transaction and
takes a lock that blocks neither reads nor writes, only DDL and another VACUUM, and gives up
after a second if it cannot have it; it runs at autovacuum's pace (cost-based delay).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from crm_core.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 4242000003              # pg_try_advisory_lock: one maintaining instance at a time
VACUUM_BASE, VACUUM_SCALE = 200, 0.1     # rows inserted, updated or deleted since VACUUM
ANALYZE_BASE, ANALYZE_SCALE = 200, 0.1   # rows changed since ANALYZE

_PACED = ("lock_timeout", "vacuum_cost_delay", "vacuum_cost_limit")   # set while it runs
_STATS_SQL = text(
    "SELECT current_setting('autovacuum') = 'on' AND NOT EXISTS ("
    "  SELECT 1 FROM pg_options_to_table(c.reloptions) AS o"
    "  WHERE o.option_name = 'autovacuum_enabled'"
    "  AND lower(o.option_value) IN ('false', 'off', 'no', 'f', 'n', '0')),"
    " s.relname, s.n_live_tup, s.n_dead_tup, s.n_ins_since_vacuum, s.n_mod_since_analyze"
    " FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid"
    " WHERE s.schemaname = current_schema() ORDER BY s.relname")


@dataclass(frozen=True, slots=True)
class TableStats:
    name: str
    live: int
    dead: int                      # updated or deleted rows not yet vacuumed
    inserted: int                  # inserted since the last VACUUM
    modified: int                  # changed since the last ANALYZE

    def needs_vacuum(self) -> bool:
        return self.dead + self.inserted > VACUUM_BASE + VACUUM_SCALE * self.live

    def needs_analyze(self) -> bool:
        return self.modified > ANALYZE_BASE + ANALYZE_SCALE * self.live


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def maintain(db: Database) -> str:
    """VACUUM / ANALYZE the tables of this schema that are due, where autovacuum is off;
    returns what it did, in English (the job's result)."""
    if db.dialect != "postgresql":
        return "not PostgreSQL: nothing to do"
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if not (await conn.execute(text(f"SELECT pg_try_advisory_lock({LOCK_KEY})"))).scalar():
            return "another instance is maintaining the tables"
        try:
            rows = [r for r in (await conn.execute(_STATS_SQL)).all() if not r[0]]
            if not rows:
                return "autovacuum is on: PostgreSQL maintains the tables"
            due = [t for t in (TableStats(str(name), int(live or 0), int(dead or 0),
                                          int(inserted or 0), int(modified or 0))
                               for _, name, live, dead, inserted, modified in rows)
                   if t.needs_vacuum() or t.needs_analyze()]
            if not due:
                return "nothing due"
            # autovacuum's own pace (2 ms pauses every 200 page costs): a big table's VACUUM
            # does not crowd the requests out of the disk; a small one barely notices
            await conn.execute(text(
                "SELECT set_config('lock_timeout', '1s', false),"
                " set_config('vacuum_cost_delay', '2', false),"
                " set_config('vacuum_cost_limit', '200', false)"))
            try:
                return "; ".join(await _run(conn, due)) or "nothing done"
            finally:
                for name in _PACED:
                    await conn.execute(text(f"RESET {name}"))
        finally:
            await conn.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))


async def _run(conn: Any, due: list[TableStats]) -> list[str]:
    done: list[str] = []
    for t in due:
        vacuum, analyze = t.needs_vacuum(), t.needs_analyze()
        what = "VACUUM (ANALYZE)" if vacuum and analyze else "VACUUM" if vacuum else "ANALYZE"
        started = time.perf_counter()
        try:
            await conn.execute(text(f"{what} {_quoted(t.name)}"))
        except Exception as e:   # a lock not had in 1 s: next time
            log.warning("db maintenance: %s %s skipped: %s", what, t.name, type(e).__name__)
            continue
        changed = t.dead + t.inserted if vacuum else t.modified
        done.append(f"{what.lower()} {t.name} ({changed} changed, "
                    f"{(time.perf_counter() - started) * 1000:.0f} ms)")
    return done
