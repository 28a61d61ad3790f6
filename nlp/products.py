"""Products a message names that the catalog does not hold: "需要变频器和减速机",
"一批新的伺服电机" (the whole-word tail, by jieba), "对注塑机有需求" — kept as written."""

from __future__ import annotations

import re

from nlp.names import Mention
from nlp.orgs import OrgSpan
from nlp.pinyin import is_han
from nlp.resolve import CatalogIndex

__all__ = ["unknown_products"]

_PRODUCT_TRIGGER = re.compile(
    r"(?:需要|想要|想了解|了解一下|了解|关注|要看|想看一下|想看|想试用|要一套|想上|要上|主要用|用我们的|"
    r"采购(?!科|部|处|员|经理|主任|负责人|量|流程)|"
    r"对(?=[^，,。]{1,12}(?:有需求|感兴趣|有兴趣|有意向)))"
)
_PRODUCT_LIKE = re.compile(
    r"(?:机器人|系统|设备|耗材|导管|支架|关节|螺钉|机|器|仪|钉|(?<!老)板|架|剂|材|泵|阀|镜|片|膜|刀|针)$"
)
_NOT_A_PRODUCT = re.compile(r"[说的了要在是他她我们你跟给把被让有没还也就都很再去来过]")
_FILLER = re.compile(
    r"^(?:一下|一套|一些|一台|两台|几台|那个|这个|这款|我们的|咱们的|的|些|点|下)+")
_SPLIT_ITEMS = re.compile(r"和|、|及|以及|跟|与|,|，|/|还有")
_PUNCT_END = re.compile(
    r"[，,。；;！!？?\n]|(?:有需求|的需求|我们没有|他们|目前|方向|感兴趣|有兴趣|有意向|比较|很|挺|非常)"
)


def _product_ok(it: str) -> bool:
    return 2 <= len(it) <= 10 and not _NOT_A_PRODUCT.search(it) and \
        bool(_PRODUCT_LIKE.search(it)) and \
        all(is_han(c) or (c.isascii() and (c.isalnum() or c in "-")) for c in it)


def _tail_ok(it: str) -> bool:
    """A product name cut from behind filler words: 3+ characters, not a filler itself."""
    return len(it) >= 3 and _product_ok(it) and not _FILLER.match(it)


def unknown_products(text: str, known: list[Mention], orgs: list[OrgSpan],
                      index: CatalogIndex | None = None) -> list[str]:
    out: list[str] = []
    for m in _PRODUCT_TRIGGER.finditer(text):
        start = m.end()
        em = _PUNCT_END.search(text, start)
        end = em.start() if em else len(text)
        phrase = text[start:end]
        if not phrase:
            continue
        pos = start
        for item in _SPLIT_ITEMS.split(phrase):
            item_start = text.find(item, pos)
            pos = item_start + len(item) if item_start >= 0 else pos
            it = _FILLER.sub("", item.strip())
            if not it or len(it) < 2 or len(it) > 12:
                continue
            if any(k.start < item_start + len(item) and item_start < k.end for k in known):
                continue
            if any(o.start <= item_start < o.end for o in orgs):
                continue
            if not all(is_han(c) or (c.isascii() and (c.isalnum() or c in "-")) for c in it):
                continue
            if (len(it) > 10 or _NOT_A_PRODUCT.search(it)) and index is not None and \
                    len(it) <= 24 and _PRODUCT_LIKE.search(it):
                # '一批新的伺服电机': the product is the whole-word tail (jieba boundaries)
                tail = index.product_tail(it, _tail_ok)
                if tail is not None:
                    out.append(tail)
                continue
            if len(it) > 10 or _NOT_A_PRODUCT.search(it):
                continue
            if _PRODUCT_LIKE.search(it):
                out.append(it)
    return out

