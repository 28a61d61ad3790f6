"""Next-action and obstacle presets matched by meaning, never by shared characters.

A tenant's presets are names only ("安装验收", "样品寄送", "资金未到位"). Each is tied to a
built-in concept (nlp/data/presets.json) by its name: exactly, or by the words it holds
(安装验收 holds 安装 and 验收; 上门回访 holds 上门, so it is no phone call). A concept's cue
phrases then find it in a message. On top come the tenant's own cue words per preset
(edited by admins in /管理 预设; they replace the built-in cues of that preset) and the
preset's own name. A concept the tenant has no preset for gives 其他; no cue at all gives
nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from nlp.lexicon import DATA_DIR
from nlp.segment import base_word_freq, plain_words

__all__ = [
    "OTHER",
    "Concept",
    "Hit",
    "PresetMatcher",
    "compile_cues",
    "concepts",
    "overlaps_any",
    "own_cues",
    "own_words",
]

Kind = Literal["next_actions", "obstacles", "stages"]
OTHER = "其他"
_GAP = r"[^，,。；;！!？?\n]{0,8}?"
_WIDE_GAP = r"[^。；;！!？?\n]{0,12}?"      # 'A⋯B': across a comma ('进店费要5万，太高了')
_ELLIPSIS = re.compile(r"(…|⋯|\.\.\.)")


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    kind: str                        # next actions: purpose | vehicle
    names: tuple[str, ...]
    keys: tuple[str, ...]
    exclude: tuple[str, ...]
    cues: tuple[str, ...]
    blocked: tuple[str, ...]         # 'not': phrases a cue must not sit inside ('+X': X
                                     # must not follow it)
    fallback: tuple[str, ...]        # concepts to take the preset of when it has none
    generic: bool
    reports: tuple[str, ...] = ()    # stages: phrases that report the stage by themselves
    soft: bool = False               # found only where the tenant has a preset for it


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    preset: str | None               # the tenant's preset (None: only 其他 fits)
    concept: str | None              # None for a tenant cue word
    kind: str


def compile_cues(cues: Iterable[str]) -> re.Pattern[str] | None:
    """Cue phrases as one pattern: plain phrases, 'A…B' = A then B within 8 characters of
    one clause, 'A⋯B' = within 12 characters across a comma."""
    parts: list[str] = []
    for cue in cues:
        cue = cue.strip()
        if not cue:
            continue
        pieces = _ELLIPSIS.split(cue)
        out = ""
        for i, piece in enumerate(pieces):
            if i % 2:
                out += _WIDE_GAP if piece == "⋯" else _GAP
            elif piece:
                out += re.escape(piece)
        out = out.removeprefix(_GAP).removeprefix(_WIDE_GAP)
        out = out.removesuffix(_GAP).removesuffix(_WIDE_GAP)
        if out:
            parts.append(out)
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=3)
def concepts(kind: Kind) -> dict[str, Concept]:
    """The built-in concepts of one kind, from nlp/data/presets.json."""
    data = json.loads((DATA_DIR / "presets.json").read_text(encoding="utf-8"))[kind]
    out: dict[str, Concept] = {}
    for key, c in data.items():
        out[key] = Concept(
            key=key, kind=c.get("kind", "purpose"), names=tuple(c.get("names", ())),
            keys=tuple(c.get("keys", ())), exclude=tuple(c.get("exclude", ())),
            cues=tuple(c.get("cues", ())), blocked=tuple(c.get("not", ())),
            fallback=tuple(c.get("fallback", ())), generic=bool(c.get("generic", False)),
            reports=tuple(c.get("reports", ())), soft=bool(c.get("soft", False)),
        )
    return out


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Words that stand for a word of a tenant's own preset ('顾虑' → 担心 …)."""
    data = json.loads((DATA_DIR / "presets.json").read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in data.get("synonyms", {}).items()}


@lru_cache(maxsize=128)
def _concept_pattern(kind: Kind, key: str, reports: bool = False) -> re.Pattern[str] | None:
    c = concepts(kind)[key]
    return compile_cues(c.reports if reports else c.cues)


def overlaps_any(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < b and a < e for a, b in spans)


def _in_names(s: int, e: int, masked: list[tuple[int, int]]) -> bool:
    """Is a cue's first or last character inside a name ('冷链城市配送' holds no 配送 cue;
    the gap of '嫌…贵' may hold one: '嫌电磁灶太贵')?"""
    return any(a <= s < b or a < e <= b for a, b in masked)


_OVER = re.compile(r".{0,3}?(?:批下来了|下来了|通过了|批了|解决了|到位了|结束了|恢复了|取消了限制)")


# … or said to be no problem at all: '价格没问题', '预算这块都没问题' (in the same clause)
_FINE = re.compile(r"[^，,。；;！!？?\s]{0,3}?(?:都|也)?"
                   r"(?:没问题|没什么问题|没啥问题|不是问题|不成问题)")


def _over(text: str, e: int, said: str = "") -> bool:
    """A blocker said to be over: '并网审批下来了', '预算批下来了' (not '预算还没批下来'), or no
    problem: '价格没问题'."""
    if re.search(r"[没未不]", said):
        return False
    if _FINE.match(text, e):
        return True
    return _OVER.match(text, e) is not None and not re.match(r".{0,3}?[没未不]", text[e:e + 4])


def _affinity(concept: Concept, preset: str) -> int:
    """How well a preset name says this concept: its exact name, else the summed length
    of the concept's key words it holds; 0 when it holds an excluded word."""
    if preset in concept.names:
        return 100
    if any(w in preset for w in concept.exclude):
        return 0
    return sum(len(k) for k in concept.keys if k in preset)


class PresetMatcher:
    """One tenant's preset list of one kind, compiled for matching messages."""

    def __init__(self, presets: Sequence[str], kind: Kind,
                 tenant_cues: Mapping[str, Sequence[str]] | None = None,
                 learned: Mapping[str, Sequence[str]] | None = None) -> None:
        """`tenant_cues`: the admin's cue words (they replace the built-in cues of their
        preset); `learned`: phrases learned from a rep's corrections (they add to them)."""
        self.kind: Kind = kind
        self.presets = tuple(p for p in dict.fromkeys(presets) if p and p.strip())
        self.other = OTHER if OTHER in self.presets else None
        tenant_cues = tenant_cues or {}
        self._owned = {p for p in self.presets if tenant_cues.get(p)}
        # concept → the tenant's presets that say it, best first
        self.concept_presets: dict[str, list[str]] = {}
        self.concepts = concepts(kind)
        for key, concept in self.concepts.items():
            ranked = sorted(((_affinity(concept, p), -i, p) for i, p in enumerate(self.presets)
                             if p != OTHER and p not in self._owned), reverse=True)
            fits = [p for a, _i, p in ranked if a > 0]
            if fits:
                self.concept_presets[key] = fits
        self._direct = set(self.concept_presets)     # concepts tied by their own names
        for key, concept in self.concepts.items():
            if key not in self.concept_presets:
                for fb in concept.fallback:
                    if fb in self.concept_presets:
                        self.concept_presets[key] = self.concept_presets[fb]
                        break
        self.concept_preset = {k: v[0] for k, v in self.concept_presets.items()}
        self._tenant_cues = tenant_cues
        self._learned = learned or {}
        self._own: list[tuple[re.Pattern[str], str, list[str]]] | None = None

    def with_learned(self, learned: Mapping[str, Sequence[str]]) -> PresetMatcher:
        """This matcher plus phrases a rep's corrections taught (per preset)."""
        return PresetMatcher(self.presets, self.kind, self._tenant_cues, learned)

    @property
    def own(self) -> list[tuple[re.Pattern[str], str, list[str]]]:
        """Per preset: the tenant's cue words, its own name, and for a preset no concept
        covers its own words (built on first use: jieba splits the name)."""
        if self._own is None:
            tied = {p for v in self.concept_presets.values() for p in v}
            own: list[tuple[re.Pattern[str], str, list[str]]] = []
            for p in self.presets:
                if p == OTHER:
                    continue
                words = [w for w in (self._tenant_cues.get(p) or ()) if w and w.strip()]
                if p not in self._owned:
                    words.append(p)              # the preset's own name always counts
                if p not in self._owned and self.kind != "stages" and (
                        p not in tied or (self.kind == "obstacles" and len(own_words(p)) >= 2)):
                    words += own_cues(p, action=self.kind == "next_actions")
                    #                          a tied obstacle's own words say more
                elif p not in self._owned and self.kind == "next_actions":
                    words += action_head(p)  # a tied action's own rare action word
                    #                          ('招标未开始': tender_delay, and 未开始)
                words += [w for w in self._learned.get(p, ()) if w and w.strip()]
                pat = compile_cues(words)
                if pat is not None:
                    own.append((pat, p, words))
            self._own = own
        return self._own

    # ------------------------------------------------------------------ matching
    def hits(self, text: str, masked: Iterable[tuple[int, int]] = ()) -> list[Hit]:
        """Every cue in `text`, in text order (none inside a masked span: names)."""
        masked = list(masked)
        out: list[Hit] = []
        for pat, preset, _words in self.own:
            for m in pat.finditer(text):
                if not _in_names(m.start(), m.end(), masked) and not (
                        self.kind == "obstacles" and _over(text, m.end(), m.group(0))):
                    out.append(Hit(m.start(), m.end(), preset, None, "purpose"))
        for key, concept in self.concepts.items():
            fits = self.concept_presets.get(key, [])
            for reports in (False, True):
                cpat = _concept_pattern(self.kind, key, reports)
                if cpat is None:
                    continue
                kind = "report" if reports else concept.kind
                for m in cpat.finditer(text):
                    s, e = m.start(), m.end()
                    if _in_names(s, e, masked) or self._blocked(text, s, e, concept):
                        continue
                    if self.kind == "obstacles" and not m.group(0).startswith("等") \
                            and _over(text, e, m.group(0)):
                        continue
                    if concept.soft and not fits:
                        continue             # no preset for it: not worth a 其他
                    picked = self._pick(concept, fits, m.group(0),
                                        key in self._direct and self.kind == "next_actions")
                    out.append(Hit(s, e, picked, key, kind))
        # a built-in meaning yields to the tenant's own preset words said there ('出具报告'
        # is the tenant's 出具报告, not 报告 → 方案编制 or 其他), and one the tenant has no
        # preset for yields to any preset said there
        named = [h for h in out if h.preset is not None]
        own = [h for h in named if h.concept is None]
        out = [h for h in out
               if not any(n.start < h.end and h.start < n.end and n.preset != h.preset
                          for n in (named if h.preset is None else
                                    own if h.concept is not None else ()))]
        out.sort(key=lambda h: (h.start, -(h.end - h.start)))
        return out

    def preset_for(self, hit: Hit | None) -> str | None:
        """The preset a hit stands for: its own, else 其他 (None if the tenant has no 其他)."""
        if hit is None:
            return None
        return hit.preset or self.other

    def preset_of_concept(self, concept: str) -> str | None:
        return self.concept_preset.get(concept) or self.other

    def effective_cues(self) -> dict[str, list[str]]:
        """Per preset, the cue phrases that find it (for /管理 预设)."""
        out: dict[str, list[str]] = {p: [] for p in self.presets if p != OTHER}
        for key, fits in self.concept_presets.items():
            for preset in fits:
                if preset in out and preset not in self._owned:
                    out[preset].extend(c for c in self.concepts[key].cues
                                       if c not in out[preset])
        for _pat, preset, words in self.own:
            out[preset].extend(w for w in words if w not in out[preset])
        return out

    @staticmethod
    def _pick(concept: Concept, fits: list[str], said: str, direct: bool = True) -> str | None:
        """Among the presets of one concept, the one whose key word was said ('补贴还没下来'
        → 补贴未下来, not 资金紧张); else the best fit. A preset tied only by another key
        word does not take it ('发技术资料' is no 方案编制: 其他)."""
        if not fits:
            return None
        for p in fits:
            if any(k in said and k in p for k in concept.keys):
                return p
        best = fits[0]
        if direct and best not in concept.names and any(k in said for k in concept.keys):
            return None
        return best

    @staticmethod
    def _blocked(text: str, s: int, e: int, concept: Concept) -> bool:
        for phrase in concept.blocked:
            if phrase.startswith("+"):      # '+新号': must not follow the cue (总监换了|新号码)
                if text.startswith(phrase[1:], e):
                    return True
                continue
            i = text.find(phrase, max(0, s - len(phrase)))
            while i != -1 and i < e:
                if i <= s and e <= i + len(phrase):
                    return True
                i = text.find(phrase, i + 1)
        return False


_GENERIC_WORDS = frozenset((
    "作业", "工作", "服务", "跟进", "处理", "安排", "问题", "事项", "其他", "相关", "沟通", "联系",
    "客户", "项目", "推进", "确认", "完成", "进行", "未", "不", "没", "下来", "到位", "活动",
    "事宜", "情况", "方面",
))
_NEGATIONS = ("没有", "不", "未", "没", "无")
_DEGREE = ("太", "很", "偏", "较", "过于", "特别")
_ADJ = "高低长短慢快多少贵大小差"   # a preset ending in one of these says it is too much
_RARE = 100          # jieba frequency under which a word is specific enough to stand alone
# ways of saying a negated word of a preset ('未开始' → 还没开始, 没开始 …)
_NEGATED_FORMS = ("不", "没", "未", "没有", "还没", "还没有", "还未", "还不", "无")


def own_cues(preset: str, *, action: bool = False) -> list[str]:
    """Cues from a preset's own words: one word alone, else two of its words together in
    either order ('合同未到期' → '合同…没到期' …: never '合同' alone, which every deal says).
    A negated word keeps its negation in every form ('效果不达标' is not '效果达标'), and
    when a preset has one, every pair holds it. For a next action, a rare last word is the
    action itself and a cue alone too ('苗木看样' → 看样, '安全巡检' → 巡检)."""
    words = own_words(preset)
    head = action_head(preset, words) if action else []
    if len(words) >= 2:
        negated = [w for w in words if w.startswith(_NEGATIONS)]
        pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1:]
                 if not negated or a in negated or b in negated]
        out: list[str] = []
        for a, b in pairs:
            rest = preset[preset.find(b):] if b in preset else b
            for x in (*_forms(b), *synonyms().get(rest, ())):
                for y in _forms(a):
                    out += [f"{y}⋯{x}", f"{x}⋯{y}"]
        return list(dict.fromkeys([*out, *head]))
    if len(words) == 1 and words[0].startswith(_NEGATIONS):
        return list(_forms(words[0]))
    if not words and preset.startswith(_NEGATIONS) and len(preset) >= 3:
        return list(_forms(preset))          # '没有需求': never 需求 alone
    if not words and len(preset) >= 3 and preset[-2:] not in _GENERIC_WORDS:
        return [preset[-2:]]       # one word of jieba's ('量尺寸'): its object (尺寸)
    return words


def action_head(preset: str, words: list[str] | None = None) -> list[str]:
    """A next action's rare last word: the action itself ('苗木看样' → 看样)."""
    words = own_words(preset) if words is None else words
    if len(words) >= 2 and preset.endswith(words[-1]) and base_word_freq(words[-1]) < _RARE:
        return [words[-1]]
    return []


def _forms(word: str) -> tuple[str, ...]:
    """A word of a preset and what stands for it: its synonyms, a long compound's head
    (技术参数 → 参数), and for a negated word ('未开始') the other negations of the same
    word (没开始, 还没开始 …)."""
    out = [word, *synonyms().get(word, ())]
    neg = next((n for n in _NEGATIONS if word.startswith(n)), None)
    if neg is None and len(word) >= 4:
        out.append(word[-2:])              # a compound by its head: 技术参数 → 参数
    if neg is not None and len(word) > len(neg):
        body = word[len(neg):]
        out += [f"{n}{body}" for n in _NEGATED_FORMS]
    return tuple(dict.fromkeys(out))


def own_words(preset: str) -> list[str]:
    """Words of a preset no concept covers ('飞防作业' → 飞防), generic words ('作业',
    '跟进') left out: jieba words of two or more Han characters. A lone character joins the
    word it forms with the next one ('试|听课' → 试听) or the word before it when it ends the
    name ('确认|设计|稿' → 设计稿); lone characters in a row join up ('飞|防' → 飞防); a
    negation or a degree word stays with the word after it ('效果不达标' → 效果, 不达标;
    '交期太长' → 交期, 太长)."""
    if len(preset) <= 2:
        return []                            # the name itself is the cue
    if len(preset) >= 3 and preset[-1] in _ADJ and preset[-2] not in "太很偏较过不没未":
        head = preset[:-1]                   # 进店费高 → 进店费, 太高
        return [*(own_words(head) or [head]), "太" + preset[-1]]
    toks = [t for t in plain_words(preset) if t]
    if len(toks) == 1 and len(preset) == 4 and all(
            base_word_freq(h) > 0 for h in (preset[:2], preset[2:])):
        toks = [preset[:2], preset[2:]]      # one word of jieba's: 设计变更 → 设计, 变更
    words: list[str] = []
    run = ""
    pre = ""                                 # a negation or degree word before a word
    cut = 0                                  # characters of this token already taken
    for k, tok in enumerate(toks):
        w, cut = tok[cut:], 0
        if not w or (len(w) == 1 and len(tok) == 2 and w != tok):
            continue                         # what a join left over: 课 of 听课
        nxt = toks[k + 1] if k + 1 < len(toks) else ""
        if w in _NEGATIONS or w in _DEGREE:
            if len(run) >= 2:
                words.append(run)
            run, pre = "", w
            continue
        if pre:
            words.append(pre + w)
            pre = ""
            continue
        if len(w) == 1 and w not in _GENERIC_WORDS:
            if not run and len(nxt) >= 2 and base_word_freq(w + nxt[0]) > 0:
                words.append(w + nxt[0])     # 试|听课 → 试听 (课 is left over)
                cut = 1
                continue
            if not run and not nxt and words and words[-1] not in _GENERIC_WORDS:
                words[-1] += w               # 设计|稿 → 设计稿
                continue
            run += w                         # 飞|防 → 飞防, 并|网 → 并网
            continue
        if len(run) >= 2:
            words.append(run)
        run = ""
        words.append(w)
    if len(run) >= 2:
        words.append(run)
    return [w for w in dict.fromkeys(words)
            if len(w) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w)
            and w not in _GENERIC_WORDS and w != preset]
