"""admin: the /管理 menus. Section → action → one typed answer → preview → 确认 → applied.

A declared dialog (`bot.dialogs.engine`): the menus are choices (paged to the platform's
button limit with [更多]; typing an item's name works like the button), the answer is read
by `admin_parse` into a proposal from `crm_core.services.admin` (which checks the role
again, validates, audits and records it for `/管理 撤销`), the preview is the confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.context import Context
from bot.dialogs import admin_parse, admin_words, engine
from bot.dialogs.declare import Answer, Choice, Dialog, Finish, Saved, Slot, Turn
from bot.messages import Card, Reply, Text
from bot.render.format import clip, money
from bot.render.paging import NEXT_PAGE, window
from crm_core.errors import CrmError
from crm_core.models.org import ROLE_LABELS
from crm_core.policies import sla as sla_policy
from crm_core.policies import stages as stage_policy
from crm_core.services import admin as svc
from crm_core.services.catalog import DEFAULT_NEXT_ACTIONS, DEFAULT_OBSTACLES
from crm_core.uow import UnitOfWork

NAME = "admin"
UNDO, RECENT, NEXT = "__undo__", "__recent__", "__next__"
LIST_LINES = 15
MENU_HINT = "选一项，或直接回复名称。每次修改都会先预览，确认后生效，可撤销。"

SECTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "users": ("人员", [("新增", "user.add"), ("改角色", "user.role"), ("改团队", "user.team"),
                      ("改上级", "user.manager"), ("请假", "user.leave"), ("停用", "user.off"),
                      ("启用", "user.on")]),
    "teams": ("团队", [("新增团队", "team.add"), ("设经理", "team.manager"),
                      ("改区域", "team.region"), ("分配方式", "team.strategy")]),
    "regions": ("区域", [("新增区域", "region.add"), ("改省份", "region.set")]),
    "bindings": ("平台绑定", [("绑定", "binding.add"), ("解绑", "binding.remove")]),
    "routing": ("分配规则", [("新增规则", "routing.add"), ("删除规则", "routing.remove")]),
    "sla": ("响应时限", [(sla_policy.RULE_LABELS[r], f"sla.{r}") for r in sla_policy.RULES]),
    "presets": ("预设", [("下一步动作", "config.presets.next_actions"),
                        ("推进障碍", "config.presets.obstacles"),
                        ("输单原因", "config.presets.lost_reasons")]),
    "stages": ("阶段", [("修改/新增阶段", "stages.edit"), ("删除阶段", "stages.remove")]),
    "costs": ("渠道与费用", [("设置费用", "config.campaign_costs"),
                           ("来源渠道", "config.presets.source_channels")]),
    "words": admin_words.SECTION,
}


@dataclass
class AdminChange:
    section: str | None = None
    action: str | None = None
    section_text: str = ""
    list_page: int = 0                     # the page of a long list (人员, 绑定)
    list_more: bool = False
    proposal: dict[str, Any] | None = None
    meaning: str = ""                      # what was understood, in words


async def start(ctx: Context) -> list[Reply]:
    async with ctx.uow() as uow:   # the service refuses non-admins, not only this menu
        await svc.recent_changes(uow, ctx.user, limit=1)
    return await engine.start(ctx, ADMIN, AdminChange())


# --- section views -----------------------------------------------------------------------

async def _section_body(uow: UnitOfWork, ctx: Context, key: str, page: int = 0
                        ) -> tuple[str, bool]:
    """The section's list (one page of it) and whether more pages follow."""
    lines = await _section_lines(uow, ctx, key)
    total = len(lines)
    win = window(page + 1, total, LIST_LINES)
    shown = lines[win.offset:win.offset + LIST_LINES]
    head = f"共 {total} 项 · 第 {win.offset + 1}–{win.offset + len(shown)} 项\n" \
        if total > LIST_LINES else ""
    return head + "\n".join(shown), win.has_next


async def _section_lines(uow: UnitOfWork, ctx: Context, key: str) -> list[str]:
    u = ctx.user
    if key == "users":
        rows = await svc.list_users(uow, u)
        return [f"{'•' if x.active else '×'} {x.name} {x.login} "
                f"{ROLE_LABELS.get(x.role, x.role)} {t or ''}".rstrip()
                + (" 休假" if x.leave_from else "") for x, t in rows]
    if key == "teams":
        return [f"• {t.name} · {r or '无区域'} · 经理 {m or '—'} · "
                f"{svc.STRATEGY_LABELS.get(t.strategy or '', '轮流')}"
                for t, r, m in await svc.list_teams(uow, u)] or ["还没有团队"]
    if key == "regions":
        return [f"• {r.name}：{'、'.join(r.provinces)}"
                for r in await svc.list_regions(uow, u)] or ["还没有区域"]
    if key == "bindings":
        bindings = await svc.list_bindings(uow, u)
        return [f"• {n} {svc.PLATFORM_LABELS.get(p, p)} {puid}" for n, p, puid in bindings]
    if key == "routing":
        rules = await svc.read_state(uow, u, "routing", "routing")
        return [f"{i}. {r['name']}{'（兜底）' if r.get('fallback') else ''}"
                for i, r in enumerate(rules, 1)] or ["还没有规则（全部进公海或兜底）"]
    if key == "sla":
        lines = []
        for r in sla_policy.RULES:
            st = await svc.sla_state(uow, r)
            levels = svc.levels_text(list(st["levels_hours"]), bool(st["business"]))
            lines.append(f"• {sla_policy.RULE_LABELS[r]}：{levels}")
        return lines
    if key == "presets":
        na = await svc.config_or_default(uow, u, "presets.next_actions", DEFAULT_NEXT_ACTIONS)
        ob = await svc.config_or_default(uow, u, "presets.obstacles", DEFAULT_OBSTACLES)
        lr = await svc.config_or_default(uow, u, "presets.lost_reasons",
                                         list(stage_policy.DEFAULT_LOST_REASONS))
        return [f"下一步：{'、'.join(na)}", f"障碍：{'、'.join(ob)}", f"输单原因：{'、'.join(lr)}"]
    if key == "stages":
        return _stage_lines(await svc.read_state(uow, u, "stages", "stages"))
    if key == "words":
        return await admin_words.section_lines(uow, ctx)
    if key == "costs":
        costs = await svc.config_or_default(uow, u, "campaign_costs", {})
        channels = await svc.config_or_default(uow, u, "presets.source_channels",
                                               svc.DEFAULT_SOURCE_CHANNELS)
        lines = [f"• {k}：{money(float(v))}" for k, v in costs.items()] or ["费用未设置"]
        return [*lines, f"来源渠道：{'、'.join(channels)}"]
    return []


def _stage_lines(stages: list[dict[str, Any]]) -> list[str]:
    lines = []
    for raw in stages:
        d = stage_policy.StageDef.from_json(raw)
        flag = "（赢单）" if d.is_won else "（输单）" if d.is_lost else ""
        req = d.enter.describe()
        lines.append(f"{d.sequence} {d.name}{flag} → {'、'.join(d.allowed_next) or '—'}"
                     + (f"；进入需：{req}" if req else "")
                     + (f"；离开需：{d.leave.describe()}" if d.leave.describe() else ""))
    return lines


# --- slots ----------------------------------------------------------------------------------

async def _section_choices(t: Turn, d: AdminChange) -> Sequence[Choice]:
    return [*(Choice(label, key) for key, (label, _) in SECTIONS.items()),
            Choice("撤销上次修改", UNDO), Choice("最近修改", RECENT)]


async def _pick_section(t: Turn, d: AdminChange, value: str) -> Answer:
    if value == UNDO:
        return Finish([await undo(t.ctx)])
    if value == RECENT:
        return Finish([await recent(t.ctx)])
    if value not in SECTIONS:
        return "请从菜单里选一项。"
    async with t.ctx.uow() as uow:
        d.section_text, d.list_more = await _section_body(uow, t.ctx, value)
    d.section, d.action, d.list_page = value, None, 0
    return None


async def _action_choices(t: Turn, d: AdminChange) -> Sequence[Choice]:
    _, actions = SECTIONS.get(d.section or "", ("", []))
    pages = [Choice(NEXT_PAGE, NEXT)] if d.list_more else []
    return [*(Choice(label, act) for label, act in actions), *pages]


async def _pick_action(t: Turn, d: AdminChange, value: str) -> Answer:
    if value == NEXT:
        async with t.ctx.uow() as uow:
            d.list_page += 1
            d.section_text, d.list_more = await _section_body(uow, t.ctx, d.section or "",
                                                              d.list_page)
        return None
    if not any(act == value for _, act in SECTIONS.get(d.section or "", ("", []))[1]):
        return "请从菜单里选一项。"
    d.action, d.proposal = value, None
    return None


def _action_question(t: Turn, d: AdminChange) -> str:
    label = SECTIONS.get(d.section or "", ("管理", []))[0]
    return f"管理 · {label}\n{d.section_text}".strip()


async def _read_answer(t: Turn, d: AdminChange, text: str) -> Answer:
    try:
        async with t.ctx.uow() as uow:
            proposal, meaning = await admin_parse.parse(uow, t.ctx, d.action or "", text)
    except CrmError as e:
        return e.user_message + "\n改好后再发一次，或发「取消」。"
    d.proposal, d.meaning = proposal.to_json(), meaning
    return None


async def _preview(t: Turn, d: AdminChange) -> Card:
    p = svc.Proposal.from_json(d.proposal or {})
    lines = [p.summary]
    if d.meaning:
        lines.append(d.meaning)
    if p.kind == "stages":
        lines += _stage_lines(p.after)
    if p.warnings:
        lines.append("注意：" + "；".join(p.warnings))
    return Card("确认修改？", body="\n".join(lines))


async def _apply(t: Turn, uow: UnitOfWork, d: AdminChange) -> Saved:
    proposal = svc.Proposal.from_json(d.proposal or {})
    if admin_words.handles(proposal.kind):
        return Saved([Text(await admin_words.apply(uow, t.ctx, proposal))])
    change = await svc.apply(uow, t.ctx.user, proposal)
    return Saved([Text(f"✅ 已生效：{proposal.summary}\n发「/管理 撤销」可撤回。")],
                 "config_change", change.id)


async def undo(ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        change = await svc.undo_last(uow, ctx.user)
        await uow.commit()
    return Text(f"↩️ 已撤销：{change.summary}")


async def recent(ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        rows = await svc.recent_changes(uow, ctx.user, limit=8)
    lines = [f"{c.at.astimezone(ctx.bot.clock.tz):%m-%d %H:%M} "
             f"{clip(c.summary, 30)}{'（已撤销）' if c.reverted_at else ''}" for c in rows]
    return Text("\n".join(lines) or "还没有修改记录。")


ADMIN = engine.register(Dialog(
    name=NAME, title="管理", draft=AdminChange,
    slots=(
        Slot("section", "菜单", "管理菜单", choices=_section_choices, pick=_pick_section,
             editable=False, hint=MENU_HINT),
        Slot("action", "操作", _action_question, choices=_action_choices, pick=_pick_action,
             editable=False),
        Slot("proposal", "内容", lambda t, d: admin_parse.prompt_for(d.action or ""),
             read=_read_answer),
    ),
    confirm=_preview, save=_apply, cancelled="已取消，没有修改。",
    summary=lambda d: f"管理 {d.section or ''}".strip(),
    edit_hint="重新填写内容。",
))
