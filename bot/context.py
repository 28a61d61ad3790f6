"""What a command or dialog step gets: who is talking, where, when, and the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.messages import ChatRef, Incoming, Reply
from crm_core.models import User
from crm_core.uow import Actor, UnitOfWork

if TYPE_CHECKING:
    from bot.core import Bot

Respond = Callable[[Reply], Awaitable[None]]


@dataclass
class Context:
    bot: Bot
    user: User
    incoming: Incoming
    respond: Respond | None = None
    memo: dict[str, Any] = field(default_factory=dict)   # reads reused within one message

    @property
    def chat(self) -> ChatRef:
        return self.incoming.chat

    @property
    def now(self) -> datetime:
        return self.bot.clock.now()

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def in_group(self) -> bool:
        return self.incoming.chat.is_group

    def uow(self) -> UnitOfWork:
        """A unit of work acting as this user (audit rows carry the user)."""
        return UnitOfWork(self.bot.db, self.bot.clock, Actor(self.user.id, self.user.login),
                          shared=self.memo.setdefault("uow", {}))

    async def say(self, reply: Reply) -> None:
        """Send an intermediate reply now (the final ones are returned by the handler)."""
        if self.respond is not None:
            await self.respond(reply)

    @property
    def settings(self) -> Any:
        return self.bot.settings
