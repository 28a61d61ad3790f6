"""Where to push a message: a CRM user's identity (chosen by `crm_core.services.reach`) or an
outbox row's explicit chat → ChatRef; and `BotPresenter`, bot/'s side of the delivery loop's
`Presenter` port (scheduler/ imports only bot.messages and bot.ports).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import ChatRef, Reply
from bot.render import render_notification
from crm_core.models import UserIdentity


def chat_ref_of(identity: UserIdentity) -> ChatRef:
    return ChatRef(platform=identity.platform,
                   chat_id=identity.chat_id or identity.platform_user_id,
                   user_id=identity.platform_user_id, is_group=False)


def explicit_ref(platform: str, chat_id: str, payload: Mapping[str, object]) -> ChatRef:
    """An outbox row addressed to a chat directly (a team group, a console session)."""
    user = payload.get("platform_user_id")
    return ChatRef(platform=platform, chat_id=chat_id, user_id=str(user) if user else None,
                   is_group=user is None)


class BotPresenter:
    """The delivery loop's `Presenter`: outbox rows rendered by `bot.render`, addressed here."""

    def render(self, kind: str, payload: Mapping[str, Any]) -> list[Reply]:
        return render_notification(kind, payload)

    def chat_of(self, identity: UserIdentity) -> ChatRef:
        return chat_ref_of(identity)

    def chat_at(self, platform: str, chat_id: str, payload: Mapping[str, object]) -> ChatRef:
        return explicit_ref(platform, chat_id, payload)
