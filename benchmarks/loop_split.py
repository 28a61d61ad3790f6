"""Where a message's time inside the bot goes on the event loop (`benchmarks.chat --split`).

Every callback the loop runs (`asyncio.events.Handle._run`: a task's step, a transport's
callback) is timed and tagged with the message whose context it ran in (a context variable
set when `Bot.handle` starts; the tasks it starts inherit it). For each message's
`Bot.handle` interval this gives:

- **own**: the wall time of that message's own steps: its CPU (**own CPU**, the thread's
  CPU time in them) and the time the process was descheduled in the middle of one;
- **other**: the loop running other messages' work in that interval (callbacks, their
  handles, replies being sent), which the message waits behind;
- **waiting**: the loop idle: nothing to run until the database answers.

On SQLite the statements run inline, so own is the whole interval. Benchmark-only: it patches
asyncio in the server process it is enabled in.
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

_MESSAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "bench_split_message", default=None)
_RUNS: list[tuple[float, float, str | None, float]] = []   # (start, end, message, CPU)
_HANDLES: list[tuple[float, float, str]] = []           # Bot.handle (start, end, message)
_ON = [False]
_PLAIN_RUN = asyncio.events.Handle._run


def _timed_run(self: asyncio.events.Handle) -> None:
    if not _ON[0]:
        _PLAIN_RUN(self)
        return
    t0, c0 = time.perf_counter(), time.thread_time()
    try:
        _PLAIN_RUN(self)
    finally:
        ctx = self._context          # type: ignore[attr-defined]
        _RUNS.append((t0, time.perf_counter(), ctx.get(_MESSAGE) if ctx is not None else None,
                      time.thread_time() - c0))


def install(bot: Any) -> None:
    """Time the loop's callbacks in this process and tag `bot.handle`'s intervals."""
    asyncio.events.Handle._run = _timed_run        # type: ignore[method-assign]
    handle: Callable[..., Awaitable[Any]] = bot.handle

    async def traced(incoming: Any, *args: Any, **kwargs: Any) -> Any:
        _MESSAGE.set(incoming.event_id)
        t0 = time.perf_counter()
        try:
            return await handle(incoming, *args, **kwargs)
        finally:
            if _ON[0]:
                _HANDLES.append((t0, time.perf_counter(), incoming.event_id))

    bot.handle = traced


def start() -> None:
    _RUNS.clear()
    _HANDLES.clear()
    _ON[0] = True


def collect() -> dict[str, list[float]]:
    """Per message handled since `start`: own, own CPU, other and waiting seconds (see
    module)."""
    _ON[0] = False
    runs = sorted(_RUNS)
    starts = [r[0] for r in runs]
    out: dict[str, list[float]] = {"own": [], "own_cpu": [], "other": [], "waiting": []}
    for a, b, message in _HANDLES:
        own = own_cpu = other = 0.0
        for t0, t1, tag, cpu in runs[max(bisect.bisect_left(starts, a) - 1, 0):]:
            if t0 >= b:
                break
            overlap = max(0.0, min(t1, b) - max(t0, a))
            if tag == message:
                own += overlap
                own_cpu += cpu * overlap / (t1 - t0) if t1 > t0 else 0.0
            else:
                other += overlap
        out["own"].append(own)
        out["own_cpu"].append(own_cpu)
        out["other"].append(other)
        out["waiting"].append(max(0.0, b - a - own - other))
    return out


def describe(split: dict[str, list[float]]) -> str:
    """One line: the mean of each part in ms (means add up to the mean bot time)."""
    if not split.get("own"):
        return "no messages"
    parts = {k: statistics.fmean(v) * 1000 for k, v in split.items()}
    return (f"own steps {parts['own']:.2f} ms (CPU {parts['own_cpu']:.2f} ms), other "
            f"messages' work {parts['other']:.2f} ms, waiting for the database "
            f"{parts['waiting']:.2f} ms (means)")
