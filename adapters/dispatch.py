"""The dispatcher: platform messages stored, acknowledged, then handed to the bot.

A verified callback is first stored in the inbox (`crm_core/services/inbox.py`, unique per
platform + event id: a platform's retry is the same row) and only then acknowledged, so a
busy or crashing process loses nothing and never answers 503. The row is then processed:
at once by the process that stored it while it has capacity, else by the periodic sweep
(every `SWEEP_S`; after a restart, or rows another process left when its lease lapsed).
Processing replays the stored platform message through the adapter (`replay`), which
builds the `Incoming` and submits it here; the row is marked done when the bot's answer is
sent (pending again on a crash of the handler, dead after a few attempts).

Without a database (adapter unit tests) messages go straight to the in-memory path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.platforms import CardUpdater, Enricher
from bot.messages import Card, ChatRef, Incoming, Reply, Text
from bot.ports import Sender, SendError

if TYPE_CHECKING:
    from adapters.context import AppContext

log = logging.getLogger(__name__)

UNSUPPORTED_TEXT = "抱歉，暂不支持这种消息类型。请发送文字或语音，发送“帮助”查看可用命令。"
LEASE = timedelta(minutes=5)        # a handler (a voice note included) ends well inside it
SWEEP_S = 5.0
# Replay: the adapter's way from a stored platform message back to `submit` (it passes the
# row id on); sync, so the row is attached before anything else runs
Replay = Callable[[dict[str, Any], float | None, int | None], None]


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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Stores platform messages (`take_in`), hands `Incoming`s to the bot off the request
    path and sends the replies.

    - a message is stored in the inbox before the platform gets its 200 (no 503, ever);
      the inbox row de-duplicates the platform's retries; without a database duplicates
      are dropped by the event id (an in-memory window in front of the bot's `first_time`);
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
        self._tasks: set[asyncio.Task[Any]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._max_pending = max_pending
        self.timing = Timing([], [])
        self._last_report = -1e9
        self.errors = 0
        self.replay: Replay | None = None         # set by the adapter that owns this
        self.worker = worker_name()
        self._sweeper: asyncio.Task[None] | None = None
        self._attached: set[int] = set()
        self._row_attempts: dict[int, int] = {}
        self._claiming = asyncio.Lock()         # rows are replayed in the order stored

    # -- the inbox ---------------------------------------------------------------------
    @property
    def durable(self) -> bool:
        return getattr(self.ctx, "db", None) is not None

    async def take_in(self, event_id: str, payload: dict[str, Any],
                      received: float | None = None) -> bool:
        """Store one verified platform message, then have it processed; returns once it is
        stored (the caller acknowledges after this). False for a platform retry of a stored
        one. Raises if the database cannot store it (the platform will retry)."""
        assert self.replay is not None, "the adapter sets dispatcher.replay"
        if not self.durable:
            if self.seen_recently(event_id):
                return False
            self._seen.pop(event_id, None)      # submit's own check comes next
            self.replay(payload, received, None)
            return True
        from crm_core.services import inbox

        # with room, stored already claimed by this worker and handled at once (no claim
        # transaction); when busy, stored pending for the sweep to take later
        now_at_once = len(self._tasks) < self._max_pending
        row = await inbox.put(self.ctx.db, self.platform, event_id, payload,
                              self.ctx.clock.now(),
                              claim_for=self.worker if now_at_once else None, lease=LEASE)
        if row is None:
            log.info("%s: retry of stored %s dropped", self.platform, event_id)
            return False
        self.start()
        if now_at_once:
            await self._replay_row(inbox.Claimed(row, self.platform, event_id, payload, 1),
                                   received)
        return True

    async def run(self) -> None:
        """For `ctx.background`: start the sweep when the server starts, so rows stored
        before a restart are taken again without waiting for a new message."""
        self.start()

    def start(self) -> None:
        """Start the periodic sweep (idempotent; needs a running loop and a database)."""
        if self.durable and (self._sweeper is None or self._sweeper.done()):
            self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            try:
                while (free := self._max_pending - len(self._tasks)) > 0:
                    # a backlog (after a restart, an overload) is taken batch after batch
                    if await self._process(limit=min(free, 50)) < min(free, 50):
                        break
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: inbox sweep failed", self.platform)
            await asyncio.sleep(SWEEP_S)

    async def _process(self, *, ids: list[int] | None = None, limit: int = 50,
                       received: float | None = None) -> int:
        """Claim rows (the given ids, or any due ones of this platform) and replay them."""
        from crm_core.services import inbox

        async with self._claiming:
            claimed = await inbox.claim(self.ctx.db, self.worker, self.ctx.clock.now(),
                                        lease=LEASE, ids=ids, platform=self.platform,
                                        limit=limit)
            for c in claimed:
                await self._replay_row(c, received)
        return len(claimed)

    async def _replay_row(self, c: Any, received: float | None) -> None:
        self._row_attempts[c.id] = c.attempts
        try:
            assert self.replay is not None
            self.replay(c.payload, received, c.id)
        except Exception as exc:
            log.exception("%s: replaying stored %s failed", self.platform, c.event_id)
            self._row_attempts.pop(c.id, None)
            await self._finish_row(c.id, f"{type(exc).__name__}: {exc}", c.attempts)
            return
        if c.id not in self._attached:       # nothing for the bot (an ignored event)
            self._row_attempts.pop(c.id, None)
            await self._finish_row(c.id, None)
        self._attached.discard(c.id)

    async def _finish_row(self, row: int, error: str | None, attempts: int = 1) -> None:
        from crm_core.services import inbox

        try:
            await inbox.finish(self.ctx.db, row, self.worker, self.ctx.clock.now(),
                               error=error, attempts=attempts)
        except Exception:
            log.exception("%s: marking inbox row %s failed (it is taken again after "
                          "its lease)", self.platform, row)

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
        """More work in flight than `max_pending`: stored rows wait for the sweep."""
        return len(self._tasks) >= self._max_pending

    def submit(self, incoming: Incoming, *, enrich: Enricher | None = None,
               update_card: CardUpdater | None = None, received: float | None = None,
               dedupe: bool = True, inbox_row: int | None = None) -> bool:
        """Queue one message. False when it is a known duplicate. A message from the inbox
        (`inbox_row`) is de-duplicated by its row already; the row is finished when the
        answer is sent."""
        if inbox_row is not None:
            dedupe = False
            self._attached.add(inbox_row)
        elif dedupe and incoming.event_id in self._seen:
            return False
        task = asyncio.create_task(
            self._run(incoming, enrich, update_card, received or time.perf_counter(), dedupe,
                      inbox_row))
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
                   update_card: CardUpdater | None, received: float, dedupe: bool,
                   inbox_row: int | None = None) -> None:
        from crm_core.infra import durability

        error: str | None = None
        try:
            # a stored message's work may commit without waiting for the disk: its row is
            # finished (durably, below) only after it, and is handled again if the
            # database server loses it (crm_core.infra.durability)
            with durability.replayable() if inbox_row is not None else \
                    contextlib.nullcontext():
                await self._answer(incoming, enrich, update_card, received, dedupe)
        except Exception as exc:
            self.errors += 1
            error = f"{type(exc).__name__}: {exc}"
            log.exception("%s: handling %s failed", self.platform, incoming.event_id)
        finally:
            if inbox_row is not None:
                await self._finish_row(inbox_row, error,
                                        self._row_attempts.pop(inbox_row, 1))

    async def _answer(self, incoming: Incoming, enrich: Enricher | None,
                      update_card: CardUpdater | None, received: float, dedupe: bool) -> None:
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
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
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
        if within is None:
            within = float(getattr(self.ctx.settings, "shutdown_seconds", 5.0))
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sweeper
        await self.drain(within)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


