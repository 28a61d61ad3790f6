"""/管理 说法 (issue 13): the words the team learned from reps' corrections (an admin approves
or removes them) and each preset's cue words (edited with a preview of the recent notes that
would read differently). A section of the admin dialog (`bot.dialogs.admin`): the answer is
read here into a proposal, which the dialog previews and applies."""

from __future__ import annotations

from bot.context import Context
from bot.presets_preview import preview_cue_words
from bot.render.format import clip
from crm_core.errors import InvalidInput
from crm_core.models import LearnedAlias
from crm_core.services import admin as svc
from crm_core.services import catalog as catalog_service
from crm_core.services import learning
from crm_core.uow import UnitOfWork

SECTION = ("说法", [("批准学到的说法", "words.approve"), ("删除学到的说法", "words.remove"),
                   ("下一步的说法", "words.next_actions"), ("障碍的说法", "words.obstacles")])
PROMPTS: dict[str, str] = {
    "words.approve": "回复要批准（全团队生效）的编号，可多个，如「12 15」",
    "words.remove": "回复要删除的编号，可多个，如「12」（删除后不会再学回来）",
    "words.next_actions": ("回复：预设：说法、说法…，如「上门拜访：走访、跑一趟」\n"
                           "这些说法代替默认的；只写「上门拜访：」恢复默认"),
    "words.obstacles": ("回复：预设：说法、说法…，如「价格太高：嫌贵、砍价」\n"
                        "这些说法代替默认的；只写「价格太高：」恢复默认"),
}
KIND_LABELS = {"customer": "客户", "contact": "联系人", "product": "产品",
               "next_action": "下一步", "obstacle": "障碍"}
ALIAS_KINDS = ("words.approve", "words.remove")
MAX_LISTED = 200
PREVIEW_LINES = 5


def handles(kind: str) -> bool:
    """Is this proposal one of learned words (applied here, not by the config service)?"""
    return kind in ALIAS_KINDS


async def section_lines(uow: UnitOfWork, ctx: Context) -> list[str]:
    """The learned words (pending first, numbered by id) and the cue words admins have set
    (the admin dialog pages them)."""
    rows = await learning.list_aliases(uow, ctx.user, limit=MAX_LISTED)
    lines = [_line(r) for r in rows] or ["还没有学到的说法。"]
    for kind, label in (("next_actions", "下一步"), ("obstacles", "障碍")):
        table = await catalog_service.get_config(uow, catalog_service.CUE_KEYS[kind], {}) or {}
        for preset, words in table.items():
            lines.append(f"{label}「{preset}」的说法：{'、'.join(words)}")
    return lines


def _line(r: LearnedAlias) -> str:
    who = "全团队" if r.owner_id == learning.TEAM else "个人"
    state = "待批准" if r.status == "pending" else who
    return (f"{r.id}. {clip(r.phrase, 12)} → {clip(r.target, 14)}"
            f"（{KIND_LABELS.get(r.kind, r.kind)}·{state}）")


async def parse(uow: UnitOfWork, ctx: Context, action: str, text: str
                ) -> tuple[svc.Proposal, str]:
    """(the proposal, what it changes in words)."""
    if action in ALIAS_KINDS:
        return await _alias_proposal(uow, ctx, action, text), ""
    kind = action.removeprefix("words.")
    preset, sep, rest = text.strip().replace("：", ":").partition(":")
    preset = preset.strip()
    if not sep or not preset:
        raise InvalidInput("bad cue answer", PROMPTS.get(action, "请按提示回复。"))
    words = [w for w in _split(rest) if w]
    key, table, problems = await catalog_service.cue_table_with(uow, kind, preset, words)
    if problems:
        raise InvalidInput("bad cue words", "；".join(problems))
    shown = "、".join(words) if words else "恢复默认"
    proposal = await svc.propose(uow, ctx.user, "config", key, table,
                                 f"{svc.CONFIG_KEYS[key]}「{preset}」→ {shown}")
    changes = await preview_cue_words(uow, ctx.bot.catalog, kind, preset, words)
    if not changes:
        return proposal, "最近的跟进里没有会因此改变的。"
    lines = [f"最近的跟进里有 {len(changes)} 条会改变："]
    lines += [f"· {clip(c.text, 18)}：{c.before or '—'} → {c.after or '—'}"
              for c in changes[:PREVIEW_LINES]]
    return proposal, "\n".join(lines)


async def _alias_proposal(uow: UnitOfWork, ctx: Context, action: str,
                          text: str) -> svc.Proposal:
    ids = [int(w) for w in _split(text) if w.isdigit()]
    if not ids:
        raise InvalidInput("no alias ids", PROMPTS[action])
    rows = {r.id: r for r in await learning.list_aliases(uow, ctx.user, limit=1000)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise InvalidInput("unknown alias ids",
                           f"没有编号 {'、'.join(map(str, missing))} 的说法，请看列表里的编号。")
    verb = "批准" if action == "words.approve" else "删除"
    shown = "；".join(f"{rows[i].phrase} → {rows[i].target}" for i in dict.fromkeys(ids))
    return svc.Proposal(action, ",".join(map(str, dict.fromkeys(ids))),
                        f"{verb}说法：{clip(shown, 80)}", None, list(dict.fromkeys(ids)))


async def apply(uow: UnitOfWork, ctx: Context, proposal: svc.Proposal) -> str:
    """Approve or remove the learned words of the proposal (each audited by the service)."""
    ids = [int(i) for i in proposal.after or []]
    for i in ids:
        if proposal.kind == "words.approve":
            await learning.approve_alias(uow, ctx.user, i)
        else:
            await learning.remove_alias(uow, ctx.user, i)
    verb = "已批准，全团队生效" if proposal.kind == "words.approve" else "已删除"
    return f"✅ {verb}：{proposal.summary.partition('：')[2]}"


def _split(text: str) -> list[str]:
    return [w.strip() for w in text.replace("，", "、").replace(",", "、").replace("；", "、")
            .replace(" ", "、").split("、")]
