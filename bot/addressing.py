"""Where to push a message for a CRM user: UserIdentity → ChatRef.

A user may be bound on several platforms; pushes prefer the platforms that have a sender
registered in this process, in the order wecom, dingtalk, feishu, console.

`delivery_key` carries the outbox dedupe key of the message being sent into the sender call:
a platform sender that supports idempotent sends (Feishu `uuid`) should pass it on, so that a
re-send after a crash is dropped by the platform. See docs/delivery.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from contextvars import ContextVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import ChatRef
from crm_core.models import UserIdentity

PREFERENCE: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "console")

delivery_key: ContextVar[str | None] = ContextVar("delivery_key", default=None)


def current_delivery_key() -> str | None:
    """The idempotency key of the push being sent now (None outside the delivery loop)."""
    return delivery_key.get()


def chat_ref_of(identity: UserIdentity) -> ChatRef:
    return ChatRef(platform=identity.platform,
                   chat_id=identity.chat_id or identity.platform_user_id,
                   user_id=identity.platform_user_id, is_group=False)


def pick_identity(identities: Iterable[UserIdentity],
                  available: Collection[str] | None = None) -> ChatRef | None:
    """The preferred reachable identity (None when the user has none on a served platform)."""
    order = {p: i for i, p in enumerate(PREFERENCE)}
    usable = [i for i in identities if available is None or i.platform in available]
    if not usable:
        return None
    best = min(usable, key=lambda i: order.get(i.platform, len(order)))
    return chat_ref_of(best)


async def chat_refs_for(session: AsyncSession, user_ids: Iterable[int],
                        available: Collection[str] | None = None) -> dict[int, ChatRef]:
    """Resolve many users at once (one query): user_id → ChatRef, unreachable users absent."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(UserIdentity).where(UserIdentity.user_id.in_(ids))  # type: ignore[attr-defined]
    )).scalars().all()
    by_user: dict[int, list[UserIdentity]] = {}
    for r in rows:
        by_user.setdefault(r.user_id, []).append(r)
    out: dict[int, ChatRef] = {}
    for uid, idents in by_user.items():
        ref = pick_identity(idents, available)
        if ref is not None:
            out[uid] = ref
    return out


def explicit_ref(platform: str, chat_id: str, payload: Mapping[str, object]) -> ChatRef:
    """An outbox row addressed to a chat directly (a team group, a console session)."""
    user = payload.get("platform_user_id")
    return ChatRef(platform=platform, chat_id=chat_id, user_id=str(user) if user else None,
                   is_group=user is None)
