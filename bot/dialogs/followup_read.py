"""How the follow-up dialog reads text: the extraction merged into the note, customers and
contacts resolved, the note's lead chosen, corrections understood, a new note recognised."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any, Protocol

import nlp
from bot.context import Context
from bot.dialogs.declare import PASS, Answer, Turn
from bot.dialogs.followup_note import LeadOption, Note, tracked
from crm_core.services import customers as customer_service
from crm_core.services import followups as service
from crm_core.services.followups import FollowUpDraft
from nlp.presets import OTHER
from nlp.resolve import find_contact_mentions
from nlp.types import Extraction

MERGE_FIELDS = ("channel", "attitude", "next_action", "obstacle")
ORG_SUFFIXES = ("医院", "公司", "集团", "大学", "学院", "学校", "中心", "研究所", "研究院", "厂",
                "卫生院", "诊所", "保健院", "局", "委员会", "实验室")
# 「刚才那条客户记错了，是X」「时间改成周四」「不对，是周三」: a correction of the last record
CORRECTION_CUE = re.compile(
    r"^(?:刚才|刚刚|上一条|上条|那条|前面那条|之前那条|刚记的|刚才记的)[^，,。]{0,8}?"
    r"(?:记错|写错|搞错|错了|不对|改成|改为|改一下|应该是)"
    r"|^(?:客户|联系人|时间|日期|下一步|产品|方式|态度)[^，,。]{0,4}?(?:改成|改为|改到|应该是|记错)"
    r"|^(?:不对|错了|记错了)[，,。\s]"
)
CUE_WORDS = re.compile(
    r"^(?:刚才|刚刚|上一条|上条|那条|前面那条|之前那条|刚记的|刚才记的)(?:那条|的)?|"
    r"(?:记错了|写错了|搞错了|错了|不对)[，,。\s]*|(?:应该)?是|改成|改为|改到"
)


def looks_like_correction(text: str) -> bool:
    return bool(CORRECTION_CUE.search(text.strip()))


def strip_correction_cue(text: str) -> str:
    """「刚才那条客户记错了，是鼓楼医院」 → 「客户鼓楼医院」: what is left to read."""
    return CUE_WORDS.sub("", text.strip()).strip(" ，,。") or text


def looks_like_org(text: str) -> bool:
    """A short answer that reads like an organisation's name (for a new customer)."""
    t = text.strip()
    return (2 <= len(t) <= 30 and t.endswith(ORG_SUFFIXES)
            and not any(ch in t for ch in "，,。.！!？? "))


async def extract(t: Turn, text: str) -> Extraction:
    """`text` read with the tenant's catalog and the words this rep taught (issue 13)."""
    return await read_text(t.ctx, text)


async def read_text(ctx: Context, text: str) -> Extraction:
    """`text` read once per message (a new note typed at a waiting card is read by the card's
    dialog, then started from the same reading)."""
    memo: dict[str, Extraction] = ctx.memo.setdefault(_READINGS, {})
    found = memo.get(text)
    if found is None:
        async with ctx.uow() as uow:
            found = memo[text] = await ctx.bot.catalog.read(uow, ctx.user.id, text, ctx.now)
    return found


def merge_extraction(n: Note, ext: Extraction, *, overwrite: bool) -> None:
    for key in MERGE_FIELDS:
        value = getattr(ext, key)
        if value and (overwrite or not getattr(n, key)):
            setattr(n, key, value)
    if ext.contact and (overwrite or not n.contact):
        set_contact_mention(n, ext.contact)
    if ext.products:
        n.products = sorted({*n.products, *ext.products})
    if ext.next_date and (overwrite or not n.next_date):
        n.next_date = date.fromisoformat(ext.next_date)
        n.next_time = time.fromisoformat(ext.next_time) if ext.next_time else None
    # a step or blocker no preset names (其他) is shown in the rep's own words
    if ext.action_words and n.next_action == ext.next_action:
        n.action_words = ext.action_words[:40]
    if ext.obstacle_words and n.obstacle == ext.obstacle:
        n.obstacle_words = ext.obstacle_words[:40]


def set_contact_mention(n: Note, mention: str) -> None:
    """A person as said; 「王主任」 also as surname + title (a contact to complete later)."""
    n.contact, n.contact_id, n.lead_for = mention[:40], None, None
    n.contact_surname = n.contact_title = None
    found = find_contact_mentions(mention)
    if found and found[0].text == mention.strip():
        n.contact_surname, n.contact_title = found[0].surname, found[0].title


# --- customers -----------------------------------------------------------------------------------

_CUSTOMERS = "followup.customers"      # ctx.memo: customers read in this message, by id
_NOTE_ROWS = "followup.note_rows"      # ctx.memo: customer id → its contacts and leads
_READINGS = "followup.readings"        # ctx.memo: texts read in this message
_NAMED_AHEAD = "followup.named_ahead"  # ctx.memo: (names, customers_with_rows) read ahead


def set_new_customer(n: Note, name: str, *, confirmed: bool) -> None:
    n.customer, n.customer_id, n.customer_new = name[:120], None, True
    n.customer_unconfirmed, n.naming_customer = not confirmed, False
    n.customer_choices, n.owner_name, n.blocked, n.lead_for = [], None, None, None
    n.lead_id, n.lead_label, n.lead_options, n.lead_none = None, None, [], False


async def set_customer_by_id(ctx: Context, n: Note, customer_id: int) -> bool:
    """A customer picked by id (a button, /跟进 from a card): only one the user may see."""
    async with ctx.uow() as uow:
        found = await customer_service.by_ids(uow, [customer_id], viewer=ctx.user)
    if not found:
        return False
    _set_customer(n, found[0].id, found[0].name)
    return True


def _set_customer(n: Note, customer_id: int | None, name: str) -> None:
    if n.customer_id != customer_id:
        n.lead_id, n.lead_label, n.lead_options, n.lead_none = None, None, [], False
        n.contact_id, n.lead_for, n.owner_name, n.blocked = None, None, None, None
    n.customer_id, n.customer = customer_id, name
    n.customer_new = n.customer_unconfirmed = n.naming_customer = False
    n.customer_choices = []


async def resolve_customer(t: Turn, n: Note, name: str | None,
                           candidates: tuple[str, ...] | list[str]) -> None:
    """A mention → a customer, a choice between candidates, or a new customer to confirm."""
    if candidates and len(candidates) > 1:
        found = await _named(t.ctx, list(candidates))
        if len(found) > 1:
            n.customer_choices = [c.name for c in found][:12]
            return
        if found:
            _set_customer(n, found[0].id, found[0].name)
            return
    if not name:
        return
    found = await _named(t.ctx, [name])
    if found:
        _set_customer(n, found[0].id, found[0].name)
    else:
        set_new_customer(n, name, confirmed=False)


class _Names(Protocol):
    @property
    def customer(self) -> str | None: ...
    @property
    def customer_candidates(self) -> tuple[str, ...]: ...


def names_to_look_up(ext: _Names) -> list[str]:
    """The customer names a note's reading is resolved by first (`resolve_customer`); of an
    `Extraction`, or of a `nlp.extract.Reading` before its later stages."""
    if len(ext.customer_candidates) > 1:
        return list(ext.customer_candidates)
    return [ext.customer] if ext.customer else []


def remember_reading(memo: dict[str, Any], text: str, ext: Extraction,
                     named: tuple[list[str], list[tuple[customer_service.CustomerRef,
                                                       service.NoteRows]]] | None) -> None:
    """A reading made before the message's first statement (and, with `named`, the names
    that statement looked up and the customers it found for them), once it is known to
    hold: `read_text` and the first `_named` of the message take them from here."""
    memo.setdefault(_READINGS, {})[text] = ext
    if named is not None:
        memo[_NAMED_AHEAD] = named


async def _named(ctx: Context, names: list[str]) -> list[customer_service.CustomerRef]:
    """The customers of these names (then aliases); found by name, each comes with what
    `prepare` reads there (its contacts, the rep's open leads), in the same statement —
    or, for the message's first look-up, as its first statement read them already."""
    ahead = ctx.memo.pop(_NAMED_AHEAD, None)
    with_rows = ahead[1] if ahead is not None and ahead[0] == names else None
    by_name = {ref.name: ref for ref, _ in with_rows or ()}
    if with_rows is not None and len(by_name) == len(set(names)):
        found = [ref for ref, _ in with_rows]
    else:
        async with ctx.uow() as uow:
            if with_rows is None:
                with_rows = await service.customers_with_rows(uow, ctx.user, names)
                by_name = {ref.name: ref for ref, _ in with_rows}
            found = [ref for ref, _ in with_rows] if len(by_name) == len(set(names)) else \
                await customer_service.refs_by_names(uow, names, by_name)
    for ref, rows in with_rows:       # for `prepare`, this message (used once)
        ctx.memo.setdefault(_CUSTOMERS, {})[ref.id] = ref
        ctx.memo.setdefault(_NOTE_ROWS, {})[ref.id] = rows
    return found


async def read_customer(t: Turn, n: Note, text: str) -> Answer:
    """The answer to 「是哪家客户？」: a short name, an alias, a full name, or a new one."""
    if await is_new_note(t, n, text):
        return PASS
    async with t.ctx.uow() as uow:
        catalog = await t.ctx.bot.catalog.get(uow)
    matches = nlp.match_customers(text, catalog, limit=5)
    strong = [m for m in matches if m[1] >= 0.85]
    runner_up = strong[1][1] if len(strong) > 1 else 0.0
    if strong and (strong[0][1] - runner_up >= 0.1
                   or (strong[0][1] >= 0.99 and runner_up < strong[0][1])):
        await resolve_customer(t, n, strong[0][0], ())
        return None
    if len(strong) > 1:
        await resolve_customer(t, n, None, [m[0] for m in strong])
        return None
    ext = await extract(t, text)
    name = ext.customer or (text.strip() if looks_like_org(text) else None)
    if name is None:
        return "没找到这个客户，请回复客户名称，如「鼓楼医院」。"
    await resolve_customer(t, n, name, ext.customer_candidates)
    return None


# what may surround a time said alone: '周四吧', '就定周四', '周四的'
_TIME_ONLY_FILLER = re.compile(r"[\s，,。.！!？?、~～]|就|定在|定|在|吧|的|了|呢|啊|哈|嗯|那|先")


def only_a_time(text: str, when: nlp.When) -> bool:
    """The answer is a time and nothing else ('周四', '就周四吧'): no step is named in it."""
    if when.text is None or when.date is None:
        return False
    rest = text.replace(when.text, "", 1)
    return not _TIME_ONLY_FILLER.sub("", rest)


async def read_next_action(t: Turn, n: Note, text: str) -> Answer:
    """The answer to 下一步打算做什么: a preset, words for one (送样机, 报个价: read as a step
    though no date frames them), or a time alone — then the time is kept and the step asked
    again (a '周四' must not become the step 其他). More of how it went told instead (李科长
    又说价格太贵了) is added to the note, and the step asked again."""
    when = nlp.parse_when(text, t.ctx.now)
    ext = await extract(t, text)
    # (李科长说报价太高了，要跟院长商量: no step 报价); told a second time instead of a step
    # (等他们领导批了再说), it is the step in the rep's words (其他), not the question again
    if not ext.next_action and not n.added_at_step and add_to_note(t, n, text, ext, when):
        n.added_at_step = True
        return None
    async with t.ctx.uow() as uow:
        catalog = await t.ctx.bot.catalog.get(uow)
    for action in catalog.next_actions:
        if action in text:
            n.next_action = action
            break
    else:
        merge_extraction(n, ext, overwrite=True)
        if not n.next_action:
            async with t.ctx.uow() as uow:
                step = await t.ctx.bot.catalog.step(uow, t.ctx.user.id, text, t.ctx.now)
            if step is not None:
                n.next_action = step[0]
                n.action_words = step[1] if step[0] == OTHER else None
        if not n.next_action and not (only_a_time(text, when) and not when.past):
            n.next_action = OTHER
            n.summary = f"{n.summary}（下一步：{text.strip()[:40]}）"
    if when.date is not None and not when.past:
        n.next_date, n.next_time = when.date, when.time
    return None


ADDED = "已补充到这条跟进。"


def add_to_note(t: Turn, n: Note, text: str, ext: Extraction, when: nlp.When) -> bool:
    """Asked for the step or its date, the rep tells more of how it went instead (a stance, a
    blocker, a stage: 李科长又说价格太贵了，要跟院长商量) and no step or time: those words are
    more of this note — added to its summary and fields, not read as the step (其他) nor
    refused as no date, and never lost. What they add is no correction of the first reading
    (nothing is learned from it). Returns whether the text was added."""
    if len(text.strip()) < 8 or when.date is not None or when.time is not None \
            or not (ext.attitude or ext.obstacle or ext.stage):
        return False
    n.summary = f"{n.summary}；{text.strip()}"[:2000]
    added = {"attitude": ext.attitude, "obstacle": ext.obstacle}
    for key, value in added.items():
        if value:
            setattr(n, key, value)
            n.first[key] = value
    if ext.obstacle_words and n.obstacle == ext.obstacle:
        n.obstacle_words = ext.obstacle_words[:40]
    if ext.channel and not n.channel:
        n.channel = n.first["channel"] = ext.channel
    if ext.products:
        n.products = sorted({*n.products, *ext.products})
        n.first["products"] = n.products
    if ext.contact and not n.contact:
        set_contact_mention(n, ext.contact)
        n.first["contact"] = n.contact
    t.say(ADDED)
    return True


# --- corrections and new notes --------------------------------------------------------------------

async def is_new_note(t: Turn, n: Note, text: str) -> bool:
    """A whole new note typed in the middle of this one: a question, or something done
    (拜访, 电话 …) at another customer or told at length — not a correction (「不对，…」)."""
    if len(text.strip()) < 8 or looks_like_correction(text):
        return False
    ext = await extract(t, text)
    if ext.intent in ("query", "create_lead", "update_stage"):
        return True                # another kind of message: never a correction of this note
    if ext.intent != "log_followup":
        return False
    other = bool(ext.customer and n.customer and ext.customer != n.customer)
    told = ext.channel is not None and len(text.strip()) >= 12
    # asked 是哪家客户: a customer with a step, a product or a stance of its own, a step with
    # how it went (a visit, a stance) and no customer read, or a person with a dated step
    # (王主任想先拿两台试用，能不能后天送过去) is a note told whole (its words would be lost as
    # an answer); a name, or a name and a person, is not
    whole = bool(not n.customer and len(text.strip()) >= 12 and (
        (ext.customer and (ext.next_action or ext.products or ext.attitude))
        or (ext.next_action and (ext.channel or ext.attitude))
        or (ext.contact and ext.next_action and ext.next_date)))
    return whole \
        or (other and bool(ext.next_action or ext.channel or ext.products or ext.contact)) \
        or (told and not any(w in text for w in ("改成", "改为", "应该是", "不是")))


async def understand(t: Turn, n: Note, text: str) -> Answer:
    """Free text at the card: a correction of any field (「不对，是周三」「客户是省人医」)."""
    before = tracked(n)
    when = nlp.parse_when(text, t.ctx.now)
    if when.date is not None and not when.past:
        n.next_date, n.next_time = when.date, when.time
    elif when.time is not None and n.next_date is not None and when.date is None:
        n.next_time = when.time
    ext = await extract(t, text)
    for key in MERGE_FIELDS:
        value = getattr(ext, key)
        if value:
            setattr(n, key, value)
    if ext.products:
        n.products = sorted({*n.products, *ext.products})
    if ext.contact and ext.contact != n.contact:
        set_contact_mention(n, ext.contact)
    if ext.customer and ext.customer != n.customer:
        await resolve_customer(t, n, ext.customer, ext.customer_candidates)
    elif not ext.customer and "客户" in text:
        name = strip_correction_cue(text).removeprefix("客户").strip(" 是为：:")
        if looks_like_org(name) or 2 <= len(name) <= 12:
            answer = await read_customer(t, n, name)
            if isinstance(answer, str):
                return answer
    if tracked(n) == before:
        return "没看出要改什么。点「修改」选一项，或说「时间改成周四」「客户是鼓楼医院」。"
    return None


# --- derived state: contact, lead, whose customer -------------------------------------------

async def prepare(t: Turn, n: Note) -> None:
    """Before each step: the contact at this customer, the note's lead, the owner rule."""
    if not n.customer_id:
        return
    key = f"{n.customer_id}:{n.contact or ''}"
    if n.lead_for == key:
        return
    ctx = t.ctx
    customer = ctx.memo.get(_CUSTOMERS, {}).get(n.customer_id)   # read this message
    rows = ctx.memo.get(_NOTE_ROWS, {}).pop(n.customer_id, None)   # with it
    async with ctx.uow() as uow:
        if customer is None:
            found = await customer_service.by_ids(uow, [n.customer_id])
            customer = found[0] if found else None
        if customer is None:
            n.customer_id, n.customer = None, None
            return
        n.owner_name = n.blocked = None
        decision = await service.others_decision(uow, ctx.user, customer)
        if customer.owner_id not in (None, ctx.user_id):
            owner = await customer_service.user_name(uow, customer.owner_id)
            n.owner_name = owner
            if not decision.allowed:
                n.blocked = (f"{customer.name}是{owner or '同事'}的客户，"
                             "按公司规定只能由负责人记跟进。")
        mention = n.contact if n.contact and n.contact_id is None else None
        if rows is None:     # its contacts (for the mention) and the rep's open leads: one read
            rows = await service.note_rows(uow, ctx.user, customer.id or 0,
                                           contacts=mention is not None)
    contacts, leads = rows
    if mention is not None:
        contact = next((c for c in contacts if c.named_by(mention)), None)
        if contact is not None:
            n.contact_id, n.contact = contact.id, contact.shown
    names = [x for x in (n.contact,) if x]
    lead, choices = service.lead_choices(leads, ctx.user, contact_id=n.contact_id,
                                         contact_names=names)
    n.lead_for = key
    if n.lead_none:
        return
    n.lead_options = [LeadOption(c.id, c.label) for c in choices]
    n.lead_id, n.lead_label = (lead.id, lead.label) if lead is not None else (None, None)


async def all_lead_options(t: Turn, n: Note) -> None:
    """For 修改 → 线索: every open lead of the rep at this customer."""
    if not n.customer_id:
        return
    async with t.ctx.uow() as uow:
        _, choices = await service.leads_for_note(uow, t.ctx.user, n.customer_id,
                                                  contact_id=None, contact_names=[])
        if not choices and n.lead_id is not None:
            label = await customer_service.lead_label(uow, n.lead_id)
            n.lead_options = [LeadOption(n.lead_id, label or "")]
            return
    n.lead_options = [LeadOption(c.id, c.label) for c in choices]


# --- to and from the service ------------------------------------------------------------------

def service_draft(n: Note) -> FollowUpDraft:
    return FollowUpDraft(
        customer_id=n.customer_id, new_customer_name=None if n.customer_id else n.customer,
        contact_id=n.contact_id, contact_name=None if n.contact_id else n.contact,
        contact_surname=n.contact_surname, contact_title=n.contact_title,
        lead_id=n.lead_id, channel=n.channel, summary=n.summary, attitude=n.attitude,
        products=list(n.products), obstacle=n.obstacle, next_action=n.next_action,
        next_date=n.next_date, next_time=n.next_time, source=n.source,
    )


async def note_from_saved(ctx: Context, followup_id: int) -> Note:
    """A saved follow-up as a note to correct (its values are the 'before')."""
    async with ctx.uow() as uow:
        fu = await service.own_followup(uow, ctx.user, followup_id)
        view = await customer_service.followup_view(uow, fu)
    due = fu.next_due_at.astimezone(ctx.bot.clock.tz) if fu.next_due_at else None
    task_time = due.time() if due is not None and view.has_time else None
    n = Note(summary=fu.summary, source=fu.source, customer=view.customer_name,
             customer_id=fu.customer_id, contact=view.contact_name, contact_id=fu.contact_id,
             products=list(fu.products or []), channel=fu.channel, attitude=fu.attitude,
             next_action=fu.next_action, next_date=due.date() if due else None,
             next_time=task_time, obstacle=fu.obstacle, lead_id=fu.lead_id,
             lead_label=view.lead_label, lead_none=fu.lead_id is None,
             edit_of=fu.id, required=[])
    n.lead_for = f"{n.customer_id}:{n.contact or ''}"
    n.owner_name = view.owner_name if view.owner_id not in (None, ctx.user_id) else None
    n.first = tracked(n)
    return n
