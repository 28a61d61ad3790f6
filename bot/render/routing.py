"""Routing notifications: the assignment card, the 抢单 card, the pool warning, the admin's
fallback notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.messages import Button, Card, Reply
from bot.render import notification
from bot.render.format import clip, short_dt

GRADE_ICON = {"red": "🔴", "yellow": "🟡", "green": "🟢"}


def _when(v: Any) -> str:
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return v
    if isinstance(v, datetime):
        from zoneinfo import ZoneInfo

        return short_dt(v, ZoneInfo("Asia/Shanghai"))
    return ""


def _score_line(p: Mapping[str, Any]) -> str:
    grade = str(p.get("grade") or "")
    icon = GRADE_ICON.get(grade, "⚪")
    reasons = [str(r) for r in (p.get("score_reasons") or [])][:3]
    tail = f"({'; '.join(reasons)})" if reasons else ""
    return f"{icon} {p.get('score', '—')}分{tail}"


def _lead_fields(p: Mapping[str, Any]) -> list[tuple[str, str]]:
    contact = " ".join(str(x) for x in (p.get("name"), p.get("title")) if x) or "—"
    fields = [("联系人", contact), ("产品", str(p.get("product") or p.get("product_line") or "—"))]
    if p.get("region"):
        fields.append(("地区", str(p["region"])))
    fields.append(("评分", _score_line(p)))
    return fields


@notification("lead.assigned")
def lead_assigned(p: Mapping[str, Any]) -> Reply:
    lead_id = str(p.get("lead_id"))
    fields = _lead_fields(p)
    if p.get("phone"):
        fields.insert(1, ("电话", str(p["phone"])))
    return Card(
        f"📥 新线索 #L{lead_id} · {clip(str(p.get('company') or '未知单位'), 18)}",
        fields=tuple(fields),
        body=f"为什么是你: {p.get('reason') or '—'}",
        buttons=(Button("认领", "lead.claim", {"lead_id": lead_id}, style="primary"),
                 Button("转派", "lead.reassign", {"lead_id": lead_id})),
        card_id=f"lead:{lead_id}",
    )


@notification("lead.offer")
def lead_offer(p: Mapping[str, Any]) -> Reply:
    n = p.get("candidates") or 3
    return Card(
        f"⚡ 抢单 #O{p.get('offer_id')} · {clip(str(p.get('company') or '未知单位'), 18)}",
        fields=(("线索", f"#L{p.get('lead_id')}"), *_lead_fields(p)),
        body=(f"已推送给 {n} 位同事，先抢先得；{_when(p.get('expires_at'))} 前无人抢单将锁定给"
              f"排名第一的同事（你排第 {p.get('rank', '?')}）。\n{p.get('reason') or ''}").strip(),
        buttons=(Button("抢单", "offer.grab", {"offer_id": str(p.get("offer_id"))},
                        style="primary"),),
        card_id=f"offer:{p.get('offer_id')}",
    )


@notification("pool.warning")
def pool_warning(p: Mapping[str, Any]) -> Reply:
    leads = list(p.get("leads") or [])
    count = int(p.get("count") or len(leads))
    lines = [f"{GRADE_ICON.get(str(x.get('grade') or ''), '⚪')} #L{x.get('lead_id')} "
             f"{clip(str(x.get('company') or ''), 16)} {x.get('name') or ''}".rstrip()
             for x in leads[:5]]
    if count > len(lines):
        lines.append(f"…等共 {count} 条")
    buttons = tuple(Button(f"查看 #L{x.get('lead_id')}", "lead.show",
                           {"lead_id": str(x.get("lead_id"))}) for x in leads[:3])
    return Card(
        f"⏰ {count} 条线索明天回收至公海",
        body=(f"这些线索已多日未跟进, 将于 {_when(p.get('reclaim_at'))} 回收至公海。"
              "记一条跟进即可保留。\n" + "\n".join(lines)),
        buttons=buttons,
    )


@notification("routing.fallback")
def routing_fallback(p: Mapping[str, Any]) -> Reply:
    return Card(
        f"⚠️ 线索 #L{p.get('lead_id')} 走了兜底规则",
        fields=(("单位", str(p.get("company") or "—")), ("问题", str(p.get("problem") or "—")),
                ("结果", str(p.get("outcome") or "—"))),
        body="请检查分配规则、团队人员或容量设置。",
        buttons=(Button("查看线索", "lead.show", {"lead_id": str(p.get("lead_id"))}),
                 Button("转派", "lead.reassign", {"lead_id": str(p.get("lead_id"))})),
    )

