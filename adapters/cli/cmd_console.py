"""`crmbot console [--as LOGIN]`: chat with the bot in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from adapters.cli._common import quiet_libraries, settings
from crm_core.demo import FIRST_REP_LOGIN


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("console", help="chat with the bot in this terminal (or pipe lines in)")
    p.add_argument("--as", dest="login", default=None,
                   help=f"log in as this user (default: the demo's first rep, {FIRST_REP_LOGIN})")
    p.add_argument("--no-voice", action="store_true", help="do not load the voice model")
    p.add_argument("--no-scheduler", action="store_true",
                   help="do not run jobs and deliveries in the console")
    p.set_defaults(func=main)


async def console_main(login: str, *, voice: bool, scheduler: bool) -> int:
    from adapters.app import attach_scheduler, build_context
    from adapters.console import ConsoleSender, run_console
    from crm_core.services.users import user_by_login

    s = settings()
    ctx = build_context(s, voice=voice)
    async with ctx.bot.uow() as uow:
        user = await user_by_login(uow, login)
    if user is None:
        print(f"没有登录名为「{login}」的用户。先运行 crmbot demo，或用 --as 指定。",
              file=sys.stderr)
        for closer in reversed(ctx.closers):
            await closer()
        return 2
    current = {"login": login}
    ctx.senders["console"] = ConsoleSender(lambda: current["login"],
                                           Path("var") / "console-pushes.log")
    if scheduler:
        attach_scheduler(ctx)
    tasks = [asyncio.create_task(f()) for f in ctx.background]
    try:
        return await run_console(ctx.bot, login, user_name=user.name,
                                 images_dir=Path("var") / "images",
                                 files_dir=Path("var") / "files")
    finally:
        for t in tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for closer in reversed(ctx.closers):
            with contextlib.suppress(Exception):
                await closer()


def main(args: argparse.Namespace) -> int:
    quiet_libraries()
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    login = args.login or FIRST_REP_LOGIN
    return asyncio.run(console_main(login, voice=not args.no_voice,
                                    scheduler=not args.no_scheduler))
