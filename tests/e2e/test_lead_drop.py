"""放弃 a lead with a reason, the manager told; a dropped lead that asks again reopens; 撤销
right after entering a lead in chat. Every refusal changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.models import FollowUp, Lead, LeadEvent, OutboxMessage, User
from crm_core.services import intake
from crm_core.uow import UnitOfWork
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e


async def _lead_of(chat: ChatHarness, login: str, status: str = "claimed") -> Lead:
    async with chat.bot.db.session() as s:
        user = (await s.execute(select(User).where(User.login == login))).scalars().one()
        lead = (await s.execute(select(Lead).where(Lead.owner_id == user.id,
                                                   Lead.status == status)
                                .order_by(Lead.id))).scalars().first()
    assert lead is not None
    return lead


async def _fresh(chat: ChatHarness, lead_id: int) -> Lead:
    async with chat.bot.db.session() as s:
        lead = await s.get(Lead, lead_id)
    assert lead is not None
    return lead


async def _pushes(chat: ChatHarness, kind: str) -> list[OutboxMessage]:
    async with chat.bot.db.session() as s:
        return list((await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == kind))).scalars())


async def test_a_rep_drops_a_lead_with_a_reason_and_the_manager_is_told(
        chat: ChatHarness) -> None:
    lead = await _lead_of(chat, "zhangwei")
    card = text_of(await chat.say(f"/线索 #L{lead.id}"))
    assert "[放弃]" in card
    out = text_of(await chat.press("放弃"))
    assert f"放弃线索 #L{lead.id}" in out and "[空号/打不通]" in out
    assert (await _fresh(chat, lead.id or 0)).status == "claimed"      # asking changes nothing
    out = text_of(await chat.press("空号/打不通"))
    assert f"已放弃线索 #L{lead.id}（空号/打不通）" in out and "已通知陈刚" in out
    assert (await _fresh(chat, lead.id or 0)).status == "dropped"
    [push] = await _pushes(chat, "lead.dropped")
    assert push.payload["reason"] == "空号/打不通" and push.payload["by"] == "张伟"
    async with chat.bot.db.session() as s:
        manager = await s.get(User, push.recipient_id)
        events = list((await s.execute(select(LeadEvent).where(
            LeadEvent.lead_id == lead.id, LeadEvent.kind == "dropped"))).scalars())
    assert manager is not None and manager.login == "chengang"
    assert [e.detail["reason"] for e in events] == ["空号/打不通"]
    assert f"#L{lead.id} " not in text_of(await chat.say("/线索"))    # gone from the open list
    out = text_of(await chat.say(f"/放弃 #L{lead.id} 再来一次"))
    assert "已放弃，不能放弃" in out
    assert len(await _pushes(chat, "lead.dropped")) == 1


async def test_a_manager_dropping_a_reps_lead_tells_the_rep(chat: ChatHarness) -> None:
    lead = await _lead_of(chat, "zhangwei")
    out = text_of(await chat.say(f"/放弃 #L{lead.id} 重复线索", user="chengang"))
    assert "已放弃" in out and "张伟" in out
    [push] = await _pushes(chat, "lead.dropped")
    assert push.recipient_id == lead.owner_id and push.payload["by"] == "陈刚"


async def test_no_one_drops_a_lead_they_may_not_act_on(chat: ChatHarness) -> None:
    lead = await _lead_of(chat, "wanglei")
    out = text_of(await chat.say(f"/放弃 #L{lead.id} 非目标客户"))       # 张伟, another rep
    assert "不能放弃" in out or "不在你的名下" in out
    out = text_of(await chat.say(f"/放弃 #L{lead.id} 不要了", user="hewei"))  # another team's
    assert "已放弃" not in out
    assert (await _fresh(chat, lead.id or 0)).status == lead.status
    assert await _pushes(chat, "lead.dropped") == []


async def test_a_stale_reason_button_changes_nothing(chat: ChatHarness) -> None:
    lead = await _lead_of(chat, "zhangwei")
    await chat.say(f"/放弃 #L{lead.id}")
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:      # meanwhile: contacted
        row = await uow.session.get(Lead, lead.id)
        assert row is not None
        row.status = "contacted"
        uow.add(row)
        await uow.commit()
    out = text_of(await chat.press("非目标客户"))
    assert "刚被改过" in out
    assert (await _fresh(chat, lead.id or 0)).status == "contacted"


async def test_a_dropped_lead_that_asks_again_is_reopened_for_its_owner(
        chat: ChatHarness) -> None:
    lead = await _lead_of(chat, "zhangwei")
    await chat.say(f"/放弃 #L{lead.id} 客户无需求")
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        res = await intake.intake_lead(uow, {"name": lead.name, "company": lead.company,
                                             "phone": lead.phone, "message": "想再了解一下"})
    assert res.merged_into is not None and res.merged_into["lead_id"] == lead.id
    again = await _fresh(chat, lead.id or 0)
    assert (again.status, again.owner_id) == ("assigned", lead.owner_id)
    assert again.assigned_at is not None and again.assigned_at >= chat.clock.now()
    [told] = [p for p in await _pushes(chat, "lead.merged") if p.payload.get("lead_id") == lead.id]
    assert told.payload["reopened"] is True and told.recipient_id == lead.owner_id


async def test_undo_right_after_entering_a_lead(chat: ChatHarness) -> None:
    await chat.say("录入新线索：徐州市中心医院 骨科 葛主任 手机 13852106677")
    out = text_of(await chat.press("确认新建"))
    lead_id = int(out.split("#L")[1].split("，")[0])
    out = text_of(await chat.say("撤销"))
    assert f"已撤销新建的线索 #L{lead_id}" in out
    assert (await _fresh(chat, lead_id)).status == "dropped"
    assert await _pushes(chat, "lead.dropped") == []           # the rep's own slip: no alarm
    assert "没有可以撤销的记录" in text_of(await chat.say("撤销"))


async def test_undo_is_refused_once_the_lead_has_a_follow_up(chat: ChatHarness) -> None:
    await chat.say("录入新线索：徐州市中心医院 骨科 葛主任 手机 13852106677")
    out = text_of(await chat.press("确认新建"))
    lead_id = int(out.split("#L")[1].split("，")[0])
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        lead = await uow.session.get(Lead, lead_id)
        assert lead is not None
        uow.add(FollowUp(owner_id=lead.owner_id or 0, lead_id=lead_id, summary="打过电话",
                         channel="电话", source="chat", occurred_at=chat.clock.now(),
                         created_at=chat.clock.now()))
        await uow.commit()
    out = text_of(await chat.say("撤销"))
    assert "已有跟进，不能撤销" in out
    assert (await _fresh(chat, lead_id)).status != "dropped"
