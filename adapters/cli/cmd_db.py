"""`crmbot db copy --to postgresql://…`: move a SQLite deployment into an empty PostgreSQL
database, verified table by table (crm_core/db_copy.py)."""

from __future__ import annotations

import argparse
import logging

from adapters.cli._common import settings
from crm_core.db_copy import CopyRefused, copy_database

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database moves: db copy --to postgresql://…")
    actions = p.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    c = actions.add_parser("copy", help="copy this SQLite database into an empty PostgreSQL")
    c.add_argument("--to", required=True, metavar="URL", help="postgresql://user:pw@host/db")
    c.set_defaults(func=copy)


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def copy(args: argparse.Namespace) -> int:
    s = settings()
    try:
        result = copy_database(s.database_url, args.to, progress=print)
    except CopyRefused as e:
        log.error("db copy refused: %s", e)
        print(e.user_message)
        return 2
    if result.already_done:
        print("目标数据库已有与源完全相同的数据（逐表核对一致），无需再复制。")
    else:
        rows = sum(t.rows for t in result.tables)
        print(f"复制完成：{len(result.tables)} 张表，{rows} 行，每张表的行数和校验和一致"
              f"（{result.seconds:.1f} 秒）。")
    print("切换方法：停止 crmbot serve，把 .env 里的 CRMBOT_DATABASE_URL 改为\n"
          f"  CRMBOT_DATABASE_URL={_masked(args.to)}\n"
          "（换成真实密码），再启动 crmbot serve；多进程部署见 docs/deploy.md。")
    return 0
