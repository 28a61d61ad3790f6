"""The optional Feishu long connection (`CRMBOT_FEISHU_LONG_CONNECTION=true`).

lark-oapi's `ws.Client` keeps a module-level event loop captured at import and blocks in
`start()` (larksuite/oapi-sdk-python#96, #119, #133), so it runs in a thread of its own with
a fresh loop. Its handler is called synchronously on that loop: the decrypted event payload
is handed to the app loop with `run_coroutine_threadsafe`; card clicks wait (≤ 2.8 s) for
the answer, messages do not wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

from adapters.feishu.inbound import FeishuEvents

log = logging.getLogger(__name__)


def _make_handler(events: FeishuEvents, app_loop: asyncio.AbstractEventLoop) -> Any:
    from lark_oapi.event.dispatcher_handler import EventDispatcherHandler

    class Handler(EventDispatcherHandler):
        """Takes the raw decrypted payload instead of lark's typed objects."""

        def _do_without_validation(self, payload: bytes) -> Any:
            data = json.loads(payload)
            future = asyncio.run_coroutine_threadsafe(events.handle_event(data), app_loop)
            kind = (data.get("header") or {}).get("event_type")
            if kind != "card.action.trigger":
                return None
            try:
                return future.result(timeout=2.8) or None
            except Exception:
                log.warning("feishu ws: card answer not ready in time")
                return None

    return Handler()


class LongConnection:
    def __init__(self, events: FeishuEvents, app_id: str, app_secret: str, domain: str) -> None:
        self.events = events
        self.app_id = app_id
        self._secret = app_secret
        self.domain = domain.rstrip("/")
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self.started = threading.Event()

    def _run(self, app_loop: asyncio.AbstractEventLoop) -> None:
        import lark_oapi as lark
        import lark_oapi.ws.client as wsc

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        wsc.loop = loop                  # REQUIRED: the SDK's module-level loop
        self._loop = loop
        client = lark.ws.Client(self.app_id, self._secret,
                                event_handler=_make_handler(self.events, app_loop),
                                domain=self.domain, log_level=lark.LogLevel.INFO)
        self._client = client
        self.started.set()
        try:
            client.start()
        except RuntimeError as exc:      # loop.stop() from close()
            log.info("feishu long connection stopped: %s", exc)
        except Exception:
            log.exception("feishu long connection crashed")
        finally:
            if not loop.is_closed():
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.close()

    async def run(self) -> None:
        """Background coroutine: start the thread, wait until cancelled, then stop it."""
        app_loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, args=(app_loop,), daemon=True,
                                        name="feishu-ws")
        self._thread.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def close(self) -> None:
        loop, client = self._loop, self._client
        if loop is not None and not loop.is_closed():
            if client is not None:      # close the socket first, and do not reconnect
                client._auto_reconnect = False
                try:
                    fut = asyncio.run_coroutine_threadsafe(client._disconnect(), loop)
                    await asyncio.wait_for(asyncio.wrap_future(fut), 2)
                except Exception as exc:
                    log.debug("feishu long connection: disconnect: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)
