"""`crmbot import customers|contacts FILE` and `crmbot import template customers|contacts`.

The file is read and planned first (a preview: counts, the first rows, what merges, what is
wrong); then, after a yes (or --yes), planned again and written in one transaction, with a
per-row report. --all-or-nothing writes nothing when a row is bad."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adapters.cli._common import run, settings
from bot.commands.import_accounts import ACTION_LABELS, report_file, template_file
from crm_core.clock import Clock, make_clock
from crm_core.db import Database, migrate
from crm_core.services.account_import import (
    KIND_LABELS,
    ImportPlan,
    import_file,
    plan_import,
    read_accounts,
)
from crm_core.spreadsheet import MAX_BYTES, SheetError
from crm_core.uow import Actor, UnitOfWork

SHOWN = 10


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import customers or contacts from an XLSX / CSV file")
    isub = p.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    for kind in ("customers", "contacts"):
        k = isub.add_parser(kind, help=f"import {kind} (preview, confirm, per-row report)")
        k.add_argument("file", type=Path)
        k.add_argument("--all-or-nothing", action="store_true",
                       help="import nothing if any row is bad")
        k.add_argument("--yes", action="store_true", help="no confirmation question")
        k.add_argument("--dry-run", action="store_true", help="preview only, write nothing")
        k.add_argument("--report", type=Path, help="write the per-row report (.xlsx) here")
        k.add_argument("--json", action="store_true", help="the per-row report as JSON lines")
        k.set_defaults(func=main_import, kind=kind)
    t = isub.add_parser("template", help="write the import template of customers / contacts")
    t.add_argument("which", choices=("customers", "contacts"))
    t.add_argument("-o", "--output", type=Path)
    t.set_defaults(func=main_template)


def _db() -> tuple[Database, Clock]:
    s = settings()
    return Database(s.database_url), make_clock(s.now, s.timezone)


async def _plan(data: bytes, kind: str) -> ImportPlan:
    db, clock = _db()
    try:
        async with UnitOfWork(db, clock, Actor.system("import")) as uow:
            _, table = read_accounts(data, kind)
            return await plan_import(uow, kind, table)
    finally:
        await db.dispose()


async def _apply(data: bytes, kind: str, all_or_nothing: bool) -> tuple[ImportPlan, bool]:
    db, clock = _db()
    try:
        async with UnitOfWork(db, clock, Actor.system("import")) as uow:
            plan, written = await import_file(uow, data, kind, all_or_nothing=all_or_nothing)
            await uow.commit()
            return plan, written
    finally:
        await db.dispose()


def print_preview(plan: ImportPlan) -> None:
    label = KIND_LABELS[plan.kind]
    print(f"{label}：共 {len(plan.rows)} 行（表头在第 {plan.header_line} 行）——新建 "
          f"{plan.count('create')}，合并到已有 {plan.count('merge')}，已有无变化 "
          f"{plan.count('same')}，有误 {plan.count('error')}")
    for action in ("create", "merge", "error"):
        rows = [p for p in plan.rows if p.action == action]
        for p in rows[:SHOWN]:
            print(f"  第 {p.line} 行 {ACTION_LABELS[action]} {p.label}"
                  + (f"：{p.detail}" if p.detail and action != "create" else ""))
        if len(rows) > SHOWN:
            print(f"  …… 另有 {len(rows) - SHOWN} 行{ACTION_LABELS[action]}")
    for p in [p for p in plan.rows if p.warnings][:SHOWN]:
        print(f"  提醒：第 {p.line} 行 {'；'.join(p.warnings)}")
    if plan.ignored_columns:
        print("  不导入的列：" + "、".join(plan.ignored_columns))


def main_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"找不到文件：{path}")
        return 2
    if path.stat().st_size > MAX_BYTES:
        print(f"文件太大（{path.stat().st_size / 1e6:.0f} MB），上限 {MAX_BYTES // 1_000_000} "
              "MB。请拆成几个文件再导入。")
        return 2
    migrate(settings().database_url)
    data = path.read_bytes()
    try:
        preview = run(lambda: _plan(data, args.kind))
    except SheetError as e:
        print(f"无法导入：{e.user_message}")
        return 2
    print_preview(preview)
    if args.dry_run:
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("没有导入：加 --yes 确认（或 --dry-run 只看预览）。")
            return 1
        if input("确认导入？[y/N] ").strip().lower() not in ("y", "yes", "是"):
            print("已取消，什么也没导入。")
            return 1
    plan, written = run(lambda: _apply(data, args.kind, args.all_or_nothing))
    for p in plan.rows:
        if args.json:
            print(json.dumps({"line": p.line, "action": p.action, "label": p.label,
                              "detail": p.detail, "warnings": p.warnings,
                              "record_id": p.record_id}, ensure_ascii=False))
    if args.report:
        args.report.write_bytes(report_file(plan, path.name, None).data)
        print(f"逐行报告：{args.report.resolve()}")
    if args.all_or_nothing and plan.errors:
        print(f"有 {len(plan.errors)} 行有误，按 --all-or-nothing 全部未导入。")
        return 1
    print(f"导入完成：新建 {plan.count('create')}，合并 {plan.count('merge')}，"
          f"跳过有误 {len(plan.errors)} 行。" if written else "没有要写入的内容。")
    return 1 if plan.errors else 0


async def _template(kind: str) -> bytes:
    db, clock = _db()
    try:
        async with UnitOfWork(db, clock) as uow:
            return (await template_file(uow, kind)).data
    finally:
        await db.dispose()


def main_template(args: argparse.Namespace) -> int:
    migrate(settings().database_url)
    data = run(lambda: _template(args.which))
    out: Path = args.output or Path(f"{KIND_LABELS[args.which]}导入模板.xlsx")
    out.write_bytes(data)
    print(f"模板已写到 {out.resolve()}")
    return 0
