"""/看板 cards: the three KPIs with this vs last period and red marks, the rows (teams or
reps) with their KPIs, channel ROI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Button, Card, Reply
from bot.render import notification
from bot.render.format import clip, money
from crm_core.services import kpi as K

RED = "🔴"


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def kpi_line(k: K.Kpis, before: K.Kpis | None = None, *, short: bool = False) -> str:
    parts = []
    for key in K.THRESHOLDS:
        r = getattr(k, key)
        mark = RED if key in k.below() else ""
        label = {"activation": "激活", "compliance": "合规", "completeness": "档案"}[key] \
            if short else K.LABELS[key]
        tr = K.trend(r.value, getattr(before, key).value) if before is not None else ""
        parts.append(f"{mark}{label}{pct(r.value)}{tr}")
    return " ".join(parts)


def board_lines(b: K.Board) -> list[str]:
    lines = [f"{b.scope} · {b.period}（与前{b.days}天比）"]
    for key, t in K.THRESHOLDS.items():
        r, p = getattr(b.total.now, key), getattr(b.total.before, key)
        mark = f"{RED} " if key in b.total.now.below() else "✅ "
        trend = K.trend(r.value, p.value)
        lines.append(f"{mark}{K.LABELS[key]} {pct(r.value)}（{r.num}/{r.den}）"
                     f" 上期{pct(p.value)}{' ' + trend if trend else ''} · 达标≥{t * 100:.0f}%")
    who = "各团队" if b.by == "team" else "各销售"
    lines.append(f"— {who}（红点＝未达标）—")
    for row in sorted(b.rows, key=lambda r: (-len(r.now.below()), r.name))[:12]:
        lines.append(f"{clip(row.name, 8)}：{kpi_line(row.now, row.before, short=True)}")
    if len(b.rows) > 12:
        lines.append(f"…共 {len(b.rows)} 项，未达标的在前")
    for title, items, n in (("渠道投入产出", b.channels, 6), ("活动投入产出", b.campaigns, 3)):
        shown = [c for c in items if c.leads or c.cost or c.won][:n]
        if shown:
            lines.append(f"— {title} —")
            lines += [roi_line(c) for c in shown]
    return lines


def roi_line(c: K.Channel) -> str:
    cpl = money(c.cost_per_lead) if c.cost_per_lead is not None else "—"
    cpw = money(c.cost_per_won) if c.cost_per_won is not None else "—"
    roi = f"{c.roi:.1f}倍" if c.roi is not None else "未设费用"
    return (f"{clip(c.name, 8)}：线索{c.leads} 单价{cpl} 成交{c.won} 每单成本{cpw} "
            f"回报{roi}")


@notification("digest.kpi", example={
    "scope": "全公司", "period": "近7天", "days": 7, "by": "team", "digest": "weekly",
    "total": {"now": {"activation": [80, 100], "compliance": [97, 100],
                      "completeness": [60, 100]},
              "before": {"activation": [85, 100], "compliance": [95, 100],
                         "completeness": [58, 100]}},
    "rows": [{"key": 1, "name": "南京骨科组",
              "now": {"activation": [30, 40], "compliance": [20, 20], "completeness": [20, 40]},
              "before": {"activation": [35, 40], "compliance": [19, 20],
                         "completeness": [19, 40]}}],
    "channels": [{"name": "百度推广", "leads": 28, "cost": 9800.0, "won": 2,
                  "won_amount": 360000.0}],
    "start": "2026-11-16T10:00:00+08:00", "end": "2026-11-23T10:00:00+08:00"})
def kpi_digest(p: Mapping[str, Any]) -> Reply:
    b = K.board_from_payload(dict(p))
    kind = "周报" if p.get("digest") == "weekly" else "日报"
    return Card(f"📊 指标{kind}", body="\n".join(board_lines(b)),
                buttons=(Button("打开看板", "kpi.view", {}),))
