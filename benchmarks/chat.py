"""Chat-path latency: a text follow-up through the encrypted WeCom callback (and the signed,
encrypted Feishu event) to the reply sent on a fake platform API, with the real bot on a
demo SQLite database.

    .venv/bin/python -m benchmarks.chat                    # both platforms, 100 msg/s, 20 s
    .venv/bin/python -m benchmarks.chat --platform wecom --rate 100 --duration 30
    .venv/bin/python -m benchmarks.chat --bot echo         # adapters only (a canned reply)

Layout: the server under test (aiohttp app + adapters + bot + database) runs in a child
process pinned to `--cores` (default 0,1); the fake platform (gettoken, message/send,
user/get; tenant token, im/v1/messages, contact) and an open-loop load generator run in the
parent (pinned to the same cores when the machine has only two). Messages come from the 12
demo reps round-robin; each rep is bound once through the platform's user API during the
warm-up. Each callback comes on its own connection, as from the platform's many servers, so
that SO_REUSEPORT spreads them over `--processes` (on one kept-alive connection every message
went to one process). Printed per run: how the messages were spread, and the platform sends
per message.

Server-side latency = from the moment the callback handler starts to the moment the last
reply's message/send call has returned (the adapter's Dispatcher records it). Also printed:
the callback's HTTP round trip as the client saw it (the platform's view of the ack).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from benchmarks import loop_split, machine

TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"
FEISHU_KEY = "bench-encrypt-key"
FEISHU_TOKEN = "bench-verification-token"
REPS = ["zhangwei", "wanglei", "lina", "zhaomin", "sunhao", "wujing", "xuming", "mali",
        "hujie", "guoqiang", "linfeng", "gaojie"]
SENTENCES = [
    "今天拜访了省人医王主任，聊了新设备，下周四下午带方案再去",
    "刚和鼓楼医院李主任电话沟通了报价，他们挺感兴趣，周五再约",
    "上午去了中大医院设备科，对方说预算还没批，下个月初再跟",
    "和省中医院的采购开了个会，要我们补充资质材料，明天发过去",
]


# --------------------------------------------------------------------------- fake platform

class FakeApi:
    """qyapi + Feishu open API, enough for the chat path; runs in its own thread."""

    def __init__(self) -> None:
        self.port = 0
        self.sends = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def start(self) -> FakeApi:
        threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True).start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        r = app.router
        r.add_get("/cgi-bin/gettoken", self._json({"errcode": 0, "access_token": "tok",
                                                    "expires_in": 7200}))
        r.add_post("/cgi-bin/message/send", self._send({"errcode": 0, "msgid": "m1"}))
        r.add_get("/cgi-bin/user/get", self._user_wecom)
        r.add_post("/open-apis/auth/v3/tenant_access_token/internal",
                   self._json({"code": 0, "tenant_access_token": "t-1", "expire": 7200}))
        r.add_post("/open-apis/im/v1/messages",
                   self._send({"code": 0, "data": {"message_id": "om_1"}}))
        r.add_get("/open-apis/contact/v3/users/{uid}", self._user_feishu)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    @staticmethod
    def _json(body: dict[str, Any]) -> Any:
        async def handler(_: web.Request) -> web.Response:
            return web.json_response(body)
        return handler

    def _send(self, body: dict[str, Any]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            await request.read()
            self.sends += 1
            return web.json_response(body)
        return handler

    async def _user_wecom(self, request: web.Request) -> web.Response:
        uid = request.query["userid"]
        return web.json_response({"errcode": 0, "userid": uid, "name": uid,
                                  "email": f"{uid}@kangyuan-med.cn"})

    async def _user_feishu(self, request: web.Request) -> web.Response:
        login = request.match_info["uid"].removeprefix("ou_")
        return web.json_response({"code": 0, "data": {"user": {
            "name": login, "email": f"{login}@kangyuan-med.cn"}}})


# --------------------------------------------------------------------------- server process

def server_main(conn: Any, fake_url: str, db_url: str, cores: list[int], bot_kind: str,
                feishu_rate: float | None, port: int, split: bool = False) -> None:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cores))
    if feishu_rate is not None:
        import adapters.feishu.outbound

        adapters.feishu.outbound.RATE_PER_S = feishu_rate
    import logging

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve_app(conn, fake_url, db_url, bot_kind, port, split))


async def _serve_app(conn: Any, fake_url: str, db_url: str, bot_kind: str, port: int,
                     split: bool = False) -> None:
    from adapters import feishu, wecom
    from adapters.context import AppContext
    from crm_core.clock import SystemClock
    from crm_core.db import Database
    from crm_core.settings import Settings

    settings = Settings(
        _env_file=None, database_url=db_url,
        wecom_corp_id=CORP_ID, wecom_agent_id="1000002", wecom_secret="s", wecom_token=TOKEN,
        wecom_aes_key=AES_KEY, wecom_api_base=f"{fake_url}/cgi-bin/",
        feishu_app_id="cli_bench", feishu_app_secret="s", feishu_encrypt_key=FEISHU_KEY,
        feishu_verification_token=FEISHU_TOKEN, feishu_api_base=fake_url)
    db = Database(db_url)
    from benchmarks.dialog import ROUND_TRIPS, count_round_trips

    if db.dialect == "postgresql":
        count_round_trips(db)
    clock = SystemClock()
    ctx = AppContext(settings=settings, db=db, clock=clock, bot=None)
    if bot_kind == "real":
        from bot.core import Bot

        ctx.bot = Bot(db, clock, settings, directories=ctx.directories)
    else:
        ctx.bot = EchoBot()
    if split:
        loop_split.install(ctx.bot)
    app = web.Application()
    wecom.setup(ctx, app)
    feishu.setup(ctx, app)
    # PostgreSQL with autovacuum off: vacuum and analyse as `crmbot serve` does, else a long
    # run on one database (benchmarks.headroom) measures its own table bloat
    from adapters.app import attach_db_upkeep

    attach_db_upkeep(ctx)
    background = [asyncio.create_task(start()) for start in ctx.background]
    dispatchers = [app[wecom.APP_KEY].dispatcher, app[feishu.APP_KEY].dispatcher]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, reuse_port=True)   # N processes, one port
    await site.start()
    conn.send(port)
    loop = asyncio.get_running_loop()
    cpu0 = time.process_time()
    profile_to = os.environ.get("CRMBOT_BENCH_PROFILE")     # a cProfile of the measured part
    profiler: Any = None
    while True:
        cmd = await loop.run_in_executor(None, conn.recv)
        if cmd == "reset":
            for d in dispatchers:
                await d.drain(30)
                d.timing.clear()
                d.timing.enabled = True
                d.errors = 0
            if profile_to:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            cpu0 = time.process_time()
            ROUND_TRIPS[0] = 0
            if split:
                loop_split.start()
            conn.send("ok")
        elif cmd == "collect":
            for d in dispatchers:
                await d.drain(30)
            cpu = time.process_time() - cpu0
            parts: dict[str, list[float]] = {}
            if split:
                parts = loop_split.collect()
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{profile_to}.{os.getpid()}")
                profiler = None
            conn.send({d.platform: {"samples": d.timing.samples, "bot": d.timing.bot,
                                    "errors": d.errors, "cpu_s": cpu,
                                    "round_trips": ROUND_TRIPS[0], "split": parts}
                       for d in dispatchers})
        elif cmd == "stop":
            break
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    for close in reversed(ctx.closers):
        await close()
    await runner.cleanup()


class EchoBot:
    async def first_time(self, platform: str, event_id: str) -> bool:
        return True

    async def handle(self, incoming: Any, respond: Any = None) -> list[Any]:
        from bot.messages import Text

        return [Text("收到：" + incoming.text)]


# --------------------------------------------------------------------------- load

def wecom_requests(n: int, start_ts: int, first: int = 0
                   ) -> list[tuple[str, dict[str, str], bytes]]:
    from wechatpy.crypto import _get_signature
    from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

    key = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key
    out = []
    for i in range(first, first + n):
        user = REPS[i % len(REPS)]
        ts = str(start_ts)
        plain = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA["
                 f"{user}]]></FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]>"
                 f"</MsgType><Content><![CDATA[{SENTENCES[i % len(SENTENCES)]}]]></Content>"
                 f"<MsgId><![CDATA[bench-{start_ts}-{i}]]></MsgId><AgentID>1000002</AgentID>"
                 f"</xml>")
        enc = PrpCrypto(key).encrypt(plain, CORP_ID).decode()
        nonce = str(random.randrange(10**9))
        sig = _get_signature(TOKEN, ts, nonce, enc)
        body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{enc}]]>"
                f"</Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>").encode()
        out.append(("/wecom/callback", {"msg_signature": sig, "timestamp": ts, "nonce": nonce},
                    body))
    return out


def feishu_requests(n: int, start_ts: int, first: int = 0
                    ) -> list[tuple[str, dict[str, str], bytes]]:
    from adapters.feishu.inbound import encrypt_for_tests, signature

    out = []
    for i in range(first, first + n):
        user = REPS[i % len(REPS)]
        event = {"schema": "2.0",
                 "header": {"event_id": f"bench-{start_ts}-{i}", "token": FEISHU_TOKEN,
                            "event_type": "im.message.receive_v1",
                            "create_time": str(start_ts * 1000), "app_id": "cli_bench"},
                 "event": {"sender": {"sender_id": {"open_id": f"ou_{user}"},
                                      "sender_type": "user"},
                           "message": {"message_id": f"om_{i}", "chat_id": f"oc_{user}",
                                       "chat_type": "p2p", "message_type": "text",
                                       "create_time": str(start_ts * 1000),
                                       "content": json.dumps(
                                           {"text": SENTENCES[i % len(SENTENCES)]},
                                           ensure_ascii=False)}}}
        body = json.dumps({"encrypt": encrypt_for_tests(FEISHU_KEY, json.dumps(event),
                                                        os.urandom(16))}).encode()
        ts, nonce = str(start_ts), str(random.randrange(10**9))
        headers = {"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce,
                   "X-Lark-Signature": signature(ts, nonce, FEISHU_KEY, body),
                   "Content-Type": "application/json"}
        out.append(("/feishu/events", headers, body))
    return out


async def fire(base: str, reqs: list[tuple[str, dict[str, str], bytes]], rate: float,
               feishu_mode: bool, quiet: bool = False) -> tuple[list[float], int]:
    """Open loop: request i goes out at t0 + i/rate whatever happened to the others."""
    acks: list[float] = []
    failures = 0
    async with ClientSession(connector=TCPConnector(limit=256, force_close=True),
                             timeout=ClientTimeout(total=10)) as session:
        async def one(path: str, extra: dict[str, str], body: bytes) -> None:
            nonlocal failures
            t = time.perf_counter()
            try:
                if feishu_mode:
                    resp = await session.post(base + path, data=body, headers=extra)
                else:
                    resp = await session.post(base + path, params=extra, data=body)
                await resp.read()
                if resp.status != 200:
                    failures += 1
            except Exception:
                failures += 1
            acks.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        tasks = []
        for i, (path, extra, body) in enumerate(reqs):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(path, extra, body)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    achieved = len(reqs) / elapsed
    if not quiet:
            print(f"  sent {len(reqs)} callbacks in {elapsed:.1f} s ({achieved:.1f}/s), "
              f"{failures} non-200")
    return acks, failures


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def prepare_db(bot_kind: str, postgres: str | None) -> tuple[str, str, Any]:
    """A fresh demo database: SQLite in a temp dir, or a new PostgreSQL database created
    through the admin URL `postgres`. Returns (temp dir, url, cleanup)."""
    tmp = tempfile.mkdtemp(prefix="crmbot-bench-")
    cleanup: Any = None
    if postgres:
        import psycopg

        name = f"crmbot_bench_chat_{os.getpid()}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        url = postgres.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        url = f"sqlite:///{tmp}/bench.db"
    from crm_core.db import migrate

    migrate(url)        # the echo bot too: the adapters store callbacks in inbox_event
    if bot_kind == "real":
        from crm_core.clock import FrozenClock, SystemClock
        from crm_core.db import Database
        from crm_core.demo.seed import seed_demo
        from crm_core.uow import Actor, UnitOfWork


        async def seed() -> None:
            db = Database(url)
            async with UnitOfWork(db, FrozenClock(SystemClock().now()),
                                  Actor.system("demo")) as uow:
                await seed_demo(uow)
            await db.dispose()

        asyncio.run(seed())
    return tmp, url, cleanup


def settle_generator() -> None:
    """The load generator's heap out of the garbage collector's full passes: one over what
    seeding the demo databases left in this process stalled it for 230 ms in the middle of
    a round, and the callbacks it owed went out in one burst (measured with gc.callbacks)."""
    gc.collect()
    gc.freeze()


class Target:
    """One server under test: a fresh demo database (SQLite, or PostgreSQL through an admin
    URL), `processes` server processes on one port, pinned to `cores`. `measure` fires a
    batch of callbacks at it and keeps their figures; `figures` sums every batch so far, so
    two targets can take turns in short slices on the same machine
    (`benchmarks.headroom --interleave`)."""

    def __init__(self, fake: FakeApi, *, bot: str = "real", postgres: str | None = None,
                 processes: int = 1, cores: list[int] | None = None, split: bool = False,
                 feishu_rate: float | None = None) -> None:
        self.postgres = postgres
        self.tmp, self.db_url, self._cleanup = prepare_db(bot, postgres)
        self.fake = fake
        ctx = mp.get_context("spawn")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.servers = []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=server_main, args=(child, f"http://127.0.0.1:{fake.port}",
                                                         self.db_url, cores or [], bot,
                                                         feishu_rate, self.port, split),
                               daemon=True)
            proc.start()
            self.servers.append((proc, parent))
        for _, parent in self.servers:
            parent.recv()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sent = 0                      # callbacks made so far (their ids stay unique)
        self._batches: dict[str, list[dict[str, Any]]] = {}

    def requests(self, platform: str, n: int) -> list[tuple[str, dict[str, str], bytes]]:
        make = wecom_requests if platform == "wecom" else feishu_requests
        reqs = make(n, int(time.time()), self.sent)
        self.sent += n
        return reqs

    def warm_up(self, platform: str, n: int, rate: float) -> None:
        asyncio.run(fire(self.base, self.requests(platform, n), rate, platform == "feishu",
                         quiet=True))

    def measure(self, platform: str, n: int, rate: float, quiet: bool = False) -> None:
        """Fire `n` callbacks at `rate`/s and keep what the servers saw of them."""
        reqs = self.requests(platform, n)
        for _, parent in self.servers:
            parent.send("reset")
        for _, parent in self.servers:
            parent.recv()
        sends0 = self.fake.sends
        acks, failures = asyncio.run(fire(self.base, reqs, rate, platform == "feishu", quiet))
        for _, parent in self.servers:
            parent.send("collect")
        parts = [parent.recv()[platform] for _, parent in self.servers]
        self._batches.setdefault(platform, []).append({
            "messages": n, "acks": acks, "failures": failures, "parts": parts,
            "sends": self.fake.sends - sends0})

    def figures(self, platform: str) -> dict[str, Any]:
        """The figures of every batch measured on `platform` so far."""
        batches = self._batches.get(platform, [])
        messages = sum(b["messages"] for b in batches)
        samples: list[float] = []
        bot: list[float] = []
        acks: list[float] = []
        split: dict[str, list[float]] = {"own": [], "own_cpu": [], "other": [], "waiting": []}
        errors = trips = 0
        cpu_s = 0.0
        per_process = [0] * len(self.servers)
        for b in batches:
            acks += b["acks"]
            for k, part in enumerate(b["parts"]):
                samples += part["samples"]
                bot += part["bot"]
                errors += part["errors"]
                cpu_s += part["cpu_s"]
                trips += part["round_trips"]
                per_process[k] += len(part["samples"])
                for key, v in part["split"].items():
                    split[key] += v
        adapter = [t - b for t, b in zip(samples, bot, strict=True)]
        f: dict[str, Any] = {
            "messages": messages, "replied": len(samples),
            "non_200": sum(b["failures"] for b in batches), "server_errors": errors,
            "server_p50_ms": round(pct(samples, 50), 2),
            "server_p90_ms": round(pct(samples, 90), 2),
            "server_p99_ms": round(pct(samples, 99), 2),
            "server_max_ms": round(max(samples) * 1000 if samples else float("nan"), 2),
            "server_mean_ms": round(statistics.fmean(samples) * 1000, 2) if samples else None,
            "ack_p50_ms": round(pct(acks, 50), 2), "ack_p99_ms": round(pct(acks, 99), 2),
            "bot_p50_ms": round(pct(bot, 50), 2),
            "bot_p99_ms": round(pct(bot, 99), 2),
            "adapter_p50_ms": round(pct(adapter, 50), 2),
            "adapter_p99_ms": round(pct(adapter, 99), 2),
            # the server processes' CPU (all threads) over the measured part, per message
            "server_cpu_ms_per_msg": round(cpu_s * 1000 / max(messages, 1), 2),
            # platform API sends (message/send, im/v1/messages) per message
            "sends_per_msg": round(sum(b["sends"] for b in batches) / max(messages, 1), 2),
            # how SO_REUSEPORT spread the messages over the server processes
            "per_process": per_process,
            # PostgreSQL: requests the server processes sent that wait for an answer
            # (benchmarks.dialog.count_round_trips), per message; 0 on SQLite
            "db_round_trips_per_msg": round(trips / max(messages, 1), 2),
        }
        if any(split.values()):
            f["bot_split_ms"] = {k: round(statistics.fmean(v) * 1000, 3) if v else None
                                 for k, v in split.items()}
            f["_split"] = split
        return f

    def forget(self) -> None:
        """Start the figures afresh (the next round)."""
        self._batches.clear()

    def close(self) -> None:
        for _, parent in self.servers:
            parent.send("stop")
        for proc, _ in self.servers:
            proc.join(30)
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self._cleanup is not None:
            self._cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--platform", choices=["wecom", "feishu", "both"], default="both")
    ap.add_argument("--rate", type=float, default=100.0, help="messages per second")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per platform")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up load")
    ap.add_argument("--cores", default="0,1", help="CPU cores of the server ('' = any)")
    ap.add_argument("--bot", choices=["real", "echo"], default="real")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--postgres", metavar="ADMIN_URL",
                    help="run the bot on a fresh PostgreSQL database created through this "
                         "admin URL (e.g. postgresql://postgres@127.0.0.1:5432/test); "
                         "default: SQLite")
    ap.add_argument("--concurrency", type=int, default=None,
                    help="messages the bot handles at once (default: 8 on SQLite, 32 on "
                         "PostgreSQL)")
    ap.add_argument("--processes", type=int, default=1,
                    help="server processes sharing the port (SO_REUSEPORT), all on --cores")
    ap.add_argument("--split", action="store_true",
                    help="split the time inside the bot into its own steps, other messages' "
                         "work and waiting for the database (benchmarks/loop_split.py)")
    ap.add_argument("--feishu-rate-limit", type=float, default=None,
                    help="our client-side cap on Feishu API calls/s. Production caps at 50/s "
                         "(Feishu's documented per-app limit for im/v1/messages); above that "
                         "replies wait their turn. Default here: the production cap when "
                         "--rate is within it, else lifted, to measure the server itself")
    args = ap.parse_args(argv)
    cores = [int(c) for c in args.cores.split(",") if c.strip()]
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cores))      # the load generator shares the 2 cores
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

    if args.concurrency:
        os.environ["CRMBOT_DISPATCH_CONCURRENCY"] = str(args.concurrency)
    fake = FakeApi().start()
    from adapters.feishu.outbound import RATE_PER_S as FEISHU_CAP

    feishu_rate = args.feishu_rate_limit
    if feishu_rate is None and args.rate > FEISHU_CAP and args.platform != "wecom":
        feishu_rate = 10 * args.rate
        print(f"note: in production our Feishu client sends at most {FEISHU_CAP:.0f}/s "
              f"(Feishu's per-app limit), so at {args.rate:.0f} msg/s replies would queue "
              f"behind the platform; this run lifts that cap to measure the server itself "
              f"(--feishu-rate-limit {FEISHU_CAP:.0f} shows the pacing)")
    target = Target(fake, bot=args.bot, postgres=args.postgres, processes=args.processes,
                    cores=cores, split=args.split, feishu_rate=feishu_rate)
    settle_generator()
    print(f"{args.processes} server process(es) on cores {cores or 'any'}, bot={args.bot}, "
          f"db={target.db_url.split(':')[0]}, {machine.describe()}, "
          f"rate {args.rate}/s, load average {os.getloadavg()[0]:.1f} before the run")
    figures: dict[str, Any] = {}
    platforms = ["wecom", "feishu"] if args.platform == "both" else [args.platform]
    try:
        for name in platforms:
            print(f"{name}: warm-up {int(args.warmup * args.rate)} …")
            target.warm_up(name, int(args.warmup * args.rate), args.rate)
            print(f"{name}: measuring {int(args.duration * args.rate)} messages at "
                  f"{args.rate}/s …")
            target.measure(name, int(args.duration * args.rate), args.rate)
            f = figures[name] = target.figures(name)
            split = f.pop("_split", None)
            print(f"  server-side callback→send: p50 {f['server_p50_ms']} ms, "
                  f"p90 {f['server_p90_ms']} ms, p99 {f['server_p99_ms']} ms, "
                  f"max {f['server_max_ms']} ms ({f['replied']}/{f['messages']} replied, "
                  f"{f['server_errors']} errors)")
            print(f"    of which inside the bot (first_time + handle): p50 {f['bot_p50_ms']} ms, "
                  f"p99 {f['bot_p99_ms']} ms; the rest (queueing, crypto, parsing, sends): "
                  f"p50 {f['adapter_p50_ms']} ms, p99 {f['adapter_p99_ms']} ms")
            print(f"  callback ack (client view): p50 {f['ack_p50_ms']} ms, "
                  f"p99 {f['ack_p99_ms']} ms")
            print(f"  server CPU per message (all server processes): "
                  f"{f['server_cpu_ms_per_msg']} ms; platform sends per message: "
                  f"{f['sends_per_msg']}; messages per process: {f['per_process']}")
            if args.postgres:
                print(f"  PostgreSQL round trips per message: {f['db_round_trips_per_msg']}")
            if args.split and split is not None:
                print(f"  inside the bot: {loop_split.describe(split)}")
    finally:
        target.close()
        fake.stop()
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = all(f["server_p50_ms"] <= 30 and f["server_p99_ms"] <= 100
             and f["replied"] == f["messages"] for f in figures.values())
    print("targets p50 ≤ 30 ms, p99 ≤ 100 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
