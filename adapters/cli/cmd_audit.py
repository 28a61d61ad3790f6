"""`crmbot audit verify`: check the audit log's hash chain, name the first broken link."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import DBAPIError

from adapters.cli._common import add_db_arg, run, settings
from crm_core.clock import make_clock
from crm_core.db import Database
from crm_core.policies.audit import ChainReport
from crm_core.services.audit import verify_audit_chain
from crm_core.uow import Actor, UnitOfWork


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="audit log: verify its hash chain")
    ops = p.add_subparsers(dest="op", metavar="OP", required=True)
    v = ops.add_parser("verify", help="walk the hash chain; exit 1 at the first broken link")
    add_db_arg(v)
    v.set_defaults(func=main)


async def _verify(url: str) -> ChainReport:
    s = settings()
    db = Database(url)
    try:
        async with UnitOfWork(db, make_clock(s.now, s.timezone), Actor.system("audit")) as uow:
            return await verify_audit_chain(uow)
    finally:
        await db.dispose()


def main(args: argparse.Namespace) -> int:
    url = args.database_url or settings().database_url
    try:
        report = run(lambda: _verify(url))
    except DBAPIError as e:
        print("无法读取审计日志：数据库还没有初始化（先运行 crmbot migrate）或连不上。")
        print(f"cannot read the audit log: {type(e.orig).__name__}: {e.orig}")
        return 2
    before = f"（另有 {report.unhashed} 行早于哈希链）" if report.unhashed else ""
    if report.broken is None:
        print(f"审计日志完好：{report.checked} 行的哈希链已校验{before}。")
        print(f"audit log intact: {report.checked} chained rows verified"
              f"{f', {report.unhashed} rows before the chain' if report.unhashed else ''}.")
        return 0
    print(f"审计日志在第 {report.broken.row_id} 行断开（此前 {report.checked} 行完好）。")
    print(f"audit log broken at row id {report.broken.row_id}: {report.broken.reason}")
    return 1
