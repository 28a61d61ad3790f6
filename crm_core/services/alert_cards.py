"""SLA alerts that are read: per recipient and scan, one card.

`sla.scan_clocks` records each fired level as an escalation row (`notified_at` NULL). After a
scan has drained what was due, `send_alert_cards` queues one outbox row per recipient: the
count, the five most urgent (highest level, then the oldest deadline), and [全部] for the
rest. One alert alone keeps its own card with [催办][转派][延期]. A backlog — the first scan
after an import, a migration or downtime, whose oldest deadline is long past — is the same
one card per person, titled as a summary. In quiet hours (config `alerts.quiet_hours`,
default 22:00–07:30) nothing is sent; what fired waits for the first scan after them and
arrives as one card.

Exactly once: the rows are claimed (stamped with the scan's instant by one UPDATE) in the
transaction that queues the card; a second instance finds them stamped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from crm_core.errors import InvalidInput
from crm_core.models import User
from crm_core.models.sla import Escalation
from crm_core.policies import sla as P
from crm_core.services.catalog import get_config
from crm_core.services.sla import in_list
from crm_core.sql import table
from crm_core.uow import UnitOfWork, _jsonable

ESC = table(Escalation)
TOP = 5
BACKLOG_AGE = timedelta(hours=2)        # an oldest deadline further back: a backlog summary
QUIET_KEY = "alerts.quiet_hours"
DEFAULT_QUIET: dict[str, str] = {"from": "22:00", "to": "07:30"}


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time

    def covers(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end        # over midnight

    def words(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


BAD_QUIET = "免打扰时段格式不对，如「22:00-07:30」或「关闭」"


def parse_quiet(value: Any) -> QuietHours | None:
    """{"from": "22:00", "to": "07:30"} → QuietHours; None/{} → none. Raises InvalidInput."""
    if not value:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput("bad quiet hours", BAD_QUIET)
    try:
        a, b = (time.fromisoformat(str(value[k])) for k in ("from", "to"))
    except (KeyError, ValueError) as e:
        raise InvalidInput("bad quiet hours", BAD_QUIET) from e
    if a == b:
        raise InvalidInput("empty quiet hours", "免打扰的开始和结束不能相同")
    return QuietHours(a, b)


async def quiet_hours(uow: UnitOfWork) -> QuietHours | None:
    return parse_quiet(await get_config(uow, QUIET_KEY, DEFAULT_QUIET))


async def send_alert_cards(uow: UnitOfWork) -> int:
    """One card per recipient for the escalations not told yet (see the module doc).
    Returns the number of cards queued; the caller commits."""
    now = uow.now
    quiet = await quiet_hours(uow)
    if quiet is not None and quiet.covers(now.astimezone(uow.clock.tz).time()):
        return 0
    # claim what is not told yet: the UPDATE takes each row once, also against a second
    # instance (PostgreSQL re-checks the WHERE after the other's commit); the rows claimed
    # are those stamped with this scan's instant
    await uow.session.execute(sa.update(ESC).where(
        ESC.c.notified_at.is_(None), ESC.c.fired_at <= now).values(notified_at=now))
    pending = ESC.c.notified_at == now
    counts = (await uow.session.execute(
        sa.select(ESC.c.recipient_id, sa.func.count(), sa.func.min(ESC.c.deadline_at))
        .where(pending, ESC.c.resolved_at.is_(None), ESC.c.recipient_id.is_not(None))
        .group_by(ESC.c.recipient_id))).all()
    if not counts:
        return 0
    ranked = sa.select(
        ESC, sa.func.row_number().over(
            partition_by=ESC.c.recipient_id,
            order_by=(ESC.c.level.desc(), ESC.c.deadline_at, ESC.c.id)).label("rn"),
    ).where(pending, ESC.c.resolved_at.is_(None), ESC.c.recipient_id.is_not(None)).subquery()
    top_rows = (await uow.session.execute(
        sa.select(ranked).where(ranked.c.rn <= TOP)
        .order_by(ranked.c.recipient_id, ranked.c.rn))).mappings().all()
    owners = {r["owner_id"] for r in top_rows if r["owner_id"] is not None}
    names = await _names(uow, owners)
    by_level = await _by(uow, "level", pending)
    by_rule = await _by(uow, "rule", pending)
    tops: dict[int, list[dict[str, Any]]] = {}
    for r in top_rows:
        tops.setdefault(int(r["recipient_id"]), []).append(_item(dict(r), names, now))
    rows: list[dict[str, Any]] = []
    for rid, n, oldest in counts:
        items = tops.get(int(rid), [])
        if n == 1 and items:
            kind, payload = "sla.alert", items[0]
        else:
            kind, payload = "sla.digest", {
                "count": int(n), "top": items,
                "by_level": by_level.get(int(rid), {}), "by_rule": by_rule.get(int(rid), {}),
                "backlog": oldest is not None and _aware(oldest, uow) < now - BACKLOG_AGE}
        rows.append({"kind": kind, "recipient_id": int(rid), "payload": _jsonable(payload),
                     "dedupe_key": f"sla.card:{rid}:{now.isoformat()}", "status": "pending",
                     "attempts": 0, "next_attempt_at": now, "created_at": now})
    from crm_core.services.sla import OUTBOX, _insert

    await uow.session.execute(_insert(uow, OUTBOX).on_conflict_do_nothing(
        index_elements=["dedupe_key"]), rows)
    return len(rows)


async def _by(uow: UnitOfWork, col: str, pending: Any) -> dict[int, dict[str, int]]:
    c = ESC.c[col]
    rows = (await uow.session.execute(
        sa.select(ESC.c.recipient_id, c, sa.func.count())
        .where(pending, ESC.c.resolved_at.is_(None),
               ESC.c.recipient_id.is_not(None))
        .group_by(ESC.c.recipient_id, c))).all()
    out: dict[int, dict[str, int]] = {}
    for rid, v, n in rows:
        label = P.RULE_LABELS.get(v, str(v)) if col == "rule" else f"L{v}"
        out.setdefault(int(rid), {})[label] = int(n)
    return out


def _aware(v: datetime, uow: UnitOfWork) -> datetime:
    return v if v.tzinfo is not None else v.replace(tzinfo=uow.clock.tz)


def _item(r: Mapping[str, Any], names: Mapping[int, str], now: datetime) -> dict[str, Any]:
    """What `sla.alert` renders for one escalation."""
    deadline = r["deadline_at"]
    owner = r["owner_id"]
    return {
        "rule": r["rule"], "rule_label": P.RULE_LABELS.get(r["rule"], r["rule"]),
        "level": r["level"], "level_label": P.LEVEL_LABELS.get(r["level"], ""),
        "subject_id": r["subject_id"], "lead_id": r["lead_id"], "title": r["title"] or "",
        "owner_id": owner,
        "owner_name": names.get(owner, "（无负责人）") if owner is not None else "（无负责人）",
        "started_at": r["started_at"], "deadline_at": deadline,
        "overdue_minutes": int((now - deadline).total_seconds() // 60)
        if isinstance(deadline, datetime) and deadline.tzinfo else 0,
        "escalation": r["key"], "escalation_id": r["id"],
    }


async def list_open_alerts(uow: UnitOfWork, user: User, limit: int = 200
                           ) -> list[dict[str, Any]]:
    """[全部]: the caller's unresolved alerts, most urgent first."""
    rows = (await uow.session.execute(
        sa.select(ESC).where(ESC.c.recipient_id == user.id, ESC.c.resolved_at.is_(None))
        .order_by(ESC.c.level.desc(), ESC.c.deadline_at, ESC.c.id).limit(limit))
            ).mappings().all()
    owners = {r["owner_id"] for r in rows if r["owner_id"] is not None}
    names = await _names(uow, owners)
    return [_item(dict(r), names, uow.now) for r in rows]


async def _names(uow: UnitOfWork, ids: set[Any]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await uow.session.execute(sa.select(col(User.id), col(User.name)).where(
        in_list(uow, col(User.id), ids)))
    return {int(i): str(n) for i, n in rows.all()}

