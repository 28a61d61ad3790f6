"""/公海, /抢单 and /转派 through the bot, on the demo company."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm_core.models import ClaimOffer, ClaimOfferCandidate, Lead, User
from crm_core.services import intake, pool
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, text_of


async def _lead(chat: ChatHarness, **payload: object) -> intake.IntakeResult:
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        return await intake.intake_lead(uow, {"name": "钱主任", **payload})


async def test_demo_lead_routed_by_team_defaults(sqlite_chat: ChatHarness) -> None:
    res = await _lead(sqlite_chat, company="南京江宁医院", address="南京江宁区",
                      phone="13511112222", product="椎间融合器")
    assert res.reason is not None
    assert res.reason.startswith("按规则「南京骨科组·默认」分配")
    res = await _lead(sqlite_chat, company="无锡某医院", address="无锡滨湖区",
                      phone="13511112223", product="超声刀")
    assert len(res.offered_to) == 3                 # 苏锡常设备组 is weighted: 抢单


async def test_grab_by_button(sqlite_chat: ChatHarness) -> None:
    res = await _lead(sqlite_chat, company="苏州某医院", address="苏州吴中区",
                      phone="13511113333", product="吻合器")
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        offer_id = (await uow.session.execute(select(ClaimOffer.id))).scalars().one()
        logins = (await uow.session.execute(
            select(User.login).join(ClaimOfferCandidate, ClaimOfferCandidate.user_id == User.id)
            .order_by(ClaimOfferCandidate.rank))).scalars().all()
    replies = await sqlite_chat.say(f"/抢单 {offer_id}", user=logins[1])
    assert "抢单成功" in text_of(replies)
    replies = await sqlite_chat.say(f"/grab {offer_id}", user=logins[0])
    assert "已被" in text_of(replies)
    replies = await sqlite_chat.say(f"/抢单 {offer_id}", user="zhangwei")
    assert "没有派给你" in text_of(replies)
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None
        assert lead.status == "claimed"


async def test_reassign_command_managers_only(sqlite_chat: ChatHarness) -> None:
    res = await _lead(sqlite_chat, company="南京某医院", address="南京玄武区",
                      phone="13511114444", product="骨水泥")
    replies = await sqlite_chat.say(f"/转派 {res.lead_id} 李娜", user="zhangwei")
    assert "转派" not in text_of(replies) or "权限" in text_of(replies) or \
        "经理" in text_of(replies)
    replies = await sqlite_chat.say(f"/转派 {res.lead_id}", user="chengang")
    assert "转派给谁" in text_of(replies)
    replies = await sqlite_chat.press("李娜", user="chengang")
    assert "由陈刚转派给李娜" in text_of(replies)
    replies = await sqlite_chat.say(f"/reassign {res.lead_id} 浙沪医疗组", user="chengang")
    assert "转派至浙沪医疗组" in text_of(replies)


async def test_pool_list_and_claim(sqlite_chat: ChatHarness) -> None:
    res = await _lead(sqlite_chat, company="常州某医院", address="常州武进",
                      phone="13511115555", product="骨科钛板")
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        assert lead is not None
        owner = lead.owner_id
        lead.last_activity_at = sqlite_chat.clock.now() - timedelta(days=30)
        lead.assigned_at = lead.last_activity_at
        uow.add(lead)
        await uow.commit()
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        await pool.reclaim_idle_leads(uow)
    sqlite_chat.clock.advance(timedelta(days=1))
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        assert await pool.reclaim_idle_leads(uow) >= 1
    replies = await sqlite_chat.say("/公海", user="gaojie")
    assert "今天还可认领" in text_of(replies)
    replies = await sqlite_chat.say("/公海 常州某医院", user="gaojie")
    text = text_of(replies)
    assert f"#L{res.lead_id}" in text
    assert "今天还可认领" in text
    replies = await sqlite_chat.say(f"/公海 认领 {res.lead_id}", user="gaojie")
    assert "已从公海认领" in text_of(replies)
    async with UnitOfWork(sqlite_chat.bot.db, sqlite_chat.clock) as uow:
        lead = await uow.session.get(Lead, res.lead_id)
        gaojie = (await uow.session.execute(
            select(User).where(User.login == "gaojie"))).scalars().one()
        assert lead is not None
        assert lead.owner_id == gaojie.id
        assert lead.previous_owner_id == owner
