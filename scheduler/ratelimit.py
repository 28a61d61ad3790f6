"""Per-platform token buckets for outbound pushes (one process's share of the budget)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# messages per second and burst, per platform, when the settings say nothing; the platforms'
# own ceilings are per app and per user, these stay well under them.
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "wecom": (20.0, 20), "dingtalk": (15.0, 15), "feishu": (40.0, 40),
    "console": (1000.0, 1000),
}


@dataclass
class TokenBucket:
    rate: float                                  # tokens per second
    capacity: int
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity < 1:
            raise ValueError("a token bucket needs a positive rate and capacity")
        self.tokens = float(self.capacity)
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    async def acquire(self) -> None:
        async with self._lock:          # FIFO: waiters are served in order
            while True:
                self._refill()
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self.tokens) / self.rate)


class RateLimiter:
    def __init__(self, rates: Mapping[str, tuple[float, int]] | None = None) -> None:
        self.rates = {**DEFAULT_RATES, **(rates or {})}
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, platform: str) -> TokenBucket:
        b = self._buckets.get(platform)
        if b is None:
            rate, burst = self.rates.get(platform, (10.0, 10))
            b = self._buckets[platform] = TokenBucket(rate, burst)
        return b

    async def acquire(self, platform: str) -> None:
        await self.bucket(platform).acquire()


def parse_rates(spec: str) -> dict[str, tuple[float, int]]:
    """`"wecom=20/20,feishu=40"` → {"wecom": (20.0, 20), "feishu": (40.0, 40)}."""
    out: dict[str, tuple[float, int]] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, val = part.partition("=")
        rate_s, _, burst_s = val.partition("/")
        rate = float(rate_s)
        out[name.strip()] = (rate, int(burst_s) if burst_s else max(1, int(rate)))
    return out


# Per recipient (one member / one chat), per platform: (window seconds, messages). Past
# these the platforms drop silently or refuse:
# - WeCom 发送应用消息 (访问频率限制, ../shared/research/platforms.md 1.5): ≤ 30 per minute
#   and ≤ 1000 per hour to one member per app, excess dropped silently; app group chats
#   200/min per member.
# - Feishu im/v1/messages: 5 QPS per user / chat (unverified, research 3.x).
# - DingTalk: no published per-user limit; flow control is reported
#   (`flowControlledStaffIdList`, retried), so none is imposed here.
RECIPIENT_BUDGETS: dict[str, tuple[tuple[float, int], ...]] = {
    "wecom": ((60.0, 30), (3600.0, 1000)),
    "feishu": ((1.0, 5),),
}


class RecipientBudget:
    """Sliding windows per (platform, recipient): `reserve` says how long to wait before
    `n` more messages fit under every window of the platform (0: they were counted now).

    Kept per process, like the platform buckets: with N delivery processes the windows are
    per process (N processes can each send a member 30/min) — run one delivery loop, or set
    smaller budgets, when that matters."""

    def __init__(self, budgets: Mapping[str, tuple[tuple[float, int], ...]] | None = None,
                 ) -> None:
        self.budgets = dict(RECIPIENT_BUDGETS if budgets is None else budgets)
        self._sent: dict[tuple[str, str], list[float]] = {}

    def reserve(self, platform: str, recipient: str, now: float, n: int = 1) -> float:
        windows = self.budgets.get(platform)
        if not windows or n <= 0:
            return 0.0
        key = (platform, recipient)
        stamps = self._sent.setdefault(key, [])
        longest = max(w for w, _ in windows)
        while stamps and stamps[0] <= now - longest:
            stamps.pop(0)
        wait = 0.0
        for window, limit in windows:
            recent = [t for t in stamps if t > now - window]
            if len(recent) + n > limit:
                if n > limit:        # a message of more parts than one window takes
                    if recent:
                        wait = max(wait, recent[-1] + window - now)
                    continue
                # the oldest stamps that must leave the window first
                wait = max(wait, recent[len(recent) + n - limit - 1] + window - now)
        if wait > 0:
            return wait
        stamps.extend([now] * n)
        if len(self._sent) > 50_000:            # forget idle recipients
            for k in [k for k, v in self._sent.items() if not v or v[-1] <= now - longest]:
                del self._sent[k]
        return 0.0
