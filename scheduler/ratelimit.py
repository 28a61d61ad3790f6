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
