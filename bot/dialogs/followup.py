"""log_followup: one sentence (typed or spoken) → confirmation card → saved follow-up with a
reminder — and the same dialog to correct a saved one (/改 #F12, 「刚才那条客户记错了」).

Only what is missing is asked, one short question at a time; answers are read in context
("周四" fills the date, "不对，是周三" corrects it, "省人医" picks the customer). The note
is a kept draft (#R…): a second note while it waits asks what to do with it, /草稿 lists
it, and it is reminded before it expires. How text is understood: `followup_read`; the
cards: `followup_cards`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import nlp
from bot.context import Context
from bot.dialogs import contact_name, engine
from bot.dialogs import followup_read as read
from bot.dialogs.declare import PASS, Answer, Choice, Dialog, Saved, Slot, Turn
from bot.dialogs.followup_cards import confirm_card, saved_card
from bot.dialogs.followup_note import Note, summary_of, tracked
from bot.render.format import when_text
from crm_core.services import catalog as catalog_service
from crm_core.services import corrections
from crm_core.services import followups as service
from crm_core.uow import UnitOfWork
from nlp.types import Extraction

NAME = "followup"
REQUIRED_CHOICES = ("customer", "summary", "next_action", "next_date")
REFUSED = "已否决"           # the refusal attitude of the extraction contract (CONVENTIONS)
NEW_CUSTOMER = "__new__"
CREATE_CUSTOMER = "__create__"
NO_LEAD = "__none__"


# --- starting ---------------------------------------------------------------------------------

async def start(ctx: Context, ext: Extraction, text: str, *, source: str) -> list[Any]:
    """A note typed or spoken: fill what the sentence says, ask the rest."""
    note = Note(summary=ext.summary or text, source=source)
    read.merge_extraction(note, ext, overwrite=True)
    turn = Turn(ctx, 0, NAME)
    if ext.vague_date and not ext.next_date:
        turn.say(f"「{ext.date_text or '时间'}」不够具体，给个日期吧。")
    await read.resolve_customer(turn, note, ext.customer, ext.customer_candidates)
    await load_required(ctx, note)
    note.first = tracked(note)
    return await engine.start(ctx, FOLLOWUP, note, notes=turn.notes)


async def start_form(ctx: Context, customer_id: int | None = None) -> list[Any]:
    """/跟进: the same dialog as a step-by-step form (customer → what happened → next)."""
    note = Note(source="form", form=True)
    if customer_id is not None:
        await read.set_customer_by_id(ctx, note, customer_id)
    await load_required(ctx, note)
    note.first = tracked(note)
    return await engine.start(ctx, FOLLOWUP, note)


async def start_edit(ctx: Context, followup_id: int, phrase: str | None = None) -> list[Any]:
    """Correct a saved follow-up: the card shows what changes; 确认 applies it."""
    note = await read.note_from_saved(ctx, followup_id)
    turn = Turn(ctx, 0, NAME)
    if phrase:
        answer = await read.understand(turn, note, read.strip_correction_cue(phrase))
        if isinstance(answer, str):
            turn.say(answer)
        note.phrases.append(phrase[:200])
    return await engine.start(ctx, FOLLOWUP, note, notes=turn.notes)


async def load_required(ctx: Context, note: Note) -> None:
    """The tenant's required fields (config `followup.required_fields`, else the setting)."""
    async with ctx.uow() as uow:
        configured = await catalog_service.get_config(uow, "followup.required_fields")
    fields = configured if isinstance(configured, list) else ctx.settings.required_fields()
    note.required = [f for f in fields if f in REQUIRED_CHOICES]


def _required(n: Note, slot: str) -> bool:
    return slot in n.required or (n.form and slot in ("customer", "summary"))


def _refused(n: Note) -> bool:
    """The customer said no (选了别家，没戏了): a lost deal has no next step to ask for, even
    where the tenant requires one; one the rep said is still kept."""
    return n.attitude == REFUSED


# --- slots -----------------------------------------------------------------------------------

def _customer_missing(t: Turn, n: Note) -> bool:
    return bool(n.customer_choices or n.customer_unconfirmed or n.naming_customer or n.blocked
                or not (n.customer_id or n.customer_new))


def _customer_question(t: Turn, n: Note) -> str:
    if n.naming_customer:
        return "新客户叫什么名字？"
    if n.customer_choices:
        return "是哪一家？有几家名字相近："
    if n.customer_unconfirmed:
        return f"「{n.customer}」还不是我们的客户，要新建吗？也可以直接回复正确的客户名。"
    if n.blocked:
        return f"{n.blocked}\n是哪家客户？"
    return "是哪家客户？"


async def _customer_choices(t: Turn, n: Note) -> Sequence[Choice]:
    if n.customer_choices:
        return [*(Choice(c, c) for c in n.customer_choices),
                Choice("都不是，新建客户", NEW_CUSTOMER)]
    if n.customer_unconfirmed:
        return [Choice("新建客户", CREATE_CUSTOMER)]
    return []


async def _pick_customer(t: Turn, n: Note, value: str) -> Answer:
    if value == NEW_CUSTOMER:
        n.customer_choices, n.naming_customer = [], True
        return None
    if value == CREATE_CUSTOMER:
        n.customer_unconfirmed = False
        return None
    await read.resolve_customer(t, n, value, ())
    return None


async def _read_customer(t: Turn, n: Note, text: str) -> Answer:
    if n.naming_customer:
        name = text.strip()
        if not 2 <= len(name) <= 40:
            return "请回复新客户的名称（2–40 个字）。"
        read.set_new_customer(n, name, confirmed=True)
        return None
    return await read.read_customer(t, n, text)


async def _action_choices(t: Turn, n: Note) -> Sequence[Choice]:
    async with t.ctx.uow() as uow:
        catalog = await t.ctx.bot.catalog.get(uow)
    return [Choice(a, a) for a in catalog.next_actions]


async def _read_action(t: Turn, n: Note, text: str) -> Answer:
    if await read.is_new_note(t, n, text):
        return PASS
    return await read.read_next_action(t, n, text)


async def _read_date(t: Turn, n: Note, text: str) -> Answer:
    if await read.is_new_note(t, n, text):
        return PASS
    when = nlp.parse_when(text, t.ctx.now)
    if when.date is not None and not when.past:
        n.next_date, n.next_time = when.date, when.time
        return None
    if read.add_to_note(t, n, text, await read.extract(t, text), when):
        return None
    if when.past:
        return "这个时间已经过去了，请给一个之后的日期。"
    if _NO_DATE_YET.match(text.strip()):
        # not decided yet: why a time is asked, and that a rough one will do
        return "下一步要有个时间，到时我好提醒你；还没定就说个大概，如「月底」「下个月初」。"
    return "没听懂这个时间，请说具体日期，如「周四」「11月28号下午3点」。"


# a time not decided yet, said as the answer (暂时没有, 还没定, 不知道, 待定)
_NO_DATE_YET = re.compile(r"(?:暂时|目前|现在|还)?(?:没有|没定|还没定|不知道|待定|不确定|说不好|"
                          r"不好说|不清楚|看情况|不一定|没想好|先不定|未定)")


def _action_question(t: Turn, n: Note) -> str:
    when = when_text(n.next_date, n.next_time) if n.next_date else None
    return f"{when}打算做什么？" if when else "下一步打算做什么？"


def _date_question(t: Turn, n: Note) -> str:
    return f"{n.next_action or '下一步'}定在什么时候？（如：周四下午3点）"


async def _read_summary(t: Turn, n: Note, text: str) -> Answer:
    if len(text.strip()) < 2:
        return "再多说一点吧，这次跟进聊了什么？"
    n.summary = text.strip()[:2000]
    ext = await read.extract(t, text)
    read.merge_extraction(n, ext, overwrite=False)
    if ext.customer and not (n.customer_id or n.customer_new):
        await read.resolve_customer(t, n, ext.customer, ext.customer_candidates)
    return None


async def _lead_choices(t: Turn, n: Note) -> Sequence[Choice]:
    if not n.lead_options and t.editing == "lead":
        await read.all_lead_options(t, n)
    return [*(Choice(f"#L{o.id} {o.label}", str(o.id)) for o in n.lead_options),
            Choice("不关联线索", NO_LEAD)]


async def _pick_lead(t: Turn, n: Note, value: str) -> Answer:
    if value == NO_LEAD:
        n.lead_id, n.lead_label, n.lead_none = None, None, True
        return None
    option = next((o for o in n.lead_options if str(o.id) == value), None)
    if option is None:
        return "请从按钮里选一条线索。"
    n.lead_id, n.lead_label, n.lead_none = option.id, option.label, False
    return None


async def _read_contact(t: Turn, n: Note, text: str) -> Answer:
    name = text.strip()[:40]
    if len(name) < 2:
        return "联系人是谁？回复姓名或称呼，如「王主任」。"
    n.contact, n.contact_id, n.lead_for = name, None, None
    return None


async def _read_products(t: Turn, n: Note, text: str) -> Answer:
    ext = await read.extract(t, text)
    n.products = list(ext.products) or [p.strip() for p in text.replace("，", ",")
                                        .replace("、", ",").split(",") if p.strip()][:10]
    return None


SLOTS: tuple[Slot[Note], ...] = (
    Slot("customer", "客户", _customer_question, read=_read_customer, missing=_customer_missing,
         choices=_customer_choices, pick=_pick_customer),
    Slot("summary", "内容", "这次跟进聊了什么？", read=_read_summary,
         missing=lambda t, n: _required(n, "summary") and not n.summary),
    Slot("next_action", "下一步", _action_question, read=_read_action,
         missing=lambda t, n: _required(n, "next_action") and not n.next_action
         and not _refused(n),
         choices=_action_choices),
    Slot("next_date", "时间", _date_question, read=_read_date,
         missing=lambda t, n: _required(n, "next_date") and not n.next_date
         and not (_refused(n) and not n.next_action)),
    Slot("lead", "线索", "这条跟进是哪条线索的？", choices=_lead_choices, pick=_pick_lead,
         missing=lambda t, n: bool(n.lead_options) and n.lead_id is None and not n.lead_none,
         hint="只有选中的那条会标记为已联系。"),
    Slot("contact", "联系人", "联系人是谁？", read=_read_contact, missing=lambda t, n: False),
    Slot("products", "产品", "涉及哪些产品？", read=_read_products, missing=lambda t, n: False),
)


# --- confirm and save ----------------------------------------------------------------------------

async def _understand(t: Turn, n: Note, text: str) -> Answer:
    if await read.is_new_note(t, n, text):
        return PASS
    answer = await read.understand(t, n, text)
    if answer is None:
        n.phrases.append(text.strip()[:200])
    return answer


async def _confirm(t: Turn, n: Note) -> Any:
    return confirm_card(t, n)


async def _save(t: Turn, uow: UnitOfWork, n: Note) -> Saved:
    ctx = t.ctx
    draft = read.service_draft(n)
    if n.edit_of is not None:
        result = await service.update_followup(uow, ctx.user, n.edit_of, draft)
    else:
        result = await service.log_followup(uow, ctx.user, draft)
    phrase = "；".join(n.phrases)
    for key, old in n.first.items():
        fixed = await corrections.record_correction(
            uow, ctx.user, entity="followup", entity_id=result.followup_id, field_name=key,
            old=old, new=getattr(n, key), phrase=phrase)
        if fixed is not None and not n.form and n.summary and ctx.user.id is not None:
            # the rep's words for what the bot misread are remembered (issue 13)
            await ctx.bot.catalog.teach(
                uow, ctx.user.id, text=n.summary, now=ctx.now, field=key, old=old,
                new=getattr(n, key), key=f"correction:followup:{result.followup_id}:{key}")
    then = None
    if result.contact_incomplete and result.contact_id is not None:
        cid, shown = result.contact_id, n.contact or ""

        async def then_ask() -> list[Any]:
            return await contact_name.start(ctx, cid, shown)

        then = then_ask
    kind = "followup_edit" if n.edit_of is not None else "followup"
    return Saved([saved_card(t, n, result)], kind, result.followup_id, then)


FOLLOWUP = engine.register(Dialog(
    name=NAME, title="跟进记录", draft=Note, slots=SLOTS, save=_save, confirm=_confirm,
    understand=_understand, prepare=read.prepare, kept=True, summary=summary_of,
    edit_hint="也可以直接打字更正，如「不对，是周三」。",
))
