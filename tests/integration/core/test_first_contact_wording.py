"""The "contact the customer within …" line follows the configured first-contact SLA."""

from __future__ import annotations

from bot.render.format import first_contact_text
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Lead, SlaPolicy
from crm_core.services.sla import first_contact_limit
from crm_core.uow import UnitOfWork


async def test_wording_follows_the_policy_of_the_lead(db: Database, clock: FrozenClock) -> None:
    async with UnitOfWork(db, clock) as uow:
        web = Lead(company="鼓楼医院", name="王主任", phone="13912345678", created_at=uow.now)
        fair = Lead(company="省人医", name="李科长", phone="13812345678", created_at=uow.now,
                    source_channel="expo")
        uow.add(web)
        uow.add(fair)
        uow.add(SlaPolicy(rule="first_contact", source_channel="expo", levels_hours=[2, 6],
                          business=False))
        await uow.commit()
        assert web.id is not None and fair.id is not None
        default = await first_contact_limit(uow, web.id)
        expo = await first_contact_limit(uow, fair.id)
        gone = await first_contact_limit(uow, 999_999)
    assert first_contact_text(default) == "黄金 4 个工作小时内联系客户"   # the built-in policy
    assert first_contact_text(expo) == "黄金 2 小时内联系客户"
    assert first_contact_text(gone) == "尽快联系客户"
