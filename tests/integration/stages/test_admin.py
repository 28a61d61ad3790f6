"""Admin changes: previewed (nothing written), confirmed (written, audited, recorded),
undone; impossible configurations refused with the old one kept; every admin service
refused for a rep and for a manager."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from crm_core.errors import Forbidden, InvalidInput
from crm_core.models import AuditLog, ConfigEntry, SlaPolicy, Stage, User, UserIdentity
from crm_core.models.accounts_ext import ConfigChange
from crm_core.services import admin as svc
from crm_core.services import routing_rules
from crm_core.services.catalog import get_config
from crm_core.uow import UnitOfWork
from tests.integration.stages.conftest import Demo


async def _stage_rows(demo: Demo) -> dict[str, tuple[list[str], dict[str, Any], bool]]:
    async with demo.uow() as uow:
        return {s.name: (list(s.allowed_next), dict(s.requirements), s.active)
                for s in (await uow.session.execute(select(Stage))).scalars()}


async def test_preset_change_preview_confirm_undo(demo: Demo) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        p = await svc.change_config(uow, admin, "presets.obstacles", ["招标延迟", "预算冻结"])
    assert "推进障碍预设" in p.summary
    async with demo.uow() as uow:               # a preview writes nothing
        assert await get_config(uow, "presets.obstacles") is None
    async with demo.uow(admin) as uow:
        change = await svc.apply(uow, admin, svc.Proposal.from_json(p.to_json()))
        await uow.commit()
    async with demo.uow() as uow:
        assert await get_config(uow, "presets.obstacles") == ["招标延迟", "预算冻结"]
        audit = (await uow.session.execute(select(AuditLog).where(
            AuditLog.action == "admin.config"))).scalars().one()
    assert audit.actor == "linxiao"
    assert audit.after == {"target": "presets.obstacles", "value": ["招标延迟", "预算冻结"]}
    async with demo.uow(admin) as uow:
        undone = await svc.undo_last(uow, admin)
        await uow.commit()
    assert undone.id == change.id
    async with demo.uow() as uow:
        assert await uow.session.get(ConfigEntry, "presets.obstacles") is None
        row = await uow.session.get(ConfigChange, change.id)
        assert row is not None
        assert row.reverted_at is not None
        assert (await uow.session.execute(select(AuditLog).where(
            AuditLog.action == "admin.undo"))).scalars().one()


async def test_stage_requirements_change_and_undo(demo: Demo) -> None:
    admin = demo["linxiao"]
    old = await _stage_rows(demo)
    async with demo.uow(admin) as uow:
        stages = await svc.read_state(uow, admin, "stages", "stages")
    for s in stages:
        if s["name"] == "需求确认":
            s["requirements"] = {"leave": {"fields": ["budget_note"]}}
    async with demo.uow(admin) as uow:
        p = await svc.change_stages(uow, admin, stages, "需求确认离开需预算")
    async with demo.uow(admin) as uow:
        await svc.apply(uow, admin, p)
        await uow.commit()
    assert (await _stage_rows(demo))["需求确认"][1] == {"leave": {"fields": ["budget_note"]}}
    async with demo.uow(admin) as uow:
        await svc.undo_last(uow, admin)
        await uow.commit()
    assert await _stage_rows(demo) == old


@pytest.mark.parametrize(("edit", "message"), [
    ({"需求确认": {"allowed_next": ["初步接触", "输单"]}}, "到不了「方案演示」"),
    ({"方案演示": {"requirements": {"enter": {"fields": ["心愿单"]}}}}, "字段「心愿单」不存在"),
    ({"合同谈判": {"allowed_next": ["方案演示", "输单"]}}, "永远到不了赢单"),
])
async def test_impossible_stage_configuration_is_refused_and_old_one_stays(
        demo: Demo, edit: dict[str, dict[str, Any]], message: str) -> None:
    admin = demo["linxiao"]
    old = await _stage_rows(demo)
    async with demo.uow(admin) as uow:
        stages = await svc.read_state(uow, admin, "stages", "stages")
    for s in stages:
        s.update(edit.get(s["name"], {}))
    async with demo.uow(admin) as uow:
        with pytest.raises(InvalidInput) as e:
            await svc.change_stages(uow, admin, stages, "坏配置")
    assert message in e.value.user_message
    assert "原配置不变" in e.value.user_message
    assert await _stage_rows(demo) == old


async def test_removing_a_stage_with_deals_is_refused(demo: Demo) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        stages = await svc.read_state(uow, admin, "stages", "stages")
        with pytest.raises(InvalidInput) as e:
            await svc.change_stages(uow, admin, [s for s in stages if s["name"] != "需求确认"],
                                    "删")
    assert "还有" in e.value.user_message


async def test_user_sla_binding_routing_changes_and_undo(demo: Demo) -> None:
    admin = demo["linxiao"]
    wang = demo["wanglei"]

    async def run(make: Callable[[UnitOfWork], Awaitable[svc.Proposal]]) -> None:
        async with demo.uow(admin) as uow:
            p = await make(uow)
        async with demo.uow(admin) as uow:
            await svc.apply(uow, admin, p)
            await uow.commit()

    await run(lambda uow: svc.user_change(uow, admin, "王磊", "role", "经理"))
    await run(lambda uow: svc.user_change(uow, admin, "wanglei", "leave",
                                          "2026-12-01~2026-12-05"))
    await run(lambda uow: svc.change_sla(uow, admin, "first_contact", [2, 6, 12], True))
    await run(lambda uow: svc.change_binding(uow, admin, "王磊", "wecom", "WangLei"))
    rules = [{"name": "江苏", "when": {"province": "江苏"}, "team": "南京骨科组"},
             {"name": "兜底", "fallback": True, "team": "浙沪医疗组"}]
    await run(lambda uow: svc.change_routing(uow, admin, rules, "两条规则"))
    async with demo.uow() as uow:
        u = await uow.session.get(User, wang.id)
        assert u is not None
        assert u.role == "manager"
        assert str(u.leave_from) == "2026-12-01"
        pol = (await uow.session.execute(select(SlaPolicy))).scalars().one()
        assert pol.levels_hours == [2, 6, 12]
        assert pol.business
        ident = (await uow.session.execute(select(UserIdentity).where(
            UserIdentity.platform == "wecom"))).scalars().one()
        assert ident.user_id == wang.id
        assert [r["name"] for r in await routing_rules.get_routing_rules(uow)] == ["江苏", "兜底"]
    for _ in range(5):
        async with demo.uow(admin) as uow:
            await svc.undo_last(uow, admin)
            await uow.commit()
    async with demo.uow() as uow:
        u = await uow.session.get(User, wang.id)
        assert u is not None
        assert u.role == "rep"
        assert u.leave_from is not None       # back to the demo's own leave
        assert str(u.leave_from) != "2026-12-01"
        assert (await uow.session.execute(select(SlaPolicy))).scalars().first() is None
        assert (await uow.session.execute(select(UserIdentity).where(
            UserIdentity.platform == "wecom"))).scalars().first() is None
        assert await routing_rules.get_routing_rules(uow) == []


async def test_bad_routing_rules_are_refused(demo: Demo) -> None:
    admin = demo["linxiao"]
    async with demo.uow(admin) as uow:
        with pytest.raises(InvalidInput) as e:
            await svc.change_routing(uow, admin, [{"name": "江苏", "when": {"province": "江苏"},
                                                   "team": "南京骨科组"}], "无兜底")
    assert "兜底" in e.value.user_message


async def test_add_user_team_region_and_undo(demo: Demo) -> None:
    admin = demo["linxiao"]
    for make in (lambda uow: svc.add_region(uow, admin, "华北大区", ["北京市", "天津市"]),
                 lambda uow: svc.add_team(uow, admin, "华北组", "华北大区", "chengang"),
                 lambda uow: svc.add_user(uow, admin, "赵六", "zhaoliu", "销售", "华北组")):
        async with demo.uow(admin) as uow:
            p = await make(uow)
        async with demo.uow(admin) as uow:
            await svc.apply(uow, admin, p)
            await uow.commit()
    async with demo.uow() as uow:
        u = (await uow.session.execute(select(User).where(User.login == "zhaoliu"))).scalars()\
            .one()
    assert u.active
    assert u.manager_id == demo["chengang"].id
    async with demo.uow(admin) as uow:
        with pytest.raises(InvalidInput):
            await svc.add_user(uow, admin, "赵六", "zhaoliu", "销售", None)
    async with demo.uow(admin) as uow:
        await svc.undo_last(uow, admin)
        await uow.commit()
    async with demo.uow() as uow:
        u2 = await uow.session.get(User, u.id)
    assert u2 is not None
    assert not u2.active


def _admin_calls(demo: Demo) -> dict[str, Callable[[UnitOfWork, User], Awaitable[Any]]]:
    proposal = svc.Proposal("config", "presets.obstacles", "x", None, ["a"])
    return {
        "propose": lambda uow, u: svc.propose(uow, u, "config", "presets.obstacles", ["a"], "x"),
        "apply": lambda uow, u: svc.apply(uow, u, proposal),
        "undo_last": lambda uow, u: svc.undo_last(uow, u),
        "recent_changes": lambda uow, u: svc.recent_changes(uow, u),
        "list_users": lambda uow, u: svc.list_users(uow, u),
        "list_teams": lambda uow, u: svc.list_teams(uow, u),
        "list_regions": lambda uow, u: svc.list_regions(uow, u),
        "list_bindings": lambda uow, u: svc.list_bindings(uow, u),
        "read_state": lambda uow, u: svc.read_state(uow, u, "stages", "stages"),
        "config_or_default": lambda uow, u: svc.config_or_default(uow, u, "campaign_costs", {}),
        "user_change": lambda uow, u: svc.user_change(uow, u, "王磊", "role", "经理"),
        "add_user": lambda uow, u: svc.add_user(uow, u, "赵六", "zhaoliu", "销售", None),
        "add_team": lambda uow, u: svc.add_team(uow, u, "新组", None, None),
        "change_team": lambda uow, u: svc.change_team(uow, u, "南京骨科组", "strategy",
                                                      "weighted"),
        "add_region": lambda uow, u: svc.add_region(uow, u, "华北", ["北京市"]),
        "change_region": lambda uow, u: svc.change_region(uow, u, "苏南大区", ["江苏省"]),
        "change_binding": lambda uow, u: svc.change_binding(uow, u, "王磊", "wecom", "x"),
        "change_sla": lambda uow, u: svc.change_sla(uow, u, "claim", [1, 2], False),
        "change_config": lambda uow, u: svc.change_config(uow, u, "campaign_costs", {"a": 1}),
        "change_stages": lambda uow, u: svc.change_stages(uow, u, [], "x"),
        "change_routing": lambda uow, u: svc.change_routing(uow, u, [], "x"),
        "set_routing_rules": lambda uow, u: routing_rules.set_routing_rules(uow, [], u),
    }


ADMIN_CALLS = ["propose", "apply", "undo_last", "recent_changes", "list_users", "list_teams",
               "list_regions", "list_bindings", "read_state", "config_or_default",
               "user_change", "add_user", "add_team", "change_team", "add_region",
               "change_region", "change_binding", "change_sla", "change_config",
               "change_stages", "change_routing", "set_routing_rules"]


@pytest.mark.parametrize("who", ["zhangwei", "chengang"])
@pytest.mark.parametrize("call", ADMIN_CALLS)
async def test_every_admin_service_refuses_non_admins(demo: Demo, who: str, call: str) -> None:
    user = demo[who]
    fn = _admin_calls(demo)[call]
    async with demo.uow(user) as uow:
        with pytest.raises(Forbidden):
            await fn(uow, user)
    async with demo.uow() as uow:
        assert (await uow.session.execute(select(ConfigChange))).scalars().first() is None


def test_the_list_covers_every_public_admin_function() -> None:
    import inspect

    public = {n for n, f in vars(svc).items() if inspect.iscoroutinefunction(f)
              and not n.startswith("_") and f.__module__ == svc.__name__}
    assert public - set(ADMIN_CALLS) <= {"sla_state", "new_user_state"}
