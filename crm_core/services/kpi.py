"""/看板 (/kpi): the three KPIs of the seeds, channel ROI, this period vs the last, per team
and per rep — for managers (their people), the director and admins (everyone).

Definitions (shown on the board, thresholds below them in red):
- **72 h activation** (≥ 85 %): of the leads created in the period shifted back by 72 h (so
  that every lead had its full 72 h), the share first contacted within 72 h of creation;
  by the lead's owner.
- **Stage compliance** (≥ 95 %): of the stage moves in the period, the share that met the
  stage's requirements without a manager's override (`StageHistory.compliant` and not
  `override`): an override, or a move whose evidence failed its checks, counts against it.
  By the deal's owner.
- **Profile completeness** (≥ 90 %): of the customers a rep owns, the share that are
  complete: at least one contact, every contact with a title and a decision-chain role
  (决策链角色), and the customer's 历史合作型号 (`past_models`) filled.
- **Channel ROI**, per source channel (and per utm campaign) in the period: leads, cost
  (config `campaign_costs`, a cost per 30 days, prorated to the period), cost per lead,
  won deals (closed won in the period, by the channel of their lead), cost per won deal,
  won amount, return = won amount ÷ cost.

A handful of grouped queries for all reps at once (never one per rep): `benchmarks/kpi.py`
measures 500 reps and 100 000 leads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from crm_core.errors import Forbidden, NotFound
from crm_core.models import Contact, Customer, Deal, Lead, Stage, StageHistory, Team, User
from crm_core.services.access import visible_owner_ids
from crm_core.services.catalog import get_config
from crm_core.uow import UnitOfWork

ACTIVATION = timedelta(hours=72)
THRESHOLDS: dict[str, float] = {"activation": 0.85, "compliance": 0.95, "completeness": 0.90}
LABELS: dict[str, str] = {"activation": "72小时激活率", "compliance": "阶段合规率",
                          "completeness": "客户档案完整率"}
PERIODS: dict[str, tuple[int, str]] = {"day": (1, "近1天"), "week": (7, "近7天"),
                                       "month": (30, "近30天")}
LEADERS = ("director", "admin")
VIEWERS = frozenset({"manager", "director", "admin"})


@dataclass
class Ratio:
    num: int = 0
    den: int = 0

    @property
    def value(self) -> float | None:
        return None if not self.den else self.num / self.den

    def add(self, other: Ratio) -> None:
        self.num += other.num
        self.den += other.den


@dataclass
class Kpis:
    activation: Ratio = field(default_factory=Ratio)
    compliance: Ratio = field(default_factory=Ratio)
    completeness: Ratio = field(default_factory=Ratio)

    def add(self, other: Kpis) -> None:
        for k in THRESHOLDS:
            getattr(self, k).add(getattr(other, k))

    def below(self) -> list[str]:
        """The KPIs under their threshold (names)."""
        return [k for k, t in THRESHOLDS.items()
                if (v := getattr(self, k).value) is not None and v < t]


@dataclass
class Row:
    """A team or a rep: this period and the last."""

    key: int
    name: str
    now: Kpis = field(default_factory=Kpis)
    before: Kpis = field(default_factory=Kpis)


@dataclass
class Channel:
    name: str
    leads: int = 0
    cost: float = 0.0
    won: int = 0
    won_amount: float = 0.0

    @property
    def cost_per_lead(self) -> float | None:
        return self.cost / self.leads if self.leads and self.cost else None

    @property
    def cost_per_won(self) -> float | None:
        return self.cost / self.won if self.won and self.cost else None

    @property
    def roi(self) -> float | None:
        return self.won_amount / self.cost if self.cost else None


@dataclass
class Board:
    scope: str                              # 全公司 / 南京骨科组 …
    period: str
    days: int
    total: Row
    rows: list[Row]                         # teams (director/admin) or reps (a team)
    by: str                                 # "team" | "rep"
    channels: list[Channel]
    start: datetime
    end: datetime
    campaigns: list[Channel] = field(default_factory=list)


def _within(uow: UnitOfWork, a: Any, b: Any, hours: float) -> Any:
    """b − a ≤ hours, on either backend."""
    if uow.db.dialect == "postgresql":
        return b - a <= sa.text(f"interval '{int(hours)} hours'")
    return (sa.func.julianday(b) - sa.func.julianday(a)) * 24 <= hours


# The owner filter is applied to the grouped rows, not in SQL: with "owner_id IN (500 ids)"
# SQLite walks the owner indexes over every lead; the time range on the indexed creation
# time (or the move time) reads only the period's rows.
async def _activation(uow: UnitOfWork, ids: list[int], prev: datetime, start: datetime,
                      end: datetime) -> tuple[dict[int, Ratio], dict[int, Ratio]]:
    """(this period, the last) per owner, in one read of both cohorts."""
    shift = ACTIVATION
    ok = sa.case((sa.and_(col(Lead.first_contacted_at).is_not(None),
                          _within(uow, col(Lead.created_at), col(Lead.first_contacted_at), 72)), 1),
                 else_=0)
    now_p = sa.case((col(Lead.created_at) >= start - shift, 1), else_=0)
    rows = await uow.session.execute(
        sa.select(col(Lead.owner_id), now_p, sa.func.count(), sa.func.sum(ok))
        .where(col(Lead.created_at) >= prev - shift, col(Lead.created_at) < end - shift)
        .group_by(col(Lead.owner_id), now_p))
    return _split(rows.all(), set(ids))


def _split(rows: Any, want: set[int]) -> tuple[dict[int, Ratio], dict[int, Ratio]]:
    now: dict[int, Ratio] = {}
    before: dict[int, Ratio] = {}
    for owner, is_now, n, s in rows:
        if owner in want:
            (now if is_now else before)[int(owner)] = Ratio(int(s or 0), int(n))
    return now, before


async def _compliance(uow: UnitOfWork, ids: list[int], prev: datetime, start: datetime,
                      end: datetime) -> tuple[dict[int, Ratio], dict[int, Ratio]]:
    ok = sa.case((sa.and_(col(StageHistory.compliant).is_(True),
                          col(StageHistory.override).is_(False)), 1), else_=0)
    now_p = sa.case((col(StageHistory.moved_at) >= start, 1), else_=0)
    rows = await uow.session.execute(
        sa.select(col(Deal.owner_id), now_p, sa.func.count(), sa.func.sum(ok))
        .join(Deal, col(Deal.id) == col(StageHistory.deal_id))
        .where(col(StageHistory.moved_at) >= prev, col(StageHistory.moved_at) < end,
               col(StageHistory.from_stage_id).is_not(None))
        .group_by(col(Deal.owner_id), now_p))
    return _split(rows.all(), set(ids))


async def _completeness(uow: UnitOfWork, ids: list[int]) -> dict[int, Ratio]:
    """Complete customers per owner (see the module doc); as it stands now. One grouped read
    of the customers; each one's contacts are probed through the customer_id index."""
    k = sa.orm.aliased(Contact)
    bad = sa.or_(col(k.title).is_(None), col(k.title) == "", col(k.decision_role).is_(None),
                 col(k.decision_role) == "")
    cid = col(Customer.id)
    has_contact = sa.exists().where(col(k.customer_id) == cid)
    bad_contact = sa.exists().where(col(k.customer_id) == cid, bad)
    models = sa.func.coalesce(sa.cast(col(Customer.past_models), sa.String), "[]")
    complete = sa.case((sa.and_(models != "[]", models != "null", has_contact,
                                sa.not_(bad_contact)), 1), else_=0)
    rows = await uow.session.execute(
        sa.select(col(Customer.owner_id), sa.func.count(), sa.func.sum(complete))
        .where(col(Customer.owner_id).is_not(None)).group_by(col(Customer.owner_id)))
    want = set(ids)
    return {int(o): Ratio(int(s or 0), int(n)) for o, n, s in rows.all() if o in want}


async def _per_rep(uow: UnitOfWork, ids: list[int], prev: datetime, start: datetime,
                   end: datetime, completeness: dict[int, Ratio]
                   ) -> tuple[dict[int, Kpis], dict[int, Kpis]]:
    act_now, act_before = await _activation(uow, ids, prev, start, end)
    comp_now, comp_before = await _compliance(uow, ids, prev, start, end)

    def build(act: dict[int, Ratio], comp: dict[int, Ratio]) -> dict[int, Kpis]:
        return {i: Kpis(act.get(i, Ratio()), comp.get(i, Ratio()),
                        completeness.get(i, Ratio())) for i in ids}

    return build(act_now, comp_now), build(act_before, comp_before)


async def _channels(uow: UnitOfWork, ids: list[int] | None, start: datetime, end: datetime,
                    days: int) -> tuple[list[Channel], list[Channel]]:
    """(per source channel, per utm campaign): leads, cost, won deals and amount — one
    grouped read of the leads and one of the won deals, by (channel, campaign)."""
    ch_col, camp_col = col(Lead.source_channel), col(Lead.utm_campaign)
    leads_q = sa.select(ch_col, camp_col, sa.func.count()).where(
        col(Lead.created_at) >= start, col(Lead.created_at) < end)
    won_q = (sa.select(ch_col, camp_col, sa.func.count(), sa.func.sum(col(Deal.amount)))
             .join(Lead, col(Lead.id) == col(Deal.lead_id))
             .join(Stage, col(Stage.id) == col(Deal.stage_id))
             .where(col(Stage.is_won).is_(True), col(Deal.closed_at) >= start,
                    col(Deal.closed_at) < end))
    if ids is not None:
        leads_q = leads_q.where(col(Lead.owner_id).in_(ids))
        won_q = won_q.where(col(Deal.owner_id).in_(ids))
    chans: dict[str, Channel] = {}
    camps: dict[str, Channel] = {}

    def get(d: dict[str, Channel], name: str) -> Channel:
        return d.setdefault(name, Channel(name))

    for ch, camp, n in (await uow.session.execute(leads_q.group_by(ch_col, camp_col))).all():
        get(chans, str(ch or "未知")).leads += int(n)
        if camp:
            get(camps, str(camp)).leads += int(n)
    for ch, camp, n, amount in (await uow.session.execute(
            won_q.group_by(ch_col, camp_col))).all():
        for c in (get(chans, str(ch or "未知")), *((get(camps, str(camp)),) if camp else ())):
            c.won += int(n)
            c.won_amount += float(amount or 0)
    costs = dict(await get_config(uow, "campaign_costs", {}) or {})
    for name, monthly in costs.items():
        if not isinstance(monthly, int | float) or isinstance(monthly, bool):
            continue
        cost = float(monthly) * days / 30
        if str(name) in camps:                 # a campaign's own cost
            camps[str(name)].cost = cost
        else:
            get(chans, str(name)).cost = cost

    def ranked(d: dict[str, Channel]) -> list[Channel]:
        return sorted(d.values(), key=lambda c: (-c.leads, c.name))

    return ranked(chans), ranked(camps)


async def kpi_board(uow: UnitOfWork, viewer: User, *, period: str = "week",
                    team_id: int | None = None) -> Board:
    """The board the viewer may see: a manager their people (by rep); the director and
    admins everyone (by team), or one team by rep (drill-down)."""
    if viewer.role not in VIEWERS:
        raise Forbidden(f"{viewer.login} may not view KPIs", "看板只对经理、总监和管理员开放")
    days, label = PERIODS.get(period, PERIODS["week"])
    end = uow.now
    start, prev = end - timedelta(days=days), end - timedelta(days=2 * days)
    visible = await visible_owner_ids(uow, viewer)
    q = sa.select(User).where(col(User.role) == "rep")
    if visible is not None:
        q = q.where(col(User.id).in_(visible))
    reps = list((await uow.session.execute(
        q.order_by(col(User.team_id), col(User.id)))).scalars())
    teams = {t.id: t.name for t in (await uow.session.execute(sa.select(Team))).scalars()}
    scope = "全公司" if visible is None else "我的团队"
    if team_id is not None:
        if team_id not in teams:
            raise NotFound(f"team {team_id}", "没有这个团队")
        reps = [r for r in reps if r.team_id == team_id]
        if not reps and visible is not None:
            raise Forbidden(f"team {team_id} not visible", "这个团队不在你的管理范围")
        scope = teams[team_id]
    ids = [r.id for r in reps if r.id is not None]
    completeness = await _completeness(uow, ids) if ids else {}
    now_k, before_k = await _per_rep(uow, ids, prev, start, end, completeness) \
        if ids else ({}, {})
    by_team = team_id is None and visible is None
    rows: dict[int, Row] = {}
    total = Row(0, scope)
    for r in reps:
        assert r.id is not None
        key = (r.team_id or 0) if by_team else r.id
        name = teams.get(r.team_id, "未分组") if by_team else r.name
        row = rows.setdefault(key, Row(key, name))
        for target in (row, total):
            target.now.add(now_k[r.id])
            target.before.add(before_k[r.id])
    who = None if visible is None and team_id is None else ids
    channels, campaigns = await _channels(uow, who, start, end, days)
    return Board(scope, label, days, total, list(rows.values()), "team" if by_team else "rep",
                 channels, start, end, campaigns)


def trend(now: float | None, before: float | None) -> str:
    """"↑3.2" / "↓5.0" / "" (percentage points)."""
    if now is None or before is None:
        return ""
    d = (now - before) * 100
    if abs(d) < 0.05:
        return "→"
    return f"{'↑' if d > 0 else '↓'}{abs(d):.1f}"


def team_ids(rows: Iterable[Row]) -> list[int]:
    return [r.key for r in rows]




# --- the director's and admins' digests (daily, weekly) -------------------------------------
def _k(k: Kpis) -> dict[str, list[int]]:
    return {key: [getattr(k, key).num, getattr(k, key).den] for key in THRESHOLDS}


def _unk(d: dict[str, Any]) -> Kpis:
    return Kpis(*(Ratio(*[int(x) for x in [*(d.get(key) or []), 0, 0][:2]])
                  for key in THRESHOLDS))


def board_payload(b: Board) -> dict[str, Any]:
    """The board as an outbox payload (plain JSON)."""
    return {"scope": b.scope, "period": b.period, "days": b.days, "by": b.by,
            "total": {"now": _k(b.total.now), "before": _k(b.total.before)},
            "rows": [{"key": r.key, "name": r.name, "now": _k(r.now), "before": _k(r.before)}
                     for r in b.rows],
            "channels": [_ch(c) for c in b.channels],
            "campaigns": [_ch(c) for c in b.campaigns],
            "start": b.start.isoformat(), "end": b.end.isoformat()}


def board_from_payload(p: dict[str, Any]) -> Board:
    def row(d: dict[str, Any]) -> Row:
        return Row(int(d.get("key") or 0), str(d.get("name") or ""),
                   _unk(d.get("now") or {}), _unk(d.get("before") or {}))

    total = p.get("total") or {}
    return Board(
        str(p.get("scope") or ""), str(p.get("period") or ""), int(p.get("days") or 1),
        Row(0, str(p.get("scope") or ""), _unk(total.get("now") or {}),
            _unk(total.get("before") or {})),
        [row(r) for r in p.get("rows") or []], str(p.get("by") or "team"),
        [_unch(c) for c in p.get("channels") or []],
        datetime.fromisoformat(str(p.get("start"))), datetime.fromisoformat(str(p.get("end"))),
        [_unch(c) for c in p.get("campaigns") or []])


def _ch(c: Channel) -> dict[str, Any]:
    return {"name": c.name, "leads": c.leads, "cost": c.cost, "won": c.won,
            "won_amount": c.won_amount}


def _unch(c: dict[str, Any]) -> Channel:
    return Channel(str(c.get("name")), int(c.get("leads") or 0), float(c.get("cost") or 0),
                   int(c.get("won") or 0), float(c.get("won_amount") or 0))


async def queue_leader_digests(uow: UnitOfWork, now: datetime, period: str) -> int:
    """The director and the admins: the board of the last day (daily) or week (weekly), one
    card each per period (dedupe key per person and day). Returns how many were queued."""
    from crm_core.services.sla import notify_many

    leaders = list((await uow.session.execute(sa.select(User).where(
        col(User.role).in_(LEADERS), col(User.active).is_(True))
        .order_by(col(User.id)))).scalars())
    day = now.astimezone(uow.clock.tz).date().isoformat()
    items = []
    for u in leaders:
        b = await kpi_board(uow, u, period="day" if period == "daily" else "week")
        items.append(("digest.kpi", u.id, {**board_payload(b), "digest": period},
                      f"digest.kpi.{period}:{u.id}:{day}"))
    return await notify_many(uow, items)
