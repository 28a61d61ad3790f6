"""Lead health score, 0–100, with red / yellow / green and the top reasons. Pure.

Signals (weights configurable, they must sum to 100):
- completeness: how much of the lead we know (contact, title, organisation, product, budget,
  region);
- source: the quality of the source channel (referral > exhibition > web > import …);
- behaviour: what the form sent about the visitor (page dwell time, downloads, pricing-page
  visit, repeated visits);
- response: how the lead has responded so far (contacted, qualified, follow-ups logged).
Then recency decay: idle days since the last activity cost points (default −10 after 3 days,
−30 after 7, −45 after 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_SCORING: dict[str, Any] = {
    "weights": {"completeness": 25, "source": 20, "behaviour": 30, "response": 25},
    "source_quality": {
        "referral": 1.0, "转介绍": 1.0, "exhibition": 0.8, "展会": 0.8, "chat": 0.7,
        "phone": 0.7, "web": 0.6, "form": 0.6, "wechat": 0.6, "ads": 0.5, "import": 0.4,
        "demo": 0.5, "cold": 0.2,
    },
    "default_source_quality": 0.5,
    "decay": [[3, 10], [7, 30], [14, 45]],          # [idle days, points off], the largest wins
    "green_from": 70,
    "yellow_from": 40,
}
COMPLETENESS_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"), ("phone", "电话"), ("email", "邮箱"), ("company", "单位"),
    ("title", "职务"), ("product", "意向产品"), ("budget", "预算"), ("province", "地区"),
)
GRADE_ORDER: dict[str, int] = {"red": 0, "yellow": 1, "green": 2}   # red sorts first


@dataclass(frozen=True, slots=True)
class ScoreInput:
    fields: Mapping[str, Any]                   # name, phone, email, company, title, …
    source_channel: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)   # the form's raw payload
    status: str = "new"
    followups: int = 0
    created_at: datetime | None = None
    last_activity_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Score:
    score: int
    grade: str                                  # red | yellow | green
    reasons: tuple[str, ...]                    # top reasons, most important first
    parts: Mapping[str, float] = field(default_factory=dict)


def _num(raw: Mapping[str, Any], *keys: str) -> float:
    for k in keys:
        v = raw.get(k)
        if v in (None, ""):
            continue
        try:
            return float(str(v).strip().rstrip("sS秒"))
        except ValueError:
            continue
    return 0.0


def _flag(raw: Mapping[str, Any], *keys: str) -> bool:
    for k in keys:
        v = raw.get(k)
        if isinstance(v, bool):
            if v:
                return True
        elif v not in (None, "", 0, "0", "false", "False", "no", "否"):
            return True
    return False


def behaviour(raw: Mapping[str, Any]) -> tuple[float, list[tuple[float, str]]]:
    """0..1 from the form's behaviour fields, with the notable ones as reasons."""
    notes: list[tuple[float, str]] = []
    dwell = _num(raw, "page_dwell_seconds", "dwell_seconds", "dwell_time", "page_dwell_time",
                 "time_on_page")
    downloads = _num(raw, "downloads", "download_count")
    if not downloads and _flag(raw, "downloaded", "download"):
        downloads = 1
    pricing = _flag(raw, "pricing_page_visit", "visited_pricing", "pricing_page", "pricing")
    visits = _num(raw, "visits", "visit_count", "page_views")
    value = 0.0
    if dwell:
        d = min(dwell / 300.0, 1.0) * 0.35                 # 5 minutes on the page = full
        value += d
        if dwell >= 120:
            notes.append((d, f"页面停留{dwell / 60:.0f}分钟"))
    if downloads:
        d = min(downloads / 2.0, 1.0) * 0.25
        value += d
        notes.append((d, f"下载资料{downloads:.0f}次"))
    if pricing:
        value += 0.3
        notes.append((0.3, "访问了价格页"))
    if visits >= 2:
        d = min((visits - 1) / 4.0, 1.0) * 0.1
        value += d
        notes.append((d, f"多次访问({visits:.0f}次)"))
    return min(value, 1.0), notes


def idle_days(inp: ScoreInput, now: datetime) -> float:
    since = inp.last_activity_at or inp.created_at
    if since is None:
        return 0.0
    return max(0.0, (now - since).total_seconds() / 86400)


def grade_of(score: int, config: Mapping[str, Any] | None = None) -> str:
    cfg = {**DEFAULT_SCORING, **(config or {})}
    if score >= int(cfg["green_from"]):
        return "green"
    if score >= int(cfg["yellow_from"]):
        return "yellow"
    return "red"


def score_lead(inp: ScoreInput, now: datetime, config: Mapping[str, Any] | None = None) -> Score:
    cfg = {**DEFAULT_SCORING, **(config or {})}
    w: Mapping[str, float] = cfg["weights"]
    reasons: list[tuple[float, str]] = []

    known = [label for key, label in COMPLETENESS_FIELDS if inp.fields.get(key) not in
             (None, "")]
    missing = [label for key, label in COMPLETENESS_FIELDS if inp.fields.get(key) in (None, "")]
    completeness = len(known) / len(COMPLETENESS_FIELDS)
    pts = completeness * w.get("completeness", 0)
    if missing and completeness < 0.75:
        reasons.append((w.get("completeness", 0) - pts, f"信息不全(缺{'、'.join(missing[:3])})"))
    elif completeness >= 0.75:
        reasons.append((pts, "信息完整"))

    quality_map: Mapping[str, float] = cfg["source_quality"]
    src = (inp.source_channel or "").lower()
    quality = float(quality_map.get(src, cfg["default_source_quality"]))
    src_pts = quality * w.get("source", 0)
    if quality >= 0.8:
        reasons.append((src_pts, f"优质来源({inp.source_channel})"))
    elif quality <= 0.4:
        reasons.append((w.get("source", 0) - src_pts, f"来源质量一般({inp.source_channel})"))

    b, notes = behaviour(inp.raw)
    b_pts = b * w.get("behaviour", 0)
    reasons.extend((v * w.get("behaviour", 0), text) for v, text in notes)

    r = _response(inp)
    r_pts = r * w.get("response", 0)
    if inp.status in ("qualified", "converted"):
        reasons.append((r_pts, "已确认需求"))
    elif inp.status == "contacted" or inp.followups:
        reasons.append((r_pts, f"已跟进{inp.followups}次" if inp.followups else "已联系"))

    idle = idle_days(inp, now)
    decay = 0.0
    for days, off in sorted(cfg["decay"]):
        if idle >= days:
            decay = float(off)
    if decay:
        reasons.append((decay, f"{int(idle)}天未跟进 −{decay:.0f}"))

    total = pts + src_pts + b_pts + r_pts - decay
    value = max(0, min(100, round(total)))
    reasons.sort(key=lambda x: -x[0])
    return Score(value, grade_of(value, cfg), tuple(t for _, t in reasons[:3]),
                 {"completeness": round(pts, 1), "source": round(src_pts, 1),
                  "behaviour": round(b_pts, 1), "response": round(r_pts, 1),
                  "decay": -decay})


def _response(inp: ScoreInput) -> float:
    base = {"new": 0.3, "assigned": 0.3, "claimed": 0.4, "contacted": 0.7, "qualified": 0.9,
            "converted": 1.0, "dropped": 0.0, "pending": 0.1}.get(inp.status, 0.3)
    return min(1.0, base + 0.1 * min(inp.followups, 3))


def validate_scoring(config: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    w = config.get("weights", DEFAULT_SCORING["weights"])
    if not isinstance(w, Mapping):
        return ["评分权重格式错误"]
    unknown = set(w) - set(DEFAULT_SCORING["weights"])
    if unknown:
        errors.append(f"未知的评分项: {', '.join(sorted(unknown))}")
    if round(sum(float(v) for v in w.values()), 6) != 100:
        errors.append(f"评分权重之和必须为 100(当前为 {sum(float(v) for v in w.values()):g})")
    return errors


def sort_key(grade: str | None, score: int) -> tuple[int, int]:
    """Red first, then the lowest score: what needs attention comes first in every list."""
    return (GRADE_ORDER.get(grade or "yellow", 1), score)
