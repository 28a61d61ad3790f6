"""Accounts: departments, contacts in decision roles, procurement projects, the decision
chain (`/客户` shows which roles have been met and which not yet), and editing contacts and
customers' profiles from chat (/联系人, /客户 … 改). Nothing here commits: the command does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.errors import InvalidInput, NotFound
from crm_core.models import Contact, Customer, Deal, Department, FollowUp, User
from crm_core.models.accounts import DECISION_ROLES
from crm_core.models.accounts_ext import ProcurementContact, ProcurementProject
from crm_core.policies.contact_info import BadContactInfo, normalize_phone
from crm_core.services import access
from crm_core.services.catalog import get_config
from crm_core.uow import UnitOfWork, snapshot

CHAIN_KEY = "decision_chain"
DEFAULT_CHAINS: dict[str, list[str]] = {
    "hospital": ["临床科室主任", "设备科", "采购科", "院长"],
    "company": ["技术负责人", "采购经理", "总经理"],
}


@dataclass(frozen=True, slots=True)
class ChainLink:
    role: str
    status: str                    # met | known | missing
    contacts: tuple[str, ...] = ()


async def chain_roles(uow: UnitOfWork, kind: str) -> list[str]:
    chains = await get_config(uow, CHAIN_KEY, DEFAULT_CHAINS)
    return list(chains.get(kind) or DEFAULT_CHAINS.get(kind) or [])


async def decision_chain(uow: UnitOfWork, customer: Customer) -> list[ChainLink]:
    """The roles this kind of customer decides with, plus any role a project names."""
    s = uow.session
    roles = await chain_roles(uow, customer.kind)
    contacts = list((await s.execute(
        select(Contact).where(col(Contact.customer_id) == customer.id))).scalars())
    extra = (await s.execute(
        select(col(ProcurementContact.role), col(ProcurementContact.contact_id))
        .join(ProcurementProject, col(ProcurementProject.id) == col(ProcurementContact.project_id))
        .where(col(ProcurementProject.customer_id) == customer.id,
               col(ProcurementProject.status) == "open"))).all()
    by_role: dict[str, list[Contact]] = {}
    for c in contacts:
        if c.decision_role:
            by_role.setdefault(c.decision_role, []).append(c)
    ids = {c.id: c for c in contacts}
    for role, cid in extra:
        if role not in roles:
            roles.append(role)
        if cid in ids and ids[cid] not in by_role.get(role, []):
            by_role.setdefault(role, []).append(ids[cid])
    met_ids: set[int] = set()
    if contacts:
        met_ids = {int(x) for x in (await s.execute(
            select(col(FollowUp.contact_id)).where(
                col(FollowUp.contact_id).in_([c.id for c in contacts]))
            .group_by(col(FollowUp.contact_id)))).scalars() if x is not None}
    out: list[ChainLink] = []
    for role in roles:
        people = by_role.get(role, [])
        met = [c.name for c in people if c.id in met_ids]
        if met:
            out.append(ChainLink(role, "met", tuple(met)))
        elif people:
            out.append(ChainLink(role, "known", tuple(c.name for c in people)))
        else:
            out.append(ChainLink(role, "missing"))
    return out


async def _customer(uow: UnitOfWork, user: User, customer_id: int) -> Customer:
    customer = await uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id}", "没有找到这个客户")
    await access.authorize(uow, user, "act", customer, "这个客户不在你的名下")
    return customer


async def add_department(uow: UnitOfWork, user: User, customer_id: int, name: str
                         ) -> Department:
    await _customer(uow, user, customer_id)
    name = name.strip()
    found = (await uow.session.execute(select(Department).where(
        col(Department.customer_id) == customer_id, col(Department.name) == name)
    )).scalars().first()
    if found is not None:
        return found
    dep = Department(customer_id=customer_id, name=name)
    uow.add(dep)
    await uow.flush()
    uow.audit("department.create", "department", dep.id, after=snapshot(dep))
    return dep


async def department_name(uow: UnitOfWork, department_id: int | None) -> str | None:
    dep = await uow.session.get(Department, department_id) if department_id else None
    return dep.name if dep else None


async def add_contact(uow: UnitOfWork, user: User, customer_id: int, name: str, *,
                      department: str | None = None, title: str | None = None,
                      decision_role: str | None = None, phone: str | None = None) -> Contact:
    await _customer(uow, user, customer_id)
    if not 2 <= len(name.strip()) <= 20:
        raise InvalidInput("bad contact name", "姓名要 2–20 个字")
    try:
        phone = normalize_phone(phone)
    except BadContactInfo as e:
        raise InvalidInput("bad phone", f"「{phone}」不是有效的电话号码") from e
    if decision_role and decision_role not in DECISION_ROLES:
        raise InvalidInput(f"role {decision_role}",
                           f"没有「{decision_role}」这个决策角色。可选：{'、'.join(DECISION_ROLES)}")
    dep_id = None
    if department:
        dep = (await uow.session.execute(select(Department).where(
            col(Department.customer_id) == customer_id, col(Department.name) == department)))\
            .scalars().first()
        if dep is None:
            dep = Department(customer_id=customer_id, name=department)
            uow.add(dep)
            await uow.flush()
        dep_id = dep.id
    c = Contact(customer_id=customer_id, department_id=dep_id, name=name.strip(), title=title,
                decision_role=decision_role, phone=phone, created_at=uow.now)
    uow.add(c)
    await uow.flush()
    uow.audit("contact.create", "contact", c.id, after=snapshot(c))
    return c


async def create_project(
    uow: UnitOfWork, user: User, customer_id: int, name: str, *,
    contacts: Sequence[tuple[int, str]] = (), products: Sequence[str] = (),
    deal_id: int | None = None, budget: float | None = None,
) -> ProcurementProject:
    """A procurement project: one customer, contacts in roles, products, and a deal."""
    await _customer(uow, user, customer_id)
    if deal_id is not None:
        deal = await uow.session.get(Deal, deal_id)
        if deal is None or deal.customer_id != customer_id:
            raise InvalidInput("deal of another customer", "这个商机不属于该客户")
    p = ProcurementProject(customer_id=customer_id, deal_id=deal_id, name=name.strip(),
                           products=list(products), budget=budget, created_by=user.id,
                           created_at=uow.now)
    uow.add(p)
    await uow.flush()
    for contact_id, role in contacts:
        c = await uow.session.get(Contact, contact_id)
        if c is None or c.customer_id != customer_id:
            raise InvalidInput("contact of another customer", "联系人不属于该客户")
        uow.add(ProcurementContact(project_id=p.id or 0, contact_id=contact_id, role=role))
    uow.audit("procurement.create", "procurement_project", p.id,
              after={**(snapshot(p) or {}), "contacts": [list(x) for x in contacts]})
    return p


async def project_count(uow: UnitOfWork, customer_id: int) -> int:
    n = (await uow.session.execute(select(func.count()).select_from(ProcurementProject).where(
        col(ProcurementProject.customer_id) == customer_id))).scalar_one()
    return int(n)
