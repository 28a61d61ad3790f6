"""The audit log's tamper evidence: walk the hash chain (`crmbot audit verify`)."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.models import AuditLog
from crm_core.policies.audit import AuditRecord, ChainReport, ChainWalker
from crm_core.sql import table
from crm_core.uow import UnitOfWork

AUDIT = table(AuditLog)


async def verify_audit_chain(uow: UnitOfWork, *, batch: int = 5000) -> ChainReport:
    """Every row of the log in id order, `batch` at a time (keyset paging): the number of
    rows verified and the first broken link, if any."""
    walker = ChainWalker()
    after = 0
    cols = (AUDIT.c.id, AUDIT.c.prev_hash, AUDIT.c.hash, AUDIT.c.at, AUDIT.c.actor_id,
            AUDIT.c.actor, AUDIT.c.action, AUDIT.c.entity, AUDIT.c.entity_id, AUDIT.c.before,
            AUDIT.c.after)
    while True:
        rows = (await uow.session.execute(
            select(*cols).where(AUDIT.c.id > after).order_by(AUDIT.c.id).limit(batch))).all()
        if not rows:
            break
        after = rows[-1][0]
        if not walker.feed((r[0], r[1], r[2], AuditRecord(*r[3:])) for r in rows):
            break
    return walker.report()
