"""/草稿: the notes not confirmed yet (and ones expired this week); continue or drop one."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.registry import command
from bot.context import Context
from bot.dialogs import engine
from bot.messages import Button, Card, Reply, Text
from bot.refs import number_of
from bot.render.format import clip, short_dt
from bot.render.paging import NEXT_PAGE, window
from crm_core.models.drafts import DRAFT_STATUS_LABELS
from crm_core.services import drafts as store

PAGE = 8
DROP_WORDS = ("丢弃", "删除", "drop")


@command("草稿", aliases=("drafts", "cg"), button="draft.list", group="常用",
         usage="/草稿 [#R编号 | 丢弃 #R编号]", text=("text",))
async def list_drafts(ctx: Context, text: str | None = None,
                     page: str | None = None) -> list[Reply]:
    """没保存的草稿：/草稿 看列表，/草稿 #R3 继续，/草稿 丢弃 #R3"""
    arg = (text or "").strip()
    for word in DROP_WORDS:
        if arg.startswith(word):
            return await engine.drop(ctx, _number(arg[len(word):]))
    if arg:
        return await engine.resume(ctx, _number(arg))
    since = ctx.now - timedelta(days=7)
    async with ctx.uow() as uow:
        _, total = await store.user_drafts(uow, ctx.user_id, statuses=("open", "expired"),
                                           since=since, limit=1)
        win = window(page, total, PAGE)
        rows, total = await store.user_drafts(uow, ctx.user_id, statuses=("open", "expired"),
                                              since=since, limit=PAGE, offset=win.offset)
    if not total:
        return [Text("没有未保存的草稿。")]
    tz = ctx.bot.clock.tz
    lines = []
    for d in rows:
        title = engine.DIALOGS[d.dialog].title if d.dialog in engine.DIALOGS else "草稿"
        state = "" if d.status == "open" else f"（{DRAFT_STATUS_LABELS[d.status]}）"
        lines.append(f"#R{d.id} {title}{state} · {clip(d.summary, 24)} · "
                     f"{short_dt(d.updated_at, tz)}")
    buttons = [Button(f"继续 #R{d.id}", "draft.show", {"draft_id": str(d.id)})
               for d in rows[:4]]
    if win.has_next:
        buttons.append(Button(NEXT_PAGE, "draft.list", {"page": str(win.offset // PAGE + 2)}))
    return [Card(win.heading("草稿"), body="\n".join(lines)
                 + "\n发「/草稿 #R编号」继续，「/草稿 丢弃 #R编号」丢弃。",
                 buttons=tuple(buttons))]


def _number(text: str) -> int:
    return number_of(text, "draft")


@command("继续草稿", aliases=("draft_show",), button="draft.show", group="常用", hidden=True)
async def show_draft(ctx: Context, draft_id: int) -> list[Reply]:
    """继续一条草稿：/继续草稿 #R3"""
    return await engine.resume(ctx, draft_id)


@command("丢弃草稿", aliases=("draft_drop",), button="draft.drop", group="常用", hidden=True)
async def drop_draft(ctx: Context, draft_id: int) -> list[Reply]:
    """丢弃一条草稿：/丢弃草稿 #R3"""
    return await engine.drop(ctx, draft_id)
