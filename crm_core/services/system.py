"""What /系统 shows admins: the outbox by status, recent dead letters, the jobs' last runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from crm_core.models import InboxEvent, OutboxMessage, User
from crm_core.models.sla import JobRun
from crm_core.services.access import require_role
from crm_core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class DeadLetter:
    created_at: datetime
    recipient: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class SystemStatus:
    counts: dict[str, int]
    oldest_pending: datetime | None
    dead: list[DeadLetter]
    runs: list[JobRun]
    inbox: dict[str, int] = field(default_factory=dict)   # platform callbacks by status


async def system_status(uow: UnitOfWork, user: User, *, dead_limit: int = 5) -> SystemStatus:
    require_role(user, frozenset({"admin"}), "see the system status")
    s = uow.session
    counts = {str(k): int(n) for k, n in (await s.execute(
        sa.select(col(OutboxMessage.status), sa.func.count())
        .group_by(col(OutboxMessage.status)))).all()}
    dead = [DeadLetter(m.created_at, name, m.attempts) for m, name in (await s.execute(
        sa.select(OutboxMessage, col(User.name))
        .outerjoin(User, col(User.id) == col(OutboxMessage.recipient_id))
        .where(col(OutboxMessage.status) == "dead")
        .order_by(col(OutboxMessage.id).desc()).limit(dead_limit))).all()]
    oldest = (await s.execute(sa.select(sa.func.min(col(OutboxMessage.next_attempt_at))).where(
        col(OutboxMessage.status) == "pending"))).scalar()
    runs = list((await s.execute(sa.select(JobRun).order_by(col(JobRun.name)))).scalars())
    inbox = {str(k): int(n) for k, n in (await s.execute(
        sa.select(col(InboxEvent.status), sa.func.count())
        .where(col(InboxEvent.status) != "done").group_by(col(InboxEvent.status)))).all()}
    return SystemStatus(counts, oldest, dead, runs, inbox)
