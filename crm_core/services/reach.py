"""Where a push for a CRM user can go: the user's preferred identity on a served platform.

A user may be bound on several platforms; pushes prefer the platforms that have a sender
registered in this process, in the order of `PREFERENCE`. Turning the identity into a chat
address is bot/'s part (`bot.addressing`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from crm_core.models import UserIdentity

PREFERENCE: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "console")


def pick_identity(identities: Iterable[UserIdentity],
                  available: Collection[str] | None = None) -> UserIdentity | None:
    """The preferred reachable identity (None when the user has none on a served platform)."""
    order = {p: i for i, p in enumerate(PREFERENCE)}
    usable = [i for i in identities if available is None or i.platform in available]
    if not usable:
        return None
    return min(usable, key=lambda i: order.get(i.platform, len(order)))


async def reachable_identities(session: AsyncSession, user_ids: Iterable[int],
                               available: Collection[str] | None = None,
                               ) -> dict[int, UserIdentity]:
    """Resolve many users at once (one query): user_id → identity, unreachable users absent."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(UserIdentity).where(col(UserIdentity.user_id).in_(ids)))).scalars().all()
    by_user: dict[int, list[UserIdentity]] = {}
    for r in rows:
        by_user.setdefault(r.user_id, []).append(r)
    out: dict[int, UserIdentity] = {}
    for uid, idents in by_user.items():
        best = pick_identity(idents, available)
        if best is not None:
            out[uid] = best
    return out
