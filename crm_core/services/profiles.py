"""Editing contacts and customers' profiles from chat (/联系人, /客户 … 改).

Each change is validated, audited with before/after, and bumps the catalog so the next
message already knows the new name. Who may edit: whoever may see the customer (a rep:
their own customers; managers: their teams'). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from crm_core.errors import InvalidInput, NotFound
from crm_core.models import Contact, Customer, Department, User
from crm_core.models.accounts import CUSTOMER_KINDS, DECISION_ROLES
from crm_core.policies.contact_info import BadContactInfo, normalize_phone
from crm_core.services import access
from crm_core.uow import UnitOfWork, snapshot

CONTACT_FIELDS: dict[str, str] = {"name": "姓名", "title": "职务", "department": "科室",
                                  "decision_role": "决策角色", "phone": "电话"}
CUSTOMER_FIELDS: dict[str, str] = {"kind": "类型", "grade": "等级", "industry": "行业",
                                   "province": "省份", "city": "城市", "district": "区县",
                                   "address": "地址", "aliases": "简称",
                                   "past_models": "历史合作型号"}
LIST_FIELDS = frozenset({"aliases", "past_models"})


@dataclass(frozen=True, slots=True)
class Edited:
    entity: str
    entity_id: int
    changed: tuple[tuple[str, Any, Any], ...]      # (label, before, after)


async def visible_customer(uow: UnitOfWork, user: User, customer_id: int | None) -> Customer:
    customer = await uow.session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        raise NotFound(f"customer {customer_id}", "没有找到这个客户")
    await access.authorize(uow, user, "act", customer, f"{customer.name}不在你的名下，不能修改。")
    return customer


async def contact_of(uow: UnitOfWork, user: User, contact_id: int) -> tuple[Contact, Customer]:
    contact = await uow.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id}", f"没有联系人 #C{contact_id}")
    return contact, await visible_customer(uow, user, contact.customer_id)


async def edit_contact(uow: UnitOfWork, user: User, contact_id: int,
                       changes: Mapping[str, str | None]) -> Edited:
    """Change some of name / title / department / decision_role / phone."""
    contact, customer = await contact_of(uow, user, contact_id)
    before = snapshot(contact)
    shown_before = contact_shown(contact)
    changed: list[tuple[str, Any, Any]] = []
    for key, raw in changes.items():
        if key not in CONTACT_FIELDS:
            raise InvalidInput(f"contact field {key}", f"联系人没有「{key}」这一项")
        value = (raw or "").strip() or None
        old: Any = getattr(contact, key, None)
        if key == "name":
            if value is None or not 2 <= len(value) <= 20:
                raise InvalidInput("bad name", "姓名要 2–20 个字")
            if contact.name_incomplete:
                old = shown_before
            contact.name, contact.name_incomplete = value, False
        elif key == "department":
            dep = await _department(uow, customer.id or 0, value) if value else None
            old_dep = await uow.session.get(Department, contact.department_id) \
                if contact.department_id else None
            old = old_dep.name if old_dep else None
            contact.department_id = dep.id if dep else None
        elif key == "decision_role":
            if value is not None and value not in DECISION_ROLES:
                raise InvalidInput(f"role {value}", f"没有「{value}」这个决策角色。可选："
                                   f"{'、'.join(DECISION_ROLES)}")
            contact.decision_role = value
        elif key == "phone":
            try:
                contact.phone = normalize_phone(value)
            except BadContactInfo as e:
                raise InvalidInput("bad phone", f"「{value}」不是有效的电话号码") from e
            value = contact.phone
        else:
            contact.title = value
        if (old or None) != (value or None):
            changed.append((CONTACT_FIELDS[key], old, value))
    shown = contact_shown(contact)
    if shown_before != shown and shown_before not in (contact.aliases or []):
        contact.aliases = [*(contact.aliases or []), shown_before][:20]
    uow.add(contact)
    uow.audit("contact.update", "contact", contact.id, before=before, after=snapshot(contact))
    return Edited("contact", contact.id or 0, tuple(changed))


def contact_shown(c: Contact) -> str:
    return f"{c.name}{c.title or ''}" if c.name_incomplete else c.name


async def _department(uow: UnitOfWork, customer_id: int, name: str) -> Department:
    dep = (await uow.session.execute(select(Department).where(
        col(Department.customer_id) == customer_id, col(Department.name) == name)
    )).scalars().first()
    if dep is None:
        dep = Department(customer_id=customer_id, name=name[:40])
        uow.add(dep)
        await uow.flush()
        uow.audit("department.create", "department", dep.id, after=snapshot(dep))
    return dep


async def edit_customer(uow: UnitOfWork, user: User, customer_id: int,
                        changes: Mapping[str, Any]) -> Edited:
    """Change some profile fields; list fields take a list (replace) of strings."""
    customer = await visible_customer(uow, user, customer_id)
    before = snapshot(customer)
    changed: list[tuple[str, Any, Any]] = []
    for key, raw in changes.items():
        if key not in CUSTOMER_FIELDS:
            raise InvalidInput(f"customer field {key}", f"客户没有「{key}」这一项")
        old = getattr(customer, key)
        value: Any
        if key in LIST_FIELDS:
            items = [str(x).strip()[:60] for x in (raw or []) if str(x).strip()]
            value = list(dict.fromkeys(items))[:30]
            if key == "aliases" and customer.name in value:
                value.remove(customer.name)
        elif key == "kind":
            value = _kind(str(raw or ""))
        else:
            value = (str(raw).strip()[:120] if raw else None) or None
        setattr(customer, key, value)
        if (old or None) != (value or None):
            changed.append((CUSTOMER_FIELDS[key], old, value))
    uow.add(customer)
    uow.audit("customer.update", "customer", customer.id, before=before,
              after=snapshot(customer))
    return Edited("customer", customer.id or 0, tuple(changed))


def _kind(text: str) -> str:
    t = text.strip()
    if t in CUSTOMER_KINDS:
        return t
    for key, label in CUSTOMER_KINDS.items():
        if t == label:
            return key
    raise InvalidInput(f"kind {t}", f"类型可选：{'、'.join(CUSTOMER_KINDS.values())}")


def kind_label(kind: str) -> str:
    return CUSTOMER_KINDS.get(kind, kind)


async def contacts_of(uow: UnitOfWork, user: User, customer_id: int
                      ) -> tuple[Customer, list[Contact]]:
    customer = await visible_customer(uow, user, customer_id)
    rows = list((await uow.session.execute(select(Contact).where(
        col(Contact.customer_id) == customer_id).order_by(col(Contact.id)))).scalars())
    return customer, rows


async def incomplete_contacts(uow: UnitOfWork, user: User, limit: int = 20
                              ) -> list[tuple[Contact, Customer]]:
    """Contacts known only by surname and title, at customers the user owns."""
    rows = (await uow.session.execute(
        select(Contact, Customer).join(Customer, col(Customer.id) == col(Contact.customer_id))
        .where(col(Contact.name_incomplete).is_(True), col(Customer.owner_id) == user.id)
        .order_by(col(Contact.id).desc()).limit(limit))).all()
    return [(c, cust) for c, cust in rows]
