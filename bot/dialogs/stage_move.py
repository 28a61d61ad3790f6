"""stage_move: push a deal to a stage; ask for exactly what is missing, one question at a time.

Evidence in chat is a file or photo the platform hands over; in the console (which cannot
send files) `:file 方案.pdf`, `:photo 演示现场`, or a link count as evidence.

Each answer is offered to `move_stage` at once (what is given is kept even before the move
completes); the dialog ends when the deal has moved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import nlp
from bot.context import Context
from bot.dialogs import engine
from bot.dialogs.declare import Answer, Choice, Dialog, Finish, Saved, Slot, Turn
from bot.messages import Button, Card, Reply, Text
from bot.render.format import clip
from crm_core.errors import Conflict
from crm_core.services import customers as customer_service
from crm_core.services import deals as deal_service
from crm_core.services import stages as stage_service
from crm_core.services.access import MANAGER_ROLES
from crm_core.uow import UnitOfWork

NAME = "stage_move"
URL = re.compile(r"https?://\S+", re.IGNORECASE)
MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|W|元)?")
OVERRIDE = "__override__"


@dataclass
class DealOption:
    id: int
    label: str


@dataclass
class StageMove:
    stage: str = ""
    customer: str = ""
    deal_id: int | None = None
    deal_options: list[DealOption] = field(default_factory=list)
    deal_name: str = ""
    asking: str | None = None          # the requirement asked now
    asking_kind: str = ""              # field | evidence
    value_kind: str = "text"
    question: str = ""
    choices: list[str] = field(default_factory=list)
    head: str = ""                     # 「进入X还需要：…」 said once
    blocked: str = ""                  # not allowed without a manager's override
    moved: bool = False
    result: str = ""


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
    move = StageMove(stage=stage, customer=found[0].name, deal_options=[
        DealOption(d.id or 0, f"#D{d.id} {clip(d.name, 12)}（{s}）") for d, s in deals])
    return await engine.start(ctx, STAGE_MOVE, move)


async def start(ctx: Context, deal_id: int, stage: str) -> list[Reply]:
    move = StageMove(stage=stage, deal_id=deal_id)
    turn = engine_turn(ctx)
    done = await _attempt(turn, move)
    if isinstance(done, Finish):
        return [*turn.notes, *done.replies]
    if move.moved:
        return [*turn.notes, Text(move.result)]
    return await engine.start(ctx, STAGE_MOVE, move, notes=turn.notes)


def engine_turn(ctx: Context) -> Turn:
    return Turn(ctx, 0, NAME)


async def _attempt(t: Turn, d: StageMove, *, values: dict[str, Any] | None = None,
                   evidence: list[stage_service.EvidenceIn] | None = None,
                   override: bool = False) -> Answer:
    """Offer what we have to `move_stage`; the draft learns what is missing next."""
    ctx = t.ctx
    try:
        async with ctx.uow() as uow:
            res = await stage_service.move_stage(
                uow, ctx.user, d.deal_id or 0, d.stage, values=values,
                evidence=evidence or (), override=override)
            await uow.commit()
    except Conflict as e:
        if ctx.role in MANAGER_ROLES and "same stage" not in str(e):
            d.blocked, d.asking, d.question, d.choices = e.user_message, None, "", []
            return None
        if "same stage" not in str(e) and d.deal_id:     # a rep may ask the manager
            return Finish([Card("不能直接推进", body=e.user_message, buttons=(
                Button("申请经理同意", "stage.request",
                       {"deal_id": str(d.deal_id), "stage": d.stage}, style="primary"),))])
        return Finish([Text(e.user_message)])
    d.deal_name, d.blocked = res.deal.name, ""
    if res.moved:
        tail = "（经理强制推进，已记录）" if res.override else ""
        d.moved, d.result = True, f"✅ {res.deal.name} 已进入「{res.to_stage}」{tail}。"
        return None
    first = res.missing[0]
    if values is None and evidence is None and not override:
        d.head = (f"进入「{res.to_stage}」还需要：{'、'.join(m.label for m in res.missing)}。"
                  "我一项项问你。\n")
    else:
        d.head = ""
    d.asking, d.asking_kind, d.value_kind = first.key, first.kind, first.value_kind
    d.question, d.choices = first.question, list(first.choices)
    return None


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
        if t.isdecimal() and 1 <= int(t) <= len(choices):
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


# --- slots -----------------------------------------------------------------------------------

async def _deal_choices(t: Turn, d: StageMove) -> Sequence[Choice]:
    return [Choice(o.label, str(o.id)) for o in d.deal_options]


async def _pick_deal(t: Turn, d: StageMove, value: str) -> Answer:
    if not any(str(o.id) == value for o in d.deal_options):
        return "请从按钮里选一个商机。"
    d.deal_id = int(value)
    return await _attempt(t, d)


def _requirement_question(t: Turn, d: StageMove) -> str:
    if d.blocked:
        return f"不能直接推进：{d.blocked}"
    return f"{clip(d.deal_name, 16)} → {d.stage}\n{d.head}{d.question}"


async def _requirement_choices(t: Turn, d: StageMove) -> Sequence[Choice]:
    out = [] if d.blocked else [Choice(c, c) for c in d.choices]
    if t.ctx.role in MANAGER_ROLES:
        out.append(Choice("强制推进（记录在案）" if d.blocked else "强制推进", OVERRIDE))
    return out


async def _pick_requirement(t: Turn, d: StageMove, value: str) -> Answer:
    if value == OVERRIDE:
        return await _attempt(t, d, override=True)
    if value not in d.choices or not d.asking:
        return "请从按钮里选一项。"
    return await _attempt(t, d, values={d.asking: value})


async def _read_requirement(t: Turn, d: StageMove, text: str) -> Answer:
    if d.blocked:
        return "请点「强制推进」，或发「取消」。"
    if d.asking_kind == "evidence":
        ev = read_evidence(text)
        if ev is None:
            return "需要一个附件：发文件或照片；控制台里发「:file 文件名」或一个链接。"
        return await _attempt(t, d, evidence=[ev])
    value, complaint = read_value(t.ctx, d.value_kind, text, list(d.choices))
    if complaint:
        return complaint
    return await _attempt(t, d, values={d.asking or "": value})


async def _save(t: Turn, uow: UnitOfWork, d: StageMove) -> Saved:
    return Saved([Text(d.result)], "deal", d.deal_id)


STAGE_MOVE = engine.register(Dialog(
    name=NAME, title="阶段推进", draft=StageMove,
    slots=(
        Slot("deal", "商机", lambda t, d: f"推进到「{d.stage}」：{d.customer}有几个商机，选一个",
             choices=_deal_choices, pick=_pick_deal, missing=lambda t, d: d.deal_id is None,
             editable=False),
        Slot("requirement", "要求", _requirement_question, read=_read_requirement,
             choices=_requirement_choices, pick=_pick_requirement,
             missing=lambda t, d: not d.moved, editable=False),
    ),
    save=_save, cancelled="已取消，阶段没有变。",
    summary=lambda d: f"{d.customer or d.deal_name} → {d.stage}",
))
