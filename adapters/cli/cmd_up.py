"""`crmbot up`: migrate, seed the demo company if empty, and open the console."""

from __future__ import annotations

import argparse
import asyncio
import logging

from adapters.cli._common import quiet_libraries, run, settings
from adapters.cli.cmd_console import console_main
from adapters.cli.cmd_demo import ensure_demo
from crm_core.db import migrate
from crm_core.demo import FIRST_REP_LOGIN


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("up", help="migrate, seed demo data if empty, chat in the console")
    p.add_argument("--as", dest="login", default=FIRST_REP_LOGIN)
    p.add_argument("--no-voice", action="store_true")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    quiet_libraries()
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    s = settings()
    migrate(s.database_url)
    counts = run(lambda: ensure_demo(s.database_url, s.now, s.timezone))
    if counts:
        print(f"演示数据已生成：{counts.get('users')} 位同事，{counts.get('customers')} 家客户，"
              f"{counts.get('leads')} 条线索。")
    return asyncio.run(console_main(args.login, voice=not args.no_voice, scheduler=True))
