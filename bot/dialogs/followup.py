"""log_followup: one sentence (typed or spoken) → confirmation card → saved follow-up with a
reminder. Only what is missing is asked, one short question at a time; answers are read in
context ("周四" fills the date, "不对，是周三" corrects it, "省人医" picks the customer)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import nlp
from bot import render
from bot.context import Context
from bot.dialogs.base import dbutton, end_dialog, register, save_dialog
from bot.messages import Button, Card, Reply, Text
from crm_core.services import catalog as catalog_service
from crm_core.services import customers as customer_service
from crm_core.services.followups import FollowUpDraft, log_followup
from nlp.types import Extraction

NAME = "followup"
FIELD_LABELS = {
    "customer": "客户", "contact": "联系人", "products": "产品", "channel": "方式",
    "attitude": "态度", "next_action": "下一步", "next_date": "时间", "obstacle": "障碍",
}
QUESTIONS = {
    "customer": "是哪家客户？",
    "next_action": "下一步打算做什么？",
    "next_date": "{action}定在什么时候？（如：周四下午3点）",
    "summary": "这次跟进聊了什么？",
}
MERGE_FIELDS = ("contact", "channel", "attitude", "next_action", "obstacle")
CONFIRM_WORDS = frozenset({"确认", "确定", "好", "好的", "对", "没问题", "保存", "ok", "OK", "是"})
EDIT_WORDS = frozenset({"修改", "改", "改一下"})


async def start(ctx: Context, ext: Extraction, text: str, *, source: str) -> list[Reply]:
    data: dict[str, Any] = {
        "summary": ext.summary or text, "source": source, "step": "fill",
        "contact": ext.contact, "contact_known": ext.contact_known,
        "products": list(ext.products), "channel": ext.channel, "attitude": ext.attitude,
        "next_action": ext.next_action, "next_date": ext.next_date, "next_time": ext.next_time,
        "obstacle": ext.obstacle, "asking": None,
    }
    replies: list[Reply] = []
    if ext.vague_date and not ext.next_date:
        replies.append(Text(f"「{ext.date_text or '时间'}」不够具体，给个日期吧。"))
        data["vague"] = True
    await _resolve_customer(ctx, data, ext.customer, ext.customer_candidates,
                            known=ext.customer_known)
    return [*replies, *await _next(ctx, data)]


async def _resolve_customer(
    ctx: Context, data: dict[str, Any], name: str | None, candidates: tuple[str, ...] | list[str],
    *, known: bool,
) -> None:
    """Turn a mention into a customer id, a choice between candidates, or a new customer."""
    data.pop("choices", None)
    if candidates and len(candidates) > 1:
        async with ctx.uow() as uow:
            found = await customer_service.by_names(uow, list(candidates))
        if len(found) > 1:
            data["choices"] = [{"id": c.id, "name": c.name} for c in found][:6]
            data["asking"] = "customer"
            return
        if found:
            data["customer_id"], data["customer"] = found[0].id, found[0].name
            return
    if not name:
        return
    async with ctx.uow() as uow:
        found = await customer_service.by_names(uow, [name])
    if found:
        data["customer_id"], data["customer"] = found[0].id, found[0].name
        data.pop("new_customer", None)
    else:
        data["new_customer"] = name
        data["customer"] = name
        data.pop("customer_id", None)
        if known:  # the catalog changed under us; treat as new but ask
            data["confirm_new"] = True
        data["confirm_new"] = True


async def start_form(ctx: Context, customer_id: int | None = None) -> list[Reply]:
    """/跟进: the same dialog as a step-by-step form (customer → what happened → next step)."""
    data: dict[str, Any] = {"summary": "", "source": "form", "step": "fill", "products": [],
                            "form": True, "asking": None}
    if customer_id is not None:
        async with ctx.uow() as uow:
            found = await customer_service.by_ids(uow, [customer_id], viewer=ctx.user)
        if found:
            data["customer_id"], data["customer"] = found[0].id, found[0].name
    return await _next(ctx, data)


REQUIRED_CHOICES = ("customer", "summary", "next_action", "next_date")


async def load_required(ctx: Context, data: dict[str, Any]) -> None:
    """The tenant's required fields (config `followup.required_fields`, else the setting)."""
    async with ctx.uow() as uow:
        configured = await catalog_service.get_config(uow, "followup.required_fields")
    fields = configured if isinstance(configured, list) else ctx.settings.required_fields()
    data["_required"] = [f for f in fields if f in REQUIRED_CHOICES]


def _required(ctx: Context, data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(data.get("_required") or ctx.settings.required_fields())


def _missing(ctx: Context, data: dict[str, Any]) -> str | None:
    if data.get("choices") or data.get("confirm_new"):
        return "customer"
    if data.get("form"):
        if not (data.get("customer_id") or data.get("new_customer")):
            return "customer"
        if not data.get("summary"):
            return "summary"
    for slot in _required(ctx, data):
        if slot == "customer" and not (data.get("customer_id") or data.get("new_customer")):
            return "customer"
        if slot == "summary" and not data.get("summary"):
            return "summary"
        if slot == "next_action" and not data.get("next_action"):
            return "next_action"
        if slot == "next_date" and not data.get("next_date"):
            return "next_date"
    return None


async def _next(ctx: Context, data: dict[str, Any]) -> list[Reply]:
    if "_required" not in data:
        await load_required(ctx, data)
    slot = _missing(ctx, data)
    data["asking"] = slot
    data["step"] = "fill" if slot else "confirm"
    await save_dialog(ctx, NAME, data)
    if slot is None:
        return [confirm_card(data)]
    return [await _question(ctx, slot, data)]


async def _question(ctx: Context, slot: str, data: dict[str, Any]) -> Reply:
    if slot == "customer" and data.get("choices"):
        buttons = tuple(
            dbutton(c["name"], NAME, "pick", data, id=str(c["id"])) for c in data["choices"]
        )
        return Card("是哪一家？", body="有几家名字相近，选一个：", buttons=(
            *buttons, dbutton("都不是，新建客户", NAME, "newcust", data)))
    if slot == "customer" and data.get("confirm_new"):
        name = data.get("new_customer", "")
        return Card(f"「{name}」还不是我们的客户",
                    body="要新建这个客户吗？也可以直接回复正确的客户名。",
                    buttons=(dbutton("新建客户", NAME, "create", data, style="primary"),
                             dbutton("取消", NAME, "cancel", data)))
    if slot == "next_action":
        async with ctx.uow() as uow:
            catalog = await ctx.bot.catalog.get(uow)
        buttons = tuple(dbutton(a, NAME, "action", data, value=a)
                        for a in catalog.next_actions[:9])
        return Card(QUESTIONS["next_action"], body="点选或直接回复。", buttons=buttons)
    if slot == "next_date":
        return Text(QUESTIONS["next_date"].format(action=data.get("next_action") or "下一步"))
    return Text(QUESTIONS.get(slot, "请补充一下。"))


def confirm_card(data: dict[str, Any]) -> Card:
    customer = data.get("customer") or "—"
    if data.get("new_customer") and not data.get("customer_id"):
        customer += "（新客户）"
    when = render.when_text(data.get("next_date"), data.get("next_time"))
    fields = (
        ("客户", customer),
        ("联系人", data.get("contact") or "—"),
        ("产品", "、".join(data.get("products") or []) or "—"),
        ("方式", data.get("channel") or "—"),
        ("态度", data.get("attitude") or "—"),
        ("下一步", data.get("next_action") or "—"),
        ("时间", when or "—"),
    )
    if data.get("obstacle"):
        fields = (*fields, ("障碍", data["obstacle"]))
    return Card(
        "确认跟进记录", fields=fields, body=_short(data.get("summary", "")),
        buttons=(dbutton("确认", NAME, "confirm", data, style="primary"),
                 dbutton("修改", NAME, "edit", data),
                 dbutton("取消", NAME, "cancel", data, style="danger")),
    )


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class FollowUpDialog:
    name = NAME

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]:
        word = text.strip().rstrip("。！!.")
        if data.get("step") == "confirm" and word in CONFIRM_WORDS:
            return await _save(ctx, data)
        if word in EDIT_WORDS:
            return await self.on_button(ctx, data, f"dlg.{NAME}.edit", {})
        other = await _another_message(ctx, data, text)
        if other is not None:
            return other
        note = await _read_answer(ctx, data, text)
        replies: list[Reply] = [Text(note)] if note else []
        return [*replies, *await _next(ctx, data)]

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]:
        op = action.split(".", 2)[2]
        if op == "cancel":
            await end_dialog(ctx)
            return [Text("已取消，没有保存。")]
        if op == "confirm":
            return await _save(ctx, data)
        if op == "edit":
            data["step"] = "edit"
            await save_dialog(ctx, NAME, data)
            buttons = tuple(dbutton(label, NAME, "field", data, slot=slot) for slot, label in (
                ("customer", "客户"), ("contact", "联系人"), ("next_action", "下一步"),
                ("next_date", "时间"), ("products", "产品")))
            return [Card("改哪一项？", body="也可以直接打字更正，如「不对，是周三」。",
                         buttons=buttons)]
        if op == "field":
            slot = args.get("slot", "")
            data["edit_slot"] = slot
            await save_dialog(ctx, NAME, data)
            prompts = {"customer": "请回复正确的客户名。", "contact": "联系人是谁？",
                       "next_action": "下一步做什么？", "next_date": "改到什么时候？",
                       "products": "涉及哪些产品？"}
            return [Text(prompts.get(slot, "请回复新的内容。"))]
        if op == "pick":
            async with ctx.uow() as uow:
                found = await customer_service.by_ids(uow, [int(args.get("id", "0") or 0)],
                                                      viewer=ctx.user)
            if not found:
                return [Text("这个客户不存在了，请重新选择。")]
            data["customer_id"], data["customer"] = found[0].id, found[0].name
            data.pop("choices", None)
            data.pop("confirm_new", None)
            data.pop("new_customer", None)
            return await _next(ctx, data)
        if op == "newcust":
            data.pop("choices", None)
            data["asking"] = "customer"
            data["edit_slot"] = "customer_new"
            await save_dialog(ctx, NAME, data)
            return [Text("新客户叫什么名字？")]
        if op == "create":
            data.pop("confirm_new", None)
            return await _next(ctx, data)
        if op == "action":
            data["next_action"] = args.get("value")
            return await _next(ctx, data)
        return [Text("这个按钮已失效。")]


ORG_SUFFIXES = ("医院", "公司", "集团", "大学", "学院", "学校", "中心", "研究所", "研究院", "厂",
                "卫生院", "诊所", "保健院", "局", "委员会", "实验室")


def looks_like_org(text: str) -> bool:
    """A short answer that reads like an organisation's name (for a new customer)."""
    t = text.strip()
    return (2 <= len(t) <= 30 and t.endswith(ORG_SUFFIXES)
            and not any(ch in t for ch in "，,。.！!？? "))


async def _another_message(
    ctx: Context, data: dict[str, Any], text: str
) -> list[Reply] | None:
    """A question or a whole new follow-up typed in the middle of this one."""
    if len(text.strip()) < 6:
        return None
    async with ctx.uow() as uow:
        catalog = await ctx.bot.catalog.get(uow)
    ext = nlp.extract(text, now=ctx.now, catalog=catalog)
    pending = Text("上一条跟进还没保存：回复「确认」保存，或发「取消」放弃。")
    if ext.intent == "query":
        from bot.dialogs.intents import answer_query

        return [*await answer_query(ctx, ext, text), pending]
    if (ext.intent == "log_followup" and ext.customer and ext.customer_known
            and data.get("customer") and ext.customer != data.get("customer")
            and (ext.next_action or ext.channel or ext.products)):
        replies = await start(ctx, ext, text, source=data.get("source", "chat"))
        return [Text("上一条跟进没有保存，已换成这一条。"), *replies]
    return None


async def _read_answer(ctx: Context, data: dict[str, Any], text: str) -> str | None:
    """Read a reply in the context of the question asked; corrections of any field work."""
    now = ctx.now
    slot = data.pop("edit_slot", None) or data.get("asking")
    async with ctx.uow() as uow:
        catalog = await ctx.bot.catalog.get(uow)
    if slot == "customer_new":
        if not 2 <= len(text.strip()) <= 40:
            data["edit_slot"] = "customer_new"
            return "请回复新客户的名称（2–40 个字）。"
        data["new_customer"] = data["customer"] = text.strip()
        data.pop("customer_id", None)
        data.pop("confirm_new", None)
        return None
    if slot == "customer" and data.get("choices") and text.strip().isdigit():
        i = int(text.strip()) - 1
        if 0 <= i < len(data["choices"]):
            c = data["choices"][i]
            data["customer_id"], data["customer"] = c["id"], c["name"]
            data.pop("choices", None)
            return None
    when = nlp.parse_when(text, now)
    if when.date is not None and not when.past:
        data["next_date"] = when.date.isoformat()
        data["next_time"] = when.time.strftime("%H:%M") if when.time else None
    elif slot == "next_date":
        if when.past:
            return "这个时间已经过去了，请给一个之后的日期。"
        return "没听懂这个时间，请说具体日期，如「周四」「11月28号下午3点」。"
    if slot == "customer" or (slot is None and data.get("step") == "edit"):
        matches = nlp.match_customers(text, catalog, limit=5)
        strong = [m for m in matches if m[1] >= 0.85]
        runner_up = strong[1][1] if len(strong) > 1 else 0.0
        if strong and (strong[0][1] - runner_up >= 0.1
                       or (strong[0][1] >= 0.99 and runner_up < strong[0][1])):
            await _resolve_customer(ctx, data, strong[0][0], (), known=True)
            data.pop("confirm_new", None)
            return None
        if len(strong) > 1:
            await _resolve_customer(ctx, data, None, [m[0] for m in strong], known=True)
            return None
        if slot == "customer":
            ext = nlp.extract(text, now=now, catalog=catalog)
            name = ext.customer or (text.strip() if looks_like_org(text) else None)
            if name is None:
                return "没找到这个客户，请回复客户名称，如「鼓楼医院」。"
            await _resolve_customer(ctx, data, name, ext.customer_candidates,
                                    known=ext.customer_known)
            return None
    if slot == "contact":
        data["contact"] = text.strip()[:40]
        return None
    if slot == "summary":
        data["summary"] = text.strip()[:2000]
        ext = nlp.extract(text, now=now, catalog=catalog)
        for key in (*MERGE_FIELDS, "next_date", "next_time"):
            if getattr(ext, key) and not data.get(key):
                data[key] = getattr(ext, key)
        if ext.products:
            data["products"] = sorted({*data.get("products", []), *ext.products})
        return None
    if slot == "products":
        ext = nlp.extract(text, now=now, catalog=catalog)
        data["products"] = list(ext.products) or [p.strip() for p in text.replace("，", ",")
                                                    .split(",") if p.strip()]
        return None
    if slot == "next_action":
        for action in catalog.next_actions:
            if action in text:
                data["next_action"] = action
                return None
    ext = nlp.extract(text, now=now, catalog=catalog)
    for key in MERGE_FIELDS:
        value = getattr(ext, key)
        if value:
            data[key] = value
    if ext.products:
        data["products"] = sorted({*data.get("products", []), *ext.products})
    if ext.customer and ext.customer != data.get("customer") and slot != "next_date":
        await _resolve_customer(ctx, data, ext.customer, ext.customer_candidates,
                                known=ext.customer_known)
    if slot == "next_action" and not data.get("next_action"):
        data["next_action"] = "其他"
        data["summary"] = f"{data.get('summary', '')}（下一步：{text.strip()[:40]}）"
    return None


async def _save(ctx: Context, data: dict[str, Any]) -> list[Reply]:
    missing = _missing(ctx, data)
    if missing:
        return await _next(ctx, data)
    draft = FollowUpDraft(
        customer_id=data.get("customer_id"),
        new_customer_name=None if data.get("customer_id") else data.get("new_customer"),
        contact_id=None, contact_name=None, channel=data.get("channel"),
        summary=data.get("summary", ""), attitude=data.get("attitude"),
        products=list(data.get("products") or []), obstacle=data.get("obstacle"),
        next_action=data.get("next_action"),
        next_date=date.fromisoformat(data["next_date"]) if data.get("next_date") else None,
        next_time=time.fromisoformat(data["next_time"]) if data.get("next_time") else None,
        source=data.get("source", "chat"),
    )
    if data.get("contact"):
        async with ctx.uow() as uow:
            cid = await customer_service.contact_id_by_name(
                uow, data.get("customer_id"), data["contact"])
        if cid is not None:
            draft.contact_id = cid
        else:
            draft.contact_name = data["contact"]
    async with ctx.uow() as uow:
        result = await log_followup(uow, ctx.user, draft)
    await end_dialog(ctx)
    return [saved_card(result.customer_name, data, result.due_at, result.remind_at,
                       created=result.created_customer, advanced=len(result.leads_advanced))]


def saved_card(
    customer: str, data: dict[str, Any], due_at: datetime | None, remind_at: datetime | None,
    *, created: bool, advanced: int,
) -> Card:
    fields: list[tuple[str, str]] = [("客户", customer + ("（已新建）" if created else ""))]
    if data.get("next_action"):
        fields.append(("下一步", data["next_action"]))
    if due_at is not None:
        fields.append(("时间", render.when_text(data.get("next_date"), data.get("next_time"))))
    if remind_at is not None:
        fields.append(("提醒", render.short_dt(remind_at)))
    body = f"{advanced} 条线索已标记为已联系。" if advanced else ""
    return Card("✅ 跟进已保存", fields=tuple(fields), body=body,
                buttons=(Button("我的待办", "todo.list"),))


register(FollowUpDialog())
