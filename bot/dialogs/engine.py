"""The dialog engine: runs the declarations of `bot.dialogs.declare` (read that first).

One engine owns, for every dialog:
- **state**: the typed draft in a `Draft` row; each step is a compare-and-set on its version;
- **asking**: the first missing slot, as text or as buttons paged to the platform's limit;
- **cancel** (「取消」 or the button), **edit** (「修改」 or the button → which field → the
  question again), **confirm** (「确认」 or the button; saved exactly once: the draft is closed
  by a conditional UPDATE in the same transaction as the records it creates);
- **expiry**: an unanswered question lapses after `dialog_ttl_minutes` (a kept draft stays
  in /草稿 until it expires after `draft_ttl_hours`, reminded once before);
- **stale cards**: every dialog button carries its draft (`d`) and version (`v`); a button
  of an older card, a closed draft or someone else's draft is refused with a clear answer;
- **drafts never dropped**: a new note while a kept draft waits asks
  [保存上一条] [丢弃上一条] [一起处理] and keeps both until the rep chooses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot import texts
from bot.context import Context
from bot.dialogs import focus as chat_focus
from bot.dialogs.declare import (
    PASS,
    Answer,
    Choice,
    Dialog,
    Finish,
    Saved,
    Slot,
    Turn,
    from_json,
    to_json,
)
from bot.messages import Button, Card, Reply, Text, button_limit
from bot.render.paging import MORE, page_of
from crm_core.errors import CrmError, NotFound
from crm_core.models import Draft
from crm_core.services import drafts as store

log = logging.getLogger(__name__)

DIALOGS: dict[str, Dialog[Any]] = {}
CONFIRM_WORDS = frozenset({"确认", "确定", "好", "好的", "对", "没问题", "保存", "ok", "是",
                           "确认保存", "可以"})
EDIT_WORDS = frozenset({"修改", "改", "改一下", "编辑"})
EDIT = "edit"          # the step in which the edit menu is shown
ASK = "ask"
CONFIRM = "confirm"
STALE = "这张卡片已更新，请用最新的这张："


def register(dialog: Dialog[Any]) -> Dialog[Any]:
    if dialog.name in DIALOGS and DIALOGS[dialog.name] is not dialog:
        raise ValueError(f"duplicate dialog {dialog.name}")
    DIALOGS[dialog.name] = dialog
    return dialog


def op_button(turn: Turn, label: str, op: str, version: int, style: str = "default",
              **args: str) -> Button:
    """A button of the current step of `turn`'s draft (refused once the draft moves on)."""
    return Button(label, f"dlg.{turn.dialog}.{op}",
                  {"d": str(turn.draft_id), "v": str(version), **args}, style=style)


def _norm(text: str) -> str:
    return text.strip().rstrip("。！!.~～ ").lower()


# --- entry points --------------------------------------------------------------------------

async def start(ctx: Context, dialog: Dialog[Any], draft: Any, *,
                notes: Sequence[Reply] = ()) -> list[Reply]:
    """Create the draft, focus the chat on it, and ask / show the card — one transaction."""
    prev = await _focused(ctx)
    expires = ctx.now + timedelta(hours=ctx.settings.draft_ttl_hours) if dialog.kept else None
    turn = Turn(ctx, 0, dialog.name, notes=list(notes))
    step = await plan(turn, dialog, draft)              # reads only; nothing written yet
    async with ctx.uow() as uow:
        if prev is not None and not prev.kept:
            await store.close_draft(uow, prev, "dropped")    # a menu left half-way
        row = await store.create_draft(uow, ctx.user, ctx.chat.key, dialog.name,
                                       to_json(draft), step or {}, kept=dialog.kept,
                                       summary=dialog.summary(draft), expires_at=expires)
        assert row.id is not None
        turn.draft_id = row.id
        reply = await render_step(turn, dialog, row, draft) if step is not None else None
        # a kept draft already waits: the answer starts with the question about it, and the
        # chat remembers all of the answer's buttons in this same write
        # (focus.fit_and_remember then finds them stored)
        ask = await _ask_about(ctx, prev) if prev is not None and prev.kept and dialog.kept \
            else None
        if ask is not None and reply is not None:
            buttons = chat_focus.remembered([ask, *turn.notes, reply]) or None
        else:
            buttons = chat_focus.buttons_json(reply.buttons) if isinstance(reply, Card) \
                else None
        await chat_focus.point(uow, ctx, row.id, dialog.name, buttons=buttons)
        await uow.commit()
    if reply is None:                                   # nothing to ask or confirm: save
        out = await _save(turn, dialog, row, draft, row.version)
    else:
        out, turn.notes = [*turn.notes, reply], []
    return [ask, *out] if ask is not None else out


async def handle_text(ctx: Context, text: str) -> list[Reply] | None:
    """Typed text for the focused draft; None when no dialog takes it."""
    found = await _focused_dialog(ctx)
    if found is None:
        return None
    row, dialog = found
    draft = from_json(dialog.draft, row.data)
    step = dict(row.step or {})
    turn = Turn(ctx, row.id or 0, dialog.name, editing=step.get("editing"))
    word = _norm(text)
    mode = step.get("mode")
    if word in EDIT_WORDS and (dialog.confirm is not None or mode == CONFIRM):
        return await _edit_menu(turn, dialog, row, draft)
    if mode == CONFIRM and word in CONFIRM_WORDS:
        return await _confirm(turn, dialog, row, draft, row.version)
    answer: Answer
    slot = dialog.slot(step.get("asking") or "") if mode == ASK else None
    choices = [Choice(c["label"], c["value"]) for c in step.get("choices") or []]
    picked = _typed_choice(text, choices)
    if mode == EDIT:
        target = next((s for s in dialog.slots if s.editable and _norm(s.label) == word), None)
        if target is not None:
            return await _ask_slot(turn, dialog, row, draft, target, editing=True)
    if slot is not None and picked is not None:
        answer = await _pick(turn, slot, draft, picked.value)
    elif slot is not None and slot.read is not None:
        answer = await slot.read(turn, draft, text)
    elif slot is not None:
        answer = "请点选上面的按钮，或发「取消」。"
    elif dialog.understand is not None:
        answer = await dialog.understand(turn, draft, text)
    else:
        answer = "请点选上面的按钮，或发「取消」。"
    if answer is PASS:                   # not an answer: the text is a new message
        if not dialog.kept:
            async with ctx.uow() as uow:
                await store.close_draft(uow, row, "dropped")
                await chat_focus.point(uow, ctx, None)
                await uow.commit()
        return None
    return await _after(turn, dialog, row, draft, answer)


async def handle_button(ctx: Context, action: str, args: Mapping[str, str]) -> list[Reply]:
    """A tap on a dialog button (`dlg.<dialog>.<op>`, args `d` draft and `v` version)."""
    parts = action.split(".", 2)
    ref = str(args.get("d") or "")
    if len(parts) != 3 or not ref.isdecimal():
        return [Text(texts.CARD_EXPIRED)]
    _, name, op = parts
    try:
        async with ctx.uow() as uow:
            row = await store.get_draft(uow, ctx.user, int(ref))
    except NotFound:
        log.info("button %s for unknown draft %s from %s", action, ref, ctx.user.login)
        return [Text(texts.CARD_EXPIRED)]
    dialog = DIALOGS.get(row.dialog)
    if dialog is None or row.dialog != name:
        return [Text(texts.CARD_EXPIRED)]
    if row.status == "open" and not row.kept and row.updated_at + ctx.bot.dialog_ttl < ctx.now:
        async with ctx.uow() as uow:                   # a menu left unanswered: lapsed
            await store.close_draft(uow, row, "expired")
            await uow.commit()
        return [Text("这张卡片已过期，请重新发起。")]
    if row.status != "open":
        return [Text(closed_text(row))]
    draft = from_json(dialog.draft, row.data)
    step = dict(row.step or {})
    turn = Turn(ctx, row.id or 0, dialog.name, editing=step.get("editing"))
    if op == "cancel":
        return await cancel(turn, dialog, row)
    if op == "show":
        return [await render_step(turn, dialog, row, draft)]
    if str(args.get("v")) != str(row.version):
        return [Text(STALE), await render_step(turn, dialog, row, draft)]
    if op == "confirm":
        return await _confirm(turn, dialog, row, draft, row.version)
    if op == "edit":
        return await _edit_menu(turn, dialog, row, draft)
    if op == "field":
        slot = dialog.slot(str(args.get("slot") or ""))
        if slot is None or not slot.editable:
            return [Text(texts.CARD_EXPIRED)]
        return await _ask_slot(turn, dialog, row, draft, slot, editing=True)
    if op == "more":
        step["page"] = int(str(args.get("p") or "0")) if str(args.get("p") or "0").isdecimal() \
            else 0
        row.step = step
        return [await render_step(turn, dialog, row, draft)]
    if op == "pick":
        slot = dialog.slot(step.get("asking") or "")
        choices = step.get("choices") or []
        i = str(args.get("i") or "")
        if slot is None or not i.isdecimal() or int(i) >= len(choices):
            return [Text(texts.CARD_EXPIRED)]
        return await _after(turn, dialog, row, draft,
                            await _pick(turn, slot, draft, choices[int(i)]["value"]))
    fn = dialog.ops.get(op)
    if fn is None:
        return [Text(texts.CARD_EXPIRED)]
    return await _after(turn, dialog, row, draft, await fn(turn, draft, args))


async def cancel_focused(ctx: Context) -> list[Reply] | None:
    """「取消」: drop the focused draft; None when nothing is going on."""
    found = await _focused_dialog(ctx)
    if found is None:
        return None
    row, dialog = found
    return await cancel(Turn(ctx, row.id or 0, dialog.name), dialog, row)


async def resume(ctx: Context, draft_id: int) -> list[Reply]:
    """/草稿 #R3: focus a draft again (an expired one is restored) and show its card."""
    async with ctx.uow() as uow:
        row = await store.get_draft(uow, ctx.user, draft_id)
        dialog = DIALOGS.get(row.dialog)
        if dialog is None or row.status in ("saved", "dropped"):
            return [Text(closed_text(row))]
        if row.status == "expired":
            await store.reopen_draft(
                uow, row, ctx.now + timedelta(hours=ctx.settings.draft_ttl_hours))
        await chat_focus.point(uow, ctx, row.id, row.dialog)
        await uow.commit()
    turn = Turn(ctx, row.id or 0, dialog.name, editing=(row.step or {}).get("editing"))
    return [await render_step(turn, dialog, row, from_json(dialog.draft, row.data))]


async def drop(ctx: Context, draft_id: int) -> list[Reply]:
    """Drop one of the user's drafts by number (/草稿 丢弃 #R3, a reminder's button)."""
    async with ctx.uow() as uow:
        row = await store.get_draft(uow, ctx.user, draft_id)
    dialog = DIALOGS.get(row.dialog)
    if dialog is None or row.status not in ("open", "expired"):
        return [Text(closed_text(row))]
    return await cancel(Turn(ctx, row.id or 0, dialog.name), dialog, row,
                        from_status=row.status)


def closed_text(row: Draft) -> str:
    if row.status == "saved":
        return f"草稿 #R{row.id} 已经保存过了，不会重复保存。"
    if row.status == "dropped":
        return f"草稿 #R{row.id} 已丢弃。"
    if row.status == "expired":
        return f"草稿 #R{row.id} 已过期，发「/草稿 #R{row.id}」可以恢复。"
    return texts.CARD_EXPIRED


async def focused_draft(ctx: Context) -> Draft | None:
    """The open draft the chat's next answer goes to (None: none, or the question lapsed)."""
    return await _focused(ctx)


# --- steps -----------------------------------------------------------------------------------

async def plan(turn: Turn, dialog: Dialog[Any], draft: Any) -> dict[str, Any] | None:
    """The next step: the first missing slot's question, else the card (None: save now)."""
    if dialog.prepare is not None:
        await dialog.prepare(turn, draft)
    for slot in dialog.slots:
        if slot.is_missing(turn, draft):
            return await _ask_step(turn, draft, slot, editing=False)
    return None if dialog.confirm is None else {"mode": CONFIRM}


async def advance(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any) -> list[Reply]:
    """Ask the first missing slot; with nothing missing show the card (or save)."""
    step = await plan(turn, dialog, draft)
    if step is None:
        return await _save(turn, dialog, row, draft, row.version)
    return await _show(turn, dialog, row, draft, step)


async def _ask_step(turn: Turn, draft: Any, slot: Slot[Any], *, editing: bool
                    ) -> dict[str, Any]:
    choices = list(await slot.choices(turn, draft)) if slot.choices is not None else []
    step: dict[str, Any] = {"mode": ASK, "asking": slot.name,
                            "choices": [{"label": c.label, "value": c.value} for c in choices]}
    if editing:
        step["editing"] = slot.name
    return step


async def _ask_slot(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any, slot: Slot[Any],
                    *, editing: bool) -> list[Reply]:
    return await _show(turn, dialog, row, draft,
                       await _ask_step(turn, draft, slot, editing=editing))


async def _edit_menu(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any) -> list[Reply]:
    return await _show(turn, dialog, row, draft, {"mode": EDIT})


async def _show(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any,
                step: dict[str, Any]) -> list[Reply]:
    """Store the step (version + 1), focus the chat on the draft, render the step."""
    ctx = turn.ctx
    staged = replace_row(row, step)
    staged.version = row.version + 1
    reply = await render_step(turn, dialog, staged, draft)
    shown = chat_focus.buttons_json(reply.buttons) if isinstance(reply, Card) else None
    async with ctx.uow() as uow:
        await store.save_step(uow, row, data=to_json(draft), step=step,
                              summary=dialog.summary(draft))
        await chat_focus.point(uow, ctx, row.id, dialog.name, buttons=shown)
        await uow.commit()
    notes, turn.notes = turn.notes, []
    return [*notes, reply]


def replace_row(row: Draft, step: dict[str, Any]) -> Draft:
    copy = Draft(**{k: getattr(row, k) for k in Draft.model_fields})
    copy.step = step
    return copy


async def render_step(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any) -> Reply:
    """The card (or question) of the draft's current step, with buttons of its version."""
    step = row.step or {}
    mode = step.get("mode")
    v = row.version
    limit = button_limit(turn.ctx.chat.platform)
    page = int(step.get("page") or 0)

    def more(p: int) -> Button:
        return op_button(turn, MORE, "more", v, p=str(p))

    if mode == ASK:
        slot = dialog.slot(step.get("asking") or "")
        if slot is None:
            return Text(texts.CARD_EXPIRED)
        question = slot.question(turn, draft)
        choices = step.get("choices") or []
        if not choices:
            return Text(question)
        buttons = [op_button(turn, c["label"], "pick", v, i=str(i))
                   for i, c in enumerate(choices)]
        hint = slot.hint or ("点选，或直接回复。" if slot.read is not None else "")
        title, _, rest = question.partition("\n")
        body = "\n".join(x for x in (rest.strip(), hint) if x)
        return Card(title, body=body, buttons=page_of(buttons, limit, page, more))
    if mode == EDIT:
        fields = [op_button(turn, s.label, "field", v, slot=s.name)
                  for s in dialog.slots if s.editable]
        return Card("改哪一项？", body=dialog.edit_hint,
                    buttons=page_of(fields, limit, page, more))
    if dialog.confirm is None:
        return Text(texts.CARD_EXPIRED)
    card = await dialog.confirm(turn, draft)
    buttons = [op_button(turn, dialog.confirm_label, "confirm", v, style="primary"),
               op_button(turn, "修改", "edit", v),
               op_button(turn, "取消", "cancel", v, style="danger"), *card.buttons]
    return replace(card, buttons=page_of(buttons, limit, page, more))


async def _after(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any,
                 answer: Answer) -> list[Reply]:
    """What an answer leads to: the next step, the same question again, or the end."""
    if answer is PASS:
        return []
    if isinstance(answer, Finish):
        async with turn.ctx.uow() as uow:
            await store.close_draft(uow, row, "dropped")
            await _refocus(uow, turn.ctx, row)
            await uow.commit()
        return [*turn.notes, *answer.replies]
    if isinstance(answer, str):
        return [*turn.notes, Text(answer)]
    turn.editing = None
    return await advance(turn, dialog, row, draft)


async def _pick(turn: Turn, slot: Slot[Any], draft: Any, value: str) -> Answer:
    if slot.pick is not None:
        return await slot.pick(turn, draft, value)
    setattr(draft, slot.name, value)
    return None


def _typed_choice(text: str, choices: list[Choice]) -> Choice | None:
    """A choice typed out: its label, its number in the list, or the start of exactly one
    label (「首次联系」 for 「首次联系超时」)."""
    word = _norm(text)
    if word.isdecimal() and 1 <= int(word) <= len(choices):
        return choices[int(word) - 1]
    exact = next((c for c in choices if _norm(c.label) == word), None)
    if exact is not None or len(word) < 2:
        return exact
    starts = [c for c in choices if _norm(c.label).startswith(word)]
    return starts[0] if len(starts) == 1 else None


async def offers_choice(ctx: Context, text: str) -> bool:
    """Does the focused draft's question list this text as one of its choices?"""
    row = await _focused(ctx)
    step = (row.step or {}) if row is not None else {}
    if step.get("mode") != ASK or not step.get("choices") or _norm(text).isdecimal():
        return False
    choices = [Choice(c["label"], c["value"]) for c in step["choices"]]
    return _typed_choice(text, choices) is not None


async def _confirm(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any,
                   version: int) -> list[Reply]:
    if dialog.prepare is not None:
        await dialog.prepare(turn, draft)
    for slot in dialog.slots:        # 确认 on a draft that still misses something: ask
        if slot.is_missing(turn, draft):
            return await _ask_slot(turn, dialog, row, draft, slot, editing=False)
    return await _save(turn, dialog, row, draft, version)


async def _save(turn: Turn, dialog: Dialog[Any], row: Draft, draft: Any,
                version: int) -> list[Reply]:
    """Close the draft and create its records in one transaction, exactly once."""
    ctx = turn.ctx
    if row.version != version:
        return [Text(STALE), await render_step(turn, dialog, row, draft)]
    async with ctx.uow() as uow:
        await store.close_draft(uow, row, "saved", same_version=True)   # one winner
        saved: Saved = await dialog.save(turn, uow, draft)
        row.record_kind, row.record_id = saved.record_kind, saved.record_id
        await store.set_record(uow, row, saved.record_kind, saved.record_id)
        others = await _refocus(uow, ctx, row, saved.replies)
        await uow.commit()
    if saved.then is not None:        # the next question first; waiting drafts come after it
        return [*turn.notes, *saved.replies, *await saved.then()]
    return [*turn.notes, *saved.replies, *others]


async def cancel(turn: Turn, dialog: Dialog[Any], row: Draft, *,
                 from_status: str = "open") -> list[Reply]:
    ctx = turn.ctx
    async with ctx.uow() as uow:
        await store.close_draft(uow, row, "dropped", from_status=from_status)
        others = await _refocus(uow, ctx, row)
        await uow.commit()
    return [Text(dialog.cancelled), *others]


async def _refocus(uow: Any, ctx: Context, closed: Draft,
                   shown: Sequence[Reply] = ()) -> list[Reply]:
    """After a draft closes: if the chat was on it, move to the newest other open kept
    draft of this chat (and say so), else clear the focus. `shown`: the replies already
    going out, whose buttons the chat remembers (one write for both)."""
    focus = await chat_focus.current(ctx, uow)
    if focus is not None and focus.draft_id not in (None, closed.id):
        return []
    waiting = await store.open_drafts_here(uow, ctx.user_id, ctx.chat.key, limit=3)
    here = [d for d in waiting if d.id != closed.id]
    out: list[Reply] = []
    if here:
        nxt = here[0]
        title = DIALOGS[nxt.dialog].title if nxt.dialog in DIALOGS else "草稿"
        more = "（还有更多，发 /草稿 查看）" if len(here) > 1 else ""
        out.append(Card(f"还有一条{title}没保存：#R{nxt.id}", body=f"{nxt.summary}{more}",
                        buttons=(Button("继续", "draft.show", {"draft_id": str(nxt.id)},
                                        style="primary"),
                                 Button("丢弃", "draft.drop", {"draft_id": str(nxt.id)}))))
    buttons = [b for r in (*shown, *out) if isinstance(r, Card) for b in r.buttons]
    await chat_focus.point(uow, ctx, here[0].id if here else None,
                           here[0].dialog if here else "",
                           buttons=chat_focus.buttons_json(
                               list({b.label: b for b in buttons}.values())) or None)
    return out


async def _ask_about(ctx: Context, prev: Draft) -> Card:
    """The question a new note raises while another kept draft waits."""
    dialog = DIALOGS[prev.dialog]
    turn = Turn(ctx, prev.id or 0, dialog.name)
    v = prev.version
    return Card(f"上一条{dialog.title}还没保存（#R{prev.id}）", body=prev.summary,
                buttons=(op_button(turn, "保存上一条", "confirm", v, style="primary"),
                         op_button(turn, "丢弃上一条", "cancel", v, style="danger"),
                         op_button(turn, "一起处理", "show", v)))


async def _focused_dialog(ctx: Context) -> tuple[Draft, Dialog[Any]] | None:
    row = await _focused(ctx)
    dialog = DIALOGS.get(row.dialog) if row is not None else None
    return (row, dialog) if row is not None and dialog is not None else None


async def _focused(ctx: Context) -> Draft | None:
    """The chat's focused open draft (read once per message); a lapsed focus is let go
    (an unkept draft expires)."""
    if "focused" not in ctx.memo:
        ctx.memo["focused"] = await _load_focused(ctx)
    found: Draft | None = ctx.memo["focused"]
    return found


async def _load_focused(ctx: Context) -> Draft | None:
    ttl = ctx.bot.dialog_ttl
    async with ctx.uow() as uow:                 # the focus and its draft: one unit of work
        focus = await chat_focus.current(ctx, uow)
        if focus is None or focus.draft_id is None:
            return None
        read = ctx.memo.pop(chat_focus.PREFETCHED, None)     # read with the focus
        row = read[1] if read is not None and read[0] == focus.draft_id else \
            await store.open_draft(uow, ctx.user, focus.draft_id)
        if row is None:
            return None
        if focus.updated_at + ttl >= ctx.now:
            return row
        try:
            if not row.kept:
                await store.close_draft(uow, row, "expired")
            await chat_focus.point(uow, ctx, None)
            await uow.commit()
        except CrmError:
            log.info("draft %s moved on while its focus lapsed", row.id)
    return None
