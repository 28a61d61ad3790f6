"""Reads the routing inputs from the database into the pure policy's values."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col

from crm_core.db import REFERENCE_TABLES
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
from crm_core.models.base import AwareDateTime
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
    combine_rules,
    fallback_rule,
    first_match,
    implicit_rules,
)
from crm_core.services.catalog import get_config
from crm_core.uow import UnitOfWork, day_bounds

ONLINE_MINUTES = 15
PERF_TTL_S = 60.0
KIND_HINTS: tuple[tuple[str, str], ...] = (
    ("医院", "hospital"), ("卫生院", "hospital"), ("诊所", "hospital"), ("大学", "school"),
    ("学院", "school"), ("学校", "school"), ("中学", "school"), ("经销", "distributor"),
    ("贸易", "distributor"), ("局", "government"), ("委员会", "government"),
    ("公司", "company"), ("厂", "company"), ("集团", "company"),
)


config_value = get_config          # the one reader of tenant configuration




async def load_config(
    uow: UnitOfWork, weights: dict[str, Any] | None = None,
    team_rows: list[Team] | None = None,
) -> RoutingConfig:
    rows = (await uow.session.execute(
        select(AssignmentRule).order_by(col(AssignmentRule.position), col(AssignmentRule.id))
    )).scalars().all()
    rules = tuple(Rule(r.id, r.name, Conditions.from_json(r.conditions), r.target_kind,
                       r.target_id, r.is_fallback, r.active) for r in rows)
    if weights is None:
        weights = await config_value(uow, "routing.weights", DEFAULT_WEIGHTS)
    regions_by_id = {r.id: r for r in (await uow.session.execute(select(Region))).scalars()}
    if team_rows is None:
        team_rows = list((await uow.session.execute(select(Team))).scalars())
    teams = [(t.id or 0, t.name,
              list(regions_by_id[t.region_id].provinces) if t.region_id in regions_by_id
              else [], list(t.product_lines or []))
             for t in sorted(team_rows, key=lambda t: t.id or 0)]
    return RoutingConfig(combine_rules(rules, implicit_rules(teams)),
                         {**DEFAULT_WEIGHTS, **weights}, implicit=not rules)


@dataclass(frozen=True, slots=True)
class _UserRow:
    """What routing reads of a user, copied once per reference snapshot (plain attributes:
    a detached ORM row costs an instrumented lookup per attribute, per lead)."""

    id: int
    name: str
    team_id: int | None
    active: bool
    is_rep: bool
    max_open_leads: int
    max_daily_leads: int
    last_seen_at: Any
    leave_from: Any
    leave_until: Any

    def on_leave(self, day: Any) -> bool:
        return bool(self.leave_from and self.leave_until
                    and self.leave_from <= day <= self.leave_until)


@dataclass(frozen=True, slots=True)
class _Static:
    """Per reference snapshot: the users as plain rows, and each team's fixed part (name,
    strategy, rep members, offer size)."""

    users: tuple[_UserRow, ...]
    teams: dict[int, tuple[str, str, tuple[int, ...], int]]


def _static(ref: Reference) -> _Static:
    got: _Static | None = ref.derived.get("static")
    if got is None:
        users = tuple(_UserRow(u.id, u.name, u.team_id, u.active, u.role == "rep",
                               u.max_open_leads, u.max_daily_leads, u.last_seen_at,
                               u.leave_from, u.leave_until)
                      for u in ref.users if u.id is not None)
        teams = {t.id: (t.name, t.strategy or "round_robin",
                        tuple(u.id for u in users if u.team_id == t.id and u.is_rep),
                        int((t.settings or {}).get("offer_size", 3)))
                 for t in ref.teams if t.id is not None}
        got = ref.derived["static"] = _Static(users, teams)
    return got


def build_teams(static: _Static, cursors: dict[int, int | None]) -> dict[int, TeamState]:
    """Teams with their members and round-robin cursors (None where not read)."""
    return {tid: TeamState(tid, name, strategy, members, cursors.get(tid), offer_size)
            for tid, (name, strategy, members, offer_size) in static.teams.items()}


def _live_sql(teams: int, arrays: bool) -> Any:
    """Reps' open leads, their assignments today and the teams' last assignees, in one
    statement; each part is read from an index (ix_lead_owner_status,
    ix_lead_owner_assigned, ix_lead_team_assigned). With `arrays` (PostgreSQL) the lists
    are one array parameter each (`= ANY`): no statement rewritten per call for the number
    of reps, one prepared statement; and each rep's counts stop at the rep's own limits
    (`max_open_leads`, `max_daily_leads`): routing only asks whether a rep is full and
    compares reps that are not, so a rep who holds thousands (an account owner's leads
    come to them whatever their load) costs a few dozen index entries, not thousands.
    `load_reps` caps SQLite's exact counts the same way."""
    if arrays:
        parts = [
            f"SELECT {k} AS k, u.id AS a, (SELECT COUNT(*) FROM (SELECT 1 FROM lead"
            f" WHERE owner_id = u.id AND {cond} LIMIT GREATEST(u.{cap}, 0)) AS n) AS b"
            " FROM crm_user AS u WHERE u.id = ANY(:ids)"
            for k, cond, cap in ((0, "status = ANY(:open)", "max_open_leads"),
                                 (1, "assigned_at >= :start", "max_daily_leads"))]
    else:
        parts = [
            "SELECT 0 AS k, owner_id AS a, COUNT(*) AS b FROM lead"
            " WHERE owner_id IN :ids AND status IN :open GROUP BY owner_id",
            "SELECT 1 AS k, owner_id AS a, COUNT(*) AS b FROM lead"
            " WHERE owner_id IN :ids AND assigned_at >= :start GROUP BY owner_id",
        ]
    parts += [f"SELECT * FROM (SELECT 2 AS k, team_id AS a, owner_id AS b FROM lead"
              f" WHERE team_id = :t{i} AND assigned_at IS NOT NULL"
              f" ORDER BY assigned_at DESC, id DESC LIMIT 1) AS t{i}" for i in range(teams)]
    lists = (bindparam("ids", type_=ARRAY(Integer)), bindparam("open", type_=ARRAY(String))) \
        if arrays else (bindparam("ids", expanding=True), bindparam("open", expanding=True))
    return text(" UNION ALL ".join(parts)).bindparams(
        *lists, bindparam("start", type_=AwareDateTime()))


_LIVE_SQL: dict[tuple[int, bool], Any] = {}


@dataclass(slots=True)
class _Live:
    """Live counts cached in this process, valid while `stamp` holds: nothing else changed
    the leads (SQLite: no other connection committed, `data_version`; PostgreSQL: the
    `leads` row of `cache_version`, which a trigger bumps at the commit of any change to
    what is counted), no lead row written in this process (Database.lead_writes; a rollback
    of one counts too) other than the intakes that carried the counts forward themselves,
    and the same day."""

    stamp: tuple[Any, int, Any]
    cursors: dict[int, int | None]
    loads: dict[int, tuple[int, int]]


async def live_counts(
    uow: UnitOfWork, team_ids: list[int], rep_ids: list[int],
) -> tuple[dict[int, int | None], dict[int, tuple[int, int]]]:
    """(team → last assignee, rep → (open leads, assigned today)): one statement, or none
    when nothing that could change them happened since the last read (`_Live`)."""
    if not team_ids and not rep_ids:
        return {}, {}
    day = uow.now.astimezone(uow.clock.tz).date()
    if uow.session.sync_session.autoflush:    # count this transaction's own changes too
        await uow.session.flush()
    pg = uow.db.dialect == "postgresql"
    # (the intake's lookup read the versions, or data_version, already: no statement);
    # on PostgreSQL the counts stop at each rep's limits, so the reference (users) too
    version = ("leads", await uow.cache_version("leads"),
               await uow.cache_version("reference")) if pg else uow.memo.get(_DATA_VERSION)
    stamp = (version, uow.db.lead_writes, day)
    live: _Live | None = uow.db.cache.get(_LIVE_KEY)
    if stamp[0] is not None and live is not None and live.stamp == stamp \
            and all(t in live.cursors for t in team_ids) \
            and all(r in live.loads for r in rep_ids):
        return ({t: live.cursors[t] for t in team_ids}, {r: live.loads[r] for r in rep_ids})
    start, _ = day_bounds(day, uow.clock)
    shape = (len(team_ids), pg)
    sql = _LIVE_SQL.get(shape)
    if sql is None:
        sql = _LIVE_SQL[shape] = _live_sql(*shape)
    params: dict[str, Any] = {"ids": rep_ids or [-1], "open": list(OPEN_LEAD_STATUSES),
                              "start": start}
    params.update({f"t{i}": t for i, t in enumerate(team_ids)})
    cursors: dict[int, int | None] = dict.fromkeys(team_ids)
    open_: dict[int, int] = {}
    today: dict[int, int] = {}
    for k, a, b in (await uow.sql(sql, params)).all():
        if k == 0:
            open_[int(a)] = int(b)
        elif k == 1:
            today[int(a)] = int(b)
        else:
            cursors[int(a)] = None if b is None else int(b)
    loads = {r: (open_.get(r, 0), today.get(r, 0)) for r in rep_ids}
    if stamp[0] is not None:
        if live is None or live.stamp != stamp:
            live = uow.db.cache[_LIVE_KEY] = _Live(stamp, {}, {})
        live.cursors.update(cursors)
        live.loads.update(loads)
    return cursors, loads


def count_new_assignment(uow: UnitOfWork, owner_id: int | None, team_id: int | None,
                         writes_before: int) -> None:
    """The intake just inserted (flushed) a lead, assigned to `owner_id` or to nobody: if
    that INSERT was the only lead write since the cached counts were read, they are carried
    forward at commit (+1 open, +1 today, the team's cursor) instead of being read again."""
    if uow.db.lead_writes == writes_before + 1:
        _carry_at_commit(uow, owner_id, team_id, writes_before)


def count_reserved_assignment(uow: UnitOfWork, owner_id: int | None,
                              team_id: int | None) -> None:
    """PostgreSQL: the intake's new lead (a reserved id) is written with the commit's rows,
    assigned to `owner_id` or to nobody: carried forward as `count_new_assignment` does."""
    _carry_at_commit(uow, owner_id, team_id, uow.db.lead_writes)


def _carry_at_commit(uow: UnitOfWork, owner_id: int | None, team_id: int | None,
                     writes_before: int) -> None:
    """After the commit, when the new lead's INSERT is the only lead write of this process
    since the cached counts were read (`Database.lead_writes` one past `writes_before`),
    add it to them and move their stamp on. On PostgreSQL the stamp takes the `leads`
    version this commit made: the trigger adds one, any other commit anywhere makes it
    larger, and the next read then finds a different version and reads the counts again."""
    live: _Live | None = uow.db.cache.get(_LIVE_KEY)
    if live is None or live.stamp[1] != writes_before:
        return
    db, held = uow.db, live

    def carry() -> None:
        live = held
        if db.cache.get(_LIVE_KEY) is not live or db.lead_writes != writes_before + 1:
            return                  # something else wrote leads meanwhile: read afresh
        if owner_id is not None and owner_id in live.loads:
            open_n, today_n = live.loads[owner_id]
            live.loads[owner_id] = (open_n + 1, today_n + 1)
        if owner_id is not None and team_id is not None and team_id in live.cursors:
            live.cursors[team_id] = owner_id
        version = live.stamp[0]
        if isinstance(version, tuple):       # PostgreSQL: ("leads", version, reference)
            version = (version[0], version[1] + 1, *version[2:])
        live.stamp = (version, db.lead_writes, live.stamp[2])

    uow.on_commit(carry)


async def load_reps(
    uow: UnitOfWork, users: tuple[_UserRow, ...], only: set[int] | None, performance: bool,
    loads: dict[int, tuple[int, int]],
) -> dict[int, RepState]:
    """Users (all, or those in `only`) with their `loads` (see `live_counts`) and capacity;
    with `performance` also open deals, won amount (30 days) and conversion per product
    line (read at most once a minute)."""
    s = uow.session
    now = uow.now
    pick = [u for u in users if only is None or u.id in only]
    ids = [u.id for u in pick]
    if not ids:
        return {}
    deals: dict[int, tuple[int, float]] = {}
    conv: dict[int, dict[str, float]] = {}
    perf_key = f"routing.perf:{sorted(ids)}"
    cached = uow.db.cache.get(perf_key)
    if performance and cached is not None and cached[0] > time.monotonic() \
            and cached[1] == now.date():
        deals, conv = cached[2], cached[3]
    elif performance:
        won_amount = case((and_(col(Stage.is_won).is_(True),
                                col(Deal.closed_at) >= now - timedelta(days=30)),
                           Deal.amount), else_=0.0)
        open_deal = case((col(Deal.closed_at).is_(None), 1), else_=0)
        deals = {o: (int(a or 0), float(b or 0.0)) for o, a, b in (await s.execute(
            select(col(Deal.owner_id), func.sum(open_deal), func.sum(won_amount))
            .join(Stage, col(Stage.id) == col(Deal.stage_id), isouter=True)
            .where(col(Deal.owner_id).in_(ids)).group_by(col(Deal.owner_id))
        )).all()}
        conv = await _conversion(uow, ids)
        # slow-moving figures (deals, 30-day won amount, historical conversion): reused for
        # a minute; the load and capacity counts above are read fresh for every lead
        uow.db.cache[perf_key] = (time.monotonic() + PERF_TTL_S, now.date(), deals, conv)
    day = now.astimezone(uow.clock.tz).date()
    out: dict[int, RepState] = {}
    online_since = now - timedelta(minutes=ONLINE_MINUTES)
    seen = await presence(uow)
    for u in pick:
        last_seen = seen.get(u.id, u.last_seen_at)
        open_leads, today = loads.get(u.id, (0, 0))
        # counted up to the rep's limits (see _live_sql): the same on both backends
        open_leads = min(open_leads, max(u.max_open_leads, 0))
        today = min(today, max(u.max_daily_leads, 0))
        open_deals, won = deals.get(u.id, (0, 0.0))
        out[u.id] = RepState(
            id=u.id, name=u.name, team_id=u.team_id, active=u.active,
            on_leave=u.on_leave(day), open_leads=open_leads, max_open_leads=u.max_open_leads,
            today_leads=today, max_daily_leads=u.max_daily_leads, open_deals=open_deals,
            won_amount_30d=won, conversion=conv.get(u.id, {}), is_rep=u.is_rep,
            online=bool(last_seen and last_seen >= online_since),
        )
    return out


_PRESENCE_KEY = "routing.presence"
_PRESENCE_SQL = select(col(User.id), col(User.last_seen_at)).where(
    col(User.last_seen_at).is_not(None))


async def presence(uow: UnitOfWork) -> Mapping[int, Any]:
    """When each user was last active (routing's "online now"): kept per process under its
    own version (`presence`), which only `last_seen_at` moves — a rep's activity leaves the
    reference snapshot (users, teams, rules) alone. Its value of `last_seen_at` is the one
    at the snapshot's reading; this one is current."""
    if await uow.changed_cache_sources("presence"):
        return _presence_rows(await uow.sql(_PRESENCE_SQL))
    # SQLite: the reference's stamp (no query where the intake read data_version) and this
    # process's touches; PostgreSQL: the `presence` row
    version: tuple[Any, ...] = (*await _static_version(uow), uow.db.presence_writes) \
        if uow.db.dialect == "sqlite" else ("version", await uow.cache_version("presence"))
    hit = uow.db.cache.get(_PRESENCE_KEY)
    if hit is not None and hit[0] == version:
        return hit[1]
    seen = _presence_rows(await uow.sql(_PRESENCE_SQL))
    uow.db.cache[_PRESENCE_KEY] = (version, seen)
    return seen


def _presence_rows(rows: Any) -> dict[int, Any]:
    return {int(r[0]): r[1] for r in rows}


async def _conversion(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, float]]:
    """Historical conversion per rep and product line, Laplace-smoothed (1/1 is not 100 %);
    "*" holds the rep's overall rate."""
    rows = (await uow.session.execute(
        select(col(Lead.owner_id), col(Lead.product_line), func.count(),
               func.sum(case((col(Lead.status) == "converted", 1), else_=0)))
        .where(col(Lead.owner_id).in_(ids),
               col(Lead.status).in_(("converted", "dropped", "qualified")))
        .group_by(col(Lead.owner_id), col(Lead.product_line))
    )).all()
    conv: dict[int, dict[str, float]] = {}
    totals: dict[int, list[int]] = {}
    for owner, line, n, won_n in rows:
        conv.setdefault(owner, {})[line or ""] = (int(won_n or 0) + 1) / (int(n) + 2)
        t = totals.setdefault(owner, [0, 0])
        t[0] += int(won_n or 0)
        t[1] += int(n)
    for owner, (w, n) in totals.items():
        conv[owner]["*"] = (w + 1) / (n + 2)
    return conv


_CACHE_KEY = "routing.static"
# SQLite answers whether another connection (another process) committed since this
# connection last looked: with the in-process write counters of crm_core.db, the validity
# stamp of the cached reference and live counts
_DATA_VERSION_SQL = text("SELECT data_version FROM pragma_data_version()")
_DATA_VERSION = "routing.data_version"
_LIVE_KEY = "routing.live"


@dataclass(frozen=True, slots=True)
class Reference:
    """The slow-changing rows routing reads for every lead: users, teams, the rule table,
    active products and the tenant configuration. Shared read-only between transactions
    (detached rows: read their attributes, never add them to a session)."""

    users: list[User]
    teams: list[Team]
    config: RoutingConfig
    products: list[Product]
    settings: dict[str, Any]                 # ConfigEntry key → value
    users_by_id: dict[int, User]
    derived: dict[str, Any] = field(default_factory=dict)   # computed from the above, once


def note_data_version(uow: UnitOfWork, data_version: int) -> None:
    """SQLite's `PRAGMA data_version`, read by this transaction's first statement (the
    intake's lookup): saves `reference` and `live_counts` a query."""
    uow.memo[_DATA_VERSION] = data_version


async def _static_version(uow: UnitOfWork) -> tuple[Any, ...]:
    """What the cached reference is valid for. SQLite: (data_version, the process's writes
    to the reference tables): nothing else can change them, so no query when the intake's
    lookup read data_version already. PostgreSQL (many connections and processes): the
    `reference` row of `cache_version`, which triggers bump in the transaction of any
    change to users, teams, rules, products or the configuration (crm_core.infra.cache_versions)."""
    if uow.db.dialect == "sqlite":
        data_version = uow.memo.get(_DATA_VERSION)
        if data_version is None:
            data_version = (await uow.sql(_DATA_VERSION_SQL)).scalar()
            uow.memo[_DATA_VERSION] = data_version
        return ("sqlite", data_version, uow.db.reference_writes)
    return ("version", await uow.cache_version("reference"))


async def reference(uow: UnitOfWork) -> Reference:
    """Users, teams, the rule table, products and configuration: read once per process and
    reused while their version says nothing changed; the version is checked once per unit
    of work (one statement per lead instead of six). A transaction that changed them itself
    reads them afresh and keeps them to itself."""
    pending = uow.session.sync_session
    if any(getattr(row, "__tablename__", None) in REFERENCE_TABLES
           for row in (*pending.new, *pending.dirty, *pending.deleted)):
        # this transaction's own changes to those tables count: the flush counts them
        # (crm_core.db) and empties the memo
        await uow.session.flush()
    memo = uow.memo.get(_CACHE_KEY)
    if memo is not None:
        return memo
    own = await uow.changed_cache_sources("reference")
    version: tuple[Any, ...] | None = None
    if not own:
        version = await _static_version(uow)
        hit = uow.db.cache.get(_CACHE_KEY)
        if hit is not None and hit[0] == version:
            uow.memo[_CACHE_KEY] = hit[1]
            return hit[1]
    users = list((await uow.session.execute(select(User))).scalars())
    team_rows = list((await uow.session.execute(select(Team))).scalars())
    settings = {r.key: r.value for r in (await uow.session.execute(select(ConfigEntry)))
                .scalars() if r.value is not None}
    config = await load_config(uow, settings.get("routing.weights") or DEFAULT_WEIGHTS,
                               team_rows)
    products = list((await uow.session.execute(
        select(Product).where(col(Product.active).is_(True))
    )).scalars())
    value = Reference(users, team_rows, config, products, settings,
                      {u.id: u for u in users if u.id is not None})
    if version is not None:
        # shared beyond this session: detach them, so that a rollback here cannot expire them
        for row in (*users, *team_rows, *products):
            uow.session.expunge(row)
        uow.db.cache[_CACHE_KEY] = (version, value)
    uow.memo[_CACHE_KEY] = value
    return value


async def load_state(
    uow: UnitOfWork, facts: LeadFacts | None = None, config: RoutingConfig | None = None,
    weights: dict[str, Any] | None = None,
) -> tuple[RoutingConfig, dict[int, TeamState], dict[int, RepState]]:
    """What `decide` needs. With `facts`, only the teams and reps the lead can reach (the
    matched rule's and the fallback's targets, the customer's owner) are loaded in full; the
    caller reloads everything (`facts=None`) if that is not enough."""
    ref = await reference(uow)
    cached_config = ref.config
    static = _static(ref)
    users = static.users
    if config is None:
        config = cached_config if weights is None else RoutingConfig(
            cached_config.rules, {**DEFAULT_WEIGHTS, **weights}, implicit=cached_config.implicit)
    only_teams: set[int] | None = None
    only_reps: set[int] | None = None
    performance = True
    if facts is not None and config.rules:
        targets = [r for r in (first_match(config.rules, facts), fallback_rule(config.rules))
                   if r is not None]
        if all(r.target_kind != "any" for r in targets):
            only_teams = {r.target_id for r in targets
                          if r.target_kind == "team" and r.target_id is not None}
            only_reps = {u.id for u in users if u.team_id in only_teams}
            only_reps |= {r.target_id for r in targets
                          if r.target_kind == "rep" and r.target_id is not None}
            if facts.affinity_owner_id is not None:
                only_reps.add(facts.affinity_owner_id)
    cursor_teams = [tid for tid, (_, strategy, _, _) in static.teams.items()
                    if (only_teams is None or tid in only_teams) and strategy != "weighted"]
    rep_ids = [u.id for u in users if only_reps is None or u.id in only_reps]
    cursors, loads = await live_counts(uow, cursor_teams, rep_ids)
    teams = build_teams(static, cursors)
    if only_teams is not None:
        performance = any(teams[t].strategy == "weighted" for t in only_teams if t in teams)
    return config, teams, await load_reps(uow, users, only_reps, performance, loads)


async def product_lines_of(uow: UnitOfWork, lead: Lead) -> tuple[str, ...]:
    """The lead's product line(s): its own field, else the catalog products its text names."""
    if lead.product_line:
        return (lead.product_line,)
    text = (lead.product_text or "") + " " + (lead.message or "")
    if not text.strip():
        return ()
    found: list[str] = []
    for p in (await reference(uow)).products:
        names = [p.name, *p.aliases, *p.model_codes, p.line]
        if p.line and p.line not in found and any(n and n in text for n in names):
            found.append(p.line)
    return tuple(found)


def guess_kind(name: str | None) -> str | None:
    for hint, kind in KIND_HINTS:
        if name and hint in name:
            return kind
    return None


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What routing reads of a lead's customer, when the caller read it already (the
    intake's lookup) instead of loading the row."""

    id: int
    name: str
    kind: str | None
    province: str | None
    city: str | None
    district: str | None
    owner_id: int | None


async def lead_facts(uow: UnitOfWork, lead: Lead,
                     customer: Customer | CustomerFacts | None = None) -> LeadFacts:
    """Facts the rules look at; fills the lead's region and product line when it can.
    `customer`: the lead's customer as the caller read it (else it is loaded)."""
    if customer is None or customer.id != lead.customer_id:
        customer = await uow.session.get(Customer, lead.customer_id) \
            if lead.customer_id else None
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
    return and_(col(Lead.owner_id).is_not(None), col(Lead.status).in_(OPEN_LEAD_STATUSES))
