"""The product's own live accuracy figure (issue 13): how often reps correct each field the
bot read from their notes, from the corrections the follow-up dialog records
(`crm_core.services.corrections`). Shown in /系统 and in the admins' weekly digest.

A note counts when it was read from a chat or voice message (not typed into the /跟进 form).
A field counts as corrected when the bot had read a value and the rep changed it; a value
the bot did not read and the rep supplied is a question answered, not a correction, and a
contact first shown by its alias then by its full name (王主任 → 王建国) is the same person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from crm_core.models import Contact, Correction, FollowUp, User
from crm_core.services.access import require_role
from crm_core.services.sla import notify_once
from crm_core.uow import UnitOfWork

__all__ = ["FIELDS", "Accuracy", "correction_rates", "queue_accuracy_digests"]

FIELDS = ("customer", "contact", "products", "channel", "attitude", "next_action", "next_date",
          "next_time", "obstacle")
READ_SOURCES = ("chat", "voice")
ADMINS = frozenset({"admin"})
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Accuracy:
    start: datetime
    end: datetime
    notes: int                                   # follow-ups read from a chat or voice note
    corrected: dict[str, int] = field(default_factory=dict)   # field → notes corrected there
    any_corrected: int = 0                       # notes with at least one field corrected

    def rate(self, name: str) -> float | None:
        """The share of notes whose `name` field a rep corrected (None: no notes)."""
        return None if not self.notes else self.corrected.get(name, 0) / self.notes

    @property
    def fully_right(self) -> float | None:
        """The share of notes saved with no field corrected."""
        return None if not self.notes else 1 - self.any_corrected / self.notes

    def payload(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "notes": self.notes, "any_corrected": self.any_corrected,
                "corrected": {k: self.corrected.get(k, 0) for k in FIELDS}}


async def correction_rates(uow: UnitOfWork, actor: User, start: datetime,
                           end: datetime) -> Accuracy:
    """The correction rate per field over [start, end] (admins)."""
    require_role(actor, ADMINS, "read the correction rates")
    return await _rates(uow, start, end)


async def _rates(uow: UnitOfWork, start: datetime, end: datetime) -> Accuracy:
    s = uow.session
    ids = {str(i) for i in (await s.execute(select(col(FollowUp.id)).where(
        col(FollowUp.source).in_(READ_SOURCES), col(FollowUp.created_at) >= start,
        col(FollowUp.created_at) <= end))).scalars()}
    rows = (await s.execute(select(
        col(Correction.entity_id), col(Correction.field_name), col(Correction.old_value),
        col(Correction.new_value)).where(
        col(Correction.entity) == "followup", col(Correction.field_name).in_(FIELDS),
        col(Correction.at) >= start))).all()
    rows = [r for r in rows if r[0] in ids and r[2] not in (None, "", [])]
    contacts = {str(n) for _e, f, _o, n in rows if f == "contact"}
    aliases: dict[str, set[str]] = defaultdict(set)
    if contacts:
        for name, als in (await s.execute(select(col(Contact.name), col(Contact.aliases)).where(
                col(Contact.name).in_(contacts)))).all():
            aliases[name].update(als or [])
    by_field: dict[str, set[str]] = defaultdict(set)
    for entity_id, name, old, new in rows:
        if name == "contact" and str(old) in aliases.get(str(new), ()):
            continue                  # the same person, by alias then by name
        by_field[name].add(entity_id)
    return Accuracy(start, end, len(ids), {k: len(v) for k, v in by_field.items()},
                    len(set().union(*by_field.values())) if by_field else 0)


async def queue_accuracy_digests(uow: UnitOfWork, now: datetime) -> int:
    """The past week's correction rates to every active admin (once per week and admin)."""
    end = now
    acc = await _rates(uow, end - WEEK, end)
    admins = (await uow.session.execute(select(col(User.id)).where(
        col(User.role) == "admin", col(User.active).is_(True)))).scalars()
    n = 0
    for admin_id in admins:
        key = f"digest.accuracy:{admin_id}:{end.date().isoformat()}"
        n += await notify_once(uow, "digest.accuracy", admin_id, acc.payload(), dedupe_key=key)
    return n

