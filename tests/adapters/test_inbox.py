"""Callbacks acknowledged after durable queueing (issue 20.5), on both backends: a WeCom
message is stored in the inbox before the 200, handled from there once (a retry of the
platform is the same row), a busy process answers 200 and handles it later, and a row a
crashed process left behind (stored, never handled, or claimed and abandoned) is handled
after a restart by the sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters import wecom
from adapters.context import AppContext
from bot.messages import ChatRef, Incoming
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.infra import durability
from crm_core.models import InboxEvent
from crm_core.services import inbox
from crm_core.settings import Settings
from tests.adapters import test_wecom as wc
from tests.adapters.fakes import FROZEN, FakeBot, FakePlatform, wait_for

T = InboxEvent.__table__  # type: ignore[attr-defined]


async def start(url: str, fake: FakePlatform, bot: FakeBot
                ) -> tuple[TestClient[Any, Any], AppContext]:
    wc.install_qyapi(fake)
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg]
                        **wc.settings_for(fake))
    ctx = AppContext(settings=settings, db=Database(url), clock=FrozenClock(FROZEN), bot=bot)
    app = web.Application()
    wecom.setup(ctx, app)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return client, ctx


async def stop(client: TestClient[Any, Any], ctx: AppContext) -> None:
    for close in reversed(ctx.closers):
        await close()
    await client.close()
    await ctx.db.dispose()


@pytest.fixture
async def served(db_url: str, fake: FakePlatform
                 ) -> AsyncIterator[tuple[TestClient[Any, Any], AppContext, FakeBot]]:
    bot = FakeBot()
    client, ctx = await start(db_url, fake, bot)
    yield client, ctx, bot
    await stop(client, ctx)


def dispatcher(client: TestClient[Any, Any]) -> Any:
    return client.app[wecom.APP_KEY].dispatcher


async def test_stored_before_the_200_and_handled_once(served: Any, fake: FakePlatform) -> None:
    client, ctx, bot = served
    text = (wc.PAYLOADS / "text.xml").read_text()
    for _ in range(2):                                   # WeCom retries after 5 s
        assert (await wc.post_plain(client, text)).status == 200
    await wait_for(lambda: len(wc.sends(fake)) == 1)
    await dispatcher(client).drain()
    assert len(bot.handled) == 1
    await wait_for_counts(ctx, {"done": 1})


async def wait_for_counts(ctx: AppContext, want: dict[str, int]) -> None:
    for _ in range(200):
        if await inbox.counts(ctx.db) == want:
            return
        await dispatcher_sleep()
    assert await inbox.counts(ctx.db) == want


async def dispatcher_sleep() -> None:
    import asyncio

    await asyncio.sleep(0.02)


class LagRecordingBot(FakeBot):
    """Notes, per message, whether its commits may return before the disk has them."""

    def __init__(self) -> None:
        super().__init__()
        self.may_lag: list[bool] = []

    async def handle(self, incoming: Any, respond: Any = None) -> list[Any]:
        self.may_lag.append(durability.commit_may_lag())
        return await super().handle(incoming, respond)


async def test_a_stored_messages_work_may_commit_lazily_and_nothing_else(
        db_url: str, fake: FakePlatform) -> None:
    """The inbox row is stored durably before the 200 and finished after the answer: what
    the bot writes in between may commit without waiting for the disk. A message that did
    not come through the inbox, and the dispatcher's own bookkeeping, wait as before."""
    bot = LagRecordingBot()
    client, ctx = await start(db_url, fake, bot)
    try:
        d = dispatcher(client)
        assert (await wc.post_plain(client, (wc.PAYLOADS / "text.xml").read_text())).status \
            == 200
        await wait_for(lambda: len(wc.sends(fake)) == 1)
        await d.drain()
        await wait_for_counts(ctx, {"done": 1})
        assert bot.may_lag == [True]
        assert not durability.commit_may_lag()
        d.submit(Incoming("direct-1", ChatRef("wecom", "zhangsan", "zhangsan"), FROZEN,
                          text="你好"))
        await d.drain()
        assert bot.may_lag == [True, False]
    finally:
        await stop(client, ctx)


async def test_busy_process_answers_200_and_handles_it_later(served: Any,
                                                             fake: FakePlatform) -> None:
    client, ctx, bot = served
    d = dispatcher(client)
    d._max_pending = 0                                   # nothing may start now
    resp = await wc.post_plain(client, (wc.PAYLOADS / "text.xml").read_text())
    assert resp.status == 200                            # never 503: WeCom would not retry
    assert await inbox.counts(ctx.db) == {"pending": 1}
    assert bot.handled == []
    d._max_pending = 2000
    assert await d._process() == 1                       # what the sweep does
    await wait_for(lambda: len(wc.sends(fake)) == 1)
    assert len(bot.handled) == 1
    await wait_for_counts(ctx, {"done": 1})


async def test_rows_left_by_a_crash_are_handled_after_a_restart(db_url: str,
                                                               fake: FakePlatform) -> None:
    db = Database(db_url)
    now = FROZEN
    msg = wc.parse_xml((wc.PAYLOADS / "text.xml").read_bytes())
    other = dict(msg, MsgId="crashed-mid-handling", Content="第二条")
    stored = await inbox.put(db, "wecom", "1456453720", msg, now)          # never handled
    claimed = await inbox.put(db, "wecom", "crashed-mid-handling", other, now)
    assert stored and claimed
    [lost] = await inbox.claim(db, "dead-worker", now - timedelta(minutes=10),
                               lease=timedelta(minutes=5), ids=[claimed])
    assert lost.id == claimed
    await db.dispose()

    bot = FakeBot()
    client, ctx = await start(db_url, fake, bot)         # the restart
    try:
        for factory in ctx.background:                   # what the server runs at startup
            await factory()
        await wait_for(lambda: len(wc.sends(fake)) == 2)
        assert sorted(i.text for i in bot.handled) == ["你好", "第二条"]
        await wait_for_counts(ctx, {"done": 2})
        async with ctx.db.sessions() as s:
            attempts = dict((await s.execute(sa.select(T.c.event_id, T.c.attempts))).all())
        assert attempts == {"1456453720": 1, "crashed-mid-handling": 2}
    finally:
        await stop(client, ctx)


async def test_a_lease_held_by_a_live_worker_is_not_taken(db_url: str) -> None:
    db = Database(db_url)
    try:
        row = await inbox.put(db, "feishu", "ev-1", {"k": 1}, FROZEN)
        assert row is not None
        assert await inbox.put(db, "feishu", "ev-1", {"k": 1}, FROZEN) is None
        [mine] = await inbox.claim(db, "a", FROZEN, lease=timedelta(minutes=5))
        assert await inbox.claim(db, "b", FROZEN + timedelta(minutes=1),
                                 lease=timedelta(minutes=5)) == []
        assert not await inbox.finish(db, row, "b", FROZEN)        # not b's to finish
        assert await inbox.finish(db, row, "a", FROZEN, error="boom", attempts=mine.attempts)
        assert await inbox.counts(db) == {"pending": 1}
        for n in range(2, inbox.MAX_ATTEMPTS + 1):
            [again] = await inbox.claim(db, "a", FROZEN, lease=timedelta(minutes=5))
            assert again.attempts == n
            await inbox.finish(db, row, "a", FROZEN, error="boom", attempts=again.attempts)
        assert await inbox.counts(db) == {"dead": 1}
    finally:
        await db.dispose()


async def test_handled_rows_are_forgotten_after_three_days(db_url: str) -> None:
    from scheduler.jobs.inbox import inbox_prune

    db = Database(db_url)
    try:
        old = await inbox.put(db, "wecom", "old", {}, FROZEN - timedelta(days=4))
        waiting = await inbox.put(db, "wecom", "waiting", {}, FROZEN - timedelta(days=4))
        assert old and waiting
        [c] = await inbox.claim(db, "w", FROZEN, lease=timedelta(minutes=5), ids=[old])
        await inbox.finish(db, c.id, "w", FROZEN)
        assert await inbox_prune(db, None, None, FROZEN) == "1 removed"  # type: ignore[arg-type]
        assert await inbox.counts(db) == {"pending": 1}     # never handled: kept
    finally:
        await db.dispose()
