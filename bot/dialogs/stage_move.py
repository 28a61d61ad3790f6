"""stage_move: push a deal to a stage; ask for exactly what is missing, one question at a time.

Evidence in chat is a file or photo the platform hands over; in the console (which cannot
send files) `:file 方案.pdf`, `:photo 演示现场`, or a link count as evidence.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import nlp
from bot.context import Context
from bot.dialogs.base import dbutton, end_dialog, register, save_dialog
from bot.messages import Button, Card, Reply, Text
from bot.render.format import clip
from crm_core.errors import Conflict
from crm_core.services import customers as customer_service
from crm_core.services import deals as deal_service
from crm_core.services import stages as stage_service
from crm_core.services.access import MANAGER_ROLES

NAME = "stage_move"
URL = re.compile(r"https?://\S+", re.IGNORECASE)
MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|W|元)?")


async def start_from_intent(ctx: Context, customer: str | None, stage: str | None
                            ) -> list[Reply]:
    """From free text ("鼓楼医院进入方案演示"): pick the deal, then move."""
    if not stage:
        return [Text("要推进到哪个阶段？例如：鼓楼医院进入合同谈判。")]
    if not customer:
        return [Text(f"是哪家客户要进入「{stage}」？")]
    async with ctx.uow() as uow:
        found = await customer_service.by_names(uow, [customer]) or \
            await customer_service.search(uow, customer, limit=2)
        if not found:                       # short names and aliases: the nlp index
            catalog = await ctx.bot.catalog.get(uow)
            ranked = nlp.match_customers(customer, catalog, limit=2)
            strong = [(n, sc) for n, sc in ranked if sc >= 0.8]
            if len(strong) > 1 and (strong[0][1] >= 0.99 or strong[0][1] - strong[1][1] >= 0.1):
                strong = strong[:1]
            found = await customer_service.by_names(uow, [n for n, _ in strong])
        if len(found) > 1:
            return [Text(f"「{customer}」对应多家客户（如{'、'.join(c.name for c in found)}），"
                         "请说全称。")]
        if not found:
            return [Text(f"没有找到客户「{customer}」。")]
        deals = await deal_service.open_deals_of(uow, ctx.user, found[0].id or 0)
    if not deals:
        return [Text(f"{found[0].name}还没有进行中的商机。")]
    if len(deals) == 1:
        return await start(ctx, deals[0][0].id or 0, stage)
    data: dict[str, Any] = {"stage": stage, "step": "pick"}
    await save_dialog(ctx, NAME, data)
    buttons = tuple(dbutton(f"{clip(d.name, 12)}（{s}）", NAME, "pick", data, deal=str(d.id))
                    for d, s in deals[:5])
    return [Card(f"推进到「{stage}」", body=f"{found[0].name}：选择商机",
                 buttons=(*buttons, dbutton("取消", NAME, "cancel", data)))]


async def start(ctx: Context, deal_id: int, stage: str) -> list[Reply]:
    data: dict[str, Any] = {"deal_id": deal_id, "stage": stage, "step": "fill"}
    return await _attempt(ctx, data)


async def _attempt(ctx: Context, data: dict[str, Any], *, values: dict[str, Any] | None = None,
                   evidence: list[stage_service.EvidenceIn] | None = None,
                   override: bool = False) -> list[Reply]:
    try:
        async with ctx.uow() as uow:
            res = await stage_service.move_stage(
                uow, ctx.user, int(data["deal_id"]), data["stage"], values=values,
                evidence=evidence or (), override=override)
    except Conflict as e:
        if ctx.role in MANAGER_ROLES and "same stage" not in str(e):
            data["step"] = "override"
            await save_dialog(ctx, NAME, data)
            return [Card("不能直接推进", body=e.user_message, buttons=(
                dbutton("强制推进（记录在案）", NAME, "override", data, style="danger"),
                dbutton("取消", NAME, "cancel", data)))]
        await end_dialog(ctx)
        return [Text(e.user_message)]
    if res.moved:
        await end_dialog(ctx)
        tail = "（经理强制推进，已记录）" if res.override else ""
        return [Text(f"✅ {res.deal.name} 已进入「{res.to_stage}」{tail}。")]
    first = res.missing[0]
    data.update(step="fill", asking=first.key, asking_kind=first.kind,
                value_kind=first.value_kind, deal_name=res.deal.name,
                choices=list(first.choices),
                todo=[m.label for m in res.missing])
    await save_dialog(ctx, NAME, data)
    head = ""
    if values is None and evidence is None and not override:
        head = (f"进入「{res.to_stage}」还需要：{'、'.join(m.label for m in res.missing)}。"
                "我一项项问你。\n")
    buttons: list[Button] = [dbutton(c, NAME, "choose", data, value=c)
                             for c in first.choices[:9]]
    if ctx.role in MANAGER_ROLES:
        buttons.append(dbutton("强制推进", NAME, "override", data, style="danger"))
    buttons.append(dbutton("取消", NAME, "cancel", data))
    return [Card(f"{clip(res.deal.name, 16)} → {res.to_stage}", body=head + first.question,
                 buttons=tuple(buttons))]


def read_evidence(text: str) -> stage_service.EvidenceIn | None:
    """`:file 名称`, `:photo 描述`, a link, or "附件/照片 描述" → evidence."""
    t = text.strip()
    for prefix, kind in ((":file", "file"), (":photo", "photo"), (":image", "photo"),
                         ("：file", "file")):
        if t.lower().startswith(prefix):
            name = t[len(prefix):].strip() or ("文件" if kind == "file" else "照片")
            return stage_service.EvidenceIn(kind, name)
    m = URL.search(t)
    if m:
        return stage_service.EvidenceIn("link", m.group(0))
    for word, kind in (("照片", "photo"), ("图片", "photo"), ("附件", "file"), ("文件", "file")):
        if t.startswith(word):
            name = t[len(word):].strip(" ：:，,") or word
            return stage_service.EvidenceIn(kind, name)
    return None


def read_value(ctx: Context, kind: str, text: str, choices: list[str]) -> tuple[Any, str | None]:
    """The answer to one field question → (value, complaint)."""
    t = text.strip()
    if kind == "choice":
        if t.isdigit() and 1 <= int(t) <= len(choices):
            return choices[int(t) - 1], None
        for c in choices:
            if c in t or t in c:
                return c, None
        return None, "请从按钮里选一个原因。"
    if kind == "date":
        when = nlp.parse_when(t, ctx.now)
        if when.date is None:
            try:
                return date.fromisoformat(t).isoformat(), None
            except ValueError:
                return None, "没听懂这个日期，如「12月20日」「下周五」。"
        return when.date.isoformat(), None
    if kind == "money":
        m = MONEY.search(t.replace(",", ""))
        if not m:
            return None, "请给个金额，如「35万」。"
        amount = float(m.group(1)) * (10000 if m.group(2) in ("万", "w", "W") else 1)
        return amount, None
    if len(t) < 2:
        return None, "再多说一点吧。"
    return t[:500], None


class StageMoveDialog:
    name = NAME

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]:
        if data.get("step") != "fill":
            return [Text("请点选上面的按钮，或发「取消」。")]
        if data.get("asking_kind") == "evidence":
            ev = read_evidence(text)
            if ev is None:
                return [Text("需要一个附件：发文件或照片；控制台里发「:file 文件名」或一个链接。")]
            return await _attempt(ctx, data, evidence=[ev])
        value, complaint = read_value(ctx, data.get("value_kind", "text"), text,
                                      list(data.get("choices") or []))
        if complaint:
            return [Text(complaint)]
        return await _attempt(ctx, data, values={data["asking"]: value})

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]:
        op = action.split(".", 2)[2]
        if op == "cancel":
            await end_dialog(ctx)
            return [Text("已取消，阶段没有变。")]
        if op == "pick":
            return await start(ctx, int(args.get("deal", "0") or 0), data["stage"])
        if op == "choose" and data.get("asking"):
            return await _attempt(ctx, data, values={data["asking"]: args.get("value")})
        if op == "override":
            return await _attempt(ctx, data, override=True)
        return [Text("这个按钮已失效。")]


register(StageMoveDialog())
