"""WeCom active API (qyapi): token, message/send, update_template_card, media, user, menu.

Our own aiohttp client (adapters/http_client.py), not wechatpy's: wechatpy is synchronous,
hard-codes the host for tokens and media, and recurses without bound on token errors.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import time
import zlib
from dataclasses import replace
from typing import Any

import aiohttp

from adapters.card_fit import FULL, MORE, card_text
from adapters.http_client import (
    ApiClient,
    ApiError,
    Outcome,
    Response,
    TokenCache,
    Verdict,
    json_body,
)
from adapters.markup import wecom_md
from adapters.platforms import encode_press
from adapters.wecom.outbound_files import send_file
from bot.messages import Card, ChatRef, File, Image, Reply, Text

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001, 41001}
RETRY_ERRORS = {-1, 45009, 45033, 45011, 50002}
TEXT_LIMIT = 2048            # bytes, text and markdown
BUTTON_KEY_LIMIT = 1024
MAX_BUTTONS = 6
MAX_FIELDS = 6
STYLE = {"primary": 1, "default": 2, "danger": 3}
_TASK_SEQ = itertools.count(1)
# WeCom: 10 000 calls/min per corp and API — document/path/90454. Message sends (message/send,
# appchat/send) are not counted against it, so they skip this bucket; they are capped per
# member instead (30/min, 1 000/h, excess silently dropped), which the delivery loop's
# per-member budget keeps pushes within.
RATE_PER_S = 160.0
# 发送应用消息: duplicate_check_interval defaults to 1800 s, at most 4 hours
DUPLICATE_CHECK_S = 14400


def check_interval(delivery_key: str, part_no: int = 0) -> int:
    """The duplicate-check interval of one part of a push: 7 201–14 400 s, a function of
    its delivery key and part (so a re-send repeats it, and two pushes of the same text
    differ in it but for a 1-in-7 200 chance)."""
    return DUPLICATE_CHECK_S - zlib.crc32(f"{delivery_key}:{part_no}".encode()) % 7200


def classify(resp: Response) -> Verdict:
    if resp.status >= 500 or resp.status == 429:
        return Verdict(Outcome.RETRY, f"HTTP {resp.status}", resp.status)
    if resp.status >= 400:
        return Verdict(Outcome.FAIL, f"HTTP {resp.status}", resp.status)
    if not isinstance(resp.data, dict):
        return Verdict(Outcome.OK)           # a binary download (media/get)
    code = resp.data.get("errcode", 0)
    if code == 0:
        return Verdict(Outcome.OK)
    message = f"errcode {code}: {resp.data.get('errmsg', '')}"
    if code in TOKEN_ERRORS:
        return Verdict(Outcome.TOKEN_INVALID, message, code)
    if code in RETRY_ERRORS:
        return Verdict(Outcome.RETRY, message, code)
    return Verdict(Outcome.FAIL, message, code)


def split_bytes(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split text into chunks of at most `limit` UTF-8 bytes, preferring line breaks."""
    out: list[str] = []
    rest = text
    while len(rest.encode()) > limit:
        n = len(rest.encode()[:limit].decode("utf-8", "ignore"))
        nl = rest.rfind("\n", 0, n)
        cut = nl + 1 if nl > n // 2 else n
        out.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    if rest.strip() or not out:
        out.append(rest)
    return out


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def task_id(card: Card, delivery_key: str | None = None) -> str:
    """The card's `task_id` ([0-9a-zA-Z_-@], ≤ 128 bytes, unique per app — 1.6 of
    ../shared/research/platforms.md). A push of the outbox derives it from its delivery key
    alone, so a re-send after a crash is the same request JSON and WeCom's duplicate check
    drops it; a live answer (no key) gets a fresh one."""
    base = re.sub(r"[^0-9a-zA-Z_\-@]", "_", card.card_id or "card")[:80]
    if delivery_key:
        return f"{base}-{hashlib.sha1(delivery_key.encode()).hexdigest()[:24]}"
    return f"{base}-{int(time.time() * 1000)}-{next(_TASK_SEQ)}"


def _unique_buttons(card: Card) -> Card:
    """Keys must be unique in a template card (research 1.6): the same button twice is
    shown once."""
    seen: set[str] = set()
    kept = []
    for b in card.buttons:
        key = encode_press(b, BUTTON_KEY_LIMIT)
        if key not in seen:
            seen.add(key)
            kept.append(b)
    return card if len(kept) == len(card.buttons) else replace(card, buttons=tuple(kept))


def render_template_card(card: Card, *, delivery_key: str | None = None) -> dict[str, Any]:
    """A Card with buttons → template_card button_interaction (≤6 buttons, ≤6 fields);
    every field a function of the card and `delivery_key` (byte-identical re-sends)."""
    sub = card.body
    extra = card.fields[MAX_FIELDS:]
    if extra:
        sub = "\n".join([sub, *(f"{k}：{v}" for k, v in extra)]).strip()
    tpl: dict[str, Any] = {
        "card_type": "button_interaction",
        "task_id": task_id(card, delivery_key),
        "main_title": {"title": _cut(card.title, 36)},
        "horizontal_content_list": [
            {"keyname": _cut(k, 10), "value": _cut(v, 30)} for k, v in card.fields[:MAX_FIELDS]
        ],
        "button_list": [
            {"text": _cut(b.label, 10), "style": STYLE.get(b.style, 2),
             "key": encode_press(b, BUTTON_KEY_LIMIT)}
            for b in card.buttons[:MAX_BUTTONS]
        ],
    }
    if sub:
        tpl["sub_title_text"] = _cut(sub, 300)
    return tpl


def render_markdown(card: Card) -> str:
    """Card → WeCom markdown; every string of the card is made inert (adapters/markup.py):
    the bold title and the quoted fields are the only markup."""
    lines = [f"**{wecom_md(card.title)}**"]
    lines += [f"> {wecom_md(k)}：{wecom_md(v)}" for k, v in card.fields]
    if card.body:
        lines += ["", wecom_md(card.body)]
    if card.buttons:
        lines += ["", *(f"{i}. {wecom_md(b.label)}" for i, b in enumerate(card.buttons, 1))]
    return "\n".join(lines)


def template_card_cuts(card: Card) -> bool:
    """True when the template card cannot show all of `card` (WeCom's field limits: title 36
    characters, 6 fields of 10 / 30 characters, a 300-character subtitle)."""
    sub = "\n".join([card.body, *(f"{k}：{v}" for k, v in card.fields[MAX_FIELDS:])]).strip()
    return (len(card.title) > 36 or len(sub) > 300
            or any(len(k) > 10 or len(v) > 30 for k, v in card.fields[:MAX_FIELDS]))


def render(reply: Text | Card, *, group: bool = False,
           delivery_key: str | None = None) -> list[dict[str, Any]]:
    """Reply → message/send payload fragments (msgtype + body), without addressing. A
    template card that has to cut something is followed by the full text (text messages of
    ≤ 2048 bytes); a markdown card is split into messages of ≤ 2048 bytes."""
    if isinstance(reply, Text):
        return [{"msgtype": "text", "text": {"content": c}} for c in split_bytes(reply.text)]
    if not group:
        reply = _unique_buttons(reply)
    if len(reply.buttons) > MAX_BUTTONS and not group:
        # a template card holds 6 buttons (research 1.6): the rest go on continuation
        # cards, each with working buttons, none silently lost
        chunks = [reply.buttons[i:i + MAX_BUTTONS]
                  for i in range(0, len(reply.buttons), MAX_BUTTONS)]
        out = render(replace(reply, buttons=chunks[0]), delivery_key=delivery_key)
        for n, chunk in enumerate(chunks[1:], 2):
            more = Card(title=_cut(f"{reply.title}（续{n}）", 36), body="更多选项",
                        buttons=chunk, card_id=f"{reply.card_id or 'card'}-{n}")
            out += render(more, delivery_key=f"{delivery_key}#b{n}" if delivery_key else None)
        return out
    if reply.buttons and not group:
        card = reply
        if template_card_cuts(reply):
            card = replace(reply, body=reply.body[:250] + MORE)
        out = [{"msgtype": "template_card",
                "template_card": render_template_card(card, delivery_key=delivery_key)}]
        if card is not reply:
            out += render(Text(FULL + card_text(reply)))
        return out
    return [{"msgtype": "markdown", "markdown": {"content": c}}
            for c in split_bytes(render_markdown(reply))]


class WeComApi:
    """The qyapi calls we use, on our ApiClient."""

    def __init__(self, base_url: str, corp_id: str, secret: str, agent_id: str, *,
                 session: aiohttp.ClientSession | None = None, rate: float | None = None,
                 max_attempts: int = 3, backoff: float = 0.2, timeout: float = 10.0) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = secret
        self.tokens = TokenCache(self._fetch_token)
        self.client = ApiClient("wecom", base_url, classify=classify, authorize=self._authorize,
                                tokens=self.tokens, session=session,
                                rate=RATE_PER_S if rate is None else rate,
                                max_attempts=max_attempts, backoff=backoff, timeout=timeout)

    @staticmethod
    def _authorize(token: str, params: dict[str, str], _headers: dict[str, str]) -> None:
        params["access_token"] = token

    async def _fetch_token(self) -> tuple[str, float]:
        resp = await self.client.call("GET", "gettoken", auth=False,
                                      params={"corpid": self.corp_id,
                                              "corpsecret": self._secret})
        data = json_body(resp)
        token = data.get("access_token")
        if not token:
            raise ApiError("wecom gettoken: no access_token", retryable=False)
        return str(token), float(data.get("expires_in", 7200))

    def _agent(self) -> int | str:
        return int(self.agent_id) if self.agent_id.isdigit() else self.agent_id

    async def send_message(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.call("POST", "message/send", json=body, rate_limited=False)
        return json_body(resp)

    async def send_appchat(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.call("POST", "appchat/send", json=body, rate_limited=False)
        return json_body(resp)

    async def update_template_card(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.call("POST", "message/update_template_card",
                                      json={"agentid": self._agent(), **body})
        return json_body(resp)

    async def upload_media(self, kind: str, filename: str, content: bytes,
                           content_type: str) -> str:
        def form() -> aiohttp.FormData:
            f = aiohttp.FormData()
            f.add_field("media", content, filename=filename, content_type=content_type)
            return f

        resp = await self.client.call("POST", "media/upload", params={"type": kind}, data=form)
        media_id = json_body(resp).get("media_id")
        if not media_id:
            raise ApiError("wecom media/upload: no media_id", retryable=True)
        return str(media_id)

    async def download_media(self, media_id: str) -> bytes:
        resp = await self.client.call("GET", "media/get", params={"media_id": media_id})
        return resp.body

    async def get_user(self, user_id: str) -> dict[str, Any]:
        resp = await self.client.call("GET", "user/get", params={"userid": user_id})
        return json_body(resp)

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        resp = await self.client.call("POST", "menu/create", params={"agentid": self.agent_id},
                                      json=menu)
        return json_body(resp)

    async def close(self) -> None:
        await self.client.close()


class WeComSender:
    """`Sender` for WeCom: 1:1 app messages via message/send, group chats via appchat/send."""

    def __init__(self, api: WeComApi) -> None:
        self.api = api

    def parts(self, to: ChatRef, reply: Reply) -> int:
        """How many messages `reply` becomes (the delivery loop's per-member budget)."""
        if isinstance(reply, Text | Card):
            return len(render(reply, group=to.is_group))
        return 2 if getattr(reply, "caption", "") else 1

    async def send(self, to: ChatRef, reply: Reply, *,
                   delivery_key: str | None = None) -> str | None:
        dedupe = delivery_key
        if isinstance(reply, Image):
            return await self._send_image(to, reply, dedupe)
        if isinstance(reply, File):
            async def post(to: ChatRef, part: dict[str, Any]) -> str | None:
                return await self._post(to, part, dedupe)
            return await send_file(self.api, post, to, reply)
        msg_id: str | None = None
        for i, part in enumerate(render(reply, group=to.is_group, delivery_key=delivery_key)):
            msg_id = await self._post(to, part, dedupe, part_no=i)
        return msg_id

    async def _post(self, to: ChatRef, part: dict[str, Any], dedupe: str | None = None, *,
                    part_no: int = 0) -> str | None:
        if to.is_group:
            data = await self.api.send_appchat({"chatid": to.chat_id, **part})
        else:
            body = {"touser": to.user_id or to.chat_id, "agentid": self.api._agent(), **part}
            if dedupe:
                # an outbox push: a re-send after a crash is the same JSON (task_id from the
                # delivery key) and WeCom drops it within the interval (at most 4 h)
                # two different pushes (or parts) with the same text must not be taken for
                # re-sends of each other: the interval, part of the compared JSON, comes
                # from the delivery key and part (2–4 h, well past the 120 s lease)
                body.update(enable_duplicate_check=1,
                            duplicate_check_interval=check_interval(dedupe, part_no))
            data = await self.api.send_message(body)
            # 发送应用消息: errcode 0 with `invaliduser` (no such member) or
            # `unlicenseduser` (no licence for the app) means nobody got it
            for field in ("invaliduser", "unlicenseduser"):
                if data.get(field):
                    raise ApiError(f"wecom: {field} {data[field]}", retryable=False)
        return str(data["msgid"]) if data.get("msgid") else None

    async def _send_image(self, to: ChatRef, image: Image, dedupe: str | None
                          ) -> str | None:
        # a re-uploaded image has a new media_id: a re-sent chart is not identical (WeCom
        # has no idempotent upload); the caption is
        media_id = await self.api.upload_media("image", "chart.png", image.png, "image/png")
        msg_id = await self._post(to, {"msgtype": "image", "image": {"media_id": media_id}},
                                  dedupe)
        if image.caption:
            await self._post(to, {"msgtype": "text", "text": {"content": image.caption}},
                             dedupe, part_no=1)
        return msg_id

    async def update_card(self, user_id: str, response_code: str, card: Card) -> bool:
        """Replace the clicked card (response_code is single-use). True when fully replaced."""
        if card.buttons:
            await self.api.update_template_card({
                "userids": [user_id], "response_code": response_code,
                "template_card": render_template_card(card)})
            return True
        await self.api.update_template_card({
            "userids": [user_id], "response_code": response_code,
            "button": {"replace_name": _cut(card.title, 8)}})
        return False        # the buttons are greyed out; the card itself still goes out

    async def download_media(self, media_id: str) -> bytes:
        return await self.api.download_media(media_id)
