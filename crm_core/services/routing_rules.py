"""Admin configuration of the routing rule table and the weighted strategy's weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import col

from crm_core.errors import Forbidden, InvalidInput
from crm_core.models import AssignmentRule, Product, Team, User
from crm_core.policies.routing_validation import (
    Checked,
    RepInfo,
    TeamInfo,
    validate_rules,
    validate_weights,
)
from crm_core.services.catalog import set_config
from crm_core.services.routing_state import config_value
from crm_core.uow import UnitOfWork

ADMIN_ROLES = frozenset({"admin"})


async def check_rules(
    uow: UnitOfWork, rules: Sequence[Mapping[str, Any]],
    weights: Mapping[str, Any] | None = None,
) -> Checked:
    """Validate without storing: errors and warnings in Chinese."""
    users = list((await uow.session.execute(select(User))).scalars())
    teams = [TeamInfo(t.id or 0, t.name, sum(1 for u in users if u.team_id == t.id
                                            and u.active and u.role == "rep"))
             for t in (await uow.session.execute(select(Team))).scalars()]
    reps = [RepInfo(u.id or 0, u.login, u.name, u.active) for u in users]
    lines = {x for x in (await uow.session.execute(
        select(func.distinct(Product.line)))).scalars() if x}
    for t in (await uow.session.execute(select(Team))).scalars():
        lines.update(t.product_lines or [])
    checked = validate_rules(rules, teams=teams, reps=reps, product_lines=lines)
    if weights is not None:
        checked.errors.extend(validate_weights(weights))
    return checked


async def set_routing_rules(
    uow: UnitOfWork, rules: Sequence[Mapping[str, Any]], by: User | int,
    weights: Mapping[str, Any] | None = None, offer_minutes: float | None = None,
) -> list[str]:
    """Replace the rule table (admins only). Raises InvalidInput listing every problem;
    returns the warnings (overlaps). In `uow`'s transaction: the caller commits."""
    actor = by if isinstance(by, User) else await uow.session.get(User, by)
    if actor is None or actor.role not in ADMIN_ROLES:
        raise Forbidden("only admins configure routing", "只有管理员可以配置分配规则")
    checked = await check_rules(uow, rules, weights)
    if offer_minutes is not None and not 1 <= offer_minutes <= 24 * 60:
        checked.errors.append("抢单时限必须在 1 分钟到 24 小时之间")
    if checked.errors:
        raise InvalidInput(f"routing rules rejected: {len(checked.errors)} problems",
                           "分配规则未保存:\n" + "\n".join(f"· {e}" for e in checked.errors))
    before = await get_routing_rules(uow)
    await uow.session.execute(delete(AssignmentRule))
    for pos, r in enumerate(checked.rules, start=1):
        uow.add(AssignmentRule(
            position=pos * 10, name=r.name, active=r.active, is_fallback=r.is_fallback,
            conditions=r.conditions.to_json(), target_kind=r.target_kind,
            target_id=r.target_id, created_at=uow.now, updated_at=uow.now,
            updated_by=actor.id,
        ))
    if weights is not None:
        await set_config(uow, "routing.weights", dict(weights), audit=False)
    if offer_minutes is not None:
        await set_config(uow, "routing.offer_minutes", offer_minutes, audit=False)
    uow.audit("routing.configure", "config", "routing.rules", before={"rules": before},
              after={"rules": [dict(r) for r in rules], "weights": weights,
                     "warnings": checked.warnings})
    return checked.warnings


async def get_routing_rules(uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = (await uow.session.execute(
        select(AssignmentRule).order_by(col(AssignmentRule.position))
    )).scalars().all()
    return [{"id": r.id, "name": r.name, "when": r.conditions, "target_kind": r.target_kind,
             "target_id": r.target_id, "fallback": r.is_fallback, "active": r.active}
            for r in rows]


async def routing_weights(uow: UnitOfWork) -> dict[str, Any]:
    from crm_core.policies.routing import DEFAULT_WEIGHTS

    return dict(await config_value(uow, "routing.weights", DEFAULT_WEIGHTS))
