"""Append-only rows (audit, outbox, lead history) written as one multi-row insert per table
(`UnitOfWork.append`): on the inline SQLite connection as driver SQL with a plan per table,
elsewhere as a Core executemany."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Text, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import SQLModel

from crm_core.infra.pg_driver import ATOMIC
from crm_core.infra.sqlite_inline import InlineConnection
from crm_core.sql import table as table_of

_INSERTS: dict[type[SQLModel], Any] = {}     # one INSERT construct per appended table
_Plan = tuple[str, list[Callable[[dict[str, Any]], Any]]]
_PLANS: dict[tuple[type[SQLModel], str], _Plan | None] = {}
_DEFAULTS: dict[type[SQLModel], list[tuple[str, Any]]] = {}


def _insert_plan(model: type[SQLModel], dialect: Any) -> _Plan | None:
    """For the inline SQLite connection: the INSERT as driver SQL and, per column, how a
    queued row's value becomes the driver's value (the column default when absent, then the
    column type's own bind processor, exactly what a Core insert applies). The rows then
    go to the driver's executemany without SQLAlchemy building a statement per flush (a
    tenth of an intake's time went there). PostgreSQL, and tables with server-side
    defaults, use Core."""
    key = (model, dialect.name)
    if key in _PLANS:
        return _PLANS[key]
    plan: _Plan | None = None
    if dialect.paramstyle == "qmark":
        table = table_of(model)
        cols = [c for c in table.columns if c is not table.autoincrement_column]
        values: list[Callable[[dict[str, Any]], Any]] | None = []
        for c in cols:
            if c.server_default is not None or (c.default is not None and not (
                    c.default.is_scalar or c.default.is_callable)):
                values = None
                break
            assert values is not None
            values.append(_column_value(c, c.type.dialect_impl(dialect).bind_processor(dialect)))
        if values is not None:
            names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in cols)
            sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names})"
                   f" VALUES ({', '.join('?' for _ in cols)})")
            plan = (sql, values)
    _PLANS[key] = plan
    return plan


def _column_value(column: Any, process: Callable[[Any], Any] | None
                  ) -> Callable[[dict[str, Any]], Any]:
    name, default = column.key, column.default

    def value(row: dict[str, Any]) -> Any:
        if name in row:
            v = row[name]
        elif default is None:
            return None                      # omitted, no default: SQL NULL
        elif default.is_scalar:
            v = default.arg
        else:
            v = default.arg(None)
        return process(v) if process is not None else v

    return value


async def write_rows(conn: Any, inline: InlineConnection | None, model: type[SQLModel],
                     rows: list[dict[str, Any]]) -> None:
    """`rows` of `model` on `conn` (this transaction's connection)."""
    plan = _insert_plan(model, conn.dialect) if inline is not None else None
    if plan is not None and inline is not None:
        sql, values = plan                 # same connection, same transaction
        inline.executemany_now(sql, [tuple(v(row) for v in values) for row in rows])
        return
    stmt = _INSERTS.get(model)
    if stmt is None:
        stmt = _INSERTS[model] = insert(table_of(model))
    # Core executemany: the rows are plain values, no ORM state to track
    await conn.execute(stmt, rows)


# The chained audit rows of `write_together`: linked to the chain's head by the database
# (`crmbot_audit_chain`, migration intake_1: the chain's lock, the newest hash read after
# it, then sha256(prev || E'\\n' || body) row after row, as policies.audit.chain_hash), so
# that reading the head and writing the rows take one round trip.
_AUDIT_CHAIN_CTE = "audit_chain AS (SELECT crmbot_audit_chain(:audit_bodies) AS hashes)"
_AUDIT_INSERT = (
    "INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before, after,"
    " prev_hash, hash) SELECT r.at, r.actor_id, r.actor, r.action, r.entity, r.entity_id,"
    " r.before, r.after, c.hashes[r.n], c.hashes[r.n + 1] FROM jsonb_to_recordset(:audit_rows)"
    " AS r(n integer, at timestamptz, actor_id integer, actor text, action text, entity text,"
    " entity_id text, before jsonb, after jsonb), audit_chain AS c ORDER BY r.n")
_AUDIT_COLUMNS = ("at", "actor_id", "actor", "action", "entity", "entity_id", "before",
                  "after")
# (tables: model, columns, rows, conflict column ("": none); audit rows or not; updates:
# model, columns set; atomic; the commit may lag)
_Group = tuple[type[SQLModel], tuple[str, ...], int, str]
_Shape = tuple[tuple[_Group, ...], bool, tuple[tuple[type[SQLModel], tuple[str, ...]], ...],
               bool, bool]
# the last statement before a commit that need not wait for the disk
# (`crm_core.infra.durability`): every part a data-modifying CTE (always run to the end,
# referenced or not), the main query setting `synchronous_commit` for this transaction —
# the setting in effect when the transaction commits decides
_LAG_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"
_TOGETHER: dict[_Shape, Any] = {}


def _together(shape: _Shape, dialect: Any) -> Any:
    """The statement of one shape (tables, columns, row counts; audit rows or not), as
    text with typed binds: SQLAlchemy does not cache a multi-row INSERT's compilation, this
    is built once per shape (asyncpg then reuses its prepared statement too)."""
    stmt = _TOGETHER.get(shape)
    if stmt is not None:
        return stmt
    groups, audit, updates, atomic, lag = shape
    quote = dialect.identifier_preparer
    parts: list[str] = []
    binds: list[Any] = []
    for u, (model, keys) in enumerate(updates):
        table = table_of(model)
        sets = ", ".join(f"{quote.quote(table.c[k].name)} = :u{u}_{i}"
                         for i, k in enumerate(keys))
        binds += [bindparam(f"u{u}_{i}", type_=table.c[k].type) for i, k in enumerate(keys)]
        binds.append(bindparam(f"u{u}_id", type_=table.c.id.type))
        parts.append(f"UPDATE {quote.format_table(table)} SET {sets} WHERE id = :u{u}_id")
    for g, (model, keys, n, conflict) in enumerate(groups):
        table = table_of(model)
        cols = [table.c[k] for k in keys]
        rows = []
        for r in range(n):
            names = [f"a{g}_{r}_{i}" for i in range(len(cols))]
            binds += [bindparam(name, type_=c.type) for name, c in zip(names, cols, strict=True)]
            rows.append("(" + ", ".join(f":{name}" for name in names) + ")")
        parts.append(f"INSERT INTO {quote.format_table(table)} "
                     f"({', '.join(quote.quote(c.name) for c in cols)}) VALUES {', '.join(rows)}"
                     + _on_conflict(quote, conflict, cols))
    if audit:
        # The chain's lock is taken only once every other part of the statement is done
        # (the lock's argument depends on their RETURNING rows): a part that waits for
        # another transaction — an ON CONFLICT insert of a key that transaction has just
        # inserted, an UPDATE of a row it holds — waits before the lock, never while holding
        # it. Otherwise the lock's holder could wait for a transaction that itself waits in
        # line for the lock: a deadlock between two chat messages.
        chain = _AUDIT_CHAIN_CTE
        if parts:
            done = " + ".join(f"(SELECT count(*) FROM appended_{i})" for i in range(len(parts)))
            chain = ("audit_chain AS (SELECT crmbot_audit_chain(CASE WHEN w.n >= 0 THEN "
                     ":audit_bodies END) AS hashes FROM (SELECT " + done + " AS n) AS w)")
            parts = [f"{p} RETURNING 1" for p in parts]
        ctes = [f"appended_{i} AS ({p})" for i, p in enumerate(parts)] + [chain]
        main = _AUDIT_INSERT
        binds += [bindparam("audit_bodies", type_=ARRAY(Text)),
                  bindparam("audit_rows", type_=JSONB)]
        if lag:
            ctes, main = [*ctes, f"audit_written AS ({main})"], _LAG_COMMIT
    elif lag:
        ctes, main = [f"appended_{i} AS ({p})" for i, p in enumerate(parts)], _LAG_COMMIT
    else:
        ctes = [f"appended_{i} AS ({p})" for i, p in enumerate(parts[:-1])]
        main = parts[-1]
    stmt = text((ATOMIC if atomic else "") + (f"WITH {', '.join(ctes)} " if ctes else "")
                + main).bindparams(*binds)
    if len(_TOGETHER) < 1000:                  # shapes are few: a handful of rows per table
        _TOGETHER[shape] = stmt
    return stmt


def _on_conflict(quote: Any, conflict: str, cols: list[Any]) -> str:
    """A group's conflict clause: "" none, "col" DO NOTHING, "=col" DO UPDATE of the rest."""
    if not conflict:
        return ""
    if not conflict.startswith("="):
        return f" ON CONFLICT ({quote.quote(conflict)}) DO NOTHING"
    key = conflict[1:]
    sets = ", ".join(f"{quote.quote(c.name)} = EXCLUDED.{quote.quote(c.name)}"
                     for c in cols if c.name != key)
    return f" ON CONFLICT ({quote.quote(key)}) DO UPDATE SET {sets}"


async def write_together(conn: Any, groups: list[tuple[type[SQLModel], list[dict[str, Any]]]],
                         audit: tuple[list[dict[str, Any]], list[str]] | None = None, *,
                         once: Sequence[tuple[type[SQLModel], str, list[dict[str, Any]]]] = (),
                         updates: Sequence[tuple[type[SQLModel], dict[str, Any]]] = (),
                         upserts: Sequence[tuple[type[SQLModel], str, list[dict[str, Any]]]]
                         = (), last: bool = False, lag: bool = False,
                         ) -> None:
    """PostgreSQL: the rows of several tables in one statement, one round trip (each table's
    rows a multi-row INSERT in a data-modifying CTE); with `audit` (rows, and the
    `crm_core.policies.audit.chain_body` of each) the audit rows last in the same statement,
    chained by the database. Rows of one table with different columns go in separate
    INSERTs of the same statement. `once`: (model, unique column, rows) inserted
    `ON CONFLICT (column) DO NOTHING`; `updates`: (model, {"id": …, column: value, …}), an
    UPDATE of that row's columns by id, in the same statement (each part of it sees the
    tables as they were before the statement: the rows are independent); `upserts`:
    (model, unique column, whole rows) inserted `ON CONFLICT (column) DO UPDATE` of the
    other columns (at most one row per key). `last`: nothing follows it but the COMMIT, so
    when it is the transaction's only write it runs as a transaction by itself, without
    BEGIN and COMMIT (`crm_core.infra.pg_driver.ATOMIC`). `lag` (with `last`): the commit
    that follows need not wait for the disk (`crm_core.infra.durability`), set by this
    same statement."""
    shape: list[_Group] = []
    update_shape: list[tuple[type[SQLModel], tuple[str, ...]]] = []
    params: dict[str, Any] = {}
    for u, (model, values) in enumerate(updates):
        keys = tuple(k for k in values if k != "id")
        update_shape.append((model, keys))
        params[f"u{u}_id"] = values["id"]
        for i, key in enumerate(keys):
            params[f"u{u}_{i}"] = values[key]
    for model, conflict, rows in [(m, "", r) for m, r in groups] + list(once) + [
            (m, "=" + c, r) for m, c, r in upserts]:
        # the rows get no column defaults from a textual statement: put them in
        defaults = _DEFAULTS.get(model)
        if defaults is None:
            defaults = _DEFAULTS[model] = [
                (c.key, c.default) for c in table_of(model).columns if c.default is not None]
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            for key, default in defaults:
                if key not in row:
                    row[key] = default.arg if default.is_scalar else (
                        default.arg(None) if default.is_callable else default.arg)
            by_keys.setdefault(tuple(row), []).append(row)
        for keys, same in by_keys.items():
            g = len(shape)
            shape.append((model, keys, len(same), conflict))
            for r, row in enumerate(same):
                for i, key in enumerate(keys):
                    params[f"a{g}_{r}_{i}"] = row[key]
    if audit is not None:
        rows, bodies = audit
        params["audit_bodies"] = bodies
        params["audit_rows"] = [{"n": i, **{c: row.get(c) for c in _AUDIT_COLUMNS},
                                 "at": row["at"].isoformat()} for i, row in enumerate(rows, 1)]
    elif not shape and not update_shape:
        return
    await conn.execute(_together((tuple(shape), audit is not None, tuple(update_shape), last,
                                  lag and last), conn.dialect), params)
