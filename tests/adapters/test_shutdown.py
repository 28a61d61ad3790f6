"""Graceful shutdown: what `crmbot serve` does on SIGTERM (aiohttp's runner cleanup) lets a
callback already acknowledged finish — the bot's answer is sent — within
CRMBOT_SHUTDOWN_SECONDS, and no longer."""

from __future__ import annotations

import socket
import time

import aiohttp
from aiohttp import web

from adapters.app import build_web_app
from tests.adapters.fakes import FakeBot, FakePlatform, make_ctx
from tests.adapters.test_wecom import VECTOR_B_BODY, at, install_qyapi, sends, settings_for

CALLBACK = ("/wecom/callback?msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
            "&timestamp=1476422779&nonce=1597212914")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _acknowledged_then_stopped(fake: FakePlatform, bot_seconds: float,
                                     shutdown_seconds: float) -> float:
    install_qyapi(fake)
    ctx = make_ctx(FakeBot(delay=bot_seconds), now=at(1476422779),
                   shutdown_seconds=shutdown_seconds, **settings_for(fake))
    runner = web.AppRunner(build_web_app(ctx, scheduler=False), access_log=None,
                           shutdown_timeout=shutdown_seconds)
    await runner.setup()
    port = _port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}{CALLBACK}", data=VECTOR_B_BODY.encode()) as r:
        assert r.status == 200                # acknowledged at once, answered later
    t0 = time.monotonic()
    await runner.cleanup()                    # what SIGTERM runs
    return time.monotonic() - t0


async def test_an_acknowledged_callback_is_answered_before_the_process_ends(
        fake: FakePlatform) -> None:
    took = await _acknowledged_then_stopped(fake, bot_seconds=1.0, shutdown_seconds=10)
    assert [s["text"]["content"] for s in sends(fake)] == ["收到：你好"]
    assert took < 10


async def test_shutdown_waits_no_longer_than_configured(fake: FakePlatform) -> None:
    took = await _acknowledged_then_stopped(fake, bot_seconds=30, shutdown_seconds=0.5)
    assert sends(fake) == [] and took < 5
