"""Chinese time grammar: relative days, weekdays, month days, clock times, vague times.

`scan_times(text, now)` finds every time expression with its resolved date / clock time
and whether it lies in the past; `parse_when(text, now)` reads one answer ("周四",
"不对,是周三下午三点") for the dialog. Rules: ../shared/nlp/CONVENTIONS.md.

Absolute and foreign formats that the Chinese grammar does not cover ("Dec 3",
"3 December 2026 2pm", "next Tuesday", "12/03/2026") go to dateparser: a regex finds the
candidate spans first (so dateparser, slow to import and ms per call, runs only on messages
that hold such a date, and never reads ordinary Chinese text such as "三家" or "200套"),
then each span is parsed with `RELATIVE_BASE=now` (timezone-aware) and
`PREFER_DATES_FROM='future'`; the past reading is kept for the past-vs-planned rule.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from nlp.holidays import HolidayCalendar, holiday_times
from nlp.timeexpr import TimeExpr, add_months, monday, safe_date
from nlp.timeforeign import foreign_past, foreign_times

__all__ = [
    "TimeExpr",
    "When",
    "cn_to_int",
    "normalize_text",
    "parse_when",
    "scan_times",
    "split_clauses",
]

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９：．－／＋（）"}
_FULLWIDTH[0x3000] = 0x20


def normalize_text(text: str) -> str:
    """Full-width digits and colons to ASCII, position preserving (1 char → 1 char)."""
    return text.translate(_FULLWIDTH)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "幺": 1, "俩": 2, "仨": 3}


def cn_to_int(s: str) -> int | None:
    """'15', '十五', '二十三', '两', '三十一', '零五' → int (None if unreadable)."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if "十" not in s:
        if all(c in _CN_DIGITS for c in s):
            v = 0
            for c in s:
                v = v * 10 + _CN_DIGITS[c]
            return v
        return None
    head, _, tail = s.partition("十")
    if head and head not in _CN_DIGITS:
        return None
    if tail and (len(tail) != 1 or tail not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[head] if head else 1) * 10 + (_CN_DIGITS[tail] if tail else 0)


@dataclass(frozen=True, slots=True)
class When:
    """A resolved time answer: date and/or clock time; vague or past flags."""

    date: date | None = None
    time: time | None = None
    vague: bool = False
    past: bool = False
    text: str | None = None


_NUM = r"[0-9]{1,2}|[零〇一二两三四五六七八九十俩仨]{1,3}"
_WD = r"[一二三四五六日天1-7]"
_WEEK = r"(?:周|星期|礼拜)"
# what a number names before these is a numbered place or thing, not a day of the month
# (在3号塘试用, 二号缸, 5号线, 3号楼, 2号车间, 滨海一号业委会)
_NUMBERED = (r"(?:[楼塘堂池井仓库炉罐窑站馆厅棚泵院栋缸柜槽舱田坑]|线(?![上下]午)|门(?!口)|"
             r"房间|车间|厂房|"
             r"码头|泊位|地块|机组|机床|高炉|产线|生产线|工位|展位|包厢|会议室|病区|病房|大院|公路|"
             # … or a numbered estate or building, a name (滨海一号业委会, 壹号公馆, 1号大厦)
             r"业委会|业主|小区|公馆|大厦|广场|花园|公寓|物业|商场|商城|写字楼|大楼)")
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}

_PARTS = (r"上午|早上|早晨|一早|中午|下午|傍晚|晚上|夜里|夜间|凌晨|今晚|明早|明晚"
          r"|早(?=[0-9一二两三四五六七八九十])|晚(?=[0-9一二两三四五六七八九十])")

_DATE_RE = re.compile(
    "|".join(
        [
            r"(?P<iso_date>(?P<iso_year>20\d\d)\s*[-/.年]\s*(?P<iso_month>\d{1,2})\s*[-/.月]\s*(?P<iso_day>\d{1,2})\s*[日号]?)",
            rf"(?P<next_month_day>(?:下个?|次)月(?P<next_month_day_n>{_NUM})\s*[号日])",
            rf"(?P<this_month_day>(?:这个?|本)月(?P<this_month_day_n>{_NUM})\s*[号日])",
            rf"(?P<month_day>(?P<month_day_year>明年|今年)?(?P<month_day_month>{_NUM})\s*月(?:份)?\s*(?P<month_day_day>{_NUM})\s*(?:[号日]|(?![0-9零〇一二两三四五六七八九十个天周号])(?!\s*[0-9])))",
            rf"(?P<month>(?<![0-9零〇一二两三四五六七八九十个上下这本每几])(?P<month_year>明年|今年)?(?P<month_n>{_NUM})\s*月份?(?P<month_part>初|底|末|中旬|上旬|下旬)?(?![0-9零〇一二两三四五六七八九十俩个号日]))",
            r"(?P<unread>(?:下个?|次|这个?|本)?月(?:中旬|上旬|下旬|中)|(?:下个?|次|这个?|本)月初(?=旬)|(?<![0-9])(?:中旬|下旬|上旬))",
            r"(?P<slash>(?<![0-9/.])(?P<slash_month>1[0-2]|0?[1-9])/(?P<slash_day>3[01]|[12][0-9]|0?[1-9])(?![0-9/]))",
            r"(?P<next_month_end>(?:下个?|次)月(?:底|末))",
            r"(?P<next_month_start>(?:下个?|次)月(?:初)?)",
            r"(?P<month_end>(?:这个?|本)?月(?:底|末))",
            r"(?P<year_end>(?:今|这个?)?年(?:底|末))",
            rf"(?P<week_after_next_day>下下个?{_WEEK}(?P<week_after_next_weekday>{_WD}))",
            rf"(?P<next_week_day>下个?{_WEEK}(?P<next_week_weekday>{_WD}))",
            rf"(?P<this_week_day>(?:这个?|本){_WEEK}(?P<this_week_weekday>{_WD}))",
            rf"(?P<last_week_day>上个?{_WEEK}(?P<last_week_weekday>{_WD}))",
            rf"(?P<week_after_next>下下个?{_WEEK})",
            rf"(?P<next_week>下个?{_WEEK})",
            rf"(?P<last_week>上个?{_WEEK}|上个月|上月)",
            rf"(?P<days_later>(?P<days_later_n>{_NUM}|几)\s*(?:个)?\s*(?P<days_later_unit>天|日|周|星期|礼拜|个月)\s*(?:以后|之后|后))",
            rf"(?P<after_days>过\s*(?P<after_days_n>{_NUM}|几)\s*(?P<after_days_unit>天|日|周|星期|礼拜|个月))",
            rf"(?P<weekday>(?<![上下这本个]){_WEEK}(?P<weekday_n>{_WD}))",
            r"(?P<relative_day>大后天|大后儿个?|后天|后儿个?|明天|明日|明儿个?|明早|明晚|今天|今日|今儿个?|今早|今晚|"
            r"昨天|昨日|昨晚|前天|大前天|(?<![明后]天)(?<![明后]儿)(?<![号末])(?<![周期拜][一二三四五六日天])下班(?:前|之前|以前))",
            rf"(?P<day_of_month>(?<![0-9月])(?P<day_of_month_n>{_NUM})\s*(?:号(?!{_NUMBERED})|日)(?![0-9]))",
            r"(?P<vague>过几天|过两天|过些天|过段时间|过一阵子?|改天|回头|近期|最近|下次|下回|有空|抽空"
            r"|晚点|晚些时候|过阵子|这几天|近几天|近两天|等几天|找时间|择日)",
        ]
    )
)

# the minutes after 点: with 分, or two figures (三点二十, 3点05, 三点零五); a lone numeral
# with no 分 is none (两点一起去, 两点一刻 is the quarter)
_MINUTE = (r"[0-5]?[0-9](?=\s*分)|[0-5][0-9]|[零〇][一二三四五六七八九]|"
           r"[二三四五]?十[一二三四五六七八九]?|[一二两三四五六七八九](?=\s*分)")
_CLOCK_RE = re.compile(
    rf"(?P<day_part>{_PARTS})?\s*(?:"
    rf"(?P<clock_hh>[0-2]?\d)\s*[:：]\s*(?P<clock_mm>[0-5]\d)"
    rf"|(?P<hour>{_NUM})\s*(?:点|时)(?:钟)?\s*(?P<minute_word>半|一刻|三刻|(?P<minute_n>{_MINUTE})\s*分?)?"
    rf")"
)
_PART_RE = re.compile(_PARTS)

_PAST_MARK_RE = re.compile(
    r"了|过了|已经|已|上次|刚才|刚刚|见过|聊过|做过|[签见送发做谈聊定买交付]的"
)
_POSTPONE_RE = re.compile(r"(?:推迟|延迟|延期|延后|推|拖|冻|压|延|要等|得等|等)(?:到|至)了?\s*$")
# their event, not a step: '经费要到年底才下来', '合同年底到期'
_EVENT_AFTER = re.compile(r"\s*(?:才|到期)")
_FESTIVAL_NAME = re.compile(r"双十一|双11|双十二|双12|双旦|双节|618")
_CLAUSE_RE = re.compile(r"[，,。；;！!？?\n\r\t]+|\s+|然后|接着")


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans of a message (punctuation, whitespace and 然后 split clauses)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_RE.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _resolve_date(m: re.Match[str], today: date) -> TimeExpr | None:
    g = m.groupdict()
    kind = m.lastgroup
    s, e, t = m.start(), m.end(), m.group(0)
    past = False
    rolled = False
    unrolled: date | None = None
    weak = False
    part: str | None = None
    d: date | None = None
    if kind == "iso_date":
        d = safe_date(int(g["iso_year"]), int(g["iso_month"]), int(g["iso_day"]))
        if d is None:
            return None
        past = d < today
    elif kind == "next_month_day":
        n = cn_to_int(g["next_month_day_n"])
        if n is None:
            return None
        nm = add_months(today.replace(day=1), 1)
        d = safe_date(nm.year, nm.month, n)
    elif kind == "this_month_day":
        n = cn_to_int(g["this_month_day_n"])
        if n is None:
            return None
        d = safe_date(today.year, today.month, n)
        past = d is not None and d < today
    elif kind == "month_day":
        mo, dd = cn_to_int(g["month_day_month"]), cn_to_int(g["month_day_day"])
        if mo is None or dd is None or not 1 <= mo <= 12:
            return None
        if g["month_day_year"]:                  # 明年M月D号 / 今年M月D号: the year as said
            d = safe_date(today.year + (g["month_day_year"] == "明年"), mo, dd)
            if d is None:
                return None
            return TimeExpr(s, e, t, d, None, past=d < today)
        d = safe_date(today.year, mo, dd)
        if d is not None and d < today:
            unrolled = d
            d = safe_date(today.year + 1, mo, dd)
            rolled = True
    elif kind == "month":
        mo = cn_to_int(g["month_n"])
        if mo is None or not 1 <= mo <= 12:
            return None
        x = g["month_part"] or ""
        if x in ("中旬", "上旬", "下旬"):
            return TimeExpr(s, e, t, None, None, vague=True, kind="unread", unread=True)
        year = today.year + (1 if g["month_year"] == "明年" else 0)
        if not g["month_year"] and mo < today.month:
            year += 1                  # M月 already past: next year (CONVENTIONS)
        last = calendar.monthrange(year, mo)[1]
        d = date(year, mo, last if x in ("底", "末") else 1)
    elif kind == "unread":
        return TimeExpr(s, e, t, None, None, vague=True, kind="unread", unread=True)
    elif kind == "next_month_end":
        nm = add_months(today.replace(day=1), 1)
        d = nm.replace(day=calendar.monthrange(nm.year, nm.month)[1])
    elif kind == "next_month_start":
        d = add_months(today.replace(day=1), 1)
    elif kind == "month_end":
        d = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    elif kind == "year_end":
        d = date(today.year, 12, 31)
    elif kind == "week_after_next_day":
        d = monday(today) + timedelta(days=14 + _WEEKDAY[g["week_after_next_weekday"]])
    elif kind == "next_week_day":
        d = monday(today) + timedelta(days=7 + _WEEKDAY[g["next_week_weekday"]])
    elif kind == "this_week_day":
        d = monday(today) + timedelta(days=_WEEKDAY[g["this_week_weekday"]])
        past = d < today
    elif kind == "last_week_day":
        d = monday(today) - timedelta(days=7 - _WEEKDAY[g["last_week_weekday"]])
        past = True
    elif kind == "next_week":
        d = monday(today) + timedelta(days=7)
    elif kind == "week_after_next":
        d = monday(today) + timedelta(days=14)
    elif kind == "slash":
        mo, dd = int(g["slash_month"]), int(g["slash_day"])
        d = safe_date(today.year, mo, dd)
        if d is not None and d < today:
            unrolled = d
            d = safe_date(today.year + 1, mo, dd)
            rolled = True
    elif kind == "last_week":
        return TimeExpr(s, e, t, None, None, past=True)
    elif kind in ("days_later", "after_days"):
        raw = g["days_later_n"] if kind == "days_later" else g["after_days_n"]
        unit = g["days_later_unit"] if kind == "days_later" else g["after_days_unit"]
        if raw == "几" or (kind == "after_days" and raw in ("两", "俩") and unit in ("天", "日")):
            return TimeExpr(s, e, t, None, None, vague=True, kind="vague")
        n = cn_to_int(raw)
        if n is None or n > 400:
            return None
        if unit in ("天", "日"):
            d = today + timedelta(days=n)
        elif unit == "个月":
            d = add_months(today, n)
        else:
            d = today + timedelta(days=7 * n)
    elif kind == "weekday":
        wd = _WEEKDAY[g["weekday_n"]]
        delta = (wd - today.weekday()) % 7 or 7
        d = today + timedelta(days=delta)
        rolled, unrolled = True, d - timedelta(days=7)     # '周一去了一趟' is last Monday
    elif kind == "relative_day":
        word = t
        if word.startswith("下班"):       # 下班前: a deadline today
            return TimeExpr(s, e, t, today, None)
        word = word.rstrip("个")
        offs = {"大后天": 3, "大后儿": 3, "后天": 2, "后儿": 2, "明天": 1, "明日": 1, "明儿": 1,
                "明早": 1, "明晚": 1, "今天": 0, "今日": 0, "今儿": 0, "今早": 0, "今晚": 0,
                "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2, "大前天": -3}
        d = today + timedelta(days=offs[word])
        past = offs[word] < 0
        # today said alone often tells what was done (今天见了王总); 今晚, like 今天晚上, is
        # the evening still ahead
        weak = offs[word] == 0 and word != "今晚"
        part = {"明早": "早上", "明晚": "晚上", "今早": "早上", "今晚": "晚上",
                "昨晚": "晚上"}.get(word)
    elif kind == "day_of_month":
        n = cn_to_int(g["day_of_month_n"])
        if n is None or not 1 <= n <= 31:
            return None
        d = safe_date(today.year, today.month, n)
        if d is None or d < today:
            unrolled = d
            nm = add_months(today.replace(day=1), 1)
            d = safe_date(nm.year, nm.month, n)
            rolled = True
        if d is None:
            return None
    elif kind == "vague":
        return TimeExpr(s, e, t, None, None, vague=True, kind="vague")
    else:  # pragma: no cover
        return None
    if d is None:
        return None
    return TimeExpr(s, e, t, d, None, part=part, past=past, weak=weak, rolled=rolled,
                    unrolled=unrolled)




def _iter_overlapping(rx: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match, searching again from each match's start + 1 (callers drop overlaps)."""
    out: list[re.Match[str]] = []
    pos = 0
    while pos < len(text):
        m = rx.search(text, pos)
        if m is None:
            break
        if m.end() > m.start():
            out.append(m)
        pos = m.start() + 1
    return out


def _clock(m: re.Match[str]) -> tuple[time | None, str | None]:
    part = m.group("day_part")
    if m.group("clock_hh") is not None:
        h, mi = int(m.group("clock_hh")), int(m.group("clock_mm"))
        explicit24 = True
    else:
        hv = cn_to_int(m.group("hour"))
        if hv is None:
            return None, part
        h = hv
        explicit24 = False
        mn = m.group("minute_word")
        if not mn:
            mi = 0
        elif mn == "半":
            mi = 30
        elif mn == "一刻":
            mi = 15
        elif mn == "三刻":
            mi = 45
        else:
            mv = cn_to_int(m.group("minute_n") or "")
            if mv is None or mv > 59:
                return None, part
            mi = mv
    if h > 24 or mi > 59:
        return None, part
    h = _apply_part(h, part, explicit24)
    if h >= 24:
        h = 0 if h == 24 else h
        if h >= 24:
            return None, part
    return time(h, mi), part


def _apply_part(h: int, part: str | None, explicit24: bool) -> int:
    if part in ("上午", "早上", "早晨", "一早", "明早", "凌晨", "早"):
        return h
    if part == "中午":
        if h == 12:
            return 12
        return h + 12 if h <= 2 else h
    if part in ("下午", "傍晚", "晚上", "夜里", "夜间", "今晚", "明晚", "晚"):
        return h + 12 if h < 12 else h
    if explicit24 and h == 0:
        return h
    if 1 <= h <= 6:
        return h + 12
    return h


_PART_END = {"早": 10, "晚": 24,
             "上午": 12, "早上": 10, "早晨": 10, "一早": 10, "凌晨": 6, "中午": 14,
             "下午": 18, "傍晚": 19, "晚上": 24, "夜里": 24, "夜间": 24, "今晚": 24}
_PART_START = {"早": 5, "晚": 18,
               "上午": 6, "早上": 5, "早晨": 5, "一早": 5, "凌晨": 0, "中午": 11,
               "下午": 12, "傍晚": 17, "晚上": 18, "夜里": 20, "夜间": 20, "今晚": 18}
# 一点 after these is "a little", not one o'clock (快一点, 再让一点, 便宜一点, 价格低一点, 这样一点)
_CLOCK_GUARD_BEFORE = set("快早晚慢好多少有差一些点让降减宜贵高低大小惠样")


_DEFAULT_CALENDAR = HolidayCalendar()


def scan_times(text: str, now: datetime,
               holidays: HolidayCalendar | None = None) -> list[TimeExpr]:
    """All time expressions in `text`, resolved against `now`, in text order. Holiday
    phrases resolve on `holidays` (the tenant's table over chinese_calendar)."""
    text = normalize_text(text)
    today = now.date()
    dates: list[TimeExpr] = []
    foreign_clocks: list[TimeExpr] = []
    for m in _DATE_RE.finditer(text):
        te = _resolve_date(m, today)
        if te is None:
            continue
        dates.append(te)
    # shopping festivals are names, not times ('双十一时效' holds no 十一时)
    festivals = [(m.start(), m.end()) for m in _FESTIVAL_NAME.finditer(text)]
    dates = [d for d in dates if all(d.end <= a or d.start >= b for a, b in festivals)]
    taken = [(d.start, d.end) for d in dates] + festivals
    for te in holiday_times(text, today, holidays or _DEFAULT_CALENDAR):
        if all(te.end <= a or te.start >= b for a, b in taken):
            dates.append(te)
            taken.append((te.start, te.end))
    for i, te in enumerate(dates):
        if _POSTPONE_RE.search(text[max(0, te.start - 4): te.start]) or \
                _EVENT_AFTER.match(text, te.end):
            dates[i] = replace(te, postponed=True)
    for te in foreign_times(text, now, taken):
        before = text[max(0, te.start - 4): te.start]
        if _POSTPONE_RE.search(before):
            te = replace(te, postponed=True)
        if te.kind == "clock":
            foreign_clocks.append(te)
        else:
            dates.append(te)
        taken.append((te.start, te.end))

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    clocks: list[TimeExpr] = []
    for m in _iter_overlapping(_CLOCK_RE, text):
        s, e = m.start(), m.end()
        if not free(s, e):
            continue
        if m.group("hour") is not None and m.group("day_part") is None:
            hs = m.start("hour")
            prev = text[hs - 1] if hs > 0 else ""
            nxt = text[e] if e < len(text) else ""
            if m.group("hour") == "一" and not m.group("minute_word") and (
                prev in _CLOCK_GUARD_BEFORE or nxt in "儿点"
            ):
                continue
            if prev in _CLOCK_GUARD_BEFORE and m.group("hour") in ("一", "几"):
                continue
            if hs > 0 and text[hs - 1].isdigit():
                continue
        if m.group("clock_hh") is not None:
            hs = m.start("clock_hh")
            if (hs > 0 and text[hs - 1].isdigit()) or (e < len(text) and text[e].isdigit()):
                continue
        tm, part = _clock(m)
        if tm is None:
            continue
        clocks.append(TimeExpr(s, e, m.group(0), None, tm, part=part, kind="clock"))
        taken.append((s, e))
    for m in _PART_RE.finditer(text):
        if free(m.start(), m.end()):
            clocks.append(TimeExpr(m.start(), m.end(), m.group(0), None, None, part=m.group(0),
                                   kind="part"))
            taken.append((m.start(), m.end()))
    clocks.extend(foreign_clocks)
    clocks.sort(key=lambda x: x.start)

    # merge a date with the clock / part-of-day right after it
    merged: list[TimeExpr] = []
    used: set[int] = set()
    for d in sorted(dates, key=lambda x: x.start):
        if d.kind != "date" or d.date is None:
            merged.append(d)
            continue
        cur = d
        for i, c in enumerate(clocks):
            if i in used:
                continue
            gap = text[cur.end: c.start]
            if c.start >= cur.end and len(gap) <= 2 and gap.strip(" 的") == "":
                used.add(i)
                part = c.part or cur.part
                tm = c.time
                if tm is not None and cur.part and not c.part:
                    tm = _reparted(c, cur.part)
                cur = replace(cur, end=c.end, text=text[cur.start: c.end], time=tm, part=part,
                              weak=cur.weak and tm is None and part is None)
                break
        merged.append(cur)
    for i, c in enumerate(clocks):
        if i not in used:
            merged.append(c)
    merged.sort(key=lambda x: x.start)

    # a clock time said apart from its date ("8月12号…让我上午八点去") goes to the date just
    # named when that date has none; after a date that has one it ends a range (三点到四点)
    out: list[TimeExpr] = []
    last_idx: int | None = None
    for x in merged:
        if x.kind == "date" and x.date is not None:
            last_idx = len(out)
            out.append(x)
            continue
        if x.kind == "clock" and x.time is not None:
            if last_idx is not None:
                d = out[last_idx]
                if d.time is None:
                    tm = _reparted(x, d.part) if d.part and not x.part else x.time
                    out[last_idx] = replace(d, time=tm, part=x.part or d.part, weak=False)
                continue
            out.append(replace(x, date=today, kind="attached"))
            continue
        if x.kind == "part" and x.part in _TODAY_PARTS:
            # a part of the day said alone (我下午过去一趟) is today's, as a bare clock time
            # is; after a date named earlier it is that date's (8月12号…下午去)
            if last_idx is not None:
                d = out[last_idx]
                if d.part is None and d.time is None:
                    out[last_idx] = replace(d, part=x.part)
                continue
            out.append(replace(x, date=today, kind="attached"))
            continue
        out.append(x)
    return [_judge_past(x, text, now) for x in out]


# parts of the day that, said alone, are today's (明早 / 今晚 carry their day in the word)
_TODAY_PARTS = frozenset(("上午", "早上", "早晨", "中午", "下午", "傍晚", "晚上"))


def _reparted(c: TimeExpr, part: str) -> time | None:
    if c.time is None:
        return None
    m = _CLOCK_RE.fullmatch(c.text)
    if m is None:
        return c.time
    h = c.time.hour
    # undo bare-hour shift, then apply the date's part of day
    raw = m.group("clock_hh") or m.group("hour")
    hv = cn_to_int(raw) if raw else None
    if hv is None:
        return c.time
    h = _apply_part(hv, part, m.group("clock_hh") is not None)
    return time(h % 24, c.time.minute)


def _judge_past(x: TimeExpr, text: str, now: datetime) -> TimeExpr:
    if x.date is None or x.past:
        return x
    today = now.date()
    if x.date < today:
        return replace(x, past=True)
    after = _clause_tail(text, x.end)
    marked = bool(_PAST_MARK_RE.search(after)) and "再" not in after[:6] and \
        not re.match(r"\s*(?:之前|以前|前)", after)
    if x.foreign and not marked:
        marked = foreign_past(text, x.start, x.end)
    if x.date == today:
        if x.time is not None:
            cur = now.time().replace(tzinfo=None, second=0, microsecond=0)
            if x.time < cur or (x.time == cur):
                return replace(x, past=True)
            if marked and x.kind == "attached":
                return replace(x, past=True)
        elif x.part is not None:
            end = _PART_END.get(x.part, 24)
            if now.hour >= end:
                return replace(x, past=True)
            if marked:
                return replace(x, past=True)
            if now.hour >= _PART_START.get(x.part, 0):
                return replace(x, weak=True)
        elif marked:
            return replace(x, past=True)
        return x
    head = _clause_head(text, x.start)
    if x.rolled and (marked or _PAST_BEFORE_RE.search(head)) and \
            not (marked and _ASKED_BEFORE_RE.search(head)):
        return replace(x, past=True, date=x.unrolled or x.date)
    return x


_PAST_BEFORE_RE = re.compile(r"上次|上回|已经|之前|那次")
# asked to do it then: a 了 after the step is a particle, not the past ('让我周五带报价过去了')
_ASKED_BEFORE_RE = re.compile(r"[让叫要请]我$|[让叫要请]咱们?$|约(?:好|了)?$")


def _clause_head(text: str, pos: int) -> str:
    start = 0
    for m in _CLAUSE_RE.finditer(text, 0, pos):
        start = m.end()
    return text[start:pos][-4:]


def _clause_tail(text: str, pos: int) -> str:
    m = _CLAUSE_RE.search(text, pos)
    end = m.start() if m else len(text)
    return text[pos:end][:24]


_CONNECTOR = re.compile(r"\s*(?:或者?|还是|到|至|-|~|—)\s*")


def parse_when(text: str, now: datetime, holidays: HolidayCalendar | None = None) -> When:
    """Read a time answer: the last future expression wins ("不对,是周三下午三点" → 周三 15:00)."""
    try:
        exprs = scan_times(text or "", now, holidays)
    except Exception:  # never raise in dialog code
        return When()
    if not exprs:
        return When()
    norm = normalize_text(text or "")
    dated_all = [x for x in exprs if x.date is not None]
    # 'X到Y' / 'X或者Y': Y is a range end or an alternative, X is the answer
    ends = {id(b) for a, b in pairwise(dated_all)
            if _CONNECTOR.fullmatch(norm[a.end: b.start])}
    future = [x for x in exprs if x.date is not None and not x.past and not x.postponed
              and id(x) not in ends]
    if future:
        x = future[-1]
        return When(date=x.date, time=x.time, vague=False, past=False, text=x.text)
    dated = [x for x in exprs if x.date is not None]
    if dated:
        x = dated[-1]
        return When(date=x.date, time=x.time, vague=False, past=True, text=x.text)
    vague = [x for x in exprs if x.vague]
    if vague:
        return When(vague=True, text=vague[-1].text)
    past = [x for x in exprs if x.past]
    if past:
        return When(past=True, text=past[-1].text)
    return When(text=None)
