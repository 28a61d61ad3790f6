"""Feishu open API on our aiohttp client: tenant_access_token, im/v1 messages (text,
interactive card, image), PATCH for card updates, message resources, contact users.

Not lark-oapi's client: its token fetch blocks the event loop and it opens a new httpx
client per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Any

import aiohttp

from adapters.card_fit import fit
from adapters.feishu.outbound_files import send_file
from adapters.http_client import (
    ApiClient,
    ApiError,
    Outcome,
    Response,
    TokenCache,
    Verdict,
    json_body,
)
from adapters.markup import lark_md
from adapters.platforms import split_text
from bot.messages import Card, ChatRef, File, Image, Reply, Text

log = logging.getLogger(__name__)

TOKEN_ERRORS = {99991661, 99991663, 99991664, 99991668}
RETRY_ERRORS = {99991400, 99991401, 230020, 11232, 1000004, 1000005}
TEXT_LIMIT = 8000            # characters per text message (the platform allows ~150 KB)
# 发送消息 / 卡片 JSON: a card's content at most 30 KB (error 230025); kept a little under
CARD_LIMIT = 28 * 1024
CHAT_INTERVAL_S = 0.21       # 5 QPS per chat
# im/v1/messages: 1000/min and 50/s per app (open.feishu.cn, server-docs im-v1 message create)
RATE_PER_S = 50.0
BUTTON_TYPE = {"primary": "primary", "danger": "danger", "default": "default"}


def classify(resp: Response) -> Verdict:
    data = resp.data if isinstance(resp.data, dict) else None
    code = data.get("code", 0) if data is not None else 0
    message = f"code {code}: {data.get('msg', '')}" if data is not None else f"HTTP {resp.status}"
    if code in TOKEN_ERRORS:
        return Verdict(Outcome.TOKEN_INVALID, message, code)
    if resp.status == 429 or resp.status >= 500 or code in RETRY_ERRORS:
        return Verdict(Outcome.RETRY, message, code or resp.status)
    if resp.status >= 400 or code != 0:
        return Verdict(Outcome.FAIL, message, code or resp.status)
    return Verdict(Outcome.OK)


def render_card(card: Card, *, group: bool = False) -> dict[str, Any]:
    """Card → interactive card JSON 1.0 (buttons carry {"action", "args"} as their value).

    Title, body and button labels are `plain_text`, the fields `lark_md` (bold names);
    every string is made inert (adapters/markup.py: no `<at>`, `<font>`, links), in
    plain_text too (an `<at id=all>` there is refused with 230028 by some clients)."""
    elements: list[dict[str, Any]] = []
    if card.fields:
        elements.append({"tag": "div", "fields": [
            {"is_short": len(v) <= 16,
             "text": {"tag": "lark_md", "content": f"**{lark_md(k)}**\n{lark_md(v)}"}}
            for k, v in card.fields]})
    if card.body:
        elements.append({"tag": "div", "text": {"tag": "plain_text",
                                                 "content": lark_md(card.body)}})
    if card.buttons:
        actions = []
        for b in card.buttons:
            value: dict[str, Any] = {"action": b.action, "args": dict(b.args)}
            if group:
                value["g"] = 1
            actions.append({"tag": "button",
                            "text": {"tag": "plain_text", "content": lark_md(b.label)},
                            "type": BUTTON_TYPE.get(b.style, "default"), "value": value})
        elements.append({"tag": "action", "actions": actions})
    return {"config": {"wide_screen_mode": True, "update_multi": True},
            "header": {"title": {"tag": "plain_text", "content": lark_md(card.title)},
                       "template": "blue"},
            "elements": elements}


def card_json(card: Card, *, group: bool = False) -> str:
    return json.dumps(render_card(card, group=group), ensure_ascii=False)


def fit_card(card: Card, *, group: bool = False) -> tuple[Card, list[str]]:
    """`card` under Feishu's card size, and the full text to follow when it was cut."""
    return fit(card, lambda c: len(card_json(c, group=group).encode()), CARD_LIMIT)


def render(reply: Text | Card, *, group: bool = False) -> list[tuple[str, str]]:
    """Reply → [(msg_type, content JSON string)]. A card past Feishu's 30 KB (error
    230025) is cut under it and its full text follows as text messages (adapters/card_fit)."""
    if isinstance(reply, Text):
        return [("text", json.dumps({"text": t}, ensure_ascii=False))
                for t in split_text(reply.text, TEXT_LIMIT)]
    card, rest = fit_card(reply, group=group)
    out = [("interactive", card_json(card, group=group))]
    for text in rest:
        out += render(Text(text))
    return out


def receive_id_type(chat_id: str) -> str:
    if chat_id.startswith("oc_"):
        return "chat_id"
    if chat_id.startswith("ou_"):
        return "open_id"
    if chat_id.startswith("on_"):
        return "union_id"
    if "@" in chat_id:
        return "email"
    return "user_id"


class FeishuApi:
    def __init__(self, base_url: str, app_id: str, app_secret: str, *,
                 session: aiohttp.ClientSession | None = None, rate: float | None = None,
                 max_attempts: int = 3, backoff: float = 0.2, timeout: float = 10.0) -> None:
        self.app_id = app_id
        self._secret = app_secret
        self.tokens = TokenCache(self._fetch_token, margin=600)
        self.client = ApiClient("feishu", base_url, classify=classify,
                                authorize=self._authorize, tokens=self.tokens, session=session,
                                rate=RATE_PER_S if rate is None else rate,
                                max_attempts=max_attempts, backoff=backoff,
                                timeout=timeout)

    @staticmethod
    def _authorize(token: str, _params: dict[str, str], headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer {token}"

    async def _fetch_token(self) -> tuple[str, float]:
        resp = await self.client.call(
            "POST", "open-apis/auth/v3/tenant_access_token/internal", auth=False,
            json={"app_id": self.app_id, "app_secret": self._secret})
        data = json_body(resp)
        token = data.get("tenant_access_token")
        if not token:
            raise ApiError("feishu tenant_access_token: none returned", retryable=False)
        return str(token), float(data.get("expire", 7200))

    async def create_message(self, receive_id: str, msg_type: str, content: str,
                             uuid: str | None = None) -> str | None:
        body = {"receive_id": receive_id, "msg_type": msg_type, "content": content}
        if uuid:
            body["uuid"] = uuid          # Feishu drops a repeat of the same uuid within 1 h
        resp = await self.client.call(
            "POST", "open-apis/im/v1/messages",
            params={"receive_id_type": receive_id_type(receive_id)}, json=body)
        data = json_body(resp).get("data") or {}
        return str(data["message_id"]) if data.get("message_id") else None

    async def patch_message(self, message_id: str, content: str) -> None:
        await self.client.call("PATCH", f"open-apis/im/v1/messages/{message_id}",
                               json={"content": content})

    async def upload_image(self, png: bytes) -> str:
        def form() -> aiohttp.FormData:
            f = aiohttp.FormData()
            f.add_field("image_type", "message")
            f.add_field("image", png, filename="chart.png", content_type="image/png")
            return f

        resp = await self.client.call("POST", "open-apis/im/v1/images", data=form)
        key = (json_body(resp).get("data") or {}).get("image_key")
        if not key:
            raise ApiError("feishu image upload: no image_key", retryable=True)
        return str(key)

    async def download_resource(self, message_id: str, file_key: str, kind: str = "file") -> bytes:
        resp = await self.client.call(
            "GET", f"open-apis/im/v1/messages/{message_id}/resources/{file_key}",
            params={"type": kind})
        return resp.body

    async def get_user(self, open_id: str) -> dict[str, Any]:
        resp = await self.client.call("GET", f"open-apis/contact/v3/users/{open_id}",
                                      params={"user_id_type": "open_id"})
        return dict((json_body(resp).get("data") or {}).get("user") or {})

    async def close(self) -> None:
        await self.client.close()


def delivery_uuid(delivery_key: str | None, part: int) -> str | None:
    """The outbox row's delivery key made into a Feishu `uuid` (≤ 50 characters, one per
    message part): Feishu sends a repeated uuid at most once within 1 hour. None for a live
    answer (no key)."""
    if not delivery_key:
        return None
    return hashlib.sha1(f"{delivery_key}:{part}".encode()).hexdigest()[:40]


class FeishuSender:
    def __init__(self, api: FeishuApi) -> None:
        self.api = api
        self._last: dict[str, float] = {}       # chat → when its last message went out

    async def _pace(self, target: str) -> None:
        """At most 5 messages a second to one chat (im/v1/messages, research 3.x): the parts
        of a long push are spaced, not refused with 230020."""
        now = time.monotonic()
        wait = self._last.get(target, -1.0) + CHAT_INTERVAL_S - now
        if wait > 0:
            await asyncio.sleep(wait)
        self._last[target] = time.monotonic()
        if len(self._last) > 10_000:
            self._last = {k: v for k, v in self._last.items() if v > now - 1}

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        target = to.chat_id or to.user_id or ""

        def uuid(part: int) -> str | None:
            return delivery_uuid(delivery_key, part)

        if isinstance(reply, Image):
            key = await self.api.upload_image(reply.png)
            msg_id = await self.api.create_message(target, "image",
                                                   json.dumps({"image_key": key}),
                                                   uuid=uuid(0))
            if reply.caption:
                await self.api.create_message(
                    target, "text", json.dumps({"text": reply.caption}, ensure_ascii=False),
                    uuid=uuid(1))
            return msg_id
        if isinstance(reply, File):
            return await send_file(self.api, target, reply, [uuid(0), uuid(1)])
        msg_id = None
        for i, (msg_type, content) in enumerate(render(reply, group=to.is_group)):
            await self._pace(target)
            msg_id = await self.api.create_message(target, msg_type, content, uuid=uuid(i))
        return msg_id

    async def patch_card(self, message_id: str, card: Card, *, group: bool = False,
                         to: ChatRef | None = None) -> None:
        """Replace a sent card; `group` keeps the group flag on its buttons (a later click in
        the group is still a group click: phones stay masked). A card past the size limit
        is cut and its full text sent to `to`."""
        fitted, rest = fit_card(card, group=group)
        await self.api.patch_message(message_id, card_json(fitted, group=group))
        if to is not None:
            for text in rest:
                await self.send(to, Text(text))
