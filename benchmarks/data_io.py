"""Data in and out: export, import, backup under load.

    .venv/bin/python -m benchmarks.data_io                 # all three figures, SQLite
    .venv/bin/python -m benchmarks.data_io export --followups 100000
    .venv/bin/python -m benchmarks.data_io import --contacts 10000
    .venv/bin/python -m benchmarks.data_io backup --contacts 100000 --rate 20 --duration 20
    .venv/bin/python -m benchmarks.data_io backup --baseline    # and the same load, no backup
    .venv/bin/python -m benchmarks.data_io all --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python -m benchmarks.data_io copy --postgres postgresql://postgres@127.0.0.1:5432/test

* export: the demo company plus N follow-ups; `crmbot export 跟进` in a child process (the
  real command: keyset pages, write-only workbook); wall time and the child's peak RSS.
  Targets: 100 000 rows ≤ 30 s, ≤ 300 MB.
* import: N contacts of the demo customers in an XLSX (unique phones, every tenth row a
  duplicate of an existing contact, departments, roles); read + plan + apply + commit in
  this process. Target: 10 000 rows ≤ 60 s.
* backup: the demo company plus N contacts served by the real bot behind the WeCom
  callback (benchmarks/chat.py's server process and fake qyapi) at R chat messages/s;
  `crmbot backup` runs in its own process in the middle of the load. Then the backup is
  restored into a fresh database and every table's count compared with the manifest.
  Targets: no request fails (every callback 200, every message answered), the restore
  matches.
* copy: the demo company plus N contacts (100 000) and F follow-ups (300 000) in SQLite,
  `crmbot db copy --to` a new PostgreSQL database (needs --postgres) in a child process:
  wall time, every table verified. Target: ≤ 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa
from sqlmodel import SQLModel

from benchmarks import chat
from benchmarks.databases import fresh_database

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "adapters.cli"]


def demo(url: str) -> None:
    env = {**os.environ, "CRMBOT_DATABASE_URL": url, "CRMBOT_NOW": "2026-11-23T10:15:00+08:00"}
    subprocess.run([*CLI, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)


def bulk(url: str, table: str, rows: list[dict[str, Any]]) -> None:
    import crm_core.models  # noqa: F401  (registers the tables, with their column types)
    from crm_core.db import sync_engine_for

    engine = sync_engine_for(url)
    t = SQLModel.metadata.tables[table]
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(t.insert(), rows[i:i + 5000])
    engine.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    from crm_core.db import sync_engine_for

    engine = sync_engine_for(url)
    with engine.connect() as conn:
        out = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return out


def ids(url: str, sql: str) -> list[int]:
    return [int(r[0]) for r in query(url, sql)]


# --------------------------------------------------------------------------- export

def bench_export(postgres: str | None, n: int, tmp: Path) -> dict[str, Any]:
    url, cleanup = fresh_database(postgres, tmp, "io_export")
    try:
        print(f"export: demo + {n} follow-ups …", flush=True)
        demo(url)
        reps = ids(url, "SELECT id FROM crm_user WHERE role = 'rep'")
        customers = ids(url, "SELECT id FROM customer")
        rng = random.Random(7)
        base = datetime(2026, 11, 1, tzinfo=UTC)
        words = ["拜访", "电话沟通", "送样", "报价", "演示", "招标", "=1+1", "@备注"]
        rows = [{"owner_id": rng.choice(reps), "customer_id": rng.choice(customers),
                 "channel": rng.choice(["电话", "拜访", "微信"]),
                 "summary": f"{rng.choice(words)}：第 {i} 次跟进，客户反馈良好，下周再约。",
                 "attitude": "需再沟通", "products": ["椎间融合器"], "next_action": "报价",
                 "next_due_at": base + timedelta(days=rng.randint(1, 30)), "source": "chat",
                 "occurred_at": base + timedelta(minutes=i), "created_at": base}
                for i in range(n)]
        bulk(url, "followup", rows)
        out = tmp / "followups.xlsx"
        env = {**os.environ, "CRMBOT_DATABASE_URL": url,
               "CRMBOT_NOW": "2026-11-23T10:15:00+08:00"}
        t0 = time.perf_counter()
        proc = subprocess.Popen([*CLI, "export", "跟进", "-o", str(out)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)       # this child's own peak RSS
        seconds = time.perf_counter() - t0
        rss_mb = usage.ru_maxrss / 1024
        said = (proc.stdout.read() if proc.stdout else b"").decode()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(said + (proc.stderr.read() if proc.stderr else b"").decode())
        rows_out = int(re.search(r"跟进：(\d+) 行", said).group(1))  # type: ignore[union-attr]
        sheet = openpyxl.load_workbook(out, read_only=True)["跟进"]
        header = next(sheet.iter_rows(max_row=1, values_only=True))
        assert header[0] == "编号"
        assert header[6] == "内容"
        cpu = usage.ru_utime + usage.ru_stime
        figures = {"rows": rows_out, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                   "peak_rss_mb": round(rss_mb, 1), "file_mb": round(out.stat().st_size / 1e6, 1)}
        print(f"  {rows_out} follow-ups exported in {seconds:.1f} s ({cpu:.1f} s of CPU; the "
              f"whole command, interpreter start included), peak RSS {rss_mb:.0f} MB, file "
              f"{figures['file_mb']} MB", flush=True)
        return figures
    finally:
        cleanup()


# --------------------------------------------------------------------------- import

def contacts_xlsx(url: str, n: int) -> bytes:
    customers = [str(r[0]) for r in query(url, "SELECT name FROM customer")]
    existing = query(url, "SELECT contact.phone, customer.name FROM contact JOIN customer "
                          "ON customer.id = contact.customer_id WHERE contact.phone IS NOT NULL")
    rng = random.Random(3)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("联系人")
    ws.append(["单位", "姓名", "职务", "部门", "决策角色", "手机", "邮箱", "称呼"])
    roles = ["采购经理", "技术负责人", "总经理", "设备科", ""]
    depts = ["采购部", "设备科", "技术部", "总经办"]
    for i in range(n):
        phone, customer = rng.choice(existing) if i % 10 == 9 else (f"139{i:08d}",
                                                                    rng.choice(customers))
        ws.append([customer, f"导入联系人{i}", "经理", rng.choice(depts),
                   rng.choice(roles), phone, f"imp{i}@bench.cn", f"{i}号"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bench_import(postgres: str | None, n: int, tmp: Path) -> dict[str, Any]:
    from crm_core.clock import SystemClock
    from crm_core.db import Database
    from crm_core.services.account_import import import_file
    from crm_core.uow import Actor, UnitOfWork

    url, cleanup = fresh_database(postgres, tmp, "io_import")
    try:
        print(f"import: {n} contacts into the demo company …", flush=True)
        demo(url)
        data = contacts_xlsx(url, n)

        async def run() -> tuple[Any, float]:
            db = Database(url)
            t0 = time.perf_counter()
            async with UnitOfWork(db, SystemClock(), Actor.system("import")) as uow:
                plan, _ = await import_file(uow, data, "contacts", all_or_nothing=False)
                await uow.commit()
            took = time.perf_counter() - t0
            await db.dispose()
            return plan, took

        plan, seconds = asyncio.run(run())
        figures = {"rows": len(plan.rows), "created": plan.count("create"),
                   "merged": plan.count("merge") + plan.count("same"),
                   "errors": plan.count("error"), "seconds": round(seconds, 2),
                   "file_mb": round(len(data) / 1e6, 2)}
        print(f"  {figures['rows']} rows ({figures['created']} new, {figures['merged']} "
              f"merged into existing, {figures['errors']} errors) in {seconds:.1f} s "
              "(read + plan + write + commit)", flush=True)
        return figures
    finally:
        cleanup()


# --------------------------------------------------------------------------- backup

def bench_backup(postgres: str | None, n: int, rate: float, duration: float, tmp: Path,
                 *, take_backup: bool = True) -> dict[str, Any]:
    from crm_core.backup import read_manifest, restore_backup

    url, cleanup = fresh_database(postgres, tmp, "io_backup")
    target, cleanup_target = fresh_database(postgres, tmp, "io_restored")
    fake = chat.FakeApi().start()
    servers: list[tuple[Any, Any]] = []
    try:
        print(f"{'backup' if take_backup else 'baseline'}: demo + {n} contacts, chat at "
              f"{rate}/s for {duration:.0f} s, "
              + ("crmbot backup in the middle …" if take_backup else "no backup …"), flush=True)
        demo(url)
        customers = ids(url, "SELECT id FROM customer")
        rng = random.Random(5)
        bulk(url, "contact", [{"customer_id": rng.choice(customers), "name": f"联系人{i}",
                               "phone": f"13{i:09d}", "email": f"c{i}@bench.cn",
                               "aliases": [], "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
                              for i in range(n)])
        fake_url = f"http://127.0.0.1:{fake.port}"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=chat.server_main,
                           args=(child, fake_url, url, [], "real", None, port), daemon=True)
        proc.start()
        servers.append((proc, parent))
        parent.recv()
        base = f"http://127.0.0.1:{port}"
        now = int(time.time())
        asyncio.run(chat.fire(base, chat.wecom_requests(int(3 * rate), now), rate, False))
        settle(fake)                       # the warm-up's replies are not counted below
        parent.send("reset")
        parent.recv()
        load = chat.wecom_requests(int(duration * rate), now + 1)
        path = tmp / "bk" / "crmbot-bench.tar.gz"
        env = {**os.environ, "CRMBOT_DATABASE_URL": url}
        backup: dict[str, Any] = {}

        async def during() -> tuple[list[float], int]:
            async def take() -> None:
                await asyncio.sleep(duration / 3)
                if not take_backup:          # the baseline: the same load, no backup
                    backup.update(rc=0, seconds=0.0)
                    return
                t0 = time.perf_counter()
                p = await asyncio.create_subprocess_exec(
                    *CLI, "backup", str(path), cwd=ROOT, env=env,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
                out, err = await p.communicate()
                backup.update(rc=p.returncode, seconds=time.perf_counter() - t0,
                              out=out.decode().strip(), err=err.decode()[-500:])

            fired, _ = await asyncio.gather(chat.fire(base, load, rate, False), take())
            return fired

        _, non_200 = asyncio.run(during())
        settle(fake)
        parent.send("collect")
        result = parent.recv()["wecom"]
        if backup.get("rc") != 0:
            raise RuntimeError(f"backup failed: {backup}")
        if not take_backup:
            figures = {"messages": len(load), "replied": len(result["samples"]),
                       "non_200": non_200, "server_errors": result["errors"],
                       "server_p50_ms": round(chat.pct(result["samples"], 50), 1),
                       "server_p99_ms": round(chat.pct(result["samples"], 99), 1),
                       "restore_matches": True}
            print(f"  baseline without a backup: {figures['replied']}/{len(load)} answered, "
                  f"p50 {figures['server_p50_ms']} ms, p99 {figures['server_p99_ms']} ms")
            return figures
        manifest = read_manifest(path)
        restored = restore_backup(target, path, force=False, now=datetime.now(UTC))
        figures = {
            "messages": len(load), "replied": len(result["samples"]), "non_200": non_200,
            "server_errors": result["errors"],
            "server_p50_ms": round(chat.pct(result["samples"], 50), 1),
            "server_p99_ms": round(chat.pct(result["samples"], 99), 1),
            "server_max_ms": round(max(result["samples"], default=0) * 1000, 1),
            "backup_seconds": round(backup["seconds"], 2),
            "backup_mb": round(path.stat().st_size / 1e6, 1),
            "contacts_in_backup": manifest["tables"]["contact"],
            "restore_matches": restored.ok, "restore_tables": len(restored.expected),
            "restore_mismatched": {k: list(v) for k, v in restored.mismatched.items()},
        }
        print(f"  {figures['replied']}/{figures['messages']} messages answered, "
              f"{non_200} callbacks not 200, {figures['server_errors']} server errors; "
              f"callback→reply p50 {figures['server_p50_ms']} ms, p99 "
              f"{figures['server_p99_ms']} ms, max {figures['server_max_ms']} ms", flush=True)
        print(f"  backup {figures['backup_mb']} MB in {figures['backup_seconds']} s "
              f"({figures['contacts_in_backup']} contacts); restored into a fresh database: "
              f"{'every table matches' if restored.ok else restored.mismatched} "
              f"({figures['restore_tables']} tables)", flush=True)
        return figures
    finally:
        for proc, conn in servers:
            conn.send("stop")
            proc.join(30)
        fake.stop()
        cleanup()
        cleanup_target()


def settle(fake: Any, quiet_s: float = 10.0, within_s: float = 300.0) -> None:
    """Wait until the server has stopped sending (its backlog answered), at most `within_s`:
    on a loaded machine replies trail the load by many seconds."""
    deadline = time.monotonic() + within_s
    last, since = fake.sends, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.5)
        if fake.sends != last:
            last, since = fake.sends, time.monotonic()


def bench_copy(postgres: str, contacts: int, followups: int, tmp: Path) -> dict[str, Any]:
    url, _ = fresh_database(None, tmp, "io_copy-source")
    target, cleanup = fresh_database(postgres, tmp, "io_copy")
    try:
        print(f"copy: demo + {contacts} contacts + {followups} follow-ups …", flush=True)
        demo(url)
        reps = ids(url, "SELECT id FROM crm_user WHERE role = 'rep'")
        customers = ids(url, "SELECT id FROM customer")
        rng = random.Random(11)
        base = datetime(2026, 11, 1, tzinfo=UTC)
        bulk(url, "contact", [
            {"customer_id": rng.choice(customers), "name": f"联系人{i}", "title": "主任",
             "phone": f"138{i:08d}", "email": f"c{i}@bench.cn", "aliases": [f"{i}号"],
             "created_at": base} for i in range(contacts)])
        bulk(url, "followup", [
            {"owner_id": rng.choice(reps), "customer_id": rng.choice(customers),
             "channel": "拜访", "summary": f"第 {i} 次跟进，客户反馈良好，下周再约。",
             "attitude": "需再沟通", "products": ["椎间融合器"], "next_action": "报价",
             "source": "chat", "occurred_at": base + timedelta(minutes=i), "created_at": base,
             "effects": {"n": i}} for i in range(followups)])
        env = {**os.environ, "CRMBOT_DATABASE_URL": url}
        t0 = time.monotonic()
        done = subprocess.run([*CLI, "db", "copy", "--to", target], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        seconds = time.monotonic() - t0
        print(done.stdout[-600:], flush=True)
        rows = sum(n for (n,) in [tuple(r) for r in query(
            target, "SELECT (SELECT count(*) FROM contact) + (SELECT count(*) FROM followup)")])
        return {"seconds": round(seconds, 1), "ok": done.returncode == 0,
                "contacts_and_followups": rows}
    finally:
        cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("what", nargs="?", choices=("all", "export", "import", "backup", "copy"),
                    default="all")
    ap.add_argument("--followups", type=int, default=None,
                    help="export: follow-ups (100 000); copy: follow-ups (300 000)")
    ap.add_argument("--contacts", type=int, default=None,
                    help="import: rows to import (10 000); backup: contacts added (100 000)")
    ap.add_argument("--rate", type=float, default=20.0, help="chat messages/s during backup")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of chat load")
    ap.add_argument("--postgres", metavar="ADMIN_URL", help="run on PostgreSQL databases "
                    "created through this admin URL (default: SQLite)")
    ap.add_argument("--baseline", action="store_true",
                    help="backup: also run the same chat load without a backup, to compare")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    tmp = Path(tempfile.mkdtemp(prefix="crmbot-bench-io-"))
    figures: dict[str, Any] = {"backend": "postgresql" if args.postgres else "sqlite",
                               "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    ok = True
    try:
        if args.what in ("all", "export"):
            f = figures["export"] = bench_export(args.postgres, args.followups or 100_000, tmp)
            ok &= (f["rows"] >= (args.followups or 100_000) and f["seconds"] <= 30
                   and f["peak_rss_mb"] <= 300)
        if args.what in ("all", "import"):
            f = figures["import"] = bench_import(args.postgres, args.contacts or 10_000, tmp)
            ok &= f["seconds"] <= 60 and f["errors"] == 0
        if args.what in ("all", "backup"):
            f = figures["backup"] = bench_backup(args.postgres, args.contacts or 100_000,
                                                 args.rate, args.duration, tmp)
            ok &= (f["non_200"] == 0 and f["server_errors"] == 0
                   and f["replied"] >= f["messages"] and f["restore_matches"])
            if args.baseline:
                figures["backup_baseline"] = bench_backup(
                    args.postgres, args.contacts or 100_000, args.rate, args.duration, tmp,
                    take_backup=False)
        if args.what == "copy":
            if not args.postgres:
                ap.error("copy needs --postgres ADMIN_URL")
            f = figures["copy"] = bench_copy(args.postgres, args.contacts or 100_000,
                                             args.followups or 300_000, tmp)
            ok &= f["ok"] and f["seconds"] <= 60
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["load_after"] = os.getloadavg()[0]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"load average {figures['load_before']:.1f} before, {figures['load_after']:.1f} "
          f"after; targets (export ≤ 30 s and ≤ 300 MB, import ≤ 60 s, backup under load: "
          f"nothing fails, restore matches; copy ≤ 60 s, verified): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
