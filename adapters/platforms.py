"""The chat platforms known to the composition root, and what their adapters share.

`PLATFORM_SETUPS` maps a platform name to its `setup(ctx, app)` and its enabled-check, so
`adapters/app.py` can loop::

    for name, spec in PLATFORM_SETUPS.items():
        if spec.enabled(ctx.settings):
            spec.setup(ctx, app)

Shared pieces: `Dispatcher` (acknowledge first, then hand the `Incoming` to the bot on a
background task, one chat at a time, and send its replies), `read_body` (1 MB cap → 413),
and the button-key codec (`encode_press` / `decode_press`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from bot.messages import Button, ButtonPress, Card, ChatRef, Incoming, Reply, Text
from bot.ports import Sender, SendError

if TYPE_CHECKING:
    from adapters.context import AppContext
    from crm_core.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
UNSUPPORTED_TEXT = "抱歉，暂不支持这种消息类型。请发送文字或语音，发送“帮助”查看可用命令。"
BUSY_TEXT = "抱歉，系统暂时繁忙，请稍后再试。"


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


# --------------------------------------------------------------------------- dispatching

Enricher = Callable[[Incoming], Awaitable[Incoming]]
CardUpdater = Callable[[Card], Awaitable[bool]]


@dataclass
class Timing:
    """Server-side latency samples for benchmarks/chat.py: received → last send done, and
    the part of it spent inside the bot (`first_time` + `handle`)."""

    samples: list[float]
    bot: list[float]
    enabled: bool = False

    def add(self, received: float, bot_s: float = 0.0) -> None:
        if self.enabled:
            self.samples.append(time.perf_counter() - received)
            self.bot.append(bot_s)

    def clear(self) -> None:
        self.samples.clear()
        self.bot.clear()


def default_concurrency(ctx: AppContext) -> int:
    """How many messages the bot handles at once: `CRMBOT_DISPATCH_CONCURRENCY`, else 8 on
    SQLite (one writer at a time: more only adds lock waits, fewer lets a few slow voice
    notes hold up everyone) and 32 on PostgreSQL."""
    configured = int(getattr(ctx.settings, "dispatch_concurrency", 0) or 0)
    if configured > 0:
        return configured
    url = str(getattr(ctx.settings, "database_url", ""))
    return 8 if url.startswith("sqlite") else 32


class Dispatcher:
    """Hands `Incoming`s to the bot off the request path and sends the replies.

    - duplicates are dropped by the platform's event id (a small in-memory window in
      front of the bot's persistent `first_time`);
    - messages of one chat are handled in arrival order (a FIFO lock per chat), different
      chats in parallel, at most `concurrency` at once;
    - a reply that cannot be sent is logged, never raised into the server.
    """

    def __init__(self, ctx: AppContext, platform: str, sender: Sender, *,
                 concurrency: int | None = None, max_pending: int = 2000) -> None:
        self.ctx = ctx
        self.platform = platform
        self.sender = sender
        self.concurrency = concurrency or default_concurrency(ctx)
        self._sem = asyncio.Semaphore(self.concurrency)
        self._locks: dict[str, list[Any]] = {}      # chat key → [Lock, holders + waiters]
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._max_pending = max_pending
        self.timing = Timing([], [])
        self._last_report = -1e9
        self.errors = 0

    # -- dedupe ------------------------------------------------------------------------
    def seen_recently(self, event_id: str) -> bool:
        """True when the id was already taken in by this process (cheap first filter)."""
        if event_id in self._seen:
            return True
        self._seen[event_id] = None
        if len(self._seen) > 20000:
            self._seen.popitem(last=False)
        return False

    async def first_time(self, event_id: str) -> bool:
        if self.seen_recently(event_id):
            return False
        try:
            return bool(await self.ctx.bot.first_time(self.platform, event_id))
        except Exception:
            log.exception("%s: first_time(%s) failed; processing anyway", self.platform,
                          event_id)
            return True

    # -- queueing ----------------------------------------------------------------------
    def busy(self) -> bool:
        return len(self._tasks) >= self._max_pending

    def submit(self, incoming: Incoming, *, enrich: Enricher | None = None,
               update_card: CardUpdater | None = None, received: float | None = None,
               dedupe: bool = True) -> bool:
        """Queue one message. False when it is a known duplicate or the queue is full."""
        if dedupe and incoming.event_id in self._seen:
            return False
        if self.busy():
            log.error("%s: %d messages pending, refusing %s", self.platform, len(self._tasks),
                      incoming.event_id)
            return False
        task = asyncio.create_task(
            self._run(incoming, enrich, update_card, received or time.perf_counter(), dedupe))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @contextlib.asynccontextmanager
    async def _chat_turn(self, key: str) -> AsyncIterator[None]:
        """One chat at a time, in arrival order (asyncio.Lock is FIFO); the lock is dropped
        when nobody holds or waits for it."""
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0 and self._locks.get(key) is entry:
                del self._locks[key]

    async def _run(self, incoming: Incoming, enrich: Enricher | None,
                   update_card: CardUpdater | None, received: float, dedupe: bool) -> None:
        try:
            async with self._chat_turn(incoming.chat.key):
                t0 = time.perf_counter()
                if dedupe and not await self.first_time(incoming.event_id):
                    log.info("%s: duplicate %s dropped", self.platform, incoming.event_id)
                    return
                bot_s = time.perf_counter() - t0
                async with self._sem:
                    if enrich is not None:
                        try:
                            incoming = await enrich(incoming)
                        except Exception:
                            log.exception("%s: preparing %s failed", self.platform,
                                          incoming.event_id)
                    t1 = time.perf_counter()
                    replies = await self.handle(incoming)
                    bot_s += time.perf_counter() - t1
                    await self.deliver(incoming.chat, replies, update_card)
                    self.timing.add(received, bot_s)
        except Exception:
            self.errors += 1
            log.exception("%s: handling %s failed", self.platform, incoming.event_id)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        chat = incoming.chat

        async def respond(reply: Reply) -> None:
            await self.send(chat, reply)

        replies = await self.ctx.bot.handle(incoming, respond)
        return list(replies or [])

    async def deliver(self, chat: ChatRef, replies: list[Reply],
                      update_card: CardUpdater | None = None) -> None:
        """Send replies; the first Card replaces the clicked card when `update_card` can."""
        for reply in replies:
            if update_card is not None and isinstance(reply, Card):
                updater, update_card = update_card, None
                try:
                    if await updater(reply):
                        continue
                except Exception:
                    log.exception("%s: card update failed, sending a new card", self.platform)
            await self.send(chat, reply)

    async def send(self, chat: ChatRef, reply: Reply) -> str | None:
        try:
            return await self.sender.send(chat, reply)
        except SendError as exc:
            self.errors += 1
            log.error("%s: sending to %s failed (%s): %s", self.platform, chat.key,
                      "retryable" if exc.retryable else "permanent", exc)
            await self.report(f"{self.platform} 发送失败：{exc}")
        except Exception:
            self.errors += 1
            log.exception("%s: sending to %s crashed", self.platform, chat.key)
        return None

    async def report(self, problem: str) -> None:
        """Tell the admin, through the bot's `report_problem(platform, text)` when it has
        one, at most once per 10 minutes per platform (the log has every occurrence)."""
        hook = getattr(self.ctx.bot, "report_problem", None)
        now = time.monotonic()
        if hook is None or now - self._last_report < 600:
            return
        self._last_report = now
        try:
            await hook(self.platform, problem)
        except Exception:
            log.exception("%s: reporting a problem to the admin failed", self.platform)

    async def press(self, incoming: Incoming, *, within: float = 2.5,
                    update_card: CardUpdater | None = None) -> Card | None:
        """A button press that may answer inline (Feishu: the callback response).

        Returns the first Card the bot produced in time (to replace the clicked
        card); other replies are sent actively. Past `within` seconds the handling continues in
        the background and `update_card` (e.g. PATCH the message) gets the first Card.
        """
        if not await self.first_time(incoming.event_id):
            return None
        received = time.perf_counter()
        task = asyncio.create_task(self._press_work(incoming))
        self._tasks.add(task)   # type: ignore[arg-type]
        task.add_done_callback(self._tasks.discard)  # type: ignore[arg-type]
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), within)
        except TimeoutError:
            async def late() -> None:
                with contextlib.suppress(Exception):
                    await self.deliver(incoming.chat, await task, update_card)
            self.submit_coro(late())
            return None
        inline: Card | None = None
        rest: list[Reply] = []
        for reply in replies:
            if inline is None and isinstance(reply, Card):
                inline = reply
            else:
                rest.append(reply)
        if rest:
            self.submit_coro(self.deliver(incoming.chat, rest))
        self.timing.add(received)
        return inline

    async def _press_work(self, incoming: Incoming) -> list[Reply]:
        async with self._chat_turn(incoming.chat.key), self._sem:
            return await self.handle(incoming)

    def submit_coro(self, coro: Awaitable[Any]) -> None:
        async def wrap() -> None:
            try:
                await coro
            except Exception:
                log.exception("%s: background send failed", self.platform)
        task = asyncio.create_task(wrap())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def reply_unsupported(self, chat: ChatRef, what: str) -> None:
        log.warning("%s: unsupported message type %r from %s", self.platform, what, chat.key)
        self.submit_coro(self.send(chat, Text(UNSUPPORTED_TEXT)))

    async def drain(self, within: float = 5.0) -> None:
        """Wait for pending work (tests, shutdown)."""
        deadline = time.monotonic() + within
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.01, deadline - time.monotonic()))

    async def close(self, within: float | None = None) -> None:
        """At shutdown: let the messages already acknowledged finish (their replies sent)
        for up to CRMBOT_SHUTDOWN_SECONDS, then cancel what is left."""
        await self.drain(self.ctx.settings.shutdown_seconds if within is None else within)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


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
