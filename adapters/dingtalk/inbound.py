"""DingTalk enterprise-internal robot in Stream mode (dingtalk-stream).

The SDK does the framing: `ChatbotMessage.from_dict`, `CallbackHandler.raw_process` (the
ack), `route_message` (SYSTEM ping/disconnect, CALLBACK topics). We subclass its client to
replace the parts that do not fit inside an aiohttp server: `open_connection` is a blocking
`requests.post` with no timeout (ours is async, through the ApiClient), and `start()`
swallows cancellation and leaks its keepalive task (ours stops on the first cancel, cancels
its tasks and reconnects with a fresh ticket after a `disconnect`).

Bot messages are fire-and-forget on DingTalk (never redelivered), so the ack goes out at once
and the work happens on the dispatcher.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

import websockets
from dingtalk_stream import AckMessage, ChatbotHandler, ChatbotMessage, Credential
from dingtalk_stream.stream import DingTalkStreamClient
from dingtalk_stream.version import VERSION_STRING

from adapters.dingtalk.outbound import PRESS_MARK, DingTalkApi, DingTalkSender
from adapters.dispatch import Dispatcher
from adapters.platforms import (
    EXPIRED_PRESS,
    Enricher,
    decode_press,
    with_fetch,
    with_voice,
)
from bot.messages import Attachment, ButtonPress, ChatRef, Incoming, Voice

log = logging.getLogger(__name__)

PLATFORM = "dingtalk"
_PRESS = re.compile(re.escape(PRESS_MARK.strip()) + r"([A-Za-z_][\w.]*(?:\?\S*)?|~[0-9a-f]{16})$")


def chat_of(data: Mapping[str, Any]) -> ChatRef:
    user = str(data.get("senderStaffId") or data.get("senderId") or "")
    group = str(data.get("conversationType")) == "2"
    return ChatRef(PLATFORM, str(data.get("conversationId") or user), user, is_group=group)


def to_incoming(data: Mapping[str, Any], tz: Any, sender: DingTalkSender | None = None
                ) -> tuple[Incoming | None, str]:
    """A bot message (`data` of topic /v1.0/im/bot/messages/get) → (Incoming, msgtype)."""
    msg = ChatbotMessage.from_dict(dict(data))
    chat = chat_of(data)
    try:
        sent_at = datetime.fromtimestamp(int(msg.create_at or 0) / 1000, tz)
    except (TypeError, ValueError, OverflowError):
        sent_at = datetime.fromtimestamp(0, tz)
    base: dict[str, Any] = {"event_id": str(msg.message_id), "chat": chat, "sent_at": sent_at,
                            "raw": dict(data)}
    kind = str(msg.message_type or "")
    if kind == "text" and msg.text is not None:
        text = str(msg.text.content or "").strip()
        match = _PRESS.search(text)
        if match:
            press = decode_press(match.group(1)) or EXPIRED_PRESS
            return Incoming(pressed=press, **base), kind
        if sender is not None and text.isdigit() and len(text) <= 2:
            button = sender.buttons.pick(chat.key, int(text))
            if button is not None:
                return Incoming(pressed=ButtonPress(button.action, dict(button.args)),
                                **base), kind
        return Incoming(text=text, **base), kind
    if kind == "richText" and msg.rich_text_content is not None:
        runs = msg.rich_text_content.rich_text_list or []
        text = "".join(str(r.get("text", "")) for r in runs if isinstance(r, dict)).strip()
        if text:
            return Incoming(text=text, **base), kind
        return None, kind
    if kind == "file":           # 1:1 chats only; downloaded later, if the bot wants it
        content = msg.extensions.get("content") or {}
        return Incoming(file=Attachment(str(content.get("fileName") or "file")), **base), kind
    if kind == "audio":
        content = msg.extensions.get("content") or {}
        duration = content.get("duration")
        try:
            seconds = float(duration) / 1000 if duration else None
        except (TypeError, ValueError):
            seconds = None
        return Incoming(voice=Voice(None, format=None,
                                    recognition=content.get("recognition") or None,
                                    duration_s=seconds), **base), kind
    return None, kind


class BotMessageHandler(ChatbotHandler):
    """Acks at once; hands the message to the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, sender: DingTalkSender, clock: Any) -> None:
        super().__init__()
        self.dispatcher = dispatcher
        self.sender = sender
        self.clock = clock
        dispatcher.replay = self.replay

    async def process(self, callback: Any) -> tuple[int, str]:
        """Stored in the inbox, then acknowledged (DingTalk never redelivers a bot
        message: what is acked must be kept)."""
        data = callback.data if isinstance(callback.data, dict) else {}
        try:
            event_id = str(data.get("msgId") or "")
            if event_id:
                await self.dispatcher.take_in(event_id, dict(data))
            else:
                self.accept(data)
        except Exception:
            log.exception("dingtalk: storing or reading a bot message failed; handling it "
                          "from memory")
            try:
                self.accept(data)
            except Exception:
                log.exception("dingtalk: bad bot message")
        return AckMessage.STATUS_OK, "OK"

    def replay(self, data: dict[str, Any], _received: float | None, row: int | None) -> None:
        self.accept(data, inbox_row=row)

    def accept(self, data: Mapping[str, Any], *, inbox_row: int | None = None) -> None:
        chat = chat_of(data)
        if data.get("sessionWebhook"):
            try:
                expires = int(data.get("sessionWebhookExpiredTime") or 0)
            except (TypeError, ValueError):
                expires = 0
            self.sender.webhooks.remember(chat.key, str(data["sessionWebhook"]), expires)
        incoming, kind = to_incoming(data, self.clock.tz, self.sender)
        if incoming is None:
            if inbox_row is not None or not self.dispatcher.seen_recently(str(data.get("msgId"))):
                self.dispatcher.reply_unsupported(chat, kind)
            return
        enrich: Enricher | None = None
        content = data.get("content") if isinstance(data.get("content"), dict) else {}
        code = content.get("downloadCode") if content else None
        robot = str(data.get("robotCode") or self.sender.robot_code)
        if incoming.voice is not None and code:
            async def enrich(inc: Incoming) -> Incoming:
                try:
                    audio = await self.sender.api.download(robot, str(code))
                except Exception as exc:
                    # DingTalk's own recognition text still reaches the bot
                    log.warning("dingtalk: audio download failed: %s", exc)
                    return inc
                return with_voice(inc, audio=audio)
        elif incoming.file is not None and code:
            enrich = with_fetch(lambda: self.sender.api.download(robot, str(code)))

        self.dispatcher.submit(incoming, enrich=enrich, inbox_row=inbox_row)


class StreamClient(DingTalkStreamClient):
    """dingtalk-stream's client with an async open_connection and a cancellable run loop."""

    def __init__(self, api: DingTalkApi, client_id: str, client_secret: str, *,
                 reconnect_delay: float = 3.0) -> None:
        super().__init__(Credential(client_id, client_secret), logger=log)
        self.api = api
        self.reconnect_delay = reconnect_delay
        self.connections = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.connected = asyncio.Event()

    async def open_connection_async(self) -> dict[str, Any] | None:
        topics: list[dict[str, str]] = []
        if self._is_event_required:
            topics.append({"type": "EVENT", "topic": "*"})
        topics += [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map]
        try:
            return await self.api.open_connection({
                "clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret,
                "subscriptions": topics,
                "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union crmbot",
                "localIp": "",
            })
        except Exception as exc:
            log.error("dingtalk: open connection failed: %s", exc)
            return None

    async def run(self) -> None:
        """Background coroutine: connect, serve, reconnect; stops on cancellation."""
        self.pre_start()
        try:
            while True:
                conn = await self.open_connection_async()
                if not conn or not conn.get("endpoint") or not conn.get("ticket"):
                    await asyncio.sleep(self.reconnect_delay * 3)
                    continue
                uri = f"{conn['endpoint']}?ticket={quote_plus(str(conn['ticket']))}"
                try:
                    await self._serve(uri)
                except (websockets.exceptions.WebSocketException, OSError) as exc:
                    log.warning("dingtalk: stream connection lost: %s", exc)
                self.connected.clear()
                await asyncio.sleep(self.reconnect_delay)
        finally:
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, uri: str) -> None:
        async with websockets.connect(uri, open_timeout=10, max_size=4 * 1024 * 1024) as ws:
            self.websocket = ws
            self.connections += 1
            self.connected.set()
            log.info("dingtalk: stream connected")
            keepalive = asyncio.create_task(self.keepalive(ws))
            try:
                async for raw in ws:
                    try:
                        frame = json.loads(raw)
                    except ValueError:
                        log.warning("dingtalk: non-JSON frame ignored")
                        continue
                    task = asyncio.create_task(self.background_task(frame))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            finally:
                keepalive.cancel()
