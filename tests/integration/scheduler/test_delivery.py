"""The delivery loop on a real SQLite file: retries, dead letters, leases, dedupe."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.addressing import BotPresenter
from bot.messages import ChatRef, Image, Reply, Text
from bot.ports import RecordingSender, SendError
from bot.render import notification
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import OutboxMessage
from crm_core.uow import UnitOfWork
from scheduler.delivery import Deliverer, DeliveryConfig, backoff
from tests.integration.scheduler.conftest import People

CFG = DeliveryConfig(max_attempts=4, lease_seconds=60, base_backoff_seconds=10,
                     rates={"wecom": (1000.0, 1000)})

SHOW = BotPresenter()


@notification("test.two_parts")
def _two_parts(payload: Mapping[str, Any]) -> list[Reply]:
    return [Text(f"part1 {payload['n']}"), Image(b"\x89PNG", caption="chart")]


@dataclass
class FlakySender:
    """Fails the first `fail` sends (retryable unless told), then records."""

    fail: int = 0
    retryable: bool = True
    fail_on_image: int = 0
    sent: list[tuple[ChatRef, Reply, str | None]] = field(default_factory=list)
    calls: int = 0

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        self.calls += 1
        if self.fail > 0:
            self.fail -= 1
            raise SendError("platform busy", retryable=self.retryable)
        if isinstance(reply, Image) and self.fail_on_image > 0:
            self.fail_on_image -= 1
            raise SendError("upload failed")
        self.sent.append((to, reply, delivery_key))
        return f"m{len(self.sent)}"


async def queue(db: Database, clock: FrozenClock, recipient: int, n: int = 1,
                kind: str = "test.text", prefix: str = "k") -> None:
    async with UnitOfWork(db, clock) as uow:
        for i in range(n):
            uow.notify(kind, recipient, {"text": f"消息{i}", "n": i}, dedupe_key=f"{prefix}{i}")
        await uow.commit()


async def statuses(db: Database) -> dict[str, str]:
    async with db.sessions() as s:
        rows = (await s.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.status)))
        return dict(rows.all())


async def test_sends_each_message_once_to_the_preferred_identity(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 5)
    sender = RecordingSender()
    d = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG)
    stats = await d.drain()
    assert stats.sent == 5
    assert len(sender.sent) == 5
    assert {ref.user_id for ref, _ in sender.sent} == {"zhangwei"}
    assert set((await statuses(sched_db)).values()) == {"sent"}
    assert (await d.drain()).claimed == 0            # nothing is sent twice


async def test_retries_with_backoff_then_succeeds(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 1)
    sender = FlakySender(fail=2)
    d = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG,
                  rng=random.Random(1))
    assert (await d.drain()).retried == 1
    assert (await d.drain()).claimed == 0            # not due before its backoff
    async with sched_db.sessions() as s:
        row = (await s.execute(sa.select(OutboxMessage))).scalar_one()
    assert row.status == "pending"
    assert row.attempts == 1
    assert timedelta(seconds=5) <= row.next_attempt_at - frozen.now() <= timedelta(seconds=10)
    frozen.advance(timedelta(seconds=11))
    assert (await d.drain()).retried == 1
    frozen.advance(timedelta(seconds=21))
    assert (await d.drain()).sent == 1
    assert len(sender.sent) == 1
    assert sender.sent[0][2] == "k0"                 # the platform sees the idempotency key


async def test_dead_after_max_attempts(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 1)
    sender = FlakySender(fail=100)
    d = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG)
    for _ in range(10):
        await d.drain()
        frozen.advance(timedelta(hours=2))
    assert sender.calls == CFG.max_attempts
    async with sched_db.sessions() as s:
        row = (await s.execute(sa.select(OutboxMessage))).scalar_one()
    assert row.status == "dead"
    assert row.attempts == CFG.max_attempts
    assert "platform busy" in (row.last_error or "")


async def test_permanent_error_and_unreachable_are_dead_at_once(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 1, prefix="a")
    d = Deliverer(sched_db, frozen, {"wecom": FlakySender(fail=1, retryable=False)},
                  presenter=SHOW, config=CFG)
    assert (await d.drain()).dead == 1
    await queue(sched_db, frozen, people.rep.id, 1, prefix="b")
    d2 = Deliverer(sched_db, frozen, {"feishu": RecordingSender()}, presenter=SHOW, config=CFG)
    assert (await d2.drain()).dead == 1
    assert await statuses(sched_db) == {"a0": "dead", "b0": "dead"}


async def test_dedupe_key_is_unique(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 1)
    with pytest.raises(IntegrityError):
        await queue(sched_db, frozen, people.rep.id, 1)


async def test_crashed_worker_lease_expires_and_late_mark_is_fenced(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 3)
    crashed = Deliverer(sched_db, frozen, {"wecom": RecordingSender()}, presenter=SHOW, config=CFG,
                        worker_id="crashed")
    claimed = await crashed.claim()
    assert len(claimed) == 3                     # claimed, then the process "dies"
    sender = RecordingSender()
    other = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG,
                      worker_id="other")
    assert (await other.drain()).claimed == 0    # leased: nobody else touches them
    frozen.advance(timedelta(seconds=61))
    assert (await other.drain()).sent == 3
    assert len(sender.sent) == 3
    assert not await crashed._update(claimed[0], status="sent")   # the zombie cannot mark


async def test_restart_midway_resends_nothing_already_sent(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 20)
    first = RecordingSender()
    cfg = DeliveryConfig(batch_size=5, rates={"wecom": (1000.0, 1000)})
    await Deliverer(sched_db, frozen, {"wecom": first}, presenter=SHOW, config=cfg).run_once()
    await Deliverer(sched_db, frozen, {"wecom": first}, presenter=SHOW, config=cfg).run_once()
    assert len(first.sent) == 10
    second = RecordingSender()                 # a new process after a restart
    await Deliverer(sched_db, frozen, {"wecom": second}, presenter=SHOW, config=cfg).drain()
    assert len(second.sent) == 10
    texts = [r.text for _, r in first.sent + second.sent if isinstance(r, Text)]
    assert sorted(texts) == sorted(f"消息{i}" for i in range(20))


async def test_multi_part_message_resumes_after_the_sent_part(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    await queue(sched_db, frozen, people.rep.id, 1, kind="test.two_parts")
    sender = FlakySender(fail_on_image=1)
    d = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG)
    assert (await d.drain()).retried == 1
    frozen.advance(timedelta(minutes=5))
    assert (await d.drain()).sent == 1
    kinds = [type(r).__name__ for _, r, _ in sender.sent]
    assert kinds == ["Text", "Image"]               # the text was not sent twice
    assert [k for _, _, k in sender.sent] == ["k0", "k0#1"]


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(3)
    cfg = DeliveryConfig(base_backoff_seconds=5, max_backoff_seconds=600)
    waits = [backoff(n, cfg, rng).total_seconds() for n in range(1, 12)]
    assert 2.5 <= waits[0] <= 5
    assert 20 <= waits[3] <= 40
    assert all(w <= 600 for w in waits)


async def test_admins_hear_about_dead_letters_once(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    from crm_core.settings import Settings
    from scheduler.runner import run_job

    await queue(sched_db, frozen, people.rep.id, 2)
    await Deliverer(sched_db, frozen, {"wecom": FlakySender(fail=9, retryable=False)},
                    presenter=SHOW,
                    config=CFG).drain()
    settings = Settings(database_url=sched_db.url)
    assert await run_job("dead_letter_alert", sched_db, frozen, settings) == "1 admins told"
    assert await run_job("dead_letter_alert", sched_db, frozen, settings) == "0 admins told"
    async with sched_db.sessions() as s:
        row = (await s.execute(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "outbox.dead"))).scalar_one()
    assert row.recipient_id == people.admin.id
    assert row.payload["count"] == 2


async def test_a_burst_to_one_member_is_spread_under_wecom_limits(
        sched_db: Database, frozen: FrozenClock, people: People) -> None:
    """Issue 20.3: WeCom drops silently past 30 messages a minute to one member. A burst of
    200 pushes to one rep goes out 30 a minute, every one of them, none dead, none lost."""
    await queue(sched_db, frozen, people.rep.id, 200)
    sender = RecordingSender()
    d = Deliverer(sched_db, frozen, {"wecom": sender}, presenter=SHOW, config=CFG)
    per_minute = []
    for _ in range(12):
        before = len(sender.sent)
        stats = await d.drain()
        assert stats.dead == 0
        per_minute.append(len(sender.sent) - before)
        frozen.advance(timedelta(seconds=60))
    assert max(per_minute) <= 30
    assert sum(per_minute) == 200
    assert per_minute[:7] == [30, 30, 30, 30, 30, 30, 20]
    assert set((await statuses(sched_db)).values()) == {"sent"}
    assert sorted(k for k in sender.keys) == sorted(f"k{i}" for i in range(200))


def test_recipient_budget_windows() -> None:
    from scheduler.ratelimit import RecipientBudget

    b = RecipientBudget({"wecom": ((60.0, 3), (3600.0, 5))})
    assert [b.reserve("wecom", "u", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.reserve("wecom", "u", 10.0) == 50.0            # the minute is full
    assert b.reserve("wecom", "v", 10.0) == 0.0             # another member is not
    assert b.reserve("wecom", "u", 60.0, n=2) == 0.0
    assert b.reserve("wecom", "u", 130.0) == 3600.0 - 130.0  # the hour is full
    assert b.reserve("dingtalk", "u", 0.0) == 0.0           # no published limit
