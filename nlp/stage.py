"""Stage updates: the tenant's stages by meaning ('已经到商务谈判这步了' → 合同谈判, '才刚接触'
→ 初步接触), a verb of moving before a stage or 阶段 after it, and deal outcomes (签了 → the
won stage, 丢了 / 黄了 → the lost one; a tenant's 中标 / 已签约 is its won stage, 未中标 / 丢单 its
lost one)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.presets import PresetMatcher

__all__ = ["detect_stage", "stage_from_outcome"]

_STAGE_VERB = re.compile(
    r"(?:改成|改为|改到|改回|退回|回到|设成|设为|设置为|标成|标为|标记为?|记为|记成|更新为|更新成|更新到|调到|"
    r"调成|调整为|调整到|进入|进到|走到|推进到|推到|进展到|发展到|变成|变为|转为|转到|到了|到|→|->|=>|"
    r"置为|置成|挪到|阶段[:：])\s*$"
)
_AFTER_MENTION = ("阶段", "了", "啦", "这步", "这一步", "这个阶段")
# a two-character stage is often an activity too ('给宁总监演示了'): 了 alone is not enough
_AFTER_SHORT = ("阶段", "这步", "这一步", "这个阶段")
_ALONE_BEFORE = re.compile(r"(?:^|[，,。；;！!\s])$")
_ALONE_AFTER = re.compile(r"[！!。.~～\s]*(?:$|[\U0001F300-\U0001FAFF\u2600-\u27BF])")
_OLD_STAGE = re.compile(r"(?:原来是|之前是|以前是|从)\s*$")
_STAGE_CHANGE = re.compile(r"阶段|改成|改为|设成|标成|标记|更新|调到|进入|→|->")
_WIN = re.compile(
    r"赢了|赢单|(?:合同|单子|这单|那单)(?:已经)?签了|成交了|拿下了|中标了|标中了|中了标|签下来了|"
    r"签约了|签了约|成单了")
# a win that needs no deal word around it ('天宇光伏签约了🎉')
_WIN_SELF = re.compile(r"赢单|成交了|中标了|标中了|中了标|签约了|签了约|成单了|签下来了")
# which of the tenant's stages is the won one and which the lost one, by its name
_LOST_NAME = re.compile(r"输|丢|[未没]中标|落标|失败|流失|关闭|放弃")
_WON_NAME = re.compile(r"赢|成交|中标|签约|签单|成单|已签")
_LOSE = re.compile(
    r"丢了|输了|输单|没拿下|丢单|丢标|黄了|落标|没中标|标没中|(?:竞品|别家|对手|友商).{0,4}中标")
_PLANNED = re.compile(r"要|得|准备|争取|打算|计划|会|把")
_DEAL = re.compile(r"单|项目|标|合同")


def detect_stage(text: str, matcher: PresetMatcher,
                 masked: Sequence[tuple[int, int]] = ()) -> tuple[bool, str | None]:
    """(is a stage update, the new stage)."""
    hits = [h for h in matcher.hits(text, masked) if h.preset is not None]
    if not hits:
        return False, None
    for h in hits:
        if h.kind == "report" and not _OLD_STAGE.search(text[max(0, h.start - 4): h.start]):
            return True, h.preset
    for h in hits:
        if _STAGE_VERB.search(text[max(0, h.start - 6): h.start]):
            return True, h.preset
    for h in hits:
        after = _AFTER_MENTION if h.end - h.start >= 3 else _AFTER_SHORT
        if text.startswith(after, h.end) and \
                not _OLD_STAGE.search(text[max(0, h.start - 4): h.start]):
            return True, h.preset
    for h in hits:               # a stage said as a clause of its own: '…续签了，成交'
        if _ALONE_BEFORE.search(text[max(0, h.start - 2): h.start]) and \
                _ALONE_AFTER.match(text, h.end):
            return True, h.preset
    if _STAGE_CHANGE.search(text):
        return True, hits[-1].preset
    return False, None


def stage_from_outcome(text: str, stages: Sequence[str]) -> str | None:
    """The won / lost stage when the deal's outcome is reported ('合同签了', '这单黄了');
    not for an outcome still to come ('国庆前要把合同签了')."""
    lose = [s for s in stages if _LOST_NAME.search(s)]
    win = [s for s in stages if _WON_NAME.search(s) and s not in lose]
    self_said = _WIN_SELF.search(text)
    if not _DEAL.search(text) and self_said is None:
        return None
    if _LOSE.search(text) and lose:
        return lose[0]
    m = self_said or _WIN.search(text)
    if m and win and not _PLANNED.search(_clause_before(text, m.start())):
        return win[0]
    return None


def _clause_before(text: str, pos: int) -> str:
    start = max(text.rfind(p, 0, pos) for p in "，,。；;！!？? ") + 1
    return text[start:pos]
