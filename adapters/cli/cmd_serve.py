"""`crmbot serve`: the HTTP app (/api/leads, /healthz, platform callbacks) + scheduler.

On SQLite one `serve` process owns the database file: a second one (which would meet the
first in SQLite's single writer lock, stall its event loop and answer errors) refuses to
start, saying so. Several processes need PostgreSQL.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from adapters.cli._common import quiet_libraries, settings
from crm_core.db import is_sqlite

log = logging.getLogger(__name__)


class AlreadyServing(Exception):
    """Another `crmbot serve` holds this SQLite file."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP app with every platform enabled in .env")
    p.add_argument("--host", default=None, help="default: CRMBOT_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: CRMBOT_PORT or 8080")
    p.set_defaults(func=main)


def hold_sqlite_file(url: str) -> IO[str] | None:
    """An exclusive lock on `<database>.serve.lock`, held while the returned file is open
    (the operating system drops it when the process ends, however it ends). None for
    PostgreSQL and in-memory databases; AlreadyServing when another process holds it."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    path = Path(database).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path.with_name(path.name + ".serve.lock"), "a+")  # noqa: SIM115 (held)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as e:
        lock.close()
        raise AlreadyServing(str(path)) from e
    return lock


def main(args: argparse.Namespace) -> int:
    from adapters.app import run_server

    quiet_libraries()
    s = settings()
    try:
        lock = hold_sqlite_file(s.database_url)
    except AlreadyServing as e:
        print(f"另一个 crmbot serve 正在使用这个 SQLite 数据库（{e}），本进程不再启动。"
              "SQLite 只支持一个服务进程；要运行多个，请改用 PostgreSQL"
              "（CRMBOT_DATABASE_URL=postgresql://…）。")
        log.error("another crmbot serve holds the SQLite database %s; not starting "
                  "(several server processes need PostgreSQL)", e)
        return 1
    try:
        return run_server(s, args.host or s.host, args.port or s.port)
    finally:
        if lock is not None:
            lock.close()
