"""Stage moves with requirements, evidence, and the figures the digests read.

`move_stage` never fails for something missing: it returns what is missing (the bot asks for
it) and completes the move once everything is there. Disallowed transitions need a manager's
override, which is audited; the history row records whether the move met its conditions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from crm_core.errors import Conflict, InvalidInput, NotFound
from crm_core.models import Deal, Stage, StageHistory, User
from crm_core.models.accounts_ext import DealEvidence
from crm_core.policies import stages as P
from crm_core.services import access
from crm_core.services.access import MANAGER_ROLES, require_role
from crm_core.services.catalog import get_config
from crm_core.uow import UnitOfWork, snapshot

LOST_REASONS_KEY = "presets.lost_reasons"


def stage_def(s: Stage) -> P.StageDef:
    req = s.requirements or {}
    return P.StageDef(name=s.name, sequence=s.sequence, is_won=s.is_won, is_lost=s.is_lost,
                      allowed_next=tuple(s.allowed_next or ()),
                      enter=P.Requirement.from_json(req.get("enter")),
                      leave=P.Requirement.from_json(req.get("leave")), active=s.active)


async def all_stages(uow: UnitOfWork, *, active_only: bool = True) -> list[Stage]:
    q = select(Stage).order_by(col(Stage.sequence), col(Stage.id))
    if active_only:
        q = q.where(col(Stage.active).is_(True))
    return list((await uow.session.execute(q)).scalars())


async def lost_reasons(uow: UnitOfWork) -> list[str]:
    return list(await get_config(uow, LOST_REASONS_KEY, list(P.DEFAULT_LOST_REASONS)))


def deal_field_values(deal: Deal) -> dict[str, Any]:
    values: dict[str, Any] = dict(deal.fields or {})
    values["expected_close"] = deal.expected_close.isoformat() if deal.expected_close else None
    values["lost_reason"] = deal.lost_reason
    values["amount"] = deal.amount or None
    return values


async def evidence_kinds(uow: UnitOfWork, deal: Deal) -> frozenset[str]:
    """Evidence given during the current stage (a file for an earlier stage does not count)."""
    q = select(col(DealEvidence.kind)).where(col(DealEvidence.deal_id) == deal.id)
    if deal.stage_entered_at is not None:
        q = q.where(col(DealEvidence.added_at) >= deal.stage_entered_at)
    return frozenset((await uow.session.execute(q)).scalars())


@dataclass
class MoveResult:
    deal: Deal
    from_stage: str | None
    to_stage: str
    moved: bool
    missing: list[P.Missing] = field(default_factory=list)
    compliant: bool = True
    override: bool = False


@dataclass(frozen=True, slots=True)
class EvidenceIn:
    kind: str                      # file | photo | link
    name: str
    media_id: str | None = None
    content: bytes | None = None


async def _load(uow: UnitOfWork, user: User, deal_id: int) -> Deal:
    deal = await uow.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"deal {deal_id}", "没有找到这个商机")
    await access.authorize(uow, user, "act", deal, "这个商机不在你的名下")
    return deal


def _set_field(deal: Deal, key: str, value: Any) -> None:
    if key == "expected_close":
        try:
            deal.expected_close = value if isinstance(value, date) else date.fromisoformat(
                str(value))
        except ValueError as e:
            raise InvalidInput(f"bad date {value!r}", "日期格式不对，如 2026-12-20") from e
    elif key == "lost_reason":
        deal.lost_reason = str(value)
    elif key == "amount":
        try:
            deal.amount = float(value)
        except (TypeError, ValueError) as e:
            raise InvalidInput(f"bad amount {value!r}", "金额格式不对，如 350000") from e
    else:
        fields = dict(deal.fields or {})
        fields[key] = value
        deal.fields = fields


def _attach(uow: UnitOfWork, user: User, deal: Deal, ev: EvidenceIn,
            stage_name: str | None) -> DealEvidence:
    if ev.kind not in ("file", "photo", "link"):
        raise InvalidInput(f"evidence kind {ev.kind}", "附件类型只能是文件、照片或链接")
    digest = hashlib.sha256(ev.content).hexdigest() if ev.content is not None else None
    row = DealEvidence(deal_id=deal.id or 0, kind=ev.kind, name=ev.name[:200],
                       media_id=ev.media_id, sha256=digest,
                       size=len(ev.content) if ev.content is not None else None,
                       stage_name=stage_name, added_by=user.id, added_at=uow.now)
    uow.add(row)
    return row


async def add_evidence(uow: UnitOfWork, user: User, deal_id: int, ev: EvidenceIn,
                       *, stage_name: str | None = None) -> DealEvidence:
    deal = await _load(uow, user, deal_id)
    row = _attach(uow, user, deal, ev, stage_name)
    await uow.flush()
    uow.audit("deal.evidence", "deal", deal.id, after=snapshot(row))
    await uow.commit()
    return row


async def move_stage(
    uow: UnitOfWork, user: User, deal_id: int, stage_name: str, *,
    values: Mapping[str, Any] | None = None, evidence: Iterable[EvidenceIn] = (),
    override: bool = False, note: str | None = None,
) -> MoveResult:
    """Move a deal, or say what is missing. Values and evidence given are kept either way.

    `override` (managers only) moves despite a disallowed transition or missing items; the
    move is then recorded as non-compliant and audited as an override."""
    if override:
        require_role(user, MANAGER_ROLES, "override a stage move")
    deal = await _load(uow, user, deal_id)
    stages = {s.name: s for s in await all_stages(uow, active_only=False)}
    target = stages.get(stage_name)
    if target is None or not target.active:
        names = "、".join(n for n, s in stages.items() if s.active)
        raise NotFound(f"stage {stage_name}", f"没有「{stage_name}」这个阶段。可选：{names}")
    current = next((s for s in stages.values() if s.id == deal.stage_id), None)
    cur_def = stage_def(current) if current else None
    tgt_def = stage_def(target)
    check = P.check_transition(cur_def, tgt_def)
    if current is not None and current.id == target.id:
        raise Conflict("same stage", check.reason)
    if not check.allowed and not override:
        hint = "（经理可强制推进）" if user.role in MANAGER_ROLES else "，需要经理同意。"
        raise Conflict(f"{cur_def and cur_def.name} -> {target.name}", check.reason + hint)
    before = snapshot(deal)
    changed = False
    for key, value in (values or {}).items():
        if value is not None and value != "":
            _set_field(deal, key, value)
            changed = True
    reasons = await lost_reasons(uow)
    if tgt_def.is_lost and deal.lost_reason and deal.lost_reason not in reasons:
        deal.lost_reason = None
    for ev in evidence:
        _attach(uow, user, deal, ev, target.name)
        changed = True
    await uow.flush()
    facts = P.DealFacts(deal_field_values(deal), await evidence_kinds(uow, deal))
    missing = P.missing_for_move(cur_def, tgt_def, facts, reasons)
    result = MoveResult(deal, current.name if current else None, target.name, False, missing)
    if missing and not override:
        if changed:
            deal.updated_at = uow.now
            uow.add(deal)
            uow.audit("deal.stage_progress", "deal", deal.id, before=before,
                      after=snapshot(deal))
            await uow.commit()
        return result
    compliant = check.allowed and not missing
    uow.add(StageHistory(deal_id=deal.id or 0, from_stage_id=deal.stage_id,
                         to_stage_id=target.id or 0, moved_at=uow.now, moved_by=user.id,
                         compliant=compliant, override=override and not compliant,
                         note=note))
    deal.stage_id = target.id or 0
    deal.stage_entered_at = uow.now
    deal.updated_at = uow.now
    deal.closed_at = uow.now if target.is_won or target.is_lost else None
    uow.add(deal)
    after = snapshot(deal) or {}
    if override and not compliant:
        after["override"] = {"disallowed": not check.allowed,
                             "missing": [m.label for m in missing]}
        uow.audit("deal.stage_override", "deal", deal.id, before=before, after=after)
    else:
        uow.audit("deal.stage", "deal", deal.id, before=before, after=after)
    await uow.commit()
    result.moved, result.missing = True, []
    result.compliant, result.override = compliant, override and not compliant
    result.missing = missing if override else []
    return result


# --- figures for the digests and /团队 ---------------------------------------------------

async def stage_compliance(uow: UnitOfWork, since: datetime, until: datetime,
                           owner_ids: Iterable[int] | None = None) -> float | None:
    """Moves that met the stage's conditions ÷ all moves in [since, until); None if none."""
    q = select(col(StageHistory.compliant)).join(Deal,
                                                 col(Deal.id) == col(StageHistory.deal_id)).where(
        col(StageHistory.moved_at) >= since, col(StageHistory.moved_at) < until,
        col(StageHistory.from_stage_id).is_not(None))  # creation ≠ move
    if owner_ids is not None:
        q = q.where(col(Deal.owner_id).in_(list(owner_ids)))
    return P.compliance_rate(bool(x) for x in (await uow.session.execute(q)).scalars())


async def time_in_stage(uow: UnitOfWork, deal_ids: Iterable[int] | None = None
                        ) -> dict[int, dict[str, float]]:
    """Days each deal spent in each stage (the current stage counts up to now).

    `{deal_id: {stage name: days}}`; the current stage is also under the key `"_current"`
    as its name is not enough when a deal came back to it."""
    names = {s.id: s.name for s in await all_stages(uow, active_only=False)}
    hq = select(col(StageHistory.deal_id), col(StageHistory.from_stage_id),
                col(StageHistory.to_stage_id),
                col(StageHistory.moved_at))
    dq = select(col(Deal.id), col(Deal.stage_id), col(Deal.stage_entered_at), col(Deal.created_at))
    if deal_ids is not None:
        ids = list(deal_ids)
        hq = hq.where(col(StageHistory.deal_id).in_(ids))
        dq = dq.where(col(Deal.id).in_(ids))
    hist: dict[int, list[tuple[datetime, int, int | None]]] = {}
    for did, from_id, sid, at in (await uow.session.execute(hq)).all():
        hist.setdefault(did, []).append((at, sid, from_id))
    out: dict[int, dict[str, float]] = {}
    now = uow.now
    for did, sid, entered, created in (await uow.session.execute(dq)).all():
        rows = sorted(hist.get(did, []), key=lambda r: r[0])
        moves = [(at, to) for at, to, _ in rows]
        if not moves:
            moves = [(entered or created or now, sid)]
        elif rows[0][2] is not None and created is not None and created < rows[0][0]:
            moves.insert(0, (created, rows[0][2]))      # the stage it was created in
        per: dict[str, float] = {}
        for i, (at, stage_id) in enumerate(moves):
            end = moves[i + 1][0] if i + 1 < len(moves) else now
            name = names.get(stage_id, str(stage_id))
            per[name] = per.get(name, 0.0) + max(0.0, (end - at).total_seconds() / 86400)
        last_at = moves[-1][0]
        per["_current"] = max(0.0, (now - last_at).total_seconds() / 86400)
        out[did] = per
    return out
