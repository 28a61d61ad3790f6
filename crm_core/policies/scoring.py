"""Lead health score, 0–100, with red / yellow / green and the top reasons. Pure.

What the grade means (calibrated on the demo and a 10 000-lead synthetic company, see
`benchmarks/routing.py` and docs/routing.md): **green** — a lead worth working now (a fresh
lead with enough to call on, or one in conversation); **yellow** — fine but thin or cooling;
**red** — rare and actionable: nobody has contacted it for days, or it has gone quiet for
weeks, or it cannot be reached. The first reason of a red lead says what to do.

Signals (weights configurable, they must sum to 100):
- completeness (30): reachable (phone or e-mail) counts 40 % of it, then name, organisation,
  title, product, budget and region 10 % each;
- source (15): the quality of the channel (referral > exhibition > website > ads …);
- behaviour (20): what the form sent about the visitor (page dwell, downloads, pricing page,
  repeat visits); a form that sent nothing is neutral (half), not bad;
- response (35): where the lead stands for its age — a fresh uncontacted lead is expected
  (0.7), one uncontacted after a day 0.5, after three days 0.2; contacted 0.8 (+0.05 per
  follow-up, up to 3), qualified 0.95, converted 1.
Then recency decay: days without activity cost points (−10 after 7 days, −20 after 14, −30
after 30). Green from 65, yellow from 40.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_SCORING: dict[str, Any] = {
    "weights": {"completeness": 30, "source": 15, "behaviour": 20, "response": 35},
    "source_quality": {
        "referral": 1.0, "转介绍": 1.0, "exhibition": 0.8, "展会": 0.8, "chat": 0.7,
        "phone": 0.7, "官网": 0.7, "web": 0.6, "form": 0.6, "wechat": 0.6, "微信": 0.6,
        "百度": 0.6, "baidu": 0.6, "必应": 0.6, "bing": 0.6, "抖音": 0.5, "douyin": 0.5,
        "360": 0.5, "搜狗": 0.5, "sogou": 0.5, "ads": 0.5, "import": 0.4, "demo": 0.5,
        "cold": 0.2,
    },
    # a channel not listed above is judged by what its name says ("老客户转介绍", "医疗器械展")
    "source_keywords": [["转介绍", 1.0], ["介绍", 0.9], ["展", 0.8], ["官网", 0.7],
                        ["电话", 0.7], ["公众号", 0.6], ["微信", 0.6], ["百度", 0.6],
                        ["推广", 0.5], ["广告", 0.5], ["导入", 0.4]],
    "default_source_quality": 0.5,
    "decay": [[7, 10], [14, 20], [30, 35]],         # [idle days, points off], the largest wins
    "green_from": 65,
    "yellow_from": 40,
}
COMPLETENESS_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"), ("company", "单位"), ("title", "职务"), ("product", "意向产品"),
    ("budget", "预算"), ("province", "地区"),
)
REACH_SHARE = 0.4                      # phone or e-mail: 40 % of completeness
UNCONTACTED: tuple[tuple[float, float], ...] = ((3.0, 0.2), (1.0, 0.5), (0.0, 0.7))
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


def _completeness(inp: ScoreInput) -> tuple[float, list[str]]:
    f = inp.fields
    reach = bool(f.get("phone") not in (None, "") or f.get("email") not in (None, ""))
    known = sum(f.get(k) not in (None, "") for k, _ in COMPLETENESS_FIELDS)
    missing = [label for k, label in COMPLETENESS_FIELDS if f.get(k) in (None, "")]
    if not reach:
        missing.insert(0, "电话和邮箱")
    value = (REACH_SHARE if reach else 0.0) + (1 - REACH_SHARE) * known / len(
        COMPLETENESS_FIELDS)
    return value, missing


def score_lead(inp: ScoreInput, now: datetime, config: Mapping[str, Any] | None = None) -> Score:
    cfg = {**DEFAULT_SCORING, **(config or {})}
    w: Mapping[str, float] = cfg["weights"]
    reasons: list[tuple[float, str]] = []
    urgent: list[str] = []              # what to do, first for a red lead

    completeness, missing = _completeness(inp)
    pts = completeness * w.get("completeness", 0)
    if missing and missing[0] == "电话和邮箱":
        urgent.append("缺电话和邮箱，联系不上")
        reasons.append((w.get("completeness", 0), "缺电话和邮箱"))
    elif completeness < 0.75:
        reasons.append((w.get("completeness", 0) - pts, f"信息不全(缺{'、'.join(missing[:3])})"))
    else:
        reasons.append((pts * 0.5, "信息完整"))

    quality = source_quality(inp.source_channel, cfg)
    src_pts = quality * w.get("source", 0)
    if quality >= 0.8:
        reasons.append((src_pts, f"优质来源({inp.source_channel})"))
    elif quality <= 0.4:
        reasons.append((w.get("source", 0) - src_pts, f"来源质量一般({inp.source_channel})"))

    b, notes = behaviour(inp.raw)
    if not notes and b == 0.0:
        b = 0.5                          # the form told nothing: neutral
    b_pts = b * w.get("behaviour", 0)
    reasons.extend((v * w.get("behaviour", 0), text) for v, text in notes)

    idle = idle_days(inp, now)
    r, r_note, r_urgent = _response(inp, idle)
    r_pts = r * w.get("response", 0)
    if r_note:          # a lead late for its first call weighs; the normal state hardly
        weight = w.get("response", 0) - r_pts if r_urgent else r_pts * 0.1
        reasons.append((weight, r_note))
    if r_urgent:
        urgent.insert(0, r_urgent)

    decay = 0.0
    for days, off in sorted(cfg["decay"]):
        if idle >= days:
            decay = float(off)
    decay_note = f"{int(idle)}天未跟进 −{decay:.0f}"
    if decay:
        reasons.append((decay, decay_note))
        if not r_urgent:
            urgent.append(f"{int(idle)}天没有跟进，请联系")

    total = pts + src_pts + b_pts + r_pts - decay
    value = max(0, min(100, round(total)))
    grade = grade_of(value, cfg)
    reasons.sort(key=lambda x: -x[0])
    ordered = [t for _, t in reasons]
    if grade == "red" and urgent:        # a red lead says first what to do about it
        said = {urgent[0], r_note, *((decay_note,) if "没有跟进" in urgent[0] else ())}
        ordered = [urgent[0], *(t for t in ordered if t not in said)]
    return Score(value, grade, tuple(ordered[:3]),
                 {"completeness": round(pts, 1), "source": round(src_pts, 1),
                  "behaviour": round(b_pts, 1), "response": round(r_pts, 1),
                  "decay": -decay})


def source_quality(channel: str | None, cfg: Mapping[str, Any]) -> float:
    """The channel's quality 0..1: listed, else by a keyword of its name, else the default."""
    quality_map: Mapping[str, float] = cfg["source_quality"]
    src = (channel or "").strip()
    if src.lower() in quality_map or src in quality_map:
        return float(quality_map.get(src.lower(), quality_map.get(src, 0.5)))
    for word, q in cfg.get("source_keywords") or ():
        if word in src:
            return float(q)
    return float(cfg["default_source_quality"])


def _response(inp: ScoreInput, idle: float) -> tuple[float, str | None, str | None]:
    """(value 0..1, reason, what to do) for where the lead stands at its age."""
    st = inp.status
    if st in ("new", "assigned", "claimed", "pending") and not inp.followups:
        age = idle
        for days, value in UNCONTACTED:
            if age >= days:
                if days >= 1:
                    return value, f"{int(age)}天未联系", f"{int(age)}天未联系，请尽快联系"
                return value, "新线索待联系", None
    base = {"contacted": 0.8, "qualified": 0.95, "converted": 1.0, "dropped": 0.0}.get(st, 0.8)
    value = min(1.0, base + 0.05 * min(inp.followups, 3))
    if st in ("qualified", "converted"):
        return value, "已确认需求", None
    return value, (f"已跟进{inp.followups}次" if inp.followups else "已联系"), None


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
