"""SLA alerts, the supervisor's urge, next-action reminders, dead letters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import Button, Card, Reply, Text
from bot.render import notification
from bot.render.format import clip, short_dt

TZ = ZoneInfo("Asia/Shanghai")
LEVEL_ICON = {1: "⏰", 2: "⚠️", 3: "🚨"}


def _dt(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if isinstance(v, str) and v:
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            return None
    return None


def _overdue(minutes: Any) -> str:
    m = int(minutes or 0)
    if m < 60:
        return f"{max(m, 0)} 分钟"
    if m < 60 * 24:
        return f"{m // 60} 小时 {m % 60} 分钟"
    return f"{m // (60 * 24)} 天"


def _subject(p: Mapping[str, Any]) -> str:
    if p.get("rule") in ("first_contact", "claim") and p.get("lead_id"):
        return f"线索 #L{p['lead_id']} {clip(str(p.get('title') or ''), 24)}"
    if p.get("rule") == "next_action":
        return f"待办：{clip(str(p.get('title') or ''), 30)}"
    return f"商机：{clip(str(p.get('title') or ''), 30)}"


@notification("sla.alert")
def sla_alert(p: Mapping[str, Any]) -> Reply:
    level = int(p.get("level") or 1)
    rule = str(p.get("rule_label") or "超时预警")
    fields: list[tuple[str, str]] = [
        *((("预警", f"#A{p['escalation_id']}"),) if p.get("escalation_id") else ()),
        ("对象", _subject(p)),
        ("负责人", str(p.get("owner_name") or "")),
        ("开始", short_dt(_dt(p.get("started_at")), TZ)),
        ("时限", short_dt(_dt(p.get("deadline_at")), TZ)),
        ("已超时", _overdue(p.get("overdue_minutes"))),
    ]
    buttons: tuple[Button, ...] = ()
    lead_args = {"lead_id": str(p["lead_id"])} if p.get("lead_id") else {}
    esc = {"escalation": str(p.get("escalation") or p.get("escalation_id") or "")}
    if level == 1:
        title = f"{LEVEL_ICON[1]} {rule}：请尽快处理"
        body = "处理后计时自动停止；逾期将上报主管。"
        if lead_args:
            buttons = (Button("查看线索", "lead.show", lead_args, style="primary"),)
    else:
        who = "主管" if level == 2 else "总监"
        title = f"{LEVEL_ICON.get(level, '🚨')} {rule}（已上报{who}）"
        body = f"{p.get('owner_name') or '负责人'}尚未处理。"
        buttons = (Button("催办", "sla.urge", esc, style="primary"),)
        if lead_args:  # the reassign command (/转派) offers the colleagues to pick from
            buttons += (Button("转派", "lead.reassign", lead_args),)
        buttons += (Button("延期", "sla.extend", esc),)
    return Card(title, fields=tuple(fields), body=body, buttons=buttons,
                card_id=str(p.get("escalation") or p.get("escalation_id") or ""))


def alert_line(p: Mapping[str, Any]) -> str:
    """One alert in a list: "⚠️ #A12 首次联系超时 线索 #L5 鼓楼医院 · 张伟 · 超时3 小时"."""
    level = int(p.get("level") or 1)
    num = f"#A{p['escalation_id']} " if p.get("escalation_id") else ""
    return (f"{LEVEL_ICON.get(level, '🚨')} {num}{p.get('rule_label') or ''} {_subject(p)}"
            f" · {p.get('owner_name') or ''} · 超时{_overdue(p.get('overdue_minutes'))}")


@notification("sla.digest", example={
    "count": 146, "backlog": True, "by_level": {"L2": 120, "L3": 26},
    "by_rule": {"首次联系超时": 100, "认领超时": 46},
    "top": [{"rule": "first_contact", "rule_label": "首次联系超时", "level": 3,
             "lead_id": 5, "title": "南京市鼓楼医院", "owner_name": "张伟",
             "overdue_minutes": 1500, "escalation_id": 12, "escalation": "sla:x"}]})
def sla_digest(p: Mapping[str, Any]) -> Reply:
    count = int(p.get("count") or 0)
    top = list(p.get("top") or [])[:5]
    rules = "、".join(f"{k} {v}" for k, v in (p.get("by_rule") or {}).items())
    title = (f"📋 积压预警汇总：{count} 条" if p.get("backlog")
             else f"⏰ {count} 条超时预警待处理")
    head = ("系统恢复或导入后首次检查，以下是汇总，不再逐条推送。\n" if p.get("backlog") else "")
    body = (head + (f"按类型：{rules}\n" if rules else "") + f"最紧急的 {len(top)} 条：\n"
            + "\n".join(alert_line(x) for x in top))
    buttons: list[Button] = [Button(f"全部 {count} 条", "sla.all", {}, style="primary")]
    first = top[0] if top else None
    if first is not None and int(first.get("level") or 1) >= 2 and first.get("escalation"):
        buttons.append(Button(f"催办 #A{first.get('escalation_id')}", "sla.urge",
                              {"escalation": str(first["escalation"])}))
    return Card(title, body=body, buttons=tuple(buttons))


@notification("deal.stage_changed", example={
    "deal_id": 7, "deal": "鼓楼医院·椎间融合器", "owner": "张伟", "by": "张伟",
    "from": "需求确认", "to": "方案演示", "compliant": True, "override": False,
    "amount": 180000})
def deal_stage_changed(p: Mapping[str, Any]) -> Reply:
    how = "（经理强制推进）" if p.get("override") else \
        ("" if p.get("compliant", True) else "（条件未满足）")
    return Card(f"📈 {p.get('owner')}的商机进入「{p.get('to')}」{how}",
                fields=(("商机", f"#D{p.get('deal_id')} {clip(str(p.get('deal') or ''), 20)}"),
                        ("阶段", f"{p.get('from') or '—'} → {p.get('to')}"),
                        ("操作人", str(p.get("by") or ""))),
                body="")


@notification("stage.approval", example={
    "approval_id": 3, "deal_id": 7, "deal": "鼓楼医院·椎间融合器", "by": "张伟",
    "stage": "赢单", "reason": "不能从「方案演示」直接到「赢单」。可去：合同谈判、输单"})
def stage_approval(p: Mapping[str, Any]) -> Reply:
    args = {"approval_id": str(p.get("approval_id"))}
    return Card(f"🙋 {p.get('by')}申请推进到「{p.get('stage')}」",
                fields=(("商机", f"#D{p.get('deal_id')} {clip(str(p.get('deal') or ''), 20)}"),
                        ("拦下原因", clip(str(p.get("reason") or "—"), 60))),
                body="同意后按经理强制推进记录。",
                buttons=(Button("同意", "stage.approve", args, style="primary"),
                         Button("驳回", "stage.reject", args)))


@notification("stage.approval_decided", example={
    "approval_id": 3, "deal_id": 7, "stage": "赢单", "approved": True, "by": "陈刚"})
def stage_approval_decided(p: Mapping[str, Any]) -> Reply:
    if p.get("approved"):
        return Text(f"✅ {p.get('by')}同意了你的申请：商机 #D{p.get('deal_id')} 已进入"
                    f"「{p.get('stage')}」。")
    return Text(f"❌ {p.get('by')}驳回了你的申请：商机 #D{p.get('deal_id')} 没有进入"
                f"「{p.get('stage')}」。")


@notification("holidays.missing", example={"year": 2027})
def holidays_missing(p: Mapping[str, Any]) -> Reply:
    year = p.get("year")
    return Card(f"📅 {year} 年的节假日还没有",
                body=(f"系统还不知道 {year} 年的放假和调休安排，元旦、春节会按工作日算时限，"
                      "「节后」也会读错。请在 /管理 → 节假日 添加（国务院通知发布后）。"),
                buttons=(Button("去添加", "admin.menu", {}),))


@notification("sla.urge")
def sla_urge(p: Mapping[str, Any]) -> Reply:
    what = f"线索 #L{p['lead_id']}" if p.get("lead_id") else f"预警 #A{p.get('escalation_id')}"
    return Text(f"📣 {p.get('by') or '主管'}催办：{what}（{p.get('rule_label')}），请立即处理。")


@notification("task.reminder")
def task_reminder(p: Mapping[str, Any]) -> Reply:
    due = short_dt(_dt(p.get("due_at")), TZ)
    if p.get("when") == "due":
        title = "⏰ 现在该做这件事了"
    else:
        title = "🔔 待办提醒"
    buttons = (Button("完成", "task.done", {"task_id": str(p.get("task_id"))}, style="primary"),)
    return Card(title, fields=(("事项", clip(str(p.get("title") or ""), 40)), ("时间", due)),
                buttons=buttons)


@notification("outbox.dead")
def outbox_dead(p: Mapping[str, Any]) -> Reply:
    return Text(f"❗ {p.get('count')} 条推送发送失败（死信），用 /系统 查看。")
