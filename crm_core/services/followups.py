"""Logging a follow-up: the record, its next-action task with a reminder, the lead status
advanced, the customer's activity clock reset — one transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from crm_core.errors import InvalidInput, NotFound
from crm_core.models import Contact, Customer, FollowUp, Lead, Task, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import scoring
from crm_core.uow import UnitOfWork, snapshot

DEFAULT_DUE_TIME = time(9, 0)        # a date without a clock time is due at 09:00
REMIND_BEFORE = timedelta(minutes=30)
LEAD_ADVANCE = {"new": "contacted", "assigned": "contacted", "claimed": "contacted"}


@dataclass
class FollowUpDraft:
    customer_id: int | None = None
    new_customer_name: str | None = None     # create this customer on save
    contact_id: int | None = None
    contact_name: str | None = None          # a mention not in the catalog ("李总")
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
    leads_advanced: tuple[int, ...]
    created_customer: bool


def customer_kind(name: str) -> str:
    if any(k in name for k in ("医院", "卫生院", "诊所", "医疗中心", "妇幼")):
        return "hospital"
    if any(k in name for k in ("大学", "学院", "学校", "中学", "小学")):
        return "school"
    return "company"


async def log_followup(uow: UnitOfWork, owner: User, draft: FollowUpDraft) -> LoggedFollowUp:
    if not draft.summary.strip():
        raise InvalidInput("empty follow-up summary", "跟进内容不能为空")
    created = False
    if draft.customer_id is not None:
        customer = await uow.session.get(Customer, draft.customer_id)
        if customer is None:
            raise NotFound(f"customer {draft.customer_id}", "客户不存在，可能已被删除")
    elif draft.new_customer_name:
        customer = (await uow.session.execute(
            select(Customer).where(Customer.name == draft.new_customer_name)
        )).scalars().first()
        if customer is None:
            customer = Customer(name=draft.new_customer_name[:120],
                                kind=customer_kind(draft.new_customer_name),
                                owner_id=owner.id, created_at=uow.now)
            uow.add(customer)
            await uow.flush()
            uow.audit("customer.create", "customer", customer.id, after=snapshot(customer))
            created = True
    else:
        raise InvalidInput("follow-up without customer", "请先说明是哪家客户")
    assert customer.id is not None

    contact_id = draft.contact_id
    if contact_id is None and draft.contact_name:
        contact = Contact(customer_id=customer.id, name=draft.contact_name[:40],
                          aliases=[draft.contact_name[:40]], created_at=uow.now)
        uow.add(contact)
        await uow.flush()
        uow.audit("contact.create", "contact", contact.id, after=snapshot(contact))
        contact_id = contact.id

    due_at = remind_at = None
    if draft.next_date is not None:
        due_at = datetime.combine(draft.next_date, draft.next_time or DEFAULT_DUE_TIME,
                                  tzinfo=uow.clock.tz)
        remind_at = due_at - REMIND_BEFORE if draft.next_time else due_at
        if remind_at < uow.now:
            remind_at = uow.now

    fu = FollowUp(
        owner_id=owner.id or 0, customer_id=customer.id, contact_id=contact_id,
        channel=draft.channel, summary=draft.summary.strip()[:2000], attitude=draft.attitude,
        products=list(draft.products), obstacle=draft.obstacle, next_action=draft.next_action,
        next_due_at=due_at, source=draft.source, occurred_at=uow.now, created_at=uow.now,
    )
    uow.add(fu)
    await uow.flush()
    uow.audit("followup.log", "followup", fu.id, after=snapshot(fu))

    task_id = None
    if draft.next_action or due_at is not None:
        task = Task(owner_id=owner.id or 0, title=_task_title(draft, customer.name),
                    customer_id=customer.id, followup_id=fu.id, due_at=due_at,
                    has_time=draft.next_time is not None, remind_at=remind_at,
                    created_at=uow.now)
        uow.add(task)
        await uow.flush()
        uow.audit("task.create", "task", task.id, after=snapshot(task))
        task_id = task.id

    before = snapshot(customer)
    customer.last_activity_at = uow.now
    if customer.owner_id is None:
        customer.owner_id = owner.id
    uow.add(customer)
    uow.audit("customer.touch", "customer", customer.id, before=before, after=snapshot(customer))

    advanced = await _advance_leads(uow, owner, customer.id, fu.id or 0)
    await uow.commit()
    return LoggedFollowUp(
        followup_id=fu.id or 0, task_id=task_id, customer_id=customer.id,
        customer_name=customer.name, due_at=due_at, remind_at=remind_at,
        leads_advanced=tuple(advanced), created_customer=created,
    )


def _task_title(draft: FollowUpDraft, customer_name: str) -> str:
    action = draft.next_action or "跟进"
    return f"{customer_name}：{action}"


async def _advance_leads(
    uow: UnitOfWork, owner: User, customer_id: int, followup_id: int
) -> list[int]:
    """The rep's open leads at this customer: first contact made, activity clock reset."""
    leads = list((await uow.session.execute(select(Lead).where(
        Lead.customer_id == customer_id, Lead.owner_id == owner.id,
        Lead.status.in_(OPEN_LEAD_STATUSES),  # type: ignore[attr-defined]
    ))).scalars())
    advanced: list[int] = []
    for lead in leads:
        before = snapshot(lead)
        new_status = LEAD_ADVANCE.get(lead.status)
        if new_status:
            lead.status = new_status
            advanced.append(lead.id or 0)
        if lead.first_contacted_at is None:
            lead.first_contacted_at = uow.now
        lead.last_activity_at = uow.now
        lead.updated_at = uow.now
        await scoring.score_lead(uow, lead)      # response so far and recency changed
        uow.add(lead)
        uow.event(lead.id, "followup", {"followup_id": followup_id, "status": lead.status},
                  customer_id=customer_id, actor_id=owner.id)
        uow.audit("lead.followup", "lead", lead.id, before=before, after=snapshot(lead))
    return advanced


async def recent_followups(
    uow: UnitOfWork, customer_id: int, limit: int = 5
) -> list[FollowUp]:
    return list((await uow.session.execute(
        select(FollowUp).where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.occurred_at.desc()).limit(limit)  # type: ignore[attr-defined]
    )).scalars())
