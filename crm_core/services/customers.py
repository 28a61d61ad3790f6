"""Customers: lookup, the 360° view, contacts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from crm_core.errors import Forbidden, NotFound
from crm_core.models import Contact, Customer, Deal, Department, FollowUp, Lead, Stage, Task, User
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services import access
from crm_core.uow import UnitOfWork


async def by_names(uow: UnitOfWork, names: list[str]) -> list[Customer]:
    """Customers whose canonical name is one of `names`, in that order (then aliases)."""
    if not names:
        return []
    rows = list((await uow.session.execute(
        select(Customer).where(col(Customer.name).in_(names))
    )).scalars())
    found = {c.name: c for c in rows}
    out = [found[n] for n in names if n in found]
    missing = [n for n in names if n not in found]
    for n in missing:
        like = (await uow.session.execute(
            select(Customer).where(json_has(uow, Customer.aliases, n)).limit(5)
        )).scalars().all()
        out.extend(c for c in like if n in (c.aliases or []) and c not in out)
    return out


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """A customer as a note names it: plain values, read without the ORM."""

    id: int
    name: str
    owner_id: int | None


_REF_COLUMNS = (col(Customer.id), col(Customer.name), col(Customer.owner_id))
_REFS_BY_NAME = select(*_REF_COLUMNS).where(
    col(Customer.name).in_(sa.bindparam("names", expanding=True)))


async def refs_by_names(uow: UnitOfWork, names: list[str],
                        found: dict[str, CustomerRef] | None = None) -> list[CustomerRef]:
    """`by_names` as plain values (the same customers, in the same order); `found`: those
    already read by their names (then only the aliases of the others are looked up)."""
    if not names:
        return []
    if found is None:
        found = {r[1]: CustomerRef(r[0], r[1], r[2])
                 for r in await uow.sql(_REFS_BY_NAME, {"names": names})}
    out = [found[n] for n in names if n in found]
    for n in names:
        if n in found:
            continue
        rows = await uow.sql(select(*_REF_COLUMNS, col(Customer.aliases))
                             .where(json_has(uow, Customer.aliases, n)).limit(5))
        out.extend(ref for ref in (CustomerRef(r[0], r[1], r[2]) for r in rows
                                   if n in (r[3] or [])) if ref not in out)
    return out


def json_has(uow: UnitOfWork, column: Any, value: str) -> Any:
    """`value` is an element of a JSON list column (JSONB @> on PostgreSQL)."""
    if uow.db.dialect == "postgresql":
        needle = json.dumps([value], ensure_ascii=False)
        return column.op("@>")(sa.cast(sa.literal(needle), postgresql.JSONB))
    return column.contains(f'"{value}"')


async def find_contacts(
    uow: UnitOfWork, viewer: User, mention: str, customer_id: int | None = None
) -> list[tuple[Contact, Customer]]:
    """Contacts called `mention` (name or alias) at customers the viewer may see."""
    q = select(Contact, Customer).join(
        Customer, col(Customer.id) == col(Contact.customer_id)).where(
        or_(col(Contact.name) == mention, json_has(uow, Contact.aliases, mention)))
    if customer_id is not None:
        q = q.where(col(Contact.customer_id) == customer_id)
    out = []
    for contact, customer in (await uow.session.execute(q.limit(20))).all():
        if await access.allowed(uow, viewer, "view", customer):
            out.append((contact, customer))
    return out


async def by_ids(uow: UnitOfWork, ids: list[int], *, viewer: User | None = None
                 ) -> list[Customer]:
    """Customers by id; with `viewer`, only those the viewer may see."""
    if not ids:
        return []
    rows = list((await uow.session.execute(
        select(Customer).where(col(Customer.id).in_(ids))
    )).scalars())
    if viewer is None:
        return rows
    return [c for c in rows if await access.allowed(uow, viewer, "view", c)]


async def search(uow: UnitOfWork, query: str, limit: int = 8) -> list[Customer]:
    """Exact name or alias first, then names containing the query."""
    q = query.strip()
    if not q:
        return []
    exact = await by_names(uow, [q])
    if exact:
        return exact[:limit]
    return list((await uow.session.execute(
        select(Customer).where(col(Customer.name).contains(q))
        .order_by(col(Customer.name)).limit(limit)
    )).scalars())


@dataclass
class Customer360:
    customer: Customer
    owner: User | None
    contacts: list[tuple[Contact, str | None]]          # (contact, department name)
    deals: list[tuple[Deal, str]]                       # (deal, stage name)
    followups: list[tuple[FollowUp, str | None]]        # (follow-up, rep name)
    tasks: list[Task]
    open_leads: list[Lead]
    extra: dict[str, Any] = field(default_factory=dict)


async def customer_360(uow: UnitOfWork, viewer: User, customer_id: int) -> Customer360:
    s = uow.session
    customer = await s.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id}", "没有找到这个客户")
    if not await access.allowed(uow, viewer, "view", customer):
        owner = await s.get(User, customer.owner_id) if customer.owner_id else None
        who = f"由{owner.name}负责" if owner else "不在你的名下"
        raise Forbidden(f"{viewer.login} may not see customer {customer_id}",
                        f"{customer.name}{who}，你看不到详情。")
    owner = await s.get(User, customer.owner_id) if customer.owner_id else None
    depts = {d.id: d.name for d in (await s.execute(
        select(Department).where(col(Department.customer_id) == customer_id))).scalars()}
    contacts = [(c, depts.get(c.department_id)) for c in (await s.execute(
        select(Contact).where(col(Contact.customer_id) == customer_id)
        .order_by(col(Contact.id)))).scalars()]
    deals = [(d, st) for d, st in (await s.execute(
        select(Deal, col(Stage.name)).join(Stage, col(Stage.id) == col(Deal.stage_id))
        .where(col(Deal.customer_id) == customer_id).order_by(col(Deal.id).desc()))).all()]
    fus = [(f, n) for f, n in (await s.execute(
        select(FollowUp, col(User.name))
        .join(User, col(User.id) == col(FollowUp.owner_id), isouter=True)
        .where(col(FollowUp.customer_id) == customer_id)
        .order_by(col(FollowUp.occurred_at).desc()).limit(3))).all()]
    tasks = list((await s.execute(
        select(Task).where(col(Task.customer_id) == customer_id, col(Task.status) == "open")
        .order_by(col(Task.due_at)).limit(5))).scalars())
    leads = list((await s.execute(
        select(Lead).where(col(Lead.customer_id) == customer_id,
                           col(Lead.status).in_(OPEN_LEAD_STATUSES)))).scalars())
    from crm_core.services.accounts import decision_chain

    return Customer360(customer, owner, contacts, deals, fus, tasks, leads,
                       extra={"decision_chain": await decision_chain(uow, customer)})


_USER_NAMES = "customers.user_names"


async def user_name(uow: UnitOfWork, user_id: int | None) -> str | None:
    """A colleague's name (the owner a note's card names: 「这是李娜的客户」), kept per process
    with the version of the reference cache, which any change to a user bumps
    (crm_core.infra.cache_versions): a note at another rep's customer reads no row for it."""
    if user_id is None:
        return None
    if await uow.changed_cache_sources("reference"):
        user = await uow.session.get(User, user_id)
        return user.name if user else None
    version = await uow.cache_version("reference")
    cached: tuple[int, dict[int, str | None]] | None = uow.db.cache.get(_USER_NAMES)
    if cached is None or cached[0] != version:
        cached = uow.db.cache[_USER_NAMES] = (version, {})
    if user_id not in cached[1]:
        # read after the version: at least as new as what the version stands for
        user = await uow.session.get(User, user_id)
        cached[1][user_id] = user.name if user else None
    return cached[1][user_id]


async def find_contacts_at(uow: UnitOfWork, customer_id: int, mention: str) -> Contact | None:
    """The contact at this customer a mention names (name, alias, or 王主任 for 王 + 主任)."""
    rows = list((await uow.session.execute(
        select(Contact).where(col(Contact.customer_id) == customer_id).order_by(col(Contact.id))
    )).scalars())
    for c in rows:
        shown = f"{c.name}{c.title or ''}" if c.name_incomplete else c.name
        if mention in (c.name, shown, *(c.aliases or [])):
            return c
    return None


async def lead_label(uow: UnitOfWork, lead_id: int) -> str | None:
    lead = await uow.session.get(Lead, lead_id)
    if lead is None:
        return None
    return " ".join(p for p in (lead.name, lead.title) if p) or "—"


@dataclass(frozen=True, slots=True)
class FollowUpView:
    customer_name: str | None
    owner_id: int | None
    owner_name: str | None
    contact_name: str | None
    lead_label: str | None
    has_time: bool


async def followup_view(uow: UnitOfWork, fu: FollowUp) -> FollowUpView:
    """The names a saved follow-up's card shows."""
    s = uow.session
    customer = await s.get(Customer, fu.customer_id) if fu.customer_id else None
    contact = await s.get(Contact, fu.contact_id) if fu.contact_id else None
    task_id = (fu.effects or {}).get("task_id")
    task = await s.get(Task, task_id) if task_id else None
    shown = None
    if contact is not None:
        shown = f"{contact.name}{contact.title or ''}" if contact.name_incomplete \
            else contact.name
    return FollowUpView(
        customer_name=customer.name if customer else None,
        owner_id=customer.owner_id if customer else None,
        owner_name=await user_name(uow, customer.owner_id) if customer else None,
        contact_name=shown, lead_label=await lead_label(uow, fu.lead_id) if fu.lead_id else None,
        has_time=bool(task.has_time) if task is not None else False,
    )
