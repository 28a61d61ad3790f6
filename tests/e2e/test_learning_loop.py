"""Learning from corrections end to end (issue 13): a rep corrects the customer the bot read
from their own words; the same words read right for that rep at once, not yet for a colleague
(the team's alias waits for an admin); a step no preset names is shown in the rep's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.messages import Card
from crm_core.models import Correction, LearnedAlias
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


def card(replies: list) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert cards, f"no card in {replies!r}"
    return cards[-1]


async def test_a_corrected_customer_is_read_right_next_time(chat: ChatHarness) -> None:
    out = text_of(await chat.say("下午去鼓楼江北分院见了王主任，下周二报价"))
    assert "「鼓楼江北分院」还不是我们的客户" in out
    c = card(await chat.say("鼓楼医院"))                 # the rep names the right customer
    assert dict(c.fields)["客户"] == "南京市鼓楼医院"
    await chat.say("确认")
    async with chat.bot.db.session() as s:
        fixed = list((await s.execute(select(Correction))).scalars())
        learned = list((await s.execute(select(LearnedAlias))).scalars())
    assert ("customer", "鼓楼江北分院", "南京市鼓楼医院") in [
        (x.field_name, x.old_value, x.new_value) for x in fixed]
    # (王主任 → 王建国 followed from the customer: the contact's own alias teaches nothing)
    assert {(x.phrase, x.target, x.status) for x in learned} == {
        ("鼓楼江北分院", "南京市鼓楼医院", "active"),        # the rep's own, in force
        ("鼓楼江北分院", "南京市鼓楼医院", "pending")}       # the team's, for an admin
    # the same words again: straight to the card, with the customer the rep taught
    c = card(await chat.say("鼓楼江北分院的王主任说下周三再谈"))
    assert dict(c.fields)["客户"] == "南京市鼓楼医院"
    await chat.say("取消")
    # a colleague is still asked
    out = text_of(await chat.say("下午去鼓楼江北分院见了王主任，下周二报价", user="wanglei"))
    assert "「鼓楼江北分院」还不是我们的客户" in out
    # the correction is counted in the live accuracy figure admins see in /系统
    status = text_of(await chat.say("/系统", user="linxiao"))
    assert "识别准确度（近 7 天）" in status and "被改过：客户" in status


async def test_a_step_no_preset_names_shows_the_reps_words(chat: ChatHarness) -> None:
    c = card(await chat.say("下午见了鼓楼医院王主任，下周三去做手术跟台培训前的术前沟通"))
    step = dict(c.fields)["下一步"]
    assert step.startswith("其他：") and "术前沟通" in step


async def test_admin_approves_learned_words_for_the_team(chat: ChatHarness) -> None:
    await chat.say("下午去鼓楼江北分院见了王主任，下周二报价")
    await chat.say("鼓楼医院")
    await chat.say("确认")
    await chat.say("/管理", user="linxiao")
    listing = text_of(await chat.say("说法", user="linxiao"))
    pending = next(x for x in listing.splitlines() if "待批准" in x)
    assert "鼓楼江北分院 → 南京市鼓楼医院" in pending
    await chat.say("批准学到的说法", user="linxiao")
    assert "没有编号" in text_of(await chat.say("99999", user="linxiao"))
    preview = card(await chat.say(pending.split(".")[0], user="linxiao"))
    assert "批准说法：鼓楼江北分院 → 南京市鼓楼医院" in preview.body
    assert "已批准" in text_of(await chat.say("确认", user="linxiao"))
    # now a colleague's note with the same words reads the customer too
    c = card(await chat.say("下午去鼓楼江北分院见了王主任，下周二报价", user="wanglei"))
    assert dict(c.fields)["客户"].startswith("南京市鼓楼医院")   # （张伟的客户）
    # a rep cannot open the list
    await chat.say("取消", user="wanglei")
    assert "权限" in text_of(await chat.say("/管理", user="wanglei"))


async def test_admin_sets_a_presets_words_with_a_preview_and_can_undo(chat: ChatHarness) -> None:
    note = "明天去省人医给李科长路演一下"
    before = card(await chat.say(note))
    assert dict(before.fields)["下一步"] != "预约演示"
    await chat.say("取消")
    await chat.say("/管理", user="linxiao")
    await chat.say("说法", user="linxiao")
    await chat.say("下一步的说法", user="linxiao")
    bad = text_of(await chat.say("不存在的预设：走访", user="linxiao"))
    assert "没有「不存在的预设」这个预设" in bad
    preview = card(await chat.say("预约演示：路演、演示", user="linxiao"))
    assert "下一步动作的说法「预约演示」→ 路演、演示" in preview.body
    assert "最近的跟进里" in preview.body
    assert "已生效" in text_of(await chat.say("确认", user="linxiao"))
    after = card(await chat.say(note))
    assert dict(after.fields)["下一步"] == "预约演示"
    await chat.say("取消")
    assert "已撤销" in text_of(await chat.say("/管理 撤销", user="linxiao"))
    again = card(await chat.say(note))
    assert dict(again.fields)["下一步"] == dict(before.fields)["下一步"]
