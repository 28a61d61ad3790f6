"""One numbering and cards that fit the platform (issue 14, items 6 and 7), as chat sessions:
the number a card shows is the number its command takes; no card carries more buttons than
the platform it goes to can show; menus page with [更多] and their items work typed out;
lists show true totals and [下一页]."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.messages import BUTTON_LIMITS, Card
from bot.render import render_notification
from crm_core.models import ClaimOffer, Escalation, Lead, OutboxMessage, User, UserIdentity
from crm_core.services import intake
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


async def _users(chat: ChatHarness) -> dict[str, User]:
    async with chat.bot.db.session() as s:
        return {u.login: u for u in (await s.execute(select(User))).scalars()}


async def test_the_offer_card_number_is_what_grab_takes(chat: ChatHarness) -> None:
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:     # 苏锡常设备组 offers (抢单)
        res = await intake.intake_lead(uow, {"name": "钱主任", "company": "无锡某医院",
                                             "address": "无锡滨湖区", "phone": "13511112223",
                                             "product": "超声刀"})
    assert res.offered_to and res.lead_id is not None
    async with chat.bot.db.session() as s:
        offer = (await s.execute(select(ClaimOffer))).scalars().one()
        push = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "lead.offer"))).scalars().first()
    assert push is not None and offer.lead_id == res.lead_id
    [shown] = render_notification("lead.offer", push.payload)
    assert isinstance(shown, Card)
    assert shown.title.startswith(f"⚡ 抢单 #O{offer.id} ")
    assert ("线索", f"#L{res.lead_id}") in shown.fields
    logins = {u.name: u.login for u in (await _users(chat)).values()}
    first, second = (logins[name] for name in res.offered_to[:2])
    out = text_of(await chat.say(f"/抢单 #L{res.lead_id}", user=first))   # the lead's number
    assert f"抢单成功 · 线索 #L{res.lead_id}" in out
    out = text_of(await chat.say(f"/抢单 #O{offer.id}", user=second))
    assert "手慢了" in out
    assert "是商机编号" in text_of(await chat.say("/抢单 D3", user=second))


async def _alerts(chat: ChatHarness) -> tuple[Escalation, Escalation]:
    """Two open alerts to 陈刚: one about lead #L105, one about a deal."""
    u = await _users(chat)
    now = chat.clock.now()
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        lead_alert = Escalation(key="sla:first_contact:105:1:L2", rule="first_contact",
                                subject_id=105, lead_id=105, owner_id=u["zhangwei"].id,
                                recipient_id=u["chengang"].id, level=2, started_at=now,
                                deadline_at=now, fired_at=now)
        deal_alert = Escalation(key="sla:stage_stuck:7:1:L2", rule="stage_stuck", subject_id=7,
                                lead_id=None, owner_id=u["zhangwei"].id,
                                recipient_id=u["chengang"].id, level=2, started_at=now,
                                deadline_at=now, fired_at=now)
        uow.add(lead_alert)
        uow.add(deal_alert)
        await uow.commit()
    return lead_alert, deal_alert


async def test_urging_by_the_leads_number_urges_that_leads_alert(chat: ChatHarness) -> None:
    lead_alert, deal_alert = await _alerts(chat)
    chat.user = "chengang"
    out = text_of(await chat.say("/催办 #L105"))
    assert f"预警 #A{lead_alert.id}，线索 #L105" in out
    async with chat.bot.db.session() as s:
        urged = {e.id: e.action for e in (await s.execute(select(Escalation))).scalars()}
    assert urged == {lead_alert.id: "urge", deal_alert.id: None}
    out = text_of(await chat.say(f"/延期 #A{deal_alert.id}"))
    assert f"预警 #A{deal_alert.id}" in out
    assert "这里要预警编号" in text_of(await chat.say("/催办 D3"))
    assert "没有发给你的待处理预警" in text_of(await chat.say("/催办 #L3"))


async def test_alert_cards_show_the_number_the_buttons_and_commands_use() -> None:
    from bot.render.examples import EXAMPLES

    [c] = render_notification("sla.alert", EXAMPLES["sla.alert"])
    assert isinstance(c, Card)
    assert ("预警", "#A5") in c.fields
    assert [b.label for b in c.buttons] == ["催办", "转派", "延期"]


@pytest.fixture
async def wecom_admin(sqlite_chat: ChatHarness) -> ChatHarness:
    """林晓 and 张伟 on WeCom (6 buttons a card)."""
    u = await _users(sqlite_chat)
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        for login in ("linxiao", "zhangwei"):
            uow.add(UserIdentity(user_id=u[login].id or 0, platform="wecom",
                                 platform_user_id=login.capitalize(), chat_id=None))
        await uow.commit()
    sqlite_chat.platform = "wecom"
    sqlite_chat.user = "Linxiao"
    return sqlite_chat


async def _say(chat: ChatHarness, line: str, user: str | None = None) -> str:
    replies = await chat.say(line, user=user)
    for r in replies:
        if isinstance(r, Card):
            assert len(r.buttons) <= BUTTON_LIMITS["wecom"], (line, r.title)
    return text_of(replies)


async def _press(chat: ChatHarness, label: str) -> str:
    replies = await chat.press(label)
    for r in replies:
        if isinstance(r, Card):
            assert len(r.buttons) <= BUTTON_LIMITS["wecom"], (label, r.title)
    return text_of(replies)


async def test_wecom_menus_page_with_more_and_every_item_is_reachable(
        wecom_admin: ChatHarness) -> None:
    chat = wecom_admin
    out = await _say(chat, "/管理")
    assert "[更多]" in out and "[预设]" not in out
    seen: set[str] = set()
    for _ in range(4):
        seen |= {line[1:-1] for line in out.splitlines() if line.startswith("[")}
        out = await _press(chat, "更多")
    assert {"预设", "阶段", "渠道与费用", "最近修改", "撤销上次修改"} <= seen
    await _say(chat, "/管理")
    out = await _say(chat, "渠道与费用")                      # typed, from another page
    assert "来源渠道：" in out
    out = await _say(chat, "来源渠道")
    assert "「+项目」添加" in out


async def test_wecom_next_action_picker_pages(wecom_admin: ChatHarness) -> None:
    chat = wecom_admin
    chat.user = "Zhangwei"
    out = await _say(chat, "刚给省人医李科长打了电话")
    assert "下一步打算做什么" in out and "[更多]" in out
    out = await _say(chat, "招标跟进")                          # on the second page, typed
    assert "招标跟进定在什么时候" in out


async def test_lists_show_true_totals_and_a_next_page(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "chengang"
    async with chat.bot.db.session() as s:
        team = [u.id for u in (await s.execute(select(User))).scalars()
                if u.login in ("chengang", "zhangwei", "wanglei", "lina", "zhaomin")]
        total = len(list((await s.execute(select(Lead).where(
            Lead.owner_id.in_(team)))).scalars()))  # type: ignore[union-attr]
    out = text_of(await chat.say("/线索 全部"))
    assert f"线索（共 {total} 条 · 1–10）" in out and "[下一页]" in out
    out = text_of(await chat.press("下一页"))
    assert f"线索（共 {total} 条 · 11–20）" in out
    out = text_of(await chat.say("/团队", user="zhoujianhua"))
    assert "团队看板（共 12 人 · 1–8）" in out and "[下一页]" in out
    chat.user = "zhoujianhua"
    assert "团队看板（共 12 人 · 9–12）" in text_of(await chat.press("下一页"))


async def test_numbers_typed_like_buttons(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    out = text_of(await chat.say("/待办"))
    task_ref = next(w for w in out.split() if w.startswith("#T"))
    assert "已完成 " + task_ref in text_of(await chat.say(f"完成 {task_ref}"))
    assert "是商机编号" in text_of(await chat.say("/完成 #D3"))
    out = text_of(await chat.say("/线索 L105"))
    assert out.startswith("线索 #L105")
    assert "没有线索 #L999999" in text_of(await chat.say("/线索 #L999999"))


async def test_a_stale_menu_does_not_act(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    chat.user = "linxiao"
    menu = await chat.say("/管理")
    chat.clock.advance(timedelta(hours=5))                     # nobody answered
    await chat.say("/待办")
    chat.last = menu
    assert "这张卡片已过期" in text_of(await chat.press("人员"))


async def test_a_bare_number_never_urges_an_alert_sent_to_someone_else(
        sqlite_chat: ChatHarness) -> None:
    lead_alert, deal_alert = await _alerts(sqlite_chat)
    u = await _users(sqlite_chat)
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        other = await uow.session.get(Escalation, deal_alert.id)
        assert other is not None
        other.recipient_id = u["liufang"].id                  # another manager's alert
        uow.add(other)
        await uow.commit()
    out = text_of(await sqlite_chat.say(f"/催办 {deal_alert.id}", user="chengang"))
    assert f"预警 #A{deal_alert.id} 不是发给你的" in out
    out = text_of(await sqlite_chat.say(f"/催办 {lead_alert.id}", user="chengang"))
    assert f"已催办（预警 #A{lead_alert.id}" in out
