"""Channels (issue 15, item 4): utm → channel through the admin's mapping at intake, the
defaults, bad mappings refused with the old one kept, ROI per channel and campaign."""

from __future__ import annotations

import pytest

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import Lead
from crm_core.policies import channels as P
from crm_core.services import intake
from crm_core.services.catalog import set_config
from crm_core.uow import Actor, UnitOfWork


def test_defaults_cover_the_usual_channels() -> None:
    for ch in ("百度", "抖音", "微信", "360", "搜狗", "必应", "官网", "展会", "转介绍"):
        assert ch in P.DEFAULT_MAP
    assert P.channel_of("BAIDU", None, P.DEFAULT_MAP) == "百度"
    assert P.channel_of("unknown", "cmef", P.DEFAULT_MAP) == "展会"
    assert P.channel_of("unknown", "cpc", P.DEFAULT_MAP) is None
    _, problems = P.check_map(P.DEFAULT_MAP)
    assert problems == []


@pytest.mark.parametrize(("bad", "why"), [
    ({"百度": ["baidu"], "推广": ["baidu"]}, "同时映射"),
    ({"百度": ["推广"], "推广": ["百度"]}, "成环"),
    ({"": ["x"]}, "渠道名"),
])
def test_bad_mappings_are_refused(bad: dict[str, list[str]], why: str) -> None:
    _, problems = P.check_map(bad)
    assert any(why in p for p in problems)


async def test_intake_maps_utm_to_the_channel_with_the_admins_mapping(
        db: Database, clock: FrozenClock) -> None:
    async with UnitOfWork(db, clock, Actor.system("api")) as uow:
        res = await intake.intake_lead(uow, {"name": "王", "company": "某医院",
                                             "phone": "13900001111", "utm_source": "douyin",
                                             "utm_campaign": "双11"})
    async with UnitOfWork(db, clock, Actor.system("api")) as uow:
        res2 = await intake.intake_lead(uow, {"name": "李", "company": "某厂",
                                              "phone": "13900002222", "utm_source": "xyz"})
    async with UnitOfWork(db, clock) as uow:
        await set_config(uow, P.KEY, {**P.DEFAULT_MAP, "信息流": ["xyz"]})
        await uow.commit()
    async with UnitOfWork(db, clock, Actor.system("api")) as uow:
        res3 = await intake.intake_lead(uow, {"name": "赵", "company": "某校",
                                              "phone": "13900003333", "utm_source": "XYZ"})
    async with db.session() as s:
        lead, other, third = [await s.get(Lead, r.lead_id) for r in (res, res2, res3)]
    assert lead is not None and other is not None and third is not None
    assert (lead.source_channel, lead.utm_campaign) == ("抖音", "双11")
    assert other.source_channel == "web"              # no match: what the intake said
    assert third.source_channel == "信息流"            # the admin's own channel
