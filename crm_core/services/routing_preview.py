"""What a rule change would do: the last 30 days of leads routed by the table in force and
by the proposed one, under the same team and rep state, and the difference counted.

Only the rules differ between the two runs, so a difference is the rule change's effect,
not load or round-robin luck: a lead "changes" when its team, its named rep or pool-or-not
would differ (which rep of a team takes it depends on the day's load either way).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from crm_core.models import Customer, Lead
from crm_core.policies.routing import (
    Decision,
    LeadFacts,
    RoutingConfig,
    combine_rules,
    decide,
    describe_table,
    implicit_rules,
)
from crm_core.services import routing_rules
from crm_core.services import routing_state as state
from crm_core.uow import UnitOfWork

WINDOW = timedelta(days=30)
EXAMPLES = 5


@dataclass
class Preview:
    total: int = 0
    changed: int = 0
    examples: list[str] = field(default_factory=list)
    moves: dict[str, int] = field(default_factory=dict)     # "A → B" → count

    def words(self) -> str:
        if not self.total:
            return "最近30天没有线索，无法预览影响。"
        head = f"最近30天 {self.total} 条线索中 {self.changed} 条会改派"
        if not self.changed:
            return head + "，分配结果不变。"
        top = sorted(self.moves.items(), key=lambda kv: -kv[1])[:3]
        return "\n".join([head + "：", *(f"· {k}：{n} 条" for k, n in top),
                          "明细：" + "；".join(self.examples)])


async def recent_facts(uow: UnitOfWork, days: int = 30, limit: int = 20000
                       ) -> list[tuple[LeadFacts, str]]:
    """(facts, label) of the leads created in the last `days` days, newest first, in one
    query (routing facts as stored on the lead at intake)."""
    since = uow.now - timedelta(days=days)
    rows = (await uow.session.execute(
        sa.select(col(Lead.id), col(Lead.province), col(Lead.city), col(Lead.district),
                  col(Lead.product_line),
                  col(Lead.budget), col(Lead.source_channel), col(Lead.company), col(Lead.score),
                  col(Customer.kind), col(Customer.name), col(Customer.owner_id))
        .join(Customer, col(Customer.id) == col(Lead.customer_id), isouter=True)
        .where(col(Lead.created_at) >= since, col(Lead.status) != "pending")
        .order_by(col(Lead.id).desc()).limit(limit))).all()
    out = []
    for (lid, prov, city, dist, line, budget, src, company, score, kind, cname,
         owner) in rows:
        out.append((LeadFacts(
            lead_id=lid, province=prov, city=city, district=dist,
            product_lines=(line,) if line else (), budget=budget, source_channel=src,
            customer_kind=kind or state.guess_kind(company), customer_name=cname or company,
            score=int(score or 0), affinity_owner_id=owner), company or f"#L{lid}"))
    return out


def _where(d: Decision, teams: Mapping[int, str], reps: Mapping[int, str]) -> str:
    if d.kind == "pool":
        return "公海"
    if d.details.get("target") == "rep" or d.details.get("strategy") in ("affinity",
                                                                          "least_loaded"):
        return reps.get(d.owner_id or -1, "销售")
    return teams.get(d.team_id or -1, "团队")


def compare(facts: Sequence[tuple[LeadFacts, str]], old: RoutingConfig, new: RoutingConfig,
            teams: Mapping[int, Any], reps: Mapping[int, Any]) -> Preview:
    """Pure: route each lead by both tables and count the differences."""
    team_names = {i: t.name for i, t in teams.items()}
    rep_names = {i: r.name for i, r in reps.items()}
    out = Preview(total=len(facts))
    for f, label in facts:
        a = _where(decide(f, old, teams, reps), team_names, rep_names)
        b = _where(decide(f, new, teams, reps), team_names, rep_names)
        if a != b:
            out.changed += 1
            key = f"{a} → {b}"
            out.moves[key] = out.moves.get(key, 0) + 1
            if len(out.examples) < EXAMPLES:
                out.examples.append(f"#L{f.lead_id} {label[:10]} {key}")
    return out


async def table_of(uow: UnitOfWork, rules: Sequence[Mapping[str, Any]]) -> RoutingConfig:
    """The table that would be in force with the admin's `rules` (validated; raises)."""
    checked = await routing_rules.check_rules(uow, rules)
    current = await state.load_config(uow)
    teams_only = tuple(r for r in current.rules if r.id is None)
    team_rules = teams_only or implicit_rules([])
    return RoutingConfig(combine_rules(checked.rules, team_rules), current.weights,
                         implicit=not checked.rules)


async def preview_rules(uow: UnitOfWork, rules: Sequence[Mapping[str, Any]],
                        days: int = 30) -> Preview:
    """The effect of replacing the admin's rule table by `rules` on the last `days` days."""
    old, teams, reps = await state.load_state(uow)
    new = await table_of(uow, rules)
    return compare(await recent_facts(uow, days), old, new, teams, reps)


async def table_in_words(uow: UnitOfWork) -> list[str]:
    """The table in force, read top to bottom, in words (/管理 → 分配规则)."""
    ref = await state.reference(uow)
    teams = {t.id: t.name for t in ref.teams if t.id is not None}
    reps = {u.id: u.name for u in ref.users if u.id is not None}
    return describe_table(ref.config.rules, teams, reps)
