"""`crmbot jobs list` / `crmbot jobs run NAME [--now ISO]`: the scheduled jobs, by hand.

`--now` runs the job as of that instant (time travel for operators and checks), e.g.
`crmbot jobs run sla_scan --now 2026-04-07T12:00+08:00`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from adapters.cli._common import add_db_arg, quiet_libraries, run, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jobs", help="list the scheduled jobs or run one once")
    add_db_arg(p)
    js = p.add_subparsers(dest="jobs_cmd", metavar="ACTION")
    js.add_parser("list", help="jobs, schedules and last runs")
    r = js.add_parser("run", help="run one job once")
    r.add_argument("name")
    r.add_argument("--now", help="run as of this ISO instant (default: now / CRMBOT_NOW)")
    p.set_defaults(func=main)


def _parse_now(text: str | None, tz: str) -> datetime | None:
    if not text:
        return None
    from zoneinfo import ZoneInfo

    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


def main(args: argparse.Namespace) -> int:
    from crm_core.clock import make_clock
    from crm_core.db import Database, migrate
    from scheduler.registry import all_jobs, get_job
    from scheduler.runner import job_runs, run_job

    quiet_libraries()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    s = settings()
    url = args.database_url or s.database_url
    action = args.jobs_cmd or "list"

    async def go() -> int:
        migrate(url)
        db = Database(url)
        clock = make_clock(s.now, s.timezone)
        try:
            if action == "list":
                runs = {r.name: r for r in await job_runs(db)}
                print(f"{'NAME':<22}{'SCHEDULE':<33}{'LAST RUN':<27}{'STATUS':<8}RESULT")
                for j in all_jobs():
                    r = runs.get(j.name)
                    last = r.last_started_at.astimezone(clock.tz).isoformat(
                        timespec="seconds") if r and r.last_started_at else "-"
                    status = (r.last_status or "-") if r else "-"
                    result = (r.last_error or r.last_result or "") if r else ""
                    print(f"{j.name:<22}{j.schedule:<33}{last:<27}{status:<8}{result}")
                    print(f"{'':<22}{j.help}")
                return 0
            if get_job(args.name) is None:
                names = ", ".join(j.name for j in all_jobs())
                print(f"unknown job {args.name!r}; jobs: {names}", file=sys.stderr)
                return 2
            now = _parse_now(args.now, s.timezone)
            result = await run_job(args.name, db, clock, s, now)
            print(f"{args.name}: {result}")
            return 0
        finally:
            await db.dispose()

    return run(go)
