"""/看板 (issue 15, item 5) through the console on the demo company."""

from __future__ import annotations

import pytest

from bot.messages import Card, Image
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


async def test_manager_sees_the_three_kpis_with_thresholds_and_trend(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "chengang"
    replies = await chat.say("/看板")
    images = [r for r in replies if isinstance(r, Image)]
    assert len(images) == 1
    assert images[0].png.startswith(b"\x89PNG")
    out = text_of(replies)
    for label in ("72小时激活率", "阶段合规率", "客户档案完整率"):
        assert label in out
    assert "达标≥85%" in out
    assert "达标≥95%" in out
    assert "达标≥90%" in out
    assert "上期" in out
    assert "各销售" in out                          # a manager: his reps
    assert "张伟" in out
    assert "渠道投入产出" in out
    out = text_of(await chat.press("看近30天"))
    assert "近30天" in out


async def test_admin_drills_down_from_teams_to_reps(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    replies = await chat.say("/kpi")
    out = text_of(replies)
    assert "全公司" in out
    assert "各团队" in out
    card = next(r for r in replies if isinstance(r, Card))
    team_button = card.buttons[0]
    assert team_button.action == "kpi.view"
    out = text_of(await chat.press(team_button.label))
    assert "各销售" in out
    assert team_button.label in out


async def test_reps_are_refused(sqlite_chat: ChatHarness) -> None:
    out = text_of(await sqlite_chat.say("/看板"))
    assert "72小时激活率" not in out


async def test_a_rep_asks_the_manager_from_chat(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say("鼓楼医院进入方案演示")            # (the demo deal is at 合同谈判)
    await chat.say("取消")
    out = text_of(await chat.say("鼓楼医院进入初步接触"))
    assert "不能从" in out
    out = text_of(await chat.press("申请经理同意"))
    assert "已发给经理审批" in out


async def test_file_name_rule_set_by_the_admin_refuses_a_badly_named_file(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    await chat.say("/管理")
    await chat.press("阶段")
    await chat.press("文件命名规则")
    assert "原规则不变" in text_of(await chat.say("客户名_心情"))
    assert "确认修改？" in text_of(await chat.say("客户名_日期_版本号"))
    assert "已生效" in text_of(await chat.press("确认"))
    chat.user = "zhangwei"
    await chat.say("鼓楼医院进入方案演示")
    await chat.say("演示了超声刀，王主任很满意")
    out = text_of(await chat.say(":file 超声刀方案.pdf"))
    assert "不符合命名规则「客户名_日期_版本号」" in out
    out = text_of(await chat.say(":file 鼓楼医院_20261123_v1.pdf"))
    assert "已进入「方案演示」" in out
