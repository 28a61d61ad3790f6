"""Free text → nlp.extract → the dialog its intent calls for (or a correction of the last
record, or an answer to a question)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import nlp
from bot import texts
from bot.context import Context
from bot.dialogs import engine, followup, stage_move
from bot.dialogs.declare import Answer, Dialog, Saved, Slot, Turn
from bot.dialogs.followup_read import extract, looks_like_correction, read_text
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import tasks_reply
from bot.render.format import clip, first_contact_text, short_dt
from crm_core.policies.contact_info import mask_phone
from crm_core.services import customers as customer_service
from crm_core.services import drafts as draft_store
from crm_core.services import intake, sla, tasks
from crm_core.uow import UnitOfWork
from nlp.types import Extraction

log = logging.getLogger(__name__)


async def start_from_text(ctx: Context, text: str, *, from_voice: bool) -> list[Reply]:
    if looks_like_correction(text):
        return await correct_last(ctx, text)
    ext: Extraction = await read_text(ctx, text)
    source = "voice" if from_voice else "chat"
    log.debug("intent %s for %s", ext.intent, ctx.user.login)
    if ext.intent == "log_followup":
        return await followup.start(ctx, ext, text, source=source)
    if ext.intent == "create_lead":
        return await _new_lead(ctx, ext, text)
    if ext.intent == "update_stage":
        return await stage_move.start_from_intent(ctx, ext.customer, ext.stage)
    if ext.intent == "query":
        return [*await answer_query(ctx, ext, text), *await pending_hint(ctx)]
    return [Text(texts.NOT_UNDERSTOOD), *await pending_hint(ctx)]


async def pending_hint(ctx: Context) -> list[Reply]:
    """A note still waits for 确认 in this chat: say so under the answer."""
    row = await engine.focused_draft(ctx)
    if row is None or not row.kept:
        return []
    return [Text(f"（草稿 #R{row.id} 还没保存：回复「确认」保存，或发「取消」放弃。）")]


async def correct_last(ctx: Context, text: str) -> list[Reply]:
    """「刚才那条客户记错了，是鼓楼医院」: the last saved note, corrected through its card."""
    async with ctx.uow() as uow:
        last = await draft_store.last_saved(uow, ctx.user, ("followup", "followup_edit"))
    if last is None:
        return [Text("没有可以更正的记录：你最近没有保存过跟进。直接说新的跟进即可。")]
    return await followup.start_edit(ctx, last.record_id or 0, phrase=text)


# --- create_lead ------------------------------------------------------------------------

@dataclass
class NewLead:
    company: str | None = None
    name: str | None = None
    phone: str | None = None
    product: str | None = None
    message: str = ""


async def _new_lead(ctx: Context, ext: Extraction, text: str) -> list[Reply]:
    lead = NewLead(company=ext.customer, name=ext.contact, phone=ext.phone,
                   product="、".join(ext.products) or None, message=text[:500])
    return await engine.start(ctx, NEW_LEAD, lead)


async def _lead_card(t: Turn, d: NewLead) -> Card:
    fields = (("单位", d.company or "—"), ("联系人", d.name or "—"),
              ("电话", d.phone or "—"), ("产品", d.product or "—"))
    return Card("新建线索？", fields=fields, body="信息不全也能先建，会进入待补全。")


async def _understand_lead(t: Turn, d: NewLead, text: str) -> Answer:
    ext = await extract(t, text)
    changed = False
    for key, value in (("company", ext.customer), ("name", ext.contact), ("phone", ext.phone)):
        if value and getattr(d, key) != value:
            setattr(d, key, value)
            changed = True
    if ext.products:
        d.product, changed = "、".join(ext.products), True
    return None if changed else "没看出要改什么。可以说「电话 13800001111」或点「修改」。"


async def _save_lead(t: Turn, uow: UnitOfWork, d: NewLead) -> Saved:
    payload: dict[str, Any] = {k: v for k, v in (
        ("company", d.company), ("name", d.name), ("phone", d.phone), ("product", d.product),
        ("message", d.message)) if v and k in intake.KNOWN_FIELDS}
    payload["source"] = "chat"
    result = await intake.intake_lead(uow, payload, channel="chat", owner_id=t.ctx.user_id,
                                      commit=False)
    if result.merged_into is not None:
        who = result.duplicate_of_owner or "同事"
        return Saved([Text(f"这个号码已属于{who}的客户，已并入原有记录，没有新建。")])
    if result.status == "pending":
        return Saved([Text(f"已建线索 #L{result.lead_id}，但{'、'.join(result.problems)}，"
                           "已放入待补全。")], "lead", result.lead_id)
    limit = await sla.first_contact_limit(uow, result.lead_id)
    return Saved([Text(f"✅ 已建线索 #L{result.lead_id}，归你跟进。{first_contact_text(limit)}。")],
                 "lead", result.lead_id)


def _text_slot(name: str, label: str, ask: str) -> Slot[NewLead]:
    async def read(t: Turn, d: NewLead, text: str) -> Answer:
        setattr(d, name, text.strip()[:120] or None)
        return None

    return Slot(name, label, ask, read=read, missing=lambda t, d: False)


NEW_LEAD = engine.register(Dialog(
    name="newlead", title="新线索", draft=NewLead,
    slots=(_text_slot("company", "单位", "单位叫什么？"),
           _text_slot("name", "联系人", "联系人是谁？"),
           _text_slot("phone", "电话", "电话是多少？"),
           _text_slot("product", "产品", "对什么产品感兴趣？")),
    confirm=_lead_card, save=_save_lead, understand=_understand_lead, kept=True,
    confirm_label="确认新建", summary=lambda d: f"新线索 {d.company or d.name or ''}".strip(),
))


# --- query ------------------------------------------------------------------------------

async def answer_query(ctx: Context, ext: Extraction, text: str) -> list[Reply]:
    async with ctx.uow() as uow:
        if ext.contact and any(w in text for w in ("电话", "手机", "号码", "联系方式")):
            found = await customer_service.by_names(uow, [ext.customer]) if ext.customer else []
            mentions = {ext.contact}
            for word in ("电话", "手机", "号码"):
                head = text.split(word)[0].strip(" 的是多少?？")
                if head and len(head) <= 6:
                    mentions.add(head.removesuffix("的"))
            hits: list[Any] = []
            for m in mentions:
                hits += await customer_service.find_contacts(
                    uow, ctx.user, m, found[0].id if found else None)
            unique = {c.id: (c, cust) for c, cust in hits}
            if not unique:
                return [Text(f"没有找到{ext.contact}的电话。")]
            note = "（群聊中隐藏了部分号码，私聊可看完整号码）" if ctx.in_group else ""
            lines = []
            for contact, cust in list(unique.values())[:5]:
                phone = contact.phone or "未登记"
                shown = mask_phone(contact.phone) if ctx.in_group and contact.phone else phone
                lines.append(f"{cust.name} {contact.name}{contact.title or ''}：{shown}")
            return [Text("\n".join(lines) + note)]
        if ext.customer:
            found = await customer_service.by_names(uow, [ext.customer])
            if found:
                view = await customer_service.customer_360(uow, ctx.user, found[0].id or 0)
                if not view.followups:
                    return [Text(f"{view.customer.name}还没有跟进记录。")]
                lines = [f"• {short_dt(f.occurred_at, ctx.bot.clock.tz)} {n or ''}："
                         f"{clip(f.summary, 40)}" for f, n in view.followups]
                return [Card(f"{view.customer.name} 最近跟进", body="\n".join(lines),
                             buttons=(Button("客户详情", "customer.show",
                                             {"customer_id": str(view.customer.id)}),))]
        when = nlp.parse_when(text, ctx.now)
        day = when.date if when.date else None
        items = await tasks.todo(uow, ctx.user, day=day, include_overdue=day is None)
    title = "今日待办" if day is None else f"{day.month}月{day.day}日的待办"
    return [tasks_reply(items, tz=ctx.bot.clock.tz, now_ts=ctx.now.timestamp(), title=title)]
