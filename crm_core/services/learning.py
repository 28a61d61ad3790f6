"""Learning from corrections (issue 13): the words a rep used for a value the bot got wrong.

`learn_alias` is given the rep's phrase (found by `nlp` in the corrected message) and what
it names. It applies to that rep at once; it becomes team-wide when a second rep teaches
the same, or when an admin approves it (`approve_alias`). Admins see and remove aliases
(`list_aliases`, `remove_alias`). Team-wide aliases are part of the catalog the bot builds
(`team_vocabulary`); a rep's own ride along with each of the rep's messages
(`rep_vocabulary`).

A correction teaches once (`AliasLesson`, keyed by the correction), and one phrase of one
kind names one thing per owner (a unique constraint): concurrent lessons from several
processes cannot double a row. Nothing here commits; every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from crm_core.errors import InvalidInput, NotFound
from crm_core.models import AliasLesson, LearnedAlias, User
from crm_core.services.access import require_role
from crm_core.uow import UnitOfWork, snapshot

__all__ = [
    "KINDS",
    "TEAM",
    "Lesson",
    "approve_alias",
    "learn_alias",
    "list_aliases",
    "remove_alias",
    "rep_vocabulary",
    "team_vocabulary",
]

KINDS = ("customer", "contact", "product", "next_action", "obstacle")
TEAM = 0                         # owner_id of a team-wide alias
TEAM_AFTER_REPS = 2              # reps teaching the same phrase make it team-wide
ADMINS = frozenset({"admin"})


@dataclass(frozen=True, slots=True)
class Lesson:
    """What one correction taught: `phrase` names `target` (a `kind`)."""

    kind: str
    phrase: str
    target: str
    key: str                     # the correction it came from ('correction:123')


def _insert(uow: UnitOfWork, model: Any) -> Any:
    return (pg_insert if uow.db.dialect == "postgresql" else sqlite_insert)(model)


async def learn_alias(uow: UnitOfWork, user_id: int, lesson: Lesson) -> LearnedAlias | None:
    """Remember `lesson` for the rep `user_id` (at once) and count it towards the team.
    Returns the rep's alias, or None when this correction taught already or is unusable."""
    phrase, target = lesson.phrase.strip(), lesson.target.strip()
    if lesson.kind not in KINDS or not 2 <= len(phrase) <= 40 or not target or phrase == target:
        return None
    claimed = await uow.session.execute(
        _insert(uow, AliasLesson).values(lesson_key=lesson.key[:80], user_id=user_id,
                                         created_at=uow.now)
        .on_conflict_do_nothing(index_elements=["lesson_key"]))
    if not getattr(claimed, "rowcount", 0):
        return None                                     # this correction taught already
    mine = await _upsert(uow, lesson.kind, phrase, target, user_id, status="active",
                         taught_by=user_id)
    await uow.session.execute(update(AliasLesson).where(
        col(AliasLesson.lesson_key) == lesson.key[:80]).values(alias_id=mine.id))
    reps = (await uow.session.execute(
        select(func.count(func.distinct(col(LearnedAlias.owner_id)))).where(
            col(LearnedAlias.kind) == lesson.kind, col(LearnedAlias.phrase) == phrase,
            col(LearnedAlias.target) == target, col(LearnedAlias.owner_id) != TEAM,
            col(LearnedAlias.status) == "active"))).scalar_one()
    team = await _get(uow, lesson.kind, phrase, TEAM)
    status = "active" if reps >= TEAM_AFTER_REPS else "pending"
    if team is None or (team.status == "pending" and team.target != target):
        # a new phrase for the team, or one still waiting re-pointed: an admin decides,
        # or a second rep teaching the same does
        await _upsert(uow, lesson.kind, phrase, target, TEAM, status=status, taught_by=user_id)
    elif team.status == "pending" and status == "active":
        before = snapshot(team)
        team.status, team.updated_at = "active", uow.now
        uow.add(team)
        uow.audit("alias.team", "learned_alias", team.id, before=before, after=snapshot(team))
    else:
        return mine      # in force for the team already, or removed by an admin: unchanged
    return mine


async def _get(uow: UnitOfWork, kind: str, phrase: str, owner_id: int) -> LearnedAlias | None:
    return (await uow.session.execute(select(LearnedAlias).where(
        col(LearnedAlias.kind) == kind, col(LearnedAlias.phrase) == phrase,
        col(LearnedAlias.owner_id) == owner_id))).scalars().first()


async def _upsert(uow: UnitOfWork, kind: str, phrase: str, target: str, owner_id: int, *,
                  status: str, taught_by: int) -> LearnedAlias:
    """Insert the alias, or on the unique key re-point it (one statement: no race)."""
    before = await _get(uow, kind, phrase, owner_id)
    before_snap = snapshot(before)
    stmt = _insert(uow, LearnedAlias).values(
        kind=kind, phrase=phrase, target=target, owner_id=owner_id, status=status, uses=1,
        taught_by=taught_by, created_at=uow.now, updated_at=uow.now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "phrase", "owner_id"],
        set_={"target": target, "status": status, "updated_at": uow.now,
              "uses": col(LearnedAlias.uses) + 1})
    await uow.session.execute(stmt)
    row = await _get(uow, kind, phrase, owner_id)
    assert row is not None
    await uow.session.refresh(row)
    uow.audit("alias.learn" if before is None else "alias.relearn", "learned_alias", row.id,
              before=before_snap, after=snapshot(row))
    return row


async def approve_alias(uow: UnitOfWork, actor: User, alias_id: int) -> LearnedAlias:
    """An admin makes an alias team-wide (a rep's own, or one waiting for approval)."""
    require_role(actor, ADMINS, "approve a learned alias")
    row = await uow.session.get(LearnedAlias, alias_id)
    if row is None or row.status == "removed":
        raise NotFound("这个别名不存在或已删除。")
    if row.owner_id != TEAM:
        team = await _upsert(uow, row.kind, row.phrase, row.target, TEAM, status="active",
                             taught_by=row.taught_by or 0)
        team.decided_by = uow.actor.user_id
        uow.add(team)
        return team
    _decide(uow, row, "active", "alias.approve")
    return row


def _decide(uow: UnitOfWork, row: LearnedAlias, status: str, action: str) -> None:
    before = snapshot(row)
    row.status, row.decided_by, row.updated_at = status, uow.actor.user_id, uow.now
    uow.add(row)
    uow.audit(action, "learned_alias", row.id, before=before, after=snapshot(row))


async def remove_alias(uow: UnitOfWork, actor: User, alias_id: int) -> LearnedAlias:
    """An admin removes an alias (a rep only one of their own); a team-wide one removed
    stays removed (a later lesson does not bring it back), the reps' own ones of the same
    phrase go with it."""
    row = await uow.session.get(LearnedAlias, alias_id)
    if row is None:
        raise NotFound("这个别名不存在。")
    if row.owner_id != actor.id:
        require_role(actor, ADMINS, "remove a learned alias")
    if row.status == "removed":
        return row
    rows = [row]
    if row.owner_id == TEAM:
        rows += list((await uow.session.execute(select(LearnedAlias).where(
            col(LearnedAlias.kind) == row.kind, col(LearnedAlias.phrase) == row.phrase,
            col(LearnedAlias.target) == row.target, col(LearnedAlias.owner_id) != TEAM,
            col(LearnedAlias.status) != "removed"))).scalars())
    for r in rows:
        _decide(uow, r, "removed", "alias.remove")
    return row


async def list_aliases(uow: UnitOfWork, actor: User, *,
                       statuses: Sequence[str] = ("active", "pending"), team_only: bool = False,
                       limit: int = 200) -> list[LearnedAlias]:
    """Aliases for /管理 (admins): pending first, then the newest."""
    require_role(actor, ADMINS, "list learned aliases")
    if limit < 1:
        raise InvalidInput("limit")
    q = select(LearnedAlias).where(col(LearnedAlias.status).in_(list(statuses)))
    if team_only:
        q = q.where(col(LearnedAlias.owner_id) == TEAM)
    q = q.order_by(col(LearnedAlias.status).desc(), col(LearnedAlias.updated_at).desc(),
                   col(LearnedAlias.id).desc()).limit(limit)
    return list((await uow.session.execute(q)).scalars())


async def team_vocabulary(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """(kind, phrase, target) of every team-wide alias in force (part of the catalog)."""
    rows = (await uow.session.execute(select(
        col(LearnedAlias.kind), col(LearnedAlias.phrase), col(LearnedAlias.target)).where(
        col(LearnedAlias.owner_id) == TEAM, col(LearnedAlias.status) == "active"))).all()
    return [(k, p, t) for k, p, t in rows]


async def rep_vocabulary(uow: UnitOfWork, user_id: int) -> list[tuple[str, str, str]]:
    """(kind, phrase, target) the rep `user_id` taught that are in force for that rep (a
    team-wide alias removed by an admin no longer applies to the rep either)."""
    rows = (await uow.session.execute(select(
        col(LearnedAlias.kind), col(LearnedAlias.phrase), col(LearnedAlias.target)).where(
        col(LearnedAlias.owner_id) == user_id, col(LearnedAlias.status) == "active"))).all()
    return [(k, p, t) for k, p, t in rows]
