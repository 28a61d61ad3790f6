"""Reads the routing inputs from the database into the pure policy's values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from crm_core.models import (
    AssignmentRule,
    ConfigEntry,
    Customer,
    Deal,
    Lead,
    Product,
    Region,
    Stage,
    Team,
    User,
)
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies import region as regions
from crm_core.policies.routing import (
    DEFAULT_WEIGHTS,
    Conditions,
    LeadFacts,
    RepState,
    RoutingConfig,
    Rule,
    TeamState,
    implicit_rules,
)
from crm_core.uow import UnitOfWork, day_bounds

ONLINE_MINUTES = 15
KIND_HINTS: tuple[tuple[str, str], ...] = (
    ("医院", "hospital"), ("卫生院", "hospital"), ("诊所", "hospital"), ("大学", "school"),
    ("学院", "school"), ("学校", "school"), ("中学", "school"), ("经销", "distributor"),
    ("贸易", "distributor"), ("局", "government"), ("委员会", "government"),
    ("公司", "company"), ("厂", "company"), ("集团", "company"),
)


async def config_value(uow: UnitOfWork, key: str, default: Any) -> Any:
    row = await uow.session.get(ConfigEntry, key)
    return default if row is None or row.value is None else row.value


async def set_config_value(uow: UnitOfWork, key: str, value: Any) -> None:
    row = await uow.session.get(ConfigEntry, key)
    if row is None:
        row = ConfigEntry(key=key)
    row.value = value
    row.updated_at = uow.now
    row.updated_by = uow.actor.user_id
    uow.add(row)


async def load_config(uow: UnitOfWork) -> RoutingConfig:
    rows = (await uow.session.execute(
        select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.id)  # type: ignore[arg-type]
    )).scalars().all()
    rules = tuple(Rule(r.id, r.name, Conditions.from_json(r.conditions), r.target_kind,
                       r.target_id, r.is_fallback, r.active) for r in rows)
    weights = await config_value(uow, "routing.weights", DEFAULT_WEIGHTS)
    if rules:
        return RoutingConfig(rules, {**DEFAULT_WEIGHTS, **weights})
    regions_by_id = {r.id: r for r in (await uow.session.execute(select(Region))).scalars()}
    teams = [(t.id or 0, t.name,
              list(regions_by_id[t.region_id].provinces) if t.region_id in regions_by_id
              else [], list(t.product_lines or []))
             for t in (await uow.session.execute(select(Team).order_by(Team.id))).scalars()]  # type: ignore[arg-type]
    return RoutingConfig(implicit_rules(teams), {**DEFAULT_WEIGHTS, **weights}, implicit=True)


async def load_teams(uow: UnitOfWork, users: list[User]) -> dict[int, TeamState]:
    teams = (await uow.session.execute(select(Team))).scalars().all()
    out: dict[int, TeamState] = {}
    for t in teams:
        assert t.id is not None
        members = tuple(u.id for u in users if u.team_id == t.id and u.role == "rep"
                        and u.id is not None)
        last = (await uow.session.execute(
            select(Lead.owner_id).where(Lead.team_id == t.id, Lead.assigned_at.is_not(None))  # type: ignore[union-attr]
            .order_by(Lead.assigned_at.desc(), Lead.id.desc()).limit(1)  # type: ignore[union-attr]
        )).scalar()
        out[t.id] = TeamState(t.id, t.name, t.strategy or "round_robin", members, last,
                              int((t.settings or {}).get("offer_size", 3)))
    return out


async def load_reps(uow: UnitOfWork, users: list[User]) -> dict[int, RepState]:
    """Every user with their load, capacity and performance figures (5 grouped queries)."""
    s = uow.session
    now = uow.now
    start, _ = day_bounds(now.astimezone(uow.clock.tz).date(), uow.clock)
    open_leads = dict((await s.execute(
        select(Lead.owner_id, func.count()).where(
            Lead.owner_id.is_not(None), Lead.status.in_(OPEN_LEAD_STATUSES))  # type: ignore[union-attr,attr-defined]
        .group_by(Lead.owner_id)
    )).tuples().all())
    today = dict((await s.execute(
        select(Lead.owner_id, func.count()).where(
            Lead.owner_id.is_not(None), Lead.assigned_at >= start)  # type: ignore[union-attr,operator]
        .group_by(Lead.owner_id)
    )).tuples().all())
    open_deals = dict((await s.execute(
        select(Deal.owner_id, func.count()).where(
            Deal.owner_id.is_not(None), Deal.closed_at.is_(None))  # type: ignore[union-attr]
        .group_by(Deal.owner_id)
    )).tuples().all())
    won = dict((await s.execute(
        select(Deal.owner_id, func.sum(Deal.amount)).join(Stage, Stage.id == Deal.stage_id)
        .where(Stage.is_won.is_(True), Deal.closed_at >= now - timedelta(days=30))  # type: ignore[attr-defined,operator]
        .group_by(Deal.owner_id)
    )).tuples().all())
    conv_rows = (await s.execute(
        select(Lead.owner_id, Lead.product_line, func.count(),
               func.sum(case((Lead.status == "converted", 1), else_=0)))
        .where(Lead.owner_id.is_not(None),  # type: ignore[union-attr]
               Lead.status.in_(("converted", "dropped", "qualified")))  # type: ignore[attr-defined]
        .group_by(Lead.owner_id, Lead.product_line)
    )).tuples().all()
    conv: dict[int, dict[str, float]] = {}
    totals: dict[int, list[int]] = {}
    for owner, line, n, won_n in conv_rows:
        # Laplace-smoothed: a rep with 1/1 is not "100 %".
        conv.setdefault(owner, {})[line or ""] = (int(won_n or 0) + 1) / (int(n) + 2)
        t = totals.setdefault(owner, [0, 0])
        t[0] += int(won_n or 0)
        t[1] += int(n)
    for owner, (w, n) in totals.items():
        conv[owner]["*"] = (w + 1) / (n + 2)
    day = now.astimezone(uow.clock.tz).date()
    out: dict[int, RepState] = {}
    for u in users:
        assert u.id is not None
        out[u.id] = RepState(
            id=u.id, name=u.name, team_id=u.team_id, active=u.active,
            on_leave=u.on_leave(day), open_leads=int(open_leads.get(u.id, 0)),
            max_open_leads=u.max_open_leads, today_leads=int(today.get(u.id, 0)),
            max_daily_leads=u.max_daily_leads, open_deals=int(open_deals.get(u.id, 0)),
            won_amount_30d=float(won.get(u.id, 0.0) or 0.0), conversion=conv.get(u.id, {}),
            online=bool(u.last_seen_at and now - u.last_seen_at
                        <= timedelta(minutes=ONLINE_MINUTES)),
        )
    return out


async def load_state(
    uow: UnitOfWork,
) -> tuple[RoutingConfig, dict[int, TeamState], dict[int, RepState]]:
    users = list((await uow.session.execute(select(User))).scalars())
    return await load_config(uow), await load_teams(uow, users), await load_reps(uow, users)


async def product_lines_of(uow: UnitOfWork, lead: Lead) -> tuple[str, ...]:
    """The lead's product line(s): its own field, else the catalog products its text names."""
    if lead.product_line:
        return (lead.product_line,)
    text = (lead.product_text or "") + " " + (lead.message or "")
    if not text.strip():
        return ()
    found: list[str] = []
    products = (await uow.session.execute(
        select(Product).where(Product.active.is_(True))  # type: ignore[attr-defined]
    )).scalars().all()
    for p in products:
        names = [p.name, *p.aliases, *p.model_codes, p.line]
        if p.line and p.line not in found and any(n and n in text for n in names):
            found.append(p.line)
    return tuple(found)


def guess_kind(name: str | None) -> str | None:
    for hint, kind in KIND_HINTS:
        if name and hint in name:
            return kind
    return None


async def lead_facts(uow: UnitOfWork, lead: Lead) -> LeadFacts:
    """Facts the rules look at; fills the lead's region and product line when it can."""
    customer = await uow.session.get(Customer, lead.customer_id) if lead.customer_id else None
    if not lead.province:
        if customer is not None and customer.province:
            lead.province, lead.city, lead.district = (
                customer.province, customer.city, customer.district)
        else:
            place = regions.resolve(lead.address, lead.company)
            if place:
                lead.province, lead.city, lead.district = (
                    place.province, place.city, place.district)
    elif lead.province and not lead.province.endswith(("省", "市", "区")):
        lead.province = regions.normalize_province(lead.province) or lead.province
    lines = await product_lines_of(uow, lead)
    if lines and not lead.product_line:
        lead.product_line = lines[0]
    return LeadFacts(
        lead_id=lead.id, province=lead.province, city=lead.city, district=lead.district,
        product_lines=lines, budget=lead.budget, source_channel=lead.source_channel,
        customer_kind=customer.kind if customer else guess_kind(lead.company),
        customer_name=customer.name if customer else lead.company, score=lead.score,
        affinity_owner_id=customer.owner_id if customer else None,
    )


def open_lead_filter() -> Any:
    return and_(Lead.owner_id.is_not(None), Lead.status.in_(OPEN_LEAD_STATUSES))  # type: ignore[union-attr,attr-defined]
