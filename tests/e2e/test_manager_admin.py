"""Console channel, bot and SQLite: stage moves that ask for what is missing, the decision
chain on /客户, manager views, handover, and admin menus — and refusals for reps."""

from __future__ import annotations

import pytest

from bot import texts
from bot.messages import ButtonPress, Card, Image, Incoming
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


async def test_stage_move_asks_for_exactly_what_is_missing(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    out = text_of(await chat.say("鼓楼医院进入方案演示"))
    assert "会议纪要、文件或照片" in out
    assert "纪要" in out
    out = text_of(await chat.say("演示了超声刀，王主任很满意"))
    assert "上传文件或照片" in out
    out = text_of(await chat.say("随便说说"))
    assert "需要一个附件" in out
    out = text_of(await chat.say(":file 超声刀方案.pdf"))
    assert "已进入「方案演示」" in out
    out = text_of(await chat.say("鼓楼医院进入赢单"))
    assert "不能从「方案演示」直接到「赢单」" in out
    out = text_of(await chat.say("鼓楼医院进入输单"))
    assert "输单原因" in out
    out = text_of(await chat.press("价格太高"))
    assert "已进入「输单」" in out


async def test_manager_override_is_offered_and_recorded(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "chengang"
    out = text_of(await chat.say("鼓楼医院进入初步接触"))
    assert "不能从「合同谈判」直接到「初步接触」" in out
    out = text_of(await chat.press("强制推进"))
    assert "经理强制推进，已记录" in out


async def test_customer_card_shows_the_decision_chain(sqlite_chat: ChatHarness) -> None:
    out = text_of(await sqlite_chat.say("/客户 鼓楼医院"))
    assert "决策链：✅临床科室主任(" in out        # a clinical head was met (demo data)
    assert "未拜访：设备科、采购科、院长" in out


async def test_team_and_pipeline_for_managers(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "chengang"
    replies = await chat.say("/团队")
    out = text_of(replies)
    assert "团队看板（4 人）" in out
    assert "张伟 线索" in out
    replies = await chat.say("/pipeline")
    images = [r for r in replies if isinstance(r, Image)]
    assert len(images) == 1
    assert images[0].png.startswith(b"\x89PNG")
    assert "方案演示" in images[0].caption
    assert "本月阶段合规率" in text_of(replies)


@pytest.mark.parametrize("line", ["/团队", "/漏斗", "/交接 王磊 给 张伟", "/交接 撤销 王磊",
                                  "/管理", "/管理 撤销", "/admin", "/team", "/pipeline",
                                  "/handover 王磊 给 张伟"])
async def test_reps_are_refused(sqlite_chat: ChatHarness, line: str) -> None:
    assert text_of(await sqlite_chat.say(line)) == texts.FORBIDDEN


@pytest.mark.parametrize("line", ["/管理", "/管理 撤销", "/admin"])
async def test_managers_are_refused_admin_menus(sqlite_chat: ChatHarness, line: str) -> None:
    assert text_of(await sqlite_chat.say(line, user="chengang")) == texts.FORBIDDEN


@pytest.mark.parametrize("action", ["admin.menu", "team.view", "pipeline.view", "handover.run"])
async def test_reps_are_refused_admin_buttons(sqlite_chat: ChatHarness, action: str) -> None:
    chat = sqlite_chat
    replies = await chat.bot.handle(Incoming(
        "e-" + action, chat._chat(None), chat.clock.now(),
        pressed=ButtonPress(action, {"op": "confirm", "source": "6", "to": "7"})))
    assert text_of(replies) == texts.FORBIDDEN


async def test_handover_and_revert_from_chat(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "chengang"
    out = text_of(await chat.say("/交接 王磊 给 张伟 李娜"))
    assert "交接预览：王磊（休假）" in out
    assert "• 张伟：客户" in out
    out = text_of(await chat.press("确认交接"))
    assert "已交接" in out
    out = text_of(await chat.say("/交接 撤销 王磊"))
    assert "已撤销王磊的交接" in out


async def test_admin_menu_preview_confirm_refuse_and_undo(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    menu = await chat.say("/管理")
    assert isinstance(menu[0], Card)
    assert "阶段" in text_of(menu)
    section = text_of(await chat.press("阶段"))
    # one stage a line (the section once listed its text character by character)
    assert "初步接触 → 需求确认" in section
    out = text_of(await chat.press("修改/新增阶段"))
    assert "一行一个阶段" in out
    out = text_of(await chat.say("合同谈判 下一阶段=方案演示、输单"))
    assert "永远到不了赢单" in out
    assert "原配置不变" in out
    out = text_of(await chat.say("方案演示 进入=会议纪要、文件、报价说明"))
    assert "确认修改？" in out
    assert "报价说明" in out
    out = text_of(await chat.press("确认"))
    assert "已生效" in out
    out = text_of(await chat.say("/管理 撤销"))
    assert "已撤销" in out

    await chat.say("/管理")
    await chat.press("预设")
    await chat.press("推进障碍")
    out = text_of(await chat.say("+集采降价"))
    assert "集采降价" in out
    out = text_of(await chat.press("取消"))
    assert "没有修改" in out


async def test_stage_command_with_alias_and_deal_number(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    out = text_of(await chat.say("/推进"))
    assert "阶段：初步接触、需求确认" in out
    out = text_of(await chat.say("/stage 省人医 输单"))
    assert "江苏省人民医院" in out
    assert "输单原因" in out
    out = text_of(await chat.press("需求变化"))
    assert "已进入「输单」" in out


async def test_source_channels_are_managed_in_the_menu(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    await chat.say("/管理")
    out = text_of(await chat.press("渠道与费用"))
    assert "来源渠道：官网表单" in out
    await chat.press("来源渠道")
    out = text_of(await chat.say("+抖音"))
    assert "来源渠道 →" in out
    assert "抖音" in out
    assert "已生效" in text_of(await chat.press("确认"))


async def test_evidence_given_beforehand_is_not_asked_again(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    assert "用法" in text_of(await chat.say("/附件"))
    out = text_of(await chat.say("/附件 鼓楼医院 演示照片.jpg"))
    assert "已把照片「演示照片.jpg」加到商机" in out
    out = text_of(await chat.say("/推进 鼓楼医院 方案演示"))
    assert "还需要：会议纪要。" in out
    assert "已进入「方案演示」" in text_of(await chat.say("演示很顺利，主任认可"))


async def test_a_forged_admin_dialog_is_still_refused_by_the_service(
        sqlite_chat: ChatHarness) -> None:
    """Even with an admin draft in the database, a rep's 确认 hits the service check."""
    from crm_core.services import drafts
    from crm_core.services.users import user_by_login

    chat = sqlite_chat
    async with chat.bot.uow() as uow:
        rep = await user_by_login(uow, "zhangwei")
        assert rep is not None
        proposal = {"kind": "config", "target": "presets.obstacles", "summary": "x",
                    "before": None, "after": ["a"], "warnings": []}
        row = await drafts.create_draft(
            uow, rep, chat._chat(None).key, "admin",
            {"section": "presets", "action": "config.presets.obstacles",
             "proposal": proposal}, {"mode": "confirm"}, kept=False, summary="",
            expires_at=None)
        await uow.commit()
    replies = await chat.bot.handle(Incoming(
        "forge-confirm", chat._chat(None), chat.clock.now(),
        pressed=ButtonPress("dlg.admin.confirm", {"d": str(row.id), "v": str(row.version)})))
    assert text_of(replies) == "你没有这个操作的权限"
    replies = await chat.bot.handle(Incoming(
        "forge-other", chat._chat("lina"), chat.clock.now(),
        pressed=ButtonPress("dlg.admin.confirm", {"d": str(row.id), "v": str(row.version)})))
    assert text_of(replies) == texts.CARD_EXPIRED           # someone else's draft


async def test_procurement_project_shows_up_in_the_decision_chain(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    assert "用法" in text_of(await chat.say("/项目"))
    out = text_of(await chat.say("/项目 鼓楼医院 2027骨科集采 王建国 郑丽=财务 产品=椎间融合器"))
    assert "已建采购项目「2027骨科集采」" in out
    assert "临床科室主任、财务" in out
    out = text_of(await chat.say("/客户 鼓楼医院"))
    assert "财务(郑丽)" in out
    assert "⬜设备科" in out
    assert "没有联系人「路人甲」" in text_of(await chat.say("/项目 鼓楼医院 X 路人甲"))
