"""Free text → nlp.extract → the dialog its intent calls for."""

from __future__ import annotations

import logging
from typing import Any

import nlp
from bot import texts
from bot.context import Context
from bot.dialogs import followup
from bot.dialogs.base import dbutton, end_dialog, register, save_dialog
from bot.messages import Button, Card, Reply, Text
from bot.render.cards import tasks_reply
from bot.render.format import clip, short_dt
from crm_core.policies.contact_info import mask_phone
from crm_core.services import customers as customer_service
from crm_core.services import intake, tasks
from nlp.types import Extraction

log = logging.getLogger(__name__)


async def start_from_text(ctx: Context, text: str, *, from_voice: bool) -> list[Reply]:
    async with ctx.uow() as uow:
        extractor = await ctx.bot.catalog.extractor(uow)
    ext: Extraction = extractor.extract(text[:2000], ctx.now)
    source = "voice" if from_voice else "chat"
    log.debug("intent %s for %s", ext.intent, ctx.user.login)
    if ext.intent == "log_followup":
        return await followup.start(ctx, ext, text, source=source)
    if ext.intent == "create_lead":
        return await _new_lead(ctx, ext, text)
    if ext.intent == "update_stage":
        return await _stage(ctx, ext)
    if ext.intent == "query":
        return await answer_query(ctx, ext, text)
    return [Text(texts.NOT_UNDERSTOOD)]


# --- create_lead ------------------------------------------------------------------------

LEAD = "newlead"


async def _new_lead(ctx: Context, ext: Extraction, text: str) -> list[Reply]:
    data: dict[str, Any] = {"company": ext.customer, "name": ext.contact, "phone": ext.phone,
                            "product": "、".join(ext.products) or None, "message": text[:500]}
    await save_dialog(ctx, LEAD, data)
    return [_lead_card(data)]


def _lead_card(data: dict[str, Any]) -> Card:
    fields = (("单位", data.get("company") or "—"), ("联系人", data.get("name") or "—"),
              ("电话", data.get("phone") or "—"), ("产品", data.get("product") or "—"))
    return Card("新建线索？", fields=fields, body="信息不全也能先建，会进入待补全。",
                buttons=(dbutton("确认新建", LEAD, "confirm", data, style="primary"),
                         dbutton("取消", LEAD, "cancel", data)))


class NewLeadDialog:
    name = LEAD

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]:
        async with ctx.uow() as uow:
            catalog = await ctx.bot.catalog.get(uow)
        ext = nlp.extract(text, now=ctx.now, catalog=catalog)
        for key, value in (("company", ext.customer), ("name", ext.contact),
                           ("phone", ext.phone)):
            if value:
                data[key] = value
        await save_dialog(ctx, LEAD, data)
        return [_lead_card(data)]

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]:
        op = action.split(".", 2)[2]
        await end_dialog(ctx)
        if op != "confirm":
            return [Text("已取消。")]
        payload = {k: v for k, v in data.items() if k in intake.KNOWN_FIELDS and v}
        payload["source"] = "chat"
        async with ctx.uow() as uow:
            result = await intake.intake_lead(uow, payload, channel="chat",
                                              owner_id=ctx.user_id)
        if result.merged_into is not None:
            who = result.duplicate_of_owner or "同事"
            return [Text(f"这个号码已属于{who}的客户，已并入原有记录，没有新建。")]
        if result.status == "pending":
            return [Text(f"已建线索 #{result.lead_id}，但{('、'.join(result.problems))}，"
                         "已放入待补全。")]
        return [Text(f"✅ 已建线索 #{result.lead_id}，归你跟进。黄金 4 小时内联系客户。")]


register(NewLeadDialog())


# --- update_stage -----------------------------------------------------------------------

STAGE = "stage"


async def _stage(ctx: Context, ext: Extraction) -> list[Reply]:
    from bot.dialogs import stage_move  # asks for what the stage requires, then moves

    return await stage_move.start_from_intent(ctx, ext.customer, ext.stage)


class StageDialog:
    name = STAGE

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]:
        return [Text("请点选要推进的商机，或发「取消」。")]

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]:
        op = action.split(".", 2)[2]
        await end_dialog(ctx)
        if op != "move":
            return [Text("已取消。")]
        from bot.dialogs import stage_move  # cards from before: same requirements apply

        return await stage_move.start(ctx, int(args.get("deal", "0")), data["stage"])


register(StageDialog())


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
