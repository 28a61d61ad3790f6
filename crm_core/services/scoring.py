"""Lead health score: recomputed on every event (`score_lead`, no commit) and nightly
(`rescore_all`, commits). Configuration: ConfigEntry "scoring.config" (see
`crm_core.policies.scoring.DEFAULT_SCORING`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.models import FollowUp, Lead
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.policies import scoring as policy
from crm_core.services.routing_state import config_value
from crm_core.uow import UnitOfWork

BATCH = 500


def _input(lead: Lead, followups: int) -> policy.ScoreInput:
    return policy.ScoreInput(
        fields={"name": lead.name, "phone": lead.phone, "email": lead.email,
                "company": lead.company, "title": lead.title, "product": lead.product_text,
                "budget": lead.budget, "province": lead.province or lead.address},
        source_channel=lead.source_channel, raw=lead.raw_payload or {}, status=lead.status,
        followups=followups, created_at=lead.created_at,
        last_activity_at=lead.last_activity_at or lead.claimed_at or lead.assigned_at,
    )


async def scoring_config(uow: UnitOfWork) -> dict[str, Any]:
    return dict(await config_value(uow, "scoring.config", {}))


async def score_lead(uow: UnitOfWork, lead: Lead, config: dict[str, Any] | None = None,
                     followups: int | None = None) -> policy.Score:
    """Recompute and store the lead's score, grade and top reasons (no commit). Call it on
    every event of the lead (follow-up logged, status change, claim…)."""
    if followups is None and lead.id is not None:
        followups = int((await uow.session.execute(
            select(func.count()).select_from(FollowUp).where(col(FollowUp.lead_id) == lead.id)
        )).scalar() or 0)
    cfg = config if config is not None else await scoring_config(uow)
    s = policy.score_lead(_input(lead, followups or 0), uow.now, cfg)
    if (lead.score, lead.grade, list(lead.score_reasons)) != (s.score, s.grade, list(s.reasons)):
        lead.score, lead.grade, lead.score_reasons = s.score, s.grade, list(s.reasons)
        uow.add(lead)
    return s


async def rescore_all(uow: UnitOfWork) -> int:
    """Nightly: rescore every open lead (recency decay moves with time). Commits; returns
    the number of leads whose score or grade changed."""
    cfg = await scoring_config(uow)
    changed = 0
    last_id = 0
    while True:
        leads = (await uow.session.execute(
            select(Lead).where(col(Lead.status).in_(OPEN_LEAD_STATUSES), col(Lead.id) > last_id)
            .order_by(col(Lead.id)).limit(BATCH)
        )).scalars().all()
        if not leads:
            break
        ids = [lead.id for lead in leads]
        counts: dict[int, int] = dict((await uow.session.execute(
            select(col(FollowUp.lead_id), func.count()).where(col(FollowUp.lead_id).in_(ids))
            .group_by(col(FollowUp.lead_id))
        )).all())
        for lead in leads:
            s = policy.score_lead(_input(lead, int(counts.get(lead.id, 0))), uow.now, cfg)
            if (lead.score, lead.grade) != (s.score, s.grade) or \
                    list(lead.score_reasons) != list(s.reasons):
                if (lead.score, lead.grade) != (s.score, s.grade):
                    changed += 1
                lead.score, lead.grade, lead.score_reasons = s.score, s.grade, list(s.reasons)
                uow.add(lead)
        last_id = int(leads[-1].id or 0)
        await uow.flush()
    await uow.commit()
    return changed
