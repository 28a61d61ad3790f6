"""The composition root (adapters/app.py) starts every enabled platform from the settings:
WeCom and Feishu routes answer, the DingTalk stream connects, shutdown is clean."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.texts import UNBOUND
from tests.adapters import test_dingtalk as dt
from tests.adapters import test_feishu as fs
from tests.adapters import test_wecom as wc
from tests.adapters.fakes import FakePlatform, wait_for
from tests.conftest import NOW, make_settings


async def test_serve_mounts_all_three_platforms(fake: FakePlatform, sqlite_demo_url: str) -> None:
    from adapters.app import build_context, build_web_app

    wc.install_qyapi(fake)
    fs.install_open_api(fake)
    dt.install_api(fake)
    gateway = dt.Gateway(fake)
    settings = make_settings(
        sqlite_demo_url, scheduler_enabled=False, **wc.settings_for(fake),
        **fs.settings_for(fake), dingtalk_client_id="dingrobot",
        dingtalk_client_secret="dt-secret", dingtalk_api_base=fake.url,
        dingtalk_oapi_base=fake.url)
    ctx = build_context(settings, voice=False, do_migrate=False)
    app = build_web_app(ctx, scheduler=False)
    assert set(ctx.senders) >= {"wecom", "dingtalk", "feishu"}
    async with TestClient(TestServer(app)) as client:
        resp = await fs.post_event(client, fs.payload("url_verification.json"),
                                   ts=int(NOW.timestamp()))
        assert await resp.json() == {"challenge": "ajls384kdjx98XX"}
        ts = str(int(NOW.timestamp()))
        plain = (wc.PAYLOADS / "text.xml").read_text().replace("1476422779", ts)
        assert (await wc.post_plain(client, plain, ts=ts)).status == 200
        await wait_for(lambda: len(wc.sends(fake)) == 1, within=15)
        # a WeCom user the CRM does not know: the bot's polite answer, no CRM data
        assert wc.sends(fake)[0]["text"]["content"] == UNBOUND
        await wait_for(lambda: len(gateway.sockets) == 1, within=10)
    # on cleanup the stream client was cancelled and its socket closed
    await wait_for(lambda: all(s.closed for s in gateway.sockets), within=5)


def test_import_of_adapters_does_not_pull_crm_core_services() -> None:
    import subprocess
    import sys

    code = ("import sys, adapters.wecom, adapters.feishu, adapters.dingtalk, adapters.platforms;"
            "bad=[m for m in sys.modules if m.startswith('crm_core') and m not in "
            "('crm_core','crm_core.settings','crm_core.clock','crm_core.db')];print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]", out

