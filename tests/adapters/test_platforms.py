"""What the adapters share: the registry for the composition root, the dispatcher (order
per chat, dedupe, failures contained), the button-key codec and the HTTP client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from adapters.dispatch import Dispatcher, default_concurrency
from adapters.http_client import ApiClient, ApiError, RateLimiter, TokenCache
from adapters.platforms import (
    PLATFORM_SETUPS,
    decode_press,
    encode_press,
    setup_enabled,
)
from bot.messages import Button, ButtonPress, ChatRef, Incoming, Reply, Text
from bot.ports import RecordingSender, SendError
from tests.adapters.fakes import FakeBot, FakePlatform, make_ctx


def incoming(event_id: str, user: str = "u1", text: str = "hi") -> Incoming:
    return Incoming(event_id, ChatRef("wecom", user, user), datetime(2026, 1, 1, tzinfo=UTC),
                    text=text)


def test_registry_names_and_enabled_checks() -> None:
    assert set(PLATFORM_SETUPS) == {"wecom", "dingtalk", "feishu"}
    ctx = make_ctx()
    assert not any(spec.enabled(ctx.settings) for spec in PLATFORM_SETUPS.values())
    ctx = make_ctx(feishu_app_id="cli_x", feishu_app_secret="s")
    assert [n for n, spec in PLATFORM_SETUPS.items() if spec.enabled(ctx.settings)] == ["feishu"]


async def test_setup_enabled_mounts_routes_and_registers() -> None:
    ctx = make_ctx(wecom_corp_id="ww1", wecom_secret="s", wecom_token="t",
                   wecom_aes_key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
                   feishu_app_id="cli_x", feishu_app_secret="s",
                   dingtalk_client_id="d", dingtalk_client_secret="s")
    app = web.Application()
    assert setup_enabled(ctx, app) == ["wecom", "dingtalk", "feishu"]
    paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    assert {"/wecom/callback", "/feishu/events"} <= paths
    assert set(ctx.senders) == set(ctx.directories) == {"wecom", "dingtalk", "feishu"}
    assert len(ctx.background) == 1                     # the DingTalk stream client
    for close in reversed(ctx.closers):
        await close()


def test_press_codec_round_trip() -> None:
    button = Button("认领", "lead.claim", {"lead_id": "42", "note": "a&b=c 中文"})
    key = encode_press(button)
    assert decode_press(key) == ButtonPress("lead.claim", {"lead_id": "42", "note": "a&b=c 中文"})
    assert decode_press("") is None
    assert decode_press("~unknowntoken0000") is None
    assert decode_press("not an action") is None
    short = encode_press(Button("x", "a.b", {"t": "y" * 100}), limit=32)
    assert short.startswith("~")
    assert len(short) <= 32
    assert decode_press(short) == ButtonPress("a.b", {"t": "y" * 100})


class SlowFirstBot(FakeBot):
    """The first message of a chat is slow: a second one must still come after it."""

    async def handle(self, incoming: Incoming, respond: Any = None) -> list[Reply]:
        if incoming.text == "first":
            await asyncio.sleep(0.2)
        return await super().handle(incoming, respond)


async def test_one_chat_in_order_other_chats_in_parallel() -> None:
    bot = SlowFirstBot()
    sender = RecordingSender()
    d = Dispatcher(make_ctx(bot), "wecom", sender, concurrency=8)
    d.submit(incoming("1", text="first"))
    d.submit(incoming("2", text="second"))
    d.submit(incoming("3", user="u2", text="other chat"))
    await d.drain()
    texts = [r.text for _, r in sender.sent if isinstance(r, Text)]
    assert texts == ["收到：other chat", "收到：first", "收到：second"]
    assert d._locks == {}


async def test_duplicates_dropped_and_failures_contained(caplog: Any) -> None:
    class Failing:
        async def send(self, to: ChatRef, reply: Reply, *,
                       delivery_key: str | None = None) -> str | None:
            raise SendError("platform down", retryable=True)

    class ReportingBot(FakeBot):
        def __init__(self) -> None:
            super().__init__()
            self.problems: list[tuple[str, str]] = []

        async def report_problem(self, platform: str, text: str) -> None:
            self.problems.append((platform, text))

    bot = ReportingBot()
    d = Dispatcher(make_ctx(bot), "wecom", Failing())
    assert d.submit(incoming("dup"))
    d.submit(incoming("dup"))                          # a retry: dropped by the dedupe
    await d.drain()
    assert len(bot.handled) == 1
    assert d.errors == 1
    assert "sending to wecom:u1:u1 failed (retryable): platform down" in caplog.text
    assert bot.problems == [("wecom", "wecom 发送失败：platform down")]


async def test_bot_crash_is_logged_not_raised(caplog: Any) -> None:
    class Crashing(FakeBot):
        async def handle(self, incoming: Incoming, respond: Any = None) -> list[Reply]:
            raise RuntimeError("boom")

    d = Dispatcher(make_ctx(Crashing()), "wecom", RecordingSender())
    d.submit(incoming("x"))
    await d.drain()
    assert d.errors == 1
    assert "handling x failed" in caplog.text


def test_default_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRMBOT_DISPATCH_CONCURRENCY", raising=False)
    assert default_concurrency(make_ctx(database_url="sqlite:///x.db")) == 8
    assert default_concurrency(make_ctx(database_url="postgresql://u@h/db")) == 32
    monkeypatch.setenv("CRMBOT_DISPATCH_CONCURRENCY", "5")
    assert default_concurrency(make_ctx()) == 5


async def test_token_cache_single_flight() -> None:
    calls = 0

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return f"t{calls}", 7200

    cache = TokenCache(fetch)
    assert await asyncio.gather(*(cache.get() for _ in range(10))) == ["t1"] * 10
    cache.invalidate("stale-token")                    # someone else's old token: ignored
    assert await cache.get() == "t1"
    cache.invalidate("t1")
    assert await cache.get() == "t2"


async def test_rate_limiter_spaces_calls() -> None:
    limiter = RateLimiter(rate=20, burst=1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(5):
        await limiter.acquire()
    assert loop.time() - start >= 0.18


async def test_client_timeout_is_retried_then_raised(fake: FakePlatform, caplog: Any) -> None:
    async def slow(_: Any) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {}

    fake.on("GET", "/slow", slow)
    client = ApiClient("t", fake.url, timeout=0.2, max_attempts=2, backoff=0.01)
    with pytest.raises(ApiError) as err:
        await client.call("GET", "slow", auth=False)
    assert err.value.retryable
    assert "TimeoutError" in str(err.value)
    assert "slow attempt 2 failed: TimeoutError" in caplog.text
    assert "attempt 3" not in caplog.text
    await client.close()


async def test_errors_never_carry_query_strings() -> None:
    client = ApiClient("t", "http://127.0.0.1:9/", timeout=0.5, max_attempts=1)
    with pytest.raises(ApiError) as err:
        await client.call("GET", "gettoken?corpid=ww1&corpsecret=TOPSECRET", auth=False)
    assert "TOPSECRET" not in str(err.value)
    await client.close()
