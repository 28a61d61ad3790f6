"""Our answers to the platforms' callbacks, checked by the strict rules
(tests/adapters/strict.py): status, body format and deadline — also with a slow bot."""

from __future__ import annotations

import time
from typing import Any

from tests.adapters import test_feishu as fs
from tests.adapters import test_wecom as wc
from tests.adapters.strict import feishu_callback_reply, wecom_callback_reply

env_wecom = wc.env
env_feishu = fs.env


async def test_wecom_answers_in_time_with_an_empty_body(env_wecom: Any) -> None:
    client, _, bot = env_wecom
    bot.delay = 6.0                                   # slower than WeCom's 5 s
    t0 = time.perf_counter()
    resp = await wc.post_plain(client, (wc.PAYLOADS / "text.xml").read_text())
    problems = wecom_callback_reply(resp.status, await resp.read(), time.perf_counter() - t0)
    assert problems == []


async def test_feishu_answers_in_time_in_the_documented_shapes(env_feishu: Any) -> None:
    client, _, bot = env_feishu
    checks = []
    t0 = time.perf_counter()
    resp = await fs.post_event(client, fs.payload("url_verification.json"))
    checks += feishu_callback_reply("url_verification", resp.status, await resp.json(),
                                    time.perf_counter() - t0, challenge="ajls384kdjx98XX")
    bot.delay = 4.0                                   # slower than Feishu's 3 s
    for name, kind in (("text_p2p.json", "im.message.receive_v1"),
                       ("card_action.json", "card.action.trigger")):
        t0 = time.perf_counter()
        resp = await fs.post_event(client, fs.payload(name))
        checks += feishu_callback_reply(kind, resp.status, await resp.json(),
                                        time.perf_counter() - t0)
    bot.delay = 0.0
    click = fs.payload("card_action.json")
    click["header"]["event_id"] = "ev-fast"
    t0 = time.perf_counter()
    resp = await fs.post_event(client, click)
    answer = await resp.json()
    checks += feishu_callback_reply("card.action.trigger", resp.status, answer,
                                    time.perf_counter() - t0)
    assert answer.get("card", {}).get("type") == "raw"   # the inline replacement card
    assert checks == []


def test_the_rules_catch_a_bad_answer() -> None:
    assert wecom_callback_reply(503, b"busy", 0.1)
    assert wecom_callback_reply(200, b"", 5.5)
    assert feishu_callback_reply("url_verification", 200, {"challenge": "x"}, 0.1,
                                 challenge="y")
    assert feishu_callback_reply("card.action.trigger", 200, {"card": {"data": {}}}, 0.1)
