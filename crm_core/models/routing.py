"""Routing tables: the ordered assignment rules, claim offers (抢单) and the pool claim log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from crm_core.models.base import json_column, new_dict, ts_column


class AssignmentRule(SQLModel, table=True):
    """One row of the tenant's rule table; evaluated by `position`, first match wins.

    `conditions` holds plain JSON (see `crm_core.policies.routing.Conditions`); the target is
    a team, a rep, or the public pool (`target_kind`). Exactly one active rule is the
    fallback (`is_fallback`), evaluated last.
    """

    __tablename__ = "assignment_rule"
    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(default=0, index=True)
    name: str
    active: bool = True
    is_fallback: bool = False
    conditions: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    target_kind: str = "team"                         # team | rep | pool
    target_id: int | None = None
    created_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_by: int | None = Field(default=None, foreign_key="crm_user.id")


class ClaimOffer(SQLModel, table=True):
    """A lead offered to the best few reps of a weighted team; the first tap wins.

    The winner is decided by `UPDATE claim_offer SET status='claimed' … WHERE status='open'`:
    only one transaction can see rowcount 1.
    """

    __tablename__ = "claim_offer"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    rule_id: int | None = None
    status: str = Field(default="open", index=True)   # open | claimed | expired | cancelled
    winner_id: int | None = Field(default=None, foreign_key="crm_user.id")
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    closed_at: datetime | None = Field(default=None, sa_column=ts_column())


class ClaimOfferCandidate(SQLModel, table=True):
    __tablename__ = "claim_offer_candidate"
    __table_args__ = (UniqueConstraint("offer_id", "user_id", name="uq_offer_candidate"),)
    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="claim_offer.id", index=True)
    user_id: int = Field(foreign_key="crm_user.id", index=True)
    rank: int = 1                                     # 1 = best-ranked
    rep_score: float = 0.0


class PoolClaim(SQLModel, table=True):
    """Every claim from the public pool: per-rep daily limits and the audit of who took what."""

    __tablename__ = "pool_claim"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    user_id: int = Field(foreign_key="crm_user.id", index=True)
    at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    previous_owner_id: int | None = Field(default=None, foreign_key="crm_user.id")
