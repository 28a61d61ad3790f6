"""The delivery loop: outbox rows → rendered replies → platform senders.

Claiming is one statement: `UPDATE outbox SET status='sending', locked_by=me, locked_until=
now+lease, attempts=attempts+1 WHERE id IN (due rows … [FOR UPDATE SKIP LOCKED]) RETURNING …`.
On PostgreSQL the sub-select skips rows another instance holds; on SQLite the single UPDATE
runs under the database write lock. A row whose lease ran out (its worker died) is due again.
Marking sent / retry / dead is fenced on `locked_by = me`. What this guarantees is written
in docs/delivery.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from bot.messages import ChatRef, Reply
from bot.ports import Presenter, Sender, SendError
from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.models import OutboxMessage
from crm_core.services.reach import reachable_identities
from crm_core.sql import table
from scheduler.ratelimit import RateLimiter, RecipientBudget

log = logging.getLogger(__name__)
T = table(OutboxMessage)
PARTS_KEY = "_parts_sent"


@dataclass(frozen=True)
class DeliveryConfig:
    max_attempts: int = 8
    lease_seconds: float = 120.0
    batch_size: int = 50
    concurrency: int = 16
    base_backoff_seconds: float = 5.0
    max_backoff_seconds: float = 3600.0
    send_timeout_seconds: float = 30.0
    # "sent" marks are written in groups of this many (one transaction): the most messages
    # that can be sent but not yet marked when the process dies is mark_batch + concurrency
    mark_batch: int = 16
    rates: Mapping[str, tuple[float, int]] = field(default_factory=dict)


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost_lease: int = 0
    deferred: int = 0            # over a recipient's budget: put back for later, not sent

    def add(self, other: DeliveryStats) -> None:
        self.deferred += other.deferred
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.lost_lease += other.lost_lease


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    recipient_id: int | None
    platform: str | None
    chat_id: str | None
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int


def backoff(attempts: int, cfg: DeliveryConfig, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1), capped, then a uniform draw in [½, 1]."""
    raw = min(cfg.max_backoff_seconds, cfg.base_backoff_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=raw * (0.5 + 0.5 * rng.random()))


def parts_of(sender: Sender, to: ChatRef, reply: Reply) -> int:
    """How many platform messages `reply` becomes (a sender's `parts`, else 1)."""
    count = getattr(sender, "parts", None)
    try:
        return max(1, int(count(to, reply))) if count is not None else 1
    except Exception:
        return 1


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Deliverer:
    def __init__(self, db: Database, clock: Clock, senders: Mapping[str, Sender], *,
                 presenter: Presenter, config: DeliveryConfig | None = None,
                 worker_id: str | None = None, rng: random.Random | None = None,
                 limiter: RateLimiter | None = None,
                 budget: RecipientBudget | None = None) -> None:
        self.db = db
        self.clock = clock
        self.senders = senders
        self.presenter = presenter
        self.cfg = config or DeliveryConfig()
        self.worker_id = worker_id or worker_name()
        self.rng = rng or random.Random()
        self.limiter = limiter or RateLimiter(self.cfg.rates)
        self.budget = budget or RecipientBudget()
        self._wake = asyncio.Event()
        self._marks: list[dict[str, Any]] = []
        self._mark_lock = asyncio.Lock()

    # --- claiming ---------------------------------------------------------------------
    async def claim(self, limit: int | None = None) -> list[Claimed]:
        now = self.clock.now()
        due = sa.or_(
            sa.and_(T.c.status == "pending", T.c.next_attempt_at <= now),
            sa.and_(T.c.status == "sending", T.c.locked_until < now),
        )
        sub = sa.select(T.c.id).where(due).order_by(T.c.next_attempt_at, T.c.id).limit(
            limit or self.cfg.batch_size)
        if self.db.dialect == "postgresql":
            sub = sub.with_for_update(skip_locked=True)
        stmt = (sa.update(T).where(T.c.id.in_(sub.scalar_subquery()))
                .values(status="sending", locked_by=self.worker_id,
                        locked_until=now + timedelta(seconds=self.cfg.lease_seconds),
                        attempts=T.c.attempts + 1)
                .returning(T.c.id, T.c.kind, T.c.recipient_id, T.c.platform, T.c.chat_id,
                           T.c.payload, T.c.dedupe_key, T.c.attempts))
        async with self.db.sessions() as s:
            rows = (await s.execute(stmt)).all()
            await s.commit()
        return [Claimed(r.id, r.kind, r.recipient_id, r.platform, r.chat_id,
                        dict(r.payload or {}), r.dedupe_key, r.attempts) for r in rows]

    # --- one batch --------------------------------------------------------------------
    async def run_once(self) -> DeliveryStats:
        stats = DeliveryStats()
        batch = await self.claim()
        stats.claimed = len(batch)
        if not batch:
            return stats
        async with self.db.sessions() as s:
            reach = await reachable_identities(
                s, [c.recipient_id for c in batch if c.recipient_id is not None and not c.chat_id],
                available=set(self.senders))
        refs = {uid: self.presenter.chat_of(i) for uid, i in reach.items()}
        sem = asyncio.Semaphore(self.cfg.concurrency)

        async def one(c: Claimed) -> None:
            async with sem:
                await self._deliver(c, refs, stats)

        try:
            await asyncio.gather(*(one(c) for c in batch))
        finally:
            await self._flush_marks(stats)
        return stats

    def _address(self, c: Claimed, refs: Mapping[int, ChatRef]) -> ChatRef | None:
        if c.platform and c.chat_id:
            return self.presenter.chat_at(c.platform, c.chat_id, c.payload)
        if c.recipient_id is not None:
            return refs.get(c.recipient_id)
        return None

    async def _deliver(self, c: Claimed, refs: Mapping[int, ChatRef],
                       stats: DeliveryStats) -> None:
        try:
            replies: list[Reply] = self.presenter.render(c.kind, c.payload)
        except Exception as e:  # a renderer bug will not heal by retrying
            log.exception("render failed for outbox %s (%s)", c.id, c.kind)
            await self._finish_dead(c, f"render: {e!r}", stats)
            return
        ref = self._address(c, refs)
        if ref is None or ref.platform not in self.senders:
            await self._finish_dead(c, "unreachable: no identity on a platform with a sender",
                                    stats)
            return
        sender = self.senders[ref.platform]
        start = int(c.payload.get(PARTS_KEY, 0) or 0)
        recipient = f"{ref.chat_id}:{ref.user_id or '*'}"
        last_id: str | None = None
        try:
            for i in range(start, len(replies)):
                # the platform's per-member limits (WeCom drops past 30/min silently): a
                # burst to one person, or one push of many messages, is spread over the
                # windows (the parts sent so far are kept), never sent into a silent drop
                wait = self.budget.reserve(ref.platform, recipient,
                                           self.clock.now().timestamp(),
                                           parts_of(sender, ref, replies[i]))
                if wait > 0:
                    await self._defer(c, wait, stats)
                    return
                await self.limiter.acquire(ref.platform)
                key = c.dedupe_key if i == 0 else f"{c.dedupe_key}#{i}"
                last_id = await asyncio.wait_for(sender.send(ref, replies[i], delivery_key=key),
                                                 self.cfg.send_timeout_seconds)
                if i < len(replies) - 1:
                    await self._progress(c, i + 1)
        except SendError as e:
            await self._failed(c, str(e), e.retryable, stats)
            return
        except (TimeoutError, OSError) as e:
            await self._failed(c, f"{type(e).__name__}: {e}", True, stats)
            return
        except Exception as e:
            log.exception("sender %s crashed on outbox %s", ref.platform, c.id)
            await self._failed(c, f"{type(e).__name__}: {e}", True, stats)
            return
        self._marks.append({"b_id": c.id, "b_me": self.worker_id, "b_at": self.clock.now(),
                            "b_platform": ref.platform, "b_chat": ref.chat_id,
                            "b_msgid": last_id})
        if len(self._marks) >= self.cfg.mark_batch:
            await self._flush_marks(stats)

    async def _flush_marks(self, stats: DeliveryStats) -> None:
        """Mark a group of sent rows in one transaction (fenced on this worker's lease)."""
        async with self._mark_lock:
            marks, self._marks = self._marks, []
            if not marks:
                return
            stmt = sa.update(T).where(
                T.c.id == sa.bindparam("b_id"), T.c.locked_by == sa.bindparam("b_me"),
                T.c.status == "sending",
            ).values(status="sent", sent_at=sa.bindparam("b_at", type_=T.c.sent_at.type),
                     platform=sa.bindparam("b_platform"), chat_id=sa.bindparam("b_chat"),
                     platform_message_id=sa.bindparam("b_msgid"), locked_by=None,
                     locked_until=None, last_error=None)
            async with self.db.sessions() as s:
                res = cast(CursorResult[Any], await s.execute(stmt, marks))
                await s.commit()
            done = res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(marks)
            stats.sent += done
            if done < len(marks):
                stats.lost_lease += len(marks) - done
                log.warning("%d sent rows had lost their lease before being marked",
                            len(marks) - done)

    async def _progress(self, c: Claimed, parts: int) -> None:
        payload = {**c.payload, PARTS_KEY: parts}
        await self._update(c, payload=payload)

    async def _defer(self, c: Claimed, wait: float, stats: DeliveryStats) -> None:
        """Back to pending until the recipient's window has room; not an attempt."""
        when = self.clock.now() + timedelta(seconds=wait)
        if await self._update(c, status="pending", next_attempt_at=when, locked_by=None,
                              locked_until=None, attempts=max(0, c.attempts - 1)):
            stats.deferred += 1
        else:
            stats.lost_lease += 1

    async def _failed(self, c: Claimed, error: str, retryable: bool,
                      stats: DeliveryStats) -> None:
        if not retryable or c.attempts >= self.cfg.max_attempts:
            await self._finish_dead(c, error, stats)
            return
        when = self.clock.now() + backoff(c.attempts, self.cfg, self.rng)
        log.info("outbox %s attempt %s failed (%s); retry at %s", c.id, c.attempts, error,
                 when.isoformat())
        if await self._update(c, status="pending", next_attempt_at=when, locked_by=None,
                              locked_until=None, last_error=error[:500]):
            stats.retried += 1
        else:
            stats.lost_lease += 1

    async def _finish_dead(self, c: Claimed, error: str, stats: DeliveryStats) -> None:
        log.warning("outbox %s (%s) is dead after %s attempts: %s", c.id, c.kind, c.attempts,
                    error)
        if await self._update(c, status="dead", locked_by=None, locked_until=None,
                              last_error=error[:500]):
            stats.dead += 1
        else:
            stats.lost_lease += 1

    async def _update(self, c: Claimed, **values: Any) -> bool:
        """Fenced write: only while this worker still holds the row's lease."""
        stmt = sa.update(T).where(T.c.id == c.id, T.c.locked_by == self.worker_id,
                                  T.c.status == "sending").values(**values)
        async with self.db.sessions() as s:
            res = cast(CursorResult[Any], await s.execute(stmt))
            await s.commit()
        if res.rowcount != 1:
            log.warning("outbox %s: lease lost before it was marked (%s)", c.id, values.get(
                "status", "progress"))
            return False
        return True

    # --- the loop ---------------------------------------------------------------------
    def wake(self) -> None:
        """Deliver now instead of at the next poll (after a command wrote an outbox row)."""
        self._wake.set()

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        log.info("delivery loop %s started", self.worker_id)
        while True:
            try:
                stats = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery batch failed; retrying after %.1fs", poll_seconds)
                stats = DeliveryStats()
            if stats.claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)

    async def drain(self, *, max_batches: int = 10_000) -> DeliveryStats:
        """Deliver until nothing is due (tests, `crmbot outbox --deliver`)."""
        total = DeliveryStats()
        for _ in range(max_batches):
            stats = await self.run_once()
            total.add(stats)
            if not stats.claimed:
                break
        return total


async def outbox_counts(db: Database) -> dict[str, int]:
    async with db.sessions() as s:
        rows = (await s.execute(sa.select(T.c.status, sa.func.count()).group_by(T.c.status)))
        return {str(st): int(n) for st, n in rows.all()}

