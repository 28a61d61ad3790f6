"""The daily backup job: one backup a day per folder, retention, its result in /系统, and a
failure told to the admins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.core import Bot
from bot.messages import Card
from crm_core.backup import list_backups, read_manifest
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import OutboxMessage
from scheduler.runner import run_job
from tests.conftest import ChatHarness, make_settings


async def test_daily_backup_retention_and_status(sqlite_demo_url: str, clock: FrozenClock,
                                                 tmp_path: Path) -> None:
    db = Database(sqlite_demo_url)
    settings = make_settings(sqlite_demo_url, backup_dir=tmp_path / "bk", backup_keep=2)
    try:
        first = await run_job("daily_backup", db, clock, settings)
        assert "MB" in first and "kept 1" in first
        assert "already taken" in await run_job("daily_backup", db, clock, settings)
        for _ in range(3):
            clock.advance(timedelta(days=1))
            await run_job("daily_backup", db, clock, settings)
        kept = list_backups(tmp_path / "bk")
        assert len(kept) == 2 and kept[0].name.startswith("crmbot-20261126")
        assert read_manifest(kept[0])["tables"]["customer"] == 150
        chat = ChatHarness(Bot(db, clock, settings), clock, user="linxiao")
        card = (await chat.say("/系统"))[0]
        assert isinstance(card, Card)
        assert dict(card.fields)["最近备份"].startswith("✅ 11月26日")
        assert "还没有运行记录" not in card.body
    finally:
        await db.dispose()


async def test_a_failed_backup_reaches_the_admins(sqlite_demo_url: str, clock: FrozenClock,
                                                  tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    db = Database(sqlite_demo_url)
    settings = make_settings(sqlite_demo_url, backup_dir=blocker)
    try:
        try:
            await run_job("daily_backup", db, clock, settings)
        except OSError:
            pass
        else:
            raise AssertionError("the job should fail")
        async with db.session() as s:
            told = (await s.execute(select(OutboxMessage).where(
                OutboxMessage.kind == "backup.failed"))).scalars().all()
        assert told and all(m.payload["reason"] for m in told)
        chat = ChatHarness(Bot(db, clock, settings), clock, user="linxiao")
        card = (await chat.say("/系统"))[0]
        assert isinstance(card, Card) and dict(card.fields)["最近备份"].startswith("❌")
    finally:
        await db.dispose()


async def test_backups_can_be_turned_off(sqlite_demo_url: str, clock: FrozenClock) -> None:
    db = Database(sqlite_demo_url)
    try:
        result = await run_job("daily_backup", db, clock, make_settings(sqlite_demo_url,
                                                                         backup_dir=""))
        assert result.startswith("off")
        chat = ChatHarness(Bot(db, clock, make_settings(sqlite_demo_url, backup_dir="")), clock,
                           user="linxiao")
        card = (await chat.say("/系统"))[0]
        assert isinstance(card, Card) and dict(card.fields)["最近备份"].startswith("未开启")
    finally:
        await db.dispose()


async def test_status_says_when_no_job_has_run_yet(sqlite_chat: ChatHarness) -> None:
    card = (await sqlite_chat.say("/系统", user="linxiao"))[0]
    assert isinstance(card, Card)
    assert "定时任务：还没有运行记录" in card.body and dict(card.fields)["最近备份"] == "还没有"
