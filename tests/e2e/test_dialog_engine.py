"""The engine runs any declared dialog: the example of `bot/dialogs/declare.py`'s docstring,
declared here as another engineer would, plus a long choice list on WeCom — asking, typed
and tapped answers, complaints, 修改, 取消, 确认 once, stale buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pytest

import nlp
from bot.context import Context
from bot.dialogs import engine
from bot.dialogs.declare import Answer, Choice, Dialog, Saved, Slot, Turn, text_slot
from bot.messages import BUTTON_LIMITS, Card, Incoming, Text
from crm_core.models import User, UserIdentity
from crm_core.services.users import user_by_identity
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e
SAVED: list[tuple[str, date | None, list[str]]] = []


@dataclass
class Reminder:
    title: str = ""
    day: date | None = None
    tags: list[str] = field(default_factory=list)


async def read_day(t: Turn, d: Reminder, text: str) -> Answer:
    when = nlp.parse_when(text, t.ctx.now)
    if when.date is None:
        return "没听懂日期，如「周四」「12月3日」。"
    d.day = when.date
    return None


async def tag_choices(t: Turn, d: Reminder) -> Sequence[Choice]:
    return [Choice(f"标签{i}", f"t{i}") for i in range(1, 15)]


async def pick_tag(t: Turn, d: Reminder, value: str) -> Answer:
    d.tags.append(value)
    return None


async def card(t: Turn, d: Reminder) -> Card:
    return Card("确认提醒", fields=(("事项", d.title), ("日期", str(d.day)),
                                  ("标签", "、".join(d.tags) or "—")))


async def save(t: Turn, uow: UnitOfWork, d: Reminder) -> Saved:
    SAVED.append((d.title, d.day, list(d.tags)))
    return Saved([Text(f"✅ 已记下：{d.title}")])


REMIND = engine.register(Dialog(
    name="test_remind", title="提醒", draft=Reminder,
    slots=(text_slot("title", "事项", "提醒你做什么？"),
           Slot("day", "日期", "哪天？", read=read_day, missing=lambda t, d: d.day is None),
           Slot("tags", "标签", "选个标签", choices=tag_choices, pick=pick_tag,
                missing=lambda t, d: not d.tags)),
    confirm=card, save=save,
))


async def _start(chat: ChatHarness, title: str = "") -> list:
    async with chat.bot.uow() as uow:
        user = await user_by_identity(uow, chat.platform, chat.user)
    assert user is not None
    inc = Incoming("start", chat._chat(None), chat.clock.now(), text="")
    chat.last = await engine.start(Context(chat.bot, user, inc), REMIND, Reminder(title=title))
    return chat.last


async def test_a_declared_dialog_runs_end_to_end(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    SAVED.clear()
    assert text_of(await _start(chat)) == "提醒你做什么？"
    assert text_of(await chat.say("给王主任寄资料")) == "哪天？"
    assert "没听懂日期" in text_of(await chat.say("改天吧"))
    out = text_of(await chat.say("周四"))
    assert out.startswith("选个标签") and "[更多]" in out          # console: 9 and [更多]
    c = [r for r in chat.last if isinstance(r, Card)][-1]
    assert len(c.buttons) == BUTTON_LIMITS["console"]
    c = [r for r in await chat.say("标签12") if isinstance(r, Card)][-1]   # typed, page 2
    assert c.title == "确认提醒" and ("标签", "t12") in c.fields
    old = chat.last
    await chat.press("修改")
    await chat.press("日期")
    c = [r for r in await chat.say("周五") if isinstance(r, Card)][-1]
    assert ("日期", "2026-11-27") in c.fields
    chat.last = old
    assert "这张卡片已更新" in text_of(await chat.press("确认"))      # the old card
    assert SAVED == []
    assert text_of(await chat.say("确认")) == "✅ 已记下：给王主任寄资料"
    chat.last = old
    assert "已经保存过了" in text_of(await chat.press("确认"))
    assert [("给王主任寄资料", date(2026, 11, 27), ["t12"])] == SAVED


async def test_cancel_and_wecom_paging(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    SAVED.clear()
    await _start(chat, "回访")
    await chat.say("明天")
    chat.platform = "wecom"                                      # same user, WeCom limits
    async with chat.bot.uow() as uow:
        user = await uow.session.get(User, 6)
        assert user is not None
        uow.add(UserIdentity(user_id=user.id or 0, platform="wecom", platform_user_id="ZW"))
        await uow.commit()
    chat.user = "ZW"
    await _start(chat, "拜访")
    await chat.say("明天")
    pages = 0
    seen: list[str] = []
    while True:
        c = [r for r in chat.last if isinstance(r, Card)][-1]
        assert len(c.buttons) <= BUTTON_LIMITS["wecom"]
        seen += [b.label for b in c.buttons if b.label != "更多"]
        pages += 1
        if pages > 5 or len(seen) >= 14:
            break
        await chat.press("更多")
    assert len(set(seen)) == 14 and pages == 3
    assert text_of(await chat.say("取消")) == "已取消，没有保存。"
    assert SAVED == []
