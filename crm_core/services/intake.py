"""Lead intake: one service behind every door (HTTP form, import, chat).

Validates and normalises, parks incomplete leads in the pending pool with reasons,
de-duplicates by phone / e-mail across channels (one person, one record), is idempotent on a
client-supplied id, and routes the lead — all in one transaction with its audit rows and the
owner's notifications.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from crm_core.errors import InvalidInput
from crm_core.models import Contact, Customer, IntakeRequest, Lead, User
from crm_core.policies.contact_info import BadContactInfo, normalize_email, normalize_phone
from crm_core.services import routing, routing_state
from crm_core.uow import UnitOfWork, snapshot

log = logging.getLogger(__name__)

TEXT_FIELDS: tuple[str, ...] = (
    "company", "name", "title", "phone", "email", "address", "product", "message",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "client_id",
    "source", "province", "city", "district",
)
KNOWN_FIELDS: frozenset[str] = frozenset((*TEXT_FIELDS, "budget"))
MAX_FIELD_CHARS = 2000
FIELD_LABELS: dict[str, str] = {
    "company": "单位", "name": "姓名", "phone": "电话", "email": "邮箱", "budget": "预算",
}


@dataclass(frozen=True, slots=True)
class IntakeResult:
    lead_id: int | None
    status: str                                # pending | new | assigned | … | merged
    merged_into: dict[str, int | None] | None = None
    owner: str | None = None                   # owner's name
    owner_login: str | None = None
    offered_to: list[str] = field(default_factory=list)
    reason: str | None = None
    problems: list[str] = field(default_factory=list)   # why a lead is pending
    duplicate_of_owner: str | None = None      # "这个号码已属于张三的客户…"
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["offered_to"] = list(self.offered_to)
        out["problems"] = list(self.problems)
        if self.merged_into is not None:
            out["merged_into"] = dict(self.merged_into)
        return out


def parse_payload(payload: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Type-check and normalise a raw payload. Returns (clean values, per-field errors)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in TEXT_FIELDS:
        value = payload.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[key] = "must be a string"
            continue
        text = str(value).strip()
        if len(text) > MAX_FIELD_CHARS:
            errors[key] = f"longer than {MAX_FIELD_CHARS} characters"
            continue
        if text:
            clean[key] = text
    budget = payload.get("budget")
    if budget not in (None, ""):
        try:
            if isinstance(budget, bool):
                raise ValueError
            b = float(str(budget).replace(",", "").replace("万", "e4").strip())
            if b < 0 or b != b:
                raise ValueError
            clean["budget"] = b
        except ValueError:
            errors["budget"] = "must be a non-negative number"
    try:
        clean["phone"] = normalize_phone(clean.get("phone"))
    except BadContactInfo as e:
        errors["phone"] = str(e)
    try:
        clean["email"] = normalize_email(clean.get("email"))
    except BadContactInfo as e:
        errors["email"] = str(e)
    return clean, errors


async def intake_lead(
    uow: UnitOfWork, payload: Mapping[str, Any], *, channel: str = "web",
    idempotency_key: str | None = None, commit: bool = True, owner_id: int | None = None,
) -> IntakeResult:
    """Take one lead from any door. Raises InvalidInput (nothing stored) for a bad payload.

    With `commit=False` the caller owns the transaction (an all-or-nothing import).
    With `owner_id` (a rep entering a lead they found, in chat) the lead is theirs, claimed,
    instead of being routed.
    """
    clean, errors = parse_payload(payload)
    if errors:
        raise InvalidInput(f"invalid lead payload: {sorted(errors)}",
                           "线索信息格式有误", fields=errors)
    if not any(clean.get(k) for k in ("company", "name", "phone", "email", "message")):
        raise InvalidInput("empty lead payload", "线索是空的", fields={"*": "no lead data"})
    key = idempotency_key or clean.get("client_id")
    found = await _lookup(uow, key, clean)
    if "request" in found:
        stored = await uow.session.get(IntakeRequest, key)
        if stored is not None:
            return IntakeResult(**{**stored.response, "replayed": True})

    result = await _intake(uow, payload, clean, channel, owner_id, found)
    if key:
        # appended: written with the commit, where a concurrent twin's INSERT collides
        uow.append(IntakeRequest, key=key, lead_id=result.lead_id, response=result.to_json(),
                   created_at=uow.now)
    if not commit:
        await uow.flush()
        return result
    try:
        await uow.commit()
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer what it stored.
        await uow.rollback()
        if key:
            stored = await uow.session.get(IntakeRequest, key)
            if stored is not None:
                return IntakeResult(**{**stored.response, "replayed": True})
        raise
    return result


# Every read an intake needs before it writes, in one indexed statement: the client id seen
# before, the person as an open lead or a contact (phone / e-mail: MULTI-INDEX OR on
# ix_lead_phone / ix_lead_email and ix_contact_*), the organisation by its exact name.
LOOKUP_SQL = text(
    'SELECT \'request\' AS what, 0 AS id FROM intake_request WHERE "key" = :key'
    " UNION ALL SELECT * FROM (SELECT 'lead' AS what, id FROM lead"
    "  WHERE phone = :phone OR email = :email ORDER BY id DESC LIMIT 1) AS l"
    " UNION ALL SELECT * FROM (SELECT 'contact' AS what, id FROM contact"
    "  WHERE phone = :phone OR email = :email LIMIT 1) AS c"
    " UNION ALL SELECT * FROM (SELECT 'customer' AS what, id FROM customer"
    "  WHERE name = :company LIMIT 1) AS k"
)
# On SQLite the same statement also says whether another connection committed since this
# one last looked: the stamp that keeps the cached routing inputs valid without a query
LOOKUP_SQL_SQLITE = text(
    str(LOOKUP_SQL) + " UNION ALL SELECT 'data_version', data_version FROM pragma_data_version()")


async def _lookup(uow: UnitOfWork, key: str | None, clean: dict[str, Any]) -> dict[str, int]:
    sqlite = uow.db.dialect == "sqlite"
    rows = (await uow.sql(LOOKUP_SQL_SQLITE if sqlite else LOOKUP_SQL, {
        "key": key, "phone": clean.get("phone"), "email": clean.get("email"),
        "company": clean.get("company")})).all()
    found = {str(what): int(id_) for what, id_ in rows}
    if "data_version" in found:
        routing_state.note_data_version(uow, found.pop("data_version"))
    return found


async def _intake(
    uow: UnitOfWork, payload: Mapping[str, Any], clean: dict[str, Any], channel: str,
    owner_id: int | None, found: dict[str, int],
) -> IntakeResult:
    phone, email = clean.get("phone"), clean.get("email")
    dup: Lead | Contact | None = None
    if "lead" in found:
        dup = await uow.session.get(Lead, found["lead"])
    elif "contact" in found:
        dup = await uow.session.get(Contact, found["contact"])
    if dup is not None:
        return await _merge(uow, dup, payload, clean, channel)

    problems: list[str] = []
    if not phone and not email:
        problems.append("缺少电话和邮箱")
    if not clean.get("company"):
        problems.append("缺少单位名称")
    customer = await uow.session.get(Customer, found["customer"]) \
        if "customer" in found else None
    lead = Lead(
        status="pending" if problems else "new",
        customer_id=customer.id if customer else None,
        company=customer.name if customer else clean.get("company"),
        name=clean.get("name"), title=clean.get("title"), phone=phone, email=email,
        address=clean.get("address"), province=clean.get("province"), city=clean.get("city"),
        district=clean.get("district"), product_text=clean.get("product"),
        budget=clean.get("budget"), message=clean.get("message"),
        source_channel=clean.get("source") or channel,
        utm_source=clean.get("utm_source"), utm_medium=clean.get("utm_medium"),
        utm_campaign=clean.get("utm_campaign"), utm_content=clean.get("utm_content"),
        utm_term=clean.get("utm_term"), client_id=clean.get("client_id"),
        raw_payload=_raw(payload), invalid_reasons=problems,
        created_at=uow.now, updated_at=uow.now,
    )
    created = snapshot(lead)

    def record_created() -> None:
        assert created is not None
        created["id"] = lead.id
        uow.event(lead.id, "created", {"channel": lead.source_channel, "problems": problems})
        uow.audit("lead.create", "lead", lead.id, after=created)

    async def insert_as_created() -> None:
        uow.add(lead)
        await uow.flush()
        record_created()

    if problems:
        await insert_as_created()
        return IntakeResult(lead_id=lead.id, status="pending", problems=problems)
    entered_by = await uow.session.get(User, owner_id) if owner_id else None
    if entered_by is not None:
        await insert_as_created()
        reason = f"{entered_by.name}在聊天中录入"
        await routing.assign_lead(uow, lead, entered_by, reason)
        lead.status, lead.claimed_at = "claimed", uow.now
        uow.add(lead)
        return IntakeResult(lead_id=lead.id, status=lead.status, owner=entered_by.name,
                            owner_login=entered_by.login, reason=reason)
    # routed: the lead is inserted once, with its score, region and owner already on it
    outcome = await routing.route_new_lead(uow, lead, on_insert=record_created)
    users = (await routing_state.reference(uow)).users_by_id
    owner = users.get(outcome.owner_id) if outcome.owner_id else None
    offered = [users[uid].name for uid in outcome.offered_to if uid in users]
    return IntakeResult(
        lead_id=lead.id, status=lead.status, owner=owner.name if owner else None,
        owner_login=owner.login if owner else None, offered_to=offered, reason=outcome.reason,
    )


async def _merge(
    uow: UnitOfWork, dup: Lead | Contact, payload: Mapping[str, Any], clean: dict[str, Any],
    channel: str,
) -> IntakeResult:
    detail = {"channel": clean.get("source") or channel, "payload": _raw(payload)}
    if isinstance(dup, Lead):
        lead, contact_id, customer_id = dup, dup.contact_id, dup.customer_id
        owner_id = dup.owner_id
    else:
        lead, contact_id, customer_id = None, dup.id, dup.customer_id
        customer = await uow.session.get(Customer, customer_id) if customer_id else None
        owner_id = customer.owner_id if customer else None
    uow.event(lead.id if lead else None, "inquiry", detail, customer_id=customer_id,
              contact_id=contact_id)
    if lead is not None:
        before = snapshot(lead)
        lead.updated_at = uow.now
        for k in ("utm_source", "utm_medium", "utm_campaign"):
            if not getattr(lead, k) and clean.get(k):
                setattr(lead, k, clean[k])
        uow.add(lead)
        uow.audit("lead.merge_inquiry", "lead", lead.id, before=before, after=snapshot(lead))
    else:
        uow.audit("contact.merge_inquiry", "contact", contact_id, after=detail)
    owner = (await routing_state.reference(uow)).users_by_id.get(owner_id) \
        if owner_id else None
    if owner is not None:
        uow.notify(
            "lead.merged", owner.id,
            {"lead_id": lead.id if lead else None, "customer_id": customer_id,
             "contact_id": contact_id, "name": clean.get("name"), "company": clean.get("company"),
             "phone": clean.get("phone"), "message": clean.get("message"),
             "channel": detail["channel"]},
            dedupe_key=f"lead.merged:{lead.id if lead else 'c' + str(contact_id)}:"
                       f"{uow.now.isoformat()}:{clean.get('client_id') or ''}",
        )
    return IntakeResult(
        lead_id=lead.id if lead else None, status=lead.status if lead else "merged",
        merged_into={"lead_id": lead.id if lead else None, "customer_id": customer_id,
                     "contact_id": contact_id},
        owner=owner.name if owner else None, owner_login=owner.login if owner else None,
        reason="重复线索，已并入原有记录", duplicate_of_owner=owner.name if owner else None,
    )


def _raw(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the form sent, known fields and unknown ones alike (JSON-safe)."""
    out: dict[str, Any] = {}
    for k, v in payload.items():
        key = str(k)[:100]
        out[key] = v if isinstance(v, str | int | float | bool | type(None)) else str(v)
    return out
