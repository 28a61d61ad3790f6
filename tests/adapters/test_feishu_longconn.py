"""Feishu long connection: the real lark-oapi ws.Client in its own thread against a fake
endpoint + protobuf websocket on 127.0.0.1; events arrive decrypted, a card click is
answered on the same socket with the replacement card."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

from aiohttp import web

from adapters import feishu
from adapters.feishu.longconn import LongConnection
from tests.adapters import test_feishu as fs
from tests.adapters.fakes import FakeBot, FakePlatform, make_ctx, wait_for


class WsEndpoint:
    def __init__(self, fake: FakePlatform) -> None:
        self.fake = fake
        self.sockets: list[web.WebSocketResponse] = []
        self.frames: list[Any] = []
        self.endpoint_bodies: list[Any] = []
        fake.on("POST", "/callback/ws/endpoint", self._endpoint)
        fake.ws_handlers["/ws"] = self._ws

    def _endpoint(self, rec: Any) -> dict[str, Any]:
        self.endpoint_bodies.append(rec.json)
        return {"code": 0, "msg": "ok", "data": {
            "URL": f"ws://127.0.0.1:{self.fake.port}/ws?device_id=d1&service_id=7",
            "ClientConfig": {"ReconnectCount": 1, "ReconnectInterval": 1,
                             "ReconnectNonce": 0, "PingInterval": 120}}}

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        async for msg in ws:
            frame = Frame()
            frame.ParseFromString(msg.data)
            self.frames.append(frame)
        return ws

    def push_event(self, event: dict[str, Any], message_id: str) -> None:
        from lark_oapi.ws.pb.pbbp2_pb2 import Frame

        deadline = time.monotonic() + 10
        while not self.sockets and time.monotonic() < deadline:
            time.sleep(0.01)
        frame = Frame(SeqID=1, LogID=1, service=7, method=1,
                      payload=json.dumps(event).encode())
        for k, v in (("type", "event"), ("message_id", message_id), ("trace_id", "tr"),
                     ("sum", "1"), ("seq", "0")):
            h = frame.headers.add()
            h.key, h.value = k, v
        assert self.fake.loop is not None
        asyncio.run_coroutine_threadsafe(
            self.sockets[-1].send_bytes(frame.SerializeToString()), self.fake.loop).result(5)

    def responses(self) -> list[dict[str, Any]]:
        out = []
        for f in self.frames:
            if f.method == 1:
                body = json.loads(f.payload)
                data = json.loads(base64.b64decode(body["data"])) if body.get("data") else None
                out.append({"code": body["code"], "data": data})
        return out


async def test_long_connection_message_and_card_click(fake: FakePlatform) -> None:
    fs.install_open_api(fake)
    endpoint = WsEndpoint(fake)
    bot = FakeBot()
    ctx = make_ctx(bot, now=fs.NOW, **fs.settings_for(fake, feishu_long_connection=True))
    app = web.Application()
    feishu.setup(ctx, app)
    assert len(ctx.background) == 1
    task = asyncio.create_task(ctx.background[0]())
    try:
        await asyncio.to_thread(endpoint.push_event, fs.payload("text_p2p.json"), "ws-1")
        await wait_for(lambda: len(fs.sent(fake)) == 1, within=10)
        assert bot.handled[0].text == "跟进 鼓楼医院 明天回访"
        assert endpoint.endpoint_bodies[0] == {"AppID": "cli_test", "AppSecret": "app-secret"}
        await asyncio.to_thread(endpoint.push_event, fs.payload("card_action.json"), "ws-2")
        await wait_for(lambda: len(endpoint.responses()) == 2, within=10)
        click = endpoint.responses()[1]
        assert click["code"] == 200
        assert click["data"]["card"]["data"]["header"]["title"]["content"] == "已认领：线索 42"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for close in reversed(ctx.closers):
            await close()


def test_long_connection_object_is_cancellable() -> None:
    conn = LongConnection(None, "a", "b", "http://127.0.0.1:1")  # type: ignore[arg-type]
    assert conn.domain == "http://127.0.0.1:1"
