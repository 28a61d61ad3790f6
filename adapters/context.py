"""What the composition root hands to every edge: the bot, the database, the clock, the
settings, and the registry of platform senders and user directories."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.ports import Sender, UserDirectory
from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    clock: Clock
    bot: Any                                  # bot.core.Bot (Any: avoids an import cycle)
    senders: dict[str, Sender] = field(default_factory=dict)
    directories: dict[str, UserDirectory] = field(default_factory=dict)
    # coroutines started with the server and stopped (cancelled, then awaited) with it
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # called on shutdown, in reverse order
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
