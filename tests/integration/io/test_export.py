"""Exports: exactly what the user may see, filters, Excel types, formula injection
neutralised, every export audited — through the service and through /导出 in chat."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.messages import Card, File
from bot.xlsx import run_export
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import Forbidden
from crm_core.models import AuditLog, FollowUp, Lead, User
from crm_core.services import export as export_service
from crm_core.services.access import visible_owner_ids
from crm_core.uow import Actor, UnitOfWork
from tests.conftest import ChatHarness, text_of


async def user(db: Database, login: str) -> User:
    async with db.session() as s:
        return (await s.execute(select(User).where(User.login == login))).scalar_one()


async def export(db: Database, clock: FrozenClock, viewer: User | None, words: list[str],
                 tmp_path: Path) -> openpyxl.Workbook:
    def make() -> UnitOfWork:
        return UnitOfWork(db, clock, Actor(viewer.id, viewer.login) if viewer else
                          Actor.system("cli"))

    async with make() as u:
        flt = await export_service.parse_words(u, words, clock.now().date())
        scope = await export_service.resolve_scope(u, viewer, flt)
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    await run_export(make, scope, path, path.name)
    return openpyxl.load_workbook(path)


def column(ws: object, title: str) -> list[object]:
    rows = list(ws.iter_rows(values_only=True))            # type: ignore[attr-defined]
    i = rows[0].index(title)
    return [r[i] for r in rows[1:]]


async def test_each_role_exports_exactly_what_it_sees(demo_db: Database, clock: FrozenClock,
                                                      tmp_path: Path) -> None:
    async with demo_db.session() as s:
        total = (await s.execute(select(func.count()).select_from(FollowUp))).scalar_one()
    for login in ("zhangwei", "chengang", "zhoujianhua", "linxiao"):
        viewer = await user(demo_db, login)
        async with UnitOfWork(demo_db, clock) as u:
            ids = await visible_owner_ids(u, viewer)
        async with demo_db.session() as s:
            q = select(func.count()).select_from(FollowUp)
            if ids is not None:
                q = q.where(FollowUp.owner_id.in_(ids))
            expected = (await s.execute(q)).scalar_one()
            names = set((await s.execute(select(User.name).where(
                User.id.in_(ids)))).scalars()) if ids is not None else None
        wb = await export(demo_db, clock, viewer, ["跟进"], tmp_path)
        reps = column(wb["跟进"], "销售")
        assert len(reps) == expected, login
        if names is not None:
            assert set(reps) <= names
    assert expected == total                                # the admin sees everything
    rep = await user(demo_db, "zhangwei")
    wb = await export(demo_db, clock, rep, ["线索"], tmp_path)
    assert set(column(wb["线索"], "负责人")) <= {"张伟", None}


async def test_filters_types_and_frozen_header(demo_db: Database, clock: FrozenClock,
                                               tmp_path: Path) -> None:
    admin = await user(demo_db, "linxiao")
    wb = await export(demo_db, clock, admin, ["线索", "商机", "本月", "南京骨科组"], tmp_path)
    ws = wb["线索"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    created = column(ws, "创建时间")
    first = clock.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert created and all(isinstance(d, datetime) for d in created)
    assert all(first.replace(tzinfo=None) <= d < clock.now().replace(tzinfo=None)
               + timedelta(days=31) for d in created)            # local wall time, this month
    assert set(column(ws, "团队")) == {"南京骨科组"}
    deals = wb["商机"]
    assert deals["F1"].value == "金额" and deals["F2"].number_format == "#,##0.00"
    assert isinstance(deals["F2"].value, int | float)
    assert "阶段变更" in wb.sheetnames
    with pytest.raises(Forbidden):
        await export(demo_db, clock, await user(demo_db, "zhangwei"), ["跟进", "chengang"],
                     tmp_path)


async def test_formula_cells_are_neutralised(demo_db: Database, clock: FrozenClock,
                                             tmp_path: Path) -> None:
    rep = await user(demo_db, "zhangwei")
    evil = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "正常内容"]
    async with demo_db.session() as s:
        for text in evil:
            s.add(FollowUp(owner_id=rep.id or 0, summary=text + "\x07", occurred_at=clock.now(),
                           created_at=clock.now(), channel="=cmd|' /C calc'!A0"))
        await s.commit()
    wb = await export(demo_db, clock, rep, ["跟进", "今天"], tmp_path)
    ws = wb["跟进"]
    summaries = column(ws, "内容")
    for text in evil[:-1]:
        assert "'" + text in summaries
    assert "正常内容" in summaries
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


async def test_every_export_is_audited(demo_db: Database, clock: FrozenClock,
                                       tmp_path: Path) -> None:
    rep = await user(demo_db, "zhangwei")
    await export(demo_db, clock, rep, ["跟进", "上周"], tmp_path)
    async with demo_db.session() as s:
        row = (await s.execute(select(AuditLog).where(AuditLog.action == "export.create")))\
            .scalar_one()
    assert row.actor_id == rep.id and row.actor == "zhangwei"
    assert row.after["filter"] == {"内容": "跟进", "期间": "上周"}
    assert row.after["rows"]["跟进"] == row.after["total"]


async def test_unknown_words_get_a_chinese_answer(demo_db: Database, clock: FrozenClock) -> None:
    from crm_core.errors import InvalidInput

    async with UnitOfWork(demo_db, clock) as u:
        with pytest.raises(InvalidInput) as e:
            await export_service.parse_words(u, ["跟进", "火星"], clock.now().date())
    assert "火星" in e.value.user_message


# --------------------------------------------------------------------------- in chat

async def test_export_in_chat(chat: ChatHarness) -> None:
    replies = await chat.say("/导出")
    assert isinstance(replies[0], Card) and replies[0].buttons
    replies = await chat.press("本月跟进")
    assert text_of(chat.interim) == "正在导出，请稍候…"
    (f,) = replies
    assert isinstance(f, File) and f.name.endswith(".xlsx") and "跟进" in f.caption
    wb = openpyxl.load_workbook(io.BytesIO(f.data))
    assert set(column(wb["跟进"], "销售")) == {"张伟"}
    replies = await chat.say("/export leads 2000年")
    assert text_of(replies) == "没有符合条件的数据。换个时间范围试试。"


async def test_export_refused_in_groups(chat: ChatHarness) -> None:
    chat.group = True
    replies = await chat.say("/导出 跟进")
    assert "单聊" in text_of(replies)


async def test_lead_export_counts_match(demo_db: Database, clock: FrozenClock,
                                        tmp_path: Path) -> None:
    async with demo_db.session() as s:
        leads = (await s.execute(select(func.count()).select_from(Lead))).scalar_one()
    wb = await export(demo_db, clock, None, ["线索"], tmp_path)
    assert wb["线索"].max_row == leads + 1

