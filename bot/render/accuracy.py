"""The correction rate per field (issue 13): the product's own live accuracy figure, in /系统
and in the admins' weekly digest (outbox kind ``digest.accuracy``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Card
from bot.render import notification
from bot.render.format import FIELD_LABELS

EXAMPLE: dict[str, Any] = {
    "start": "2026-11-16T00:00:00+08:00", "end": "2026-11-23T00:00:00+08:00", "notes": 120,
    "any_corrected": 9, "corrected": {"customer": 2, "contact": 1, "products": 0, "channel": 1,
                                      "attitude": 0, "next_action": 4, "next_date": 2,
                                      "next_time": 0, "obstacle": 1}}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%"


def accuracy_lines(p: Mapping[str, Any]) -> list[str]:
    """What reps corrected, per field, over the payload's notes (a few short lines)."""
    notes = int(p.get("notes") or 0)
    if not notes:
        return ["这段时间还没有从消息识别的跟进。"]
    fixed = int(p.get("any_corrected") or 0)
    corrected = dict(p.get("corrected") or {})
    lines = [f"识别的跟进 {notes} 条，无需改动 {_pct(notes - fixed, notes)}"]
    worst = sorted(((int(n), k) for k, n in corrected.items() if int(n)), reverse=True)
    if worst:
        lines.append("被改过：" + "、".join(
            f"{FIELD_LABELS.get(k, k)} {_pct(n, notes)}（{n} 条）" for n, k in worst[:5]))
    else:
        lines.append("没有字段被改过。")
    return lines


@notification("digest.accuracy", example=EXAMPLE)
def accuracy_digest(p: Mapping[str, Any]) -> Card:
    return Card("🎯 识别准确度周报", body="\n".join([
        *accuracy_lines(p), "（销售在确认卡上改过的字段；常被改的说法可在 /管理 说法 里设置）"]))
