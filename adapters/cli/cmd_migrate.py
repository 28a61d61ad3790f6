"""`crmbot migrate`: bring the database schema up to date."""

from __future__ import annotations

import argparse

from adapters.cli._common import settings
from crm_core.db import migrate


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="migrate the database (alembic upgrade heads)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    s = settings()
    migrate(s.database_url)
    print("数据库已是最新结构。")
    return 0
