"""asyncpg as SQLAlchemy drives it, less the round trips a chat message does not need.

SQLAlchemy's asyncpg adapter sends BEGIN before a transaction's first statement and
ROLLBACK or COMMIT after its last: a unit of work that only reads one row cost three round
trips for one statement (a message runs several such). Here BEGIN waits for the first
statement that needs a transaction: a write, a locking read (`FOR UPDATE`, advisory
locks), anything that is not a plain SELECT. Plain reads before it run on their own, each
seeing the newest committed data, which is exactly what they see inside a READ COMMITTED
transaction; a unit of work that only reads sends no BEGIN, COMMIT or ROLLBACK at all.
Only at READ COMMITTED (the default, also when the pool has set it back explicitly after a
connection ran in AUTOCOMMIT): a connection set to REPEATABLE READ or SERIALIZABLE (or
read-only) begins as before.

A statement that starts with `ATOMIC` is a whole transaction by itself when none is open
(a unit of work's commit writes everything in one statement, `UnitOfWork.commit`): it runs
the same way, and the COMMIT that follows has nothing to send. Inside an open transaction it
is one statement of it, as any other.

Used through `crm_core.db.Database` for every `postgresql://` URL (`module=DBAPI`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.util.concurrency import await_

_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
# what a SELECT can do that needs the transaction: take locks, move a sequence, set state,
# call one of our functions (crmbot_audit_head takes the audit chain's lock)
_NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|advisory|nextval|setval"
    r"|set_config|txid_current|pg_current_xact_id|pg_export_snapshot|crmbot_", re.IGNORECASE)
_PLAIN_READS: dict[str, bool] = {}
# the mark of a statement that may run as a transaction of its own (see above)
ATOMIC = "/* crmbot:atomic */ "
# the adapter's isolation level at READ COMMITTED: None until something sets one, then the
# dialect's default as the pool puts it back after a connection ran in AUTOCOMMIT (the
# inbox's statements do): both mean READ COMMITTED, where a plain read may skip BEGIN
_READ_COMMITTED = (None, "read_committed")


def plain_read(sql: str) -> bool:
    """A SELECT that neither locks nor changes anything: it may run before BEGIN."""
    known = _PLAIN_READS.get(sql)
    if known is None:
        known = bool(_SELECT.match(sql)) and not _NEEDS_TRANSACTION.search(sql)
        if len(_PLAIN_READS) < 10_000:          # statements are a bounded set of shapes
            _PLAIN_READS[sql] = known
    return known


class _Cursor(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        conn = self._adapt_connection
        level = conn.isolation_level
        if (conn._transaction is None and level in _READ_COMMITTED
                and not conn.readonly and not conn.deferrable
                and (operation.startswith(ATOMIC) or plain_read(operation))):
            # "autocommit" for this one statement: the adapter's own switch for no BEGIN
            conn.isolation_level = "autocommit"
            try:
                await super()._prepare_and_execute(operation, parameters)
            finally:
                conn.isolation_level = level
            return
        await super()._prepare_and_execute(operation, parameters)


class _Connection(AsyncAdapt_asyncpg_connection):
    __slots__ = ()
    _cursor_cls = _Cursor


class _DBAPI(AsyncAdapt_asyncpg_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> Any:
        creator_fn = kw.pop("async_creator_fn", self.asyncpg.connect)
        size = kw.pop("prepared_statement_cache_size", 100)
        name_func = kw.pop("prepared_statement_name_func", None)
        return await_(_Connection.create(
            self, creator_fn(*arg, **kw), prepared_statement_cache_size=size,
            prepared_statement_name_func=name_func))


def dbapi() -> Any:
    """The DB-API module for `create_async_engine(..., module=…)`."""
    return _DBAPI(__import__("asyncpg"))
