"""Delivery of 10 000 queued messages against a fake platform on 127.0.0.1, at its rate
limit, with a `kill -9` of the delivering process half-way and a restart.

    .venv/bin/python benchmarks/delivery.py [--messages 10000] [--rate 400] [--backend postgres]

The fake platform (an aiohttp server, a separate process) enforces a token-bucket rate limit
(HTTP 429 beyond it) and, like Feishu's `uuid` or WeCom's duplicate check, drops a repeated
idempotency key (the outbox dedupe key: the `delivery_key` the loop passes to
`Sender.send`). It counts what reached users, and the repeated
requests it dropped: those would be the doubles on a platform without such a key.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.addressing import BotPresenter

HERE = Path(__file__).resolve()


# --- the fake platform ------------------------------------------------------------------------
def serve(port: int, rate: float) -> None:
    from aiohttp import web

    seen: dict[str, str] = {}
    stats = {"delivered": 0, "duplicates": 0, "rejected_429": 0}
    bucket = {"tokens": float(max(1, rate / 5)), "stamp": time.monotonic()}
    cap = float(max(1, rate / 5))

    async def send(req: web.Request) -> web.Response:
        now = time.monotonic()
        bucket["tokens"] = min(cap, bucket["tokens"] + (now - bucket["stamp"]) * rate)
        bucket["stamp"] = now
        if bucket["tokens"] < 1:
            stats["rejected_429"] += 1
            return web.json_response({"errcode": 45009, "errmsg": "api freq out of limit"},
                                     status=429)
        bucket["tokens"] -= 1
        body = await req.json()
        key = str(body["uuid"])
        if key in seen:
            stats["duplicates"] += 1
            return web.json_response({"errcode": 0, "msgid": seen[key], "duplicate": True})
        seen[key] = f"m{len(seen) + 1}"
        stats["delivered"] += 1
        return web.json_response({"errcode": 0, "msgid": seen[key]})

    async def get_stats(_: web.Request) -> web.Response:
        return web.json_response({**stats, "distinct": len(seen)})

    app = web.Application()
    app.router.add_post("/send", send)
    app.router.add_get("/stats", get_stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# --- the delivering process ---------------------------------------------------------------
async def deliver(url: str, port: int, rate: float) -> None:
    import aiohttp

    from bot.messages import ChatRef, Reply, Text
    from bot.ports import SendError
    from crm_core.clock import SystemClock
    from crm_core.db import Database
    from scheduler.delivery import Deliverer, DeliveryConfig
    from scheduler.ratelimit import RecipientBudget

    class HttpSender:
        def __init__(self, session: aiohttp.ClientSession) -> None:
            self.session = session

        async def send(self, to: ChatRef, reply: Reply, *,
                       delivery_key: str | None = None) -> str | None:
            text = reply.text if isinstance(reply, Text) else str(reply)
            async with self.session.post(f"http://127.0.0.1:{port}/send", json={
                    "touser": to.user_id, "text": text, "uuid": delivery_key}) as r:
                data = await r.json()
                if r.status == 429:
                    raise SendError("rate limited", retryable=True)
                if r.status != 200 or data.get("errcode"):
                    raise SendError(str(data), retryable=r.status >= 500)
                return str(data["msgid"])

    db = Database(url)
    cfg = DeliveryConfig(batch_size=100, concurrency=32, lease_seconds=5,
                         base_backoff_seconds=0.5, rates={"wecom": (rate, max(1, int(rate / 20)))})
    async with aiohttp.ClientSession() as session:
        # the fake has one recipient and its own rate limit, no per-member windows
        d = Deliverer(db, SystemClock(), {"wecom": HttpSender(session)},
                      presenter=BotPresenter(), config=cfg, budget=RecipientBudget({}))
        await d.run_forever(poll_seconds=0.2)


# --- the run ------------------------------------------------------------------------------
async def seed(url: str, n: int) -> None:
    from crm_core.db import Database
    from crm_core.models import OutboxMessage, User, UserIdentity

    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.sessions() as s:
            u = User(login="rep1", name="张伟")
            s.add(u)
            await s.flush()
            s.add(UserIdentity(user_id=u.id, platform="wecom", platform_user_id="zhangwei"))
            await s.flush()
            await s.execute(sa.insert(OutboxMessage.__table__), [  # type: ignore[attr-defined]
                {"kind": "bench.text", "recipient_id": u.id, "payload": {"text": f"消息 {i}"},
                 "dedupe_key": f"bench:{i}", "status": "pending", "attempts": 0,
                 "next_attempt_at": now, "created_at": now} for i in range(n)])
            await s.commit()
    finally:
        await db.dispose()


async def db_counts(url: str) -> dict[str, int]:
    from crm_core.db import Database
    from scheduler.delivery import outbox_counts

    db = Database(url)
    try:
        return await outbox_counts(db)
    finally:
        await db.dispose()


def stats(port: int) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
        return dict(json.loads(r.read()))


def spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HERE), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=400.0, help="platform limit, messages/s")
    ap.add_argument("--port", type=int, default=18765)
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--deliver", metavar="URL", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        serve(a.port, a.rate)
        return 0
    if a.deliver:
        asyncio.run(deliver(a.deliver, a.port, a.rate))
        return 0

    from crm_core.db import migrate

    tmp = Path(tempfile.mkdtemp())
    if a.backend == "sqlite":
        url = f"sqlite:///{tmp / 'delivery.db'}"
    else:
        import psycopg

        admin = os.environ.get("CRMBOT_BENCH_POSTGRES_URL",
                               "postgresql://postgres@127.0.0.1:5432/test")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS crmbot_bench_delivery WITH (FORCE)")
            conn.execute("CREATE DATABASE crmbot_bench_delivery")
        url = admin.rsplit("/", 1)[0] + "/crmbot_bench_delivery"
    migrate(url)
    asyncio.run(seed(url, a.messages))
    server = spawn("--serve", "--port", str(a.port), "--rate", str(a.rate))
    procs: list[subprocess.Popen[bytes]] = [server]
    try:
        for _ in range(100):
            try:
                stats(a.port)
                break
            except OSError:
                time.sleep(0.1)
        t0 = time.perf_counter()
        first = spawn("--deliver", url, "--port", str(a.port), "--rate", str(a.rate))
        procs.append(first)
        while stats(a.port)["delivered"] < a.messages // 2:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)                       # kill -9 half-way
        first.wait()
        at_kill = stats(a.port)
        in_flight = asyncio.run(db_counts(url)).get("sending", 0)
        print(f"[{a.backend}] kill -9 after {time.perf_counter() - t0:.1f}s: "
              f"{at_kill['delivered']} delivered, {in_flight} rows left 'sending'")
        second = spawn("--deliver", url, "--port", str(a.port), "--rate", str(a.rate))
        procs.append(second)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            c = asyncio.run(db_counts(url))
            if c.get("sent", 0) + c.get("dead", 0) >= a.messages:
                break
            time.sleep(0.2)
        took = time.perf_counter() - t0
        c = asyncio.run(db_counts(url))
        s = stats(a.port)
        lost = a.messages - s["distinct"]
        print(f"[{a.backend}] {a.messages} messages at a platform limit of {a.rate:.0f}/s: "
              f"{took:.1f}s wall ({a.messages / took:.0f}/s incl. restart and 5 s lease expiry)")
        print(f"[{a.backend}] outbox: {c}")
        print(f"[{a.backend}] platform: {s['distinct']} distinct delivered, lost {lost}, "
              f"doubled 0 visible; {s['duplicates']} re-sent requests dropped by the "
              f"platform's idempotency key (doubles without one), {s['rejected_429']} × 429")
        ok = lost == 0 and c.get("sent", 0) == a.messages
        print(f"[{a.backend}] {'OK' if ok else 'FAILED'}: 0 lost, 0 doubled")
        return 0 if ok else 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
