"""The follow-up dialog end to end: a rep's sentence → card → one tap → rows in the DB."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot import texts
from bot.messages import Card, Text
from crm_core.models import AuditLog, Customer, Draft, FollowUp, Lead, Task
from tests.conftest import TZ, ChatHarness, text_of

pytestmark = pytest.mark.e2e


def card(replies: list) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert cards, f"no card in {replies!r}"
    return cards[-1]


def field(c: Card, name: str) -> str:
    return dict(c.fields)[name]


async def rows(chat: ChatHarness, model: type, *where: object) -> list:
    async with chat.bot.db.session() as s:
        q = select(model)
        for w in where:
            q = q.where(w)  # type: ignore[arg-type]
        return list((await s.execute(q)).scalars())


async def test_one_sentence_one_tap(chat: ChatHarness) -> None:
    replies = await chat.say("下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去")
    c = card(replies)
    assert c.title == "确认跟进记录"
    assert field(c, "客户") == "南京市鼓楼医院"
    assert field(c, "联系人") == "王建国"
    assert field(c, "产品") == "椎间融合器"
    assert field(c, "下一步") == "送样试用"
    assert field(c, "时间").startswith("12月1日")           # next Tuesday from Mon 11-23
    assert [b.label for b in c.buttons] == ["确认", "修改", "取消"]

    saved = card(await chat.press("确认"))
    assert saved.title.startswith("✅ 跟进已保存 #F")
    fu = (await rows(chat, FollowUp, FollowUp.source == "chat"))[-1]
    assert fu.channel == "拜访" and fu.products == ["椎间融合器"] and fu.contact_id
    assert fu.next_due_at == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    task = (await rows(chat, Task, Task.followup_id == fu.id))[0]
    assert task.title == "南京市鼓楼医院：送样试用" and task.remind_at == task.due_at
    actions = {a.action for a in await rows(chat, AuditLog, AuditLog.actor == "zhangwei")}
    assert {"followup.log", "task.create", "customer.touch"} <= actions
    # only the note's own lead (if any) is touched: no lead is contacted without its note
    leads = await rows(chat, Lead, Lead.customer_id == fu.customer_id)
    touched = [x for x in leads if x.last_activity_at == fu.occurred_at]
    assert [x.id for x in touched] == ([fu.lead_id] if fu.lead_id else [])
    assert "南京市鼓楼医院：送样试用" in text_of(await chat.say("/待办 下周二"))


async def test_missing_date_is_asked_and_corrections_are_read_in_context(
    chat: ChatHarness,
) -> None:
    replies = await chat.say("刚给省人医李科长打了电话")
    assert "下一步打算做什么" in text_of(replies)
    replies = await chat.press("报价")
    assert "报价定在什么时候" in text_of(replies)
    replies = await chat.say("周四")
    c = card(replies)
    assert field(c, "时间").startswith("11月26日")
    assert field(c, "客户") == "江苏省人民医院" and field(c, "方式") == "电话"
    c = card(await chat.say("不对，是周三下午三点"))
    assert field(c, "时间") == "11月25日(周三) 15:00"
    saved = await chat.say("确认")
    assert card(saved).title.startswith("✅ 跟进已保存")
    task = (await rows(chat, Task, Task.title == "江苏省人民医院：报价"))[-1]
    assert task.due_at == datetime(2026, 11, 25, 15, 0, tzinfo=TZ)
    assert task.remind_at == datetime(2026, 11, 25, 14, 30, tzinfo=TZ)


async def test_a_time_given_for_the_step_keeps_the_step_asked(chat: ChatHarness) -> None:
    """'周四' answered to 下一步打算做什么 is the step's day, not a step called 其他."""
    assert "下一步打算做什么" in text_of(await chat.say("刚给省人医李科长打了电话"))
    replies = await chat.say("就周四吧")
    assert "11月26日(周四)打算做什么" in text_of(replies)
    c = card(await chat.press("报价"))
    assert field(c, "下一步") == "报价" and field(c, "时间").startswith("11月26日")
    assert "（下一步：" not in text_of([c])
    assert card(await chat.say("确认")).title.startswith("✅ 跟进已保存")
    fu = (await rows(chat, FollowUp, FollowUp.source == "chat"))[-1]
    assert fu.next_action == "报价" and "（下一步：" not in (fu.summary or "")
    assert fu.next_due_at is not None and fu.next_due_at.date().isoformat() == "2026-11-26"


async def test_customer_is_asked_and_picked_by_short_name(chat: ChatHarness) -> None:
    replies = await chat.say("打电话约了下周一去演示")
    assert "哪家客户" in text_of(replies)
    replies = await chat.say("随便说点什么吧，嗯")
    assert "没找到这个客户" in text_of(replies)
    c = card(await chat.say("省人医"))
    assert field(c, "客户") == "江苏省人民医院"
    assert field(c, "下一步") == "预约演示"


async def test_new_organisation_offers_to_create_the_customer(chat: ChatHarness) -> None:
    replies = await chat.say("今天拜访了徐州市第一人民医院骨科张主任，下周一报价")
    assert "还不是我们的客户" in text_of(replies)
    c = card(await chat.press("新建客户"))
    assert field(c, "客户") == "徐州市第一人民医院（新客户）"
    await chat.press("确认")
    cust = (await rows(chat, Customer, Customer.name == "徐州市第一人民医院"))[0]
    assert cust.kind == "hospital" and cust.owner_id is not None


async def test_cancel_at_every_step_saves_nothing(chat: ChatHarness) -> None:
    before = len(await rows(chat, FollowUp))
    await chat.say("刚给省人医李科长打了电话，周四去报价")
    assert text_of(await chat.say("取消")) == "已取消，没有保存。"
    await chat.say("下午见了鼓楼医院王主任，下周二送样机过去")
    last = chat.last
    assert text_of(await chat.say("取消")) == "已取消，没有保存。"
    chat.last = last                                  # tap 确认 on the dropped card
    assert "已丢弃" in text_of(await chat.press("确认"))
    assert text_of(await chat.say("取消")) == texts.NOTHING_TO_CANCEL
    assert len(await rows(chat, FollowUp)) == before


async def test_a_dialog_expires_after_the_idle_time(chat: ChatHarness) -> None:
    await chat.say("刚给省人医李科长打了电话，周四去报价")
    chat.clock.advance(timedelta(minutes=31))
    replies = await chat.say("周四")
    assert "确认跟进记录" not in text_of(replies)


async def test_unparseable_date_gets_a_clear_question(chat: ChatHarness) -> None:
    await chat.say("刚给省人医李科长打了电话")
    await chat.press("报价")
    replies = await chat.say("找个时间吧")
    assert "没听懂这个时间" in text_of(replies)


async def test_a_step_said_alone_is_read_as_that_step(chat: ChatHarness) -> None:
    """Asked 下一步打算做什么, the rep answers with a step and no date (送样机, 报个价): the
    step itself, not 其他 (found trying the console: 「给李科长送样机」 became 其他)."""
    assert "下一步打算做什么" in text_of(await chat.say("刚给省人医李科长打了电话"))
    assert "送样试用定在什么时候" in text_of(await chat.say("给李科长送样机"))
    assert field(card(await chat.say("周四")), "下一步") == "送样试用"
    await chat.say("取消")
    await chat.say("刚给省人医李科长打了电话")
    assert "报价定在什么时候" in text_of(await chat.say("报个价"))


async def test_more_of_how_it_went_told_at_the_step_question_is_added_to_the_note(
        chat: ChatHarness) -> None:
    """Asked for the step, the rep tells more of the call instead: those words are added to
    the note (summary, stance) and the step asked again — not saved as the step 其他."""
    await chat.say("刚给省人医李科长打了电话")
    out = text_of(await chat.say("李科长又说价格太贵了，要跟院长商量"))
    assert "已补充到这条跟进" in out and "下一步打算做什么" in out
    assert "定在什么时候" not in out
    c = card(await chat.say("周四去报价"))
    assert field(c, "下一步") == "报价" and field(c, "态度") == "需再沟通"
    assert card(await chat.press("确认")).title.startswith("✅ 跟进已保存")
    fu = (await rows(chat, FollowUp, FollowUp.source == "chat"))[-1]
    assert "刚给省人医李科长打了电话" in fu.summary and "价格太贵了" in fu.summary
    assert fu.next_action == "报价" and fu.attitude == "需再沟通"


async def test_a_preset_s_name_inside_more_of_how_it_went_names_no_step(
        chat: ChatHarness) -> None:
    await chat.say("刚给省人医李科长打了电话")
    out = text_of(await chat.say("李科长还说报价太高了，要跟院长商量"))
    assert "已补充到这条跟进" in out and "下一步打算做什么" in out
    # … told again instead of a step, it is the step in the rep's words: no question loop
    out = text_of(await chat.say("李科长还说等院长批了再说"))
    assert "已补充到这条跟进" not in out and "其他定在什么时候" in out


async def test_more_of_how_it_went_told_at_the_date_question_is_added_to_the_note(
        chat: ChatHarness) -> None:
    """Asked when, the rep tells more (预算还没批下来) and no time: added to the note and the
    date asked again — the words were refused as 没听懂这个时间 and lost."""
    assert "报价定在什么时候" in text_of(await chat.say("省人医李科长说下一步要报价"))
    out = text_of(await chat.say("李科长又说预算还没批下来"))
    assert "已补充到这条跟进" in out and "报价定在什么时候" in out
    assert "没听懂" not in out
    assert card(await chat.say("周四")).title == "确认跟进记录"
    await chat.press("确认")
    fu = (await rows(chat, FollowUp, FollowUp.source == "chat"))[-1]
    assert "预算还没批下来" in fu.summary and fu.obstacle == "预算冻结"


async def test_a_time_not_decided_yet_is_told_why_one_is_asked(chat: ChatHarness) -> None:
    """Asked when, the rep says it is not decided (还没定): told why a time is asked and that
    a rough one will do, not 没听懂; the rough one then makes the card."""
    assert "报价定在什么时候" in text_of(await chat.say("省人医李科长说下一步要报价"))
    out = text_of(await chat.say("还没定"))
    assert "到时我好提醒你" in out and "没听懂" not in out
    assert "没听懂" in text_of(await chat.say("蓝色的"))
    replies = await chat.say("月底")
    assert card(replies).title == "确认跟进记录"


async def test_a_new_note_typed_mid_dialog_keeps_both(chat: ChatHarness) -> None:
    await chat.say("刚给省人医李科长打了电话，周四去报价")
    replies = await chat.say("下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去")
    out = text_of(replies)
    assert "上一条跟进记录还没保存" in out
    assert "[保存上一条]" in out and "[丢弃上一条]" in out and "[一起处理]" in out
    assert field(card(replies), "客户") == "南京市鼓楼医院"


async def test_a_whole_note_told_when_asked_the_customer_keeps_both(chat: ChatHarness) -> None:
    """Asked 是哪家客户, the rep tells the next note instead: it is no answer (its step,
    product and date would be lost); a name with its person still is one."""
    assert "是哪家客户" in text_of(await chat.say("张经理说价格要再考虑一下"))
    replies = await chat.say("鼓楼医院王主任对融合器很感兴趣，下周二送样机过去")
    assert "上一条跟进记录还没保存" in text_of(replies)
    assert field(card(replies), "客户") == "南京市鼓楼医院"
    assert field(card(replies), "下一步") == "送样试用"
    await chat.press("丢弃上一条")
    assert text_of(await chat.say("取消")) == "已取消，没有保存。"
    assert "是哪家客户" in text_of(await chat.say("张经理说价格要再考虑一下"))
    replies = await chat.say("是南京市鼓楼医院骨科的王主任")
    assert "上一条跟进记录还没保存" not in text_of(replies)
    assert "下一步打算做什么" in text_of(replies)


async def test_a_whole_note_with_no_customer_read_when_asked_the_customer(
        chat: ChatHarness) -> None:
    """The next note names a customer the extractor cannot read (美吃口腔 heard: no suffix, not in
    the catalog), yet says a stance and a step: a note of its own, not an answer
    that finds no customer and loses the words."""
    assert "是哪家客户" in text_of(await chat.say("张经理说价格要再考虑一下"))
    replies = await chat.say("美吃口腔海院长对使用效果挺满意，这周四下午把报价发过去")
    out = text_of(replies)
    assert "上一条跟进记录还没保存" in out and "没找到这个客户" not in out
    assert "是哪家客户" in out


async def test_a_person_with_a_dated_step_when_asked_the_customer_is_a_note(
        chat: ChatHarness) -> None:
    """Asked 是哪家客户, the rep tells what a contact wants and when (no customer named): a
    note of its own, not an answer that finds no customer (found trying the console)."""
    assert "是哪家客户" in text_of(await chat.say("张经理说价格要再考虑一下"))
    out = text_of(await chat.say("王主任想先拿两台监护仪给科室试用，能不能后天送过去"))
    assert "上一条跟进记录还没保存" in out and "没找到这个客户" not in out


async def test_a_new_lead_typed_at_an_open_card_does_not_rewrite_it(chat: ChatHarness) -> None:
    """Another kind of message at the card (a new lead, a stage move) is handled as itself;
    the open note keeps its customer and words."""
    before = card(await chat.say("刚给省人医李科长打了电话，周四去报价"))
    assert field(before, "客户") == "江苏省人民医院"
    await chat.say("录入新线索：徐州市中心医院 骨科 葛主任 手机 13852106677")
    notes = [d.data for d in await rows(chat, Draft, Draft.dialog == "followup")]
    assert notes and all("徐州" not in str(n) for n in notes)
    assert any("江苏省人民医院" in str(n) for n in notes)


async def test_unknown_command_and_wrong_arguments(chat: ChatHarness) -> None:
    out = text_of(await chat.say("/hepl"))
    assert "没有「/hepl」这个命令" in out and "/帮助" in out
    out = text_of(await chat.say("/认领 abc"))
    assert out.startswith("用法：/认领 <#L线索编号>")


async def test_reps_see_only_their_own_customers(chat: ChatHarness) -> None:
    out = text_of(await chat.say("/客户 瑞金医院"))
    assert "看不到详情" in out and "联系人" not in out
    out = text_of(await chat.say("/客户 瑞金医院", user="hewei"))      # their manager
    assert "联系人" in out


async def test_phone_numbers_are_masked_in_group_chats(chat: ChatHarness) -> None:
    private = text_of(await chat.say("王主任电话多少"))
    chat.group = True
    group = text_of(await chat.say("王主任电话多少"))
    assert "王建国" in private and "****" not in private
    assert "****" in group


async def test_unbound_user_gets_a_polite_answer_and_no_data(chat: ChatHarness) -> None:
    replies = await chat.say("/线索", user="stranger-42")
    assert replies == [Text(texts.UNBOUND)]


async def test_required_fields_are_configurable_per_tenant(chat: ChatHarness) -> None:
    from crm_core.services.catalog import set_config
    from crm_core.uow import UnitOfWork

    async with UnitOfWork(chat.bot.db, chat.clock) as uow:
        await set_config(uow, "followup.required_fields", ["customer", "summary"])
        await uow.commit()
    replies = await chat.say("刚给省人医李科长打了电话聊了聊")
    c = card(replies)                     # no question: next step and date are optional now
    assert c.title == "确认跟进记录" and field(c, "下一步") == "—"
    saved = card(await chat.press("确认"))
    assert saved.title.startswith("✅ 跟进已保存")


async def test_a_refusal_asks_for_no_next_step(chat: ChatHarness) -> None:
    """The customer said no: the card comes at once, with no 下一步 to ask for, though the
    tenant requires one on live deals; saved with no task. An undecided note still asks."""
    replies = await chat.say("鼓楼医院王主任说融合器他们最后选了别家，我们没戏了")
    assert "下一步打算做什么" not in text_of(replies)
    c = card(replies)
    assert c.title == "确认跟进记录"
    assert field(c, "态度") == "已否决"
    saved = card(await chat.press("确认"))
    assert saved.title.startswith("✅ 跟进已保存 #F")
    fu = (await rows(chat, FollowUp, FollowUp.source == "chat"))[-1]
    assert fu.attitude == "已否决" and fu.next_action is None
    assert await rows(chat, Task, Task.followup_id == fu.id) == []
    # … a stance still open keeps the question
    assert "下一步打算做什么" in text_of(await chat.say("鼓楼医院王主任说融合器要再考虑一下"))
