"""One clock object everywhere. `CRMBOT_NOW` freezes it for demos, tests and time travel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(self.tz)


class FrozenClock:
    """A clock that only moves when told to (`advance`, `set`)."""

    def __init__(self, at: datetime, tz: str = "Asia/Shanghai") -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware instant")
        self.tz = ZoneInfo(tz)
        self._at = at.astimezone(self.tz)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware instant")
        self._at = at.astimezone(self.tz)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def make_clock(frozen_at: datetime | None, tz: str = "Asia/Shanghai") -> Clock:
    return FrozenClock(frozen_at, tz) if frozen_at is not None else SystemClock(tz)
