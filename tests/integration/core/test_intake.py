"""Lead intake on a real database (SQLite, and PostgreSQL when it answers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.errors import InvalidInput
from crm_core.models import AuditLog, Contact, Customer, Lead, LeadEvent, OutboxMessage, User
from crm_core.services.intake import KeyReused, intake_lead
from crm_core.uow import Actor, UnitOfWork


def uow(db: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(db, clock, Actor.system("api"))


async def count(db: Database, model: type, *where: object) -> int:
    async with db.session() as s:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)  # type: ignore[arg-type]
        return int((await s.execute(q)).scalar_one())


async def give_lead(db: Database, lead_id: int | None, login: str, name: str,
                    status: str) -> int:
    """A new rep `login` owns the lead, now in `status`: the rep's id."""
    async with db.session() as s:
        owner = User(login=login, name=name)
        s.add(owner)
        await s.flush()
        lead = await s.get(Lead, lead_id)
        assert lead is not None and owner.id is not None
        lead.owner_id, lead.status = owner.id, status
        s.add(lead)
        await s.commit()
        return owner.id


async def test_valid_lead_is_stored_normalised_with_utm_and_raw_payload(
    db: Database, clock: FrozenClock
) -> None:
    payload = {"company": "南京市鼓楼医院", "name": "王建国", "phone": "+86 138-1234-5678",
               "email": " Wang@Example.CN ", "utm_source": "baidu", "utm_campaign": "秋季",
               "budget": "50000", "dwell_seconds": 312}
    async with uow(db, clock) as u:
        res = await intake_lead(u, payload)
    assert res.status == "new" and res.lead_id and res.merged_into is None
    async with db.session() as s:
        lead = await s.get(Lead, res.lead_id)
    assert lead is not None
    assert (lead.phone, lead.email, lead.utm_source, lead.budget) == (
        "13812345678", "wang@example.cn", "baidu", 50000.0)
    assert lead.raw_payload["dwell_seconds"] == 312      # unknown fields kept
    assert await count(db, AuditLog, AuditLog.action == "lead.create") == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "created") == 1


@pytest.mark.parametrize(("payload", "problems"), [
    ({"company": "苏州立康医疗器械有限公司", "name": "刘女士"}, ["缺少电话和邮箱"]),
    ({"name": "刘女士", "phone": "13900001111"}, ["缺少单位名称"]),
])
async def test_incomplete_lead_is_parked_with_reasons(
    db: Database, clock: FrozenClock, payload: dict[str, str], problems: list[str]
) -> None:
    async with uow(db, clock) as u:
        res = await intake_lead(u, payload)
    assert res.status == "pending" and res.problems == problems
    async with db.session() as s:
        lead = await s.get(Lead, res.lead_id)
    assert lead is not None and lead.status == "pending" and lead.invalid_reasons == problems


@pytest.mark.parametrize(("payload", "field"), [
    ({"company": "X公司", "phone": "12345"}, "phone"),
    ({"company": "X公司", "email": "not-an-email"}, "email"),
    ({"company": "X公司", "phone": "13900001111", "budget": "很多"}, "budget"),
    ({"company": {"nested": 1}, "phone": "13900001111"}, "company"),
    ({"company": "X" * 3000, "phone": "13900001111"}, "company"),
])
async def test_invalid_payload_is_refused_and_nothing_is_stored(
    db: Database, clock: FrozenClock, payload: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        async with uow(db, clock) as u:
            await intake_lead(u, payload)
    assert field in err.value.fields
    assert await count(db, Lead) == 0
    assert await count(db, AuditLog) == 0


async def test_duplicate_phone_across_channels_merges_into_the_existing_lead(
    db: Database, clock: FrozenClock
) -> None:
    async with uow(db, clock) as u:
        first = await intake_lead(u, {"company": "无锡市人民医院", "name": "赵敏",
                                      "phone": "13912345678"})
    async with uow(db, clock) as u:
        again = await intake_lead(u, {"company": "无锡人民医院", "name": "赵主任",
                                      "phone": "139 1234 5678", "source": "展会"},
                                  channel="import")
    assert again.merged_into == {"lead_id": first.lead_id, "customer_id": None,
                                 "contact_id": None}
    assert again.lead_id == first.lead_id
    assert await count(db, Lead) == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "inquiry") == 1


async def test_duplicate_of_a_contact_tells_the_customers_owner(
    db: Database, clock: FrozenClock
) -> None:
    async with db.session() as s:
        owner = User(login="zhangwei", name="张伟")
        s.add(owner)
        await s.flush()
        cust = Customer(name="南京市鼓楼医院", owner_id=owner.id)
        s.add(cust)
        await s.flush()
        s.add(Contact(customer_id=cust.id, name="王建国", email="wjg@glyy.cn"))
        await s.commit()
    async with uow(db, clock) as u:
        res = await intake_lead(u, {"company": "鼓楼医院", "email": "WJG@glyy.cn"})
    assert res.status == "merged" and res.duplicate_of_owner == "张伟"
    assert res.merged_into is not None and res.merged_into["customer_id"] == cust.id
    async with db.session() as s:
        rows = list((await s.execute(select(OutboxMessage))).scalars())
    assert [(r.kind, r.recipient_id) for r in rows] == [("lead.merged", owner.id)]
    assert await count(db, Lead) == 0


async def test_client_id_makes_a_retried_form_idempotent(
    db: Database, clock: FrozenClock
) -> None:
    payload = {"company": "常州宏达包装机械有限公司", "phone": "13700001111",
               "client_id": "form-123"}
    async with uow(db, clock) as u:
        first = await intake_lead(u, payload)
    async with uow(db, clock) as u:
        second = await intake_lead(u, payload)
    async with uow(db, clock) as u:        # a client id replays whatever the body
        third = await intake_lead(u, {**payload, "name": "又填了一次"})
    async with uow(db, clock) as u:
        key_first = await intake_lead(u, {"company": "另一家", "phone": "13700002222"},
                                      idempotency_key="key-9")
    async with uow(db, clock) as u:
        key_again = await intake_lead(u, {"company": "另一家", "phone": "13700002222"},
                                      idempotency_key="key-9")
    with pytest.raises(KeyReused):         # an Idempotency-Key promises the same body
        async with uow(db, clock) as u:
            await intake_lead(u, {"company": "第三家", "phone": "13700003333"},
                              idempotency_key="key-9")
    assert second.replayed and third.replayed and key_again.replayed
    assert second.lead_id == third.lead_id == first.lead_id
    assert key_again.lead_id == key_first.lead_id != first.lead_id
    assert await count(db, Lead) == 2


async def test_new_lead_of_a_customer_with_an_owner_goes_to_that_owner(
    demo_db: Database, clock: FrozenClock
) -> None:
    async with uow(demo_db, clock) as u:
        res = await intake_lead(u, {"company": "南京市鼓楼医院", "name": "新医生",
                                    "phone": "13511112222"})
    assert res.owner == "张伟" and res.reason
    async with demo_db.session() as s:
        kinds = [r.kind for r in (await s.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "lead.assigned"))).scalars()]
    assert kinds == ["lead.assigned"]


async def test_audit_log_is_append_only(db: Database, clock: FrozenClock) -> None:
    async with uow(db, clock) as u:
        await intake_lead(u, {"company": "X医院", "phone": "13800001111"})
    before = await count(db, AuditLog)
    assert before >= 1
    for stmt in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        async with db.session() as s:
            with pytest.raises(DBAPIError, match="append-only"):
                await s.execute(text(stmt))
    assert await count(db, AuditLog) == before


async def test_platform_problems_reach_the_admins_once_per_hour(
    demo_db: Database, clock: FrozenClock
) -> None:
    from bot.core import Bot
    from tests.conftest import make_settings

    bot = Bot(demo_db, clock, make_settings(demo_db.url))
    await bot.report_problem("wecom", "gettoken: 40091 secret is invalid")
    await bot.report_problem("wecom", "gettoken: 40091 secret is invalid")
    async with demo_db.session() as s:
        rows = list((await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "system.problem"))).scalars())
        admins = list((await s.execute(select(User).where(User.role == "admin"))).scalars())
    assert len(rows) == len(admins) == 1
    assert "40091" in rows[0].payload["text"]


async def test_repeated_merges_make_one_notice_per_owner_per_window(
    db: Database, clock: FrozenClock
) -> None:
    """Issue 12.6: a burst of posts of one phone merges into one lead and tells its owner
    once per window; every inquiry is still in the lead's history; the next window tells
    again."""
    async with uow(db, clock) as u:
        first = await intake_lead(u, {"company": "鼓楼医院", "phone": "13911112222"})
    async with db.session() as s:
        lead = await s.get(Lead, first.lead_id)
        assert lead is not None
        if lead.owner_id is None:
            owner = User(login="zhangwei2", name="张伟")
            s.add(owner)
            await s.flush()
            lead.owner_id = owner.id
            s.add(lead)
        await s.commit()
    for _ in range(5):
        async with uow(db, clock) as u:
            res = await intake_lead(u, {"phone": "13911112222"})
            assert res.merged_into is not None and res.merged_into["lead_id"] == first.lead_id
    async with db.session() as s:
        merged = [r for r in (await s.execute(select(OutboxMessage))).scalars()
                  if r.kind == "lead.merged"]
    assert len(merged) == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "inquiry") == 5
    clock.advance(timedelta(minutes=11))
    async with uow(db, clock) as u:
        await intake_lead(u, {"phone": "13911112222"})
    async with db.session() as s:
        merged = [r for r in (await s.execute(select(OutboxMessage))).scalars()
                  if r.kind == "lead.merged"]
    assert len(merged) == 2


async def test_merge_into_a_lead_stores_the_same_rows_on_every_backend(
    db: Database, clock: FrozenClock
) -> None:
    """A second inquiry of a lead's person (PostgreSQL: merged from what the lookup read,
    without loading the lead; SQLite: through the ORM) — the lead's changed columns, its
    audit row, the owner's notice and the history, written alike."""
    from crm_core.services.audit import verify_audit_chain

    async with uow(db, clock) as u:
        first = await intake_lead(u, {"company": "常州市第一人民医院", "name": "孙医生",
                                      "phone": "13922223333", "utm_source": "baidu"})
    created = clock.now()
    owner_id = await give_lead(db, first.lead_id, "mergeowner", "周强", "assigned")
    clock.advance(timedelta(minutes=3))
    payload = {"name": "孙主任", "phone": "139 2222 3333", "utm_source": "360",
               "utm_medium": "cpc", "message": "再次咨询"}
    async with uow(db, clock) as u:
        res = await intake_lead(u, payload, channel="import")
    assert res.merged_into == {"lead_id": first.lead_id, "customer_id": None,
                               "contact_id": None}
    assert (res.status, res.owner) == ("assigned", "周强")
    async with db.session() as s:
        lead = await s.get(Lead, first.lead_id)
        assert lead is not None
        # utm_source was set: kept; utm_medium was empty: taken from the inquiry
        assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("baidu", "cpc", None)
        assert lead.updated_at == clock.now() and lead.created_at == created
        assert (lead.name, lead.status, lead.owner_id) == ("孙医生", "assigned", owner_id)
        row = (await s.execute(select(AuditLog).where(
            AuditLog.action == "lead.merge_inquiry"))).scalars().one()
        assert row.entity_id == str(first.lead_id)
        assert row.before == {"id": first.lead_id, "utm_medium": None,
                              "updated_at": created.astimezone(UTC).isoformat()}
        assert row.after == {"id": first.lead_id, "utm_medium": "cpc",
                             "updated_at": clock.now().isoformat()}
        notices = (await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == "lead.merged"))).scalars().all()
        assert [(n.recipient_id, n.status, n.attempts, n.payload["lead_id"],
                 n.payload["name"], n.payload["reopened"]) for n in notices] == [
            (owner_id, "pending", 0, first.lead_id, "孙主任", False)]
        inquiry = (await s.execute(select(LeadEvent).where(
            LeadEvent.kind == "inquiry"))).scalars().one()
        assert (inquiry.lead_id, inquiry.detail["channel"]) == (first.lead_id, "import")
    async with uow(db, clock) as u:       # the same window: no second notice, no error
        await intake_lead(u, payload)
    assert await count(db, OutboxMessage, OutboxMessage.kind == "lead.merged") == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "inquiry") == 2
    async with uow(db, clock) as u:
        report = await verify_audit_chain(u)
    assert report.broken is None and report.checked >= 3


async def test_a_phone_an_edited_lead_left_behind_still_takes_a_new_lead(
    db: Database, clock: FrozenClock
) -> None:
    """A lead's phone was changed: its old number is still claimed (contact_point) but
    nobody has it. A new person with that number gets a lead of their own (PostgreSQL: the
    claim then goes under the lock, not with the commit, where it would collide every
    time), and the next inquiry of that number merges into it."""
    async with uow(db, clock) as u:
        first = await intake_lead(u, {"company": "扬州市港口物流", "name": "钱经理",
                                      "phone": "13955556666"})
    async with db.session() as s:
        lead = await s.get(Lead, first.lead_id)
        assert lead is not None
        lead.phone = "13955557777"
        s.add(lead)
        await s.commit()
    async with uow(db, clock) as u:
        second = await intake_lead(u, {"company": "泰州冷链仓储", "name": "孙经理",
                                       "phone": "139 5555 6666"})
    assert second.merged_into is None and second.lead_id != first.lead_id
    async with uow(db, clock) as u:
        third = await intake_lead(u, {"name": "孙经理", "phone": "13955556666"})
    assert third.merged_into is not None and third.lead_id == second.lead_id
    assert await count(db, Lead) == 2


async def test_twins_of_a_new_person_make_one_lead(db: Database, clock: FrozenClock) -> None:
    """Eight forms of one new person at once (PostgreSQL: eight connections, each claim
    written with its commit): one lead, the seven others merged into it."""
    async def post(i: int) -> tuple[int | None, bool]:
        async with uow(db, clock) as u:
            res = await intake_lead(u, {"company": "南通食品冷链", "name": f"周{i}",
                                        "phone": "13966667777", "email": "zhou@nt-cold.cn"})
        return res.lead_id, res.merged_into is not None

    results = await asyncio.gather(*(post(i) for i in range(8)))
    assert len({lead_id for lead_id, _ in results}) == 1
    assert sorted(merged for _, merged in results) == [False] + [True] * 7
    assert await count(db, Lead) == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "inquiry") == 7


async def test_twins_asking_about_a_dropped_lead_reopen_it_once(
    db: Database, clock: FrozenClock
) -> None:
    """Six inquiries at once of a person whose lead was dropped: it is reopened once (one
    assignment back to its owner), the others merge into the reopened lead."""
    async with uow(db, clock) as u:
        first = await intake_lead(u, {"company": "盐城建材市场", "name": "吴总",
                                      "phone": "13977778888"})
    await give_lead(db, first.lead_id, "dropowner", "郑丽", "dropped")
    clock.advance(timedelta(days=3))

    async def post(i: int) -> str:
        async with uow(db, clock) as u:
            return str((await intake_lead(u, {"name": "吴总", "phone": "13977778888",
                                              "message": f"第{i}次咨询"})).reason)

    reasons = await asyncio.gather(*(post(i) for i in range(6)))
    assert reasons.count("已放弃的线索再次咨询，已重新打开") == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "reopened") == 1
    assert await count(db, LeadEvent, LeadEvent.kind == "inquiry") == 6
    async with db.session() as s:
        lead = await s.get(Lead, first.lead_id)
        assert lead is not None and lead.status != "dropped"
