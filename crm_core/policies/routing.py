"""Lead routing as a pure function: lead facts + rule table + reps' state → a decision.

Order of evaluation (`decide`):
1. customer affinity — the customer already has an owner who is active and not on leave;
2. the tenant's ordered rule table: the first active rule whose conditions all hold wins;
   its target is a rep, a team (the team's strategy picks inside it) or the public pool;
3. the fallback rule (the admin's, else the least-loaded sales rep), when nothing matched or
   the matched target cannot take the lead (rep unavailable, team full): the decision then
   carries `admin_notice`. If even the fallback cannot take it, the lead goes to the pool
   with the reason — never lost, never to someone no rule named; managers and admins are
   told once per batch (`crm_core.services.routing_notices`).

The admin's rules come first, then the teams' own rules (region/product line of each team),
then the fallback (`combine_rules`): adding a first rule never switches team routing off.
Only sales reps are picked by "any"/fallback; managers, directors and admins only when a
rule names them.

Strategies inside a team: `round_robin` (next rep after the last one served, skipping the
inactive, those on leave and those at capacity) and `weighted` (rep score from configurable
weights; the best `offer_size` get a claim offer). Every decision has a one-line Chinese
`reason` and structured `details`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WEIGHTS: dict[str, int] = {
    "open_deals": 30, "won_amount": 25, "conversion": 25, "online": 20,
}
WEIGHT_LABELS: dict[str, str] = {
    "open_deals": "在手负载", "won_amount": "近30天成交额", "conversion": "品类转化率",
    "online": "在线",
}
STRATEGY_LABELS: dict[str, str] = {"round_robin": "轮询", "weighted": "加权抢单"}
DEFAULT_FALLBACK_NAME = "默认兜底"


# --- values -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Conditions:
    """All given conditions must hold (AND); inside one list any value may match (OR)."""

    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    budget_min: float | None = None
    budget_max: float | None = None
    source_channels: tuple[str, ...] = ()
    customer_kinds: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None

    @property
    def empty(self) -> bool:
        return self == Conditions()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Conditions:
        def tup(*keys: str) -> tuple[str, ...]:
            for k in keys:
                v = d.get(k)
                if v:
                    return tuple(str(x) for x in ([v] if isinstance(v, str) else v))
            return ()

        def rng(key: str) -> tuple[float | None, float | None]:
            v = d.get(key)
            lo = d.get(f"{key}_min")
            hi = d.get(f"{key}_max")
            if isinstance(v, list | tuple) and len(v) == 2:
                lo, hi = v
            return (None if lo is None else float(lo), None if hi is None else float(hi))

        b_lo, b_hi = rng("budget")
        s_lo, s_hi = rng("score")
        return cls(
            provinces=tup("provinces", "province"), cities=tup("cities", "city"),
            districts=tup("districts", "district"),
            product_lines=tup("product_lines", "product_line"),
            budget_min=b_lo, budget_max=b_hi,
            source_channels=tup("source_channels", "source_channel", "source"),
            customer_kinds=tup("customer_kinds", "customer_kind"),
            score_min=None if s_lo is None else int(s_lo),
            score_max=None if s_hi is None else int(s_hi),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in ("provinces", "cities", "districts", "product_lines", "source_channels",
                  "customer_kinds"):
            if getattr(self, k):
                out[k] = list(getattr(self, k))
        for k in ("budget_min", "budget_max", "score_min", "score_max"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out


@dataclass(frozen=True, slots=True)
class Rule:
    id: int | None
    name: str
    conditions: Conditions = Conditions()
    target_kind: str = "team"                  # team | rep | pool | any (least loaded)
    target_id: int | None = None
    is_fallback: bool = False
    active: bool = True


@dataclass(frozen=True, slots=True)
class LeadFacts:
    lead_id: int | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    product_lines: tuple[str, ...] = ()
    budget: float | None = None
    source_channel: str | None = None
    customer_kind: str | None = None
    customer_name: str | None = None
    score: int = 50
    affinity_owner_id: int | None = None       # the customer's owner


@dataclass(frozen=True, slots=True)
class RepState:
    id: int
    name: str
    team_id: int | None = None
    active: bool = True
    on_leave: bool = False
    open_leads: int = 0
    max_open_leads: int = 60
    today_leads: int = 0
    max_daily_leads: int = 15
    open_deals: int = 0
    won_amount_30d: float = 0.0
    conversion: Mapping[str, float] = field(default_factory=dict)   # product line → rate
    online: bool = False
    is_rep: bool = True          # a sales rep: only reps are picked unless a rule names them

    @property
    def available(self) -> bool:
        return self.active and not self.on_leave and not self.at_capacity

    @property
    def at_capacity(self) -> bool:
        return self.open_leads >= self.max_open_leads or self.today_leads >= self.max_daily_leads

    def why_unavailable(self) -> str | None:
        if not self.active:
            return "已停用"
        if self.on_leave:
            return "休假中"
        if self.open_leads >= self.max_open_leads:
            return f"在手线索已达上限({self.max_open_leads}条)"
        if self.today_leads >= self.max_daily_leads:
            return f"今日分配已达上限({self.max_daily_leads}条)"
        return None


@dataclass(frozen=True, slots=True)
class TeamState:
    id: int
    name: str
    strategy: str = "round_robin"
    rep_ids: tuple[int, ...] = ()
    last_rep_id: int | None = None             # round robin cursor: who got the last lead
    offer_size: int = 3


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    rules: tuple[Rule, ...] = ()
    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    implicit: bool = False          # rules derived from the teams (nothing configured yet)


def implicit_rules(
    teams: Sequence[tuple[int, str, Sequence[str], Sequence[str]]],
    *, fallback: bool = True,
) -> tuple[Rule, ...]:
    """The teams' own routing, from (team id, name, provinces, product lines): region +
    product line, then product line, then region, then (with `fallback`) the least-loaded
    sales rep of all. Alone while an admin has configured no rule; after the admin's rules
    (and before the admin's fallback) otherwise, so that a first rule never switches the
    teams' routing off."""
    rules: list[Rule] = []
    for tid, name, provs, lines in teams:
        if provs and lines:
            rules.append(Rule(None, f"{name}·默认", Conditions(provinces=tuple(provs),
                                                             product_lines=tuple(lines)),
                              "team", tid))
    for tid, name, _provs, lines in teams:
        if lines:
            rules.append(Rule(None, f"{name}·产品线", Conditions(product_lines=tuple(lines)),
                              "team", tid))
    for tid, name, provs, _lines in teams:
        if provs:
            rules.append(Rule(None, f"{name}·地区", Conditions(provinces=tuple(provs)),
                              "team", tid))
    if fallback:
        rules.append(Rule(None, DEFAULT_FALLBACK_NAME, target_kind="any", is_fallback=True))
    return tuple(rules)


def combine_rules(explicit: Sequence[Rule], teams: Sequence[Rule]) -> tuple[Rule, ...]:
    """The table in force: the admin's rules in their order, then the teams' own rules
    (region/product line), then the admin's fallback, else the built-in one (least-loaded
    sales rep)."""
    mine = [r for r in explicit if not r.is_fallback]
    fb = [r for r in explicit if r.is_fallback]
    own_fb = [r for r in teams if r.is_fallback]
    return (*mine, *(r for r in teams if not r.is_fallback), *(fb or own_fb))


def describe_conditions(c: Conditions) -> str:
    """The conditions in words: "省份为江苏省或浙江省，且预算 ≥ 10万"."""
    parts: list[str] = []
    for key, label in (("provinces", "省份"), ("cities", "城市"), ("districts", "区县"),
                       ("product_lines", "产品线"), ("source_channels", "渠道"),
                       ("customer_kinds", "客户类型")):
        vals = getattr(c, key)
        if vals:
            parts.append(f"{label}为{'或'.join(vals)}")
    for lo, hi, label, unit in ((c.budget_min, c.budget_max, "预算", "元"),
                                (c.score_min, c.score_max, "评分", "分")):
        if lo is not None and hi is not None:
            parts.append(f"{label}在{lo:g}~{hi:g}{unit}之间")
        elif lo is not None:
            parts.append(f"{label} ≥ {lo:g}{unit}")
        elif hi is not None:
            parts.append(f"{label} ≤ {hi:g}{unit}")
    return "，且".join(parts) or "任何线索"


def describe_target(rule: Rule, team_names: Mapping[int, str],
                    rep_names: Mapping[int, str]) -> str:
    if rule.target_kind == "pool":
        return "进入公海"
    if rule.target_kind == "any":
        return "分给全公司负载最低的销售"
    if rule.target_kind == "rep":
        return f"分给{rep_names.get(rule.target_id or -1, '指定销售')}"
    return f"分给{team_names.get(rule.target_id or -1, '团队')}（团队内轮流或抢单）"


def describe_table(rules: Sequence[Rule], team_names: Mapping[int, str],
                   rep_names: Mapping[int, str]) -> list[str]:
    """The table in force, in words, in the order it is read: what /管理 shows."""
    lines = ["从上往下看，线索用第一条符合的规则（已有负责人的老客户先归原负责人）："]
    n = 0
    for r in rules:
        if not r.active or r.is_fallback:
            continue
        n += 1
        own = "" if r.id is not None else "［团队默认］"
        lines.append(f"{n}. {own}{r.name}：{describe_conditions(r.conditions)} → "
                     f"{describe_target(r, team_names, rep_names)}")
    fb = fallback_rule(rules)
    if fb is not None:
        lines.append(f"都不符合或目标接不了：兜底「{fb.name}」→ "
                     f"{describe_target(fb, team_names, rep_names)}")
    lines.append("兜底也接不了：进入公海并写明原因，经理和管理员汇总收到一次通知。"
                 "只分给在岗的销售，不会分给经理、总监或管理员（除非规则点名）。")
    return lines


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str                                  # assign | offer | pool | none
    owner_id: int | None = None
    candidates: tuple[int, ...] = ()           # ranked, best first (offer)
    team_id: int | None = None
    rule_id: int | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    admin_notice: str | None = None            # set when the fallback had to step in


# --- matching -----------------------------------------------------------------------------

def matches(c: Conditions, lead: LeadFacts) -> bool:
    if c.provinces and lead.province not in c.provinces:
        return False
    if c.cities and lead.city not in c.cities:
        return False
    if c.districts and lead.district not in c.districts:
        return False
    if c.product_lines and not set(c.product_lines) & set(lead.product_lines):
        return False
    if c.budget_min is not None or c.budget_max is not None:
        if lead.budget is None:
            return False
        if c.budget_min is not None and lead.budget < c.budget_min:
            return False
        if c.budget_max is not None and lead.budget > c.budget_max:
            return False
    if c.source_channels and lead.source_channel not in c.source_channels:
        return False
    if c.customer_kinds and lead.customer_kind not in c.customer_kinds:
        return False
    if c.score_min is not None and lead.score < c.score_min:
        return False
    return not (c.score_max is not None and lead.score > c.score_max)


def first_match(rules: Sequence[Rule], lead: LeadFacts) -> Rule | None:
    for r in rules:
        if r.active and not r.is_fallback and matches(r.conditions, lead):
            return r
    return None


def fallback_rule(rules: Sequence[Rule]) -> Rule | None:
    for r in rules:
        if r.active and r.is_fallback:
            return r
    return None


# --- strategies ---------------------------------------------------------------------------

def round_robin(team: TeamState, reps: Mapping[int, RepState]) -> RepState | None:
    """The next available rep after the last one served, in a stable order (by id)."""
    order = sorted(team.rep_ids)
    if not order:
        return None
    start = 0
    if team.last_rep_id in order:
        start = order.index(team.last_rep_id) + 1
    for i in range(len(order)):
        rep = reps.get(order[(start + i) % len(order)])
        if rep is not None and rep.available:
            return rep
    return None


def rep_scores(
    candidates: Sequence[RepState], product_lines: Sequence[str], weights: Mapping[str, int],
) -> dict[int, dict[str, float]]:
    """Per rep: each component in 0..1 and `total` in 0..100.

    - open_deals: free capacity, 1 − (open leads + open deals) / capacity — the emptier,
      the better (this is what keeps load even);
    - won_amount: won amount over the last 30 days ÷ the best candidate's;
    - conversion: the rep's conversion rate in the lead's product line(s) (smoothed);
    - online: seen in the last minutes.
    """
    best_won = max((r.won_amount_30d for r in candidates), default=0.0) or 1.0
    out: dict[int, dict[str, float]] = {}
    for r in candidates:
        cap = max(r.max_open_leads, 1)
        load = min(1.0, (r.open_leads + r.open_deals) / cap)
        conv = [r.conversion.get(line, 0.0) for line in product_lines] or \
            [r.conversion.get("*", 0.0)]
        comp = {
            "open_deals": 1.0 - load,
            "won_amount": r.won_amount_30d / best_won,
            "conversion": max(conv),
            "online": 1.0 if r.online else 0.0,
        }
        comp["total"] = round(sum(comp[k] * weights.get(k, 0) for k in DEFAULT_WEIGHTS), 2)
        out[r.id] = comp
    return out


def _top_factor(comp: Mapping[str, float], weights: Mapping[str, int]) -> str:
    k = max(DEFAULT_WEIGHTS, key=lambda k: comp[k] * weights.get(k, 0))
    return WEIGHT_LABELS[k]


def pick_in_team(
    team: TeamState, reps: Mapping[int, RepState], lead: LeadFacts,
    weights: Mapping[str, int],
) -> tuple[str, tuple[int, ...], str, dict[str, Any]] | None:
    """(kind, ranked reps, reason tail, details) or None if nobody in the team can take it."""
    if team.strategy == "weighted":
        cands = [reps[i] for i in team.rep_ids if i in reps and reps[i].available]
        if not cands:
            return None
        scores = rep_scores(cands, lead.product_lines, weights)
        ranked = sorted(cands, key=lambda r: (-scores[r.id]["total"], r.today_leads,
                                              r.open_leads, r.id))
        top = tuple(r.id for r in ranked[: max(1, team.offer_size)])
        details = {"strategy": "weighted",
                   "scores": {str(i): scores[i] for i in top}}
        if len(top) == 1:
            why = f"综合评分最高({scores[top[0]]['total']:.0f}分, "\
                  f"{_top_factor(scores[top[0]], weights)})"
            return "assign", top, why, details
        return "offer", top, f"加权评分前{len(top)}名抢单", details
    rep = round_robin(team, reps)
    if rep is None:
        return None
    return "assign", (rep.id,), "轮询", {"strategy": "round_robin"}


def least_loaded(reps: Sequence[RepState]) -> RepState | None:
    """Available sales rep with the lowest load relative to capacity (ties: fewer today,
    id). Managers, directors and admins are never picked here."""
    avail = [r for r in reps if r.available and r.is_rep]
    if not avail:
        return None
    return min(avail, key=lambda r: (r.open_leads / max(r.max_open_leads, 1),
                                     r.today_leads / max(r.max_daily_leads, 1), r.id))


# --- the decision -------------------------------------------------------------------------

def _target(
    rule: Rule, lead: LeadFacts, teams: Mapping[int, TeamState], reps: Mapping[int, RepState],
    weights: Mapping[str, int],
) -> Decision | str:
    """A decision for the rule's target, or why the target cannot take the lead."""
    label = f"按规则「{rule.name}」" if not rule.is_fallback else f"兜底规则「{rule.name}」"
    base = {"rule": rule.name, "rule_id": rule.id, "fallback": rule.is_fallback}
    if rule.target_kind == "pool":
        return Decision("pool", rule_id=rule.id, reason=f"{label}进入公海",
                        details={**base, "target": "pool"})
    if rule.target_kind == "any":
        rep = least_loaded(list(reps.values()))
        if rep is None:
            return "没有可分配的销售"
        return Decision("assign", owner_id=rep.id, team_id=rep.team_id, rule_id=rule.id,
                        reason=f"{label}分配; 负载最低",
                        details={**base, "target": "any", "strategy": "least_loaded"})
    if rule.target_kind == "rep":
        rep = reps.get(rule.target_id or -1)
        if rep is None:
            return "指定负责人不存在"
        why = rep.why_unavailable()
        if why:
            return f"指定负责人{rep.name}{why}"
        return Decision("assign", owner_id=rep.id, team_id=rep.team_id, rule_id=rule.id,
                        reason=f"{label}分配; 指定负责人",
                        details={**base, "target": "rep", "strategy": "direct"})
    team = teams.get(rule.target_id or -1)
    if team is None:
        return "目标团队不存在"
    picked = pick_in_team(team, reps, lead, weights)
    if picked is None:
        return f"团队「{team.name}」无可分配的人(停用/休假/满额)"
    kind, ranked, tail, details = picked
    if kind == "offer":
        return Decision("offer", candidates=ranked, team_id=team.id, rule_id=rule.id,
                        reason=f"按规则「{rule.name}」分配至{team.name}; {tail}",
                        details={**base, "target": "team", "team": team.name, **details})
    if details.get("strategy") == "round_robin":
        rep = reps[ranked[0]]
        lowest = least_loaded([reps[i] for i in team.rep_ids if i in reps])
        if lowest is not None and lowest.id == rep.id:
            tail = "轮询; 负载最低"
    return Decision("assign", owner_id=ranked[0], team_id=team.id, rule_id=rule.id,
                    reason=f"{label}分配; {tail}",
                    details={**base, "target": "team", "team": team.name, **details})


def decide(
    lead: LeadFacts, config: RoutingConfig, teams: Mapping[int, TeamState],
    reps: Mapping[int, RepState],
) -> Decision:
    """Route one lead. Pure: same inputs, same answer."""
    owner = reps.get(lead.affinity_owner_id or -1)
    if owner is not None and owner.active and not owner.on_leave:
        who = f"客户「{lead.customer_name}」" if lead.customer_name else "该客户"
        return Decision("assign", owner_id=owner.id, team_id=owner.team_id,
                        reason=f"{who}的负责人(客户归属)",
                        details={"rule": "affinity", "strategy": "affinity"})
    affinity_note = None
    if owner is not None:
        affinity_note = f"原负责人{owner.name}{owner.why_unavailable() or '不可用'}"

    rule = first_match(config.rules, lead)
    problem: str | None = None
    if rule is not None:
        got = _target(rule, lead, teams, reps, config.weights)
        if isinstance(got, Decision):
            if affinity_note:
                got.details["affinity"] = affinity_note
            return got
        problem = f"规则「{rule.name}」: {got}"
    else:
        problem = "没有匹配的规则" if config.rules else None

    fb = fallback_rule(config.rules)
    if fb is not None:
        got = _target(fb, lead, teams, reps, config.weights)
        if isinstance(got, Decision):
            got.details["fallback_because"] = problem
            # nothing matched and the built-in fallback took it: that is its job
            quiet = rule is None and fb.id is None
            return Decision(got.kind, got.owner_id, got.candidates, got.team_id, got.rule_id,
                            got.reason + (f"({problem})" if problem else ""), got.details,
                            admin_notice=None if quiet else problem)
        problem = f"{problem}; 兜底规则「{fb.name}」: {got}" if problem else \
            f"兜底规则「{fb.name}」: {got}"
    # Last resort: the pool, with the reason; managers and admins are told in one batch
    # (crm_core.services.routing_notices). Never a person no rule named: a lead parked with
    # its reason surprises nobody, one on a stranger's desk does.
    problem = problem or "没有可分配的销售"
    return Decision("pool", reason=f"无人可接, 进入公海({problem})",
                    details={"rule": None, "fallback_because": problem},
                    admin_notice=problem)
