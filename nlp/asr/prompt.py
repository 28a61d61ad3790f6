"""The recognition prompt: this rep's customer, contact and product names.

Whisper conditions on up to 223 prompt tokens; long prompts slow decoding and make the
model more willing to "hear" names that were never said, so the names are packed into a
smaller budget (``AsrConfig.prompt_token_budget``), alternating customers, contacts and
products so that no kind crowds the others out. The prompt is written in Simplified
Chinese, which also nudges Whisper away from Traditional characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

from nlp.phonetic import Affinity, catalog_entries
from nlp.types import Catalog


@dataclass(frozen=True, slots=True)
class VoiceHints:
    """What this rep is most likely to say, from the CRM (the bot fills it in).

    ``likely``: names for the prompt, most likely first (the rep's customers with recent
    follow-ups, their contacts, products of open deals and recent mentions); when empty,
    the prompt takes the catalog's names in order. ``affinity``: products each customer
    bought or was offered, for coherent snapping.
    """

    likely: tuple[str, ...] = ()
    affinity: Affinity = field(default_factory=Affinity)
    names_in_prompt: bool = True    # False: the base prompt only (to measure the prompt)
    preset_words: bool = False      # the tenant's preset words after the names (measured:
                                    # no gain on the voice dev set, so off)
    words: tuple[str, ...] = ()     # other words for the prompt (filled in from the catalog)
    echo_of: tuple[str, ...] = ()   # earlier prompts of this note (a second look's first):
                                    # a segment repeating one is no speech either

    def snap_affinity(self) -> Affinity:
        """`affinity` with the rep's likely names: snapping trusts a near match of a name
        from the rep's own book as it trusts a contact whose customer is named."""
        likely = frozenset(n for n in self.likely if n) | self.affinity.likely
        return Affinity(self.affinity.customer_products, likely)

BASE_PROMPT = "以下是普通话的销售跟进记录。"   # also without names: keeps Simplified,
                                            # punctuation, and the whole note decoded
PROMPT_HEAD = "以下是普通话的销售跟进记录，提到"
PROMPT_TAIL = "。"
WORDS_HEAD = "常用词："
SEPARATOR = "、"
WHISPER_PROMPT_LIMIT = 223   # n_text_ctx // 2 - 1
# a mobile number written out in Chinese numerals, doubled digits included: in the prompt of
# a note heard again for its number, Whisper writes each digit it hears (七七 stays two);
# a made-up number, never taken as heard (`nlp.asr.spoken.mend_mobile`)
PHONE_EXAMPLE = "手机幺三九零七七五五八八二"
PHONE_EXAMPLE_DIGITS = "13907755882"
_OPENING = BASE_PROMPT.removesuffix("。")     # 以下是普通话的销售跟进记录


def phone_prompt(prompt: str) -> str:
    """``prompt`` with `PHONE_EXAMPLE` after its opening words (``以下是普通话的销售跟进记录，
    手机幺三九…，提到A、B。``)."""
    if not prompt.startswith(_OPENING):
        return _OPENING + "，" + PHONE_EXAMPLE + "。" + prompt
    rest = prompt[len(_OPENING):]
    joined = rest if rest.startswith(("，", "。")) else "。" + rest
    return _OPENING + "，" + PHONE_EXAMPLE + joined

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """A safe upper bound without the tokenizer: Whisper's byte-level BPE spends at most
    one token per UTF-8 byte, and in practice about 1–2 per CJK character; count 2 per
    non-ASCII character and 1 per ASCII one, plus the leading space."""
    return 1 + sum(2 if ord(ch) > 127 else 1 for ch in text)


def prompt_vocabulary(catalog: Catalog | None, hints: VoiceHints | None) -> list[str]:
    """The names to offer Whisper: the rep's likely names first, else the catalog's."""
    if hints is not None and not hints.names_in_prompt:
        return []
    if hints is not None and hints.likely:
        return list(dict.fromkeys(n.strip() for n in hints.likely if n and n.strip()))
    return vocabulary_names(catalog)


def prompt_words(catalog: Catalog | None, hints: VoiceHints | None) -> list[str]:
    """Words after the names, only with a rep's likely names: ``hints.words`` and, when
    ``hints.preset_words``, the tenant's preset words (推进、合同、竞品 …). Measured on the
    voice dev set (114 notes): names only 44 same records and name recall 0.86, with the
    preset words 39 and 0.84, so the product leaves them out."""
    if hints is None or not hints.names_in_prompt or not hints.likely:
        return []
    words = list(hints.words)
    if hints.preset_words and catalog is not None:
        words += preset_words(catalog)
    return list(dict.fromkeys(w for w in words if w))


def preset_words(catalog: Catalog) -> list[str]:
    """The tenant's next actions, obstacles and stages as short words: four-character
    presets are two words (推进合同 → 推进、合同); 其他 is left out."""
    words: list[str] = []
    for w in (*catalog.next_actions, *catalog.obstacles, *catalog.stages):
        parts = [w[i:i + 2] for i in range(0, len(w), 2)] if len(w) == 4 else [w]
        words += [p for p in parts if p != "其他" and p not in words]
    return words


def spoken_contact(catalog: Catalog, name: str, customer: str) -> str:
    """How a contact is said: the first alias, else surname + title (邵社长, 钟总: the
    forms `nlp.phonetic.catalog_entries` knows), else the name."""
    forms = [e.text for e in catalog_entries(catalog)
             if e.kind == "contact" and e.canonical == name and e.customer == customer]
    return next((f for f in forms if f != name), name)


def _han(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def vocabulary_names(catalog: Catalog | None) -> list[str]:
    """The catalog's names as a rep says them, interleaved customer / contact / product,
    without duplicates: a customer by its first alias (绿源合作社, not 寿光绿源蔬菜专业合作社),
    a contact by alias or surname + title (邵社长, not 邵建国), a product by its name — as
    the rep's own likely names are given (`VoiceHints.likely`); shorter forms also leave
    room for more names in the prompt's budget."""
    if catalog is None:
        return []
    kinds: list[Sequence[str]] = [
        [c.aliases[0] if c.aliases else c.name for c in catalog.customers],
        [spoken_contact(catalog, k.name, k.customer) for k in catalog.contacts],
        [next((a for a in p.aliases if _han(a)), p.name) for p in catalog.products],
    ]
    out: list[str] = []
    seen: set[str] = set()
    for group in zip_longest(*kinds):
        for name in group:
            if name and name.strip() and name not in seen:
                seen.add(name)
                out.append(name.strip())
    return out


def build_prompt(
    names: Iterable[str],
    *,
    budget_tokens: int = 120,
    count_tokens: TokenCounter | None = None,
    words: Iterable[str] = (),
) -> str:
    """A short Simplified Chinese prompt naming as many of ``names`` (in order) as fit, then
    as many of ``words`` as still fit ("…提到A、B。常用词：推进、合同。").

    `BASE_PROMPT` when there are no names (without any prompt Whisper base drops
    punctuation, drifts into Traditional characters and may stop after one sentence).
    Never exceeds ``min(budget_tokens, 223)`` tokens as counted by ``count_tokens`` (the
    model's tokenizer; a safe estimate by default).
    """
    count = count_tokens or estimate_tokens
    budget = min(budget_tokens, WHISPER_PROMPT_LIMIT)
    picked: list[str] = []
    for name in names:
        name = name.strip()
        if not name or name in picked:
            continue
        candidate = PROMPT_HEAD + SEPARATOR.join([*picked, name]) + PROMPT_TAIL
        if count(candidate) > budget:
            continue   # a shorter name further on may still fit
        picked.append(name)
    if not picked:
        return BASE_PROMPT if count(BASE_PROMPT) <= budget else ""
    prompt = PROMPT_HEAD + SEPARATOR.join(picked) + PROMPT_TAIL
    extra: list[str] = []
    for word in words:
        word = word.strip()
        if not word or word in extra or word in picked:
            continue
        candidate = prompt + WORDS_HEAD + SEPARATOR.join([*extra, word]) + PROMPT_TAIL
        if count(candidate) > budget:
            continue
        extra.append(word)
    return prompt + (WORDS_HEAD + SEPARATOR.join(extra) + PROMPT_TAIL if extra else "")


def prompt_names(prompt: str) -> list[str]:
    """The names a prompt built by `build_prompt` mentions (not its common words)."""
    if not prompt.startswith(PROMPT_HEAD):
        return []
    body = prompt[len(PROMPT_HEAD):].split(PROMPT_TAIL, 1)[0]
    return [n for n in body.split(SEPARATOR) if n]
