"""PostgreSQL going away under a running server: requests fail fast with 503, nothing is
half-written, and the server recovers by itself; liveness and readiness say which is which.
The outage is real: every backend of the database is terminated (pg_terminate_backend) while
leads are being posted, and a server is pointed at a port where nothing listens."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import psycopg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.app import build_context, build_web_app
from crm_core.models import Lead
from tests.conftest import PG_ADMIN_URL, make_settings

pytestmark = pytest.mark.e2e
POSTGRES = pytest.mark.parametrize("demo_db_url", ["postgres"], indirect=True)


@pytest.fixture
async def client(demo_db_url: str) -> AsyncIterator[TestClient]:
    ctx = build_context(make_settings(demo_db_url), voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        c.app["ctx_for_tests"] = ctx
        yield c


def _terminate_backends(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return len(conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall())


def _lead(i: int) -> dict[str, str]:
    return {"company": f"第{i}人民医院", "name": "孙医生", "phone": f"1371234{i:04d}",
            "product": "融合器"}


async def _leads_with_phone(client: TestClient, phone: str) -> int:
    ctx = client.app["ctx_for_tests"]
    async with ctx.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Lead)
                                    .where(Lead.phone == phone))).scalar_one())


@POSTGRES
async def test_backends_terminated_mid_run_503_nothing_half_written_recovers(
        client: TestClient, demo_db_url: str) -> None:
    assert (await client.post("/api/leads", json=_lead(0))).status == 201   # pool warm
    statuses: dict[int, int] = {}

    async def post(i: int) -> None:
        t0 = time.monotonic()
        r = await client.post("/api/leads", json=_lead(i))
        assert time.monotonic() - t0 < 10, "a request waited on a dead database"
        statuses[i] = r.status
        if r.status == 503:
            assert r.headers["Retry-After"]
            assert (await r.json())["error"] == "unavailable"

    for wave in range(3):                  # posts in flight while every backend is cut
        posts = [asyncio.create_task(post(100 * wave + i)) for i in range(1, 9)]
        await asyncio.sleep(0.01 * wave)
        assert _terminate_backends(demo_db_url) >= 0
        await asyncio.gather(*posts)
    assert set(statuses.values()) <= {201, 202, 503}, statuses
    assert 503 in statuses.values(), statuses       # the cut was noticed, not waited out
    for i, status in statuses.items():     # a 503 wrote nothing; a 201 wrote its lead once
        assert await _leads_with_phone(client, _lead(i)["phone"]) == (0 if status == 503 else 1)
    # no restart: the next requests find new connections
    _terminate_backends(demo_db_url)
    answers = [(await client.post("/api/leads", json=_lead(900 + i))).status for i in range(3)]
    # the first finds its pooled connection dead; the pool then replaces all of them
    assert answers == [503, 201, 201], answers
    assert (await client.get("/readyz")).status == 200
    assert (await client.get("/healthz")).status == 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_database_fails_fast_and_readiness_says_so() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nothing"
    ctx = build_context(make_settings(url), voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        t0 = time.monotonic()
        r = await c.post("/api/leads", json=_lead(1))
        assert r.status == 503 and time.monotonic() - t0 < 6
        assert "稍后重试" in (await r.json())["message"]
        ready = await c.get("/readyz")
        assert ready.status == 503 and (await ready.json())["db"] == "unreachable"
        assert (await c.get("/healthz")).status == 200        # alive: do not restart it


async def test_readiness_wants_the_newest_migration(client: TestClient) -> None:
    r = await client.get("/readyz")
    assert r.status == 200 and (await r.json())["status"] == "ready"
    ctx = client.app["ctx_for_tests"]
    async with ctx.db.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("UPDATE alembic_version SET version_num = 'sec_1'"
                                " WHERE version_num = 'pg_1'"))
    r = await client.get("/readyz")
    body = await r.json()
    assert r.status == 503 and "pg_1" in body["migrations"]["expected"]
