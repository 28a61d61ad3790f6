"""Lead intake: one service behind every door (HTTP form, import, chat).

Validates and normalises, parks incomplete leads in the pending pool with reasons,
de-duplicates by phone / e-mail across channels (one person, one record), is idempotent on a
client-supplied id, and routes the lead — all in one transaction with its audit rows and the
owner's notifications.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from crm_core.errors import Conflict, InvalidInput
from crm_core.models import ContactPoint, IntakeRequest, Lead, User
from crm_core.models.base import built_row
from crm_core.policies import channels as channel_policy
from crm_core.policies.audit import canonical_json
from crm_core.policies.contact_info import BadContactInfo, normalize_email, normalize_phone
from crm_core.policies.input_hygiene import payload_problems
from crm_core.services import pool, routing, routing_state
from crm_core.uow import CACHE_VERSIONS_UNION, UnitOfWork, snapshot

log = logging.getLogger(__name__)
MERGE_NOTICE_WINDOW_S = 600      # repeated merges into one record: one notice per owner

TEXT_FIELDS: tuple[str, ...] = (
    "company", "name", "title", "phone", "email", "address", "product", "message",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "client_id",
    "source", "province", "city", "district",
)
KNOWN_FIELDS: frozenset[str] = frozenset((*TEXT_FIELDS, "budget"))
MAX_FIELD_CHARS = 2000
MAX_BUDGET = 1e12                              # yuan: anything larger is a typo or a probe
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
    """Type-check and normalise a raw payload. Returns (clean values, per-field errors).
    Every field, known or not, is checked first (crm_core.policies.input_hygiene)."""
    clean: dict[str, Any] = {}
    errors = payload_problems(payload)
    if "*" in errors:
        return clean, errors
    for key in TEXT_FIELDS:
        value = payload.get(key)
        if value is None or key in errors:
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
    if budget not in (None, "") and "budget" not in errors:
        try:
            if isinstance(budget, bool) or not isinstance(budget, str | int | float):
                raise ValueError
            b = float(str(budget).replace(",", "").replace("万", "e4").strip())
            if not (math.isfinite(b) and 0 <= b <= MAX_BUDGET):
                raise ValueError
            clean["budget"] = b
        except ValueError:
            errors["budget"] = f"must be a number from 0 to {MAX_BUDGET:.0e}"
    for key, normalize in (("phone", normalize_phone), ("email", normalize_email)):
        if key in errors:
            continue
        try:
            clean[key] = normalize(clean.get(key))
        except BadContactInfo as e:
            errors[key] = str(e)
    return clean, errors


class KeyReused(Conflict):
    """An Idempotency-Key sent again with another body (HTTP 422): the first answer stands."""

    user_message = "这个 Idempotency-Key 已用于另一条内容不同的请求"


async def intake_lead(
    uow: UnitOfWork, payload: Mapping[str, Any], *, channel: str = "web",
    idempotency_key: str | None = None, commit: bool = True, owner_id: int | None = None,
) -> IntakeResult:
    """Take one lead from any door. Raises InvalidInput (nothing stored) for a bad payload,
    KeyReused for an idempotency key sent again with another body.

    Concurrency: when it creates a lead for a phone / e-mail nobody has, intake claims
    them in `contact_point` (primary key (kind, value)). On PostgreSQL the claim is
    written with the lead, in the commit's one statement: a twin's insert of the same key
    waits for the first transaction to end and then fails, and the twin starts over, finds
    the first one's lead and merges into it instead of making a second one. Request keys
    are rows of `intake_request` (primary key) written with the lead and a client id is
    unique on the lead: a twin that trips over one starts over and replays the stored
    answer. An import's shared transaction (`commit=False`: it cannot start over) and a
    person whose points are taken already (an edited or erased lead left them) claim in
    the lookup instead, under a row lock held to the commit. On SQLite one process writes
    at a time, and a stale read fails the write (SQLite's snapshot isolation) rather than
    doubling the lead.

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
    keys = _Keys(idempotency_key, clean.get("client_id"),
                 payload_digest(payload) if idempotency_key else None)
    if not commit:
        result = await _intake_once(uow, payload, clean, channel, owner_id, keys,
                                    may_restart=False)
        await uow.flush()          # the next row of an import sees this one's request keys
        return result
    for attempt in range(3):
        try:
            result = await _intake_once(uow, payload, clean, channel, owner_id, keys,
                                        may_restart=True)
            if not result.replayed:
                await uow.commit()
            return result
        except IntegrityError as e:
            # A twin with the same phone / e-mail, request key or client id committed
            # first: start over, the second look finds its lead or its answer.
            await uow.rollback()
            log.info("lead intake met a concurrent twin (attempt %d): %s", attempt + 1,
                     type(e.orig).__name__ if e.orig is not None else type(e).__name__)
    raise Conflict("lead intake kept conflicting with concurrent writes",
                   "系统繁忙，请稍后重试")


@dataclass(frozen=True, slots=True)
class _Keys:
    idempotency: str | None          # the Idempotency-Key header: same body required
    client: str | None               # the form's client_id: a replay whatever the body
    digest: str | None               # of the payload, when an Idempotency-Key came with it

    def all(self) -> list[str]:
        return sorted({k for k in (self.idempotency, self.client) if k})


def payload_digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON: what an Idempotency-Key promises."""
    return hashlib.sha256(canonical_json(dict(payload)).encode("utf-8")).hexdigest()


async def _intake_once(
    uow: UnitOfWork, payload: Mapping[str, Any], clean: dict[str, Any], channel: str,
    owner_id: int | None, keys: _Keys, *, may_restart: bool,
) -> IntakeResult:
    points = [(k, clean[k]) for k in ("phone", "email") if clean.get(k)]
    postgres = bool(points) and uow.db.dialect == "postgresql"
    # PostgreSQL, when a conflict may start the intake over: the lookup only reads (no
    # BEGIN, no lock) and also counts the person's points already taken; a new person's
    # points are then written with the commit (`_claim_with_commit`). Otherwise the points
    # are claimed in the lookup's statement, under a lock held to the commit.
    optimistic = postgres and may_restart
    found = await _lookup(uow, keys, clean, points if postgres and not optimistic else None,
                          probe=points if optimistic else None)
    if optimistic and found.needs_lock():
        found, optimistic = await _lookup(uow, keys, clean, points), False
    if "request" in found:
        replay = await _replay(uow, keys)
        if replay is not None:
            return replay
    if "lead" not in found and "contact" not in found and points:
        if optimistic:
            _claim_with_commit(uow, points)
        elif found.stale_claims if postgres else not await _claim_points(uow, points):
            # a twin claimed this person meanwhile and has committed (the lookup may have
            # read from before the wait): look again
            found = await _lookup(uow, keys, clean)
            if "request" in found:
                replay = await _replay(uow, keys)
                if replay is not None:
                    return replay
    result = await _intake(uow, payload, clean, channel, owner_id, found)
    for key in keys.all():
        # appended: written with the commit, where a concurrent twin's INSERT collides
        uow.append(IntakeRequest, key=key, lead_id=result.lead_id, response=result.to_json(),
                   created_at=uow.now, digest=keys.digest)
    return result


async def _replay(uow: UnitOfWork, keys: _Keys) -> IntakeResult | None:
    """The first answer to this request's key, or None when there is none. An
    Idempotency-Key with another body raises KeyReused."""
    for key, strict in ((keys.idempotency, True), (keys.client, False)):
        if not key:
            continue
        stored = (await uow.sql(REPLAY_SQL, {"key": key})).first()
        if stored is None:
            continue
        response, digest = stored
        if isinstance(response, str):          # SQLite's JSON text through a raw statement
            response = json.loads(response)
        if strict and digest is not None and digest != keys.digest:
            raise KeyReused(f"idempotency key reused with another body ({key[:40]!r})")
        return IntakeResult(**{**response, "replayed": True})
    return None


REPLAY_SQL = text('SELECT response, digest FROM intake_request WHERE "key" = :key')
# The claim of a person's phone / e-mail. PostgreSQL: a conflicting row another transaction
# holds makes it wait for that transaction's end, and DO UPDATE locks a row already there;
# `fresh` says whether the rows are new (then nobody else has this person).
CLAIM_SQL_PG = (
    "INSERT INTO contact_point (kind, value) VALUES {values} ON CONFLICT (kind, value) "
    "DO UPDATE SET value = EXCLUDED.value RETURNING (xmax = 0) AS fresh")
CLAIM_SQL_SQLITE = "INSERT INTO contact_point (kind, value) VALUES (?, ?) ON CONFLICT DO NOTHING"


def _claim_with_commit(uow: UnitOfWork, points: list[tuple[str, str]]) -> None:
    """PostgreSQL: claim a new person's phone / e-mail with the commit's statement, a plain
    INSERT. A twin that inserted the same key first makes it wait for the twin's
    transaction and then fail (IntegrityError): `intake_lead` starts over and merges into
    the twin's lead. Nothing is locked between the lookup and the commit, so the lookup
    needs no BEGIN and the commit statement no COMMIT: two round trips instead of four."""
    for kind, value in points:
        uow.append(ContactPoint, kind=kind, value=value)


async def _claim_points(uow: UnitOfWork, points: list[tuple[str, str]]) -> bool:
    """SQLite: claim the person's phone / e-mail for the lead this transaction is about to
    create. This process's one connection is the only writer and the lookup just said
    nobody has this person; a row left by an edited lead's old phone is simply kept.
    (PostgreSQL claims them with the commit, `_claim_with_commit`, or in the lookup.)"""
    await uow.executemany_now(CLAIM_SQL_SQLITE, points)
    return True


# Every read an intake needs before it writes, in one indexed statement: the request's keys
# seen before, the person as an open lead or a contact (phone / e-mail: MULTI-INDEX OR on
# ix_lead_phone / ix_lead_email and ix_contact_*) with the contact's customer and its owner,
# the organisation by its exact name with what routing needs of it (`info`, a JSON array).
# The newest lead by creation time: on PostgreSQL lead ids come from each process's reserve
# of the sequence, so they are unique but not in order across processes.
_LOOKUP = (
    'SELECT \'request\' AS what, 0 AS id, {null} AS info FROM intake_request'
    ' WHERE "key" IN (:idem, :client)'
    " UNION ALL SELECT * FROM (SELECT 'lead' AS what, id, {lead_info} AS info FROM lead"
    "  WHERE phone = :phone OR email = :email ORDER BY created_at DESC, id DESC LIMIT 1) AS l"
    " UNION ALL SELECT * FROM (SELECT 'contact' AS what, c.id, {json}(c.customer_id,"
    "  (SELECT owner_id FROM customer WHERE customer.id = c.customer_id)) AS info"
    "  FROM contact AS c WHERE c.phone = :phone OR c.email = :email LIMIT 1) AS c"
    " UNION ALL SELECT * FROM (SELECT 'customer' AS what, id, {json}(name, kind, province,"
    "  city, district, owner_id) AS info FROM customer WHERE name = :company LIMIT 1) AS k"
)
# On PostgreSQL the same statement reads the cache versions (routing's reference snapshot
# is valid while its version holds: no statement of its own)
# On PostgreSQL the person's open lead comes with what a merge into it needs (_LeadRow): no
# load of the lead
_LEAD_INFO_PG = (
    "json_build_array(status, owner_id, customer_id, contact_id, utm_source, utm_medium,"
    " utm_campaign, CAST(EXTRACT(EPOCH FROM updated_at) * 1000000 AS bigint))")
LOOKUP_SQL = text(_LOOKUP.format(json="json_build_array", null="CAST(NULL AS json)",
                                 lead_info=_LEAD_INFO_PG)
                  + " UNION ALL "
                  + CACHE_VERSIONS_UNION)
# With a phone / e-mail, PostgreSQL either claims them in the same statement ("claim":
# CLAIM_SQL_PG as a CTE; `stale_claims`: how many were there already; a twin's claim waits
# for the first transaction to end, and the lookup, read from before that wait, is then done
# again) or counts those already taken, without a lock ("probe": `points_taken`)
_LOOKUP_WITH_POINTS: dict[tuple[str, int], Any] = {}


def _lookup_with_points(how: str, points: int) -> Any:
    sql = _LOOKUP_WITH_POINTS.get((how, points))
    if sql is None:
        if how == "claim":
            values = ", ".join(f"(:k{i}, :v{i})" for i in range(points))
            sql = (f"WITH claim AS ({CLAIM_SQL_PG.format(values=values)}) {LOOKUP_SQL.text}"
                   " UNION ALL SELECT 'stale_claims', COUNT(*), NULL FROM claim WHERE NOT fresh")
        else:
            taken = " OR ".join(f"(kind = :k{i} AND value = :v{i})" for i in range(points))
            sql = (f"{LOOKUP_SQL.text} UNION ALL SELECT 'points_taken', COUNT(*), NULL"
                   f" FROM contact_point WHERE {taken}")
        sql = _LOOKUP_WITH_POINTS[(how, points)] = text(sql)
    return sql


# On SQLite it also says whether another connection committed since this one last looked:
# the stamp that keeps the cached routing inputs valid without a query
LOOKUP_SQL_SQLITE = text(
    _LOOKUP.format(json="json_array", null="NULL", lead_info="NULL")
    + " UNION ALL SELECT 'data_version', data_version, NULL FROM pragma_data_version()")


@dataclass(slots=True)
class _Found:
    """What the lookup found: ids by kind (request, lead, contact, customer) and, for a
    contact or a customer, what the intake needs of it without loading it."""

    ids: dict[str, int] = field(default_factory=dict)
    info: dict[str, list[Any]] = field(default_factory=dict)
    stale_claims: int = 0            # of the phone / e-mail claimed with the lookup
    points_taken: int = 0            # of the phone / e-mail probed by the lookup

    def __contains__(self, what: str) -> bool:
        return what in self.ids

    def needs_lock(self) -> bool:
        """Whether an intake that read this without a lock must claim the person's points
        under one after all: a new person whose points are taken already (an edited or
        erased lead left them: the commit's INSERT would fail every time), or a dropped lead
        that asks again (reopening it routes it through the ORM: twins take turns)."""
        if "lead" in self:
            return bool(self.info.get("lead")) and self.info["lead"][0] == "dropped"
        return "contact" not in self and self.points_taken > 0

    def customer(self) -> routing_state.CustomerFacts | None:
        got = self.info.get("customer")
        if got is None:
            return None
        name, kind, province, city, district, owner_id = got
        return routing_state.CustomerFacts(self.ids["customer"], name, kind, province, city,
                                           district, owner_id)


async def _lookup(uow: UnitOfWork, keys: _Keys | None, clean: dict[str, Any],
                  claim: list[tuple[str, str]] | None = None, *,
                  probe: list[tuple[str, str]] | None = None) -> _Found:
    """The lookup; with `claim` (PostgreSQL) it also claims those (kind, value) points, with
    `probe` it counts those already taken."""
    sqlite_ = uow.db.dialect == "sqlite"
    params = {
        "idem": keys.idempotency if keys else None, "client": keys.client if keys else None,
        "phone": clean.get("phone"), "email": clean.get("email"),
        "company": clean.get("company")}
    sql = LOOKUP_SQL_SQLITE if sqlite_ else LOOKUP_SQL
    points = claim or probe
    if points:
        sql = _lookup_with_points("claim" if claim else "probe", len(points))
        for i, (kind, value) in enumerate(points):
            params[f"k{i}"], params[f"v{i}"] = kind, value
    rows = (await uow.sql(sql, params)).all()
    found = _Found()
    versions: dict[str, int] = {}
    for what, id_, info in rows:
        if what == "stale_claims":
            found.stale_claims = int(id_)
        elif what == "points_taken":
            found.points_taken = int(id_)
        elif what == "data_version":
            routing_state.note_data_version(uow, int(id_))
        elif what.startswith("cache:"):
            versions[what[6:]] = int(id_)
        else:
            found.ids[what] = int(id_)
            if info is not None:
                found.info[what] = json.loads(info) if isinstance(info, str) else info
    if not sqlite_:
        uow.note_cache_versions(versions)
    return found


async def _intake(
    uow: UnitOfWork, payload: Mapping[str, Any], clean: dict[str, Any], channel: str,
    owner_id: int | None, found: _Found,
) -> IntakeResult:
    if "lead" in found:
        row = _LeadRow.of(uow, found)
        if row is not None:
            return await _merge(uow, row, payload, clean, channel)
        lead = await uow.session.get(Lead, found.ids["lead"])
        if lead is not None:
            return await _merge(uow, lead, payload, clean, channel)
    if "contact" in found:
        customer_id, customer_owner = found.info["contact"]
        return await _merge(uow, _ContactOf(found.ids["contact"], customer_id, customer_owner),
                            payload, clean, channel)
    return await _create(uow, payload, clean, channel, owner_id, found)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MERGED_UTM = ("utm_source", "utm_medium", "utm_campaign")


@dataclass(frozen=True, slots=True)
class _LeadRow:
    """The person's open lead as the lookup read it (PostgreSQL), for a merge that changes
    only its `updated_at` and empty utm fields: written by `uow.update_later` with the
    commit's rows, no ORM load. A dropped lead (reopened: routing needs the object) and one
    this transaction holds already go through the ORM."""

    id: int
    status: str
    owner_id: int | None
    customer_id: int | None
    contact_id: int | None
    utm: tuple[str | None, str | None, str | None]
    updated_at: datetime | None

    @classmethod
    def of(cls, uow: UnitOfWork, found: _Found) -> _LeadRow | None:
        info = found.info.get("lead")
        lead_id = found.ids["lead"]
        if info is None or info[0] == "dropped" \
                or uow.session.identity_map.get(identity_key(Lead, lead_id)) is not None:
            return None
        status, owner_id, customer_id, contact_id, source, medium, campaign, micros = info
        return cls(lead_id, status, owner_id, customer_id, contact_id, (source, medium, campaign),
                   None if micros is None else _EPOCH + timedelta(microseconds=int(micros)))

    def merge(self, uow: UnitOfWork, clean: dict[str, Any]) -> None:
        """What `_merge` does to a loaded lead, as one UPDATE of the changed columns and
        the same audit row (`snapshot` → `audit_delta`: the id and the changed fields)."""
        changed = {k: clean[k] for k, v in zip(_MERGED_UTM, self.utm, strict=True)
                   if not v and clean.get(k)}
        before = {"id": self.id, **{k: v for k, v in zip(_MERGED_UTM, self.utm, strict=True)
                                    if k in changed}, "updated_at": self.updated_at}
        after = {"id": self.id, **changed, "updated_at": uow.now}
        uow.update_later(Lead, self.id, **changed, updated_at=uow.now)
        uow.audit("lead.merge_inquiry", "lead", self.id, before=before, after=after)


@dataclass(frozen=True, slots=True)
class _ContactOf:
    """A known contact a lead merges into: its customer and that customer's owner."""

    id: int
    customer_id: int | None
    owner_id: int | None


async def _channel(uow: UnitOfWork, clean: dict[str, Any], channel: str) -> str:
    """utm_source / utm_medium through the admin's mapping (channels.utm_map), else what the
    form said, else the intake channel (crm_core.policies.channels)."""
    if clean.get("utm_source") or clean.get("utm_medium"):
        settings = (await routing_state.reference(uow)).settings
        mapping = settings.get(channel_policy.KEY) or channel_policy.DEFAULT_MAP
        got = channel_policy.channel_of(clean.get("utm_source"), clean.get("utm_medium"),
                                        mapping)
        if got is not None:
            return got
    return str(clean.get("source") or channel)


async def _create(
    uow: UnitOfWork, payload: Mapping[str, Any], clean: dict[str, Any], channel: str,
    owner_id: int | None, found: _Found,
) -> IntakeResult:
    phone, email = clean.get("phone"), clean.get("email")
    problems: list[str] = []
    if not phone and not email:
        problems.append("缺少电话和邮箱")
    if not clean.get("company"):
        problems.append("缺少单位名称")
    customer = found.customer()
    lead = _new_lead(
        status="pending" if problems else "new",
        customer_id=customer.id if customer else None,
        company=customer.name if customer else clean.get("company"),
        name=clean.get("name"), title=clean.get("title"), phone=phone, email=email,
        address=clean.get("address"), province=clean.get("province"), city=clean.get("city"),
        district=clean.get("district"), product_text=clean.get("product"),
        budget=clean.get("budget"), message=clean.get("message"),
        source_channel=await _channel(uow, clean, channel),
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
        writes_before = uow.db.lead_writes
        await insert_as_created()
        # nobody's lead: routing's cached counts stay right and carry on after the commit
        routing_state.count_new_assignment(uow, None, None, writes_before)
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
    outcome = await routing.route_new_lead(uow, lead, on_insert=record_created,
                                           customer=customer)
    users = (await routing_state.reference(uow)).users_by_id
    owner = users.get(outcome.owner_id) if outcome.owner_id else None
    offered = [users[uid].name for uid in outcome.offered_to if uid in users]
    return IntakeResult(
        lead_id=lead.id, status=lead.status, owner=owner.name if owner else None,
        owner_login=owner.login if owner else None, offered_to=offered, reason=outcome.reason,
    )


async def _merge(
    uow: UnitOfWork, dup: Lead | _LeadRow | _ContactOf, payload: Mapping[str, Any],
    clean: dict[str, Any], channel: str,
) -> IntakeResult:
    detail = {"channel": clean.get("source") or channel, "payload": _raw(payload)}
    lead = dup if isinstance(dup, Lead | _LeadRow) else None
    contact_id = dup.id if isinstance(dup, _ContactOf) else dup.contact_id
    customer_id, owner_id = dup.customer_id, dup.owner_id
    uow.event(lead.id if lead else None, "inquiry", detail, customer_id=customer_id,
              contact_id=contact_id)
    owner = (await routing_state.reference(uow)).users_by_id.get(owner_id) \
        if owner_id else None
    reopened = False
    if isinstance(lead, _LeadRow):
        lead.merge(uow, clean)
    elif lead is not None:
        before = snapshot(lead)
        lead.updated_at = uow.now
        for k in ("utm_source", "utm_medium", "utm_campaign"):
            if not getattr(lead, k) and clean.get(k):
                setattr(lead, k, clean[k])
        uow.add(lead)
        uow.audit("lead.merge_inquiry", "lead", lead.id, before=before, after=snapshot(lead))
        if lead.status == "dropped":
            # a lead given up that asks again is alive: back to its owner with a fresh SLA
            # clock, or to the pool when the owner has left
            reopened = True
            owner = await _reopen(uow, lead, owner)
            owner_id = owner.id if owner else None
    else:
        uow.audit("contact.merge_inquiry", "contact", contact_id, after=detail)
    if owner is not None:
        # one notice per record and owner per window (issue 12.6): 40 posts of one phone in
        # a second are one push, not 40 (WeCom drops past 30/min per member); every inquiry
        # stays in the record's history. Written with the commit's rows (ON CONFLICT DO
        # NOTHING on the dedupe key)
        window = int(uow.now.timestamp()) // MERGE_NOTICE_WINDOW_S
        uow.notify_once(
            "lead.merged", owner.id,
            {"lead_id": lead.id if lead else None, "customer_id": customer_id,
             "contact_id": contact_id, "name": clean.get("name"), "company": clean.get("company"),
             "phone": clean.get("phone"), "message": clean.get("message"),
             "channel": detail["channel"], "reopened": reopened},
            # a reopening is news of its own, never folded into a plain merge notice
            dedupe_key=f"lead.merged:{lead.id if lead else 'c' + str(contact_id)}:"
                       f"{owner.id}:{window}{':reopened' if reopened else ''}",
        )
    return IntakeResult(
        lead_id=lead.id if lead else None, status=lead.status if lead else "merged",
        merged_into={"lead_id": lead.id if lead else None, "customer_id": customer_id,
                     "contact_id": contact_id},
        owner=owner.name if owner else None, owner_login=owner.login if owner else None,
        reason="已放弃的线索再次咨询，已重新打开" if reopened else "重复线索，已并入原有记录",
        duplicate_of_owner=owner.name if owner else None,
    )


async def _reopen(uow: UnitOfWork, lead: Lead, owner: User | None) -> User | None:
    """A dropped lead asked again: its owner gets it back (assigned, SLA from now); without
    an active owner it goes to the pool. Returns who owns it now."""
    if owner is not None and owner.active:
        await routing.assign_lead(uow, lead, owner, "放弃后再次咨询，重新打开",
                                     event="reopened")
        return owner
    pool.put_in_pool(uow, lead, "放弃后再次咨询，重新打开，进入公海", event="reopened",
                     action="lead.reopen")
    return None


def _new_lead(**values: Any) -> Lead:
    """`Lead(**values)` without the model's __init__ (a twentieth of an intake's CPU)."""
    return built_row(Lead, values)


def _raw(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the form sent, known fields and unknown ones alike (JSON-safe)."""
    out: dict[str, Any] = {}
    for k, v in payload.items():
        key = str(k)[:100]
        out[key] = v if isinstance(v, str | int | float | bool | type(None)) else str(v)
    return out
