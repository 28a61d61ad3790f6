"""Small formatting helpers for Chinese phone screens."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

WEEKDAYS = "一二三四五六日"


# the fields of a follow-up note, as reps read them (cards, corrections, the accuracy figure)
FIELD_LABELS = {"customer": "客户", "contact": "联系人", "products": "产品", "channel": "方式",
                "attitude": "态度", "next_action": "下一步", "next_date": "日期",
                "next_time": "时间", "obstacle": "障碍"}


def first_contact_text(limit: tuple[float, bool] | None) -> str:
    """「黄金 4 个工作小时内联系客户」 from the configured first-contact SLA
    (`crm_core.services.sla.first_contact_limit`)."""
    if limit is None:
        return "尽快联系客户"
    hours, business = limit
    return f"黄金 {hours:g} {'个工作小时' if business else '小时'}内联系客户"


def when_text(day: str | date | None, at: str | time | None = None) -> str:
    """'2026-11-24', '14:30' → '11月24日(周二) 14:30'."""
    if not day:
        return ""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    out = f"{d.month}月{d.day}日(周{WEEKDAYS[d.weekday()]})"
    if at:
        t = time.fromisoformat(at) if isinstance(at, str) else at
        out += f" {t.strftime('%H:%M')}"
    return out


def short_dt(dt: datetime | None, tz: tzinfo | None = None) -> str:
    if dt is None:
        return ""
    if tz is not None:
        dt = dt.astimezone(tz)
    return f"{dt.month}月{dt.day}日 {dt.strftime('%H:%M')}"


def money(amount: float | None) -> str:
    if not amount:
        return "—"
    if amount >= 10000:
        return f"{amount / 10000:.1f}万"
    return f"{amount:.0f}元"


def clip(text: str | None, n: int = 40) -> str:
    if not text:
        return ""
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"
