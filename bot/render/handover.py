"""Handover briefs: one card per customer for the substitute."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.messages import Button, Card, Reply, Text
from bot.render import notification
from bot.render.format import clip, short_dt

TZ = ZoneInfo("Asia/Shanghai")


def _dt(v: Any) -> str:
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            return ""
    return short_dt(v, TZ) if isinstance(v, datetime) else ""


@notification("handover.brief")
def handover_brief(p: Mapping[str, Any]) -> list[Reply]:
    head = Card(f"📋 {p.get('from')}{p.get('reason') or ''}，工作交接给你",
                fields=(("客户", str(p.get("customer_count") or 0)),
                        ("线索", str(p.get("leads") or 0)),
                        ("商机", str(p.get("deals") or 0)),
                        ("待办", str(p.get("tasks") or 0))),
                body="下面是每个客户的简报。", buttons=(Button("我的待办", "todo.list"),))
    out: list[Reply] = [head]
    for c in p.get("customers") or []:
        fields: list[tuple[str, str]] = []
        for f in c.get("followups") or []:
            fields.append(("最近跟进", f"{_dt(f.get('at'))} {clip(f.get('summary'), 24)}"))
        for t in c.get("next") or []:
            when = _dt(t.get("due_at")) or "无日期"
            fields.append(("下一步", f"{when} {clip(t.get('title'), 20)}"))
        for k in c.get("contacts") or []:
            fields.append(("联系人", " ".join(x for x in (k.get("name"), k.get("title"),
                                                          k.get("phone")) if x)))
        out.append(Card(str(c.get("name")), fields=tuple(fields) or (("情况", "暂无记录"),),
                        buttons=(Button("客户详情", "customer.show",
                                        {"customer_id": str(c.get("customer_id"))}),)))
    more = int(p.get("customer_count") or 0) - len(p.get("customers") or [])
    if more > 0:
        out.append(Text(f"还有 {more} 个客户，发 /客户 客户名 查看。"))
    return out


@notification("handover.reverted")
def handover_reverted(p: Mapping[str, Any]) -> Reply:
    return Text(f"{p.get('from')}的交接已撤销，{p.get('returned') or 0} 项已交还。")
