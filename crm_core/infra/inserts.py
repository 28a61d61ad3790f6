"""Append-only rows (audit, outbox, lead history) written as one multi-row insert per table
(`UnitOfWork.append`): on the inline SQLite connection as driver SQL with a plan per table,
elsewhere as a Core executemany."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, Text, bindparam, column, func, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.expression import Executable
from sqlmodel import SQLModel

from crm_core.infra.sqlite_inline import InlineConnection
from crm_core.models import AuditLog
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


_AUDIT_COLUMNS = ("at", "actor_id", "actor", "action", "entity", "entity_id", "before",
                  "after")
_CHAINED_AUDIT: list[Any] = []


def chained_audit(rows: list[dict[str, Any]], bodies: list[str]
                  ) -> tuple[Executable, dict[str, Any]]:
    """PostgreSQL: one INSERT of audit rows linked to the chain's head by the database
    (`crmbot_audit_chain`, migration intake_1: the chain's lock, the newest hash read after
    it, then sha256(prev || '\\n' || body) row after row), so that reading the head and
    writing the rows take one round trip. `bodies`: `crm_core.policies.audit.chain_body`
    of each row, in order. Returns the statement and its parameters."""
    if not _CHAINED_AUDIT:
        table = table_of(AuditLog)
        r = func.jsonb_to_recordset(bindparam("audit_rows", type_=JSONB)).table_valued(
            column("n", Integer), *(column(c, table.c[c].type) for c in _AUDIT_COLUMNS)
        ).render_derived(name="audit_rows", with_types=True)
        chain = select(func.crmbot_audit_chain(
            bindparam("audit_bodies", type_=ARRAY(Text)), type_=ARRAY(Text)
        ).label("hashes")).cte("audit_chain")
        source = select(*(r.c[c] for c in _AUDIT_COLUMNS), chain.c.hashes[r.c.n],
                        chain.c.hashes[r.c.n + 1]).select_from(r).join(chain, true()) \
            .order_by(r.c.n)
        _CHAINED_AUDIT.append(
            insert(table).from_select([*_AUDIT_COLUMNS, "prev_hash", "hash"], source))
    return _CHAINED_AUDIT[0], {
        "audit_bodies": bodies,
        "audit_rows": [{"n": i, **{c: row.get(c) for c in _AUDIT_COLUMNS},
                        "at": row["at"].isoformat()} for i, row in enumerate(rows, 1)]}


async def write_together(conn: Any, groups: list[tuple[type[SQLModel], list[dict[str, Any]]]],
                         tail: tuple[Executable, dict[str, Any]] | None = None) -> None:
    """PostgreSQL: the rows of several tables in one statement, one round trip (each table's
    rows a multi-row INSERT in a data-modifying CTE), `tail` (the chained audit rows: the
    statement and its parameters) last in the same statement. Rows of one table with
    different columns go in separate INSERTs of the same statement."""
    inserts_: list[Any] = []
    for model, rows in groups:
        # a CTE's INSERT gets no column defaults from the execution: put them in the rows
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
        inserts_ += [insert(table_of(model)).values(same) for same in by_keys.values()]
    params: dict[str, Any] = {}
    if tail is None:
        if not inserts_:
            return
        *before, main = inserts_
        stmt: Any = main
    else:
        before, (stmt, params) = inserts_, tail
    if before:
        stmt = stmt.add_cte(*(ins.cte(f"appended_{i}") for i, ins in enumerate(before)))
    await conn.execute(stmt, params)
