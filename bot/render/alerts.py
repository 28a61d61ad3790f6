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
