"""Logging, correcting and undoing a follow-up.

Saving a note writes the follow-up, its next-action task with a reminder, the one lead the
note is about (first contact, activity clock), the customer's activity clock, a contact
the note named for the first time, and — at a colleague's customer — a notice to the owner.
What saving changed besides the row is kept in `FollowUp.effects`, so 撤销 puts exactly that
back and a correction (/改 #F12) re-applies it for the corrected values. Nothing here
commits: the command, button or job that calls it commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    CompoundSelect,
    Integer,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlmodel import col

from crm_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crm_core.models import Contact, Customer, Deal, FollowUp, Lead, Task, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies import followups as policy
from crm_core.services import scoring
from crm_core.services.access import visible_owner_ids
from crm_core.services.catalog import get_config
from crm_core.services.customers import CustomerRef
from crm_core.uow import UnitOfWork, snapshot

DEFAULT_DUE_TIME = time(9, 0)        # a date without a clock time is due at 09:00
REMIND_BEFORE = timedelta(minutes=30)
OTHERS_KIND = "followup.others"


@dataclass
class FollowUpDraft:
    customer_id: int | None = None
    new_customer_name: str | None = None     # create this customer on save
    contact_id: int | None = None
    contact_name: str | None = None          # a mention not in the catalog ("李总")
    contact_surname: str | None = None       # "王" of "王主任": only surname + title known
    contact_title: str | None = None         # "主任"
    lead_id: int | None = None               # the one lead this note is about
    channel: str | None = None
    summary: str = ""
    attitude: str | None = None
    products: list[str] = field(default_factory=list)
    obstacle: str | None = None
    next_action: str | None = None
    next_date: date | None = None
    next_time: time | None = None
    source: str = "chat"


@dataclass(frozen=True, slots=True)
class LoggedFollowUp:
    followup_id: int
    task_id: int | None
    customer_id: int
    customer_name: str
    due_at: datetime | None
    remind_at: datetime | None
    lead_id: int | None                      # the lead touched (None: none)
    lead_advanced: bool                      # … and moved on to 已联系
    created_customer: bool
    contact_id: int | None = None
    contact_incomplete: bool = False         # created from "王主任": ask for the full name
    owner_notified: str | None = None        # a colleague's customer: its owner was told


def customer_kind(name: str) -> str:
    if any(k in name for k in ("医院", "卫生院", "诊所", "医疗中心", "妇幼")):
        return "hospital"
    if any(k in name for k in ("大学", "学院", "学校", "中学", "小学")):
        return "school"
    return "company"


def contact_display(c: Contact) -> str:
    """王建国; 王主任 while only surname and title are known."""
    return f"{c.name}{c.title or ''}" if c.name_incomplete else c.name


# --- log -------------------------------------------------------------------------------------

async def log_followup(uow: UnitOfWork, rep: User, draft: FollowUpDraft) -> LoggedFollowUp:
    if not draft.summary.strip():
        raise InvalidInput("empty follow-up summary", "跟进内容不能为空")
    customer, created = await _customer_for(uow, rep, draft)
    assert customer.id is not None
    fu = FollowUp(owner_id=rep.id or 0, customer_id=customer.id, source=draft.source,
                  occurred_at=uow.now, created_at=uow.now)
    _set_fields(fu, draft, uow.clock.tz)
    effects: dict[str, Any] = {"customer_created": created}
    fu.contact_id, created_contact = await _contact_for(uow, customer, draft)  # before the
    if created_contact:                                                       # INSERT: one
        effects["contact_created"] = created_contact                          # row write
    uow.add(fu)
    await uow.flush()
    effects = await _apply(uow, rep, fu, customer, draft, effects, contact_done=True)
    fu.effects = effects
    uow.add(fu)
    uow.audit("followup.log", "followup", fu.id, after=snapshot(fu))
    return await _result(uow, fu, customer, effects)


async def update_followup(uow: UnitOfWork, rep: User, followup_id: int,
                          draft: FollowUpDraft, *, undoing: bool = False) -> LoggedFollowUp:
    """A correction of a saved note: the row changes in place; the lead, task, customer
    clock and owner notice follow the corrected values."""
    fu = await own_followup(uow, rep, followup_id)
    before = snapshot(fu)
    old = dict(fu.effects or {})
    previous = await _as_draft(uow, fu, old)
    await _revert(uow, rep, fu, old, cancel_task=False)
    customer, created = await _customer_for(uow, rep, draft)
    assert customer.id is not None
    fu.customer_id = customer.id
    _set_fields(fu, draft, uow.clock.tz)
    keep = {k: old[k] for k in ("task_id", "contact_created") if old.get(k)}
    keep["customer_created"] = created or (old.get("customer_created")
                                           and old.get("customer_id") == customer.id)
    effects = await _apply(uow, rep, fu, customer, draft, keep,
                           notified=old.get("owner_notified"))
    if not undoing:
        effects["previous"] = previous
    fu.effects = effects
    uow.add(fu)
    uow.audit("followup.update", "followup", fu.id, before=before, after=snapshot(fu))
    return await _result(uow, fu, customer, effects)


async def undo_update(uow: UnitOfWork, rep: User, followup_id: int) -> LoggedFollowUp:
    """Take back the last correction of a saved note: its values before it, re-applied."""
    fu = await own_followup(uow, rep, followup_id)
    prev = (fu.effects or {}).get("previous")
    if not prev:
        raise Conflict(f"follow-up {followup_id} has no correction to undo",
                       f"跟进 #F{followup_id} 没有可撤销的修改。")
    d = FollowUpDraft(**{k: v for k, v in prev.items() if k not in ("next_date", "next_time")})
    d.next_date = date.fromisoformat(prev["next_date"]) if prev.get("next_date") else None
    d.next_time = time.fromisoformat(prev["next_time"]) if prev.get("next_time") else None
    return await update_followup(uow, rep, followup_id, d, undoing=True)


async def _as_draft(uow: UnitOfWork, fu: FollowUp, effects: dict[str, Any]) -> dict[str, Any]:
    """A saved note's values as a FollowUpDraft (JSON), to put back later."""
    task = await uow.session.get(Task, effects["task_id"]) if effects.get("task_id") else None
    due = fu.next_due_at.astimezone(uow.clock.tz) if fu.next_due_at else None
    return {"customer_id": fu.customer_id, "contact_id": fu.contact_id, "lead_id": fu.lead_id,
            "channel": fu.channel, "summary": fu.summary, "attitude": fu.attitude,
            "products": list(fu.products or []), "obstacle": fu.obstacle,
            "next_action": fu.next_action, "source": fu.source,
            "next_date": due.date().isoformat() if due else None,
            "next_time": due.time().isoformat() if due and task and task.has_time else None}


def _set_fields(fu: FollowUp, d: FollowUpDraft, tz: Any) -> None:
    fu.channel, fu.summary, fu.attitude = d.channel, d.summary.strip()[:2000], d.attitude
    fu.products, fu.obstacle, fu.next_action = list(d.products), d.obstacle, d.next_action
    fu.next_due_at = (datetime.combine(d.next_date, d.next_time or DEFAULT_DUE_TIME, tzinfo=tz)
                      if d.next_date is not None else None)


async def _result(uow: UnitOfWork, fu: FollowUp, customer: Customer,
                  effects: dict[str, Any]) -> LoggedFollowUp:
    task = await uow.session.get(Task, effects["task_id"]) if effects.get("task_id") else None
    contact = await uow.session.get(Contact, fu.contact_id) if fu.contact_id else None
    lead = effects.get("lead") or {}
    return LoggedFollowUp(
        followup_id=fu.id or 0, task_id=task.id if task else None, customer_id=customer.id or 0,
        customer_name=customer.name, due_at=fu.next_due_at,
        remind_at=task.remind_at if task else None, lead_id=lead.get("id"),
        lead_advanced=bool(lead) and lead.get("status") != lead.get("status_after"),
        created_customer=bool(effects.get("customer_created")),
        contact_id=fu.contact_id,
        contact_incomplete=bool(contact is not None and contact.name_incomplete
                                and effects.get("contact_created") == contact.id),
        owner_notified=effects.get("owner_name"),
    )


async def _customer_for(uow: UnitOfWork, rep: User, d: FollowUpDraft
                        ) -> tuple[Customer, bool]:
    if d.customer_id is not None:
        customer = await uow.session.get(Customer, d.customer_id)
        if customer is None:
            raise NotFound(f"customer {d.customer_id}", "客户不存在，可能已被删除")
        return customer, False
    name = (d.new_customer_name or "").strip()[:120]
    if not name:
        raise InvalidInput("follow-up without customer", "请先说明是哪家客户")
    customer = (await uow.session.execute(
        select(Customer).where(col(Customer.name) == name))).scalars().first()
    if customer is not None:
        return customer, False
    customer = Customer(name=name, kind=customer_kind(name), owner_id=rep.id,
                        created_at=uow.now)
    uow.add(customer)
    await uow.flush()
    uow.audit("customer.create", "customer", customer.id, after=snapshot(customer))
    return customer, True


class Owned(Protocol):
    """A customer as the others rule needs it (a row, or `customers.CustomerRef`)."""

    @property
    def owner_id(self) -> int | None: ...


async def others_decision(uow: UnitOfWork, rep: User, customer: Owned
                          ) -> policy.OthersDecision:
    """May `rep` log at this customer, and is its owner told? (the tenant's rule)"""
    rule = await get_config(uow, policy.OTHERS_KEY, policy.OTHERS_NOTIFY)
    visible = await visible_owner_ids(uow, rep) if rep.role != "rep" else {rep.id}
    manages = visible is None or (customer.owner_id in visible and customer.owner_id != rep.id)
    return policy.others_customer(str(rule), customer.owner_id, rep.id or 0,
                                  rep_manages_owner=rep.role != "rep" and manages)


async def _apply(uow: UnitOfWork, rep: User, fu: FollowUp, customer: Customer,
                 d: FollowUpDraft, effects: dict[str, Any], *,
                 notified: int | None = None, contact_done: bool = False) -> dict[str, Any]:
    decision = await others_decision(uow, rep, customer)
    if not decision.allowed:
        owner = await uow.session.get(User, customer.owner_id) if customer.owner_id else None
        raise Forbidden(f"{rep.login} may not log at customer {customer.id}",
                        f"{customer.name}是{owner.name if owner else '同事'}的客户，"
                        "按公司规定只能由负责人记跟进。")
    effects["customer_id"] = customer.id
    effects["at"] = uow.now.isoformat()
    if not contact_done:
        fu.contact_id, created_contact = await _contact_for(uow, customer, d)
        if created_contact:
            effects["contact_created"] = created_contact
    effects["task_id"] = await _task_for(uow, rep, fu, customer, d, effects.get("task_id"))
    before = snapshot(customer) or {}
    effects["customer_before"] = {"last_activity_at": before.get("last_activity_at"),
                                  "owner_id": customer.owner_id}
    customer.last_activity_at = uow.now
    if customer.owner_id is None:
        customer.owner_id = rep.id
    uow.add(customer)
    uow.audit("customer.touch", "customer", customer.id, before=before, after=snapshot(customer))
    effects["lead"] = await _touch_lead(uow, rep, fu, customer.id or 0, d.lead_id)
    if decision.notify_owner and customer.owner_id not in (None, notified):
        owner = await uow.session.get(User, customer.owner_id)
        effects["owner_notified"] = customer.owner_id
        effects["owner_name"] = owner.name if owner else None
        uow.notify(OTHERS_KIND, customer.owner_id, {
            "rep": rep.name, "customer": customer.name, "customer_id": customer.id,
            "followup_id": fu.id, "summary": fu.summary[:300], "next_action": fu.next_action,
            "next_due_at": fu.next_due_at.isoformat() if fu.next_due_at else None,
        }, dedupe_key=f"{OTHERS_KIND}:{fu.id}:{customer.owner_id}:{uow.now.isoformat()}")
    elif notified and customer.owner_id == notified:
        effects["owner_notified"] = notified
    return effects


async def _contact_for(uow: UnitOfWork, customer: Customer, d: FollowUpDraft
                       ) -> tuple[int | None, int | None]:
    """(contact id, id of a contact created now)."""
    if d.contact_id is not None:
        c = await uow.session.get(Contact, d.contact_id)
        if c is not None and c.customer_id == customer.id:
            return c.id, None
    mention = (d.contact_name or "").strip()[:40]
    if not mention:
        return None, None
    rows = list((await uow.session.execute(
        select(Contact).where(col(Contact.customer_id) == customer.id))).scalars())
    for c in rows:
        if mention in (c.name, contact_display(c), *(c.aliases or [])):
            return c.id, None
    incomplete = bool(d.contact_surname and d.contact_title)
    contact = Contact(customer_id=customer.id,
                      name=(d.contact_surname or mention)[:40] if incomplete else mention,
                      title=d.contact_title if incomplete else None,
                      name_incomplete=incomplete, aliases=[mention], created_at=uow.now)
    uow.add(contact)
    await uow.flush()
    uow.audit("contact.create", "contact", contact.id, after=snapshot(contact))
    return contact.id, contact.id


async def _task_for(uow: UnitOfWork, rep: User, fu: FollowUp, customer: Customer,
                    d: FollowUpDraft, task_id: int | None) -> int | None:
    """The next-action task: created, moved to the corrected time, or cancelled."""
    task = await uow.session.get(Task, task_id) if task_id else None
    if task is not None and task.status != "open":
        task = None
    if not (d.next_action or fu.next_due_at):
        if task is not None:
            before = snapshot(task)
            task.status = "cancelled"
            uow.add(task)
            uow.audit("task.cancel", "task", task.id, before=before, after=snapshot(task))
        return None
    due_at = fu.next_due_at
    remind_at = None
    if due_at is not None:
        remind_at = max(due_at - REMIND_BEFORE if d.next_time else due_at, uow.now)
    title = f"{customer.name}：{d.next_action or '跟进'}"
    if task is None:
        task = Task(owner_id=rep.id or 0, title=title, customer_id=customer.id,
                    followup_id=fu.id, due_at=due_at, has_time=d.next_time is not None,
                    remind_at=remind_at, created_at=uow.now)
        uow.add(task)
        await uow.flush()
        uow.audit("task.create", "task", task.id, after=snapshot(task))
        return task.id
    before = snapshot(task)
    task.title, task.customer_id, task.due_at = title, customer.id, due_at
    task.has_time, task.remind_at = d.next_time is not None, remind_at
    if before and before.get("remind_at") != (remind_at.isoformat() if remind_at else None):
        task.reminded_at = None
    uow.add(task)
    uow.audit("task.update", "task", task.id, before=before, after=snapshot(task))
    return task.id


async def _touch_lead(uow: UnitOfWork, rep: User, fu: FollowUp, customer_id: int,
                      lead_id: int | None) -> dict[str, Any] | None:
    """The note's own lead: first contact made, activity clock reset. Only that lead."""
    fu.lead_id = None
    if lead_id is None:
        return None
    lead = await uow.session.get(Lead, lead_id)
    if (lead is None or lead.customer_id != customer_id or lead.owner_id != rep.id
            or lead.status not in OPEN_LEAD_STATUSES):
        raise Conflict(f"lead {lead_id} no longer fits follow-up {fu.id}",
                       f"线索 #L{lead_id} 已不在你名下或已关闭，请点「修改」重新选择线索。")
    before = snapshot(lead) or {}
    kept = {k: before.get(k) for k in ("status", "first_contacted_at", "last_activity_at",
                                       "updated_at")}
    lead.status = policy.LEAD_ADVANCE.get(lead.status, lead.status)
    if lead.first_contacted_at is None:
        lead.first_contacted_at = uow.now
    lead.last_activity_at = lead.updated_at = uow.now
    await scoring.score_lead(uow, lead)      # response so far and recency changed
    uow.add(lead)
    fu.lead_id = lead.id
    uow.event(lead.id, "followup", {"followup_id": fu.id, "status": lead.status},
              customer_id=customer_id, actor_id=rep.id)
    uow.audit("lead.followup", "lead", lead.id, before=before, after=snapshot(lead))
    return {"id": lead.id, **kept, "status_after": lead.status}


# --- undo ---------------------------------------------------------------------------------------

async def own_followup(uow: UnitOfWork, rep: User, followup_id: int) -> FollowUp:
    fu = await uow.session.get(FollowUp, followup_id)
    if fu is None or fu.owner_id != rep.id:
        raise NotFound(f"follow-up {followup_id} of {rep.login}",
                       f"没有你记的跟进 #F{followup_id}。")
    return fu


async def undo_followup(uow: UnitOfWork, rep: User, followup_id: int) -> str:
    """Take a saved note back: its lead, task, customer clock, new customer and contact
    return to how they were; the row is deleted (the audit log keeps it). Returns the
    customer's name."""
    fu = await own_followup(uow, rep, followup_id)
    effects = dict(fu.effects or {})
    customer = await uow.session.get(Customer, fu.customer_id) if fu.customer_id else None
    name = customer.name if customer else "客户"
    await _revert(uow, rep, fu, effects, cancel_task=True)
    uow.audit("followup.undo", "followup", fu.id, before=snapshot(fu))
    contact_id = effects.get("contact_created")
    await uow.session.delete(fu)
    await uow.flush()
    if contact_id:
        await _delete_if_unused(uow, Contact, contact_id)
    if customer is not None and effects.get("customer_created"):
        await _delete_if_unused(uow, Customer, customer.id or 0)
    return name


async def _revert(uow: UnitOfWork, rep: User, fu: FollowUp, effects: dict[str, Any], *,
                  cancel_task: bool) -> None:
    at = datetime.fromisoformat(effects["at"]) if effects.get("at") else None
    lead_fx = effects.get("lead")
    if lead_fx:
        lead = await uow.session.get(Lead, lead_fx["id"])
        if lead is not None:
            before = snapshot(lead)
            if lead.status == lead_fx.get("status_after"):
                lead.status = lead_fx["status"]
            for key in ("first_contacted_at", "last_activity_at", "updated_at"):
                if at is not None and getattr(lead, key) == at:
                    old = lead_fx.get(key)
                    setattr(lead, key, datetime.fromisoformat(old) if old else None)
            await scoring.score_lead(uow, lead)
            uow.add(lead)
            uow.event(lead.id, "followup_undone", {"followup_id": fu.id, "status": lead.status},
                      customer_id=lead.customer_id, actor_id=rep.id)
            uow.audit("lead.followup_undo", "lead", lead.id, before=before,
                      after=snapshot(lead))
    customer = await uow.session.get(Customer, effects.get("customer_id") or fu.customer_id)
    cb = effects.get("customer_before") or {}
    if customer is not None and cb:
        before = snapshot(customer)
        if at is not None and customer.last_activity_at == at:
            old = cb.get("last_activity_at")
            customer.last_activity_at = datetime.fromisoformat(old) if old else None
        if cb.get("owner_id") is None and customer.owner_id == rep.id:
            customer.owner_id = None
        uow.add(customer)
        uow.audit("customer.untouch", "customer", customer.id, before=before,
                  after=snapshot(customer))
    task = await uow.session.get(Task, effects["task_id"]) if effects.get("task_id") else None
    if task is not None and cancel_task:      # the note never was: nor was its open task
        before = snapshot(task)
        if task.status == "open":
            uow.audit("task.delete", "task", task.id, before=before)
            await uow.session.delete(task)
        else:
            task.followup_id = None
            uow.add(task)
            uow.audit("task.detach", "task", task.id, before=before, after=snapshot(task))
        await uow.flush()
    fu.lead_id = None


async def _delete_if_unused(uow: UnitOfWork, model: type[Contact] | type[Customer],
                            row_id: int) -> None:
    """A contact or customer the undone note created, unless something else uses it now."""
    s = uow.session
    row = await s.get(model, row_id)
    if row is None:
        return
    if model is Contact:
        used = (await s.execute(select(func.count()).select_from(FollowUp).where(
            col(FollowUp.contact_id) == row_id))).scalar_one() + (await s.execute(
                select(func.count()).select_from(Lead).where(col(Lead.contact_id) == row_id))
            ).scalar_one()
    else:
        used = sum([(await s.execute(select(func.count()).select_from(m).where(
            col(m.customer_id) == row_id))).scalar_one()
            for m in (FollowUp, Lead, Deal, Contact, Task)])
    if used:
        return
    uow.audit(f"{'contact' if model is Contact else 'customer'}.delete",
              "contact" if model is Contact else "customer", row_id, before=snapshot(row))
    await s.delete(row)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadChoice:
    id: int
    label: str


@dataclass(frozen=True, slots=True)
class ContactAt:
    """A contact at the note's customer, as matching a mention needs it."""

    id: int
    name: str
    title: str | None
    name_incomplete: bool
    aliases: list[str]

    @property
    def shown(self) -> str:
        """王建国; 王主任 while only surname and title are known (as `contact_display`)."""
        return f"{self.name}{self.title or ''}" if self.name_incomplete else self.name

    def named_by(self, mention: str) -> bool:
        return mention in (self.name, self.shown, *(self.aliases or []))


# the rep's open leads at a customer, and (with the contacts) its contacts: plain rows in one
# statement, prebuilt (a note reads them at every customer it names)
_LEAD_COLUMNS = (col(Lead.id), col(Lead.owner_id), col(Lead.contact_id), col(Lead.name),
                 col(Lead.title))
_OPEN_LEADS_WHERE = (col(Lead.customer_id) == bindparam("customer_id"),
                     col(Lead.owner_id) == bindparam("rep_id"),
                     col(Lead.status).in_(OPEN_LEAD_STATUSES))
_OPEN_LEADS = select(*_LEAD_COLUMNS).where(*_OPEN_LEADS_WHERE)
_CONTACTS_AND_LEADS: CompoundSelect = union_all(
    select(literal_column("'c'").label("kind"), col(Contact.id), null().label("owner_id"),
           null().label("contact_id"), col(Contact.name), col(Contact.title),
           col(Contact.name_incomplete), col(Contact.aliases))
    .where(col(Contact.customer_id) == bindparam("customer_id")),
    select(literal_column("'l'"), *_LEAD_COLUMNS, null(), null()).where(*_OPEN_LEADS_WHERE))


_NAMED = col(Customer.name).in_(bindparam("names", expanding=True))
_CUSTOMERS_WITH_ROWS: CompoundSelect = union_all(
    # typed NULLs: two untyped ones (here and in the customer's row) would make them text
    select(literal_column("'c'").label("kind"), col(Contact.id),
           cast(null(), Integer).label("owner_id"), cast(null(), Integer).label("contact_id"),
           col(Contact.name), col(Contact.title), col(Contact.name_incomplete),
           col(Contact.aliases), col(Contact.customer_id).label("customer_id"))
    .join(Customer, col(Customer.id) == col(Contact.customer_id)).where(_NAMED),
    select(literal_column("'u'"), col(Customer.id), col(Customer.owner_id), null(),
           col(Customer.name), null(), null(), null(), col(Customer.id)).where(_NAMED),
    select(literal_column("'l'"), *_LEAD_COLUMNS, null(), null(), col(Lead.customer_id))
    .join(Customer, col(Customer.id) == col(Lead.customer_id))
    .where(_NAMED, col(Lead.owner_id) == bindparam("rep_id"),
           col(Lead.status).in_(OPEN_LEAD_STATUSES)))

NoteRows = tuple[list[ContactAt], list[policy.LeadView]]


async def customers_with_rows(uow: UnitOfWork, rep: User, names: list[str]
                              ) -> list[tuple[CustomerRef, NoteRows]]:
    """The customers called exactly one of `names` (as `customers.refs_by_names` finds them
    by name, in that order), each with what `note_rows` reads there (its contacts, the rep's
    open leads): one plain read for a note's customer and all it needs."""
    if not names:
        return []
    return customers_from_rows(
        await uow.sql(_CUSTOMERS_WITH_ROWS, {"names": names, "rep_id": rep.id}), names)


def _named_rows_column(dialect: str) -> Any:
    sub = _CUSTOMERS_WITH_ROWS.subquery("named")
    if dialect == "postgresql":
        agg = func.json_agg(func.json_build_array(*sub.c))
    else:                            # the aliases are JSON text there: kept JSON, not a string
        agg = func.json_group_array(func.json_array(
            *(func.json(c) if c.key == "aliases" else c for c in sub.c)))
    return type_coerce(select(agg).scalar_subquery(), JSON).label("named")


# `customers_with_rows` as one column of another statement (the first read of a typed
# message, `drafts.versions_and_focus`): its rows as a JSON array of arrays
NAMED_ROWS_COLUMN = {d: _named_rows_column(d) for d in ("postgresql", "sqlite")}


def named_rows_params(rep: int, names: list[str]) -> dict[str, Any]:
    """The parameters of `NAMED_ROWS_COLUMN` (what `customers_with_rows` binds)."""
    return {"names": names, "rep_id": rep}


def customers_from_rows(found: Any, names: list[str]
                        ) -> list[tuple[CustomerRef, NoteRows]]:
    """What `customers_with_rows` returns, from its rows (or `NAMED_ROWS_COLUMN`'s value)."""
    refs: dict[str, CustomerRef] = {}
    rows: dict[int, NoteRows] = {}
    for r in found or ():
        got = rows.setdefault(r[8], ([], []))
        if r[0] == "u":
            refs[r[4]] = CustomerRef(r[1], r[4], r[2])
        elif r[0] == "c":
            got[0].append(ContactAt(r[1], r[4], r[5], bool(r[6]), r[7] or []))
        else:
            got[1].append(policy.LeadView(r[1], r[2], r[3], r[4], r[5]))
    out = []
    for name in names:
        ref = refs.get(name)
        if ref is not None:
            contacts, leads = rows.get(ref.id, ([], []))
            contacts.sort(key=lambda c: c.id)
            leads.sort(key=lambda x: x.id)
            out.append((ref, (contacts, leads)))
    return out


async def note_rows(uow: UnitOfWork, rep: User, customer_id: int, *, contacts: bool
                    ) -> tuple[list[ContactAt], list[policy.LeadView]]:
    """The rep's open leads at this customer and, with `contacts`, its contacts (both by
    id): one plain read."""
    params = {"customer_id": customer_id, "rep_id": rep.id}
    found: list[ContactAt] = []
    leads: list[policy.LeadView] = []
    if not contacts:
        for r in await uow.sql(_OPEN_LEADS, params):
            leads.append(policy.LeadView(r[0], r[1], r[2], r[3], r[4]))
    else:
        for r in await uow.sql(_CONTACTS_AND_LEADS, params):
            if r[0] == "c":
                found.append(ContactAt(r[1], r[4], r[5], bool(r[6]), r[7] or []))
            else:
                leads.append(policy.LeadView(r[1], r[2], r[3], r[4], r[5]))
        found.sort(key=lambda c: c.id)
    leads.sort(key=lambda x: x.id)
    return found, leads


def lead_choices(leads: list[policy.LeadView], rep: User, *, contact_id: int | None,
                 contact_names: list[str]) -> tuple[LeadChoice | None, list[LeadChoice]]:
    """Which of these leads a note is about: (the lead, or None and the choices)."""
    pick = policy.pick_lead(leads, rep.id or 0, contact_id=contact_id,
                            contact_names=contact_names)
    by_id = {x.id: x for x in leads}

    def choice(i: int) -> LeadChoice:
        return LeadChoice(i, " ".join(p for p in (by_id[i].name, by_id[i].title) if p) or "—")

    return (choice(pick.lead_id) if pick.lead_id is not None else None,
            [choice(i) for i in pick.candidates])


async def leads_for_note(uow: UnitOfWork, rep: User, customer_id: int, *,
                         contact_id: int | None, contact_names: list[str]
                         ) -> tuple[LeadChoice | None, list[LeadChoice]]:
    """Which lead a note at this customer is about: (the lead, or None and the choices)."""
    _, leads = await note_rows(uow, rep, customer_id, contacts=False)
    return lead_choices(leads, rep, contact_id=contact_id, contact_names=contact_names)
