"""Notifications of the dialog side: a draft about to expire, a colleague's note at your
customer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import Button, Card, Reply
from bot.render import notification
from bot.render.format import clip, short_dt

TZ = ZoneInfo("Asia/Shanghai")


def _at(v: Any) -> str:
    try:
        return short_dt(datetime.fromisoformat(str(v)), TZ) if v else ""
    except ValueError:
        return ""


@notification("draft.reminder")
def draft_reminder(p: Mapping[str, Any]) -> Reply:
    ref = {"draft_id": str(p.get("draft_id"))}
    when = _at(p.get("expires_at"))
    return Card(f"📝 草稿 #R{p.get('draft_id')} 还没保存",
                body=f"{clip(str(p.get('summary') or ''), 40)}\n"
                     + (f"{when} 过期，" if when else "") + "确认后才会记入跟进和日报。",
                buttons=(Button("继续", "draft.show", ref, style="primary"),
                         Button("丢弃", "draft.drop", ref)))


@notification("followup.others")
def followup_others(p: Mapping[str, Any]) -> Reply:
    fields = [("同事", str(p.get("rep") or "")), ("内容", clip(str(p.get("summary") or ""), 60))]
    if p.get("next_action"):
        fields.append(("下一步", f"{p['next_action']} {_at(p.get('next_due_at'))}".strip()))
    return Card(f"👀 {p.get('rep') or '同事'}在你的客户{p.get('customer') or ''}记了跟进",
                fields=tuple(fields), body="如有需要，请和同事沟通。",
                buttons=(Button("客户详情", "customer.show",
                                {"customer_id": str(p.get("customer_id"))}),))
