"""Buttons beyond one card: typed labels work like taps, and no card the bot sends carries
more buttons than the platform it goes to can show.

After each message the bot remembers the buttons of its last card (all of them, before
paging) in the chat's focus row. Then:
- typing a button's label (「预设」「认领」「完成 #T7」) presses that button;
- a card with more buttons than the platform allows shows the first page plus [更多]
  (`card.more`), which pages through the remembered ones.
Dialog cards page their own choices (the engine); this catches every other card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot import texts
from bot.context import Context
from bot.messages import Button, ButtonPress, Card, Reply, Text, button_limit
from bot.render.paging import MORE, page_of
from crm_core.models import User
from crm_core.services import drafts as store
from crm_core.uow import UnitOfWork

MORE_ACTION = "card.more"


def _as_json(b: Button) -> dict[str, Any]:
    return {"label": b.label, "action": b.action, "args": dict(b.args), "style": b.style}


def _from_json(d: Mapping[str, Any]) -> Button:
    return Button(str(d.get("label") or ""), str(d.get("action") or ""),
                  {str(k): str(v) for k, v in dict(d.get("args") or {}).items()},
                  style=str(d.get("style") or "default"))


def _more(p: int) -> Button:
    return Button(MORE, MORE_ACTION, {"p": str(p)})


async def fit_and_remember(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """Page cards over the platform's limit; remember the last card's buttons."""
    limit = button_limit(ctx.chat.platform)
    out: list[Reply] = []
    for r in replies:
        if isinstance(r, Card) and r.buttons and len(r.buttons) > limit:
            r = replace(r, buttons=page_of(r.buttons, limit, 0, _more))
        out.append(r)
    latest = remembered(replies)
    if latest:
        focus = await current(ctx)
        if focus is None or list(focus.buttons) != latest:   # the engine may have stored them
            async with ctx.uow() as uow:
                await point(uow, ctx, focus.draft_id if focus else None, buttons=latest)
                await uow.commit()
    return out


def remembered(replies: Sequence[Reply | None]) -> list[dict[str, Any]]:
    """The buttons the chat remembers after these replies: every card's (all are live), one
    per label, the later winning; a page of [更多] is not remembered over its card's."""
    shown: list[Button] = []
    for r in replies:
        if isinstance(r, Card) and r.buttons and \
                not any(b.action == MORE_ACTION for b in r.buttons):
            shown.extend(r.buttons)
    return [_as_json(b) for b in {b.label: b for b in shown}.values()]


PREFETCHED = "focus.draft"       # ctx.memo: (draft id, the open draft or None) read with it


async def current(ctx: Context, uow: UnitOfWork | None = None, *,
                  with_draft: bool = False) -> store.Focus | None:
    """The chat's focus row, read once per message (`ctx.memo`; writes go through `point`);
    inside a unit of work pass it (SQLite has one connection: no second one to wait for).
    `with_draft`: the focused open draft is read in the same unit of work (typed text goes
    to it next: the engine takes it from `ctx.memo[PREFETCHED]`)."""
    if "focus" not in ctx.memo:
        if uow is not None:
            ctx.memo["focus"] = await store.get_focus(uow, ctx.chat.key)
        else:
            async with ctx.uow() as own:
                if with_draft:
                    await prefetch(ctx.memo, own, ctx.chat.key, ctx.user)
                else:
                    ctx.memo["focus"] = await store.get_focus(own, ctx.chat.key)
    focus: store.Focus | None = ctx.memo["focus"]
    return focus


async def prefetch(memo: dict[str, Any], uow: UnitOfWork, chat_key: str, user: User) -> None:
    """What `current(..., with_draft=True)` reads (the focus and its open draft, one
    statement), read into a message's memo."""
    found, draft = await store.get_focus_with_draft(uow, chat_key, user)
    _remember(memo, found, draft)


async def read_ahead(uow: UnitOfWork, chat_key: str, *,
                     named: tuple[int, list[str]] | None = None) -> tuple[Any, Any, Any]:
    """The chat's focus row and the draft it names, read with the cache versions (the first
    statement of a typed message's first unit of work: the user's); `remember` them once
    the user is known. With `named` (a rep's id, customer names): third, what
    `followups.customers_with_rows` reads for them, in the same statement."""
    return await store.versions_and_focus(uow, chat_key, named=named)


def remember(memo: dict[str, Any], user: User, read: tuple[Any, Any, Any]) -> None:
    """What `read_ahead` read, into the message's memo as `current(..., with_draft=True)`
    would have read it."""
    _remember(memo, *store.focus_and_draft(read[0], read[1], user))


def _remember(memo: dict[str, Any], found: store.Focus | None, draft: Any) -> None:
    if found is not None and found.draft_id is not None:
        memo[PREFETCHED] = (found.draft_id, draft)
    memo["focus"] = found


async def point(uow: UnitOfWork, ctx: Context, draft_id: int | None, dialog: str = "", *,
                buttons: list[dict[str, Any]] | None = None) -> None:
    """Point the chat at a draft (and remember buttons) inside `uow`; the memo follows."""
    ctx.memo["focus"] = await store.set_focus(uow, ctx.chat.key, ctx.user, draft_id,
                                              dialog=dialog, buttons=buttons,
                                              known=ctx.memo.get("focus"))
    ctx.memo.pop("focused", None)
    ctx.memo.pop(PREFETCHED, None)


def buttons_json(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    return [_as_json(b) for b in buttons]


async def _remembered(ctx: Context) -> tuple[Button, ...]:
    focus = await current(ctx, with_draft=True)
    if focus is None or focus.updated_at + ctx.bot.dialog_ttl < ctx.now:
        return ()
    return tuple(_from_json(b) for b in focus.buttons)


async def more_buttons(ctx: Context, args: Mapping[str, str]) -> list[Reply]:
    """[更多]: the next page of the last card's buttons."""
    buttons = [b for b in await _remembered(ctx) if b.action != MORE_ACTION]
    if not buttons:
        return [Text(texts.CARD_EXPIRED)]
    page = int(args.get("p") or 0) if str(args.get("p") or "0").isdecimal() else 0
    shown = page_of(buttons, button_limit(ctx.chat.platform), page, _more)
    return [Card("更多选项", body="点选，或直接回复按钮上的字。", buttons=shown)]


async def typed_button(ctx: Context, text: str) -> ButtonPress | None:
    """The remembered button whose label is exactly what was typed."""
    word = text.strip()
    if not word or len(word) > 30:
        return None
    for b in await _remembered(ctx):
        if b.action != MORE_ACTION and b.label.strip() == word:
            return ButtonPress(b.action, b.args)
    return None
