"""Spoken forms Whisper writes oddly, rewritten the way CONVENTIONS reads them.

- **Weekdays.** After 下周 / 这周 / 本周 / 上周 / 下下周 and 星期 / 礼拜 (or a pair that
  sounds exactly like 礼拜 / 星期 and is no word: 李败), the next syllable is a weekday;
  Whisper base writes a sound-alike (下周爱 for 下周二, 星期留 for 星期六). The character
  is replaced by the weekday numeral it sounds like (`nlp.phonetic` costs), unless it is
  a word that often follows 周 (下周是, 下周会, 下周要 stay).
- **Phone numbers.** 幺 (1) is heard as 腰 / 要 / 妖, 四 as 死 …: inside a run of at least
  eight digits such a sound-alike (at most two) is that digit when it makes an 11-digit
  mobile number; digit words in the run become ASCII digits and
  the run loses the spaces, dashes and 、 Whisper puts between groups.
- **上午 / 中午 / 下午.** 午 and 五 are homophones: before a clock time Whisper often writes
  上五十点 or 中午五十二点半 (for 上午十点, 中午十二点半); 五 (or another character read
  wu: 无, 舞 …) right after 上 / 中 / 下 and before a clock time is 午. With 上 / 下 heard as
  another syllable too (向五三点, 受五十点), after a day or a pause and before a clock time,
  it is 上午 / 下午; 这中午下午 is 这周五下午.
- **十点 / 前.** 十 and 时, 前 and 钱 are homophones: 时点 with no number before it is 十点,
  钱 right after a day, a weekday or a month end and before the step (月底钱把, 周四钱再)
  is 前 (20号钱到账了 stays).
- **Decoding loops.** A character repeated five or more times at the end ("…哀哀哀哀哀")
  is what Whisper writes when a window runs out of speech: it is cut.
"""

from __future__ import annotations

import re
from itertools import product

from nlp.classify import ORDER_COUNT, ORDER_UNIT, clause_begin
from nlp.lexicon import CN_NUMERALS, lexicon
from nlp.phonetic import APICAL, RARE_WORD, crosses_word, syllable_cost, syllables, words_of
from nlp.segment import base_word_freq
from nlp.timeparse import cn_to_int

__all__ = ["fix_clause_le", "fix_clock_words", "fix_cue_phrases", "fix_go_sign",
           "fix_met_person", "fix_part_of_day", "fix_phone_digits", "fix_say_after_person",
           "fix_weekdays", "normalize_spoken", "trim_loops"]

_WEEKDAYS = "一二三四五六日天"
_WEEKDAY_READINGS = {ch: syllables(ch)[0] for ch in "一二三四五六日"}
# words that follow 周 / 星期 in ordinary speech: never respelled as a weekday
_AFTER_WEEK = set("是会要去再就还也都的开见过来内末后前里中初底以了"
                  "我他她你们有能可得先跟把给和让在")
_WEEK = re.compile(r"(下下|下|这|本|上)(个)?(周|星期|礼拜)([\u4e00-\u9fff])|"
                   r"(星期|礼拜)([\u4e00-\u9fff])")
WEEKDAY_MAX_COST = 0.36
APICAL_AS_U = 0.2   # the apical i of 四 (si) heard rounded, as su (礼拜素) or sui (下礼拜祟):
                    # where only a weekday can stand, it is 四's, not 五's (wu, one fold
                    # further) or 三's


def _weekday_cost(heard: tuple[tuple[str, str], ...], reading: tuple[tuple[str, str], ...]
                  ) -> float:
    cost = syllable_cost(heard, reading)
    if any(h[0] == r[0] and h[0] in APICAL and h[1] in ("u", "uei") and r[1] == "i"
           for h in heard for r in reading):
        cost = min(cost, APICAL_AS_U)
    return cost


def _weekday_for(ch: str) -> str | None:
    if ch in _WEEKDAYS or ch in _AFTER_WEEK:
        return None
    heard = syllables(ch)[0]
    if not heard:
        return None
    costs = sorted((_weekday_cost(heard, r), d) for d, r in _WEEKDAY_READINGS.items())
    best, second = costs[0], costs[1]
    if best[0] <= WEEKDAY_MAX_COST and second[0] - best[0] >= 0.1:
        return best[1]
    return None


# 下周二 with a pause before the day: Whisper writes 下周，二 / 下周、二 / 下周 二, which the
# extractor reads as next Monday; the day right after the pause (not 二十, 二号, 二月 …) is it
_PARTS_OF_DAY = ("上午", "中午", "下午", "晚上", "早上")
_WEEK_PAUSE = re.compile(r"((?:下下|下|这|本|上)个?(?:周|星期|礼拜))[，,、 ]+"
                         r"(?=[一二三四五六日天](?![0-9零一二两三四五六七八九十号日月点个位]))")


# 周 itself heard as another syllable near zhou (这中五, 下州二) between 这 / 下 / 上 / 本 and a
# weekday's numeral (that is no number: 这中五十 stays)
_WEEK_HEARD = re.compile(r"(下下|这|下|上|本)([\u4e00-\u9fff])(?=[一二三四五六日天]"
                         r"(?![0-9零一二两三四五六七八九十百千万个号点月年次台套件]))")
# … before a weekday's sound-alike too (这中武去签合同 for 这周五去签合同), neither a word
_WEEK_HEARD_BOTH = re.compile(r"(下下|这|下|上|本)([\u4e00-\u9fff])(?=[\u4e00-\u9fff])")
_ZHOU = syllables("周")[0]
WEEK_HEARD_COST = 0.55


def _fix_week_word(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        ch = m.group(2)
        heard = syllables(ch)[0]
        if ch == "周" or not heard or not _ZHOU or \
                syllable_cost(heard, _ZHOU) > WEEK_HEARD_COST or \
                base_word_freq(m.group(1) + ch) >= 20 or \
                base_word_freq(ch + text[m.end()]) >= 20:
            return m.group(0)       # 下班一, 上次三: words, no week
        return m.group(1) + "周"

    text = _WEEK_HEARD.sub(repl, text)

    def both(m: re.Match[str]) -> str:
        at = m.end()
        day, after = text[at], text[at + 1:at + 2]
        if day in _WEEKDAYS or _weekday_for(day) is None or (
                base_word_freq(day + after) > 0 and after not in "去签"):
            return m.group(0)
        return repl(m)

    text = _WEEK_HEARD_BOTH.sub(both, text)

    def at_start(m: re.Match[str]) -> str:
        ch = m.group(1)
        heard = syllables(ch)[0]
        if ch == "周" or ch in _NUMERAL_CHARS or not heard or not _ZHOU or \
                syllable_cost(heard, _ZHOU) > WEEK_HEARD_COST or \
                base_word_freq(ch + text[m.end()]) >= (
                    1 if text[m.end()] in "天日" else RARE_WORD) or \
                crosses_word(text, m.start(), m.end() + 1) or (
                    text[m.end()] in "天日" and not _AFTER_SUNDAY.match(text, m.end() + 1)):
            return ch               # 做一下, 这一次, 某天: words, no week (a rare entry
            #                         of a numeral, 中三, is none: 。中三前把报价发过去);
            #                         楚天包装: 天 then a name goes on, no Sunday
        return "周"

    text = _WEEK_AT_START.sub(at_start, text)

    def both_at_start(m: re.Match[str]) -> str:
        ch, day = m.group(1), _weekday_for(m.group(2))
        heard = syllables(ch)[0]
        if day is None or ch == "周" or not heard or \
                syllable_cost(heard, _ZHOU) > WEEK_HEARD_COST or \
                base_word_freq(m.group(0)) >= RARE_WORD or \
                crosses_word(text, m.start(), m.end()):
            return m.group(0)
        return "周" + day

    return _WEEK_BOTH_AT_START.sub(both_at_start, text)


# … both heard otherwise at a clause's start, right before the part of the day, a clock
# time or a deadline that dates it (。中次上午10点带他去工厂 for 周四上午十点, 。中次前把报价单
# 发过去), neither a word
_WEEK_BOTH_AT_START = re.compile(r"(?:^|(?<=[，,。；;！!？?\s]))([\u4e00-\u9fff])([\u4e00-\u9fff])"
                                 r"(?=[上下中][午五伍舞武5]|晚上|早上|前[把发给送去]|"
                                 r"(?:[零一二两三四五六七八九十]{1,3}|\d{1,2})[点:：])")


# what follows 周天 / 周日 said as a day: its time, the one who acts, the deed
_AFTER_SUNDAY = re.compile(r"[上下中晚早前去来我他她再把给要就在跟到过，,。；;！!？?\s\d"
                           r"零一二两三四五六七八九十]|$")
# … and at the start of a clause, with no 这 / 下 before it (。中四我过去看看 for 周四)
_WEEK_AT_START = re.compile(r"(?:^|(?<=[，,。；;！!？?\s]))([\u4e00-\u9fff])"
                            r"(?=[一二三四五六日天](?![0-9零一二两三四五六七八九十百千万个号点月年"
                            r"次台套件级下些遍]))")
_NUMERAL_CHARS = frozenset(CN_NUMERALS)


# 礼拜 / 星期 heard whole as another pair of its sound (李败五 for 礼拜五: li bai), no word,
# right before a weekday or what sounds like one
_WEEK_WORDS = {tuple(sy[0] for sy in syllables(w)): w for w in ("礼拜", "星期")}


# … or, right after 这 / 下 / 上 / 本, with its second syllable a fold further (这里半次 for
# 这礼拜四: ban for bai)
_WEEK_PREFIX = frozenset("这下上本")
_COUNTED = frozenset("个台套件张次条点号块位名只家天年月")
WEEK_PAIR_FOLD = 0.55


def _near_week_word(pair: str, sound: list[tuple[tuple[str, str], ...]]) -> str | None:
    for word in _WEEK_WORDS.values():
        meant = syllables(word)
        if (pair[0] == word[0] or syllable_cost(sound[0], meant[0]) == 0.0) \
                and syllable_cost(sound[1], meant[1]) <= WEEK_PAIR_FOLD:
            return word
    return None


def _fix_week_pair(text: str) -> str:
    out = list(text)
    for i in range(len(text) - 2):
        pair = text[i:i + 2]
        sound = syllables(pair)
        word = _WEEK_WORDS.get(tuple(sy[0] for sy in sound)) if all(sound) else None
        if word is None and all(sound) and i and text[i - 1] in _WEEK_PREFIX \
                and base_word_freq(text[i + 1:i + 3]) < 20 \
                and text[i + 3:i + 4] not in _COUNTED:  # 这里半天, 这里办五个: no weekday
            word = _near_week_word(pair, sound)
        day = text[i + 2]
        between = i and text[i - 1] in _WEEK_PREFIX and day in _WEEKDAYS   # 下李白二: no poet
        if word is None or pair == word or (base_word_freq(pair) >= 20 and not between) or not (
                day in _WEEKDAYS or _weekday_for(day) is not None):
            continue
        out[i:i + 2] = list(word)
    return "".join(out)


def fix_weekdays(text: str) -> str:
    """下周爱 → 下周二; 这中五 → 这周五; 李败伍 → 礼拜五; 下周，二 → 下周二; 下周是 / 下周会
    are left alone."""
    text = _fix_week_pair(_fix_week_word(text))
    def join(m: re.Match[str]) -> str:
        day = m.end()
        if m.string[day + 1:day + 3] not in _PARTS_OF_DAY and \
                base_word_freq(m.string[day:day + 2]) >= 100:
            return m.group(0)       # 下周，一定去: 一定 is a word, not Monday
        return m.group(1)

    text = _WEEK_PAUSE.sub(join, text)
    def repl(m: re.Match[str]) -> str:
        idx = 4 if m.group(4) else 6
        ch = m.group(idx)
        day = _weekday_for(ch)
        if day is None or base_word_freq(text[m.end(idx) - 1:m.end(idx) + 1]) > 0:
            return m.group(0)       # 下周例会: 例 begins a word, it is no weekday
        return m.group(0)[: m.end(idx) - m.start(0) - 1] + day

    return _WEEK.sub(repl, text)


_DIGIT = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2",
          "三": "3", "四": "4", "五": "5", "六": "6", "拐": "7", "七": "7", "八": "8",
          "九": "9", "勾": "9"}
# a digit's sound: 幺 (1) heard as 腰 / 要, or with a nasal as 央 / 羊 (yang), 四 as 死, 七 as
# 期, 九 as 酒 …
_DIGIT_SOUNDS = {syllables(word)[0]: digit for word, digit in (
    ("幺", "1"), ("央", "1"), ("一", "1"), ("二", "2"), ("三", "3"), ("四", "4"), ("五", "5"),
    ("六", "6"), ("七", "7"), ("八", "8"), ("九", "9"), ("零", "0"))}


def _digit_of(ch: str) -> str | None:
    if ch.isascii() and ch.isdigit():
        return ch
    if ch in _DIGIT:
        return _DIGIT[ch]
    return _DIGIT_SOUNDS.get(syllables(ch)[0])


def _is_alike(ch: str) -> bool:
    return not (ch.isdigit() or ch in _DIGIT)


_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _mobile_at(text: str, places: list[int]) -> bool:
    """The run's first 11 make a mobile number, with at most two sound-alikes."""
    head = places[:11]
    return sum(1 for p in head if _is_alike(text[p])) <= 2 and bool(
        _MOBILE.fullmatch("".join(_digit_of(text[p]) or "" for p in head)))


def _extra_after_mobile(text: str, places: list[int]) -> bool:
    """The run's first 11 make a mobile number and the one or two after them are ASCII
    digits written right on: Whisper heard them after it."""
    extra = places[11:]
    return len(places) in (12, 13) and _mobile_at(text, places) \
        and extra == list(range(places[10] + 1, places[10] + 1 + len(extra))) \
        and all(text[p].isascii() and text[p].isdigit() for p in extra)


# 幺 heard 有 (you for yao) right after the word for a phone number, ten digits after it:
# 手机有5903781264 / 手机由8633021457 / 手机由 5832176094 is 1… (库存有1234件 has no such word
# before it)
_ONE_HEARD = re.compile(r"(?<=手机|电话|号码)((?:是|号是|号)?)[有由又友] ?(?=[0-9]{10}(?![0-9]))")
# … or not heard at all: ten digits from 3 to 9 on after that word are a mobile number
# whose 幺 was lost (手机5903781264; a landline starts with its area code's 0)
_ONE_LOST = re.compile(r"(?<=手机|电话|号码)((?:是|号是|号)?)有?(?=[3-9][0-9]{9}(?![0-9]))")


def fix_phone_digits(text: str) -> str:
    """'电话腰8128339047' → '电话18128339047'. Only a run of 8+ digits is rewritten, and
    sound-alikes of digits only where they make it an 11-digit mobile number; a run of 12
    or 13 whose first 11 are a mobile number is that number when the one or two after them
    are digits written right on (Whisper heard them after it: 139-512-786-400, 腰812833904794
    for …9047 就是; never 137…1234 要一台, nor …3367，1月12号)."""
    text = _ONE_HEARD.sub(r"\g<1>1", text)
    out: list[str] = []
    pos = 0
    i = 0
    n = len(text)
    while i < n:
        if _digit_of(text[i]) is None:
            i += 1
            continue
        places: list[int] = []          # positions of the run's digits and sound-alikes
        j = i
        while j < n:
            ch = text[j]
            if _digit_of(ch) is not None:
                places.append(j)
            elif ch not in " 、，,-" or j + 1 >= n or _digit_of(text[j + 1]) is None or (
                    ch in "，," and _is_alike(text[j + 1])):
                break       # after a pause only a digit goes on (…290，要装一批: a verb)
            j += 1
        # sound-alikes at the edges that would make the number too long are words (就是)
        while len(places) > 11 and _is_alike(text[places[-1]]):
            places.pop()
        extra = _extra_after_mobile(text, places)
        if not extra and len(places) > 11 and places[11] != places[10] + 1 and \
                _mobile_at(text, places):
            del places[11:]     # 181-5520-3367，1月12号: the number, then a pause, a date
        while not extra and len(places) > 11 and _is_alike(text[places[0]]):
            places.pop(0)
        lead = None     # 1 written twice at the start (113979184025 for 13979184025)
        if not extra and len(places) == 12 and _digit_of(text[places[0]]) == "1" and \
                _MOBILE.fullmatch("".join(_digit_of(text[p]) or "" for p in places[1:])):
            lead = places.pop(0)
        start, end = places[0], places[-1] + 1
        joined = "".join(_digit_of(text[p]) or "" for p in places)
        alikes = sum(1 for p in places if _is_alike(text[p]))
        real = len(places) - alikes
        if lead is not None:
            out.append(text[pos:lead])
            out.append(joined)
            pos = end
        elif extra:
            out.append(text[pos:start])     # a digit or two too many, heard after the
            out.append(joined[:11])         # number (139-512-786-400): the mobile number
            pos = end
        elif real >= 8 and len(places) >= 9 and text[start:end] != joined and (
                alikes == 0 or (alikes <= 2 and len(places) == 11 and joined[0] == "1")):
            out.append(text[pos:start])
            out.append(joined)
            pos = end
        i = max(end, i + 1)
    out.append(text[pos:])
    # (after the run is joined: 手机有59-03-7-812-64)
    return _ONE_LOST.sub(r"\g<1>1", "".join(out))


# the word for a phone number and what may stand before the number (手机号是, 电话：)
_SAID_NUMBER = re.compile(r"(?:手机|电话|号码)(?:号码?)?(?:是|为|[：:])?")
_RUN_GAP = " -、"
MOBILE_LOST = (9, 10)       # digits of a mobile number heard with one or two lost
MOBILE_ALIKES = 2           # … of which sound-alikes of digits at most (要 for 幺)
_ANY_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def broken_mobile(text: str) -> tuple[int, int, str, str] | None:
    """A mobile number heard with a digit or two lost, right after the word for it
    (手机是1527204618 for 15277204618: 七七 written once; 电话要385614290, 要 for 幺): its start
    and end in ``fix_phone_digits(text)``, its digits and that text; None where there is
    none. Nine or
    ten digits from 1 then 3 to 9, at most two of them sound-alikes of digits (要 for 幺)."""
    fixed = fix_phone_digits(text)
    for m in _SAID_NUMBER.finditer(fixed):
        j, digits, alikes = m.end(), [], 0
        while j < len(fixed):
            d = _digit_of(fixed[j])
            if d is not None:
                digits.append(d)
                alikes += _is_alike(fixed[j])
            elif not (fixed[j] in _RUN_GAP and j + 1 < len(fixed)
                      and _digit_of(fixed[j + 1]) is not None):
                break
            j += 1
        joined = "".join(digits)
        if len(joined) in MOBILE_LOST and joined[0] == "1" and joined[1] in "3456789" and \
                alikes <= MOBILE_ALIKES:
            return m.end(), j, joined, fixed
    return None


def _holds(whole: str, part: str) -> bool:
    """Every digit of ``part``, in order, in ``whole``."""
    it = iter(whole)
    return all(d in it for d in part)


def mend_mobile(text: str, again: str, example: str) -> str:
    """``text`` with its mobile number heard with digits lost (`broken_mobile`) written
    whole, as the note heard once more (``again``) writes it: an 11-digit mobile number
    holding every digit heard, in order (1527204618 → 15277204618). Never ``example`` (the
    number written out in that look's prompt, an echo if heard), never a number of other
    digits; otherwise ``text`` as it was."""
    lost = broken_mobile(text)
    if lost is None:
        return text
    start, end, digits, fixed = lost
    for m in _ANY_MOBILE.finditer(fix_phone_digits(again)):
        if m.group(0) != example and _holds(m.group(0), digits):
            return fixed[:start] + m.group(0) + fixed[end:]
    return text


_LOOP = re.compile(r"(.)\1{4,}[^\w]*$")


def trim_loops(text: str) -> str:
    """Cut a decoding loop at the end: '…想装光伏板维维维维维维' → '…想装光伏板'."""
    return _LOOP.sub("", text).rstrip("，、 ")


# 午 heard as another character of its sound (wu), before a clock time
_WU_SOUND = "五伍舞武无误务物吴悟雾"
_CLOCK_AHEAD = r"(?=(?:[零一二两三四五六七八九十]{1,3}|\d{1,2})[点:：])"
_WU = re.compile(rf"(?<=[上中下])(?:午)?(?:[{_WU_SOUND}]{_CLOCK_AHEAD}"
                 r"|5(?=[零一二两三四五六七八九十]{1,3}[点:：]))")
# … and 上 / 下 heard too (向五三点, 受五十点: xiang for xia, shou for shang), after a day, a
# weekday or a pause: before a clock time that is 上午 / 下午
_XIANG = "向想相象项橡享响详祥翔乡香湘"    # (not 像: 像五六点 is about five or six)
_PART_HEARD = re.compile(rf"(?<=[天号日一二三四五六，,\s])(?:([{_XIANG}])|([受伤商尚]))"
                         rf"(?:[{_WU_SOUND}]{_CLOCK_AHEAD}|5(?=[零一二两三四五六七八九十]{{1,3}}[点:：])"
                         # (向53点: the hour in digits after it)
                         r"|5(?=(?:1[0-2]|[1-9])[点:：]))|"
                         # … or after 我 / 他 and before the step's verb (我向武过去当面谈)
                         rf"(?<=[我他她们])(?:([{_XIANG}])|([受伤商尚]))[{_WU_SOUND}]"
                         r"(?=过去|过来|去|来|到|再|打电话|给[他她]打|发[他她给])")
# 这周五下午 heard as 这中午下午 (zhou for zhong): 中午 right before another part of the day,
# after 这 / 下 / 本 / 上, is the weekday
_ZHONGWU_WEEKDAY = re.compile(r"(?<=[这下本上])中午(?=[上下]午|晚上|早上|傍晚)|"
                              # … or anywhere, right before another part of the day and the
                              # step (让我中午下午再给他打电话; 中午下午都在 is two times)
                              r"中午(?=[上下]午(?:再|去|过去|给|把|打|发|送|约|来|带))|"
                              # … or at a clause's start, right before a clock time
                              rf"(?:^|(?<=[，,。；;\s]))中午(?=[上下]午{_CLOCK_AHEAD})|"
                              # … or opening a clause as the deadline or the day of the next
                              # step, with no day named (中午前把报价发过去, 中午再给他回个电话):
                              # a rep plans by the day; noon today would be 今天中午 / 12点前
                              r"(?:^|(?<=[，,。；;\s]))中午(?=(?:之)?前[把发给送再去打报]|再)|"
                              # … or after 这 / 下 / 本 before the step (这中午把报价发过去):
                              # noon is 今天中午, never 这中午
                              r"(?<=[这下本])中午(?=(?:之)?前|再|把|去|过去|给|发|送|打|签|带|约)")
# 下午三点半 heard 下53.半 / 下午3.半: the 点 written as a full stop before 半 (and 5 for 午)
_HALF_STOP = re.compile(r"(?:(?<=[上中下])(5)|(?<=[上中下]午))(1[0-2]|[1-9])\.(?=半)")
# 上午十点 heard as 上五十点 and written in digits: 上50点 (五十 = 50, 五十二 = 52)
_WU_DIGITS = re.compile(r"(?<=[上中下])(?:午)?5([0-2])(?=[点:：])")
# … with 上 / 下 heard as another syllable of its initial right after a day (明天受50点 for 明天
# 上午10点: shou for shang): 50 to 52 o'clock are none
_WU_DIGITS_AFTER_DAY = re.compile(
    r"((?:今天|明天|后天|[0-9一二三四五六七八九十][号日]|[周期拜][一二三四五六日天])"
    r"[\u4e00-\u9fff]?)([\u4e00-\u9fff])(?:午)?5([0-2])(?=[点:：])")
_PART_BY_INITIAL = {"sh": "上午", "x": "下午", "zh": "中午"}


def _wu_digits_after_day(m: re.Match[str]) -> str:
    heard = syllables(m.group(2))[0]
    part = _PART_BY_INITIAL.get(heard[0][0]) if heard and m.group(2) not in "上中下" else None
    return m.group(0) if part is None else f"{m.group(1)}{part}1{m.group(3)}"


# … and 下午三点 as 下53点: 53 to 59 o'clock are none, so the 5 is 午
_WU_BEFORE_HOUR = re.compile(r"(?<=[上中下])5(?=[3-9][点:：])")


# 10月12号上午打电话 heard as 10月12号上五大电话: right after a day, 上五 / 下五 is 上午 / 下午
# (never before a number, 点, 楼 or 层: 上五楼 stays)
_WU_AFTER_DAY = re.compile(r"((?:[0-9一二三四五六七八九十][号日]|今天|明天|后天|"
                           r"[周期拜][一二三四五六日天])[上中下])[五伍舞武]"
                           r"(?![0-9零一二两三四五六七八九十点楼层个位])")


# 上午 / 下午 heard 上五 before what is done then (黎总监上五开会说, 我下五过去)
# (never 吴 / 武 / 伍 there, which are surnames too: 手下吴去了 stays)
_WU_BEFORE_ACT = re.compile(r"(?<=[上下])[五无舞误务物悟雾]"
                            r"(?=开会|过去|过来|去|来|见|打电话|给[他她])")


# 下午 heard as one syllable, 向 (xia-wu run together), at a clause's start before 我 and
# what I do then (向我给他打电话报个价): 向我 never goes on to 给 / 去 / 把 (向我们要, 向我打听
# stay)
_AFTERNOON_RUN = re.compile(r"(?:^|(?<=[，,。；;！!？?\s]))向(?=我(?:给|去|把|过去|再去|再过去))")


def fix_part_of_day(text: str) -> str:
    """上五十点 → 上午十点; 中午五十二点半 → 中午十二点半; 上50点 → 上午10点; 12号上五大电话
    → 12号上午大电话; 下无两点 → 下午两点; 15号向5两点半 → 15号下午两点半; 这中午下午3点 →
    这周五下午3点."""
    text = _AFTERNOON_RUN.sub("下午", _ZHONGWU_WEEKDAY.sub("周五", text))
    text = _HALF_STOP.sub(lambda m: ("午" if m.group(1) else "") + m.group(2) + "点", text)
    text = _PART_HEARD.sub(lambda m: "下午" if m.group(1) or m.group(3) else "上午", text)
    text = _WU_AFTER_DAY.sub(r"\1午", _WU_BEFORE_ACT.sub("午", text))
    text = _WU_BEFORE_HOUR.sub("午", _WU_DIGITS_AFTER_DAY.sub(_wu_digits_after_day, text))
    return _WU_DIGITS.sub(lambda m: "午1" + m.group(1), _WU.sub("午", text))


_NUMERAL = "零一二两三四五六七八九十0-9"
# 十点 heard as 时点 (十 and 时 are homophones): a clock time with no number before it
_SHI_DIAN = re.compile(rf"(?<![{_NUMERAL}个这那此某])时点(?=[半前钟左再去过到，,。]|$)")
# 月底前 heard as 月底钱: 前 (a deadline) after a day, a week, a month end or an hour (一点钱 is
# a little money)
_QIAN = re.compile(r"(月底|月初|年底|[0-9一二三四五六七八九十]号|[周期拜][一二三四五六日天]|"
                   r"(?:十一|[0-9二三四五六七八九十两])点半?)钱(?=[把再发去送回打联报给])")


# 再 (again, the next step) heard as 在 (at): right after a day and right before the step
# (3月15号在电话跟进, 礼拜四在联系); 明天在公司, 周五在电话里 stay
_ZAI = re.compile(r"((?:月底|月初|年底|[0-9一二三四五六七八九十][号日月]|"
                  r"[0-9一二三四五六七八九十]月份|下个?月|"
                  r"[周期拜][一二三四五六日天]|明天|后天)[，,]?(?:我们?|他们?|她)?)在(?=电话(?![里上中])|打电话|打个|联系|跟进|上门|拜访|回访|过去|"
                  r"去一趟|去[^，,。；;]{1,4}?一趟|约|沟通|发给|送过去|报价|[跟和给][他她]们?(?:联系|打电话|回电话)|"
                  r"给[\u4e00-\u9fff]{1,4}?打个?电话)")


# … or after what is waited for (等老板回来在定, 开完会在说): 再 deciding later, not 在; 老板在定
# (is deciding) stays
# (… or after the talk or look it waits for: 跟总工商量商量在定, 等董事长看过在定)
_AFTER_WAITED = (r"(?:(?<=回来|以后|之后|过后|完了|下来|商量|研究|讨论|考虑|看看|看过|汇报)"
                 r"|(?<=开完会))")
_ZAI_AFTER = re.compile(_AFTER_WAITED + r"在"
                        r"(?=定|订|说|看|谈|商量|决定|考虑|联系|研究|议)|"
                        # … or before a doubled verb (在研究研究: 在 goes before no doubled verb)
                        r"在(?=(研究|考虑|商量|讨论|琢磨|合计|看|想|等)\1(?![院所生员]))")
# … or at the end of a clause that waits for something (要等公司下个月开完董事会在定): waiting,
# then deciding; the first 在 of the clause only (等他在北京开完会再定 keeps its 在)
_ZAI_AFTER_WAIT = re.compile(r"((?:等|问问|问一下|请示|商量)[^，,。；;！!？?在]{1,15})在"
                             r"(?=定|订|说|谈|商量|决定|考虑|研究)")


# a clock hour after the part of the day heard as another character of its sound (上午就电
# for 上午九点: jiu, dian): the numeral's homophone and 点's, two characters that are no
# word and cut through none (下午就电话联系, 下午酒店见, 上午试点 stay)
_HOUR_HEARD = re.compile(rf"(上午|下午|中午|晚上|早上|今晚|明晚|今早|明早|傍晚|"
                         rf"[上下中][{_WU_SOUND}])"
                         r"([\u4e00-\u9fff])([\u4e00-\u9fff])")
_HOURS = "一二三四五六七八九十两"
NUMERAL_SOUND = {syllables(n)[0][0]: n for n in _HOURS}   # tone-free sound → the numeral
_DIAN = syllables("点")[0][0]


def _cuts_a_word(text: str, m: re.Match[str]) -> bool:
    """Does the heard hour cut through a word (下午就电话)? A word the part of the day makes
    with the day before it (后天下无两电: 天下) is none of the hour's."""
    if not crosses_word(text, m.start(), m.end()):
        return False
    return not (m.start() and text[m.start() - 1] == "天"
                and not crosses_word(text, m.start() + 1, m.end()))


def _fix_hour_heard(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        part, hour, dian = m.group(1), m.group(2), m.group(3)
        h, d = syllables(hour)[0], syllables(dian)[0]
        numeral = hour if hour in _HOURS else (NUMERAL_SOUND.get(h[0]) if h else None)
        if numeral is None or not d or d[0] != _DIAN or (hour in _HOURS and dian == "点") or \
                base_word_freq(hour + dian) > 0 or _cuts_a_word(text, m):
            return m.group(0)
        return part[0] + ("午" if part[1] in _WU_SOUND else part[1]) + numeral + "点"

    return _HOUR_HEARD.sub(repl, text)


# a day of the month after 月 heard as homophones (下个月时毫 for 下个月十号: shi, hao): the
# numerals' sound-alikes and 号's, no word and cutting through none (月时好时坏 stays)
_DAY_HEARD = re.compile(r"(?<=月)([\u4e00-\u9fff]{1,3}?)([\u4e00-\u9fff])(?=[^\u4e00-\u9fff]|"
                        r"[再去来过把给打的前之以上下中傍晚早]|$)")
_HAO = syllables("号")[0][0]


def _fix_day_heard(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        day, hao = m.group(1), m.group(2)
        h = syllables(hao)[0]
        if (hao == "号" and all(ch in _HOURS for ch in day)) or hao == "好" or not h or \
                h[0] != _HAO:       # 好 is too common a word's end (就好, 时好时坏)
            return m.group(0)
        numerals = ""
        for ch in day:
            sound = syllables(ch)[0]
            n = ch if ch in _HOURS else (NUMERAL_SOUND.get(sound[0]) if sound else None)
            if n is None or n == "两":
                return m.group(0)
            numerals += n
        value = cn_to_int(numerals)
        if value is None or not 1 <= value <= 31 or base_word_freq(day + hao) > 0 or \
                (len(day) > 1 and any(ch not in _HOURS for ch in day)
                 and base_word_freq(day) >= _DAY_WORD) or \
                crosses_word(text, m.start(), m.end()):
            return m.group(0)
        return numerals + "号"

    return _DAY_HEARD.sub(repl, text)


_DAY_WORD = 20      # a stretch this common in the dictionary is a word, not a heard day
# 十号 heard 时候 (hao as hou) right after a month and before the part of the day, a deadline
# or the step (下个月时候前送到, 等下个月时候傍晚再上门): 时候 never goes right after 月
_TENTH_HEARD = re.compile(r"(?:(?<=月)|(?<=[让叫要]我))时候"
                          r"(?=前|之前|[上下中傍晚早]|再|去|来|过|把|给|打|送)")
# 十一点 / 十二点 heard 时一点 / 时二点 after the day or the one who acts (我今天时一点钱发他)
_ELEVEN_HEARD = re.compile(r"(?<=[天午上我他她])时(?=[一二两]点)")


# 在 heard 再 before another vendor where the goods were got (最后再别的贸易商那儿定了, 再别家
# 买了): again is said of a deed, not of a place; 再别买了 (别 "don't") stays
_AT_OTHER = re.compile(r"再(?=别[的家人][^，,。；;！!？?]{0,8}?"
                       r"(?:那儿|那里|那边|订|定了|买|签|采购))")


def fix_clock_words(text: str) -> str:
    """国庆过后时点过去 → 十点过去; 月底钱把报价发给他 → 月底前把报价发给他; 3月15号在电话跟进
    → 3月15号再电话跟进; 上午就电跟台 → 上午九点跟台."""
    text = _fix_hour_heard(_ELEVEN_HEARD.sub("十", text))
    text = _TENTH_HEARD.sub("十号", _fix_day_heard(text))
    text = _ZAI_AFTER_WAIT.sub(r"\1再", _ZAI_AFTER.sub("再", _HALF_HEARD.sub("半", text)))
    text = _AT_OTHER.sub("在", text)
    return _ZAI.sub(r"\1再", _QIAN.sub(r"\1前", _SHI_DIAN.sub("十点", text)))


# 去签合同 heard with numerals: 签 as 千 (qian) and 去 as 七 (qu heard qi), 七千合同 / 千盒童 /
# 十点七千合同. A number never stands right before 合同 (七千份合同 has its 份), so a 千
# there, with no other numeral before it, is 签; a 七 before it is 去.
_NOT_BEFORE_SIGN = "0-9零一二两三四五六八九十百万上近数几成好"   # a number's (上千, 几千)
_QI_HEARD = "七起器气期其奇齐汽"     # 去 (qu) heard qi
# … a weekday's numeral is no number (下周二期签合同: 去 heard qi after 周二)
_WEEKDAY_BEFORE = r"(?<=周[一二三四五六日天])|(?<=(?:礼拜|星期)[一二三四五六日天])"
_SIGN_HEARD = re.compile(rf"(?:(?<![{_NOT_BEFORE_SIGN}])|{_WEEKDAY_BEFORE})"
                         rf"(?<![{_NOT_BEFORE_SIGN}][{_QI_HEARD}])"
                         rf"([{_QI_HEARD}])?([千签])(?=[\u4e00-\u9fff]{{2}})")
_CONTRACT = tuple(sy[0] for sy in syllables("合同"))


def fix_go_sign(text: str) -> str:
    """十点七千合同 → 十点去签合同; 过去千盒童 → 过去签合同; 七签合同 → 去签合同; 三千合同,
    七千份合同 and 签合同 stay."""
    def repl(m: re.Match[str]) -> tuple[str, int]:
        at = m.end()
        renew = "续约" if text.startswith("续约", at) else ""
        nxt = text[at + len(renew):at + len(renew) + 2]
        sound = syllables(nxt)
        if not all(sound) or tuple(sy[0] for sy in sound) != _CONTRACT or (
                not m.group(1) and m.group(2) == "签" and nxt == "合同"):
            return m.group(0), at
        return ("去" if m.group(1) else "") + "签" + renew + "合同", at + len(renew) + 2

    out: list[str] = []
    pos = 0
    for m in _SIGN_HEARD.finditer(text):
        if m.start() < pos:
            continue
        new, end = repl(m)
        if new != m.group(0):
            out.append(text[pos:m.start()] + new)
            pos = end
    out.append(text[pos:])
    return "".join(out)


# 当面聊 with 聊 heard as 了 / 疗 (liao; 了 reads liao too): 当面 wants a verb after it, and
# 当面了解 is one
_FACE_TO_FACE = re.compile(r"当面[了疗料辽撩](?!解)")
# 预算 heard as 一算 / 议算 (yi for yu) right after 的: no number goes there (的一算 is no count)
_BUDGET = re.compile(r"(?<=的)[一议亦易义异]算(?![一下])|"
                     # … or before what is said of a budget (采购一算已经用完了, 设备议算已经用完了,
                     # 保洁亦算被砍了)
                     # (and with yu heard as another yu or yi, 算 as suan's others: 装修御酸被砍了,
                     # 项目艺算压缩了)
                     r"(?<![算一二三四五六七八九十两几细么样我你他她们会这也])"
                     r"(?:[一议亦易义异]算|[艺玉御遇育域欲裕愈][算酸蒜])"
                     r"(?=还没|没|已经|不够|用完|批|冻结|紧张|超了|有限|下来|申请|审批|只有|不足|太少|"
                     r"卡|砍|削减|压缩|缩减|被)|"
                     # … or with yun for yu (今年的运算没批下来), where only a budget's fate
                     # follows: 运算 is a word, 运算速度 and 运算没问题 stay
                     r"(?<![算一二三四五六七八九十两几细么样我你他她们会这也])[运云]算"
                     r"(?=(?:还|都|也)?没(?:有)?批|批(?:了|下来)|(?:被)?冻结|不够|用完|超了|(?:被)?砍|"
                     r"削减|压缩|卡住|卡得)")
# 推迟 heard 推使 / 推驶 before 了 (招标推使了), 延后 heard 言后 (招标言后了): neither a word
_PUT_OFF_HEARD = re.compile(r"(?<=推)[使驶](?=了)")
_DELAYED_HEARD = re.compile(r"言(?=后了|后来)")
# 叫我 / 让我 heard 向我 / 将我 opening a clause before when to do it (向我下下周二再打电话)
_TOLD_ME_HEARD = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?\s]))[向将](?=我(?:下下|下|这|本)"
                            r"个?(?:周|礼拜|星期)|我(?:明天|后天|明儿|周[一二三四五六日天]))")
# 另一家 heard 练一家 / 连一家 after what was given or chosen, before the firm (给了练一家地毯厂)
_ANOTHER_HEARD = re.compile(r"(?<=[了给选找])[练连联炼恋](?=一家[^，,。；;！!？?]{0,8}?"
                            r"(?:厂|公司|店|的|品牌|供应商|代理))")


# a walk round heard with 圈 as another syllable (转了一千 for 转了一圈: quan, qian): no count of
# a thousand follows a walk
_ROUND_HEARD = re.compile(r"((?:去|到|在)[^，,。；;给]{1,12}?[转走逛绕]了?)一[千签前钱]"
                          r"(?![多块元万米个台])")    # (微信转了一千: money)
# 资金 heard 自己 (zi jin, zi ji: in for i) before what is said of money not granted
# (改造自己没下来); 他自己没下来 (he himself) stays
# 批 heard 提 (pi, ti) where money is not yet granted (项目资金还没提下来)
_GRANTED_HEARD = re.compile(r"(?<=[金算费款钱])(还|都|也)?没提(?=下来)")
_FUNDS_HEARD = re.compile(r"(?<![我你他她们人家金算])自己(?=(?:还|都|也)?(?:没下来|没批|没到位|"
                          r"不到位|批不下来|被砍|冻结|紧张|不够))")


# 电话 heard 变化 (dian hua, bian hua): after 打 / 打来 / 回个, or before a phone number (带来变化,
# 很大变化 stay)
_PHONE_HEARD = re.compile(r"(?<=打来|打了|打个|打过|回个|回了)变化|(?<=打)变化|"
                          r"变化(?=是?[0-9幺一二三四五六七八九零]{3})")
# 手机 heard 首级 / 手级 … before a number (古主任首级号13834529160): 首级 takes no number
_MOBILE_HEARD = re.compile(r"[首手守收][级机鸡基及](?=号?(?:码|是)?[0-9幺一二三四五六七八九零]{3})")
# 打电话 heard with 打 as another da (温场长大电话来, 达了个电话): 大电话 / 达电话 are no words
_CALL_HEARD = re.compile(r"[大达答搭](?=(?:了个|了|个|过)?电话)(?![了个过]?电话[费线])")


# the medium a thing is sent to, heard as another word of its sound right after 发 and whom
# it goes to (发他有香, 发她油箱 → 发他邮箱): a fuel tank is sent to nobody
_MEDIA_WORDS = ("邮箱", "微信", "邮件")
_WHOM_HEARD = "泰塔太胎贪摊滩"      # 他 heard tai / ta, or with a nasal (tan)
_SENT_TO = re.compile(rf"(?<=[发传寄])(?:给|到)?(?P<whom>[他她它你{_WHOM_HEARD}])们?(?:的)?"
                      r"(?P<heard>[\u4e00-\u9fff]{2})")      # 他 heard tai / ta (发泰游香)
# 挺 heard as another ting between a pronoun and what it rates (他汀买音 for 他挺满意: 他汀 is
# a drug's short name); 停 (he stops) stays
_QUITE_HEARD = re.compile(r"(?<=[他她它])[汀亭婷廷](?=[满买埋认喜感不好])")
# 十 heard as another shi between an order verb after 先 and a unit (先定时台 for 先订十台: 定时
# is a word, yet no time goes between an order and its unit)
_TEN_HEARD = re.compile(r"(?<=先[订定进拿要上])[时石实食拾识](?=[台箱套件吨批桶瓶袋车])|"
                        # … or right after a verb of bringing (带时台过去 for 带十台过去; 带实车
                        # 过去, a real car, stays)
                        r"(?<=[带拿送])[时石拾识](?=[台箱套件吨批桶瓶袋](?!子))|"
                        # … or after 要 where the unit ends the clause (水肥机要时台，)
                        r"(?<=要)[时石实拾识](?=[台箱套件吨桶瓶袋](?:[^\u4e00-\u9fff]|$))")
# 试用 after 先 heard as another word of its sound (先是用, 先使用 一下): trying first; never
# a word begun by 用 (先是用户说 stays)
# a trial in a place, its 先在 heard 现在 and 试用 heard 是用 before a count (想现在一个楼盘是用
# 两台 for 想先在一个楼盘试用两台)
_TRIAL_IN_PLACE_HEARD = re.compile(r"现在([^，,。；;！!？?]{1,12}?)[是使时适事市式]用"
                                   r"(?=[一两二三四五六七八九十几\d][台套个件箱批])")
_TRIAL_HEARD = re.compile(r"(?<=先)[是使时适事市式]用(?![户途于来法量品地电水车人具工餐])|"
                          # … after going there too (拉一台制氮机去适用): 适用于 stays
                          r"(?<=去)[适是使]用(?![户途于来法量品])|"
                          # … 用 with its nasal lost too, agreed or wanted, before a count
                          # (同意先是有两台 for 同意先试用两台)
                          r"(?:(?<=同意先)|(?<=同一先)|(?<=想先)|(?<=愿意先)|(?<=答应先))[是使时适事市式][有由又]"
                          r"(?=[一两二三四五六七八九十几\d])")
# 试用 heard 适用 after whom it is for (过去给班组长适用: 适用 takes no person before it;
# 适用于, 适用范围 stay)
_FOR_TRIAL_HEARD = re.compile(r"(给[\u4e00-\u9fff]{1,5}?)适用(?![于范性])")
# … or heard 使用 / 适用 before how long, after 先 in its clause (先拿两台呼吸器在救护队使用
# 半个月): a use for a while, agreed first, is a trial; and 个月 there heard 个远 / 个样
_MONTH_HEARD = r"[远样原圆元](?![品机板本子])"     # 月 heard yuan / yang (not 样品, 样机 …)
_TRIAL_SPAN = rf"[半一两二三四五六七八九十几0-9]+个?(?:月|礼拜|星期|周|天|{_MONTH_HEARD})"
_SPAN_TRIAL_HEARD = re.compile(rf"(先[^，,。；;]{{1,16}}?)[使适是视]用(?={_TRIAL_SPAN})")
_MONTH_OF_TRIAL = re.compile(rf"((?:试|使)用[半一两二三四五六七八九十几0-9]+个){_MONTH_HEARD}")
# … with 先's nasal lost too (同意些是有两台)
_FIRST_TRIAL_HEARD = re.compile(r"(?<=同意|同一|愿意|答应)些"
                                r"(?=试用|[拉拿送装带][一两二三四五六七八九十几\d]|"
                                r"[是使时适事市式][有用][一两二三四五六七八九十几\d])")
# an order heard otherwise before a count and its unit: 订 as its homophones (再盯了两台 →
# 再订了两台, 盯 ding as 订), 要 as 有 where the customer's side orders first (仲主任那边先有80个
# → 先要80个: you for yao); 拍板 as 拍摆 (bai for ban; 拍摆 is no word)
_ORDER_COUNT = rf"(?=了?{ORDER_COUNT}(?:{ORDER_UNIT}|个))"
_ORDER_HEARD = re.compile(rf"(?<=[先又再])[盯丁顶钉]{_ORDER_COUNT}|"
                          # 加订 heard 加电 / 加店 (an/ing) before a count (加电了两百台)
                          rf"(?<=加)[电店垫]{_ORDER_COUNT}")
_WANTED_HEARD = re.compile(rf"(?:(?<=那边先)|(?<=那边又)|(?<=那边再))有{_ORDER_COUNT}")
_DECIDED_HEARD = re.compile(r"拍摆(?=了|要|定|说|同意|买)")   # 当场拍摆要两台
# a purchase approved, 批 heard as its homophone 披 and 采购 as another cai gou (矿上已经披了
# 彩够单 → 批了采购单): a coat is put on (披了外套), no order form
_PURCHASE_HEARD = re.compile(r"(?<=[批披])(?:了|下来了?)?[彩菜才财裁][够购构]"
                             r"(?=单|申请|计划|合同|款)")
_APPROVE_HEARD = re.compile(r"披(?=(?:了|下来了?)(?:采购|预算|合同|订单|申请|款|报告))|"
                            rf"披(?=了{ORDER_COUNT}{ORDER_UNIT}的?采购)|"   # 披了三百件的采购
                            # … or right after the body that approves (要等体育局披了再买)
                            r"(?:(?<=[局厅委])|(?<=领导)|(?<=老板)|(?<=集团)|(?<=总部)|(?<=上面)|"
                            r"(?<=院里)|(?<=校长)|(?<=厂长)|(?<=院长)|(?<=局长)|(?<=董事会)|"
                            r"(?<=总经理))披(?=了|下来)")
# 按 heard as another an before a count, its unit and the order (冲锋衣岸八百套定: by the
# count, 按); 个 heard 颗 in 半个月 (穿半颗月看看: no half grain of a month)
_BY_HEARD = re.compile(rf"[岸案暗](?={ORDER_COUNT}{ORDER_UNIT}[订定])")
_HALF_MONTH_HEARD = re.compile(r"(?<=半)颗(?=月)")
# a refusal's verb heard with its final folded (先不晃了 for 先不换了: huang for huan): after
# 先 / 暂时 / 今年 … and 不, before 了, where 不 and the character make no word; an exact
# homophone (不卖了) is a verb of its own and stays
_REFUSED_VERB = re.compile(r"(?<=[\u4e00-\u9fff]不)([\u4e00-\u9fff])(?=了(?:[，,。；;！!？?\s]|$))|"
                           r"(?<=先不|时不|年不|就不|还不|也不|再不|都不)([\u4e00-\u9fff])(?=了)")
_REFUSAL_VERBS = "买上用订续进换要"
REFUSAL_FOLD = 0.15


def _fix_refusal_verb(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        ch = m.group(1) or m.group(2)
        heard = syllables(ch)[0]
        if ch in _REFUSAL_VERBS or not heard or base_word_freq("不" + ch) > 0:
            return ch
        near = [v for v in _REFUSAL_VERBS
                if 0 < syllable_cost(heard, syllables(v)[0]) <= REFUSAL_FOLD]
        return near[0] if len(near) == 1 else ch

    return _REFUSED_VERB.sub(repl, text)


# 合同 heard as another pair of its sound (盖章和统, 的机滤和统, 把核童签下来): he tong that is
# no word, cuts through none and holds no surname (和同事, 和统一, 和通讯, 和童经理 stay)
_CONTRACT_HEARD = re.compile(r"[和何河盒禾核][统童桶筒通同铜桐]")


def _fix_contract_word(text: str) -> str:
    surnames = lexicon().surnames1

    def repl(m: re.Match[str]) -> str:
        if base_word_freq(m.group(0)) > 0 or crosses_word(text, m.start(), m.end()) or \
                (m.group(0)[0] in "和何" and m.group(0)[1] in surnames):
            return m.group(0)       # 王总和童经理: 童 is a surname after 和 (and); 何童 a name
        return "合同"

    return _CONTRACT_HEARD.sub(repl, text)


# 看 heard as another character of its sound before 了下 / 一下 / 了一下 (刊了下场地 for 看了下
# 场地): a look taken; never 砍 (砍了一下价: a price cut) nor 勘 (勘察's)
_LOOK_HEARD = re.compile(r"[刊堪龛侃坎](?=了一下|了下|一下|了一眼|看)")
# 否了 heard with the conjunction's 则 (已经否则了): 否则 never ends a clause with 了
_REFUSED_HEARD = re.compile(r"否则(?=了(?:[，,。；;！!？?\s]|$))")      # 否则了解 stays
# 选了 heard with its nasal lost, as xie or xian (写了别家, 血了别家, 显了另外一家) right before
# another maker:
# the competitor chosen (学了别家的做法, 谢了别人 stay: verbs of their own)
_CHOSE_HEARD = re.compile(r"[写血雪穴靴削薛些鞋斜泄卸屑宣玄旋悬轩萱显险鲜闲](?=了(?:别家|别的|其他|"
                          r"另外|人家的|外地|本地|本第|友商|竞品))")


def _fix_bring(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        at = m.start()
        weekday = at >= 2 and text[at - 2] in "周拜期" and text[at - 1] in "一二三四五六日天"
        if base_word_freq(text[at:at + 2]) > 0 or (
                crosses_word(text, at, at + 1) and not weekday):
            return m.group(0)       # 代表, 代理商 …: a word of its own (周三代: a weekday's)
        return "带"

    return _BRING_HEARD.sub(repl, text)


def _fix_media(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        heard = m.group("heard")
        sound = syllables(heard)
        whom = m.group("whom")
        said = m.group(0)[:-2].replace(whom, "他") if whom in _WHOM_HEARD else m.group(0)[:-2]
        if heard in _MEDIA_WORDS:
            return said + heard         # 发贪微信 → 发他微信 (ta heard tan)
        if not all(sound):
            return m.group(0)
        keys = set(product(*sound))
        for word in _MEDIA_WORDS:
            if keys & set(product(*syllables(word))):
                return said + word
        return m.group(0)

    return _SENT_TO.sub(repl, text)


# 没戏 (no chance: a refusal) heard with 戏 as another xi, ending the clause (这单基本没系了)
_NO_CHANCE = re.compile(r"(?<=没)[系细西喜吸](?=了?(?:[，,。！!？?；;]|$))")
# … and 没戏 heard 美细 / 梅细 right after the deal (那单美细了): no beauty is fine there
_NO_CHANCE_DEAL = re.compile(r"(?<=[单丹子])[美梅媒每眉][细戏系西喜]"
                             r"(?=了|轮|冷|[，,。！!？?；;]|$)")
# 钱 heard 前 right after 的, before what is said of money not granted (货梯的前今年批不下来了)
_MONEY_HEARD = re.compile(r"(?<=的)前(?=[^，,。；;]{0,4}?(?:批不下来|批不了|没批|没下来|没到位|"
                          r"还没到))")     # (的前两周人手不够: no)
# 把报价 heard 打爆价 before it is sent (周四前打爆价单发过去): 打爆 is a word, yet 爆价 is none
_QUOTE_SENT = re.compile(r"打爆价(?=单?[发给寄送])")
# 价 heard 架 (jia) where a price is talked of: 单价 / 什么价 / 核一下价 / 砍价 before what is
# said of it (单架高了200, 现在什么架？); 货架, 书架, 框架 and 单架飞机 stay
_PRICE_HEARD = re.compile(r"(?:(?<=单)|(?<=什么)|(?<=核一下)|(?<=合一下)|(?<=砍)|(?<=压))架"
                          r"(?=[高贵太低便偏多是还比上涨降，,。？?]|$)")
# … and 报个价 heard 报格架 (ge for ge, jia for jia)
_QUOTE_A_PRICE = re.compile(r"报[格各]架")
# … and 报价单 heard 爆炸单 before it is sent (周三前把爆炸单发过去: bao zha for bao jia)
_QUOTE_FORM_SENT = re.compile(r"爆炸单(?=[发给寄送传])")
# 试 heard as another shi before a verb of trying and how it went or for how long (在东门时装
# 一下 for 试装一下, 社员实飞下来 for 试飞下来: 时装 is a word, yet no fashion is done 一下);
# never after a word it makes a copula or adverb with (就是用一下, 只是看看)
_TRY_HEARD = re.compile(r"(?<![就只还也都不要正可倒总老真硬便算于像但而若才又即凡])"
                        r"[时实事是式适使市视室](?=[装飞穿跑吃喝戴驾听坐](?:一下(?!子)|下来|了一下|看看|"
                        r"几天|了几天|一段|一周|半个月|一个月))")
# a count heard as a word of its sound right after an order (定了要舞台 for 定了要五台: no
# stage is ordered by the unit); 三 and 九 too (订了山台, 先要酒箱)
_COUNT_AFTER_ORDER = "|".join(rf"(?<={w})" for w in (
    "定了要", "订了", "定了", "先要", "先订", "先定", "又要", "又订", "再订", "再要", "加订",
    "要了", "买了"))
_COUNT_HEARD = re.compile(rf"(?:{_COUNT_AFTER_ORDER})(?P<heard>[舞午武伍捂山伞散酒久])"
                          r"(?=[台套件箱吨桶瓶袋辆](?:[^\u4e00-\u9fff]|$))")   # 舞台灯光 stays
_COUNT_OF_HEARD = {**dict.fromkeys("舞午武伍捂", "五"), **dict.fromkeys("山伞散", "三"),
                   **dict.fromkeys("酒久", "九")}
# 微信 heard as another word of its sound where a message is put (在温馨上说, 维新里发)
_WECHAT_HEARD = re.compile(r"(?<=[在从用发加])(?:温馨|维新|微星|威信)(?=上|里)")
# 带 heard 代 (dai) before what is carried there (让我周三代技术方案过去, 周四代报价过去): 代 is
# no verb of going; a word it begins (代表, 代理, 代替, 代码 …) stays
_BRING_HEARD = re.compile(r"代(?=[^，,。；;！!？?代]{1,8}?过[去来])")
# 涨 heard as its homophone 长 right after a price (报价长了不少, 比上次报价长得不少)
_RISE_HEARD = re.compile(r"(?<=报价|价格|价钱|单价|费用)长"
                         r"(?=了|得|价|[一二两三四五六七八九十几\d])")
# 调 heard as its homophone 掉 between a person's title and where they went (卜处长掉去集团
# 总部了): a person is moved (调去, 调到); 掉到地上 stays
_MOVED_HEARD = re.compile(r"(?<=[长总任理监工记])掉(?=去|到(?![地水河里下]))")
# 他 heard 它 (ta) after a verb done to a person (发它微信, 约它在酒店当面谈, 给它演示): a
# thing is no one met, phoned or written to
_HIM_HEARD = re.compile(r"(?<=[约请找问陪])它|(?<=通知|告诉|联系|回复)它|"
                        r"(?:(?<=发)|(?<=发到)|(?<=发给))它(?=们?(?:的)?(?:微信|邮箱|邮件|短信))|"
                        r"(?<=给)它(?=们?[发打演讲介看送寄回])|"    # (带它过去: a thing)
                        # … or called, talked to, met with (再跟它电话确认, 和它当面谈)
                        r"(?<=[跟和])它(?=们?(?:打个?|通个?|回个?)?(?:电话|当面|见面|聊|谈|沟通|商量|确认))")
# 同意 heard 同一 before what was agreed first (黎经理已经同一先试用…, 同一些试用); 同一批货 stays
_AGREED_HEARD = re.compile(r"同一(?=[先些](?:试用|是用|试|用|拿|订|定|要|上|进|下单|签))")
# … and 同意签了 heard 同一切了 (qian heard qie, its nasal lost): 同一切 is no phrase a clause
# ends with
_AGREED_SIGNED = re.compile(r"同一[切且窃](?=了(?:[，,。；;！!？?\s]|$))")
# … and 同意了 heard 同一了 / 同一零 at a clause's end (那边同一零，…): 同一 (the same) takes no 了
# (童一零 too, right after the person who agreed: 春城中学校长童一零 is no person named 一零)
_AGREED_ENDED = re.compile(r"(?<=[边方们他她都也就])同一[了零论领啦轮伦林冷]"
                           r"(?=[，,。；;！!？?\s]|$)|"
                           # … or right after an organisation's name (悦庭酒店同一轮, 博睿教育
                           # 统一郎)
                           r"(?<=[店厂司院校馆行坊局所园场育团])[同统]一[了零论领啦轮伦林冷郎朗浪]"
                           r"(?=[，,。；;！!？?\s]|$)|"
                           r"(?<=[长总任理监板])[同童铜彤桐]一[了零论领啦轮伦林冷]"
                           r"(?=[，,。；;！!？?\s]|$)")
# 领导 heard 领道 / 领到 before what a leader does (合同领道已经签了): 领道 is no word
_LEADER_HEARD = re.compile(r"领[道倒岛捣](?=已经|都|也|说|同意|批|签|拍板|点头|定|觉得|还)")
# 礼拜四 / 星期四 heard 礼拜是 with no 这 / 下 before it, before the plan (礼拜是让我拿报价过来)
_THURSDAY_HEARD = re.compile(r"(?<![这下上本个])(礼拜|星期)是(?=让我|要我|叫我|我)")
# 批 heard 提 (pi, ti) right after the body that approves, 了 perhaps heard lun (董事会提论 →
# 董事会批了)
_BOARD_APPROVED = re.compile(r"(?:(?<=董事会)|(?<=领导)|(?<=老板)|(?<=集团)|(?<=总部)|(?<=上面))"
                             r"提[了论轮冷](?=[，,。；;！!？?\s]|$)")      # (领导提了个意见 stays)
# 本地一家 heard 本第一家 (di, di: 第 reads as a numeral's prefix, yet 本第 is no word)
_LOCAL_HEARD = re.compile(r"本第(?=一家|的|那家)")
# 讲师 heard 讲试 / 讲事 (shi) after who brings them: 讲试 is no word
_TEACHER_HEARD = re.compile(r"(?<=[带派请叫找])讲[试式事是视]")
# 总部 heard 总不 after where one goes (调去总不管采购了): 去总不 is no phrase
_HQ_HEARD = re.compile(r"(?<=[去到回])总不(?=[\u4e00-\u9fff])")
# 了 heard lun / leng … right after a refusal's verb (色选机先不上轮): 上轮 (the last round) is
# no end of a refusal
_REFUSAL_LE = re.compile(r"(?<=[先就也还再都]不[\u4e00-\u9fff])[轮冷论伦愣](?=[，,。；;！!？?]|$)")
# 部 heard 不 before 已经: 不 never goes before 已经 (项目不已经签字了 → 项目部已经签字了)
_DEPT_HEARD = re.compile("(?:" + "|".join(f"(?<={w})" for w in (
    "项目", "采购", "财务", "技术", "工程", "销售", "设备", "后勤", "总务", "办公", "市场", "生产",
    "质量", "信息", "法务", "人事")) + ")不(?=已经|都已经)")
# 中标 heard 重标 (zhong) after who won it: 重标 is no word there (是我们重标)
_WON_HEARD = re.compile(r"(?:(?<=我们)|(?<=是))[重众种仲]标(?=[了的，,。；;！!？?\s]|$)")
# 演示 heard 演书 / 演输 (shi heard shu): 演书 is no word (表演书法 cuts through 表演 and stays)
_DEMO_HEARD = re.compile(r"演[书输舒叔殊]")
# … and 演示了 heard 也试了 / 也是了 (yan shi, ye shi) where something was shown to people at
# a place (在会展中心给欧阳主管也试了互动屏): after 在 … 给 and the ones shown it, before the thing
# 发到 heard 发道 / 发倒 before the one it goes to (下班前发道他邮箱): 道 is no word there
_SENT_TO_HEARD = re.compile(r"发[道倒导](?=[他她我你您])")
# 嫌 heard 闲 / 显 / 险 / 咸 / 贤 right after the person or a pause, before what is too dear in
# the same clause (浦科长闲法兰螺母贵, 电话，闲外墙砖一平贵六块); 闲置, 显示 … stay
_COMPLAINED_HEARD = re.compile(r"(?<=[长总任理监板工师里，,\s])[闲显险咸贤弦衔线]"
                               r"(?![置示著然得见话聊暇钱要])(?=[^，,。；;！!？?]{1,12}?"
                               r"(?:贵|价格高|价高|太高))")
# 贵 heard 鬼 / 跪 / 桂 at the end of a comparison (比别的厂家鬼): a price compared
_DEAR_HEARD = re.compile(r"(比[^，,。；;！!？?]{1,10}?)[鬼跪桂](?=了|[，,。；;！!？?]|$)")
# 半 heard 帮 (ban, bang) right after an hour, before the rep going (早上九点帮我上门找他,
# 10点帮我去实验室); 十点帮我把报价发过去 stays: someone is asked to help. (Two definitions
# of this name had stood in this module, the first one dead; this is both.)
_HALF_HEARD = re.compile(r"(?<=[0-9一二三四五六七八九十两]点)[帮邦绑榜]"
                         r"(?=(?:我们?)?(?:上门|过去|过来|去|到|见|来))")
# 砍 heard 看 right after the money that was cut (预算看没了, 经费看了一半)
_CUT_HEARD = re.compile(r"(?<=预算|经费|资金|费用|开支)看(?=没|掉|了|光|一半|到)")
# 要 heard 耀 right after where it was asked (微信上耀耳模的取模流程)
_ASKED_ON_HEARD = re.compile(r"(?<=微信上|微信里|电话里|电话上)耀")
# 礼拜一 / 星期一 / 周一 heard 礼拜以 before the part of the day (下礼拜以上午十点; 下周以前
# stays: a deadline)
_MONDAY_HEARD = re.compile(r"(?<=礼拜|星期)以(?=上午|下午|早上|晚上|中午|傍晚)|"
                           r"(?<=周)以(?=上午|下午|早上|晚上|中午|傍晚)")
# 上午签合同 heard 上五千合同 (午 heard 五, 签 heard 千): no count of contracts is said so
_MORNING_SIGN_HEARD = re.compile(r"(?<=[上下])五千(?=合同|和同)")
# 演示 said as the noun of what was done, heard 也是 at a clause's end (做了年度体检方案的也是，)
_DEMO_NOUN_HEARD = re.compile(r"(?<=[做搞办]了)([^，,。；;！!？?]{1,12}?的)也是"
                              r"(?=[，,。；;！!？?]|$)")
# 经理 heard 经历 right after a surname, where the person's words or a pause follow (路经历拍板了)
_MANAGER_HEARD = re.compile(r"(?<=[\u4e00-\u9fff])经历(?=[，,。、拍说让要想讲同觉定的手电])")
# … and right after the kind of manager, before what the manager does (要等项目经历点头)
_ROLE_MANAGER_HEARD = re.compile(r"(?<=项目|采购|销售|财务|技术|部门|区域|市场|产品|工程|商务)经历"
                                 r"(?=点头|说|同意|拍板|批|签|让|要|觉得|定|看)")
# 上家 heard 上加 in a comparison (一千件比上加多两百)
_PREVIOUS_ONE_HEARD = re.compile(r"(?<=比上)加(?=[高贵便低多少好差])")
# 见了一面 heard 界了一面 / 件了一面 (jie for jian): no other reading
_MET_ONCE_HEARD = re.compile(r"[界件间建](?=了一面|了个面)")
# 过去 heard 过群 / 过裙 (qu with a nasal) after a verb of sending at the clause's end
# (下礼拜二给他寄过群)
_SENT_OVER_HEARD = re.compile(r"(?<=[寄送发拿带拉])过[群裙](?=[，,。；;！!？?]|$)")
# 他 / 她 heard with a nasal (tan) after the verb of sending, at the clause's end (四点前发贪)
_SENT_HIM_HEARD = re.compile(r"(?:(?<=发)|(?<=发给))[贪摊坦叹滩瘫谈塌踏塔](?=[，,。；;！!？?]|$)")
# a verb said twice with 了 between, the 了 heard 的 (找林总监聊的聊): V的V is no phrase
_DONE_TWICE_HEARD = re.compile(r"([聊谈看问试碰逛转])的(?=\1)")
# 星期 heard 心期 / 先七 before the weekday's numeral and what is done that day (叫我心期三再打
# 过去, 让我先75之前把价格报过去); 先七天 (the first seven days) stays
_WEEKDAY_HEARD = re.compile(r"[心先新信辛欣兴行性]"
                            r"(?:[期其起齐奇](?=[一二三四五六日天])|[七7](?=[一二三四五六1-6]))"
                            r"(?=.(?:之前|以前|前|再|去|来|过|给|把|的|上午|下午|中午|晚上|早上|"
                            r"[，,。；;！!？?]|$))")
# right after the part of the day, where only its hour stands
_AFTER_DAY_PART = r"(?:(?<=早上)|(?<=上午)|(?<=下午)|(?<=晚上)|(?<=中午)|(?<=傍晚))"
# 九点 heard 酒店 after the part of the day, before going there (后天早上酒店去…拜访): 下午酒店见
# stays
_NINE_HEARD = re.compile(rf"{_AFTER_DAY_PART}酒店(?=去|过去|到|赶到|半)")
# … or heard 就点 / 酒点 (上午就点半去): no other word stands there
_NINE_OCLOCK_HEARD = re.compile(rf"{_AFTER_DAY_PART}[就酒久旧救揪纠](?=点)")
# 去 heard 气 right after a clock hour (上午九点气他办公室): a character no word is made with
# there (九点气温 stays)
_GO_AFTER_HOUR_HEARD = re.compile(r"(?:(?<=[0-9一二两三四五六七八九十]点)|(?<=点半)|(?<=点钟))"
                                  r"[气汽器弃区曲趋](?=[\u4e00-\u9fff])")
# 下 heard 向 / 项 before 礼拜 / 星期 and the weekday, after the one who acts (让我向礼拜四再
# 打给他); 想周一去 (wants) stays
_NEXT_WEEK_HEARD = re.compile(r"(?<=[我他她])[向项相香象]"
                              r"(?=(?:个)?(?:礼拜|星期)[一二三四五六日天])")
# 开价 heard 开架 before how high it is (开架太高)
_ASKING_PRICE_HEARD = re.compile(r"(?<=开)[架假嫁驾](?=太|偏|有点|有些|高|贵)")
# 约 heard 月 right after a clock hour, before the one invited (下午3点月他去工厂): no month
# follows an hour
_INVITED_HEARD = re.compile(r"(?:(?<=点)|(?<=点半))月(?=[他她]们?)")
# 说了算 heard 收了算; 打理 heard 大理 after what was handed over to whom (交给他女婿大理)
_DECIDES_HEARD = re.compile(r"收(?=了算)")
_RUN_BY_HEARD = re.compile(r"(?<=交给)([^，,。；;！!？?]{1,6}?)大理")
# 截胡 heard 节湖 (jie hu): no lake is cut; 杰胡 / 结胡 too after 被 in the clause (菜籽油被人
# 杰胡乱), where a name could not stand
_SNATCHED_HEARD = re.compile(r"([节杰结洁])[湖胡糊](?=[了内泪轮冷乱，,。；;！!]|$)")


def _snatched(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) == "节" or "被" in text[clause_begin(text, m.start()):m.start()]:
            return "截胡"
        return m.group(0)

    return _SNATCHED_HEARD.sub(repl, text)
# 得跟 heard 德根 opening a clause before a superior (。德根老总汇报 / ，德根老板碰一下); 王德根
# (a name after its surname) stays
_MUST_WITH_HEARD = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?\s说他她还就也]))德根"
                              r"(?=老板|老总|领导|总经理|董事长|上面|厂长|院长|校长)")
# 汇报 heard 会报 right after the superior, before the clause's end or what follows the report
# (跟老总会报，让我…); 老板会报销 (will) stays
_REPORT_HEARD = re.compile(r"(?:(?<=老总)|(?<=老板)|(?<=领导)|(?<=经理)|(?<=董事长)|(?<=上面)|"
                           r"(?<=院长)|(?<=厂长)|(?<=校长))会报"
                           r"(?=[，,。；;！!？?]|$|完|一下|了|后|之后|以后|再)")
# 十一点 heard 是一点 after 我 or the day, before the deed (我是一点给它传过去, 我今天是一点钱
# 发给它); 我是一点都不 stays
_ELEVEN_SHI_HEARD = re.compile(r"(?:(?<=我)|(?<=今天)|(?<=明天))是"
                               r"(?=一点(?:前|钱|之前|半|钟)?(?:给|发|把|传|送|去|过去|到))")
# 明儿 heard 民而 / 宁儿 opening a clause before the part of the day or the hour (民而下午三点半去
# 签合同)
_TOMORROW_ER_HEARD = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?\s]))"
                                r"(?:[民名鸣宁凝您][而儿尔软完]|[零铃灵凌玲伶][而儿尔二])"
                                r"(?=上午|下午|中午|晚上|早上|傍晚|[一二三四五六七八九十两\d]+点)|"
                                # … or 明晚 before a part of the day that is no evening (明晚上午
                                # 九点半: 明晚 八点 stays)
                                r"明晚(?=上午|下午|中午|早上)")
# 先在 heard 现在 after a wish, before a place and a try (马处长想现在图书馆屋面做一小块试试);
# 想现在就试 stays
_FIRST_THERE_HEARD = re.compile(r"(?<=[想要])现在(?!就|马上|立刻|开始|立即)"
                                r"(?=[^，,。；;！!？?]{1,14}?试)")


# 个 heard 各 between a verb done and the call or the price (打了各电话, 通了各电话, 报各价); 各自,
# 各位, 各部门 stay (no 电话 / 价 follows)
_ONE_CALL_HEARD = re.compile(r"(?<=[打通报问了])各(?=电话|价|视频)")
# 演示 heard 也是 / 也试 closing what was done for someone (做了马苏里拉的烘烤也是。): a clause
# ends with no "also is"
_DEMO_DONE_HEARD = re.compile(r"(?<=做了)([^，,。；;！!？?]{1,14}?)"
                              r"(?:[也野耶][是试事][务物]?|掩饰|宣[誓示事])"
                              r"(?=[，,。；;！!？?\s0-9]|$)")
# 先试 heard 仙是 / 先是 before a count of goods and a look at how it does (仓库仙是两批大盘纸看好
# 不好用); 先是两个人来 stays (no goods counted, no look)
_TRY_FIRST_HEARD = re.compile(r"[仙先鲜]是(?=[一二两三四五六七八九十几]+"
                              r"[批箱卷台套件盒包袋瓶桶吨提]"
                              r"[^，,。；;！!？?]{0,10}?看)")
# 报 heard 包 / 保 after a modal, before a superior and the approval asked (要先包校长批, 得保
# 总经理定): a surname there would take no approval verb after its title
_PUT_UP_HEARD = re.compile(r"(?<=[得要需先])[包保宝抱暴爆]"
                           r"(?=(?:校长|院长|总经理|厂长|老板|领导|局长|董事长|老总|处长|主任)(?:批|定|订|签|审|拍板|同意))")
# 刚去 heard 钢气 / 钢去 opening a clause before the trip or the place (钢气了一趟恒钧机械,
# 钢器中瑞诚拜访了): no steel goes anywhere; 钢去 heard right but for 刚
_JUST_WENT_HEARD = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?\s]))[钢缸纲岗港]([去气器区曲])"
                              r"(?=了|[\u4e00-\u9fff]{2,8}?(?:拜访|见|谈|找|看))")
# 点头 heard 店头 right after a superior (等校长店头): a shop's head nods at nothing
_NOD_HEARD = re.compile(r"(?<=[长总板导])店头")
# 快递 heard 快地 / 快的 before what is posted, and 寄 heard 继 / 记 right after it (我快地继过去)
_COURIER_HEARD = re.compile(r"快[地的滴弟](?=[寄继记计祭济发送])")
_POSTED_BY_COURIER = re.compile(r"(?<=快递)[继记计祭济既纪](?=过去|过来|给|到)")
# 试用 heard 使用 / 实用 after a trial asked for (想先拿几本电工教材给老师使用)
_TRIAL_USE_HEARD = re.compile(r"(?<=先拿)([^，,。；;！!？?]{1,16}?)(?:使用|实用|适用)|"
                               # … or put or set up first somewhere, closing the clause (想先装一
                               # 套马桶在客房里是用，; 装 heard 中 too)
                               r"(?<=先[装放在中])([^，,。；;！!？?]{1,16}?)(?:使用|是用|事用|实用|适用)"
                               r"(?=[，,。；;！!？?]|$)")
def fix_put_up(text: str) -> str:
    """要先包校长批 → 要先报校长批 (`_PUT_UP_HEARD`); also after the titles are respelled, which
    may write a surname's character there (爆笑掌 → 包校长)."""
    return _PUT_UP_HEARD.sub("报", text)


# 嫌 heard 写 right after the call it was said on (杜队电话里写我们…太贵了): one writes nothing
# on a call; or 闲 with a pause heard after it (电话里闲，我们…)
_COMPLAINED_ON_CALL = re.compile(r"(?<=电话里)(?:写|[闲显险咸贤][，,]?)"
                                 r"(?=[我他她这那]|[^，,。；;！!？?]{1,12}?(?:贵|高|慢|差))")
# 见了面 heard 接了面 / 结了面 right after the person met (跟沈总监接了面): no face is received
_MET_FACE_HEARD = re.compile(r"(?<=[总监理任长工姐哥师板])[接结节街揭杰捷](?=了面|了个面|个面)")
# 约周四 heard 叶中四 before the part of the day or the hour (老符叶中四下午三点过去签合同)
_AGREED_WEEKDAY_HEARD = re.compile(r"[业夜叶页]中(?=[一二三四五六日天](?:上午|下午|中午|晚上|"
                                   r"[项向相][五午]|[一二三四五六七八九十两\d]+点))")
# 下午 heard 项五 / 向五 right before the hour (周四项五三点): no item five comes at an hour
_AFTERNOON_XIANG_HEARD = re.compile(r"[项向相橡](?:五|午)(?=[一二三四五六七八九十两\d]+点)")
# 租赁 heard 租令 / 租领: no order is rented (租另一家 stays)
_LEASE_HEARD = re.compile(r"(?<=租)[令领零灵玲铃]")
# 得请示 heard 德 / 则 / 博请示 opening a clause, and 请示 heard 请是 / 请市 after 得 (得请市场部
# stays)
_ASK_SUPERIOR_HEARD = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?\s]))[德则博](?=请[示是世试市])")
_ASK_SUPERIOR_SAID = re.compile(r"(?<=得请)(?:[是世试]|市(?!场))(?=[\u4e00-\u9fff])")
# 得 heard 的 before 先 and what must come first (机房搬迁的先报总部领导批): 的先 is no phrase
# (的先生 stays)
_MUST_FIRST_HEARD = re.compile(r"的(?=先(?:报|跟|问|请示|汇报|等|找|让))")
# 被 heard 倍 / 备 before who took it and the taking (倍另一家搬家公司抢走了)
_SNATCHED_BY_HEARD = re.compile(r"[倍备贝背](?=[^，,。；;！!？?]{1,10}?"
                                r"(?:抢走|拿走|截胡|抢了|挖走|拿下))")
# 换人 heard 坏人 / 坏员 after the side or the place (那边坏人了, 食堂坏员管了)
_PEOPLE_CHANGED_HEARD = re.compile(r"(?<=[边堂里面部])坏(?=人了|人管|员管|人在管|了人)")
# 招标 heard 招雕 (biao heard diao): 招雕 is no word
_TENDER_HEARD = re.compile(r"(?<=招)[雕刁貂叼碉](?![刻塑像])")


def _go_after_hour(text: str) -> str:
    return _GO_AFTER_HOUR_HEARD.sub(
        lambda m: m.group(0) if crosses_word(text, m.start(), m.end()) else "去", text)


def _weekday_heard(text: str) -> str:
    """A word heard there stays (新起 …), but 先期 (in advance), which says no day, before a
    weekday's numeral and its deed is the week (先期三再打过去)."""
    return _WEEKDAY_HEARD.sub(
        lambda m: m.group(0) if base_word_freq(m.group(0)) >= RARE_WORD
        and m.group(0) != "先期" else "星期", text)


# 别家 heard 别加 in a comparison (保费比别加高了一成: 别加 "don't add" compares nothing)
_OTHERS_HEARD = re.compile(r"(?<=比)别加(?=[高贵便低多少好差])|"
                           # … or after a verb done with 了 (找了别加工货: 别加 "don't add"
                           # never follows what was done)
                           r"(?<=[找选买用订定签换给交]了)别加")
# 冻结了 heard 冻结论 / 动结论 at a clause's end (了 heard lun; 冻结论 is no phrase), and
# 冻结 heard 动结 after 被 (资金被动结了: 被动 is a word by chance)
_FROZEN_HEARD = re.compile(r"[冻动洞栋]结论(?=[，,。；;！!？?]|$)|(?<=被)[动洞栋]结(?=了)")
# … and 冻住 heard as its sound right after the money (预算动注了, 预算动作了: a budget
# makes no movement)
_FROZEN_STIFF_HEARD = re.compile(r"(?<=[费金算款钱])[动洞栋冻][注住驻助柱铸作](?=了)")
# 一 heard 衣 / 依 between a verb done and its count word (跑了衣趟, 去了依次)
_ONE_TRIP_HEARD = re.compile(r"(?<=[了过])[衣依医伊](?=[趟次回下遍])")
# 被 heard 贝 / 备 after the money and before who froze or cut it (福利经费贝教育局冻结了):
# 贝 and 备 make no passive
_PASSIVE_HEARD = re.compile(r"(?<=[费金算款钱贷])[贝备倍](?=[^，,。；;！!？?]{0,8}?"
                            r"(?:冻结|砍|削减|压缩|取消|叫停|停了|卡住|挪用|收回))")
# 调去 heard 调取 / 调却 before where someone is transferred (调取北京分公司; 调取监控 stays)
_TRANSFERRED_HEARD = re.compile(r"(?<=调)[取却曲](?=[^，,。；;！!？?]{0,6}?"
                                r"(?:分公司|总部|集团|分厂|总公司|外地))|"
                                # … or right after the person's title, before a place and
                                # the 了 of the move (杨工调取安徽新厂了); 调取了监控 stays
                                r"(?<=[长总任理监工管]调)[取却曲持](?=[^，,。；;！!？?了]{2,8}?了)")
# 电话里 heard 电话李 / 电话理 right after the person called (景科长电话李嫌…); 打电话李总 stays
_ON_THE_PHONE_HEARD = re.compile(r"(?:(?<=[长总理任工管监板师队姐哥])|(?<=^)|"
                                 r"(?<=[，,。；;！!？?\s]))"
                                 r"电话[李理礼力立利历]"
                                 r"(?![总经主工老先女科部处局院校厂店])")
# 微信上 heard 微信杀 / 微信沙 before what was asked or said there
_WECHAT_ON_HEARD = re.compile(r"(?<=微信)[杀沙傻啥赏尚晌](?=要|说|问|聊|发|找|讲)")
# 再议 heard 在意 after what is waited for (开完会在意): one cares about nothing there
_AGAIN_DISCUSS_HEARD = re.compile(_AFTER_WAITED + r"在意")
# 被 heard 辈 right after a title (权部长辈免职了: 长辈 is a word there by chance)
_PASSIVE_AFTER_TITLE_HEARD = re.compile(r"(?<=[长总任理监])辈(?=[^，,。；;！!？?]{1,4}?了)")
# 试 heard 是 right after 免费 (能不能先免费是听一次), or after a trial asked for before a verb
# or a span (能不能先是做一个月, 想先是用几天; 他先是不同意 stays)
_FREE_TRIAL_HEARD = re.compile(r"(?<=免费)是(?![的吗不])|"
                               r"(?:(?<=不能先)|(?<=可以先)|(?<=能否先)|(?<=[想要]先))是(?=[做用吃喝穿装跑听"
                               r"搭一两几半])")
# … and 试搭 heard 是答 / 是达, before one of what is put up (想先是答一顶透明篷看效果)
_PUT_UP_TRIAL_HEARD = re.compile(r"(?<=[想要]先)[是试][答达打](?=[一两几半][顶个台套间座])")
# 到 heard 道 right after a clock time, where the rep goes (十点道电力公司): 道歉 stays
_TO_HEARD = re.compile(r"(?<=[点半])道(?![歉谢理路别])")
# 约了 heard 业了 / 夜了 before the day agreed (业了周四上午十点): ye for yue
_AGREED_ON_HEARD = re.compile(r"(?:^|(?<=[，,。；;！!？?\s0-9我他她]))[业夜叶页]"
                              r"(?=了(?:下?周|礼拜|星期|明天|后天|[0-9一二三四五六七八九十]+[号点]))")
# 周 heard 中 between 了 and a weekday's numeral (约了中四上午十点)
_WEEK_AFTER_LE_HEARD = re.compile(r"(?<=了)中(?=[一二三四五六日天])")
# 要了 heard 摇了 after whom it was asked of (微信上找我摇了…刊例表); 摇了摇头 stays
_ASKED_OF_HEARD = re.compile(r"(?<=找我|跟我|向我|问我|找他|跟他|向他)摇(?=了(?!摇))")
# 试一个月 heard 是一个园 / 圆 at a clause's end, after a trial asked for (先…, 能不能…)
_TRIAL_MONTH_HEARD = re.compile(r"(?<=[先能])([^，,。；;！!？?]{0,12}?)是一个[园圆元月]"
                                r"(?=[，,。；;！!？?]|$)")
# 签了 heard 千了 where no number counts the thousand (最后跟别的搅拌站千了; 两千了 stays)
_SIGNED_HEARD = re.compile(r"(?<![0-9零一二两三四五六七八九十百几多好上])千(?=了)|"
                           # … or after an adverb a verb follows (灭鼠服务先千一年)
                           r"(?<=[先再已刚没])千(?=[一二两三半]?[年个份单])")
# a pause heard between the people something was done for and 他们 (给陶经理，他们演示了): one
# phrase, 给 … 他们; the comma made 他们演示了 a clause of its own (见了王经理，他们说… stays)
_FOR_THEM_PAUSE = re.compile(r"(?<=[给跟和同为帮])([\u4e00-\u9fff]{2,5}?)[，,](?=[他她]们)")
# 寄 heard 祭 / 级 / 济 / 激 … before 过去 (让快递祭过去): none of them goes there (记过, 季,
# 来不及过去 stay)
_POSTED_HEARD = re.compile(r"(?<!来不)(?<!来得)[祭级济剂纪](?=过[去来])|"
                           # 激 / 及 only where nothing is carried first (带样机过去 heard
                           # 代量激过去: ji there is 机)
                           r"(?<!来不)(?<!来得)(?<![带拿代戴])(?<![带拿代戴].)(?<![带拿代戴]..)[激及](?=过[去来])")
_DEMO_YESHI = re.compile(r"(?:(?<=在)|(?<=去))"
                         r"([^，,。；;！!？?]{2,12}?给[^，,。；;！!？?]{1,8}?)[，,]?"
                         r"((?:他|她)们)?(?:也[试是]|掩饰)了|"
                         # … or right after the day (昨天给万源的吴经理也试了运营平台)
                         r"(?<=[天午])(给[^，,。；;！!？?]{1,10}?)[，,]?((?:他|她)们)?(?:也[试是]|掩饰)了")

def _demo_given(m: re.Match[str]) -> str:
    return f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4) or ''}演示了"


# 何 heard 和 right after 的, before a title: 的 takes no conjunction after it (鲁迅小学的和老师)
_HE_HEARD = re.compile("(?<=的)和(?=" + "|".join(("老师", "经理", "主任", "总", "工", "校长",
                                                  "科长", "处长", "厂长", "店长", "老板",
                                                  "主管", "院长", "所长")) + ")")


# 几个 heard with 几 as another ji and 个 as 各 (计各加油站的案例): 各 takes no ji before it
# in a word of its own (登记各项: 登记 is one, so it stays)
_FEW_HEARD = re.compile(r"[计记纪继寄技季济]各(?=[\u4e00-\u9fff])")


def _unless_a_word(pattern: re.Pattern[str], meant: str, text: str) -> str:
    """Each match of ``pattern`` in ``text`` as ``meant``, unless the match is a word of the
    dictionary or cuts through one (表演书法, 登记各项 stay)."""
    def repl(m: re.Match[str]) -> str:
        if crosses_word(text, m.start(), m.end()) or base_word_freq(m.group(0)) > 0:
            return m.group(0)
        return meant

    return pattern.sub(repl, text)


def _manager_heard(text: str) -> str:
    """经理 heard 经历 right after a surname (`_MANAGER_HEARD`): 的经历, 工作经历 stay."""
    surnames = lexicon().surnames1
    return _MANAGER_HEARD.sub(
        lambda m: "经理" if text[m.start() - 1] in surnames else m.group(0), text)


def fix_cue_phrases(text: str) -> str:
    """去当面了一下 → 去当面聊一下; 空调箱的一算还没批 → 空调箱的预算还没批; 打来变化 → 打来电话;
    发他有香 → 发他邮箱; 已经否则了 → 已经否了; 想先是用一下 → 想先试用一下; 已经写了别家 →
    已经选了别家; 当面了解, 算一算 and 带来变化 stay."""
    text = _REFUSED_HEARD.sub("否", _fix_media(_PHONE_HEARD.sub("电话", text)))
    text = _MOBILE_HEARD.sub("手机", text)
    text = _CALL_HEARD.sub("打", text)
    text = _TRIAL_IN_PLACE_HEARD.sub(r"先在\1试用", text)
    text = _TRIAL_HEARD.sub("试用", _FIRST_TRIAL_HEARD.sub("先", text))
    text = _FOR_TRIAL_HEARD.sub(r"\1试用", _SPAN_TRIAL_HEARD.sub(r"\1试用", text))
    text = _MONTH_OF_TRIAL.sub(r"\1月", text)
    text = _fix_contract_word(_fix_refusal_verb(text))
    text = _CHOSE_HEARD.sub("选", _LOOK_HEARD.sub("看", _TEN_HEARD.sub("十", text)))
    text = _QUITE_HEARD.sub("挺", text)
    text = _NO_CHANCE.sub("戏", _NO_CHANCE_DEAL.sub("没戏", text))
    text = _QUOTE_SENT.sub("把报价", _MONEY_HEARD.sub("钱", text))
    text = _AGREED_HEARD.sub("同意", _QUOTE_FORM_SENT.sub("报价单", text))
    text = _AGREED_ENDED.sub("同意了", _AGREED_SIGNED.sub("同意签", text))
    text = _HE_HEARD.sub("何", _unless_a_word(_DEMO_HEARD, "演示", text))
    text = _SENT_TO_HEARD.sub("发到", _DEMO_YESHI.sub(_demo_given, text))
    text = _COMPLAINED_HEARD.sub("嫌", _MET_ONCE_HEARD.sub("见", text))
    text = _DONE_TWICE_HEARD.sub(r"\1了", _NINE_HEARD.sub("九点", _weekday_heard(text)))
    text = _SENT_HIM_HEARD.sub("他", _SENT_OVER_HEARD.sub("过去", text))
    text = _FIRST_THERE_HEARD.sub("先在", _go_after_hour(_NINE_OCLOCK_HEARD.sub("九", text)))
    text = _ASKING_PRICE_HEARD.sub("价", _snatched(text))
    text = _NEXT_WEEK_HEARD.sub("下", _DECIDES_HEARD.sub("说", text))
    text = _INVITED_HEARD.sub("约", _RUN_BY_HEARD.sub(r"\1打理", text))
    text = _REPORT_HEARD.sub("汇报", _MUST_WITH_HEARD.sub("得跟", text))
    text = _TOMORROW_ER_HEARD.sub("明儿", _ELEVEN_SHI_HEARD.sub("十", text))
    text = _DEMO_DONE_HEARD.sub(r"\1演示", _ONE_CALL_HEARD.sub("个", text))
    text = fix_put_up(_TRY_FIRST_HEARD.sub("先试", text))
    text = _TENDER_HEARD.sub("标", _JUST_WENT_HEARD.sub("刚去", text))
    text = _NOD_HEARD.sub("点头", _TRIAL_USE_HEARD.sub(
        lambda m: f"{m.group(1) or m.group(2)}试用", text))
    text = _POSTED_BY_COURIER.sub("寄", _COURIER_HEARD.sub("快递", text))
    text = _MET_FACE_HEARD.sub("见", _COMPLAINED_ON_CALL.sub("嫌", text))
    text = _AFTERNOON_XIANG_HEARD.sub("下午", _AGREED_WEEKDAY_HEARD.sub("约周", text))
    text = _LEASE_HEARD.sub("赁", _MUST_FIRST_HEARD.sub("得", text))
    text = _ASK_SUPERIOR_SAID.sub("示", _ASK_SUPERIOR_HEARD.sub("得", text))
    text = _SNATCHED_BY_HEARD.sub("被", _PEOPLE_CHANGED_HEARD.sub("换", text))
    text = _DEAR_HEARD.sub(r"\1贵", text)
    text = _PREVIOUS_ONE_HEARD.sub("家", _HALF_HEARD.sub("半", text))
    text = _MORNING_SIGN_HEARD.sub("午签", _MONDAY_HEARD.sub("一", text))
    text = _DEMO_NOUN_HEARD.sub(r"\1演示", _manager_heard(text))
    text = _ROLE_MANAGER_HEARD.sub("经理", text)
    text = _CUT_HEARD.sub("砍", _ASKED_ON_HEARD.sub("要", text))
    text = _POSTED_HEARD.sub("寄", _FOR_THEM_PAUSE.sub(r"\1", text))
    text = _FROZEN_HEARD.sub(lambda m: "冻结了" if m.group(0).endswith("论") else "冻结",
                             _OTHERS_HEARD.sub("别家", text))
    text = _SIGNED_HEARD.sub("签", _FROZEN_STIFF_HEARD.sub("冻住", text))
    text = _ONE_TRIP_HEARD.sub("一", text)
    text = _PASSIVE_HEARD.sub("被", _TRANSFERRED_HEARD.sub("去", text))
    text = _WECHAT_ON_HEARD.sub("上", text)
    text = _TRIAL_MONTH_HEARD.sub(r"\1试一个月", text)
    text = _ASKED_OF_HEARD.sub("要", _AGAIN_DISCUSS_HEARD.sub("再议", text))
    text = _PASSIVE_AFTER_TITLE_HEARD.sub("被", text)
    text = _TO_HEARD.sub("到", _FREE_TRIAL_HEARD.sub("试", text))
    text = _PUT_UP_TRIAL_HEARD.sub("试搭", text)
    text = _AGREED_ON_HEARD.sub("约", _WEEK_AFTER_LE_HEARD.sub("周", text))
    text = _WON_HEARD.sub("中标", _DEPT_HEARD.sub("部", text))
    text = _THURSDAY_HEARD.sub(r"\1四", _LEADER_HEARD.sub("领导", text))
    text = _TEACHER_HEARD.sub("讲师", _LOCAL_HEARD.sub("本地", _BOARD_APPROVED.sub("批了", text)))
    text = _REFUSAL_LE.sub("了", _HQ_HEARD.sub("总部", text))
    text = _QUOTE_A_PRICE.sub("报个价", _PRICE_HEARD.sub("价", text))
    text = _HALF_MONTH_HEARD.sub("个", _BY_HEARD.sub("按", text))
    text = _APPROVE_HEARD.sub("批", _PURCHASE_HEARD.sub(
        lambda m: m.group(0)[:-2] + "采购", text))
    text = _DECIDED_HEARD.sub("拍板", _WANTED_HEARD.sub("要", _ORDER_HEARD.sub("订", text)))
    text = _ROUND_HEARD.sub(r"\1一圈", _FUNDS_HEARD.sub("资金", text))
    text = _TRY_HEARD.sub("试", _WECHAT_HEARD.sub("微信", text))
    text = _MOVED_HEARD.sub("调", _RISE_HEARD.sub("涨", _fix_bring(text)))
    text = _GRANTED_HEARD.sub(lambda m: (m.group(1) or "") + "没批", text)
    text = _HIM_HEARD.sub("他", _unless_a_word(_FEW_HEARD, "几个", text))
    text = _COUNT_HEARD.sub(lambda m: _COUNT_OF_HEARD[m.group("heard")], text)
    text = _ANOTHER_HEARD.sub("另", _PUT_OFF_HEARD.sub("迟", text))
    text = _TOLD_ME_HEARD.sub("叫", _DELAYED_HEARD.sub("延", text))
    return _BUDGET.sub("预算", _FACE_TO_FACE.sub("当面聊", fix_go_sign(text)))


# 了 ending a clause, heard with a nasal (拍板轮, 冻结冷, 聊愣): l + un / eng, after a
# character it makes no word with; never after a degree or negation word (很冷, 不冷) or a
# number or demonstrative (一轮, 这轮, 下轮)
_LE_HEARD = "轮冷愣楞伦仑论领"
_LE = re.compile(r"(?<=[\u4e00-\u9fff])[\u4e00-\u9fff](?=[，。？！,.!?；;]|$)")
_NOT_BEFORE_LE = set("很好不太挺真特更最有点这那下上本首第几两三四五六七八九十一二多每")
# … and by its sound: l or r with a nasal final (否篮, 否刃: lan, ren); such a character may
# end a given name (李秀兰), so not right after a surname or one character after it
_LE_INITIALS = frozenset(("l", "r"))
_LE_FINALS = frozenset(("an", "en", "eng", "uen", "ing", "ang"))   # 没系铃 for 没戏了


_ZERO_LE = re.compile(r"(?<=[\u4e00-\u9fff])零(?=[，。？！,.!?；;]|$)")
_LE_COMMON = 5_000      # characters this frequent end a clause as words (哪些人, 责任, 仍)


def _sounds_like_le(ch: str) -> bool:
    syl = syllables(ch)[0]
    return bool(syl) and syl[0][0] in _LE_INITIALS and syl[0][1] in _LE_FINALS and \
        base_word_freq(ch) < _LE_COMMON and ch not in _NUMERAL_CHARS    # 三百零 stays


def fix_clause_le(text: str) -> str:
    """同意轮。 → 同意了。; 拍板轮， → 拍板了，; 已经否篮。 → 已经否了。; 天气很冷。, 第一轮。 and
    联系人李秀兰。 stay."""
    surnames = lexicon().surnames1

    def repl(m: re.Match[str]) -> str:
        ch, at = m.group(0), m.start()
        prev = m.string[at - 1]
        if ch not in _LE_HEARD and not (
                _sounds_like_le(ch) and prev not in surnames
                and m.string[at - 2:at - 1] not in surnames
                and (at, at + 1) in words_of(m.string)):
            return ch           # 联系人, 机器人: the end of a word
        if prev in _NOT_BEFORE_LE or base_word_freq(prev + ch) > 0:
            return ch
        return "了"

    def zero(m: re.Match[str]) -> str:
        # 零 (ling) ending a clause after a verb, never after a number (通过零 → 通过了;
        # 三百零, 一千零 stay)
        prev = m.string[m.start() - 1]
        if prev in _NOT_BEFORE_LE or prev in _NUMERAL_CHARS or prev in "百千万点十" or \
                base_word_freq(prev + "零") > 0:
            return "零"
        return "了"

    text = _DECIDED_NENG.sub("定了", _ZERO_LE.sub(zero, text))

    return _LE.sub(repl, text)


# 定了 heard 定能 (le with n and a nasal: neng) at a clause's end (星瀚科技那边定能，…);
# 一定能, 肯定能 stay
_DECIDED_NENG = re.compile(r"(?<![一肯必决])定能(?=[，,。；;！!？?]|$)")


# 新客户 heard as other characters of its sound, or cut to 新客, where a note opens with it
# (新课护温州…, 有个新客，…): the extractor reads a new customer after 新客户. 新课 alone
# (新课标) stays.
_NEW_CUSTOMER = re.compile(r"(?:^|(?<=[，,。！？；;!?\s])|(?<=有个|一个|是个))"
                           r"(?:[新亲心欣辛][客课刻克][户护沪互]|新客(?!户))")
# … and 新线索 heard as 新线所 / 新鲜所 (suo), after a verb of recording too (录入新线所…)
_NEW_LEAD = re.compile(r"[新心欣辛先县现限][线鲜县现先限][所锁索琐]"
                       r"(?!有|以|谓|在|需|得|属|赔|要|取)|"
                       # … or with 新's nasal lost (its x heard q too), opening a clause
                       # (西线索，六盘水…; 其线索，遵义…; 琴线索尊议…)
                       r"(?:^|(?<=[，,。！？；;!?\s]))[西希吸其七琴齐奇亲][线鲜][索所锁]")


def fix_new_customer(text: str) -> str:
    """新课护温州海假日酒店 → 新客户温州海假日酒店; 有个新客，… → 有个新客户，…; 录入新线所金华
    … → 录入新线索金华 …"""
    return _NEW_LEAD.sub("新线索", _NEW_CUSTOMER.sub("新客户", text))


# 见了 / 见过 + a person (surname + title) is a visit: Whisper writes another jian (建了,
# 监了 庞经理). The titles a contact is called by; the one or two characters before it are
# the surname.
_PERSON_TITLES = ("理事长", "董事长", "秘书长", "会长", "主任", "经理", "科长", "处长", "局长",
                  "部长", "厂长", "场长", "店长", "站长",
                  "行长", "院长", "所长", "社长", "主管", "总监", "总工", "老板", "书记", "队长",
                  "组长", "馆长", "校长", "老师", "教授", "医生", "总", "董")
_JIAN = syllables("见")[0]
_MET = re.compile(r"(?<=[\u4e00-\u9fff])([\u4e00-\u9fff])(?=[了过][\u4e00-\u9fff]{1,2}(?:"
                  + "|".join(_PERSON_TITLES) + ")(?![的之]))")


# … or with its nasal lost (解了, 借了 缪经理: jie), where the clause went somewhere first
# (去 / 到 / 在 …: 去滇池水务解了缪经理); 接了 (picked up) and 结了 (settled) are verbs there
_JIE = syllables("借")[0]
_JIE_NOT = frozenset("接结节街")
_TRIP_BEFORE = re.compile(r"[去到在]")


def fix_met_person(text: str) -> str:
    """建了庞经理 / 监了邵社长 → 见了…: a tone-free homophone of 见 before 了 / 过 and a
    surname + title; never where it ends a word with the character before it (体检了王主任,
    房间), nor before 的 (建了王总的群). 解了 / 借了 too after a trip in the clause (去滇池水务
    解了缪经理); 去机场接了王经理 stays."""
    def repl(m: re.Match[str]) -> str:
        ch = m.group(1)
        if ch != "见" and syllables(ch)[0] == _JIE and ch not in _JIE_NOT:
            if _TRIP_BEFORE.search(m.string, clause_begin(m.string, m.start()), m.start()) and \
                    base_word_freq(m.string[m.start() - 1:m.end()]) == 0:
                return "见"
            return ch
        if ch == "见" or syllables(ch)[0] != _JIAN:
            return ch
        if base_word_freq(m.string[m.start() - 1:m.end()]) > 0:
            return ch
        return "见"

    return _met_bare(_met_heard_de(_MET.sub(repl, text)))


# … or with no 了 at all, right after the place the rep went to (去宏图医疗建刘总监): a
# jian before the surname + title, no word with either neighbour
_MET_BARE = re.compile(r"(?<=[\u4e00-\u9fff])([\u4e00-\u9fff])(?=[\u4e00-\u9fff](?:"
                       + "|".join(_PERSON_TITLES) + ")(?![的之]))")


def _jian_after_trip(m: re.Match[str]) -> bool:
    """The matched character (group 1) sounds jian, is no 见, makes no word with the one
    before it, and its clause went somewhere first (去 / 到 / 在 …)."""
    ch, text = m.group(1), m.string
    return ch != "见" and syllables(ch)[0] == _JIAN and \
        base_word_freq(text[m.start() - 1:m.end()]) == 0 and \
        _TRIP_BEFORE.search(text, clause_begin(text, m.start()), m.start()) is not None


def _met_bare(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if not _jian_after_trip(m) or base_word_freq(m.string[m.start():m.end() + 1]) > 0:
            return m.group(1)
        return "见"

    return _MET_BARE.sub(repl, text)


# … and 见了 heard 间的 / 建的 (jian, and 了 heard 的) right after where the rep went (去美琪饰品
# 间的应老板): 去 … 的 + a person is no phrase there; 房间的王经理 (a word) stays
_MET_DE = re.compile(r"(?<=[\u4e00-\u9fff])([\u4e00-\u9fff])的(?=[\u4e00-\u9fff]{1,2}(?:"
                     + "|".join(_PERSON_TITLES) + "))")


def _met_heard_de(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        return "见了" if _jian_after_trip(m) else m.group(0)

    return _MET_DE.sub(repl, text)


# 说 right after a person, or after the channel it was said on (微信上, 电话里), heard as 收,
# 书 or 数 (shuo heard shou, shu): 骆工收面漆的预算 for 骆工说…, 微信上书接待沙发的颜色要改 for
# 微信上说…; never where the character makes a word with what follows (王总收货了, 李工收到,
# 收口, 王总书架)
_SAY_HEARD = re.compile("(?:(" + "|".join((*_PERSON_TITLES, "工")) + ")[收书数受舒]|"
                        # (群里收红包: received)
                        "((?:微信|电话|短信|视频|会)[上里])[书收]|(群[上里])书|"
                        # … or after the call itself (孟经理打电话收龙门洗车机…)
                        "(打(?:了|过)?(?:个|一个)?电话)[收书数受])"
                        "(?=[\u4e00-\u9fff])(?![了过着完齐])")     # 收了两台: received


# a terse note that opens with the person and the channel (刘经理 电话 循环水设备调试好了)
# heard with no pause: the channel word is set off where the next character begins no
# word with it and says nothing of the number or the call itself (刘经理电话是…, 电话打不通,
# 电话里说, 微信号 stay)
_TERSE_OPENING = re.compile("^([\u4e00-\u9fff]{1,2}?(?:" + "|".join(_PERSON_TITLES) + "))"
                            "(电话|微信)(?=[\u4e00-\u9fff])"
                            "(?![是号里上中打没不一占关多说讲聊沟联回确通答反表同拍催要给发])")


def fix_terse_opening(text: str) -> str:
    """刘经理电话循环水设备调试好了 → 刘经理电话，循环水设备调试好了; 刘经理电话是…, 刘经理电话
    打不通 and 刘经理电话号码 stay."""
    m = _TERSE_OPENING.match(text)
    if m is None or crosses_word(text, m.start(2), m.end(2)) or \
            base_word_freq(text[m.end(2) - 2:m.end(2) + 1]) > 0:
        return text
    return text[:m.end(2)] + "，" + text[m.end(2):]


def fix_say_after_person(text: str) -> str:
    """阮总监收空调箱的预算 → 阮总监说空调箱的预算, 微信上书颜色要改 → 微信上说颜色要改;
    孟经理打电话收价格高了 → 孟经理打电话说价格高了, 吴主任受乌龙茶的事 → 吴主任说乌龙茶的事;
    王总收货了, 李工收到, 王经理收了两台, 王总受伤了 and 王总书架 stay."""
    def repl(m: re.Match[str]) -> str:
        at = m.end() - 1
        if base_word_freq(text[at:at + 2]) > 0 or (
                m.group(1) and crosses_word(text, at, at + 1)):
            return m.group(0)       # (上书 is a word, 微信上 the channel)
        return (m.group(1) or m.group(2) or m.group(3) or m.group(4)) + "说"

    return _SAY_HEARD.sub(repl, text)


# 明天 / 今天 heard with the day's first syllable as another character of its sound, or 明's
# m heard n (宁天安排工程师 for 明天安排…): the pair no word, cutting through none, and a
# plan or a part of the day right after it
_TOMORROW_HEARD = re.compile(r"(?:^|(?<=[，,。；;！!？?\s我他她们就再]))([\u4e00-\u9fff])天"
                        r"(?=[上下中早晚傍]|安排|去|过去|再|我|给|把|带|要|约|来)")
_TOMORROW_SOUNDS = {("m", "ing"): "明", ("n", "ing"): "明", ("j", "in"): "今", ("j", "ing"): "今"}


def fix_day_words(text: str) -> str:
    """宁天安排工程师 → 明天安排工程师, 金天下午 → 今天下午; 整天, 晴天, 聊天 stay (words)."""
    def repl(m: re.Match[str]) -> str:
        ch = m.group(1)
        heard = syllables(ch)[0]
        day = next((_TOMORROW_SOUNDS[h] for h in heard if h in _TOMORROW_SOUNDS), None)
        if day is None or ch == day or base_word_freq(ch + "天") > 0 or \
                crosses_word(text, m.start(1), m.start(1) + 2):
            return m.group(0)
        return day + "天"

    return _TOMORROW_HEARD.sub(repl, text)


# a surname that sounds like a digit written as the digit (0老板 for 凌老板, 5总 for 吴总):
# a lone digit right before a title, where a person is named (a clause's start, after 的,
# 跟, 找, 见了 …), is the numeral's character, which the surname passes then read
_DIGIT_BEFORE_TITLE = re.compile(
    r"(?:^|(?<=[，,。；;！!？?\s、的跟和与找给见了问]))([0-9])"
    rf"(?={'|'.join(sorted(set(_PERSON_TITLES) - {'总'}, key=len, reverse=True))}"
    r"|总(?![共计额量数价体结部线]))")        # (总 alone only as no word's first character)
_DIGIT_NUMERALS = "零一二三四五六七八九"


def fix_digit_surname(text: str) -> str:
    """0老板的手机是… → 零老板的手机是… (then 凌老板 where the catalog has him); 5总说 → 五总说;
    5总共, 3个经理, 第2经理部 stay."""
    return _DIGIT_BEFORE_TITLE.sub(lambda m: _DIGIT_NUMERALS[int(m.group(1))], text)


# a question mark Whisper put after a clause that asks nothing (那个标推迟了？, 还没对接上？):
# the voice's pitch, not a question; a clause with a question word keeps its mark
_ASKS = re.compile(r"吗|呢|么|吧|什么|啥|哪|谁|几|多少|怎|如何|为何|是否|能否|可否|还是|"
                   r"([\u4e00-\u9fff])[不没]\1")
_HEARD_QUESTION = re.compile(r"[？?]")
_TOLD_TO = re.compile(r"[让叫要]我们?")
_CLAUSE_START = re.compile(r"[，,。；;！!？?\s]")


def fix_heard_question(text: str) -> str:
    """那个标推迟了？啥时候开标？ → 那个标推迟了。啥时候开标？"""
    out, start = [], 0
    for m in _HEARD_QUESTION.finditer(text):
        cut = max((c.end() for c in _CLAUSE_START.finditer(text, 0, m.start())), default=0)
        out.append(text[start:m.start()])
        asks = _ASKS.search(text, cut, m.start())
        # 呢 closing what the rep was told to do (让我九月份再打电话呢？) asks nothing
        if asks is not None and asks.group(0) == "呢" and asks.end() == m.start() and \
                _TOLD_TO.search(text, cut, m.start()):
            asks = None
        out.append(m.group(0) if asks else "。")
        start = m.end()
    out.append(text[start:])
    return "".join(out)


def normalize_spoken(text: str) -> str:
    # (去 heard qi before the weekday pass reads it)
    text = fix_heard_question(fix_go_sign(trim_loops(text)))
    # (电话李嫌: before a terse opening's pause is read into it)
    text = _ON_THE_PHONE_HEARD.sub("电话里", text)
    text = fix_clock_words(fix_part_of_day(fix_weekdays(fix_day_words(fix_clause_le(text)))))
    return fix_cue_phrases(fix_say_after_person(fix_met_person(fix_phone_digits(
        fix_terse_opening(fix_new_customer(text))))))
