"""Property (issue 14's figure): whatever a rep does — random notes, answers, corrections,
cancels, interleaved drafts, buttons of the newest card and of old ones, undo, time passing —
at the end:

- every note the bot confirmed as saved is saved exactly once (one row per 「✅ 跟进已保存
  #F…」, no row without one; undone ones are gone);
- no kept draft is lost without the rep choosing it (a draft is only ever dropped by the
  step in which the rep cancelled or dropped one, one at a time; the rest are open, expired
  but listed, or saved);
- the database is consistent: no lead became contacted (or got its first contact stamped)
  without a follow-up of its own, and every follow-up's lead is past its first contact.

`CRMBOT_PROPERTY_EXAMPLES` raises the number of conversations (default 20).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import texts
from bot.messages import ButtonPress, Card, Incoming, Reply
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Draft, FollowUp, Lead
from tests.conftest import NOW, ChatHarness, make_settings, text_of

pytestmark = pytest.mark.e2e

NOTES = (
    "下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去",
    "刚给省人医李科长打了电话，周四去报价",
    "今天去中大医院拜访陈主任，下周一演示",
    "打电话约了下周一去演示",                                  # no customer: asked
    "今天拜访了徐州市第一人民医院骨科张主任，下周一报价",          # a new customer
    "今天拜访了南医大二附院骨科，聊了融合器，下周一报价",          # a colleague's customer
    "刚给省人医李科长打了电话",                                  # next step asked
    "今天去鼓楼医院开了科室会，下周一报价",
)
ANSWERS = ("周四", "报价", "鼓楼医院", "省人医", "下周三下午三点", "随便说点什么吧", "1")
CORRECTIONS = ("不对，是周三", "时间改成周五", "客户是省人医", "刚才那条客户记错了，是鼓楼医院",
               "修改")
CANCELS = ("取消", "算了")
DROP_LABELS = ("取消", "丢弃上一条", "丢弃")
ACTION = st.one_of(
    st.tuples(st.just("say"), st.sampled_from(NOTES)),
    st.tuples(st.just("say"), st.sampled_from(ANSWERS)),
    st.tuples(st.just("say"), st.sampled_from(CORRECTIONS)),
    st.tuples(st.just("say"), st.sampled_from((*CANCELS, "确认", "撤销", "/草稿", "/改"))),
    st.tuples(st.just("press"), st.integers(0, 40), st.booleans()),
    st.tuples(st.just("wait"), st.sampled_from((5, 40, 60 * 30))),
)
SAVED = re.compile(r"✅ 跟进已保存 #F(\d+)")
UNDONE = re.compile(r"已撤销跟进 #F(\d+)")


class Conversation:
    """A chat with a fresh demo database; remembers every card it was shown."""

    def __init__(self, chat: ChatHarness) -> None:
        self.chat = chat
        self.cards: list[Card] = []
        self.saved: list[int] = []
        self.undone: list[int] = []

    def _seen(self, replies: Sequence[Reply]) -> str:
        text = text_of(list(replies))
        assert texts.INTERNAL_ERROR not in text, text
        self.cards += [r for r in replies if isinstance(r, Card) and r.buttons]
        self.saved += [int(x) for x in SAVED.findall(text)]
        self.undone += [int(x) for x in UNDONE.findall(text)]
        return text

    async def say(self, line: str) -> str:
        return self._seen(await self.chat.say(line))

    async def press(self, pick: int, newest: bool) -> tuple[str, str | None]:
        """Tap a button of the newest card, or of any card shown before."""
        cards = self.cards[-1:] if newest else self.cards
        buttons = [b for c in cards for b in c.buttons]
        if not buttons:
            return "", None
        b = buttons[pick % len(buttons)]
        replies = await self.chat.bot.handle(Incoming(
            uuid.uuid4().hex, self.chat._chat(None), self.chat.clock.now(),
            pressed=ButtonPress(b.action, dict(b.args))))
        return self._seen(replies), b.label


async def _kept(chat: ChatHarness) -> dict[int, str]:
    async with chat.bot.db.session() as s:
        return {d.id or 0: d.status for d in (await s.execute(
            select(Draft).where(Draft.kept.is_(True)))).scalars()}  # type: ignore[attr-defined]


async def run_conversation(chat: ChatHarness, actions: list[tuple]) -> None:
    conv = Conversation(chat)
    async with chat.bot.db.session() as s:
        leads_before = {x.id: (x.status, x.first_contacted_at)
                        for x in (await s.execute(select(Lead))).scalars()}
    drafts = await _kept(chat)
    for action in actions:
        chat.clock.advance(timedelta(seconds=7))
        label: str | None = None
        if action[0] == "say":
            await conv.say(action[1])
            label = action[1]
        elif action[0] == "press":
            _, label = await conv.press(action[1], action[2])
        else:
            chat.clock.advance(timedelta(minutes=action[1]))
        now = await _kept(chat)
        dropped = [d for d, status in now.items()
                   if status == "dropped" and drafts.get(d) != "dropped"]
        # a kept draft is dropped only when the rep cancels or drops one, one at a time
        if dropped:
            assert label in (*CANCELS, *DROP_LABELS), (action, dropped)
            assert len(dropped) == 1, (action, dropped)
        for d, status in drafts.items():        # nothing kept disappears
            assert d in now, d
            if status in ("saved", "undone"):
                assert now[d] in ("saved", "undone"), (d, status, now[d])
        drafts = now
    await _check_database(chat, conv, leads_before)


async def _check_database(chat: ChatHarness, conv: Conversation,
                          leads_before: dict[int | None, tuple[str, object]]) -> None:
    async with chat.bot.db.session() as s:
        notes = list((await s.execute(select(FollowUp).where(
            FollowUp.source != "demo"))).scalars())
        saved_drafts = list((await s.execute(select(Draft).where(
            Draft.record_kind == "followup"))).scalars())
        leads = {x.id: x for x in (await s.execute(select(Lead))).scalars()}
    kept_ids = sorted(x.id or 0 for x in notes)
    # every confirmation shown is one row (minus the ones undone), and nothing else
    confirmed = [n for n in conv.saved if n not in conv.undone]
    assert sorted(set(confirmed)) == kept_ids, (conv.saved, conv.undone, kept_ids)
    assert len(conv.saved) == len(set(conv.saved)), conv.saved          # never saved twice
    by_record = [d.record_id for d in saved_drafts]
    assert len(by_record) == len(set(by_record)), by_record
    for d in saved_drafts:
        assert (d.status == "saved") == (d.record_id in kept_ids), (d.id, d.status)
    # no lead contacted without its own follow-up
    own = {n.lead_id for n in notes if n.lead_id is not None}
    for lead_id, (status, first) in leads_before.items():
        lead = leads[lead_id]
        changed = (lead.status != status and lead.status == "contacted") or \
            (first is None and lead.first_contacted_at is not None)
        if changed:
            assert lead_id in own, (lead_id, status, lead.status)
    for n in notes:
        if n.lead_id is not None:
            assert leads[n.lead_id].status not in ("new", "assigned", "claimed"), n.lead_id


@settings(max_examples=int(os.environ.get("CRMBOT_PROPERTY_EXAMPLES", "20")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(actions=st.lists(ACTION, min_size=3, max_size=14))
def test_random_conversations_keep_every_record(
        sqlite_templates: dict[str, Path], tmp_path: Path, actions: list[tuple]) -> None:
    from bot.core import Bot

    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(sqlite_templates["demo"], path)
    url = f"sqlite:///{path}"

    async def go() -> None:
        db = Database(url)
        try:
            clock = FrozenClock(NOW)
            chat = ChatHarness(Bot(db, clock, make_settings(url)), clock)
            await run_conversation(chat, actions)
        finally:
            await db.dispose()
            path.unlink(missing_ok=True)

    asyncio.run(go())


async def test_a_scripted_interleaving(chat: ChatHarness) -> None:
    """The same checks on PostgreSQL too, for one interleaving with old buttons."""
    await run_conversation(chat, [
        ("say", NOTES[1]), ("say", NOTES[0]), ("press", 0, False), ("press", 3, True),
        ("say", "确认"), ("say", NOTES[6]), ("say", "报价"), ("say", "周四"),
        ("press", 0, False), ("say", "不对，是周三"), ("say", "确认"), ("say", "撤销"),
        ("say", NOTES[4]), ("press", 0, True), ("wait", 60 * 30), ("say", "/草稿"),
        ("press", 0, True), ("say", "确认"), ("say", "取消"),
    ])
