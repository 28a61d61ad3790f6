"""Issue 12's probes, as an attacker and a busy campaign would send them (127.0.0.1 only):

    .venv/bin/python -m benchmarks.abuse [--rounds 10] [--posts 50] [--backends sqlite,postgres]
    .venv/bin/python -m benchmarks.abuse --only callbacks

Prints, per backend and number of `crmbot serve` processes, the duplicate leads and HTTP 5xx
of `--rounds` rounds of `--posts` parallel posts of one person (and of one client_id); the
5xx of every hostile body; the time to answer each hostile platform callback (an unsigned
250k-element WeCom body, deep XML, unsigned and deep Feishu bodies) and the slowest
`/healthz` meanwhile; the audit bytes per merged post; the 429s of a burst of
one phone; and the role matrix's cross-team actions. PostgreSQL runs when 127.0.0.1:5432
answers (a database of its own, dropped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("CRMBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
FROZEN_NOW = "2026-11-23T10:15:00+08:00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a `crmbot serve` child: this database, no chat platforms, no
    scheduler, no voice model (its warm-up would only cost CPU), rate limits off unless
    `extra` sets them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMBOT_")}
    env.update(CRMBOT_DATABASE_URL=url, CRMBOT_SCHEDULER_ENABLED="false",
               CRMBOT_NOW=FROZEN_NOW, CRMBOT_WHISPER_MODEL_PATH=str(ROOT / "no-voice-model"),
               CRMBOT_LOG_LEVEL="WARNING", CRMBOT_API_RATE_PER_IP="0",
               CRMBOT_API_RATE_PER_PERSON="0")
    env.update(extra)
    return env


@dataclass
class Served:
    ports: list[int]
    refused: list[str] = field(default_factory=list)     # what a refused process said


@contextlib.contextmanager
def serving(url: str, processes: int = 1, **extra: str) -> Iterator[Served]:
    """`processes` real `crmbot serve` children on one database, started one after the
    other. A child that exits instead of listening is reported in `refused` (a second
    process on one SQLite file does, by design)."""
    children: list[subprocess.Popen[str]] = []
    served = Served([])
    try:
        for _ in range(processes):
            port = free_port()
            child = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)],
                cwd=ROOT, env=serve_env(url, **extra), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True)
            children.append(child)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if child.poll() is not None:
                    served.refused.append((child.stdout.read() if child.stdout else "")[-800:])
                    break
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        served.ports.append(port)
                        break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("crmbot serve did not start within 120 s")
        yield served
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
            if child.stdout:
                child.stdout.close()


async def post_parallel(ports: Sequence[int], bodies: Sequence[Mapping[str, Any]],
                        headers: Mapping[str, str] | None = None
                        ) -> list[tuple[int, dict[str, Any]]]:
    """All bodies posted at once, spread over the servers: (status, JSON answer) each."""
    async with aiohttp.ClientSession() as session:
        async def one(i: int, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
            url = f"http://127.0.0.1:{ports[i % len(ports)]}/api/leads"
            async with session.post(url, json=body, headers=headers) as r:
                try:
                    return r.status, await r.json(content_type=None)
                except ValueError:
                    return r.status, {"text": (await r.text())[:200]}

        return list(await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies))))


def leads_with(url: str, phone: str | None = None, client_id: str | None = None) -> int:
    """Leads of one phone or client id, read with the sync driver."""
    from sqlalchemy import text

    from crm_core.db import sync_engine_for

    engine = sync_engine_for(url)
    try:
        with engine.connect() as conn:
            col, value = ("phone", phone) if phone else ("client_id", client_id)
            return int(conn.execute(text(f"SELECT count(*) FROM lead WHERE {col} = :v"),
                                    {"v": value}).scalar_one())
    finally:
        engine.dispose()


# --- databases ------------------------------------------------------------------------------
def demo_sqlite(tmp: Path) -> str:
    path = tmp / "abuse.db"
    url = f"sqlite:///{path}"
    subprocess.run([sys.executable, "-m", "adapters.cli", "demo"], cwd=ROOT,
                   env=serve_env(url), check=True, capture_output=True)
    return url


def postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as e:
        return f"PostgreSQL not reachable ({type(e).__name__})"
    return None


@contextlib.contextmanager
def demo_postgres() -> Iterator[str]:
    import psycopg

    name = f"crmbot_abuse_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    try:
        subprocess.run([sys.executable, "-m", "adapters.cli", "demo"], cwd=ROOT,
                       env=serve_env(url), check=True, capture_output=True)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- probes ---------------------------------------------------------------------------------
@dataclass
class RaceFigures:
    rounds: int = 0
    duplicates: int = 0              # leads beyond one per person / client id
    server_errors: int = 0           # HTTP 5xx
    statuses: Counter[int] = field(default_factory=Counter)


def race_rounds(url: str, ports: Sequence[int], rounds: int, posts: int, tag: str
                ) -> tuple[RaceFigures, RaceFigures]:
    """(one phone, one client id): each round posts `posts` bodies at once."""
    phone_f, client_f = RaceFigures(), RaceFigures()
    for r in range(rounds):
        phone = f"139{abs(hash((tag, r))) % 10**8:08d}"
        same = [{"company": f"并发测试医院{r}", "name": "赵主任", "phone": phone,
                 "message": f"第{i}次提交"} for i in range(posts)]
        answers = asyncio.run(post_parallel(ports, same))
        phone_f.statuses.update(s for s, _ in answers)
        phone_f.server_errors += sum(s >= 500 for s, _ in answers)
        phone_f.duplicates += max(0, leads_with(url, phone=phone) - 1)
        phone_f.rounds += 1
        cid = f"{tag}-{r}-{uuid.uuid4().hex[:6]}"
        twins = [{"company": f"幂等测试公司{r}", "name": "钱经理",
                  "phone": f"137{(abs(hash((tag, r))) + i) % 10**8:08d}", "client_id": cid}
                 for i in range(posts)]
        answers = asyncio.run(post_parallel(ports, twins))
        client_f.statuses.update(s for s, _ in answers)
        client_f.server_errors += sum(s >= 500 for s, _ in answers)
        client_f.duplicates += max(0, leads_with(url, client_id=cid) - 1)
        client_f.rounds += 1
    return phone_f, client_f


def hostile_bodies() -> list[tuple[str, bytes, dict[str, str]]]:
    """(name, body, headers) of the issue's hostile inputs."""
    j = {"Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    gbk_form = "company=" + "".join(f"%{b:02X}" for b in "杭州某医院".encode("gbk"))
    return [
        ("JSON depth 1000", b'{"company": ' + b"[" * 1000 + b"]" * 1000 + b"}", j),
        ("JSON depth 50000", b"[" * 50_000, j),
        ("integer of 5000 digits", b'{"company":"X","budget":' + b"9" * 5000 + b"}", j),
        ("integer of 5000 digits, unknown field",
         b'{"company":"X","phone":"13900001111","n":' + b"9" * 5000 + b"}", j),
        ("lone surrogate", b'{"company":"X\\ud800","phone":"13900001111"}', j),
        ("lone surrogate in a key", b'{"\\udc00":"x","company":"X","phone":"13900001111"}', j),
        ("NUL", b'{"company":"X\\u0000Y","phone":"13900001111"}', j),
        ("control character", b'{"company":"X\\u0007","phone":"13900001111"}', j),
        ("Infinity", b'{"company":"X","phone":"13900001111","budget":Infinity}', j),
        ("NaN in an unknown field", b'{"company":"X","phone":"13900001111","x":NaN}', j),
        ("budget=Inf", b"company=X&phone=13900001111&budget=Inf", form),
        ("budget=1e999", b'{"company":"X","phone":"13900001111","budget":1e999}', j),
        ("U+FFFD", '{"company":"X\ufffd","phone":"13900001111"}'.encode(), j),
        ("GBK bytes declared UTF-8", "company=杭州医院".encode("gbk"),
         {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
        ("GBK JSON, charset=gbk", '{"company":"杭州某医院","phone":"13900002222"}'.encode("gbk"),
         {"Content-Type": "application/json; charset=gbk"}),
        ("GBK form without charset", (gbk_form + "&phone=13900003333").encode(), form),
        ("unknown charset", b'{"company":"X"}',
         {"Content-Type": "application/json; charset=koi8-r"}),
        ("deep XML", b"<a>" * 15_000, {"Content-Type": "application/xml"}),
        ("2 000 form fields", "&".join(f"f{i}=1" for i in range(2000)).encode(), form),
        ("bad Idempotency-Key", b'{"company":"X","phone":"13900004444"}',
         {**j, "Idempotency-Key": "k\u00e9y".encode().decode("latin-1")}),
        ("body of 1 MB", b'{"company":"' + b"x" * 1_000_000 + b'"}', j),
        ("JSON array", b"[1,2,3]", j),
        ("truncated JSON", b'{"company": "X', j),
    ]


async def post_raw(port: int, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.post(
            f"http://127.0.0.1:{port}/api/leads", data=body, headers=dict(headers)) as r:
        return r.status, (await r.text())[:300]


WECOM_ENV = {"CRMBOT_WECOM_CORP_ID": "wwabuse0000000001", "CRMBOT_WECOM_AGENT_ID": "1000002",
             "CRMBOT_WECOM_SECRET": "abuse-secret", "CRMBOT_WECOM_TOKEN": "abusetoken",
             "CRMBOT_WECOM_AES_KEY": base64.b64encode(b"k" * 32).decode().rstrip("="),
             "CRMBOT_WECOM_API_BASE": "http://127.0.0.1:9/cgi-bin/"}


FEISHU_ENV = {"CRMBOT_FEISHU_APP_ID": "cli_abuse", "CRMBOT_FEISHU_APP_SECRET": "abuse-secret",
              "CRMBOT_FEISHU_ENCRYPT_KEY": "abuse-encrypt-key",
              "CRMBOT_FEISHU_VERIFICATION_TOKEN": "abuse-vtok",
              "CRMBOT_FEISHU_API_BASE": "http://127.0.0.1:9"}
SIBLINGS = b"<xml>" + b"<a/>" * 250_000 + b"</xml>"          # 1 MB, 250 000 elements


def callback_probes() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(name, path?query, body, headers) of the hostile callbacks: unsigned, with the
    server's own (fresh) timestamp unless said otherwise."""
    from datetime import datetime

    ts = str(int(datetime.fromisoformat(FROZEN_NOW).timestamp()))
    xml = {"Content-Type": "text/xml"}
    unsigned = f"/wecom/callback?msg_signature=0&timestamp={ts}&nonce=0"
    return [
        ("WeCom, unsigned 1 MB of 250 000 elements", unsigned, SIBLINGS, xml),
        ("WeCom, the same with a stale timestamp",
         "/wecom/callback?msg_signature=0&timestamp=0&nonce=0", SIBLINGS, xml),
        ("WeCom, unsigned 60 KB of 15 000 elements (under the size cap: the bounded parser)",
         unsigned, b"<xml>" + b"<a/>" * 15_000 + b"</xml>", xml),
        ("WeCom, 5 000 levels deep", unsigned, b"<xml>" + b"<a>" * 5000 + b"</a>" * 5000
         + b"</xml>", xml),
        ("Feishu, unsigned 1 MB", "/feishu/events",
         b'{"encrypt": "' + b"A" * 1_000_000 + b'"}', {"Content-Type": "application/json"}),
        ("Feishu, 1 MB of nesting, bad signature", "/feishu/events", b"[" * 1_000_000,
         {"X-Lark-Request-Timestamp": ts, "X-Lark-Signature": "0" * 64}),
    ]


async def callback_probe(port: int, target: str = "/wecom/callback?msg_signature=0"
                         "&timestamp=0&nonce=0", body: bytes = SIBLINGS,
                         headers: Mapping[str, str] | None = None
                         ) -> tuple[int, float, float]:
    """(status, ms to answer, slowest /healthz in ms meanwhile) for `body` posted to
    `target` while another client polls /healthz."""
    slowest = 0.0
    done = asyncio.Event()
    async with aiohttp.ClientSession() as s:
        async def health() -> None:
            nonlocal slowest
            while not done.is_set():
                t0 = time.perf_counter()
                async with s.get(f"http://127.0.0.1:{port}/healthz") as r:
                    await r.read()
                slowest = max(slowest, (time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(health())
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        async with s.post(f"http://127.0.0.1:{port}{target}", data=body,
                          headers=dict(headers or {"Content-Type": "text/xml"})) as r:
            await r.read()
            status = r.status
        took = (time.perf_counter() - t0) * 1000
        await asyncio.sleep(0.05)
        done.set()
        await watcher
    return status, took, slowest


def run_callback_probes(url: str) -> int:
    """Print each hostile callback's answer and time; returns the number of 5xx answers."""
    server_errors = 0
    with serving(url, 1, **WECOM_ENV, **FEISHU_ENV) as served:
        port = served.ports[0]
        asyncio.run(callback_probe(port, body=b"<xml/>"))        # warm up the connection
        for name, target, body, headers in callback_probes():
            runs = [asyncio.run(callback_probe(port, target, body, headers)) for _ in range(3)]
            status = runs[-1][0]
            server_errors += sum(r[0] >= 500 for r in runs)
            took = sorted(r[1] for r in runs)[1]
            slowest = max(r[2] for r in runs)
            print(f"{name}: HTTP {status} in {took:.1f} ms (median of 3); slowest /healthz "
                  f"meanwhile {slowest:.1f} ms  (want ≤ 100 ms / ≤ 50 ms)")
    return server_errors


def audit_bytes(url: str) -> tuple[int, int]:
    """(rows, bytes) of the audit log: every column's stored text."""
    from sqlalchemy import text

    from crm_core.db import sync_engine_for

    cast = "CAST({} AS TEXT)"
    cols = ["at", "actor_id", "actor", "action", "entity", "entity_id", "before", "after",
            "prev_hash", "hash"]
    total = " + ".join(f"COALESCE(LENGTH({cast.format(c)}), 0)" for c in cols)
    engine = sync_engine_for(url)
    try:
        with engine.connect() as conn:
            n, b = conn.execute(text(f"SELECT count(*), SUM({total}) FROM audit_log")).one()
            return int(n), int(b or 0)
    finally:
        engine.dispose()


def audit_growth(url: str, port: int, merges: int = 300) -> tuple[int, float]:
    """One lead of 59 KB, then `merges` anonymous 37-byte posts of its phone: (merged
    posts, audit bytes per merged post)."""
    phone = "13811119999"
    big = {"company": "审计放大测试医院", "phone": phone,
           "message": "很长的留言" * 400, **{f"extra{i}": "填充" * 1000 for i in range(9)}}
    asyncio.run(post_parallel([port], [big]))
    _, before = audit_bytes(url)
    small = {"phone": phone, "name": "x"}
    merged = 0
    for i in range(0, merges, 25):
        answers = asyncio.run(post_parallel([port], [small] * min(25, merges - i)))
        merged += sum(1 for s, a in answers if s == 200 and a.get("merged_into"))
    _, after = audit_bytes(url)
    return merged, (after - before) / max(1, merged)


def burst(port: int, n: int = 40) -> Counter[int]:
    """`n` anonymous posts of one phone at once, default limits: statuses."""
    body = {"company": "突发测试医院", "phone": "13622223333"}
    return Counter(s for s, _ in asyncio.run(post_parallel([port], [body] * n)))


# --- the run --------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--posts", type=int, default=50)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--only", choices=["callbacks"], default=None,
                    help="run one group of probes: callbacks (the hostile platform callbacks)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="crmbot-abuse-"))
    if args.only == "callbacks":
        try:
            errors = run_callback_probes(demo_sqlite(tmp))
            print(f"TOTAL: {errors} HTTP 5xx on hostile callbacks")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    total_dup = total_5xx = 0
    try:
        for backend in backends:
            if backend == "postgres" and (reason := postgres_reason()):
                print(f"postgres: skipped ({reason})")
                continue
            with (demo_postgres() if backend == "postgres"
                  else contextlib.nullcontext(demo_sqlite(tmp))) as url:
                assert url is not None
                for processes in (1, 2):
                    with serving(url, processes) as served:
                        if served.refused:
                            print(f"{backend}, {processes} serve processes: process 2 refused "
                                  f"to start: {served.refused[0].strip().splitlines()[0]}")
                        phone_f, client_f = race_rounds(
                            url, served.ports, args.rounds, args.posts,
                            f"{backend}{processes}{uuid.uuid4().hex[:4]}")
                        for what, f in (("one phone", phone_f), ("one client_id", client_f)):
                            total_dup += f.duplicates
                            total_5xx += f.server_errors
                            print(f"{backend}, {len(served.ports)} of {processes} serve "
                                  f"processes, {what}: {f.rounds} rounds of {args.posts} "
                                  f"parallel posts → {f.duplicates} duplicate leads, "
                                  f"{f.server_errors} HTTP 5xx "
                                  f"(statuses {dict(sorted(f.statuses.items()))})")
        (tmp / "hostile").mkdir()
        url = demo_sqlite(tmp / "hostile")
        with serving(url, 1, **WECOM_ENV) as served:
            port = served.ports[0]
            hostile_5xx = 0
            for name, body, headers in hostile_bodies():
                status, text = asyncio.run(post_raw(port, body, headers))
                hostile_5xx += status >= 500
                print(f"hostile input · {name}: HTTP {status} {text[:90]!r}")
        hostile_5xx += run_callback_probes(url)
        with serving(url, 1, **WECOM_ENV) as served:
            port = served.ports[0]
            merged, per_post = audit_growth(url, port)
            print(f"audit growth: {per_post:.0f} bytes per merged post ({merged} merged posts "
                  f"after one 59 KB lead)")
        with serving(url, 1, CRMBOT_API_RATE_PER_IP="120/60",
                     CRMBOT_API_RATE_PER_PERSON="6/600") as served:
            statuses = burst(served.ports[0])
            print(f"40 posts of one phone at once, default limits: statuses "
                  f"{dict(sorted(statuses.items()))}")
        print(f"role matrix: {role_matrix_line(url)}")
        print(f"TOTAL: {total_dup} duplicate leads, {total_5xx} HTTP 5xx in the races; "
              f"{hostile_5xx} HTTP 5xx on hostile input")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def role_matrix_line(url: str) -> str:
    """Every case of tests/security/test_role_matrix.py as each of its five people, on the
    demo database: how many cross-team and colleague actions went through."""
    from bot.core import Bot
    from crm_core.clock import FrozenClock
    from crm_core.db import Database
    from tests.conftest import NOW, ChatHarness, make_settings
    from tests.security.test_role_matrix import ACTORS, CASES, run_case

    async def run() -> tuple[int, int, int, int]:
        db = Database(url)
        clock = FrozenClock(NOW)
        chat = ChatHarness(Bot(db, clock, make_settings(url)), clock)
        cross = colleague = mismatched = runs = 0
        try:
            for actor in ACTORS:
                for case in CASES:
                    done = await run_case(db, chat, case, actor)
                    runs += 1
                    mismatched += done != case.expect[actor]
                    cross += done and actor == "manager_other" and not case.expect[actor]
                    colleague += done and actor == "rep" and not case.expect[actor]
        finally:
            await db.dispose()
        return runs, cross, colleague, mismatched

    runs, cross, colleague, mismatched = asyncio.run(run())
    return (f"{runs} runs ({len(CASES)} commands/buttons × {len(ACTORS)} people): {cross} "
            f"cross-team actions, {colleague} actions on a colleague's record, {mismatched} "
            f"outcomes differing from the policy")


if __name__ == "__main__":
    sys.exit(main())
