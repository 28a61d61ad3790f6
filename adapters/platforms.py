"""The chat platforms known to the composition root, and what their adapters share.

`PLATFORM_SETUPS` maps a platform name to its `setup(ctx, app)` and its enabled-check, so
`adapters/app.py` can loop::

    for name, spec in PLATFORM_SETUPS.items():
        if spec.enabled(ctx.settings):
            spec.setup(ctx, app)

Shared pieces: `read_body` (1 MB cap → 413), the button-key codec (`encode_press` /
`decode_press`) and small helpers; the `Dispatcher` (store, acknowledge, hand the
`Incoming` to the bot) lives in adapters/dispatch.py.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from bot.messages import Button, ButtonPress, Card, Incoming

if TYPE_CHECKING:
    from adapters.context import AppContext
    from crm_core.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True, slots=True)
class PlatformSpec:
    name: str
    module: str

    def enabled(self, settings: Settings) -> bool:
        check: Callable[[], bool] = getattr(settings, f"{self.name}_enabled")
        return bool(check())

    def setup(self, ctx: AppContext, app: web.Application) -> None:
        importlib.import_module(self.module).setup(ctx, app)

    def __call__(self, ctx: AppContext, app: web.Application) -> None:
        self.setup(ctx, app)


PLATFORM_SETUPS: dict[str, PlatformSpec] = {
    "wecom": PlatformSpec("wecom", "adapters.wecom"),
    "dingtalk": PlatformSpec("dingtalk", "adapters.dingtalk"),
    "feishu": PlatformSpec("feishu", "adapters.feishu"),
}


def setup_enabled(ctx: AppContext, app: web.Application) -> list[str]:
    """Mount every platform whose credentials are set; returns their names."""
    started = []
    for name, spec in PLATFORM_SETUPS.items():
        if spec.enabled(ctx.settings):
            spec.setup(ctx, app)
            started.append(name)
    return started


# --------------------------------------------------------------------------- HTTP helpers

class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or `BodyTooLarge` past `limit` bytes (checked before and while reading)."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def too_large() -> web.Response:
    return web.Response(status=413, text="request body too large")


# --------------------------------------------------------------------------- button keys

class PressCodec:
    """Button ⇄ compact key string: ``action?k=v&k2=v2``.

    Keys longer than `limit` bytes are replaced by ``~<sha1[:16]>`` and remembered in a
    bounded in-memory map (no database): the long form only appears for unusual buttons.
    """

    def __init__(self, capacity: int = 10000) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, button: Button, limit: int = 1024) -> str:
        key = button.action
        if button.args:
            key += "?" + urlencode(sorted(button.args.items()))
        if len(key.encode()) <= limit:
            return key
        token = "~" + hashlib.sha1(key.encode()).hexdigest()[:16]
        self._long[token] = key
        self._long.move_to_end(token)
        while len(self._long) > self._capacity:
            self._long.popitem(last=False)
        return token

    def decode(self, key: str) -> ButtonPress | None:
        key = key.strip()
        if key.startswith("~"):
            full = self._long.get(key)
            if full is None:
                return None
            key = full
        if not key:
            return None
        action, _, query = key.partition("?")
        if not action or any(c.isspace() for c in action):
            return None
        return ButtonPress(action, dict(parse_qsl(query, keep_blank_values=True)))


PRESS_CODEC = PressCodec()
# what an unreadable button key becomes: no command has this action, so the bot answers
# that the card has expired
EXPIRED_PRESS = ButtonPress("card.expired", {})


def encode_press(button: Button, limit: int = 1024) -> str:
    return PRESS_CODEC.encode(button, limit)


def decode_press(key: str) -> ButtonPress | None:
    return PRESS_CODEC.decode(key)


Enricher = Callable[[Incoming], Awaitable[Incoming]]
CardUpdater = Callable[[Card], Awaitable[bool]]


def with_fetch(fetch: Callable[[], Awaitable[bytes]]) -> Enricher:
    """An enricher giving an incoming file the download it will need (not downloading)."""
    async def enrich(inc: Incoming) -> Incoming:
        assert inc.file is not None
        return replace(inc, file=replace(inc.file, fetch=fetch))
    return enrich


def with_voice(incoming: Incoming, **changes: Any) -> Incoming:
    """A copy of `incoming` whose Voice has `changes` applied."""
    assert incoming.voice is not None
    return replace(incoming, voice=replace(incoming.voice, **changes))


def split_text(text: str, limit: int) -> list[str]:
    """Long text → chunks of at most `limit` characters, cut at a line break when one is in
    the second half of the chunk (platform text-message limits)."""
    out: list[str] = []
    while len(text) > limit:
        nl = text.rfind("\n", 0, limit)
        cut = nl + 1 if nl > limit // 2 else limit
        out.append(text[:cut].rstrip("\n"))
        text = text[cut:]
    if text.strip() or not out:
        out.append(text)
    return out
