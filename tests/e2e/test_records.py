"""Records a rep can trust (issue 14), as scripted chat sessions: nothing lost, nothing
mis-filed, everything correctable in chat. Each test is one defect of the issue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.messages import ButtonPress, Card, Incoming
from crm_core.models import (
    AuditLog,
    Contact,
    Correction,
    Customer,
    DailyReport,
    Draft,
    FollowUp,
    Lead,
    OutboxMessage,
    Task,
    User,
)
from crm_core.services.catalog import set_config
from crm_core.uow import UnitOfWork
from scheduler.runner import run_job
from tests.conftest import ChatHarness, text_of
from tests.e2e.test_followup_dialog import card, rows

pytestmark = pytest.mark.e2e

GULOU = "下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去"
SHENGRENYI = "刚给省人医李科长打了电话，周四去报价"


async def user(chat: ChatHarness, login: str) -> User:
    return (await rows(chat, User, User.login == login))[0]


# --- 1. drafts are never dropped ----------------------------------------------------------------

async def test_a_second_note_asks_and_keeps_both_until_the_rep_chooses(
        chat: ChatHarness) -> None:
    before = len(await rows(chat, FollowUp))
    await chat.say(SHENGRENYI)
    replies = await chat.say(GULOU)
    asked = next(r for r in replies if isinstance(r, Card) and r.title.startswith("上一条"))
    assert [b.label for b in asked.buttons] == ["保存上一条", "丢弃上一条", "一起处理"]
    assert card(replies).title == "确认跟进记录"               # the new note's card
    assert len(await rows(chat, Draft, Draft.status == "open")) == 2
    chat.last = [asked]
    saved = await chat.press("保存上一条")
    assert card(saved).title.startswith("✅ 跟进已保存")
    assert "江苏省人民医院" in text_of(saved)
    # the new note is still the one typed answers go to
    assert card(await chat.say("确认")).title.startswith("✅ 跟进已保存")
    assert len(await rows(chat, FollowUp)) == before + 2


async def test_drop_the_previous_or_handle_both(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say(SHENGRENYI)
    replies = await chat.say(GULOU)
    chat.last = [r for r in replies if isinstance(r, Card) and r.title.startswith("上一条")]
    assert "已取消" in text_of(await chat.press("丢弃上一条"))
    assert [d.summary for d in await rows(chat, Draft, Draft.status == "open")] == [
        "南京市鼓楼医院 · 送样试用"]
    await chat.say("取消")
    await chat.say(SHENGRENYI)
    replies = await chat.say(GULOU)
    chat.last = [r for r in replies if isinstance(r, Card) and r.title.startswith("上一条")]
    both = await chat.press("一起处理")                        # the previous card, live again
    assert "江苏省人民医院" in text_of(both)
    assert card(await chat.press("确认")).title.startswith("✅ 跟进已保存")
    assert len(await rows(chat, Draft, Draft.status == "open")) == 1


async def test_an_unanswered_draft_is_listed_reminded_and_counted(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say(GULOU)
    chat.clock.advance(timedelta(hours=2))                    # the question lapsed …
    out = text_of(await chat.say("/草稿"))                   # … the draft did not
    assert "草稿（1）" in out and "南京市鼓楼医院 · 送样试用" in out
    settings = chat.bot.settings
    at = chat.clock.now() + timedelta(hours=settings.draft_ttl_hours - 3)
    await run_job("draft_reminders", chat.bot.db, chat.clock, settings, at)
    await run_job("draft_reminders", chat.bot.db, chat.clock, settings, at)   # once only
    reminders = await rows(chat, OutboxMessage, OutboxMessage.kind == "draft.reminder")
    assert len(reminders) == 1
    await run_job("daily_report_prompt", chat.bot.db, chat.clock, settings,
                  chat.clock.now().replace(hour=18, minute=0))
    prompt = (await rows(chat, OutboxMessage, OutboxMessage.kind == "daily_report.prompt",
                         OutboxMessage.recipient_id == (await user(chat, "zhangwei")).id))[0]
    assert prompt.payload["open_drafts"] == 1
    # expired, still listed, and restored by its number
    await run_job("draft_reminders", chat.bot.db, chat.clock, settings,
                  chat.clock.now() + timedelta(hours=settings.draft_ttl_hours + 1))
    [draft] = await rows(chat, Draft, Draft.kept.is_(True))  # type: ignore[attr-defined]
    assert draft.status == "expired"
    assert "已过期" in text_of(await chat.say("/草稿"))
    assert card(await chat.say(f"/草稿 #R{draft.id}")).title == "确认跟进记录"
    assert card(await chat.say("确认")).title.startswith("✅ 跟进已保存")


# --- 2. correct and undo in chat -----------------------------------------------------------------

async def test_undo_takes_the_last_save_back_exactly(chat: ChatHarness) -> None:
    zhangwei = await user(chat, "zhangwei")
    leads_before = {x.id: (x.status, x.first_contacted_at)
                    for x in await rows(chat, Lead, Lead.owner_id == zhangwei.id)}
    tasks_before = len(await rows(chat, Task))
    await chat.say(GULOU)
    await chat.say("确认")
    out = text_of(await chat.say("撤销"))
    assert "已撤销跟进" in out
    assert {x.id: (x.status, x.first_contacted_at)
            for x in await rows(chat, Lead, Lead.owner_id == zhangwei.id)} == leads_before
    assert len(await rows(chat, Task)) == tasks_before
    assert await rows(chat, FollowUp, FollowUp.source == "chat") == []
    assert "没有可以撤销的记录" in text_of(await chat.say("撤销"))
    actions = {a.action for a in await rows(chat, AuditLog, AuditLog.actor == "zhangwei")}
    assert {"followup.log", "followup.undo", "lead.followup_undo"} <= actions


async def test_undo_window_is_configurable(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        await set_config(uow, "followup.undo_minutes", 5)
        await uow.commit()
    await chat.say(GULOU)
    saved = card(await chat.say("确认"))
    chat.clock.advance(timedelta(minutes=6))
    out = text_of(await chat.say("撤销"))
    assert "只能撤销 5 分钟内" in out and "/改 #F" in out
    assert saved.title.split("#F")[1] in out


async def test_plain_corrections_of_the_last_record(chat: ChatHarness) -> None:
    await chat.say(SHENGRENYI)
    await chat.say("确认")
    [fu] = await rows(chat, FollowUp, FollowUp.source == "chat")
    c = card(await chat.say("刚才那条客户记错了，是鼓楼医院"))
    assert c.title == f"确认修改跟进 #F{fu.id}"
    assert "客户：江苏省人民医院 → 南京市鼓楼医院" in c.body
    assert card(await chat.say("确认")).title == f"✅ 已修改跟进 #F{fu.id}"
    c = card(await chat.say("时间改成周五"))
    assert "时间：11月26日(周四) → 11月27日(周五)" in c.body
    await chat.press("确认")
    [fu] = await rows(chat, FollowUp, FollowUp.id == fu.id)
    gulou = (await rows(chat, Customer, Customer.name == "南京市鼓楼医院"))[0]
    assert fu.customer_id == gulou.id and fu.next_due_at is not None
    assert fu.next_due_at.day == 27
    [task] = await rows(chat, Task, Task.followup_id == fu.id)
    assert task.title == "南京市鼓楼医院：报价" and task.due_at == fu.next_due_at
    fields = {(x.field_name, x.phrase) for x in await rows(chat, Correction)}
    assert ("customer", "刚才那条客户记错了，是鼓楼医院") in fields
    assert ("next_date", "时间改成周五") in fields
    before_after = list(await rows(chat, AuditLog, AuditLog.action == "followup.update"))
    assert len(before_after) == 2 and before_after[0].before and before_after[0].after
    out = text_of(await chat.say("撤销"))                      # the last change, not the note
    assert "已撤销对跟进" in out
    [fu] = await rows(chat, FollowUp, FollowUp.id == fu.id)
    assert fu.next_due_at is not None and fu.next_due_at.day == 26


async def test_edit_a_saved_note_by_its_number(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say(GULOU)
    saved = card(await chat.say("确认"))
    ref = saved.title.split(" ")[-1]
    c = card(await chat.say(f"/改 {ref}"))
    assert c.title == f"确认修改跟进 {ref}"
    c = card(await chat.press("修改"))
    assert "下一步" in [b.label for b in c.buttons]
    await chat.press("下一步")
    c = card(await chat.say("报价"))
    assert "下一步：送样试用 → 报价" in c.body
    assert card(await chat.press("确认")).title == f"✅ 已修改跟进 {ref}"


async def test_corrections_with_nothing_to_correct_change_nothing(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    before = len(await rows(chat, FollowUp))
    assert "没有可以更正的记录" in text_of(await chat.say("刚才那条客户记错了，是鼓楼医院"))
    assert "没有可以撤销的记录" in text_of(await chat.say("撤销"))
    assert "没有可以修改的记录" in text_of(await chat.say("/改"))
    zw = await user(chat, "zhangwei")
    theirs = (await rows(chat, FollowUp, FollowUp.owner_id != zw.id))[0].id
    assert f"没有你记的跟进 #F{theirs}" in text_of(await chat.say(f"/改 #F{theirs}"))
    assert "是线索编号" in text_of(await chat.say("/改 L5"))
    assert len(await rows(chat, FollowUp)) == before


# --- 3. a follow-up touches only its own lead -----------------------------------------------------

async def _extra_leads(chat: ChatHarness) -> tuple[int, int]:
    """Two more open leads of zhangwei at 鼓楼医院: 王建国's own, and someone else's."""
    zw = await user(chat, "zhangwei")
    gulou = (await rows(chat, Customer, Customer.name == "南京市鼓楼医院"))[0]
    wang = (await rows(chat, Contact, Contact.name == "王建国"))[0]
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        mine = Lead(status="claimed", customer_id=gulou.id, contact_id=wang.id,
                    owner_id=zw.id, company=gulou.name, name="王建国", title="主任",
                    created_at=chat.clock.now(), claimed_at=chat.clock.now())
        other = Lead(status="assigned", customer_id=gulou.id, owner_id=zw.id,
                     company=gulou.name, name="孙丽", title="护士长",
                     created_at=chat.clock.now())
        uow.add(mine)
        uow.add(other)
        await uow.commit()
    return mine.id or 0, other.id or 0


async def test_a_note_marks_only_its_contacts_lead(chat: ChatHarness) -> None:
    mine, other = await _extra_leads(chat)
    c = card(await chat.say(GULOU))
    assert dict(c.fields)["线索"] == f"#L{mine} 王建国 主任"
    saved = await chat.say("确认")
    assert f"#L{mine} 已标记为已联系" in text_of(saved)
    by_id = {x.id: x for x in await rows(chat, Lead, Lead.id.in_([mine, other, 105]))}  # type: ignore[union-attr]
    assert by_id[mine].status == "contacted"
    assert by_id[other].status == "assigned" and by_id[other].first_contacted_at is None
    assert by_id[105].status == "claimed"                      # 钱霞's lead, untouched
    [fu] = await rows(chat, FollowUp, FollowUp.source == "chat")
    assert fu.lead_id == mine


async def test_several_open_leads_and_no_contact_the_card_asks_which(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    mine, other = await _extra_leads(chat)
    replies = await chat.say("今天去鼓楼医院开了科室会，下周一报价")
    out = text_of(replies)
    assert "这条跟进是哪条线索的" in out
    assert f"[#L{other} 孙丽 护士长]" in out and "[不关联线索]" in out
    c = card(await chat.press(f"#L{other}"))
    assert dict(c.fields)["线索"] == f"#L{other} 孙丽 护士长"
    await chat.say("确认")
    statuses = {x.id: x.status for x in await rows(chat, Lead, Lead.id.in_([mine, other]))}  # type: ignore[union-attr]
    assert statuses == {mine: "claimed", other: "contacted"}


# --- 4. someone else's customer ------------------------------------------------------------------

async def test_a_colleagues_customer_is_named_and_its_owner_told(chat: ChatHarness) -> None:
    c = card(await chat.say("今天拜访了南医大二附院骨科，聊了融合器，下周一报价"))
    assert dict(c.fields)["客户"] == "南京医科大学第二附属医院（王磊的客户）"
    assert "保存后会通知王磊" in c.body
    saved = await chat.say("确认")
    assert "已通知负责人王磊" in text_of(saved)
    wanglei = await user(chat, "wanglei")
    [note] = await rows(chat, OutboxMessage, OutboxMessage.kind == "followup.others")
    assert note.recipient_id == wanglei.id
    assert note.payload["rep"] == "张伟" and "融合器" in note.payload["summary"]
    customer = (await rows(chat, Customer, Customer.name == "南京医科大学第二附属医院"))[0]
    assert customer.owner_id == wanglei.id                    # still his


async def test_a_tenant_may_forbid_logging_at_a_colleagues_customer(
        sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        await set_config(uow, "followup.others_customers", "deny")
        await uow.commit()
    out = text_of(await chat.say("今天拜访了南医大二附院骨科，聊了融合器，下周一报价"))
    assert "是王磊的客户，按公司规定只能由负责人记跟进" in out
    assert "是哪家客户" in out
    c = card(await chat.say("鼓楼医院"))
    assert dict(c.fields)["客户"] == "南京市鼓楼医院"


# --- 5. contacts from notes --------------------------------------------------------------

async def test_an_unknown_title_name_becomes_surname_and_title_then_its_full_name(
        chat: ChatHarness) -> None:
    await chat.say("今天拜访了鼓楼医院设备科赵科长，下周一报价")
    c = card(chat.last)
    assert dict(c.fields)["联系人"] == "赵科长（新联系人）"
    out = text_of(await chat.say("确认"))
    assert "「赵科长」的全名是" in out
    [contact] = await rows(chat, Contact, Contact.name == "赵")
    assert contact.title == "科长" and contact.name_incomplete
    assert "已记下：赵科长是赵建民" in text_of(await chat.say("赵建民"))
    [contact] = await rows(chat, Contact, Contact.id == contact.id)
    assert (contact.name, contact.title, contact.name_incomplete) == ("赵建民", "科长", False)
    assert "赵科长" in contact.aliases                         # the catalog still knows him


async def test_the_full_name_question_lets_a_new_note_through(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say("今天拜访了鼓楼医院设备科赵科长，下周一报价")
    await chat.say("确认")
    c = card(await chat.say(SHENGRENYI))                       # not a name: a new note
    assert dict(c.fields)["客户"] == "江苏省人民医院"
    assert "赵科长" in text_of(await chat.say("/联系人 待补全"))


# --- bad input ---------------------------------------------------------------------------

async def test_old_forged_and_foreign_buttons_change_nothing(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    first = await chat.say(GULOU)
    await chat.say("不对，是周三")                               # the card moved on
    chat.last = first
    out = text_of(await chat.press("确认"))
    assert "这张卡片已更新" in out and "12月2日" not in out
    assert await rows(chat, FollowUp, FollowUp.source == "chat") == []
    [draft] = await rows(chat, Draft, Draft.status == "open")
    for args in ({"d": str(draft.id)}, {"d": "abc", "v": "1"}, {"v": "1"}, {"d": "999999"}):
        replies = await chat.bot.handle(Incoming("f-" + str(args), chat._chat(None),
                                                 chat.clock.now(),
                                                 pressed=ButtonPress("dlg.followup.confirm",
                                                                     args)))
        assert "已保存" not in text_of(replies)
    replies = await chat.bot.handle(Incoming(          # lina taps zhangwei's card
        "f-lina", chat._chat("lina"), chat.clock.now(),
        pressed=ButtonPress("dlg.followup.confirm",
                            {"d": str(draft.id), "v": str(draft.version)})))
    assert text_of(replies) == "这张卡片已失效，请重新发送。"
    replies = await chat.bot.handle(Incoming("f-stage", chat._chat(None), chat.clock.now(),
                                             pressed=ButtonPress("dlg.stage_move.confirm", {
                                                 "d": str(draft.id), "v": str(draft.version)})))
    assert text_of(replies) == "这张卡片已失效，请重新发送。"      # another dialog's name
    assert await rows(chat, FollowUp, FollowUp.source == "chat") == []
    saved = await chat.say("确认")
    assert card(saved).title.startswith("✅ 跟进已保存")
    chat.last = first
    assert "已经保存过了" in text_of(await chat.press("确认"))
    assert len(await rows(chat, FollowUp, FollowUp.source == "chat")) == 1


async def test_daily_report_dialog_submits_with_obstacles(sqlite_chat: ChatHarness) -> None:
    chat = sqlite_chat
    await chat.say(GULOU)
    await chat.say("确认")
    c = card(await chat.say("/日报"))               # the obstacle is required: asked first
    assert "推进障碍" in text_of([c])
    c = card(await chat.press("招标延迟"))
    assert "南京市鼓楼医院" in c.body and [b.label for b in c.buttons][:3] == [
        "提交", "修改", "取消"]
    assert dict(c.fields)["障碍"] == "招标延迟"
    c = card(await chat.say("今天拜访了鼓楼医院，约了下周二送样"))
    assert c.body.startswith("今天拜访了鼓楼医院")
    assert card(await chat.press("提交")).title == "✅ 日报已提交"
    [report] = await rows(chat, DailyReport)
    assert report.obstacles == ["招标延迟"] and report.status == "answered"
