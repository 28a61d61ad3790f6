"""admin: the /管理 menus. Section → action → one typed answer → preview → 确认 → applied.

Every change goes through `crm_core.services.admin` (which checks the role again, validates,
audits and records it for `/管理 撤销`). Text formats are short and shown with each prompt.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import nlp
from bot.context import Context
from bot.dialogs.base import dbutton, end_dialog, register, save_dialog
from bot.messages import Card, Reply, Text
from bot.render.format import clip, money
from crm_core.errors import CrmError, InvalidInput
from crm_core.models.org import ROLE_LABELS
from crm_core.policies import sla as sla_policy
from crm_core.policies import stages as stage_policy
from crm_core.services import admin as svc
from crm_core.services.catalog import DEFAULT_NEXT_ACTIONS, DEFAULT_OBSTACLES
from crm_core.uow import UnitOfWork

NAME = "admin"
SEP = re.compile(r"[、,，;；\s]+")

SECTIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "users": ("人员", [("新增", "user.add"), ("改角色", "user.role"), ("改团队", "user.team"),
                      ("改上级", "user.manager"), ("请假", "user.leave"), ("停用", "user.off"),
                      ("启用", "user.on")]),
    "teams": ("团队", [("新增团队", "team.add"), ("设经理", "team.manager"),
                      ("改区域", "team.region"), ("分配方式", "team.strategy")]),
    "regions": ("区域", [("新增区域", "region.add"), ("改省份", "region.set")]),
    "bindings": ("平台绑定", [("绑定", "binding.add"), ("解绑", "binding.remove")]),
    "routing": ("分配规则", [("新增规则", "routing.add"), ("删除规则", "routing.remove")]),
    "sla": ("SLA", [(sla_policy.RULE_LABELS[r], f"sla.{r}") for r in sla_policy.RULES]),
    "presets": ("预设", [("下一步动作", "config.presets.next_actions"),
                        ("推进障碍", "config.presets.obstacles"),
                        ("输单原因", "config.presets.lost_reasons")]),
    "stages": ("阶段", [("修改/新增阶段", "stages.edit"), ("删除阶段", "stages.remove")]),
    "costs": ("渠道与费用", [("设置费用", "config.campaign_costs"),
                           ("来源渠道", "config.presets.source_channels")]),
}
ROLES_TEXT = "、".join(ROLE_LABELS.values())
PROMPTS: dict[str, str] = {
    "user.add": (f"回复：姓名 登录名 角色 [团队]（角色：{ROLES_TEXT}）\n"
                 "如「赵六 zhaoliu 销售 南京骨科组」"),
    "user.role": f"回复：同事 角色，如「王磊 经理」（{ROLES_TEXT}）",
    "user.team": "回复：同事 团队，如「王磊 苏锡常设备组」",
    "user.manager": "回复：同事 上级，如「王磊 刘芳」",
    "user.leave": "回复：同事 开始 结束，如「王磊 12月1日 12月5日」；「王磊 取消」清除",
    "user.off": "回复要停用的同事，如「王磊」",
    "user.on": "回复要启用的同事，如「王磊」",
    "team.add": "回复：团队名 [区域] [经理]，如「南京关节组 苏南大区 陈刚」",
    "team.manager": "回复：团队 经理，如「南京骨科组 陈刚」",
    "team.region": "回复：团队 区域，如「南京骨科组 浙沪大区」",
    "team.strategy": "回复：团队 方式（round_robin 轮流 / weighted 抢单）",
    "region.add": "回复：区域名 省份…，如「华北大区 北京市 天津市」",
    "region.set": "回复：区域名 省份…，如「苏南大区 江苏省 安徽省」",
    "binding.add": ("回复：同事 平台 账号，如「王磊 wecom WangLei」\n"
                    "（平台：wecom、dingtalk、feishu）"),
    "binding.remove": "回复：同事 平台，如「王磊 wecom」",
    "routing.add": ("回复一条规则：名称 条件… → 目标\n"
                    "如「江苏脊柱 省份=江苏 产品线=脊柱类 → 南京骨科组」\n"
                    "条件：省份 城市 产品线 渠道 类型；目标：团队名、@登录名 或 公海；"
                    "名称含「兜底」即兜底规则"),
    "routing.remove": "回复要删除的规则序号",
    "stages.edit": ("一行一个阶段：名称 下一阶段=A、B 进入=要求 离开=要求\n"
                    "可加 序号=30、类型=赢单/输单。要求可写："
                    + "、".join(f.label for f in stage_policy.FIELDS.values())
                    + "、文件、照片、链接\n"
                    "如「方案演示 下一阶段=合同谈判、输单 进入=会议纪要、文件」"),
    "stages.remove": "回复要删除的阶段名（不能有商机在这个阶段）",
    "config.campaign_costs": "回复：渠道 金额，可多行，如「百度推广 50000」；「-百度推广」删除",
}
SLA_PROMPT = ("回复 1~3 级时限（小时，递增），如「4 8 16」；"
              "加「工作时间」按工作时间算，加「自然时间」按自然时间算")
PRESET_PROMPT = "回复新的完整列表（用、分隔）；或「+项目」添加、「-项目」删除"


def _menu(data: dict[str, Any]) -> Card:
    buttons = [dbutton(label, NAME, "section", data, section=key)
               for key, (label, _) in SECTIONS.items()]
    buttons.append(dbutton("撤销上次修改", NAME, "undo", data, style="danger"))
    buttons.append(dbutton("最近修改", NAME, "recent", data))
    return Card("管理菜单", body="选一项。每次修改都会先预览，确认后生效，可撤销。",
                buttons=tuple(buttons))


async def start(ctx: Context) -> list[Reply]:
    async with ctx.uow() as uow:   # the service refuses non-admins, not only this menu
        await svc.recent_changes(uow, ctx.user, limit=1)
    data: dict[str, Any] = {"step": "menu"}
    await save_dialog(ctx, NAME, data)
    return [_menu(data)]


# --- section views -----------------------------------------------------------------------

async def _section_body(uow: UnitOfWork, ctx: Context, key: str) -> str:
    u = ctx.user
    if key == "users":
        rows = await svc.list_users(uow, u)
        return "\n".join(f"{'•' if x.active else '×'} {x.name} {x.login} "
                         f"{ROLE_LABELS.get(x.role, x.role)} {t or ''}"
                         + (" 休假" if x.leave_from else "") for x, t in rows[:30])
    if key == "teams":
        return "\n".join(f"• {t.name} · {r or '无区域'} · 经理 {m or '—'} · {t.strategy}"
                         for t, r, m in await svc.list_teams(uow, u)) or "还没有团队"
    if key == "regions":
        return "\n".join(f"• {r.name}：{'、'.join(r.provinces)}"
                         for r in await svc.list_regions(uow, u)) or "还没有区域"
    if key == "bindings":
        bindings = await svc.list_bindings(uow, u)
        return "\n".join(f"• {n} {p} {puid}" for n, p, puid in bindings[:30])
    if key == "routing":
        rules = await svc.read_state(uow, u, "routing", "routing")
        return "\n".join(f"{i}. {r['name']}{'（兜底）' if r.get('fallback') else ''}"
                         for i, r in enumerate(rules, 1)) or "还没有规则（全部进公海/兜底）"
    if key == "sla":
        lines = []
        for r in sla_policy.RULES:
            st = await svc.sla_state(uow, r)
            unit = "工作小时" if st["business"] else "小时"
            hours = " / ".join(f"{h:g}" for h in st["levels_hours"])
            lines.append(f"• {sla_policy.RULE_LABELS[r]}：{hours} {unit}")
        return "\n".join(lines)
    if key == "presets":
        na = await svc.config_or_default(uow, u, "presets.next_actions", DEFAULT_NEXT_ACTIONS)
        ob = await svc.config_or_default(uow, u, "presets.obstacles", DEFAULT_OBSTACLES)
        lr = await svc.config_or_default(uow, u, "presets.lost_reasons",
                                         list(stage_policy.DEFAULT_LOST_REASONS))
        return f"下一步：{'、'.join(na)}\n障碍：{'、'.join(ob)}\n输单原因：{'、'.join(lr)}"
    if key == "stages":
        return _stages_text(await svc.read_state(uow, u, "stages", "stages"))
    if key == "costs":
        costs = await svc.config_or_default(uow, u, "campaign_costs", {})
        channels = await svc.config_or_default(uow, u, "presets.source_channels",
                                               svc.DEFAULT_SOURCE_CHANNELS)
        lines = [f"• {k}：{money(float(v))}" for k, v in costs.items()] or ["费用未设置"]
        return "\n".join([*lines, f"来源渠道：{'、'.join(channels)}"])
    return ""


def _stages_text(stages: list[dict[str, Any]]) -> str:
    lines = []
    for raw in stages:
        d = stage_policy.StageDef.from_json(raw)
        flag = "（赢单）" if d.is_won else "（输单）" if d.is_lost else ""
        req = d.enter.describe()
        lines.append(f"{d.sequence} {d.name}{flag} → {'、'.join(d.allowed_next) or '—'}"
                     + (f"；进入需：{req}" if req else "")
                     + (f"；离开需：{d.leave.describe()}" if d.leave.describe() else ""))
    return "\n".join(lines)


# --- parsing one answer into a proposal -------------------------------------------------

def _words(text: str) -> list[str]:
    return [w for w in SEP.split(text.strip()) if w]


def _day(ctx: Context, word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        when = nlp.parse_when(word, ctx.now)
        if when.date is None:
            raise InvalidInput("bad date", f"没看懂日期「{word}」") from None
        return when.date


def _need(words: list[str], n: int, action: str) -> None:
    if len(words) < n:
        raise InvalidInput("too few words", "格式不对。" + PROMPTS.get(action, ""))


async def _parse(uow: UnitOfWork, ctx: Context, action: str, text: str) -> svc.Proposal:
    u, w = ctx.user, _words(text)
    if action == "user.add":
        _need(w, 3, action)
        return await svc.add_user(uow, u, w[0], w[1], w[2], w[3] if len(w) > 3 else None)
    if action in ("user.role", "user.team", "user.manager"):
        _need(w, 2, action)
        return await svc.user_change(uow, u, w[0], action.split(".")[1], w[1])
    if action == "user.leave":
        _need(w, 2, action)
        if w[1] in ("取消", "无", "清除"):
            return await svc.user_change(uow, u, w[0], "leave", "取消")
        _need(w, 3, action)
        d1, d2 = _day(ctx, w[1]), _day(ctx, w[2])
        return await svc.user_change(uow, u, w[0], "leave", f"{d1}~{d2}")
    if action in ("user.off", "user.on"):
        _need(w, 1, action)
        return await svc.user_change(uow, u, w[0], "active",
                                     "1" if action == "user.on" else "0")
    if action == "team.add":
        _need(w, 1, action)
        return await svc.add_team(uow, u, w[0], w[1] if len(w) > 1 else None,
                                  w[2] if len(w) > 2 else None)
    if action.startswith("team."):
        _need(w, 2, action)
        return await svc.change_team(uow, u, w[0], action.split(".")[1], w[1])
    if action in ("region.add", "region.set"):
        _need(w, 2, action)
        fn = svc.add_region if action == "region.add" else svc.change_region
        return await fn(uow, u, w[0], w[1:])
    if action == "binding.add":
        _need(w, 3, action)
        return await svc.change_binding(uow, u, w[0], w[1].lower(), w[2])
    if action == "binding.remove":
        _need(w, 2, action)
        return await svc.change_binding(uow, u, w[0], w[1].lower(), None)
    if action.startswith("routing."):
        return await _parse_routing(uow, ctx, action, text)
    if action.startswith("sla."):
        hours = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]
        current = await svc.sla_state(uow, action[4:])
        business = ("工作" in text) or (current["business"] and "自然" not in text)
        return await svc.change_sla(uow, u, action[4:], hours, business)
    if action == "config.campaign_costs":
        costs = dict(await svc.config_or_default(uow, u, "campaign_costs", {}))
        for line in text.strip().splitlines():
            parts = line.split()
            if len(parts) == 1 and parts[0].startswith("-"):
                costs.pop(parts[0][1:], None)
            elif len(parts) == 2:
                try:
                    costs[parts[0]] = float(parts[1].rstrip("元"))
                except ValueError as e:
                    raise InvalidInput("bad cost", f"金额不对：{parts[1]}") from e
            elif parts:
                raise InvalidInput("bad line", PROMPTS[action])
        return await svc.change_config(uow, u, "campaign_costs", costs)
    if action.startswith("config.presets."):
        key = action[7:]
        defaults = {"presets.next_actions": DEFAULT_NEXT_ACTIONS,
                    "presets.obstacles": DEFAULT_OBSTACLES,
                    "presets.lost_reasons": list(stage_policy.DEFAULT_LOST_REASONS),
                    "presets.source_channels": svc.DEFAULT_SOURCE_CHANNELS}
        items = list(await svc.config_or_default(uow, u, key, defaults[key]))
        if all(x[:1] in "+-＋－" for x in w):
            for x in w:
                if x[:1] in "+＋" and x[1:] not in items:
                    items.append(x[1:])
                elif x[:1] in "-－" and x[1:] in items:
                    items.remove(x[1:])
        else:
            items = w
        return await svc.change_config(uow, u, key, items)
    if action.startswith("stages."):
        return await _parse_stages(uow, ctx, action, text)
    raise InvalidInput(f"unknown action {action}", "这个操作已失效，请重新打开 /管理")


async def _parse_routing(uow: UnitOfWork, ctx: Context, action: str, text: str
                         ) -> svc.Proposal:
    rules = list(await svc.read_state(uow, ctx.user, "routing", "routing"))
    if action == "routing.remove":
        if not text.strip().isdigit() or not 1 <= int(text.strip()) <= len(rules):
            raise InvalidInput("bad index", "请回复列表里的序号")
        gone = rules.pop(int(text.strip()) - 1)
        return await svc.change_routing(uow, ctx.user, rules, f"删除规则「{gone['name']}」")
    m = re.search(r"→|->|=>", text)
    if m is None or not text[m.end():].strip():
        raise InvalidInput("no target", PROMPTS["routing.add"])
    head, target = text[:m.start()], text[m.end():]
    words = _words(head)
    _need(words, 1, action)
    keys = {"省份": "province", "城市": "city", "区县": "district", "产品线": "product_line",
            "渠道": "source", "类型": "customer_kind"}
    when: dict[str, Any] = {}
    current: str | None = None
    for word in words[1:]:
        k, eq, v = word.partition("=")
        if eq:
            if k not in keys:
                raise InvalidInput("bad key", f"不认识条件「{k}」，可用：{'、'.join(keys)}")
            current = keys[k]
            when.setdefault(current, [])
            if v:
                when[current].append(v)
        elif current:
            when[current].append(word)
    t = target.strip()
    rule: dict[str, Any] = {"name": words[0], "when": when, "fallback": "兜底" in words[0]}
    if t == "公海":
        rule["pool"] = True
    elif t.startswith("@"):
        rule["rep"] = t[1:]
    else:
        rule["team"] = t
    if rule["fallback"]:
        rules = [r for r in rules if not r.get("fallback")] + [rule]
    else:
        pos = next((i for i, r in enumerate(rules) if r.get("fallback")), len(rules))
        rules.insert(pos, rule)
    return await svc.change_routing(uow, ctx.user, rules, f"新增规则「{words[0]}」→ {t}")


async def _parse_stages(uow: UnitOfWork, ctx: Context, action: str, text: str
                        ) -> svc.Proposal:
    stages = list(await svc.read_state(uow, ctx.user, "stages", "stages"))
    by_name = {s["name"]: dict(s) for s in stages}
    if action == "stages.remove":
        name = text.strip()
        if name not in by_name:
            raise InvalidInput("no stage", f"没有阶段「{name}」")
        rest = [s for s in stages if s["name"] != name]
        return await svc.change_stages(uow, ctx.user, rest, f"删除阶段「{name}」")
    changed: list[str] = []
    for line in (x.strip() for x in text.strip().splitlines()):
        if not line:
            continue
        parts = line.split()
        name = parts[0]
        st = by_name.get(name) or {"name": name, "sequence": 10 * (len(by_name) + 1),
                                   "is_won": False, "is_lost": False, "allowed_next": [],
                                   "requirements": {}, "active": True}
        req = dict(st.get("requirements") or {})
        for part in parts[1:]:
            k, eq, v = part.partition("=")
            if not eq:
                raise InvalidInput("bad part", f"看不懂「{part}」。" + PROMPTS[action])
            vals = _words(v)
            if k in ("下一阶段", "下一步"):
                st["allowed_next"] = vals
            elif k in ("进入", "离开"):
                fields, evidence, unknown = stage_policy.parse_requirement_words(vals)
                r = {"fields": fields + unknown, "evidence": evidence}
                req["enter" if k == "进入" else "leave"] = {a: b for a, b in r.items() if b}
            elif k == "序号":
                try:
                    st["sequence"] = int(v)
                except ValueError as e:
                    raise InvalidInput("bad seq", "序号要是数字") from e
            elif k == "类型":
                st["is_won"], st["is_lost"] = v == "赢单", v == "输单"
            else:
                raise InvalidInput("bad key", f"不认识「{k}」。" + PROMPTS[action])
        st["requirements"] = {a: b for a, b in req.items() if b}
        changed.append(name if name in by_name else f"{name}（新）")
        by_name[name] = st
    if not changed:
        raise InvalidInput("empty", PROMPTS[action])
    new = sorted(by_name.values(), key=lambda s: int(s.get("sequence", 0)))
    return await svc.change_stages(uow, ctx.user, new, f"修改阶段：{'、'.join(changed)}")


# --- preview / confirm -------------------------------------------------------------------

def _preview(data: dict[str, Any], p: svc.Proposal) -> Card:
    body = p.summary
    if p.kind == "stages":
        body += "\n" + _stages_text(p.after)
    if p.warnings:
        body += "\n注意：" + "；".join(p.warnings)
    return Card("确认修改？", body=body, buttons=(
        dbutton("确认", NAME, "confirm", data, style="primary"),
        dbutton("取消", NAME, "cancel", data)))


class AdminDialog:
    name = NAME

    async def on_text(self, ctx: Context, data: dict[str, Any], text: str) -> list[Reply]:
        action = data.get("action")
        if data.get("step") != "ask" or not action:
            return [Text("请点选菜单里的按钮，或发「取消」。")]
        try:
            async with ctx.uow() as uow:
                proposal = await _parse(uow, ctx, action, text)
        except CrmError as e:
            return [Text(e.user_message + "\n改好后再发一次，或发「取消」。")]
        data.update(step="preview", proposal=proposal.to_json())
        await save_dialog(ctx, NAME, data)
        return [_preview(data, proposal)]

    async def on_button(
        self, ctx: Context, data: dict[str, Any], action: str, args: dict[str, str]
    ) -> list[Reply]:
        op = action.split(".", 2)[2]
        if op == "cancel":
            await end_dialog(ctx)
            return [Text("已取消，没有修改。")]
        if op == "undo":
            await end_dialog(ctx)
            return [await undo(ctx)]
        if op == "recent":
            async with ctx.uow() as uow:
                rows = await svc.recent_changes(uow, ctx.user, limit=8)
            lines = [f"#{c.id} {c.at.astimezone(ctx.bot.clock.tz):%m-%d %H:%M} "
                     f"{clip(c.summary, 30)}{'（已撤销）' if c.reverted_at else ''}" for c in rows]
            return [Text("\n".join(lines) or "还没有修改记录。")]
        if op == "section":
            key = args.get("section", "")
            if key not in SECTIONS:
                return [Text("这个按钮已失效。")]
            label, actions = SECTIONS[key]
            async with ctx.uow() as uow:
                body = await _section_body(uow, ctx, key)
            data.update(step="section", section=key)
            await save_dialog(ctx, NAME, data)
            return [Card(f"管理 · {label}", body=body, buttons=tuple(
                dbutton(lbl, NAME, "action", data, act=act) for lbl, act in actions))]
        if op == "action":
            act = args.get("act", "")
            data.update(step="ask", action=act)
            await save_dialog(ctx, NAME, data)
            if act.startswith("sla."):
                return [Text(SLA_PROMPT)]
            return [Text(PROMPTS.get(act) or PRESET_PROMPT)]
        if op == "confirm" and data.get("proposal"):
            proposal = svc.Proposal.from_json(data["proposal"])
            async with ctx.uow() as uow:
                change = await svc.apply(uow, ctx.user, proposal)
            await end_dialog(ctx)
            return [Text(f"✅ 已生效（#{change.id}）：{proposal.summary}\n"
                         "发「/管理 撤销」可撤回。")]
        return [Text("这个按钮已失效。")]


async def undo(ctx: Context) -> Reply:
    async with ctx.uow() as uow:
        change = await svc.undo_last(uow, ctx.user)
    return Text(f"↩️ 已撤销 #{change.id}：{change.summary}")


register(AdminDialog())
