"""Two real processes on one PostgreSQL: no double send, no double escalation."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_core.db import Database, migrate
from crm_core.models import ConfigEntry, Lead, OutboxMessage, User, UserIdentity
from crm_core.models.sla import Escalation, SlaClock
from tests.conftest import PG_ADMIN_URL, postgres_available
from tests.resources import missing

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[3]
DB_NAME = f"crmbot_sched_test_{os.getpid()}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = postgres_available()
    if reason:
        missing(reason)
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
    migrate(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _spawn(url: str, out: Path, mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.integration.scheduler.pg_worker",
                             url, str(out), mode], cwd=ROOT)


async def _seed(url: str, n_msgs: int, n_leads: int) -> list[int]:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.sessions() as s:
            # no quiet hours: the alert cards are queued whatever the hour the test runs at
            # (by default none go out 22:00–07:30 Beijing time: tested in test_alert_cards)
            s.add(ConfigEntry(key="alerts.quiet_hours", value={}))
            mgr = User(login="m", name="经理", role="manager")
            s.add(mgr)
            await s.flush()
            rep = User(login="r", name="销售", manager_id=mgr.id)
            s.add(rep)
            await s.flush()
            s.add_all([UserIdentity(user_id=u.id, platform="wecom", platform_user_id=u.login)
                       for u in (rep, mgr)])
            for i in range(n_msgs):
                s.add(OutboxMessage(kind="test", recipient_id=rep.id, payload={"text": str(i)},
                                    dedupe_key=f"msg{i}", next_attempt_at=now, created_at=now))
            leads = [Lead(company=f"c{i}", owner_id=rep.id, status="assigned",
                          assigned_at=now - timedelta(days=30), created_at=now)
                     for i in range(n_leads)]
            s.add_all(leads)
            await s.flush()
            for ld in leads:
                s.add(SlaClock(rule="first_contact", subject_id=ld.id, lead_id=ld.id,
                               owner_id=rep.id, started_at=ld.assigned_at,
                               next_at=now - timedelta(days=29)))
            await s.commit()
            return [ld.id for ld in leads if ld.id is not None]
    finally:
        await db.dispose()


async def _count(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        async with db.sessions() as s:
            esc = (await s.execute(sa.select(sa.func.count()).select_from(Escalation))).scalar()
            alerts = (await s.execute(sa.select(sa.func.count()).where(
                OutboxMessage.kind.in_(("sla.alert", "sla.digest"))))).scalar()  # type: ignore[attr-defined]
            sent = (await s.execute(sa.select(sa.func.count()).where(
                OutboxMessage.status == "sent"))).scalar()
            return int(esc or 0), int(alerts or 0), int(sent or 0)
    finally:
        await db.dispose()


def test_two_processes_no_double_send_no_double_escalation(
        pg_url: str, tmp_path: Path) -> None:
    n_msgs, n_leads = 600, 300
    asyncio.run(_seed(pg_url, n_msgs, n_leads))
    # two processes scan the same due clocks at the same time
    procs = [_spawn(pg_url, tmp_path / f"sla{i}.log", "sla") for i in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    esc, alerts, _ = asyncio.run(_count(pg_url))
    assert esc == n_leads * 3                  # three levels each, once
    assert alerts == 2                         # one card each: the rep and the manager
    # two processes deliver the same outbox (messages + the alerts just queued)
    outs = [tmp_path / f"out{i}.log" for i in range(2)]
    procs = [_spawn(pg_url, outs[i], "deliver") for i in range(2)]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    lines = [ln for o in outs for ln in o.read_text().splitlines()]
    counts = Counter(lines)
    doubles = [k for k, n in counts.items() if n > 1]
    assert doubles == []
    assert len(counts) == n_msgs + alerts
    assert all(o.read_text() for o in outs), "both processes should have delivered some"
    assert asyncio.run(_count(pg_url))[2] == n_msgs + alerts
