"""Hospital accounts: the decision chain on /客户 (met / known / missing roles) and
procurement projects linking a customer, contacts in roles, products and a deal."""

from __future__ import annotations

import pytest

from crm_core.errors import Forbidden, InvalidInput
from crm_core.models import Customer
from crm_core.services import accounts as svc
from crm_core.services.customers import customer_360
from tests.integration.stages.conftest import Demo


async def test_decision_chain_statuses(demo: Demo) -> None:
    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        view = await customer_360(uow, rep, demo.customer_id)
    chain = {x.role: x for x in view.extra["decision_chain"]}
    assert list(chain) == ["临床科室主任", "设备科", "采购科", "院长"]
    assert chain["临床科室主任"].status == "met"          # 王建国, with follow-ups
    assert chain["院长"].status == "missing"
    async with demo.uow(rep) as uow:
        await svc.add_contact(uow, rep, demo.customer_id, "钱院长", department="院办",
                              title="院长", decision_role="院长")
        await uow.commit()
    async with demo.uow(rep) as uow:
        customer = await uow.session.get(Customer, demo.customer_id)
        assert customer is not None
        chain2 = {x.role: x for x in await svc.decision_chain(uow, customer)}
    assert chain2["院长"].status == "known"
    assert chain2["院长"].contacts == ("钱院长",)


async def test_procurement_project_adds_roles_to_the_chain(demo: Demo) -> None:
    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        c = await svc.add_contact(uow, rep, demo.customer_id, "孙会计", department="财务处",
                                  decision_role="财务")
        await uow.commit()
    async with demo.uow(rep) as uow:
        p = await svc.create_project(uow, rep, demo.customer_id, "2027骨科耗材集采",
                                     contacts=[(c.id or 0, "财务")],
                                     products=["椎间融合器"], deal_id=demo.deal_id,
                                     budget=2_000_000)
        await uow.commit()
    assert p.id is not None
    async with demo.uow(rep) as uow:
        customer = await uow.session.get(Customer, demo.customer_id)
        assert customer is not None
        chain = {x.role: x for x in await svc.decision_chain(uow, customer)}
        assert await svc.project_count(uow, demo.customer_id) == 1
    assert chain["财务"].status == "known"


async def test_accounts_respect_visibility_and_roles(demo: Demo) -> None:
    other = demo["sunhao"]
    async with demo.uow(other) as uow:
        with pytest.raises(Forbidden):
            await svc.add_department(uow, other, demo.customer_id, "骨科")
    rep = demo["zhangwei"]
    async with demo.uow(rep) as uow:
        with pytest.raises(InvalidInput):
            await svc.add_contact(uow, rep, demo.customer_id, "某人", decision_role="皇帝")
