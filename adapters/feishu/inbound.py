"""Feishu (飞书) event subscription: `POST /feishu/events`, and the optional long connection.

Encryption (event-subscription-configure / encrypt-key-encryption-configuration-case):
``key = SHA256(encrypt_key)``, AES-256-CBC, IV prepended, base64 → ``{"encrypt": …}``;
decrypted with lark-oapi's `AESCipher`. Signature:
``X-Lark-Signature = sha256_hex(timestamp + nonce + encrypt_key + raw_body)``.
Feishu waits 3 s (1 s for url_verification) and retries after 15 s, 5 min, 1 h, 6 h:
events are acknowledged at once and handled in the background; a card click answers with the
replacement card when the bot has one within 2.5 s, otherwise the message is PATCHed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.dispatch import Dispatcher
from adapters.platforms import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    Enricher,
    read_body,
    too_large,
    with_fetch,
    with_voice,
)
from bot.messages import Attachment, ButtonPress, Card, ChatRef, Incoming, Text, Voice

log = logging.getLogger(__name__)

PLATFORM = "feishu"
REPLAY_WINDOW_S = 300
PRESS_WITHIN_S = 2.5
STORED_EVENTS = ("im.message.receive_v1", "im.chat.access_event.bot_p2p_chat_entered_v1")
_MENTION = re.compile(r"@_user_\d+")


# the URL-verification challenge is the one request Feishu sends unsigned: a few hundred bytes
UNSIGNED_MAX_BYTES = 4096


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _loads(data: bytes | str) -> dict[str, Any]:
    """A JSON object, or Refused(400): malformed, not an object, or nested past the
    interpreter's recursion limit."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "malformed JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, "malformed JSON")
    return value


def cipher(encrypt_key: str) -> Any:
    """lark-oapi's AESCipher (the import takes seconds: done once, at setup, not per event)."""
    from lark_oapi.core.utils.decryptor import AESCipher

    return AESCipher(encrypt_key)


def decrypt(encrypt_key: str, encrypted: str) -> str:
    """The official scheme: SHA256(key), AES-256-CBC, IV prepended, base64."""
    return str(cipher(encrypt_key).decrypt_str(encrypted))


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def _text_of(content: Mapping[str, Any], mentions: list[Mapping[str, Any]]) -> str:
    text = str(content.get("text", ""))
    names = {str(m.get("key")): str(m.get("name", "")) for m in mentions}
    leading = True

    def sub(match: re.Match[str]) -> str:
        nonlocal leading
        key = match.group(0)
        # the @bot at the start is an address, not content; later mentions stay as @name
        if leading and not text[: match.start()].strip():
            return ""
        leading = False
        return "@" + names.get(key, "")

    return _MENTION.sub(sub, text).strip()


def post_text(content: Mapping[str, Any], mentions: list[Mapping[str, Any]]) -> str:
    """The plain text of a `post` message ({"title", "content": [[{"tag", "text"}, …], …]})."""
    body = content
    if "content" not in body:           # some clients wrap it per locale: {"zh_cn": {…}}
        body = next((v for v in content.values() if isinstance(v, dict)), {})
    lines = [str(body.get("title") or "")]
    for paragraph in body.get("content") or []:
        parts = []
        for run in paragraph if isinstance(paragraph, list) else []:
            if not isinstance(run, dict):
                continue
            if run.get("tag") in ("text", "a", "md"):
                parts.append(str(run.get("text", "")))
            elif run.get("tag") == "at" and lines == [""] and not parts:
                continue                # the leading @bot
            elif run.get("tag") == "at":
                parts.append("@" + str(run.get("user_name") or run.get("user_id") or ""))
        lines.append("".join(parts))
    return _text_of({"text": "\n".join(x for x in lines if x.strip())}, mentions)


def _sent_at(stamp: Any, tz: Any) -> datetime:
    """An epoch stamp in the unit Feishu used: messages' `create_time` and events'
    `header.create_time` are milliseconds, a card callback's `header.create_time`
    (card.action.trigger) is microseconds; told apart by size (ms pass 10¹² in 2001, µs
    are ≥ 10¹⁵ since 2001)."""
    try:
        value = int(stamp)
        if value >= 10**14:
            return datetime.fromtimestamp(value / 1_000_000, tz)
        return datetime.fromtimestamp(value / 1000, tz)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, tz)


def message_to_incoming(payload: Mapping[str, Any], tz: Any) -> tuple[Incoming | None, str]:
    """`im.message.receive_v1` → (Incoming or None, message_type)."""
    header = payload.get("header") or {}
    event = payload.get("event") or {}
    msg = event.get("message") or {}
    sender = (event.get("sender") or {}).get("sender_id") or {}
    user = str(sender.get("open_id") or sender.get("user_id") or "")
    kind = str(msg.get("message_type", ""))
    chat = ChatRef(PLATFORM, str(msg.get("chat_id") or user), user,
                   is_group=msg.get("chat_type") == "group")
    try:
        content = json.loads(msg.get("content") or "{}")
    except ValueError:
        content = {}
    if not isinstance(content, dict):
        content = {}
    base: dict[str, Any] = {"event_id": str(header.get("event_id") or msg.get("message_id")),
                            "chat": chat, "sent_at": _sent_at(msg.get("create_time"), tz),
                            "raw": dict(payload)}
    if kind == "text":
        return Incoming(text=_text_of(content, list(msg.get("mentions") or [])), **base), kind
    if kind == "post":       # rich text: its text runs, paragraph by paragraph
        text = post_text(content, list(msg.get("mentions") or []))
        if text:
            return Incoming(text=text, **base), kind
        return None, kind
    if kind == "file":           # downloaded later, only if the bot wants it
        return Incoming(file=Attachment(str(content.get("file_name") or "file")), **base), kind
    if kind == "audio":
        duration = content.get("duration")
        return Incoming(voice=Voice(None, format="opus",
                                    duration_s=float(duration) / 1000 if duration else None),
                        **base), kind
    return None, kind


def _file_key(msg: Mapping[str, Any]) -> str:
    try:
        return str(json.loads(msg.get("content") or "{}").get("file_key", ""))
    except ValueError:
        return ""


def press_to_incoming(payload: Mapping[str, Any], tz: Any) -> Incoming | None:
    """`card.action.trigger` → Incoming(pressed=…)."""
    header = payload.get("header") or {}
    event = payload.get("event") or {}
    operator = event.get("operator") or {}
    action = event.get("action") or {}
    context = event.get("context") or {}
    value = action.get("value") or {}
    if not isinstance(value, dict) or not value.get("action"):
        return None
    args = {str(k): str(v) for k, v in (value.get("args") or {}).items()}
    if action.get("option"):
        args["option"] = str(action["option"])
    if isinstance(action.get("form_value"), dict):
        args.update({str(k): str(v) for k, v in action["form_value"].items()})
    user = str(operator.get("open_id") or operator.get("user_id") or "")
    chat_id = str(context.get("open_chat_id") or user)
    return Incoming(
        event_id=str(header.get("event_id")),
        chat=ChatRef(PLATFORM, chat_id, user, is_group=bool(value.get("g"))),
        sent_at=_sent_at(header.get("create_time"), tz),
        pressed=ButtonPress(str(value["action"]), args),
        raw=dict(payload),
    )


class FeishuEvents:
    """Verifies, decrypts and routes Feishu events (HTTP route and long connection)."""

    def __init__(self, dispatcher: Dispatcher, sender: Any, clock: Any, *,
                 encrypt_key: str = "", verification_token: str = "") -> None:
        self.dispatcher = dispatcher
        self.sender = sender
        self.clock = clock
        self.encrypt_key = encrypt_key
        self.verification_token = verification_token
        self._cipher = cipher(encrypt_key) if encrypt_key else None
        dispatcher.replay = self.replay

    # -- HTTP --------------------------------------------------------------------------
    async def receive(self, request: web.Request) -> web.Response:
        received = time.perf_counter()
        size = request.content_length or 0
        if size > MAX_BODY_BYTES:
            return too_large()
        if (self._cipher is not None and not request.headers.get("X-Lark-Signature")
                and size > UNSIGNED_MAX_BYTES):
            log.warning("feishu: refused an unsigned body of %s bytes", request.content_length)
            return web.json_response({"msg": "missing signature"}, status=401)
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return too_large()
        try:
            payload = self.open(body, request.headers)
        except Refused as exc:
            log.warning("feishu: refused event: %s", exc)
            return web.json_response({"msg": str(exc)}, status=exc.status)
        if payload.get("type") == "url_verification":
            return web.json_response({"challenge": payload.get("challenge", "")})
        answer = await self.handle_event(payload, received=received)
        return web.json_response(answer)

    def open(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """Verify before parse: with an encrypt key, a signed body has its signature and
        timestamp checked over the raw bytes before any JSON is read; an unsigned one is
        only taken when it is small and decrypts to the URL-verification challenge (which
        Feishu sends unsigned). Then decrypt and check the verification token."""
        if self._cipher is None:
            payload = _loads(body)
        else:
            signed = bool(headers.get("X-Lark-Signature"))
            if signed:
                self._check_signature(body, headers)
            elif len(body) > UNSIGNED_MAX_BYTES:
                raise Refused(401, "missing signature")
            encrypted = _loads(body).get("encrypt")
            if not isinstance(encrypted, str):
                raise Refused(401, "unencrypted event while an encrypt key is configured")
            try:
                payload = _loads(self._cipher.decrypt_str(encrypted))
            except (ValueError, binascii.Error, UnicodeDecodeError, KeyError):
                raise Refused(401, "decrypt failed") from None
            if not signed and payload.get("type") != "url_verification":
                raise Refused(401, "missing signature")
        token = payload.get("token") if payload.get("type") == "url_verification" else \
            (payload.get("header") or {}).get("token")
        if self.verification_token and not hmac.compare_digest(
                str(token or ""), self.verification_token):
            raise Refused(403, "verification token mismatch")
        return payload

    def _check_signature(self, body: bytes, headers: Mapping[str, str]) -> None:
        ts = headers.get("X-Lark-Request-Timestamp", "")
        nonce = headers.get("X-Lark-Request-Nonce", "")
        sig = headers.get("X-Lark-Signature", "")
        if not (ts and sig):
            raise Refused(401, "missing signature")
        try:
            fresh = abs(self.clock.now().timestamp() - int(ts)) <= REPLAY_WINDOW_S
        except (ValueError, OverflowError):
            fresh = False
        if not fresh:
            raise Refused(401, "stale timestamp (replay window 5 min)")
        if not hmac.compare_digest(signature(ts, nonce, self.encrypt_key, body), sig):
            raise Refused(401, "bad signature")

    # -- routing -----------------------------------------------------------------------
    async def handle_event(self, payload: Mapping[str, Any], *,
                           received: float | None = None) -> dict[str, Any]:
        """A verified event (HTTP or long connection). Messages and chat entries are stored
        in the inbox before Feishu gets its answer; a card click answers inline (the
        replacement card, within 3 s) and is de-duplicated by its event id."""
        header = payload.get("header") or {}
        kind = header.get("event_type") or (payload.get("event") or {}).get("type")
        if kind == "card.action.trigger":
            return await self._press(payload)
        if kind in STORED_EVENTS:
            event_id = str(header.get("event_id") or
                           ((payload.get("event") or {}).get("message") or {}).get("message_id"))
            await self.dispatcher.take_in(event_id, dict(payload), received)
            return {}
        log.info("feishu: ignored event type %r", kind)
        return {}

    def replay(self, payload: dict[str, Any], received: float | None,
               row: int | None) -> None:
        """A stored event back to the dispatcher (`row`: its inbox row)."""
        header = payload.get("header") or {}
        kind = header.get("event_type") or (payload.get("event") or {}).get("type")
        if kind == "im.message.receive_v1":
            self._message(payload, received, row)
        elif kind == "im.chat.access_event.bot_p2p_chat_entered_v1":
            event = payload.get("event") or {}
            user = str(((event.get("operator_id") or {}).get("open_id")) or "")
            chat_id = str(event.get("chat_id") or user)
            self.dispatcher.submit(Incoming(
                event_id=str(header.get("event_id")), chat=ChatRef(PLATFORM, chat_id, user),
                sent_at=_sent_at(header.get("create_time"), self.clock.tz), entered=True,
                raw=dict(payload)), received=received, inbox_row=row)

    def _message(self, payload: Mapping[str, Any], received: float | None,
                 row: int | None = None) -> None:
        incoming, kind = message_to_incoming(payload, self.clock.tz)
        if incoming is None:
            event_id = str((payload.get("header") or {}).get("event_id"))
            sender = ((payload.get("event") or {}).get("sender") or {}).get("sender_id") or {}
            msg = (payload.get("event") or {}).get("message") or {}
            if sender.get("open_id") and (row is not None
                                          or not self.dispatcher.seen_recently(event_id)):
                chat = ChatRef(PLATFORM, str(msg.get("chat_id") or sender["open_id"]),
                               str(sender["open_id"]), is_group=msg.get("chat_type") == "group")
                self.dispatcher.reply_unsupported(chat, kind)
            return
        enrich: Enricher | None = None
        msg = (payload.get("event") or {}).get("message") or {}
        if incoming.voice is not None:
            message_id = str(msg.get("message_id", ""))
            try:
                file_key = str(json.loads(msg.get("content") or "{}").get("file_key", ""))
            except ValueError:
                file_key = ""

            async def enrich(inc: Incoming) -> Incoming:
                audio = await self.sender.api.download_resource(message_id, file_key, "file")
                return with_voice(inc, audio=audio)
        elif incoming.file is not None:
            enrich = with_fetch(lambda: self.sender.api.download_resource(
                str(msg.get("message_id", "")), _file_key(msg), "file"))

        self.dispatcher.submit(incoming, enrich=enrich, received=received, inbox_row=row)

    async def _press(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        incoming = press_to_incoming(payload, self.clock.tz)
        if incoming is None:
            return {"toast": {"type": "info", "content": "该按钮已失效"}}
        message_id = str(((payload.get("event") or {}).get("context") or {})
                         .get("open_message_id") or "")

        group = incoming.chat.is_group      # kept on the replacement card's buttons

        async def patch(card: Card) -> bool:
            if not message_id:
                return False
            await self.sender.patch_card(message_id, card, group=group, to=incoming.chat)
            return True

        card = await self.dispatcher.press(incoming, within=PRESS_WITHIN_S, update_card=patch)
        if card is None:
            return {}
        from adapters.feishu.outbound import fit_card, render_card

        fitted, rest = fit_card(card, group=group)     # under 30 KB; the rest follows
        for text in rest:
            self.dispatcher.submit_coro(self.dispatcher.send(incoming.chat, Text(text)))
        return {"card": {"type": "raw", "data": render_card(fitted, group=group)}}


def encrypt_for_tests(encrypt_key: str, plain: str, iv: bytes) -> str:
    """The platform side of the scheme (tests, benchmarks): base64(iv + AES-CBC(pkcs7))."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.sha256(encrypt_key.encode()).digest()
    data = plain.encode()
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(data) + enc.finalize()).decode()
