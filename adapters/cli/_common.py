"""Helpers shared by the sub-commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from crm_core.settings import Settings, get_settings

T = TypeVar("T")
log = logging.getLogger("crmbot")


def settings() -> Settings:
    return get_settings()


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_factory()

    return asyncio.run(main())


def quiet_libraries() -> None:
    for name in ("jieba", "faster_whisper", "httpx", "apscheduler", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.WARNING)


def add_db_arg(p: Any) -> None:
    p.add_argument("--database-url", help="override CRMBOT_DATABASE_URL")
