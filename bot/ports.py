"""The outbound port. Adapters implement it; tests use a recording fake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.messages import ChatRef, Reply

if TYPE_CHECKING:       # adapters import this port: keep them off crm_core.models
    from crm_core.models import UserIdentity


class SendError(Exception):
    """A platform refused or failed a send. `retryable` tells the delivery loop what to do."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Sender(Protocol):
    """Sends one reply to one chat; returns the platform's message id when it has one.

    `delivery_key` is the outbox row's key when the delivery loop sends (None for a live
    answer): every field a platform compares to drop a duplicate (WeCom's `task_id` and
    whole request under `enable_duplicate_check`, Feishu's `uuid`) is derived from it, so a
    re-send after a crash is byte-identical and dropped by the platform."""

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None: ...


class Presenter(Protocol):
    """What the delivery loop asks of bot/: the replies an outbox row reads as, and the chat
    they go to. `bot.addressing.BotPresenter` implements it; the composition root passes it
    to the scheduler, which imports nothing else of bot/ but messages and ports."""

    def render(self, kind: str, payload: Mapping[str, Any]) -> list[Reply]: ...

    def chat_of(self, identity: UserIdentity) -> ChatRef: ...

    def chat_at(self, platform: str, chat_id: str, payload: Mapping[str, object]) -> ChatRef: ...


@dataclass
class RecordingSender:
    """A fake sender that keeps what was sent (tests, console, demos)."""

    sent: list[tuple[ChatRef, Reply]] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        self.sent.append((to, reply))
        self.keys.append(delivery_key)
        return str(len(self.sent))


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What a platform's user API tells about one of its users."""

    platform_user_id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class UserDirectory(Protocol):
    """A platform's user API, used to bind an unknown chat user by phone / e-mail."""

    async def lookup(self, platform_user_id: str) -> DirectoryEntry | None: ...
