"""`POST /api/leads` under hostile input: every probe of the issue answered 4xx with the
field named and nothing stored; declared charsets honoured; an Idempotency-Key reused with
another body answered 422; per-IP and per-person limits answered 429 (Chinese + English)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.app import build_context, build_web_app
from adapters.rate_limit import Buckets, Limits, Rate
from benchmarks.abuse import hostile_bodies
from crm_core.models import AuditLog, Lead
from tests.conftest import make_settings

pytestmark = pytest.mark.e2e


async def _client(url: str, **settings: Any) -> TestClient:
    ctx = build_context(make_settings(url, **settings), voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    client.app["ctx_for_tests"] = ctx
    return client


@pytest.fixture
async def client(demo_db_url: str) -> AsyncIterator[TestClient]:
    c = await _client(demo_db_url, api_rate_per_ip="0", api_rate_per_person="0")
    yield c
    await c.close()


async def counts(client: TestClient) -> tuple[int, int]:
    ctx = client.app["ctx_for_tests"]
    async with ctx.db.session() as s:
        leads = (await s.execute(select(func.count()).select_from(Lead))).scalar_one()
        audit = (await s.execute(select(func.count()).select_from(AuditLog))).scalar_one()
    return int(leads), int(audit)


# what each probe of the issue must get: (status, field named in the answer or None)
WANT: dict[str, tuple[int, str | None]] = {
    "JSON depth 1000": (400, "company"),
    "JSON depth 50000": (400, "*"),
    "integer of 5000 digits": (400, "budget"),
    "integer of 5000 digits, unknown field": (400, "n"),
    "lone surrogate": (400, "company"),
    "lone surrogate in a key": (400, "'\\udc00'"),
    "NUL": (400, "company"),
    "control character": (400, "company"),
    "Infinity": (400, "budget"),
    "NaN in an unknown field": (400, "x"),
    "budget=Inf": (400, "budget"),
    "budget=1e999": (400, "budget"),
    "U+FFFD": (400, "company"),
    "GBK bytes declared UTF-8": (400, None),
    "unknown charset": (415, None),
    "deep XML": (415, None),
    "2 000 form fields": (400, "*"),
    "bad Idempotency-Key": (400, "Idempotency-Key"),
    "body of 1 MB": (413, None),
    "JSON array": (400, None),
    "truncated JSON": (400, None),
}
ACCEPTED = {"GBK JSON, charset=gbk", "GBK form without charset"}


async def test_every_hostile_body_gets_a_4xx_naming_the_field_and_stores_nothing(
        client: TestClient) -> None:
    probes = {name: (body, headers) for name, body, headers in hostile_bodies()}
    assert set(probes) == set(WANT) | ACCEPTED
    before = await counts(client)
    for name, (status, field) in WANT.items():
        body, headers = probes[name]
        r = await client.post("/api/leads", data=body, headers=headers)
        answer = await r.json()
        assert r.status == status, (name, answer)
        if field is not None:
            assert field in answer["fields"], (name, answer)
    assert await counts(client) == before           # not a lead, not an audit row


async def test_declared_gbk_and_undeclared_gbk_forms_are_read_as_chinese(
        client: TestClient) -> None:
    probes = {name: (body, headers) for name, body, headers in hostile_bodies()}
    for name, company in (("GBK JSON, charset=gbk", "杭州某医院"),
                          ("GBK form without charset", "杭州某医院")):
        body, headers = probes[name]
        r = await client.post("/api/leads", data=body, headers=headers)
        assert r.status == 201, await r.text()
        lead_id = (await r.json())["lead_id"]
        async with client.app["ctx_for_tests"].db.session() as s:
            lead = await s.get(Lead, lead_id)
        assert lead is not None and lead.company == company


async def test_an_idempotency_key_promises_the_same_body(client: TestClient) -> None:
    body = {"company": "绍兴某某机械厂", "phone": "13512340001"}
    first = await client.post("/api/leads", json=body, headers={"Idempotency-Key": "abc-1"})
    again = await client.post("/api/leads", json=body, headers={"Idempotency-Key": "abc-1"})
    other = await client.post("/api/leads", json={**body, "name": "换了人"},
                              headers={"Idempotency-Key": "abc-1"})
    assert (first.status, again.status, other.status) == (201, 200, 422)
    assert (await again.json())["lead_id"] == (await first.json())["lead_id"]
    assert (await other.json())["error"] == "idempotency_key_reused"


async def test_rate_limits_answer_429_in_chinese_and_english(demo_db_url: str) -> None:
    c = await _client(demo_db_url, api_rate_per_ip="5/60", api_rate_per_person="2/600")
    try:
        statuses = []
        for _ in range(3):                     # one person: 2 allowed, then 429
            r = await c.post("/api/leads", json={"company": "限流医院", "phone": "13512340002"})
            statuses.append(r.status)
        assert statuses == [201, 200, 429]
        body = await r.json()
        assert "请求太频繁" in body["message"] and "too many requests" in body["message"]
        assert int(r.headers["Retry-After"]) == body["retry_after"] > 0
        for i in range(3):                     # 5 per IP: the 6th post from 127.0.0.1
            r = await c.post("/api/leads", json={"company": "限流医院", "phone": f"1351234010{i}"})
            statuses.append(r.status)
        assert statuses[3:] == [201, 201, 429]
    finally:
        await c.close()


def test_buckets_refill_and_stay_bounded() -> None:
    b = Buckets(Rate(2, 10), max_keys=3)
    assert [b.take("a", 0.0), b.take("a", 0.0)] == [0.0, 0.0]
    assert b.take("a", 0.0) == pytest.approx(5.0)          # one token per 5 s
    assert b.take("a", 5.0) == 0.0
    for k in "bcdef":
        b.take(k, 6.0)
    assert len(b._buckets) == 3                             # least recently used dropped


def test_client_address_behind_a_trusted_proxy_only() -> None:
    limits = Limits("10/60", "0", trusted_proxies="10.0.0.1")
    assert limits.person is None
    assert limits.client_key("203.0.113.9", "1.2.3.4") == "203.0.113.9"   # not trusted
    assert limits.client_key("10.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert limits.client_key("10.0.0.1", "1.2.3.4, 10.0.0.1") == "1.2.3.4"
    assert limits.client_key("2001:db8::1", None) == limits.client_key("2001:db8::ffff", None)
    with pytest.raises(ValueError, match="positive"):
        Rate.parse("5/0")
