"""When a commit may return before its WAL is on disk.

A chat message reaches the bot from the inbox (`crm_core.services.inbox`): the platform's
callback was stored, durably, before it was acknowledged, and its row is marked done only
after the bot has answered. Everything the bot writes for that message can therefore be
derived again from the stored row. Such work runs inside `replayable()`, and on PostgreSQL
its commits do not wait for the disk (`synchronous_commit = off` for that transaction):

- the reply goes out one disk flush sooner, and the audit chain's lock (held to the commit)
  is released before the flush instead of after it;
- nothing is lost: WAL is written in order, so the inbox's own `finish` (a normal, durable
  commit after the answer) flushes the message's work with it. Only a crash of the database
  server between the two can lose that work — together with everything after it, never a
  hole — and then the row is still `working` and is handled again after its lease;
- other transactions see the commit at once, as any other: visibility does not wait for
  the flush.

Everything else (leads posted over HTTP, the command line — imports, an admin's changes made
there —, scheduled jobs, the inbox rows themselves) commits as usual; an admin's change
made in chat is a chat message like any other. SQLite needs nothing here: it runs with
`synchronous=NORMAL` in WAL mode, where no commit waits for the disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_REPLAYABLE: ContextVar[bool] = ContextVar("crmbot_replayable", default=False)


@contextmanager
def replayable() -> Iterator[None]:
    """Work derived from a durably stored input that is marked done only after it: its
    commits may return before they reach the disk (see the module's note)."""
    token = _REPLAYABLE.set(True)
    try:
        yield
    finally:
        _REPLAYABLE.reset(token)


def commit_may_lag() -> bool:
    """True inside `replayable()`."""
    return _REPLAYABLE.get()
