"""`crmbot leads import`: CSV (UTF-8 / GBK) and XLSX, per-row report, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Lead
from crm_core.services.lead_import import import_leads
from crm_core.uow import Actor, UnitOfWork

CSV = """单位,联系人,手机,邮箱,意向产品,备注,page_dwell
江苏省人民医院,李明,138 0000 1111,,椎间融合器,想要报价,120
苏州立康医疗器械有限公司,周经理,12345,,呼吸机,,30
,刘女士,13900002222,,监护仪,,
江苏省人民医院,李科长,+86 138-0000-1111,,骨水泥,,
"""


async def leads(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Lead))).scalar_one())


async def test_csv_report_per_row_and_good_rows_still_go_in(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    f = tmp_path / "leads.csv"
    f.write_text(CSV, encoding="gb18030")                      # Excel-on-Windows encoding
    report = await import_leads(lambda: UnitOfWork(db, clock, Actor.system("import")), f)
    by_line = {r.line: r for r in report.rows}
    assert by_line[2].ok and by_line[2].status == "new"
    assert not by_line[3].ok and by_line[3].detail == "电话格式不对"    # line 3: bad phone
    assert by_line[4].ok and by_line[4].status == "pending"          # no organisation
    assert by_line[5].ok and by_line[5].status == "merged"           # same phone as line 2
    assert report.failed == 1
    assert await leads(db) == 2
    async with db.session() as s:
        lead = (await s.execute(select(Lead).where(Lead.phone == "13800001111"))).scalar_one()
    assert lead.raw_payload["page_dwell"] == "120" and lead.source_channel == "import"


async def test_all_or_nothing_imports_nothing_when_a_row_is_bad(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    f = tmp_path / "leads.csv"
    f.write_text(CSV, encoding="utf-8-sig")
    report = await import_leads(lambda: UnitOfWork(db, clock, Actor.system("import")), f,
                                all_or_nothing=True)
    assert not report.committed and report.failed == 1
    assert await leads(db) == 0


async def test_xlsx(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["公司", "姓名", "电话", "预算"])
    ws.append(["宁波市第一医院", "陈主任", 13600003333, 200000])
    ws.append([None, None, None, None])
    ws.append(["杭州市第一人民医院", "吴主任", "13600004444", "很多"])
    f = tmp_path / "leads.xlsx"
    wb.save(f)
    report = await import_leads(lambda: UnitOfWork(db, clock, Actor.system("import")), f)
    assert [(r.line, r.ok) for r in report.rows] == [(2, True), (4, False)]
    assert report.rows[1].detail == "预算格式不对"
    assert await leads(db) == 1


async def test_all_or_nothing_file_repeating_a_person_and_a_client_id(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    f = tmp_path / "twice.csv"
    f.write_text("单位,姓名,电话,client_id\n"
                 "宁波市第一医院,陈主任,13600005555,f-1\n"
                 "宁波第一医院,陈医生,136 0000 5555,f-2\n"       # the same person: merged
                 "宁波市第一医院,陈主任,13600006666,f-1\n",       # the same client id: replayed
                 encoding="utf-8")
    report = await import_leads(lambda: UnitOfWork(db, clock, Actor.system("import")), f,
                                all_or_nothing=True)
    assert report.committed and report.failed == 0
    assert report.rows[1].status == "merged"
    assert len({r.lead_id for r in report.rows}) == 1
    assert await leads(db) == 1
