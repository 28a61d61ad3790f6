"""`crmbot outbox [--status pending|sent|dead] [--limit N]`: what was or will be pushed."""

from __future__ import annotations

import argparse
import logging

from sqlmodel import col

from adapters.cli._common import add_db_arg, quiet_libraries, run, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="show the outbox (pushes sent, pending, dead)")
    add_db_arg(p)
    p.add_argument("--status", choices=("pending", "sending", "sent", "dead"))
    p.add_argument("--kind", help="only this notification kind (sla.alert, digest.rep, …)")
    p.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from crm_core.clock import make_clock
    from crm_core.db import Database, migrate
    from crm_core.models import OutboxMessage, User
    from scheduler.delivery import outbox_counts

    quiet_libraries()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    s = settings()
    url = args.database_url or s.database_url

    async def go() -> int:
        migrate(url)
        db = Database(url)
        tz = make_clock(s.now, s.timezone).tz
        try:
            counts = await outbox_counts(db)
            print("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                or "empty"))
            q = (sa.select(OutboxMessage, col(User.login))
                 .outerjoin(User, col(User.id) == col(OutboxMessage.recipient_id))
                 .order_by(col(OutboxMessage.id).desc()).limit(args.limit))
            if args.status:
                q = q.where(col(OutboxMessage.status) == args.status)
            if args.kind:
                q = q.where(OutboxMessage.kind == args.kind)
            async with db.sessions() as sess:
                rows = (await sess.execute(q)).all()
            for m, login in rows:
                when = (m.sent_at or m.next_attempt_at).astimezone(tz).strftime("%m-%d %H:%M")
                err = f"  ! {m.last_error}" if m.last_error else ""
                to = login or m.chat_id or "-"
                print(f"#{m.id:<6} {m.status:<8} {when}  {m.kind:<22} → {to:<12}"
                      f" try {m.attempts}  {m.dedupe_key}{err}")
            return 0
        finally:
            await db.dispose()

    return run(go)
