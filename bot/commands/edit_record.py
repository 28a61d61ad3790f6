"""/改: correct a saved follow-up (#F…) or go back to a draft (#R…); without a number, the
last saved note. What follows the number is read as the correction (「/改 #F12 时间改成周四」)."""

from __future__ import annotations

from bot import refs
from bot.commands.registry import command
from bot.commands.undo_record import KINDS
from bot.context import Context
from bot.dialogs import engine, followup
from bot.messages import Reply, Text
from bot.refs import parse
from crm_core.services import drafts as store


@command("改", aliases=("edit", "更正", "修改记录"), button="record.edit", group="常用",
         usage="/改 [#F编号|#R编号] [改成什么]", text=("text",), typed=False)
async def edit_record(ctx: Context, text: str | None = None,
                      followup_id: str | None = None) -> list[Reply]:
    """修改已保存的跟进：/改 #F12（不带编号则改刚保存的那条）"""
    if followup_id and followup_id.isdecimal():
        return await followup.start_edit(ctx, int(followup_id))
    head, _, rest = (text or "").strip().partition(" ")
    ref = parse(head) if head else None
    if head and ref is None:
        rest, ref = (text or "").strip(), None
    if ref is not None and ref.kind == "draft":
        return await engine.resume(ctx, ref.number)
    if ref is not None and ref.kind not in (None, "followup"):
        label = refs.LABELS[ref.kind]
        return [Text(f"{refs.PREFIXES[ref.kind]}{ref.number} 是{label}编号；/改 用于跟进（#F）"
                     f"和草稿（#R），如「/改 #F12」。")]
    if ref is not None:
        return await followup.start_edit(ctx, ref.number, rest.strip() or None)
    async with ctx.uow() as uow:
        last = await store.last_saved(uow, ctx.user, KINDS)
    if last is None or last.record_id is None:
        return [Text("没有可以修改的记录。用法：/改 #F编号，跟进编号在保存后的卡片上。")]
    return await followup.start_edit(ctx, last.record_id, rest.strip() or None)
