"""DingTalk sending: the session webhook of the conversation when it is still valid (~90 min),
else the robot OpenAPI (oToMessages/batchSend for 1:1, groupMessages/send for groups) with an
access token from /v1.0/oauth2/accessToken. All on our aiohttp client: dingtalk-stream's
reply helpers are blocking `requests` calls.

Cards: DingTalk robot messages have no callback buttons without a card template, so a Card
becomes markdown whose buttons are numbered `dtmd://dingtalkclient/sendMessage` links: a tap
makes the user send the button's command text, which the inbound side turns back into a
ButtonPress; replying with the number works too.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import aiohttp

from adapters.card_fit import fit
from adapters.dingtalk.outbound_files import send_file
from adapters.http_client import (
    ApiClient,
    ApiError,
    Outcome,
    Response,
    TokenCache,
    Verdict,
    json_body,
)
from adapters.markup import dingtalk_md
from adapters.platforms import encode_press, split_text
from bot.messages import Button, Card, ChatRef, File, Image, Reply, Text

log = logging.getLogger(__name__)

TEXT_LIMIT = 4000
# robot markdown has no published cap; a card is kept to the text limit and its full text
# follows as text messages when it is longer (adapters/card_fit.py)
MARKDOWN_LIMIT = 4000
LABEL_LIMIT = 20           # characters of a button label shown (and sent back)
PRESS_MARK = " #"          # "认领 #lead.claim?lead_id=42": what a button link makes the user send
KEY_LIMIT = 300
WEBHOOK_MARGIN_MS = 60_000
RATE_PER_S = 20.0          # app-robot limits are unpublished; 20/s is a cautious default


def classify(resp: Response) -> Verdict:
    data = resp.data if isinstance(resp.data, dict) else {}
    code = data.get("code") or data.get("errcode") or 0
    message = str(data.get("message") or data.get("errmsg") or f"HTTP {resp.status}")
    text = f"{code}: {message}" if code else message
    scode = str(code)
    if resp.status == 401 or "InvalidAuthentication" in scode or code in (40014, 42001, 88):
        return Verdict(Outcome.TOKEN_INVALID, text, code or resp.status)
    if (resp.status == 429 or resp.status >= 500 or "Throttling" in scode
            or "QpsLimit" in scode or code in (-1, 90018, 130101)):
        return Verdict(Outcome.RETRY, text, code or resp.status)
    if resp.status >= 400 or (isinstance(code, int) and code != 0) or (
            isinstance(code, str) and code not in ("", "0")):
        return Verdict(Outcome.FAIL, text, code or resp.status)
    return Verdict(Outcome.OK)


def press_text(button: Button) -> str:
    return f"{button.label[:LABEL_LIMIT]}{PRESS_MARK}{encode_press(button, KEY_LIMIT)}"


def render_markdown(card: Card, first: int = 1) -> tuple[str, str]:
    """Card → (title, markdown text) with numbered dtmd links for its buttons; every string
    of the card is made inert (adapters/markup.py), so the button links are the only ones."""
    lines = [f"### {dingtalk_md(card.title)}", ""]
    lines += [f"**{dingtalk_md(k)}**：{dingtalk_md(v)}  " for k, v in card.fields]
    if card.body:
        lines += ["", dingtalk_md(card.body)]
    if card.buttons:
        lines.append("")
        for i, b in enumerate(card.buttons, first):
            # the only links of the message: ours, built from the button (label inert)
            link = "dtmd://dingtalkclient/sendMessage?content=" + quote(press_text(b), safe="")
            lines.append(f"{i}. [{dingtalk_md(b.label[:LABEL_LIMIT])}]({link})")
        lines += ["", "> 点击选项，或回复数字"]
    return card.title, "\n".join(lines)


class ButtonMemory:
    """The buttons of the last card sent to each chat, so a reply "2" means button 2."""

    def __init__(self, ttl_s: float = 1800, capacity: int = 10000) -> None:
        self._ttl = ttl_s
        self._capacity = capacity
        self._by_chat: OrderedDict[str, tuple[float, tuple[Button, ...]]] = OrderedDict()

    def remember(self, chat_key: str, buttons: tuple[Button, ...]) -> None:
        self._by_chat[chat_key] = (time.monotonic(), buttons)
        self._by_chat.move_to_end(chat_key)
        while len(self._by_chat) > self._capacity:
            self._by_chat.popitem(last=False)

    def pick(self, chat_key: str, number: int) -> Button | None:
        entry = self._by_chat.get(chat_key)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        buttons = entry[1]
        if 1 <= number <= len(buttons):
            self._by_chat.pop(chat_key, None)
            return buttons[number - 1]
        return None


class Webhooks:
    """Session webhooks by chat key, with their expiry (ms since the epoch)."""

    def __init__(self, capacity: int = 10000) -> None:
        self._hooks: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._capacity = capacity

    def remember(self, chat_key: str, url: str, expires_ms: int) -> None:
        self._hooks[chat_key] = (url, expires_ms)
        self._hooks.move_to_end(chat_key)
        while len(self._hooks) > self._capacity:
            self._hooks.popitem(last=False)

    def forget(self, chat_key: str) -> None:
        self._hooks.pop(chat_key, None)

    def get(self, chat_key: str) -> str | None:
        entry = self._hooks.get(chat_key)
        if entry is None:
            return None
        url, expires = entry
        if time.time() * 1000 > expires - WEBHOOK_MARGIN_MS:
            self._hooks.pop(chat_key, None)
            return None
        return url


class DingTalkApi:
    def __init__(self, api_base: str, oapi_base: str, client_id: str, client_secret: str, *,
                 session: aiohttp.ClientSession | None = None, rate: float | None = None,
                 max_attempts: int = 3, backoff: float = 0.2, timeout: float = 10.0) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.tokens = TokenCache(self._fetch_token)
        kw: dict[str, Any] = {"classify": classify, "tokens": self.tokens, "session": session,
                              "rate": RATE_PER_S if rate is None else rate,
                              "max_attempts": max_attempts, "backoff": backoff,
                              "timeout": timeout}
        self.api = ApiClient("dingtalk", api_base, authorize=self._auth_header, **kw)
        self.oapi = ApiClient("dingtalk-oapi", oapi_base, authorize=self._auth_query, **kw)

    @staticmethod
    def _auth_header(token: str, _params: dict[str, str], headers: dict[str, str]) -> None:
        headers["x-acs-dingtalk-access-token"] = token

    @staticmethod
    def _auth_query(token: str, params: dict[str, str], _headers: dict[str, str]) -> None:
        params["access_token"] = token

    async def _fetch_token(self) -> tuple[str, float]:
        resp = await self.api.call("POST", "v1.0/oauth2/accessToken", auth=False,
                                   json={"appKey": self.client_id, "appSecret": self._secret})
        data = json_body(resp)
        token = data.get("accessToken")
        if not token:
            raise ApiError("dingtalk accessToken: none returned", retryable=False)
        return str(token), float(data.get("expireIn", 7200))

    async def open_connection(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.api.call("POST", "v1.0/gateway/connections/open", auth=False,
                                   json=body)
        return json_body(resp)

    async def post_webhook(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.oapi.call("POST", url, auth=False, json=body)
        return resp.data if isinstance(resp.data, dict) else {}

    async def batch_send(self, robot_code: str, user_ids: list[str], msg_key: str,
                         msg_param: dict[str, Any]) -> dict[str, Any]:
        resp = await self.api.call("POST", "v1.0/robot/oToMessages/batchSend", json={
            "robotCode": robot_code, "userIds": user_ids, "msgKey": msg_key,
            "msgParam": json.dumps(msg_param, ensure_ascii=False)})
        return json_body(resp)

    async def group_send(self, robot_code: str, conversation_id: str, msg_key: str,
                         msg_param: dict[str, Any]) -> dict[str, Any]:
        resp = await self.api.call("POST", "v1.0/robot/groupMessages/send", json={
            "robotCode": robot_code, "openConversationId": conversation_id, "msgKey": msg_key,
            "msgParam": json.dumps(msg_param, ensure_ascii=False)})
        return json_body(resp)

    async def download(self, robot_code: str, download_code: str) -> bytes:
        resp = await self.api.call("POST", "v1.0/robot/messageFiles/download",
                                   json={"downloadCode": download_code, "robotCode": robot_code})
        url = json_body(resp).get("downloadUrl")
        if not url:
            raise ApiError("dingtalk messageFiles/download: no downloadUrl", retryable=False)
        file = await self.api.call("GET", str(url), auth=False)
        return file.body

    async def upload_image(self, png: bytes) -> str:
        def form() -> aiohttp.FormData:
            f = aiohttp.FormData()
            f.add_field("media", png, filename="chart.png", content_type="image/png")
            return f

        resp = await self.oapi.call("POST", "media/upload", params={"type": "image"}, data=form)
        media_id = json_body(resp).get("media_id")
        if not media_id:
            raise ApiError("dingtalk media/upload: no media_id", retryable=True)
        return str(media_id)

    async def get_user(self, staff_id: str) -> dict[str, Any]:
        resp = await self.oapi.call("POST", "topapi/v2/user/get", json={"userid": staff_id})
        return dict(json_body(resp).get("result") or {})

    async def close(self) -> None:
        await self.api.close()
        await self.oapi.close()


class DingTalkSender:
    def __init__(self, api: DingTalkApi, *, robot_code: str) -> None:
        self.api = api
        self.robot_code = robot_code
        self.webhooks = Webhooks()
        self.buttons = ButtonMemory()

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        """DingTalk's robot APIs take no idempotency key (batchSend, groupMessages/send,
        session webhooks): `delivery_key` changes nothing, and the rendering is a function of
        the reply alone; a re-send after a crash can show twice (docs/delivery.md)."""
        if isinstance(reply, Image):
            media_id = await self.api.upload_image(reply.png)
            key = await self._openapi(to, "sampleImageMsg", {"photoURL": media_id})
            if reply.caption:
                await self.send(to, Text(reply.caption))
            return key
        if isinstance(reply, File):
            key = await send_file(self.api, self._openapi, to, reply)
            if reply.caption:
                await self.send(to, Text(reply.caption))
            return key
        if isinstance(reply, Card):
            if reply.buttons:
                self.buttons.remember(to.key, reply.buttons)
            # the buttons that fit on the card; the rest on continuation messages, numbered on
            buttons, extra = list(reply.buttons), list[Button]()
            while len(buttons) > 1 and len(render_markdown(
                    replace(reply, body="", fields=(), buttons=tuple(buttons)))[1]) \
                    > MARKDOWN_LIMIT // 2:
                extra.insert(0, buttons.pop())
            first = replace(reply, buttons=tuple(buttons))
            card, rest = fit(first, lambda c: len(render_markdown(c)[1]), MARKDOWN_LIMIT)
            title, text = render_markdown(card)
            key = await self._one(to, "markdown", {"title": title, "text": text})
            n = len(buttons) + 1
            while extra:
                chunk = [extra.pop(0)]
                while extra and len(render_markdown(Card(title=reply.title, buttons=tuple(
                        chunk + extra[:1])), n)[1]) <= MARKDOWN_LIMIT // 2:
                    chunk.append(extra.pop(0))
                more = Card(title=f"{reply.title[:LABEL_LIMIT]}（续）", buttons=tuple(chunk))
                await self._one(to, "markdown", dict(zip(("title", "text"),
                                                         render_markdown(more, n),
                                                         strict=True)))
                n += len(chunk)
            for more_text in rest:
                await self.send(to, Text(more_text))
            return key
        last = None
        for piece in split_text(reply.text, TEXT_LIMIT):
            last = await self._one(to, "text", {"content": piece})
        return last

    async def _one(self, to: ChatRef, kind: str, body: dict[str, Any]) -> str | None:
        hook = self.webhooks.get(to.key)
        if hook is not None:
            try:
                data = await self.api.post_webhook(hook, {"msgtype": kind, kind: body})
                return str(data.get("processQueryKey") or "") or None
            except ApiError as exc:
                log.warning("dingtalk: session webhook failed (%s); using the OpenAPI", exc)
                self.webhooks.forget(to.key)
        key = "sampleText" if kind == "text" else "sampleMarkdown"
        return await self._openapi(to, key, body)

    async def _openapi(self, to: ChatRef, msg_key: str, param: dict[str, Any]) -> str | None:
        if to.is_group:
            data = await self.api.group_send(self.robot_code, to.chat_id, msg_key, param)
        else:
            data = await self.api.batch_send(self.robot_code, [to.user_id or to.chat_id],
                                             msg_key, param)
            if data.get("invalidStaffIdList"):
                raise ApiError(f"dingtalk: invalid staff ids {data['invalidStaffIdList']}",
                               retryable=False)
            if data.get("flowControlledStaffIdList"):
                raise ApiError("dingtalk: flow-controlled", retryable=True)
        return str(data.get("processQueryKey") or "") or None
