"""Fakes for the adapter tests: a scriptable platform HTTP server in its own thread
(the SDKs block, so a fake on the test's own loop would deadlock), a small bot with the
`first_time` / `handle` interface of bot.core, and an AppContext factory."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from adapters.context import AppContext
from bot.messages import Button, Card, Incoming, Reply, Text
from crm_core.clock import FrozenClock
from crm_core.settings import Settings


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Recorded], Any]   # → (status, body) | dict | bytes | web.Response


class FakePlatform:
    """An aiohttp server on 127.0.0.1:<free port> in a daemon thread.

    `on(method, path, handler_or_value)` sets the default answer of a route;
    `script(method, path, *answers)` queues one-shot answers taken first.
    Every request is recorded in `requests`.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[tuple[str, str], Any] = {}
        self.scripts: dict[tuple[str, str], deque[Any]] = defaultdict(deque)
        self.ws_handlers: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, method: str, path: str, answer: Any) -> None:
        self.routes[(method.upper(), path)] = answer

    def script(self, method: str, path: str, *answers: Any) -> None:
        self.scripts[(method.upper(), path)].extend(answers)

    def calls(self, path: str, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests
                if r.path == path and (method is None or r.method == method.upper())]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path in self.ws_handlers:
            return await self.ws_handlers[request.path](request)
        ctype = request.headers.get("Content-Type", "")
        form: dict[str, Any] = {}
        if "multipart" in ctype:
            body = b""
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    form[name] = (value.filename, value.file.read())
                else:
                    form[name] = value
        else:
            body = await request.read()
        rec = Recorded(request.method, request.path, dict(request.query), dict(request.headers),
                       body, form=form)
        if "json" in ctype and body:
            try:
                rec.json = json.loads(body)
            except ValueError:
                rec.json = None
        self.requests.append(rec)
        if self.delay:
            await asyncio.sleep(self.delay)
        key = (request.method, request.path)
        if self.scripts.get(key):
            answer = self.scripts[key].popleft()
        elif key in self.routes:
            answer = self.routes[key]
        else:
            answer = self._prefix_route(request.method, request.path)
        if callable(answer):
            answer = answer(rec)
            if asyncio.iscoroutine(answer):
                answer = await answer
        return _to_response(answer)

    def _prefix_route(self, method: str, path: str) -> Any:
        for (m, p), answer in self.routes.items():
            if m == method and p.endswith("*") and path.startswith(p[:-1]):
                return answer
        return (404, {"error": f"no fake route {method} {path}"})

    def start(self) -> FakePlatform:
        def run() -> None:
            asyncio.run(self._serve())

        self._thread = threading.Thread(target=run, daemon=True, name="fake-platform")
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake platform did not start")
        return self

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)


def _to_response(answer: Any) -> web.StreamResponse:
    if isinstance(answer, web.StreamResponse):
        return answer
    status = 200
    if isinstance(answer, tuple):
        status, answer = answer
    if isinstance(answer, bytes):
        return web.Response(status=status, body=answer, content_type="application/octet-stream")
    if isinstance(answer, str):
        return web.Response(status=status, text=answer)
    return web.json_response(answer, status=status)


# --------------------------------------------------------------------------- fake bot

SEARCH_CARD = Card(
    title="新线索：张三",
    fields=(("电话", "138****0000"), ("来源", "官网")),
    body="请认领或转派",
    buttons=(Button("认领", "lead.claim", {"lead_id": "42"}, style="primary"),
             Button("转派", "lead.assign", {"lead_id": "42"})),
    card_id="lead-42",
)


class FakeBot:
    """The interface of bot.core.Bot, with canned answers:

    - "卡片" → the lead card with 认领 / 转派 buttons;
    - a press → a card "已认领" (the replacement) and a text;
    - voice → "正在识别…" through `respond`, then a text with the audio size;
    - anything else → an echo; `delay` slows every answer down, and while `gate` is set
      to an unset event, every answer waits for it (`answered` counts the answers given).
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.handled: list[Incoming] = []
        self.delay = delay
        self.gate: asyncio.Event | None = None
        self.answered = 0

    async def first_time(self, platform: str, event_id: str) -> bool:
        key = (platform, event_id)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    async def handle(self, incoming: Incoming,
                     respond: Callable[[Reply], Awaitable[None]] | None = None) -> list[Reply]:
        self.handled.append(incoming)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gate is not None:
            await self.gate.wait()
        self.answered += 1
        if incoming.pressed is not None:
            lead = incoming.pressed.args.get("lead_id", "?")
            return [Card(title=f"已认领：线索 {lead}", fields=(("负责人", "我"),)),
                    Text(f"好的，线索 {lead} 已归你跟进。")]
        if incoming.voice is not None:
            if respond is not None:
                await respond(Text("正在识别…"))
            size = len(incoming.voice.audio or b"")
            return [Text(f"收到语音 {size} 字节 {incoming.voice.format} "
                         f"{incoming.voice.recognition or ''}".strip())]
        if incoming.menu_key:
            return [Text(f"菜单 {incoming.menu_key}")]
        if incoming.entered:
            return [Text("欢迎使用 CRM 助手")]
        if incoming.text.strip() == "卡片":
            return [SEARCH_CARD]
        return [Text(f"收到：{incoming.text}")]


FROZEN = datetime(2016, 10, 14, 5, 26, 19, tzinfo=UTC)    # the WeCom vector (B) timestamp


def make_ctx(bot: Any = None, *, now: datetime = FROZEN, **settings: Any) -> AppContext:
    s = Settings(_env_file=None, **settings)  # type: ignore[call-arg]
    return AppContext(settings=s, db=None, clock=FrozenClock(now),  # type: ignore[arg-type]
                      bot=bot or FakeBot())


async def wait_for(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
