"""Issue 20's figures, against the strict fake platforms (tests/adapters/strict.py) on
127.0.0.1, through the real senders and the real delivery loop:

    .venv/bin/python -m benchmarks.platforms [--cards 50] [--burst 200]

1. the conformance matrix: every notification kind and the dialogs' card shapes × normal /
   extreme × WeCom / Feishu / DingTalk × 1:1 / group — cells, and requests the strict fakes
   refused or dropped (want 0);
2. a crash with WeCom cards: `--cards` assignment cards pushed by a delivery worker that
   dies after WeCom accepted them and before it marked them sent; a second worker takes the
   rows after the lease and sends them again — cards delivered twice (want 0);
3. a burst of `--burst` pushes to one WeCom member: delivered, silently dropped (want 0)
   and the minutes it took (WeCom takes 30 a minute per member).

Time in 2 and 3 is a frozen clock shared by the loop and the fake: no real waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


async def matrix_figures() -> tuple[int, int, dict[str, int], float]:
    from tests.adapters.conformance import Matrix
    from tests.adapters.fakes import FakePlatform

    fakes = {p: FakePlatform().start() for p in ("wecom", "feishu", "dingtalk")}
    t0 = time.perf_counter()
    try:
        m = Matrix(fakes).setup()
        try:
            cells = await m.run()
        finally:
            await m.close()
        delivered = {p: len(s.delivered) for p, s in m.strict.items()}
        return cells, len(m.failures), delivered, time.perf_counter() - t0
    finally:
        for f in fakes.values():
            f.stop()


async def seeded(url: str, reps: int) -> list[int]:
    from crm_core.db import Database
    from crm_core.models import User, UserIdentity

    db = Database(url)
    try:
        async with db.sessions() as s:
            users = [User(login=f"rep{i}", name=f"销售{i}") for i in range(reps)]
            s.add_all(users)
            await s.flush()
            s.add_all([UserIdentity(user_id=u.id, platform="wecom",
                                    platform_user_id=f"rep{i}")
                       for i, u in enumerate(users)])
            await s.commit()
            return [int(u.id) for u in users if u.id is not None]
    finally:
        await db.dispose()


async def queue(url: str, clock: Any, rows: list[tuple[str, int, dict[str, Any], str]]) -> None:
    from crm_core.db import Database
    from crm_core.uow import UnitOfWork

    db = Database(url)
    try:
        async with UnitOfWork(db, clock) as uow:
            for kind, rid, payload, key in rows:
                uow.notify(kind, rid, payload, dedupe_key=key)
            await uow.commit()
    finally:
        await db.dispose()


def wecom_sender(fake: Any) -> Any:
    from adapters.wecom.outbound import WeComApi, WeComSender

    return WeComSender(WeComApi(f"{fake.url}/cgi-bin/", "ww1", "s", "1000002", backoff=0.01))


async def crash_figures(url: str, cards: int) -> tuple[int, int, int, int]:
    """(cards queued, requests WeCom got, delivered, delivered twice)."""
    from bot.addressing import BotPresenter
    from bot.render import example_for
    from crm_core.clock import FrozenClock
    from crm_core.db import Database
    from scheduler.delivery import Deliverer, DeliveryConfig
    from tests.adapters.fakes import FakePlatform
    from tests.adapters.strict import StrictWeCom

    clock = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    ids = await seeded(url, 10)
    lead = dict(example_for("lead.assigned") or {})
    await queue(url, clock, [("lead.assigned", ids[i % len(ids)], {**lead, "lead_id": 1000 + i},
                              f"lead.assigned:{1000 + i}") for i in range(cards)])
    fake = FakePlatform().start()
    strict = StrictWeCom(fake, clock=lambda: clock.now().timestamp()).install()
    db = Database(url)
    cfg = DeliveryConfig(lease_seconds=120, mark_batch=10_000, batch_size=cards)
    try:
        sender = wecom_sender(fake)
        dying = Deliverer(db, clock, {"wecom": sender}, presenter=BotPresenter(), config=cfg,
                          worker_id="dies")

        async def never_marked(_stats: Any) -> None:       # the kill -9 before the mark
            dying._marks.clear()

        dying._flush_marks = never_marked                  # type: ignore[method-assign]
        await dying.run_once()
        clock.advance(timedelta(seconds=121))              # the lease runs out
        second = Deliverer(db, clock, {"wecom": sender}, presenter=BotPresenter(),
                           config=cfg, worker_id="takes-over")
        await second.drain()
        await sender.api.close()
    finally:
        await db.dispose()
        fake.stop()
    seen = Counter((d.to, d.body["template_card"]["task_id"]) for d in strict.delivered
                   if d.body.get("msgtype") == "template_card")
    requests = len(fake.calls("/cgi-bin/message/send"))
    return cards, requests, sum(seen.values()), sum(n - 1 for n in seen.values() if n > 1)


async def burst_figures(url: str, n: int) -> tuple[int, int, int, int]:
    """(pushed, delivered, silently dropped, minutes)."""
    from bot.addressing import BotPresenter
    from crm_core.clock import FrozenClock
    from crm_core.db import Database
    from scheduler.delivery import Deliverer, DeliveryConfig
    from tests.adapters.fakes import FakePlatform
    from tests.adapters.strict import StrictWeCom

    clock = FrozenClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    [rep] = await seeded(url, 1)
    await queue(url, clock, [("lead.merged", rep, {"lead_id": 7, "company": "鼓楼医院",
                                                   "name": "钱霞", "channel": "官网表单",
                                                   "message": f"第{i}次咨询"},
                              f"burst:{i}") for i in range(n)])
    fake = FakePlatform().start()
    strict = StrictWeCom(fake, clock=lambda: clock.now().timestamp()).install()
    db = Database(url)
    minutes = 0
    try:
        sender = wecom_sender(fake)
        d = Deliverer(db, clock, {"wecom": sender}, presenter=BotPresenter(),
                      config=DeliveryConfig(batch_size=50))
        while len(strict.delivered) + len(strict.dropped) < n and minutes < 120:
            await d.drain()
            clock.advance(timedelta(minutes=1))
            minutes += 1
        await sender.api.close()
    finally:
        await db.dispose()
        fake.stop()
    return n, len(strict.delivered), len(strict.dropped), minutes


def fresh_db(tmp: Path, name: str) -> str:
    from crm_core.db import migrate

    url = f"sqlite:///{tmp / name}.db"
    migrate(url)
    return url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=50)
    ap.add_argument("--burst", type=int, default=200)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="crmbot-platforms-"))
    try:
        cells, bad, delivered, took = asyncio.run(matrix_figures())
        print(f"conformance matrix: {cells} cells (kinds × normal/extreme × 3 platforms × "
              f"1:1/group), {bad} refused or dropped by the strict fakes; messages delivered "
              f"{delivered}; {took:.1f} s")
        cards, requests, got, doubles = asyncio.run(crash_figures(fresh_db(tmp, "crash"),
                                                                  args.cards))
        print(f"crash with WeCom cards: {cards} cards, {requests} message/send requests "
              f"(sent, worker killed before the mark, sent again after the lease), "
              f"{got} delivered, {doubles} delivered twice")
        pushed, arrived, dropped, minutes = asyncio.run(burst_figures(fresh_db(tmp, "burst"),
                                                                      args.burst))
        print(f"burst to one WeCom member: {pushed} pushes, {arrived} delivered, {dropped} "
              f"silently dropped, over {minutes} minutes (30 a minute)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
