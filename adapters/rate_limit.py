"""Token buckets for the public endpoints: per client IP and per person (phone / e-mail).

A bucket holds up to N tokens and refills N per S seconds (`"N/S"` in the settings, e.g.
`CRMBOT_API_RATE_PER_IP=120/60`); a request takes one token or is answered 429 with the
seconds until the next one. Buckets live in this process (a deployment of K processes
allows K times the rate) and at most `max_keys` of them are kept, least recently used
dropped first, so a flood of distinct keys costs bounded memory.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    tokens: float                    # bucket size and refill per period
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`"120/60"` → 120 per 60 s; `""` or `"0"` → no limit. ValueError otherwise."""
        text = text.strip()
        if text in ("", "0", "off"):
            return None
        n, _, s = text.partition("/")
        rate = cls(float(n), float(s or 1))
        if rate.tokens <= 0 or rate.seconds <= 0:
            raise ValueError(f"rate must be N/SECONDS with positive numbers, not {text!r}")
        return rate


class Buckets:
    def __init__(self, rate: Rate, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float) -> float:
        """0 when a token was taken, else the seconds until one is there."""
        per_second = self.rate.tokens / self.rate.seconds
        tokens, at = self._buckets.pop(key, (self.rate.tokens, now))
        tokens = min(self.rate.tokens, tokens + (now - at) * per_second)
        if tokens >= 1:
            tokens -= 1
            wait = 0.0
        else:
            wait = (1 - tokens) / per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


class Limits:
    """The limits of `POST /api/leads`."""

    def __init__(self, per_ip: str, per_person: str, trusted_proxies: str = "") -> None:
        ip, person = Rate.parse(per_ip), Rate.parse(per_person)
        self.ip = Buckets(ip) if ip else None
        self.person = Buckets(person) if person else None
        self.trusted = frozenset(p.strip() for p in trusted_proxies.split(",") if p.strip())

    def client_key(self, remote: str | None, forwarded_for: str | None) -> str:
        """The caller's address; behind a trusted proxy, the last address it added. IPv6
        callers are counted per /64 (one host usually owns the whole prefix)."""
        addr = remote or "?"
        if forwarded_for and addr in self.trusted:
            hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
            while hops and hops[-1] in self.trusted:
                hops.pop()
            if hops:
                addr = hops[-1]
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return addr[:64]
        if ip.version == 6:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)
