"""Editing a contact (/联系人 #C12) or a customer's profile (/客户 鼓楼医院 改) in chat, and
adding a contact (/联系人 添加 鼓楼医院). Declared dialogs: the card shows every field and
what changes; [修改] picks a field; the answer is checked by `crm_core.services.profiles`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.context import Context
from bot.dialogs import engine
from bot.dialogs.declare import Answer, Choice, Dialog, Saved, Slot, Turn
from bot.messages import Card, Reply, Text
from crm_core.models.accounts import CUSTOMER_KINDS, DECISION_ROLES
from crm_core.services import accounts, profiles
from crm_core.services import customers as customer_service
from crm_core.uow import UnitOfWork

SPLIT = re.compile(r"[、,，;；\s]+")
CLEAR_WORDS = ("无", "清空", "删除", "没有")


@dataclass
class ProfileEdit:
    entity: str = "contact"              # contact | customer
    entity_id: int = 0
    name: str = ""                       # what the card is about
    values: dict[str, Any] = field(default_factory=dict)
    original: dict[str, Any] = field(default_factory=dict)
    phrases: list[str] = field(default_factory=list)


def _fields(d: ProfileEdit) -> dict[str, str]:
    return profiles.CONTACT_FIELDS if d.entity == "contact" else profiles.CUSTOMER_FIELDS


def _shown(key: str, value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(x) for x in value) or "—"
    if key == "kind":
        return CUSTOMER_KINDS.get(str(value), str(value or "—"))
    return str(value) if value else "—"


def changes(d: ProfileEdit) -> dict[str, Any]:
    return {k: v for k, v in d.values.items() if v != d.original.get(k)}


def _reader(key: str) -> Any:
    async def read(t: Turn, d: ProfileEdit, text: str) -> Answer:
        value = text.strip()
        if value in CLEAR_WORDS:
            d.values[key] = [] if key in profiles.LIST_FIELDS else None
        elif key in profiles.LIST_FIELDS:
            d.values[key] = [w for w in SPLIT.split(value) if w]
        elif key == "name" and not 2 <= len(value) <= 20:
            return "姓名要 2–20 个字。"
        else:
            d.values[key] = value[:120]
        d.phrases.append(value[:100])
        return None
    return read


def _choices_of(options: Sequence[str] | dict[str, str]) -> Any:
    async def choices(t: Turn, d: ProfileEdit) -> Sequence[Choice]:
        if isinstance(options, dict):
            return [Choice(label, key) for key, label in options.items()]
        return [Choice(o, o) for o in options]
    return choices


def _slot(key: str, label: str) -> Slot[ProfileEdit]:
    opts: Any = None
    if key == "decision_role":
        opts = _choices_of(DECISION_ROLES)
    elif key == "kind":
        opts = _choices_of(CUSTOMER_KINDS)

    async def pick(t: Turn, d: ProfileEdit, value: str) -> Answer:
        d.values[key] = value
        return None

    hint = "；列表用「、」分隔" if key in profiles.LIST_FIELDS else ""
    return Slot(key, label, f"新的{label}是？（回复「无」清空{hint}）", read=_reader(key),
                choices=opts, pick=pick if opts else None, missing=lambda t, d: False)


async def _card(t: Turn, d: ProfileEdit) -> Card:
    labels = _fields(d)
    fields = tuple((labels[k], _shown(k, d.values.get(k))) for k in labels)
    diff = [f"{labels[k]}：{_shown(k, d.original.get(k))} → {_shown(k, v)}"
            for k, v in changes(d).items()]
    head = "联系人" if d.entity == "contact" else "客户"
    ref = f" #C{d.entity_id}" if d.entity == "contact" else ""
    body = "\n".join(diff) if diff else "点「修改」选要改的项，也可以直接回复「电话 138…」。"
    return Card(f"修改{head}{ref} · {d.name}", fields=fields, body=body)


async def _understand(t: Turn, d: ProfileEdit, text: str) -> Answer:
    """「电话 13800001111」「职务 骨科主任」: a field name and its new value."""
    labels = _fields(d)
    word, _, rest = text.strip().partition(" ")
    key = next((k for k, label in labels.items() if word in (label, k)), None)
    if key is None:
        key = next((k for k, label in labels.items() if text.strip().startswith(label)), None)
        rest = text.strip()[len(labels[key]):] if key else ""
    if key is None or not rest.strip():
        return f"回复「项目 新值」，如「{next(iter(labels.values()))} …」，或点「修改」。"
    return await _reader(key)(t, d, rest.strip(" ：:"))


async def _save(t: Turn, uow: UnitOfWork, d: ProfileEdit) -> Saved:
    diff = changes(d)
    if not diff:
        return Saved([Text("没有改动。")])
    if d.entity == "contact":
        edited = await profiles.edit_contact(uow, t.ctx.user, d.entity_id, diff)
    else:
        edited = await profiles.edit_customer(uow, t.ctx.user, d.entity_id, diff)
    lines = [f"{label}：{_shown('', old)} → {_shown('', new)}"
             for label, old, new in edited.changed]
    head = f"联系人 #C{d.entity_id}" if d.entity == "contact" else f"客户 {d.name}"
    return Saved([Text(f"✅ 已修改{head}：\n" + "\n".join(lines))], d.entity, d.entity_id)


def _dialog(entity: str, fields: dict[str, str]) -> Dialog[ProfileEdit]:
    return Dialog(
        name=f"{entity}_edit", title="资料修改", draft=ProfileEdit,
        slots=tuple(_slot(k, label) for k, label in fields.items()),
        confirm=_card, save=_save, understand=_understand, confirm_label="保存",
        cancelled="已取消，资料没有改。", summary=lambda d: d.name,
        edit_hint="选要改的一项。",
    )


CONTACT_EDIT = engine.register(_dialog("contact", profiles.CONTACT_FIELDS))
CUSTOMER_EDIT = engine.register(_dialog("customer", profiles.CUSTOMER_FIELDS))


async def edit_contact(ctx: Context, contact_id: int, change: str = "") -> list[Reply]:
    async with ctx.uow() as uow:
        contact, customer = await profiles.contact_of(uow, ctx.user, contact_id)
        dept = await accounts.department_name(uow, contact.department_id)
    values = {"name": profiles.contact_shown(contact), "title": contact.title,
              "department": dept, "decision_role": contact.decision_role,
              "phone": contact.phone}
    d = ProfileEdit("contact", contact_id, f"{values['name']}（{customer.name}）", dict(values),
                    dict(values))
    return await _start(ctx, CONTACT_EDIT, d, change)


async def edit_customer(ctx: Context, customer_id: int, change: str = "") -> list[Reply]:
    async with ctx.uow() as uow:
        customer = await profiles.visible_customer(uow, ctx.user, customer_id)
    values = {k: getattr(customer, k) for k in profiles.CUSTOMER_FIELDS}
    values = {k: list(v) if isinstance(v, list) else v for k, v in values.items()}
    d = ProfileEdit("customer", customer_id, customer.name, dict(values),
                    {k: list(v) if isinstance(v, list) else v for k, v in values.items()})
    return await _start(ctx, CUSTOMER_EDIT, d, change)


async def _start(ctx: Context, dialog: Dialog[ProfileEdit], d: ProfileEdit,
                 change: str) -> list[Reply]:
    turn = Turn(ctx, 0, dialog.name)
    if change.strip():
        answer = await _understand(turn, d, change)
        if isinstance(answer, str):
            turn.say(answer)
    return await engine.start(ctx, dialog, d, notes=turn.notes)


# --- adding a contact ------------------------------------------------------------------------

@dataclass
class NewContact:
    customer_id: int | None = None
    customer: str = ""
    name: str = ""
    title: str | None = None
    department: str | None = None
    decision_role: str | None = None
    phone: str | None = None


async def add_contact(ctx: Context, customer_id: int, customer: str,
                      words: Sequence[str] = ()) -> list[Reply]:
    """/联系人 添加 鼓楼医院 [姓名 [职务] [电话]]"""
    d = NewContact(customer_id, customer)
    for w in words:
        if re.fullmatch(r"[+\d\-（）() ]{7,}", w):
            d.phone = w
        elif not d.name:
            d.name = w[:20]
        elif not d.title:
            d.title = w[:40]
    return await engine.start(ctx, CONTACT_ADD, d)


async def _read_name(t: Turn, d: NewContact, text: str) -> Answer:
    name = text.strip()
    if not 2 <= len(name) <= 20:
        return "姓名要 2–20 个字。"
    d.name = name
    return None


def _add_slot(key: str, label: str) -> Slot[NewContact]:
    async def read(t: Turn, d: NewContact, text: str) -> Answer:
        setattr(d, key, None if text.strip() in CLEAR_WORDS else text.strip()[:60])
        return None

    async def pick(t: Turn, d: NewContact, value: str) -> Answer:
        setattr(d, key, value)
        return None

    opts = _choices_of(DECISION_ROLES) if key == "decision_role" else None
    return Slot(key, label, f"{label}是？", read=read, choices=opts,
                pick=pick if opts else None, missing=lambda t, d: False)


async def _add_card(t: Turn, d: NewContact) -> Card:
    return Card(f"添加联系人 · {d.customer}", fields=(
        ("姓名", d.name or "—"), ("职务", d.title or "—"), ("科室", d.department or "—"),
        ("决策角色", d.decision_role or "—"), ("电话", d.phone or "—")),
        body="点「修改」补充职务、科室、决策角色或电话。")


async def _add_save(t: Turn, uow: UnitOfWork, d: NewContact) -> Saved:
    c = await accounts.add_contact(uow, t.ctx.user, d.customer_id or 0, d.name,
                                   department=d.department, title=d.title,
                                   decision_role=d.decision_role, phone=d.phone)
    return Saved([Text(f"✅ 已添加联系人 #C{c.id}：{c.name}（{d.customer}）")], "contact", c.id)


CONTACT_ADD = engine.register(Dialog(
    name="contact_add", title="新联系人", draft=NewContact,
    slots=(Slot("name", "姓名", "联系人叫什么名字？", read=_read_name),
           _add_slot("title", "职务"), _add_slot("department", "科室"),
           _add_slot("decision_role", "决策角色"), _add_slot("phone", "电话")),
    confirm=_add_card, save=_add_save, confirm_label="添加",
    cancelled="已取消，没有添加联系人。", summary=lambda d: f"{d.customer} {d.name}",
))


async def find_customer(ctx: Context, name: str) -> list[Any]:
    async with ctx.uow() as uow:
        return list(await customer_service.search(uow, name, limit=6))
