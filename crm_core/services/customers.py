"""Customers: lookup, the 360° view, contacts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql

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
        select(Customer).where(Customer.name.in_(names))  # type: ignore[attr-defined]
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
    q = select(Contact, Customer).join(Customer, Customer.id == Contact.customer_id).where(
        or_(Contact.name == mention, json_has(uow, Contact.aliases, mention)))
    if customer_id is not None:
        q = q.where(Contact.customer_id == customer_id)
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
        select(Customer).where(Customer.id.in_(ids))  # type: ignore[union-attr]
    )).scalars())
    if viewer is None:
        return rows
    return [c for c in rows if await access.allowed(uow, viewer, "view", c)]


async def contact_id_by_name(uow: UnitOfWork, customer_id: int | None, name: str) -> int | None:
    if customer_id is None:
        return None
    rows = list((await uow.session.execute(
        select(Contact).where(Contact.customer_id == customer_id)
    )).scalars())
    for c in rows:
        if c.name == name or name in (c.aliases or []):
            return c.id
    return None


async def search(uow: UnitOfWork, query: str, limit: int = 8) -> list[Customer]:
    """Exact name or alias first, then names containing the query."""
    q = query.strip()
    if not q:
        return []
    exact = await by_names(uow, [q])
    if exact:
        return exact[:limit]
    return list((await uow.session.execute(
        select(Customer).where(Customer.name.contains(q))  # type: ignore[attr-defined]
        .order_by(Customer.name).limit(limit)
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
        select(Department).where(Department.customer_id == customer_id))).scalars()}
    contacts = [(c, depts.get(c.department_id)) for c in (await s.execute(
        select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id))).scalars()]
    deals = [(d, st) for d, st in (await s.execute(
        select(Deal, Stage.name).join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.customer_id == customer_id).order_by(Deal.id.desc()))).all()]  # type: ignore[union-attr]
    fus = [(f, n) for f, n in (await s.execute(
        select(FollowUp, User.name).join(User, User.id == FollowUp.owner_id, isouter=True)
        .where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.occurred_at.desc()).limit(3))).all()]  # type: ignore[attr-defined]
    tasks = list((await s.execute(
        select(Task).where(Task.customer_id == customer_id, Task.status == "open")
        .order_by(Task.due_at).limit(5))).scalars())
    leads = list((await s.execute(
        select(Lead).where(Lead.customer_id == customer_id,
                           Lead.status.in_(OPEN_LEAD_STATUSES)))).scalars())  # type: ignore[attr-defined]
    from crm_core.services.accounts import decision_chain

    return Customer360(customer, owner, contacts, deals, fus, tasks, leads,
                       extra={"decision_chain": await decision_chain(uow, customer)})
