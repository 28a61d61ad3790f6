"""Routing that never surprises (issue 15, item 1), through the console and the demo company:
the table in words, conditions on budget/source/type/score from the menu, the 30-day
preview before confirming, a first rule that keeps team routing, bad input refused."""

from __future__ import annotations

import pytest

from crm_core.services import intake
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


async def _open_routing(chat: ChatHarness) -> str:
    chat.user = "linxiao"
    await chat.say("/管理")
    return text_of(await chat.press("分配规则"))


async def test_the_table_is_shown_in_words(sqlite_chat: ChatHarness) -> None:
    out = await _open_routing(sqlite_chat)
    assert "从上往下看" in out
    assert "［团队默认］南京骨科组·默认：省份为江苏省，且产品线为" in out
    assert "不会分给经理、总监或管理员" in out


async def test_budget_rule_previews_the_last_30_days_then_applies(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await _open_routing(chat)
    await chat.press("新增规则")
    out = text_of(await chat.say("大单 预算>=5万 类型=医院 → 浙沪医疗组"))
    assert "确认修改？" in out
    assert "最近30天" in out
    assert "条会改派" in out
    assert "→ 浙沪医疗组" in out            # the moves are named
    out = text_of(await chat.press("确认"))
    assert "已生效" in out
    out = await _open_routing(chat)
    assert "大单：客户类型为hospital，且预算 ≥ 50000元 → 分给浙沪医疗组" in out


@pytest.mark.parametrize(("answer", "why"), [
    ("大单 预算>很多 → 浙沪医疗组", "要写数字"),
    ("大单 颜色=红 → 浙沪医疗组", "不认识条件"),
    ("大单 预算>10万 预算<5万 → 浙沪医疗组", "原规则不变"),
    ("错组 省份=江苏 → 不存在的组", "原规则不变"),
])
async def test_bad_rules_are_refused_with_the_reason(sqlite_chat: ChatHarness, answer: str,
                                                      why: str) -> None:
    chat = sqlite_chat
    await _open_routing(chat)
    await chat.press("新增规则")
    out = text_of(await chat.say(answer))
    assert why in out
    assert "确认修改？" not in out


async def test_a_first_fallback_rule_keeps_team_routing(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await _open_routing(chat)
    await chat.press("新增规则")
    assert "确认修改？" in text_of(await chat.say("兜底 → 南京骨科组"))
    assert "已生效" in text_of(await chat.press("确认"))
    bot = chat.bot
    async with UnitOfWork(bot.db, bot.clock) as uow:
        res = await intake.intake_lead(uow, {
            "name": "周主任", "company": "杭州市第三人民医院", "address": "杭州市上城区",
            "phone": "13911112222", "product": "监护仪"})
    assert res.reason is not None
    assert "浙沪医疗组" in res.reason          # the team's own rule, not the new fallback


async def test_holidays_and_quiet_hours_from_the_menu(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    await chat.say("/管理")
    out = text_of(await chat.say("节假日"))          # on the menu's second page: typed
    assert "2027 年日历：缺失" in out
    await chat.press("添加假期/调休")
    out = text_of(await chat.say("元旦 2027-01-01 01-03\n元旦补 2027-01-03 01-04"))
    assert "日期重叠" in out                          # refused, nothing proposed
    out = text_of(await chat.say("元旦 2027-01-01 01-03\n调休 2027-01-09"))
    assert "确认修改？" in out
    assert "已生效" in text_of(await chat.press("确认"))
    await chat.say("/管理")
    out = text_of(await chat.say("节假日"))
    assert "元旦：2027-01-01~01-03" in out
    assert "2027 年日历：已有" in out

    await chat.say("/管理")
    out = text_of(await chat.press("响应时限"))
    assert "免打扰时段：22:00–07:30" in out
    await chat.press("免打扰时段")
    assert "格式不对" in text_of(await chat.say("25:00-07:00"))
    assert "确认修改？" in text_of(await chat.say("21:00-08:00"))
    assert "已生效" in text_of(await chat.press("确认"))
    await chat.say("/管理")
    assert "免打扰时段：21:00–08:00" in text_of(await chat.press("响应时限"))


async def test_utm_mapping_from_the_menu(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    await chat.say("/管理")
    out = text_of(await chat.press("渠道与费用"))
    assert "来源映射：百度←baidu" in out
    await chat.press("来源映射")
    out = text_of(await chat.say("抖音 douyin baidu"))
    assert "同时映射" in out and "原设置不变" in out
    out = text_of(await chat.say("信息流 feed"))
    assert "确认修改？" in out
    assert "已生效" in text_of(await chat.press("确认"))
