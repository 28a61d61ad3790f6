"""Reading one admin answer into a proposal (`crm_core.services.admin` validates it).

Durations and dates are read by `admin_input` (units, every date form); what was
understood is returned in words with the proposal, for the preview.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.context import Context
from bot.dialogs import admin_input, admin_words
from crm_core.errors import InvalidInput
from crm_core.models.org import ROLE_LABELS
from crm_core.policies import channels as channel_policy
from crm_core.policies import holidays as holiday_policy
from crm_core.policies import stages as stage_policy
from crm_core.services import admin as svc
from crm_core.services.alert_cards import QUIET_KEY, parse_quiet
from crm_core.services.catalog import DEFAULT_NEXT_ACTIONS, DEFAULT_OBSTACLES, get_config
from crm_core.uow import UnitOfWork

SEP = re.compile(r"[、,，;；\s]+")
ROLES_TEXT = "、".join(ROLE_LABELS.values())
PLATFORMS_TEXT = "、".join(v for k, v in svc.PLATFORM_LABELS.items() if k != "console")
PROMPTS: dict[str, str] = {
    "user.add": (f"回复：姓名 登录名 角色 [团队]（角色：{ROLES_TEXT}）\n"
                 "如「赵六 zhaoliu 销售 南京骨科组」"),
    "user.role": f"回复：同事 角色，如「王磊 经理」（{ROLES_TEXT}）",
    "user.team": "回复：同事 团队，如「王磊 苏锡常设备组」",
    "user.manager": "回复：同事 上级，如「王磊 刘芳」",
    "user.leave": ("回复：同事 开始 结束，如「王磊 12月1日 12月5日」「王磊 下周一到下周五」；"
                   "「王磊 取消」清除"),
    "user.off": "回复要停用的同事，如「王磊」",
    "user.on": "回复要启用的同事，如「王磊」",
    "team.add": "回复：团队名 [区域] [经理]，如「南京关节组 苏南大区 陈刚」",
    "team.manager": "回复：团队 经理，如「南京骨科组 陈刚」",
    "team.region": "回复：团队 区域，如「南京骨科组 浙沪大区」",
    "team.strategy": "回复：团队 方式（轮流 / 抢单），如「南京骨科组 抢单」",
    "region.add": "回复：区域名 省份…，如「华北大区 北京市 天津市」",
    "region.set": "回复：区域名 省份…，如「苏南大区 江苏省 安徽省」",
    "binding.add": f"回复：同事 平台 账号，如「王磊 企业微信 WangLei」\n（平台：{PLATFORMS_TEXT}）",
    "binding.remove": "回复：同事 平台，如「王磊 企业微信」",
    "routing.add": ("回复一条规则：名称 条件… → 目标\n"
                    "如「江苏脊柱 省份=江苏 产品线=脊柱类 → 南京骨科组」\n"
                    "条件：省份= 城市= 产品线= 渠道= 类型= 预算>10万 评分>=60；"
                    "目标：团队名、@登录名 或 公海；名称含「兜底」即兜底规则\n"
                    "发送后先预览最近30天的线索会怎么分，确认才生效"),
    "routing.remove": "回复要删除的规则序号",
    "stages.edit": ("一行一个阶段：名称 下一阶段=A、B 进入=要求 离开=要求\n"
                    "可加 序号=30、类型=赢单/输单。要求可写："
                    + "、".join(f.label for f in stage_policy.FIELDS.values())
                    + "、文件、照片、链接\n"
                    "如「方案演示 下一阶段=合同谈判、输单 进入=会议纪要、文件:PPT、照片:签字页」"
                    "（文件:名称 要求文件名里有这个词，每项一个附件）"),
    "stages.remove": "回复要删除的阶段名（不能有商机在这个阶段）",
    "config.campaign_costs": "回复：渠道 金额，可多行，如「百度推广 50000」；「-百度推广」删除",
    "config.holidays": ("一行一个：假期名 开始 结束，或 调休 日期…\n"
                        "如「元旦 2027-01-01 01-03」「调休 2027-02-06 02-07」\n"
                        "会覆盖系统自带的节假日，算时限和读「节后」都用它"),
    "config.channels.utm_map": ("一行一个：渠道 utm来源值…，如「抖音 douyin oceanengine」；"
                                "「-抖音」删除。表单带 utm_source/utm_medium 时按它归到渠道"),
    "config.evidence.filename_rule": ("回复附件文件的命名规则，如「客户名_日期_版本号」"
                                      "（可用：客户名、日期、版本号、阶段、产品）；"
                                      "「关闭」不限制"),
    "config.daily_report.obstacle_required": "日报是否必须选推进障碍？回复「是」或「否」",
    "config.holidays.remove": "回复要删除的假期中的任一天或调休日，如 2027-01-01",
    "config.alerts.quiet_hours": ("回复免打扰时段，如「22:00-07:30」；「关闭」不设。"
                                  "这段时间的预警留到结束后合成一张卡片发出"),
}
SLA_PROMPT = ("回复 1~3 级时限，每级比上一级长，可带单位：\n"
              "「4 8 16」（小时）「30天 37天 44天」「1工作日 2工作日」「90分钟 3小时」；\n"
              "天、小时、分钟按自然时间，工作日、工作小时按工作时间")
PRESET_PROMPT = "回复新的完整列表（用、分隔）；或「+项目」添加、「-项目」删除"
PRESET_DEFAULTS: dict[str, list[str]] = {
    "presets.next_actions": DEFAULT_NEXT_ACTIONS, "presets.obstacles": DEFAULT_OBSTACLES,
    "presets.lost_reasons": list(stage_policy.DEFAULT_LOST_REASONS),
    "presets.source_channels": svc.DEFAULT_SOURCE_CHANNELS,
}


def prompt_for(action: str) -> str:
    if action.startswith("sla."):
        return SLA_PROMPT
    if action in admin_words.PROMPTS:
        return admin_words.PROMPTS[action]
    return PROMPTS.get(action) or PRESET_PROMPT


async def workday_hours(uow: UnitOfWork) -> float:
    """Working hours in one working day (the tenant's business hours)."""
    cfg = await get_config(uow, "business_hours", {}) or {}
    total = 0.0
    for a, b in cfg.get("hours") or [["09:00", "12:00"], ["13:30", "18:00"]]:
        ah, _, am = str(a).partition(":")
        bh, _, bm = str(b).partition(":")
        total += (int(bh) * 60 + int(bm or 0) - int(ah) * 60 - int(am or 0)) / 60
    return total or 8.0


def _words(text: str) -> list[str]:
    return [w for w in SEP.split(text.strip()) if w]


def _need(words: list[str], n: int, action: str) -> None:
    if len(words) < n:
        raise InvalidInput("too few words", "格式不对。" + PROMPTS.get(action, ""))


async def parse(uow: UnitOfWork, ctx: Context, action: str, text: str
                ) -> tuple[svc.Proposal, str]:
    """(the proposal, what was understood in words — "" when the summary says it all)."""
    if action.startswith("words."):
        return await admin_words.parse(uow, ctx, action, text)
    if action == "user.leave":
        return await _leave(uow, ctx, text)
    if action.startswith("sla."):
        current = await svc.sla_state(uow, action[4:])
        got = admin_input.parse_durations(text, workday_hours=await workday_hours(uow),
                                          default_business=bool(current["business"]))
        proposal = await svc.change_sla(uow, ctx.user, action[4:], list(got.hours),
                                        got.business)
        return proposal, f"理解为：{got.words}"
    return await _parse(uow, ctx, action, text), ""


async def _leave(uow: UnitOfWork, ctx: Context, text: str) -> tuple[svc.Proposal, str]:
    w = _words(text)
    _need(w, 2, "user.leave")
    if w[1] in ("取消", "无", "清除"):
        return await svc.user_change(uow, ctx.user, w[0], "leave", "取消"), ""
    _, _, rest = text.strip().partition(w[0])
    d1, d2, words = admin_input.parse_period(rest, ctx.now)
    proposal = await svc.user_change(uow, ctx.user, w[0], "leave", f"{d1}~{d2}")
    return proposal, f"理解为：{w[0]} 请假 {words}"


async def _parse(uow: UnitOfWork, ctx: Context, action: str, text: str) -> svc.Proposal:
    u, w = ctx.user, _words(text)
    if action == "user.add":
        _need(w, 3, action)
        return await svc.add_user(uow, u, w[0], w[1], w[2], w[3] if len(w) > 3 else None)
    if action in ("user.role", "user.team", "user.manager"):
        _need(w, 2, action)
        return await svc.user_change(uow, u, w[0], action.split(".")[1], w[1])
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
    if action.startswith("config.holidays"):
        return await _parse_holidays(uow, ctx, action, text)
    if action == "config.channels.utm_map":
        mapping = dict(await svc.config_or_default(uow, u, channel_policy.KEY,
                                                   channel_policy.DEFAULT_MAP))
        for line in text.strip().splitlines():
            parts = _words(line)
            if len(parts) == 1 and parts[0][:1] in "-－":
                mapping.pop(parts[0][1:], None)
            elif len(parts) >= 2:
                mapping[parts[0]] = parts[1:]
            elif parts:
                raise InvalidInput("bad line", PROMPTS[action])
        return await svc.change_config(uow, u, channel_policy.KEY, mapping)
    if action == "config.evidence.filename_rule":
        rule = "" if text.strip() in ("关闭", "无", "不要") else text.strip()
        return await svc.change_config(uow, u, "evidence.filename_rule", rule)
    if action == "config.daily_report.obstacle_required":
        yes = text.strip() in ("是", "必填", "要", "开", "yes")
        if not yes and text.strip() not in ("否", "不必填", "不要", "关", "no"):
            raise InvalidInput("bad yes/no", PROMPTS[action])
        return await svc.change_config(uow, u, "daily_report.obstacle_required", yes)
    if action == "config.alerts.quiet_hours":
        return await svc.change_config(uow, u, QUIET_KEY, _quiet(text))
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
        items = list(await svc.config_or_default(uow, u, key, PRESET_DEFAULTS[key]))
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


LIST_KEYS = {"省份": "province", "城市": "city", "区县": "district", "产品线": "product_line",
             "渠道": "source", "来源": "source", "类型": "customer_kind",
             "客户类型": "customer_kind"}
RANGE_KEYS = {"预算": "budget", "评分": "score"}
COND_HELP = "省份= 城市= 区县= 产品线= 渠道= 类型=（医院/企业/学校/经销商/政府）预算>… 评分>=…"
_COND = re.compile(r"^(客户类型|[\u4e00-\u9fff]{2,3}?)\s*(>=|<=|≥|≤|>|<|=|＝|＞|＜)\s*(.*)$")
_OPS = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "＝": "="}


def _amount(key: str, text: str) -> float:
    """"10万" / "100000" / "1.5万元" / "60分" → a number; refused with the reason."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(万|千|k|w|亿)?\s*(元|分)?", text.strip(), re.I)
    if m is None:
        raise InvalidInput("bad number", f"「{key}」后面要写数字，如「{key}>10万」，不是「{text}」")
    mult = {"万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3, "亿": 1e8}.get((m.group(2) or "").lower(), 1)
    return float(m.group(1)) * mult


def _range(key: str, op: str, text: str, old: list[Any] | None
           ) -> tuple[float | None, float | None]:
    """One bound ("预算>10万") or a range ("预算=10万~50万"); a second condition on the same
    key narrows the first ("预算>10万 预算<50万")."""
    op = _OPS.get(op, op)
    lo, hi = (old or [None, None])[:2]
    if op == "=" and re.search(r"[~～\-到至]", text):
        a, b = re.split(r"\s*[~～\-到至]\s*", text, maxsplit=1)
        return _amount(key, a), _amount(key, b)
    n = _amount(key, text)
    if op in (">", ">="):
        return n + (1 if op == ">" and key == "评分" else 0), hi
    if op in ("<", "<="):
        return lo, n - (1 if op == "<" and key == "评分" else 0)
    return n, n


_DATE = re.compile(r"(?:(\d{4})\s*[-/.年])?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _dates(text: str, year: int | None) -> list[str]:
    """"2027-01-01 01-03" / "2027年1月1日到1月3日" → ISO dates (a date without its year takes
    the previous one's; the first needs one)."""
    out: list[str] = []
    for m in _DATE.finditer(text):
        y = int(m.group(1)) if m.group(1) else year
        if y is None:
            raise InvalidInput("no year", "第一个日期要写年份，如 2027-01-01")
        try:
            d = date(y, int(m.group(2)), int(m.group(3)))
        except ValueError as e:
            raise InvalidInput("bad date", f"「{m.group(0).strip()}」不是有效日期") from e
        if out and d < date.fromisoformat(out[-1]) and not m.group(1):
            d = d.replace(year=d.year + 1)       # 12-31 ~ 01-02: over the new year
        out.append(d.isoformat())
        year = d.year
    return out


async def _parse_holidays(uow: UnitOfWork, ctx: Context, action: str, text: str
                          ) -> svc.Proposal:
    """Lines of 「名称 开始 [结束]」 (a break) or 「调休 日期…」 (working days); 删除: dates."""
    table = dict(await svc.config_or_default(uow, ctx.user, holiday_policy.KEY, {}))
    breaks = list(table.get("breaks") or [])
    workdays = list(table.get("workdays") or [])
    if action == "config.holidays.remove":
        gone = set(_dates(text, None))
        if not gone:
            raise InvalidInput("no date", "回复要删除的假期里的某一天或调休日，如 2027-01-01")
        breaks = [b for b in breaks if not any(b["start"] <= g <= b["end"] for g in gone)]
        workdays = [w for w in workdays if w not in gone]
    else:
        for line in text.strip().splitlines():
            name = line.strip().split()[0] if line.strip() else ""
            days = _dates(line[len(name):] if name else line, None)
            if not name or not days:
                raise InvalidInput("bad line", PROMPTS[action])
            if name in ("调休", "上班", "补班"):
                workdays.extend(d for d in days if d not in workdays)
            else:
                breaks.append({"name": name, "start": days[0], "end": days[-1]})
    return await svc.change_config(uow, ctx.user, holiday_policy.KEY,
                                   {"breaks": breaks, "workdays": workdays})


def _quiet(text: str) -> dict[str, str]:
    t = text.strip()
    if t in ("关闭", "无", "不设", "不要"):
        return {}
    m = re.fullmatch(r"(\d{1,2})[:：](\d{2})\s*[-~到至]\s*(\d{1,2})[:：](\d{2})", t)
    if m is None:
        raise InvalidInput("bad quiet hours", PROMPTS["config.alerts.quiet_hours"])
    a, b = f"{int(m.group(1)):02d}:{m.group(2)}", f"{int(m.group(3)):02d}:{m.group(4)}"
    parse_quiet({"from": a, "to": b})                 # refuses 25:00, equal ends
    return {"from": a, "to": b}


async def _parse_routing(uow: UnitOfWork, ctx: Context, action: str, text: str
                         ) -> svc.Proposal:
    rules = list(await svc.read_state(uow, ctx.user, "routing", "routing"))
    if action == "routing.remove":
        if not text.strip().isdecimal() or not 1 <= int(text.strip()) <= len(rules):
            raise InvalidInput("bad index", "请回复列表里的序号")
        gone = rules.pop(int(text.strip()) - 1)
        return await svc.change_routing(uow, ctx.user, rules, f"删除规则「{gone['name']}」")
    m = re.search(r"→|->|=>", text)
    if m is None or not text[m.end():].strip():
        raise InvalidInput("no target", PROMPTS["routing.add"])
    head, target = text[:m.start()], text[m.end():]
    words = _words(head)
    _need(words, 1, action)
    when: dict[str, Any] = {}
    current: str | None = None
    for word in words[1:]:
        m = _COND.match(word)
        if m is None:
            if current is None or current in RANGE_KEYS.values():
                raise InvalidInput("bad condition", f"看不懂条件「{word}」。"
                                   "写法如「省份=江苏」「预算>10万」「评分>=60」")
            when[current].append(word)
            continue
        k, op, v = m.group(1), m.group(2), m.group(3).strip()
        if k in RANGE_KEYS:
            current = RANGE_KEYS[k]
            lo, hi = _range(k, op, v, when.get(current))
            when[current] = [lo, hi]
            continue
        if k not in LIST_KEYS or op != "=":
            raise InvalidInput("bad key", f"不认识条件「{k}{op}」，可用：{COND_HELP}")
        current = LIST_KEYS[k]
        when.setdefault(current, [])
        if v:
            when[current].append(v)
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
