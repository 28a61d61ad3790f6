"""What a correction teaches: the rep's own words for the value the bot got wrong.

`learnable_phrase` re-reads the message the card came from and finds the words that stood
for the corrected field: the span the bot read as the customer ('鼓楼' filed under 省人医,
corrected to 南京市鼓楼医院), the person it read as the contact ('老周'), an unknown product
word, the words of the step or blocker that fell to 其他. Nothing is learned when no such
words can be found (a correction from a name the message never says teaches nothing), or
when they are too short or too generic to recognise again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from nlp.pipeline.doc import Doc, normalise
from nlp.pipeline.entities import Entities, find_entities
from nlp.pipeline.signals import classify
from nlp.pipeline.times import read_times
from nlp.resolve import CatalogIndex, derived_aliases

__all__ = ["learnable_phrase"]

_EDGE = " ，,。.；;：:！!？?、的了和跟与呢吧啊嗯"
_MAX = 10


def learnable_phrase(index: CatalogIndex, tz: timezone | ZoneInfo, text: str, now: datetime,
                     field: str, old: object, new: object) -> str | None:
    """The words of `text` a correction of `field` from `old` to `new` teaches, or None."""
    doc = normalise(text, now, tz, index.holidays)
    if not doc.text.strip() or not new:
        return None
    ents = find_entities(doc, index)
    if field == "customer":
        return _new_to(_customer_words(doc, ents, index, str(new)),
                       _customer_forms(index, str(new)))
    if field == "contact":
        return _new_to(_contact_words(doc, ents, index, str(new)),
                       {f for k in index.catalog.contacts if k.name == str(new)
                        for f in (k.name, *k.aliases)})
    if field == "products":
        return _product_words(ents, index, old, new)
    if field in ("next_action", "obstacle"):
        times = read_times(doc, ents, index.actions)
        sig = classify(doc, ents, times, index)
        words = sig.step.words if field == "next_action" and sig.step else sig.obstacle_words
        return _trim(_without_names(doc, ents, words or ""))
    return None


def _new_to(phrase: str | None, known: set[str]) -> str | None:
    """A phrase the catalog already reads as the corrected value teaches nothing ('王主任',
    resolved once the customer was fixed, is the contact's own alias)."""
    return None if phrase is None or phrase in known else phrase


def _customer_forms(index: CatalogIndex, name: str) -> set[str]:
    for c in index.catalog.customers:
        if c.name == name:
            return {c.name, *c.aliases, *derived_aliases(c.name, c.region, c.aliases)}
    return set()


def _customer_words(doc: Doc, ents: Entities, index: CatalogIndex, new: str) -> str | None:
    if ents.customer_span is not None:
        said = doc.text[ents.customer_span[0]: ents.customer_span[1]]
        return _trim(said) if said != new else None
    forms = [new, *next((c.aliases for c in index.catalog.customers if c.name == new), ())]
    return _trim(max((_common(doc.text, f) for f in forms), key=len, default=""))


def _contact_words(doc: Doc, ents: Entities, index: CatalogIndex, new: str) -> str | None:
    book = index.contacts
    spans = [(s, e) for s, e, _k in book.strings_in(doc.text)]
    spans += [(m.start, m.end) for m in book.mentions(doc.text, doc.protected)]
    cs = ents.customer_span
    spans = sorted(sp for sp in spans if cs is None or not cs[0] <= sp[0] < cs[1])
    if spans:
        said = doc.text[spans[0][0]: spans[0][1]]
        return _trim(said) if said != new else None
    return _trim(_common(doc.text, new)) if len(new) >= 3 else None


def _product_words(ents: Entities, index: CatalogIndex, old: object,
                   new: object) -> str | None:
    known = {p.name for p in index.catalog.products}
    old_l, new_l = _as_list(old), _as_list(new)
    added = [p for p in new_l if p not in old_l and p in known]
    unknown = [p for p in ents.products if p not in known]
    if len(added) == 1 and len(unknown) == 1:
        return _trim(unknown[0])
    return None


def _without_names(doc: Doc, ents: Entities, words: str) -> str:
    """The step's words with the names and times in them cut out."""
    start = doc.text.find(words)
    if start < 0:
        return words
    keep = [True] * len(words)
    for a, b in (*ents.masked, *doc.protected):
        for i in range(max(a, start), min(b, start + len(words))):
            keep[i - start] = False
    out = "".join(c if k else " " for c, k in zip(words, keep, strict=True))
    parts = [p for p in re.split(r"\s+", out) if p.strip(_EDGE)]
    return max(parts, key=len, default="")


def _common(text: str, name: str) -> str:
    """The longest run of two or more characters `text` and `name` share."""
    best = ""
    for i in range(len(name)):
        for j in range(i + 2, len(name) + 1):
            if j - i > len(best) and name[i:j] in text:
                best = name[i:j]
    return best


def _trim(words: str) -> str | None:
    words = words.strip(_EDGE)
    if len(words) < 2 or len(words) > _MAX or words.isdigit():
        return None
    return words


def _as_list(v: object) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, Sequence):
        return [str(x) for x in v]
    return []
