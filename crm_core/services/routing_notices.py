"""Routing problems told once per batch, not once per lead.

When routing had to step in — a matched rule's target could not take the lead, or nobody
could and the lead went to the pool with its reason — `routing.apply_decision` appends a
`routing_problem` entry to the lead's history (same transaction). The `routing_notices` job
reads the entries of the last window and queues **one** card per active manager and admin:
how many leads, how many wait in the pool, the reasons ranked, five examples. A flood of
500 unroutable leads is one card per person, not 500.

The window is [watermark, now − settle): entries are stamped with their transaction's
start, so the settle margin lets a transaction that was still open at the last run be seen
by the next; the dedupe key (recipient + window end) makes a re-run add nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from crm_core.models import Lead, LeadEvent, User
from crm_core.services.sla import notify_many
from crm_core.uow import UnitOfWork

KIND = "routing_problem"
SETTLE = timedelta(minutes=1)
EXAMPLES = 5
RECIPIENT_ROLES = ("manager", "admin")


def record_problem(uow: UnitOfWork, lead_id: int | None, problem: str, outcome: str,
                   kind: str) -> None:
    """Note a routing problem in the lead's history (no push: the job batches them)."""
    uow.event(lead_id, KIND, {"problem": problem, "outcome": outcome, "kind": kind})


async def send_batch(uow: UnitOfWork, since: datetime | None) -> tuple[int, datetime]:
    """Queue one card per manager/admin for the problems in [since, now − settle).
    Returns (cards queued, the new watermark). The caller commits."""
    until = uow.now - SETTLE
    lo = since or until - timedelta(days=1)
    if lo >= until:
        return 0, lo
    rows = (await uow.session.execute(
        sa.select(col(LeadEvent.lead_id), col(LeadEvent.detail), col(Lead.company), col(Lead.name))
        .join(Lead, col(Lead.id) == col(LeadEvent.lead_id), isouter=True)
        .where(col(LeadEvent.kind) == KIND, col(LeadEvent.at) >= lo,
               col(LeadEvent.at) < until)
        .order_by(col(LeadEvent.at), col(LeadEvent.id)))).all()
    if not rows:
        return 0, until
    reasons: Counter[str] = Counter()
    pooled = 0
    examples: list[dict[str, Any]] = []
    for lead_id, detail, company, name in rows:
        d = dict(detail or {})
        reasons[_short(str(d.get("problem") or ""))] += 1
        pooled += d.get("kind") == "pool"
        if len(examples) < EXAMPLES:
            examples.append({"lead_id": lead_id, "company": company or name or "",
                             "problem": d.get("problem"), "outcome": d.get("outcome"),
                             "kind": d.get("kind")})
    payload = {"count": len(rows), "pooled": pooled,
               "reasons": [[r, n] for r, n in reasons.most_common(3)],
               "examples": examples, "since": lo.isoformat(), "until": until.isoformat()}
    people = (await uow.session.execute(sa.select(col(User.id)).where(
        col(User.active).is_(True), col(User.role).in_(RECIPIENT_ROLES))
        .order_by(col(User.id)))).scalars().all()
    n = await notify_many(uow, [("routing.batch", int(uid), payload,
                                 f"routing.batch:{uid}:{until.isoformat()}") for uid in people])
    return n, until


def _short(problem: str) -> str:
    """The reason without the per-lead details: "规则「X」: 团队「Y」无可分配的人"."""
    return problem.split("; 兜底")[0][:60] or "原因未知"
