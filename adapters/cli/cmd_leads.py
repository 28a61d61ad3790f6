"""`crmbot leads import FILE [--all-or-nothing]`: import leads with a per-row report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from adapters.cli._common import run, settings
from crm_core.clock import make_clock
from crm_core.db import Database, migrate
from crm_core.models.pipeline import LEAD_STATUS_LABELS
from crm_core.services.lead_import import ImportFileError, ImportReport, import_leads
from crm_core.uow import Actor, UnitOfWork

STATUS_LABELS = {**LEAD_STATUS_LABELS, "merged": "已合并"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leads", help="lead operations")
    lsub = p.add_subparsers(dest="leads_command", metavar="ACTION", required=True)
    imp = lsub.add_parser("import", help="import leads from a CSV or XLSX file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--all-or-nothing", action="store_true",
                     help="import nothing if any row is bad")
    imp.add_argument("--source", default="import", help="source channel label")
    imp.add_argument("--json", action="store_true", help="print the report as JSON lines")
    imp.set_defaults(func=main_import)


async def _import(path: Path, all_or_nothing: bool, source: str) -> ImportReport:
    s = settings()
    db = Database(s.database_url)
    clock = make_clock(s.now, s.timezone)
    try:
        return await import_leads(lambda: UnitOfWork(db, clock, Actor.system("import")), path,
                                  all_or_nothing=all_or_nothing, source=source)
    finally:
        await db.dispose()


def main_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"找不到文件：{args.file}")
        return 2
    migrate(settings().database_url)
    try:
        report = run(lambda: _import(args.file, args.all_or_nothing, args.source))
    except ImportFileError as e:
        print(f"无法读取文件：{e}")
        return 2
    for r in report.rows:
        if args.json:
            print(json.dumps({"line": r.line, "ok": r.ok, "lead_id": r.lead_id,
                              "status": r.status, "detail": r.detail}, ensure_ascii=False))
        else:
            mark = "✓" if r.ok else "✗"
            status = STATUS_LABELS.get(r.status or "", r.status or "")
            lead = f"线索 #L{r.lead_id} {status}" if r.lead_id else status
            print(f"第 {r.line} 行 {mark} {lead} {r.detail}".rstrip())
    if not report.committed:
        print(f"有 {report.failed} 行有误，按 --all-or-nothing 全部未导入。")
        return 1
    print(f"导入完成：成功 {report.imported} 行，失败 {report.failed} 行。")
    return 1 if report.failed else 0
