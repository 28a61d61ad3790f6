"""`POST /api/leads` and `/healthz` over real HTTP (aiohttp test server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.app import build_context, build_web_app
from bot.addressing import BotPresenter
from crm_core.models import Lead
from tests.conftest import make_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
async def client(demo_db_url: str) -> AsyncIterator[TestClient]:
    ctx = build_context(make_settings(demo_db_url), voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        c.app["ctx_for_tests"] = ctx
        yield c


async def lead_count(client: TestClient) -> int:
    ctx = client.app["ctx_for_tests"]
    async with ctx.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Lead))).scalar_one())


async def test_json_lead_is_created_and_routed(client: TestClient) -> None:
    r = await client.post("/api/leads", json={
        "company": "南京市鼓楼医院", "name": "孙医生", "phone": "+86 137-0000-1234",
        "utm_source": "baidu", "landing": "/spine"})
    body = await r.json()
    assert r.status == 201
    assert body["status"] == "assigned" and body["owner"] == "张伟" and body["reason"]
    assert body["merged_into"] is None and isinstance(body["lead_id"], int)


async def test_form_encoded_lead_as_landing_pages_send(client: TestClient) -> None:
    before = await lead_count(client)
    r = await client.post("/api/leads", data={"company": "宁波某某医疗器械有限公司",
                                              "name": "陈女士", "email": "chen@nbmed.cn",
                                              "utm_campaign": "秋季"})
    body = await r.json()
    assert r.status == 201, body
    assert await lead_count(client) == before + 1


async def test_invalid_payload_is_400_with_fields_and_nothing_stored(client: TestClient) -> None:
    before = await lead_count(client)
    r = await client.post("/api/leads", json={"company": "X", "phone": "123", "budget": "abc"})
    body = await r.json()
    assert r.status == 400 and set(body["fields"]) == {"phone", "budget"}
    r = await client.post("/api/leads", data=b"{not json", headers={
        "Content-Type": "application/json"})
    assert r.status == 400
    r = await client.post("/api/leads", json=[1, 2, 3])
    assert r.status == 400
    r = await client.post("/api/leads", data=b"x", headers={"Content-Type": "image/png"})
    assert r.status == 415
    assert await lead_count(client) == before


async def test_body_over_64k_is_413(client: TestClient) -> None:
    r = await client.post("/api/leads", json={"company": "X", "message": "长" * 30000})
    assert r.status == 413


async def test_pending_and_duplicate_and_idempotency(client: TestClient) -> None:
    r = await client.post("/api/leads", json={"company": "某医院"})
    assert r.status == 202 and (await r.json())["status"] == "pending"
    first = await client.post("/api/leads", json={"company": "杭州某医院", "phone": "13344445555"},
                              headers={"Idempotency-Key": "k-1"})
    again = await client.post("/api/leads", json={"company": "杭州某医院", "phone": "13344445555"},
                              headers={"Idempotency-Key": "k-1"})
    assert first.status == 201 and again.status == 200
    assert (await again.json())["replayed"] is True
    dup = await client.post("/api/leads", json={"company": "杭州某医院", "phone": "133 4444 5555"})
    body = await dup.json()
    assert dup.status == 200 and body["merged_into"]["lead_id"] == (await first.json())["lead_id"]


async def test_healthz(client: TestClient) -> None:
    r = await client.get("/healthz")
    assert r.status == 200 and (await r.json())["status"] == "ok"


async def test_pushes_to_console_users_are_delivered_not_dead_lettered(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`crmbot serve` without chat platforms: the demo users' pushes go to the console log."""
    from scheduler.delivery import Deliverer

    monkeypatch.chdir(tmp_path)
    ctx = client.app["ctx_for_tests"]
    r = await client.post("/api/leads", json={"company": "南京市鼓楼医院", "name": "钱医生",
                                              "phone": "13700008888"})
    assert (await r.json())["owner"] == "张伟"
    stats = await Deliverer(ctx.db, ctx.clock, ctx.senders, presenter=BotPresenter()).run_once()
    assert stats.sent >= 1 and stats.dead == 0
    log = (tmp_path / "var" / "console-pushes.log").read_text("utf-8")
    assert "→ zhangwei" in log and "钱医生" in log
