"""`crmbot export [WORDS…] [-o FILE] [--as LOGIN]`: the same Excel export as /导出 in chat.

WORDS are those of the chat command (跟进 本月 张伟 南京骨科组 …, or English: followups
last-month). Without --as the operator of the server exports everything; with it, exactly
what that user may see, audited as them."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import date
from pathlib import Path

from adapters.cli._common import run, settings
from bot.commands.export_data import export_filename
from bot.xlsx import run_export
from crm_core.clock import make_clock
from crm_core.db import Database, migrate
from crm_core.errors import CrmError
from crm_core.policies.periods import Period
from crm_core.services import export as export_service
from crm_core.services.users import user_by_login
from crm_core.uow import Actor, UnitOfWork


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export leads, customers, follow-ups, deals, tasks and "
                                      "daily reports to Excel")
    p.add_argument("words", nargs="*", help="what and which: 跟进 本月 张伟 南京骨科组 …")
    p.add_argument("-o", "--output", type=Path, help="the .xlsx to write (default: a dated "
                                                      "name in this folder)")
    p.add_argument("--as", dest="login", help="export what this user may see")
    p.add_argument("--from", dest="first", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", help="last day, YYYY-MM-DD")
    p.set_defaults(func=main)


async def _export(args: argparse.Namespace) -> tuple[export_service.ExportCount, Path] | str:
    """The counts and the file, or the Chinese reason why not."""
    s = settings()
    db = Database(s.database_url)
    clock = make_clock(s.now, s.timezone)
    try:
        viewer = None
        actor = Actor.system("cli")
        if args.login:
            async with UnitOfWork(db, clock) as uow:
                viewer = await user_by_login(uow, args.login)
            if viewer is None:
                return f"没有登录名为「{args.login}」的用户。"
            actor = Actor(viewer.id, viewer.login)

        def make() -> UnitOfWork:
            return UnitOfWork(db, clock, actor)

        async with make() as uow:
            flt = await export_service.parse_words(uow, args.words, clock.now().date())
            if args.first or args.last:
                flt = _with_dates(flt, args.first, args.last)
            scope = await export_service.resolve_scope(uow, viewer, flt)
        name = export_filename(flt, clock.now().strftime("%Y%m%d-%H%M"))
        path: Path = args.output or Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return await run_export(make, scope, path, path.name), path
    except CrmError as e:
        return e.user_message
    finally:
        await db.dispose()


def _with_dates(flt: export_service.ExportFilter, first: str | None, last: str | None
                ) -> export_service.ExportFilter:
    try:
        a = date.fromisoformat(first) if first else date(1970, 1, 1)
        b = date.fromisoformat(last) if last else date(2999, 12, 31)
        period = Period(a, b, f"{first or '…'}~{last or '…'}")
    except ValueError as e:
        raise CrmError(f"bad dates {first} {last}", "日期请写成 2026-03-01，且开始不晚于结束。") \
            from e
    return replace(flt, period=period)


def main(args: argparse.Namespace) -> int:
    migrate(settings().database_url)
    outcome = run(lambda: _export(args))
    if isinstance(outcome, str):
        print(outcome)
        return 2
    counts, path = outcome
    for title, n in counts.sheets.items():
        print(f"{title}：{n} 行")
    print(f"已导出到 {path.resolve()}（{path.stat().st_size / 1e6:.1f} MB）")
    return 0
