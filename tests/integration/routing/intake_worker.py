"""A second process for the cache-version tests: `python -m tests.integration.routing.
intake_worker URL NOW_ISO`. Reads one JSON payload per line from stdin, takes it in as a
lead with one long-lived Database (its caches warm, as in a serving process), and answers
one JSON line per lead: the owner's login and the offered reps' logins."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

import sqlalchemy.dialects.postgresql  # noqa: F401

from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.services import intake
from crm_core.uow import Actor, UnitOfWork


async def main(url: str, now: str) -> None:
    db = Database(url)
    clock = FrozenClock(datetime.fromisoformat(now))
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line.strip():
                return
            async with UnitOfWork(db, clock, Actor.system("api")) as uow:
                res = await intake.intake_lead(uow, json.loads(line))
            print(json.dumps({"owner": res.owner_login, "status": res.status,
                              "offered": res.offered_to}, ensure_ascii=False), flush=True)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
