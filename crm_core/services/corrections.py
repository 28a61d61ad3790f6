"""The correction hook: every field a rep corrects after the bot read it passes here.

`record_correction` is called by the follow-up dialog for each field the rep changed — on a
draft (「不对，是周三」) and on a saved record (/改 #F12, 「刚才那条客户记错了，是X」) — with the
old value, the new value and the rep's own words. It writes a `Correction` row (plus the
audit entry of the record itself, written by the service that applied the change).

Alias learning (issue 13) attaches here: read `Correction` rows (field `customer` /
`contact` / `products`, `old_value` = what the bot understood, `new_value` = what the rep
meant, `phrase` = what the rep said), or extend this function; it runs inside the unit of
work of the change, so whatever it writes commits or rolls back with the change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from crm_core.models import Correction, User
from crm_core.uow import UnitOfWork

FIELDS = ("customer", "contact", "products", "channel", "attitude", "next_action",
          "next_date", "next_time", "obstacle", "summary", "lead")


async def record_correction(
    uow: UnitOfWork, user: User, *, entity: str, entity_id: int | str, field_name: str,
    old: Any, new: Any, phrase: str,
) -> Correction | None:
    """Record that `user` changed `field_name` of `entity` from `old` to `new` by saying
    `phrase`. Nothing is recorded when the value did not change."""
    old_v, new_v = _plain(old), _plain(new)
    if old_v == new_v:
        return None
    row = Correction(at=uow.now, user_id=user.id, entity=entity, entity_id=str(entity_id),
                     field_name=field_name, old_value=old_v, new_value=new_v,
                     phrase=phrase[:500])
    uow.add(row)
    return row


def _plain(v: Any) -> Any:
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v
