"""Reading what an admin types: durations with units and dates in every form the extractor
reads, each with its interpretation in words for the preview.

- Durations: 「4 8 16」 (hours), 「30天 37天 44天」, 「90分钟 2小时 1天」, 「3工作日」,
  「4工作小时」, 「1.5天」, 「半天」. 工作日 / 工作小时 count business time (a working day is
  the tenant's working hours per day); 天 / 小时 / 分钟 count natural time unless the
  answer also says 工作时间.
- Dates: every form `nlp` reads (「12月4日」「12/4」「2026-12-04」「下周一」「4号」…); a
  period 「12月4日 12月10日」「12月4日到10日」 reads its end after its start (a start a few
  days ago stays this year instead of jumping to next year).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.render.format import WEEKDAYS
from crm_core.errors import InvalidInput
from nlp.timeparse import cn_to_int, scan_times

UNIT_HOURS = {"分钟": 1 / 60, "分": 1 / 60, "小时": 1.0, "时": 1.0, "h": 1.0, "天": 24.0,
              "日": 24.0, "d": 24.0, "周": 168.0, "星期": 168.0}
DURATION = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百半]+)\s*(?:个)?\s*"
    r"(?P<unit>工作日|工作小时|工作时|个工作日|分钟|分|小时|时|天|日|周|星期|h|d)?",
    re.IGNORECASE)


MONTH_DOT_DAY = re.compile(r"^(\d{1,2})[.．](\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Durations:
    hours: tuple[float, ...]        # in the rule's own time (business or natural hours)
    business: bool
    words: str                      # 「30 天 / 37 天 / 44 天（自然时间）」


def _number(text: str) -> float | None:
    if text == "半":
        return 0.5
    try:
        return float(text)
    except ValueError:
        pass
    half = text.endswith("半")
    n = cn_to_int(text.removesuffix("半")) if text.removesuffix("半") else 0
    if n is None:
        return None
    return n + (0.5 if half else 0.0)


def _fmt(v: float) -> str:
    return f"{v:g}"


def parse_durations(text: str, *, workday_hours: float, default_business: bool
                    ) -> Durations:
    """Escalation levels as durations; bare numbers are hours."""
    said_business = "工作时间" in text
    said_natural = "自然时间" in text or "自然" in text
    body = text.replace("工作时间", " ").replace("自然时间", " ").replace("自然", " ")
    out: list[float] = []
    shown: list[str | None] = []          # None: a bare number (hours of the rule's kind)
    kinds: set[bool] = set()
    for m in DURATION.finditer(body):
        value = _number(m.group("num"))
        if value is None:
            continue
        unit = (m.group("unit") or "").lower().removeprefix("个")
        if unit == "工作日":
            kinds.add(True)
            out.append(value * workday_hours)
            shown.append(f"{_fmt(value)} 个工作日")
        elif unit in ("工作小时", "工作时"):
            kinds.add(True)
            out.append(value)
            shown.append(f"{_fmt(value)} 工作小时")
        elif unit:
            kinds.add(False)
            out.append(value * UNIT_HOURS[unit])
            label = {"分": "分钟", "时": "小时", "h": "小时", "日": "天", "d": "天",
                     "星期": "周"}.get(unit, unit)
            shown.append(f"{_fmt(value)} {label}")
        else:
            out.append(value)
            shown.append(None)
    if not out:
        raise InvalidInput("no durations", "没看到时长。如「4 8 16」（小时）或「30天 37天 44天」")
    if len(kinds) > 1:
        raise InvalidInput("mixed units", "工作日和自然天不能混用，请统一单位。")
    if said_business or said_natural:
        business = said_business and not said_natural
    else:
        business = next(iter(kinds)) if kinds else default_business
    if any(h <= 0 for h in out):
        raise InvalidInput("zero duration", "时长要大于 0。")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise InvalidInput("not increasing", "每一级要比上一级长，如「4小时 8小时 16小时」。")
    unit = "工作小时" if business else "小时"
    labels = [x or f"{_fmt(h)} {unit}" for x, h in zip(shown, out, strict=True)]
    mode = "按工作时间算" if business else "按自然时间算"
    levels = " / ".join(f"{i}级 {x}" for i, x in enumerate(labels, 1))
    in_hours = "、".join(_fmt(round(h, 2)) for h in out)
    return Durations(tuple(round(h, 4) for h in out), business,
                     f"{levels}，{mode}（即 {in_hours} {unit}）")


def day_words(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日(周{WEEKDAYS[d.weekday()]})"


def parse_day(text: str, now: datetime) -> date:
    """One date, in any form the extractor reads."""
    found = [x for x in scan_times(text, now) if x.date is not None]
    dotted = MONTH_DOT_DAY.match(text.strip())
    if not found and dotted:
        month, day = int(dotted.group(1)), int(dotted.group(2))
        try:
            d = date(now.year, month, day)
        except ValueError:
            raise InvalidInput("bad date", f"没有{month}月{day}日这一天") from None
        return d if d >= now.date() - timedelta(days=180) else date(now.year + 1, month, day)
    if not found:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInput("bad date", f"没看懂日期「{text.strip()[:20]}」，"
                               "如「12月4日」「2026-12-04」「下周一」") from None
    first = found[0].date
    assert first is not None
    return first


def parse_period(text: str, now: datetime) -> tuple[date, date, str]:
    """Two dates (start, end) and the period in words; the end is read after the start."""
    found = [x for x in scan_times(text, now) if x.date is not None]
    if len(found) >= 2:
        first, second = found[0], found[1]
        assert first.date is not None
        assert second.date is not None
        start, end = first.date, second.date
        if first.rolled and first.unrolled is not None and first.unrolled <= end:
            start = first.unrolled            # 「12月4日」 said on 12月5日: this year's
    else:
        words = [w for w in re.split(r"[\s,，、~～至到]+", text.strip()) if w]
        if len(words) < 2:
            raise InvalidInput("one date", "要两个日期：开始 结束，如「12月4日 12月10日」")
        start, end = parse_day(words[0], now), parse_day(words[1], now)
    if end < start and end.replace(year=start.year) >= start:
        end = end.replace(year=start.year)
    if end < start:
        raise InvalidInput("end before start", "结束日期早于开始日期")
    if (end - start).days > 366:
        raise InvalidInput("period too long", "这段时间超过一年了，请检查日期。")
    days = (end - start).days + 1
    return start, end, f"{day_words(start)} 至 {day_words(end)}，共 {days} 天"
