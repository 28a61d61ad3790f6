"""The outbound port. Adapters implement it; tests use a recording fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.messages import ChatRef, Reply


class SendError(Exception):
    """A platform refused or failed a send. `retryable` tells the delivery loop what to do."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Sender(Protocol):
    """Sends one reply to one chat; returns the platform's message id when it has one."""

    async def send(self, to: ChatRef, reply: Reply) -> str | None: ...


@dataclass
class RecordingSender:
    """A fake sender that keeps what was sent (tests, console, demos)."""

    sent: list[tuple[ChatRef, Reply]] = field(default_factory=list)

    async def send(self, to: ChatRef, reply: Reply) -> str | None:
        self.sent.append((to, reply))
        return str(len(self.sent))
