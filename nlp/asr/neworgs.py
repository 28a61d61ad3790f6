"""A new customer's name as Whisper wrote it → as the rep said it.

A name the catalog does not hold cannot be snapped to a catalog name, and a rep announces
a new customer (新客户 …) in about one note of ten. Most organisation names begin with
their place (丽水华美口腔医院, 株洲荷塘区第二中学), and Whisper base writes the place as
other characters of its sound (里水, 朱州和唐区, 怀难 for 淮南). So in the name a note
announces (新客户, 新线索, then the name, in the same clause) that is no catalog customer:

- its first words, where they are no place of China's administrative divisions
  (nlp/data/places.txt) and sound exactly like one of them, clearly the commonest of that
  sound, become that place (里水 → 丽水, 怀难 → 淮南); a district after its city too, where
  区/县/市 was heard (朱州和唐区 → 株洲荷塘区). A word heard yields only to a commoner place
  (园区, 绵羊 and 梅山 stay), and a sound only near a place's is no guess;
- 有限 heard as another pair of its sound before 公司 is 有限 (有现公司 → 有限公司), anywhere;
- 市 heard as 是 after the places a name begins with, before the organisation (将因是华通汽配厂
  → 江阴市华通汽配厂).

Names are left alone elsewhere: a brand is often a place's homophone (远洲 / 袁州, 锦程 /
晋城, 林邑 / 临沂), and only the announcement says that a place comes first. The words after
the place are not guessed: measured on the typed notes of every set, respelling a pair of
characters that makes no word into the commonest word of its sound broke more real names
(华宇 → 华语, 悦华 → 月华, 金鼎 → 金顶) than it mended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import product

from nlp.lexicon import lexicon, read_lines
from nlp.orgs import default_orgs
from nlp.phonetic import RARE_WORD, Syllable, syllables
from nlp.pinyin import is_han, raw_pinyin
from nlp.segment import base_word_freq

__all__ = ["respell_new_orgs", "warm"]

_PLACE_ENDS = frozenset("市县区省盟旗")
PLACE_LEAD = 3             # a place of a sound: this many times as common as the next one

# the words before a new organisation's name, and where that name stops when no generic word
# ends it (新客户百四田圆果叶，陆经理)
_NEW = re.compile(r"新的?(?:客户|线索)(?:就是|是|叫|名叫)?[，,:：\s]*")
_NAME_STOP = re.compile(r"[^\u4e00-\u9fff]|联系人|电话|手机|号码|的|说|是|在|要|想|有个|那边|这边")
_LIMITED = re.compile(r"(?P<w>[\u4e00-\u9fff]{2})(?=(?:责任)?公司)")
_YOUXIAN = ("you", "xian")


_Forms = dict[tuple[Syllable, ...], list[str]]       # a place's sound → its forms


@lru_cache(maxsize=1)
def _places() -> tuple[frozenset[str], _Forms, frozenset[str]]:
    """Every place's full name and its name without 市/县/区 … (丽水市, 丽水); those of two
    to four characters by their sound, tones aside; and the provinces' and prefectures'
    names."""
    forms: set[str] = set()
    big: set[str] = set()
    for line in read_lines("places.txt"):
        name = line.lstrip("^")
        names = [name, name[:-1]] if name[-1] in _PLACE_ENDS and len(name) >= 3 else [name]
        forms.update(names)
        if line.startswith("^"):
            big.update(names)
    by_sound: _Forms = defaultdict(list)
    for form in sorted(forms):
        if 2 <= len(form) <= 4:
            # two readings: a place keeps an old one (厦门 xia, 六安 lu); what was heard is
            # read by its common one
            for sound in product(*syllables(form, readings_per_char=2)):
                by_sound[sound].append(form)
    return frozenset(forms), dict(by_sound), frozenset(big)


@lru_cache(maxsize=1)
def _parents() -> dict[str, frozenset[str]]:
    """Each county's and district's prefecture (nlp/data/place_parents.txt), with and without
    市: 雨花区 → {长沙市, 长沙}."""
    out: dict[str, frozenset[str]] = {}
    for line in read_lines("place_parents.txt"):
        name, *parents = line.split()
        out[name] = frozenset(p for full in parents for p in (full, full.rstrip("市")))
    return out


def _place_at(text: str, s: int, limit: int, *, district: bool = False,
              within: str | None = None) -> tuple[int, str] | None:
    """(characters heard, the place) for a place said at ``s`` and ending by ``limit``: the
    place written as itself, or the one place of exactly its sound: a province or a
    prefecture before a county or a district (赶周 → 赣州, not 甘州), else clearly the
    commonest such (丽水, not 溧水, for 里水); a word heard only where the place is
    commoner than it (园区 stays: 垣曲 is rare). A place whose name ends in 市/县/区 … is
    heard so only where that character was (和唐区 → 荷塘区); a ``district`` (after its
    city) only such a one, and one of that city (``within``) before any other (长沙与花区 →
    长沙雨花区, not 裕华区 of 石家庄)."""
    forms, by_sound, big = _places()
    for n in (4, 3, 2):
        heard = text[s:s + n]
        if s + n <= limit and heard in forms and not (district and heard[-1] not in _PLACE_ENDS):
            return n, heard
    for n in (4, 3, 2):                 # the longest place heard decides (恶耳多斯 → 鄂尔多斯)
        heard = text[s:s + n]
        if s + n > limit or not all(is_han(ch) for ch in heard):
            continue
        # a word heard (or a word and 区: 合同区) yields only to a commoner place
        own = max(base_word_freq(heard), base_word_freq(heard[:-1])
                  if heard[-1] in _PLACE_ENDS else 0)
        hs = syllables(heard)
        best: list[tuple[bool, int, str]] = []
        for form in dict.fromkeys(by_sound.get(tuple(h[0] for h in hs), ())):
            ends = form[-1] in _PLACE_ENDS
            if (ends and form[-1] != heard[-1] and syllables(form[-1])[0][:1] != hs[-1][:1]) \
                    or (district and not ends):
                continue        # (区 heard as 去 is 区: 株洲和唐去 → 株洲荷塘区)
            freq = base_word_freq(form[:-1] if ends else form)
            if own < RARE_WORD or freq > own:
                best.append((form in big, freq, form))
        if best and within is not None:
            local = [b for b in best if within in _parents().get(b[2], ())]
            if len(local) == 1:
                return n, local[0][2]
        if best:
            best.sort(reverse=True)     # a prefecture first (赣州, not 甘州), then commoner
            if len(best) > 1 and best[0][0] == best[1][0] and \
                    best[0][1] < PLACE_LEAD * best[1][1]:
                return None
            return n, best[0][2]
    return None


def warm() -> None:
    """Read the places now (the first note need not wait)."""
    _places()
    _parents()


def _new_names(text: str, known: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(start, end, end of its own words) of each new customer's name ``text`` announces
    (新客户 …, then the name, in the same clause): one `OrgFinder` reads there, or the words
    up to the clause's end or a person; none that overlaps a catalog customer (``known``).
    An organisation named without 新客户 is left alone: a brand is often a place's
    homophone (远洲, 锦程, 林邑)."""
    if _NEW.search(text) is None:
        return []                   # no new customer announced (most notes)
    orgs = default_orgs().find(text)
    spans: list[tuple[int, int, int]] = []
    for m in _NEW.finditer(text):
        org = next((o for o in orgs if o.start <= m.end() <= o.end), None)
        if org is not None:
            spans.append((m.end(), org.end, org.end - len(org.suffix)))
            continue
        stop = _NAME_STOP.search(text, m.end())
        end = stop.start() if stop else len(text)
        if end - m.end() >= 4:
            spans.append((m.end(), end, end))
    # (a catalog name inside, after the first words and before the last, is no reason: the
    # name goes on past it — 顾原远洲七六培山养鸡场 holds 远洲 of 远洲建筑)
    return [(s, e, n) for s, e, n in spans
            if n > s and not any(ks < e and s < ke and not (ks >= s + 2 and ke <= n - 2)
                                 for ks, ke in known)]


def _sound_index(words: Iterable[str], sizes: range) -> dict[tuple[Syllable, ...], str]:
    """Tone-free sound → the word of ``words`` (Han only, of ``sizes`` characters) read so;
    a sound two words share is left out."""
    out: dict[tuple[Syllable, ...], str] = {}
    clash: set[tuple[Syllable, ...]] = set()
    for word in words:
        if len(word) not in sizes or not all(is_han(ch) for ch in word):
            continue
        sound = tuple(sy[0] for sy in syllables(word) if sy)
        if len(sound) != len(word):
            continue
        if sound in out and out[sound] != word:
            clash.add(sound)
        out[sound] = word
    return {k: v for k, v in out.items() if k not in clash}


@lru_cache(maxsize=1)
def _suffix_sounds() -> dict[tuple[Syllable, ...], str]:
    """The organisation suffixes of two to four characters by their sound (养鸡场, 物流园)."""
    return _sound_index(lexicon().org_suffixes, range(2, 5))


@lru_cache(maxsize=1)
def _industry_sounds() -> dict[tuple[Syllable, ...], str]:
    """The two-character words of what an organisation does by their sound (食品, 制品)."""
    return _sound_index(lexicon().industry_words, range(2, 3))


def _respell_trade(text: str, start: int, end: int) -> str:
    """The two characters before a new name's generic word (or ending it where it has none)
    heard as another spelling of a word of what an organisation does (金华火腿世家势品有限公司
    → …食品有限公司, 百色田园果叶 → 百色田园果业): that word, where the heard pair is no word
    of the dictionary."""
    name = text[start:end]
    core_end = end - len(lexicon().org_tail(name) or "")
    if core_end - start < 4:
        return text
    said = _trade_word_heard(text[core_end - 2:core_end])
    if said is None:
        return text
    return text[:core_end - 2] + said + text[core_end:]


def _trade_word_heard(pair: str) -> str | None:
    """The word of what a firm does that ``pair`` is another spelling of (势品 → 食品, 入业 →
    乳业): exactly its sound, tones aside, where the pair is no word itself; else None."""
    if pair in lexicon().industry_words or not all(is_han(ch) for ch in pair) or \
            base_word_freq(pair) >= RARE_WORD:
        return None
    sound = syllables(pair)
    return _industry_sounds().get(tuple(sy[0] for sy in sound)) if all(sound) else None


def _respell_suffix(text: str) -> str:
    """A new organisation's name, announced, that ends in no generic word, with its last
    characters heard as another spelling of one (六盘山养机场 → 六盘山养鸡场, 明湖物流源 →
    明湖物流园): that word. Only where the name runs to the clause's end or a person, and
    the heard tail is no generic word itself."""
    if _NEW.search(text) is None:
        return text
    sounds = _suffix_sounds()
    out = text
    for m in _NEW.finditer(text):
        stop = _NAME_STOP.search(text, m.end())
        end = stop.start() if stop else len(text)
        name = text[m.end():end]
        if len(name) < 4:
            continue
        out = _respell_trade(out, m.end(), end)
        if lexicon().org_tail(name) is not None:
            continue
        for size in (4, 3, 2):
            tail = name[-size:]
            if len(name) - size < 2 or not all(is_han(ch) for ch in tail):
                continue
            sound = syllables(tail)
            said = sounds.get(tuple(sy[0] for sy in sound)) if all(sound) else None
            if said is not None and said != tail:
                out = out[:end - size] + said + out[end:]
                break
    return out


def _city_heard_is(text: str) -> str:
    """市 heard as 是 (both shi) inside a new name announced (新线索，将因是华通汽配厂 for 江阴市
    …, 漳州波头是… for …泊头市…): 是 is 市 where the characters before it, from the
    announcement on, are places by sound with the last a city read with 市, and an
    organisation's name begins right after it. 新客户是鼓楼医院 (是 right after the
    announcement) and 新客户王总是做五金的 (no place before, no organisation after) stay."""
    if "是" not in text or _NEW.search(text) is None:
        return text
    orgs = default_orgs().find(text)
    out = text
    for m in _NEW.finditer(text):
        stop = _NAME_STOP.search(text, m.end())
        if stop is None or stop.group() != "是" or not 2 <= stop.start() - m.end() <= 6 or \
                not any(o.start == stop.end() for o in orgs):
            continue
        heard = text[m.end():stop.start()] + "市"
        pos, last = 0, ""
        for district in (False, True):          # a city, then a county-level one
            found = _place_at(heard, pos, len(heard), district=district)
            if found is None:
                break
            pos += found[0]
            last = found[1]
        if pos == len(heard) and last.endswith("市"):
            out = out[:stop.start()] + "市" + out[stop.end():]
    return out


# a kind of firm said alone (乳业公司, 汽配厂) whose trade word Whisper wrote as another pair of
# its sound that is no word (买经理说入业公司的招标: 入业 for 乳业)
_KIND_OF_FIRM = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2})(?=公司|厂|集团)|"
                           r"(?<=[说的是在给跟和找])([\u4e00-\u9fff]{2})(?=公司|厂|集团)")


def _respell_kind_of_firm(text: str, known: Sequence[tuple[int, int]]) -> str:
    """入业公司 → 乳业公司 where the pair starts the words (a clause's start, or right after 说 /
    的 / 在 …), is no word, no catalog customer's, and sounds exactly like one word of what a
    firm does (`nlp/data/industry_words.txt`): the kind, which names no one."""
    def repl(m: re.Match[str]) -> str:
        pair = m.group(1) or m.group(2)
        s = m.start()
        if any(ks < s + 2 and s < ke for ks, ke in known):
            return pair
        return _trade_word_heard(pair) or pair

    return _KIND_OF_FIRM.sub(repl, text)


def respell_new_orgs(text: str, known: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` with each new organisation's name respelled (see module); ``known``: the
    spans of catalog customers named in it."""
    text = _respell_kind_of_firm(_city_heard_is(text), known)
    out = _LIMITED.sub(lambda m: "有限" if m["w"] != "有限" and tuple(
        raw_pinyin(ch) for ch in m["w"]) == _YOUXIAN else m["w"], text)
    out = _respell_suffix(out)
    text = out
    for start, end, own in sorted(_new_names(text, known), reverse=True):
        name = text[start:own]
        pos = 0
        parts: list[str] = []
        # a place alone before the generic word (丽水医院); else one word after it at least
        limit = len(name) if own < end else len(name) - 2
        for district in (False, True):          # a city, then its district
            found = _place_at(name, pos, limit, district=district,
                              within=parts[0] if parts else None)
            if found is None:
                break
            n, place = found
            parts.append(place)
            pos += n
        fixed = "".join(parts) + text[start + pos:end]
        out = out[:start] + fixed + out[end:]
    return out
