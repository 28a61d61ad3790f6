"""WeCom (企业微信) callbacks: URL verification and encrypted message callbacks.

接收消息与事件 (work.weixin.qq.com/api/doc/10514), 加解密方案 (document/path/91144):
``msg_signature = sha1(sort(token, timestamp, nonce, Encrypt))``, AES-256-CBC with 32-byte
PKCS#7, ReceiveId = CorpID. wechatpy's `WeChatCrypto` does the crypto; XML is parsed here
with our bounded expat reader (adapters/xml_bounded.py: no DTDs, no entities, element and
depth limits) because wechatpy's parser has no `template_card_event` and chokes on the new
string MsgIds. Timestamp and size are checked before the body is read, the signature before
the message is decrypted and parsed.

WeCom waits 5 s and retries three times; we answer an empty 200 at once and reply through
the active API (message/send) from a background task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto

from adapters.dispatch import Dispatcher
from adapters.platforms import (
    EXPIRED_PRESS,
    BodyTooLarge,
    decode_press,
    read_body,
    too_large,
    with_voice,
)
from adapters.xml_bounded import BadXml, as_list
from adapters.xml_bounded import parse_xml as _parse_bounded
from bot.messages import ButtonPress, Card, ChatRef, Incoming, Voice

log = logging.getLogger(__name__)

PLATFORM = "wecom"
REPLAY_WINDOW_S = 300


# A WeCom callback is an <xml> of ToUserName, AgentID, Encrypt (回调配置: 3 elements); the
# decrypted message has a dozen fields, a template_card_event a few nested SelectedItems.
# Bodies are small (text ≤ 2048 bytes of content, base64 + AES adds a third): 64 KB is ample.
MAX_BODY_BYTES = 64 * 1024
OUTER_LIMITS: dict[str, int] = {"max_elements": 16, "max_depth": 2}
INNER_LIMITS: dict[str, int] = {"max_elements": 512, "max_depth": 6}


def parse_xml(data: bytes | str, **limits: int) -> dict[str, Any]:
    """A WeCom XML document as a dict (nested elements dicts, repeats lists).

    Raises BadXml on malformed XML, on DTDs / entity declarations and past the element and
    depth limits (the bounded parser in adapters/xml_bounded.py)."""
    return _parse_bounded(data, **(limits or INNER_LIMITS))


def selected_options(msg: Mapping[str, Any]) -> dict[str, list[str]]:
    """`SelectedItems` of a template_card_event as {QuestionKey: [OptionId, …]}."""
    items = msg.get("SelectedItems")
    out: dict[str, list[str]] = {}
    if not isinstance(items, dict):
        return out
    for item in as_list(items.get("SelectedItem")):
        if not isinstance(item, dict):
            continue
        ids = item.get("OptionIds")
        options = as_list(ids.get("OptionId")) if isinstance(ids, dict) else []
        out[str(item.get("QuestionKey", ""))] = [str(o) for o in options]
    return out


def event_id(msg: Mapping[str, Any]) -> str:
    """MsgId (kept as text: WeCom sends non-numeric ids), else FromUserName+CreateTime."""
    msg_id = msg.get("MsgId")
    if msg_id:
        return str(msg_id)
    parts = [str(msg.get("FromUserName", "")), str(msg.get("CreateTime", "")),
             str(msg.get("Event", ""))]
    if msg.get("ResponseCode"):
        parts.append(str(msg["ResponseCode"]))
    elif msg.get("EventKey"):
        parts.append(str(msg["EventKey"]))
    return ":".join(parts)


def to_incoming(msg: Mapping[str, Any], tz: Any) -> Incoming | None:
    """A decrypted WeCom message → Incoming; None for what the bot does not take.

    Voice is returned with `audio=None`: the media is downloaded off the request path.
    """
    user = str(msg.get("FromUserName", ""))
    chat = ChatRef(PLATFORM, user, user)
    try:
        sent_at = datetime.fromtimestamp(int(msg.get("CreateTime") or 0), tz)
    except (TypeError, ValueError, OverflowError):
        sent_at = datetime.fromtimestamp(0, tz)
    base: dict[str, Any] = {"event_id": event_id(msg), "chat": chat, "sent_at": sent_at,
                            "raw": dict(msg)}
    kind = msg.get("MsgType")
    if kind == "text":
        return Incoming(text=str(msg.get("Content", "")), **base)
    if kind == "voice":
        return Incoming(voice=Voice(None, format=str(msg.get("Format") or "amr").lower(),
                                    recognition=msg.get("Recognition") or None), **base)
    if kind == "event":
        event = str(msg.get("Event", "")).lower()
        if event == "click":
            return Incoming(menu_key=str(msg.get("EventKey", "")), **base)
        if event == "enter_agent":
            return Incoming(entered=True, **base)
        if event in ("template_card_event", "template_card_menu_event"):
            # a key we cannot read (a long-key token from before a restart): the bot answers
            # that the card has expired
            press = decode_press(str(msg.get("EventKey", ""))) or EXPIRED_PRESS
            selected = selected_options(msg)
            if selected:
                args = dict(press.args)
                for question, options in selected.items():
                    args[question or "selected"] = ",".join(options)
                press = ButtonPress(press.action, args)
            return Incoming(pressed=press, **base)
    return None


def is_ignorable(msg: Mapping[str, Any]) -> bool:
    """Events that need no answer (subscribe, location reports, view, …)."""
    return msg.get("MsgType") == "event"


class WeComCallback:
    """The aiohttp handlers for `/wecom/callback` (GET verification, POST messages)."""

    def __init__(self, crypto: WeChatCrypto, dispatcher: Dispatcher, sender: Any,
                 clock: Any, *, agent_id: str = "") -> None:
        self.crypto = crypto
        self.dispatcher = dispatcher
        self.sender = sender
        self.clock = clock
        self.agent_id = agent_id
        dispatcher.replay = self.replay

    def _fresh(self, timestamp: str) -> bool:
        try:
            ts = int(timestamp)
        except ValueError:
            return False
        return abs(self.clock.now().timestamp() - ts) <= REPLAY_WINDOW_S

    async def verify_url(self, request: web.Request) -> web.Response:
        q = request.query     # aiohttp URL-decodes the query (the doc asks for Urldecode)
        sig, ts, nonce, echo = (q.get("msg_signature", ""), q.get("timestamp", ""),
                                q.get("nonce", ""), q.get("echostr", ""))
        if not (sig and ts and nonce and echo):
            return web.Response(status=400, text="missing parameters")
        if not self._fresh(ts):
            return web.Response(status=403, text="stale timestamp")
        try:
            plain = self.crypto.check_signature(sig, ts, nonce, echo)
        except Exception as exc:
            log.warning("wecom: URL verification refused: %s", type(exc).__name__)
            return web.Response(status=403, text="bad signature")
        return web.Response(body=plain.encode(), content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """Verify before parse: parameters, timestamp and size first, then the 3-element
        envelope through the bounded reader, the signature over its Encrypt, and only then
        the decrypted message."""
        received = time.perf_counter()
        q = request.query
        sig, ts, nonce = q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
        if not (sig and ts and nonce):
            return web.Response(status=400, text="missing parameters")
        if not self._fresh(ts):
            log.warning("wecom: stale timestamp %s refused (replay window %ss)", ts[:20],
                        REPLAY_WINDOW_S)
            return web.Response(status=403, text="stale timestamp")
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except BodyTooLarge:
            return too_large()
        try:
            outer = parse_xml(body, **OUTER_LIMITS)
        except BadXml as exc:
            log.warning("wecom: rejected body: %s", exc)
            return web.Response(status=400, text="bad xml")
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            return web.Response(status=400, text="no Encrypt")
        try:
            plain = self.crypto.decrypt_message({"Encrypt": encrypt}, sig, ts, nonce)
        except Exception as exc:
            log.warning("wecom: signature/decrypt refused: %s", type(exc).__name__)
            return web.Response(status=403, text="bad signature")
        try:
            msg = parse_xml(plain, **INNER_LIMITS)
        except BadXml as exc:
            log.warning("wecom: rejected decrypted body: %s", exc)
            return web.Response(status=400, text="bad xml")
        # stored before the 200 (WeCom does not retry a 503): a busy or crashing process
        # loses nothing; a retry of WeCom's (after 5 s) is the same inbox row
        await self.dispatcher.take_in(event_id(msg), msg, received)
        return web.Response(status=200, body=b"")    # empty 200 = "no passive reply"

    def replay(self, msg: dict[str, Any], received: float | None, row: int | None) -> None:
        self.accept(msg, received if received is not None else time.perf_counter(),
                    inbox_row=row)

    def accept(self, msg: Mapping[str, Any], received: float, *,
               inbox_row: int | None = None) -> None:
        incoming = to_incoming(msg, self.clock.tz)
        if incoming is None:
            if not is_ignorable(msg) and msg.get("FromUserName"):
                user = str(msg["FromUserName"])
                if inbox_row is not None or not self.dispatcher.seen_recently(event_id(msg)):
                    self.dispatcher.reply_unsupported(ChatRef(PLATFORM, user, user),
                                                      str(msg.get("MsgType")))
            else:
                log.debug("wecom: ignored %s/%s", msg.get("MsgType"), msg.get("Event"))
            return
        enrich = None
        if incoming.voice is not None and msg.get("MediaId"):
            media_id = str(msg["MediaId"])

            async def enrich(inc: Incoming) -> Incoming:
                audio = await self.sender.download_media(media_id)
                return with_voice(inc, audio=audio)

        update_card = None
        if incoming.pressed is not None and msg.get("ResponseCode"):
            code = str(msg["ResponseCode"])
            user = incoming.chat.user_id or ""

            async def update_card(card: Card) -> bool:
                return bool(await self.sender.update_card(user, code, card))

        self.dispatcher.submit(incoming, enrich=enrich, update_card=update_card,
                               received=received, inbox_row=inbox_row)
