"""Strict fake platforms (issue 20, What to build 1): send endpoints that validate every
request against the platforms' documented rules and answer a broken one with the
platform's own error code, and that drop silently where the platform drops silently.

Each rule cites its source: a section of `../shared/research/platforms.md` (which cites the
platform documents) or the document itself. Install on a `FakePlatform` with
`StrictWeCom(fake).install()` etc.; each keeps `delivered` (what reached a user) and
`dropped` (accepted but not delivered: a duplicate or past a silent limit), so tests can
tell "sent" from "seen". `clock` (seconds) is shared with the code under test when it runs
on a frozen clock.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.adapters.fakes import FakePlatform, Recorded

Clock = Callable[[], float]


@dataclass
class Delivery:
    to: str
    body: dict[str, Any]


@dataclass
class Strict:
    fake: FakePlatform
    clock: Clock = time.time
    delivered: list[Delivery] = field(default_factory=list)
    dropped: list[tuple[str, dict[str, Any]]] = field(default_factory=list)   # (why, body)
    refused: list[tuple[int | str, str]] = field(default_factory=list)       # (code, why)
    _windows: dict[tuple[str, float], deque[float]] = field(
        default_factory=lambda: defaultdict(deque))

    def over(self, who: str, window: float, limit: int) -> bool:
        """Count one message to `who` in a sliding window; True when it is past `limit`."""
        now = self.clock()
        q = self._windows[(who, window)]
        while q and q[0] <= now - window:
            q.popleft()
        if len(q) >= limit:
            return True
        q.append(now)
        return False


def _utf8(s: Any) -> int:
    return len(str(s).encode())


# --------------------------------------------------------------------------- WeCom

WECOM_TASK_ID = re.compile(r"[0-9A-Za-z_\-@]{1,128}")   # research 1.6: charset, ≤ 128 bytes
WECOM_MSGTYPES = {"text", "markdown", "template_card", "image", "file", "voice", "video",
                  "textcard", "news", "mpnews"}        # 发送应用消息 msgtype list
WECOM_CARD_TYPES = {"text_notice", "news_notice", "button_interaction", "vote_interaction",
                    "multiple_interaction"}            # research 1.6
E_PARAM = 40058          # 不合法的参数 (WeCom global error codes)
E_SIZE = 45002           # 消息内容大小超过限制
E_AGENT = 40056          # 不合法的agentid
E_EMPTY = 44004          # 文本消息content参数为空


@dataclass
class StrictWeCom(Strict):
    agent_id: int = 1000002
    # WeCom's duplicate check: (whole request JSON) → time first seen (research 1.5)
    _seen_json: dict[str, float] = field(default_factory=dict)
    _task_ids: dict[str, str] = field(default_factory=dict)     # task_id → its card JSON

    def install(self) -> StrictWeCom:
        f = self.fake
        f.on("GET", "/cgi-bin/gettoken",
             {"errcode": 0, "errmsg": "ok", "access_token": "tok-1", "expires_in": 7200})
        f.on("POST", "/cgi-bin/message/send", self.message_send)
        f.on("POST", "/cgi-bin/appchat/send", self.appchat_send)
        f.on("POST", "/cgi-bin/message/update_template_card", self.update_card)
        f.on("POST", "/cgi-bin/media/upload",
             {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "m-1", "created_at": "1"})
        return self

    def _error(self, code: int, why: str) -> dict[str, Any]:
        self.refused.append((code, why))
        return {"errcode": code, "errmsg": why}

    def _content(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The msgtype's own checks; an error answer or None."""
        kind = body.get("msgtype")
        if kind not in WECOM_MSGTYPES or not isinstance(body.get(kind), dict):
            return self._error(E_PARAM, f"msgtype {kind!r} without its object")
        part = body[kind]
        if kind in ("text", "markdown"):
            content = part.get("content")
            if not content or not str(content).strip():
                return self._error(E_EMPTY, "empty content")
            if _utf8(content) > 2048:       # research 1.5: text / markdown ≤ 2048 bytes
                return self._error(E_SIZE, f"{kind} content of {_utf8(content)} bytes")
        if kind == "template_card":
            return self._card(part)
        if kind in ("image", "file") and not part.get("media_id"):
            return self._error(E_PARAM, "media_id missing")
        return None

    def _card(self, card: dict[str, Any]) -> dict[str, Any] | None:
        # research 1.6 (template card fields, quoted from 发送应用消息 / 模板卡片)
        if card.get("card_type") not in WECOM_CARD_TYPES:
            return self._error(E_PARAM, f"card_type {card.get('card_type')!r}")
        task = str(card.get("task_id", ""))
        if not WECOM_TASK_ID.fullmatch(task):
            return self._error(E_PARAM, f"task_id {task!r}: [0-9a-zA-Z_-@], ≤ 128 bytes")
        if not (card.get("main_title") or {}).get("title"):
            return self._error(E_PARAM, "main_title.title missing")
        buttons = card.get("button_list") or []
        if card.get("card_type") == "button_interaction" and not 1 <= len(buttons) <= 6:
            return self._error(E_PARAM, f"{len(buttons)} buttons (1–6)")
        keys = [b.get("key") for b in buttons]
        if any(not k or _utf8(k) > 1024 for k in keys) or len(set(keys)) != len(keys):
            return self._error(E_PARAM, "button keys: 1–1024 bytes, unique in the card")
        if len(card.get("horizontal_content_list") or []) > 6:
            return self._error(E_PARAM, "horizontal_content_list > 6")
        if len(str(card.get("sub_title_text", ""))) > 300 or \
                len(str(card["main_title"]["title"])) > 36:
            return self._error(E_PARAM, "title > 36 or sub_title_text > 300 characters")
        return None

    def message_send(self, rec: Recorded) -> dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        if rec.query.get("access_token") != "tok-1":
            return self._error(40014, "invalid access_token")
        if body.get("agentid") != self.agent_id:
            return self._error(E_AGENT, f"agentid {body.get('agentid')!r}")
        to = str(body.get("touser") or "")
        if not to or len(to.split("|")) > 1000:       # research 1.5: ≤ 1000 users
            return self._error(E_PARAM, "touser: 1–1000 users")
        bad = self._content(body)
        if bad is not None:
            return bad
        answer = {"errcode": 0, "errmsg": "ok", "msgid": f"msg-{len(self.delivered) + 1}",
                  "response_code": f"rc-{len(self.delivered) + 1}"}
        if body.get("msgtype") == "template_card":
            card = body["template_card"]
            task, card_json = str(card["task_id"]), json.dumps(card, sort_keys=True)
            # research 1.6: task_id unique per app; the same card again is a re-send
            if self._task_ids.get(task, card_json) != card_json:
                return self._error(E_PARAM, f"task_id {task} reused by another card")
            self._task_ids[task] = card_json
        if body.get("enable_duplicate_check"):
            # 发送应用消息: the same request within duplicate_check_interval (≤ 4 h) is
            # not sent again
            interval = min(int(body.get("duplicate_check_interval") or 1800), 14400)
            key = json.dumps(body, sort_keys=True, ensure_ascii=False)
            first = self._seen_json.get(key)
            if first is not None and self.clock() - first < interval:
                self.dropped.append(("duplicate", body))
                return answer
            self._seen_json[key] = self.clock()
        # 访问频率限制 (research 1.5): 30/min and 1000/h per member per app, dropped silently
        if self.over(to, 60.0, 30) or self.over(to, 3600.0, 1000):
            self.dropped.append(("per-member limit", body))
            return answer
        self.delivered.append(Delivery(to, body))
        return answer

    def appchat_send(self, rec: Recorded) -> dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        chat = str(body.get("chatid") or "")
        if not chat:
            return self._error(E_PARAM, "chatid missing")
        if body.get("msgtype") == "template_card":     # app group chats take no cards
            return self._error(E_PARAM, "template_card in appchat")
        bad = self._content(body)
        if bad is not None:
            return bad
        # research 1.5: app group chats ≤ 200/min per chat member, dropped silently
        if self.over("chat:" + chat, 60.0, 200):
            self.dropped.append(("group limit", body))
            return {"errcode": 0, "errmsg": "ok"}
        self.delivered.append(Delivery("chat:" + chat, body))
        return {"errcode": 0, "errmsg": "ok"}

    def update_card(self, rec: Recorded) -> dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        if not body.get("response_code") or not body.get("userids"):
            return self._error(E_PARAM, "response_code and userids are required")
        if "template_card" in body:
            bad = self._card(body["template_card"])
            if bad is not None:
                return bad
        return {"errcode": 0, "errmsg": "ok"}


# --------------------------------------------------------------------------- Feishu

FEISHU_RECEIVE_ID_TYPES = {"open_id", "user_id", "union_id", "email", "chat_id"}
FEISHU_MSG_TYPES = {"text", "post", "image", "file", "audio", "media", "sticker",
                    "interactive", "share_chat", "share_user"}


@dataclass
class StrictFeishu(Strict):
    _uuids: dict[str, tuple[float, str]] = field(default_factory=dict)

    def install(self) -> StrictFeishu:
        f = self.fake
        f.on("POST", "/open-apis/auth/v3/tenant_access_token/internal",
             {"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200})
        f.on("POST", "/open-apis/im/v1/messages", self.create)
        f.on("PATCH", "/open-apis/im/v1/messages/*", self.patch)
        f.on("POST", "/open-apis/im/v1/images",
             {"code": 0, "msg": "success", "data": {"image_key": "img_v3_1"}})
        f.on("POST", "/open-apis/im/v1/files",
             {"code": 0, "msg": "success", "data": {"file_key": "file_v3_1"}})
        return self

    def _error(self, code: int, why: str, status: int = 400) -> tuple[int, dict[str, Any]]:
        self.refused.append((code, why))
        return status, {"code": code, "msg": why}

    def _content(self, msg_type: str, content: Any) -> tuple[int, dict[str, Any]] | None:
        # 发送消息 (im/v1/messages create): content is a JSON string of the msg_type's object
        if not isinstance(content, str):
            return self._error(230001, "content must be a JSON string")
        try:
            obj = json.loads(content)
        except ValueError:
            return self._error(230001, "content is not JSON")
        if msg_type == "text":
            if not str(obj.get("text", "")).strip():
                return self._error(230001, "empty text")
            if _utf8(content) > 150 * 1024:            # text ≤ 150 KB
                return self._error(230025, "text over 150 KB")
        if msg_type == "interactive":
            if _utf8(content) > 30 * 1024:             # 卡片: ≤ 30 KB (error 230025)
                return self._error(230025, f"card of {_utf8(content)} bytes")
            if not isinstance(obj.get("elements"), list) or "header" not in obj:
                return self._error(200621, "card JSON without header / elements")
            shown = " ".join(str(m) for m in re.findall(
                r'"content":\s*"((?:[^"\\]|\\.)*)"', json.dumps(obj, ensure_ascii=False)))
            if re.search(r"<at\s+(id|user_id|open_id)\s*=\s*\\?\"?all", shown):
                return self._error(230028, "@all in a card")   # @所有人 not allowed for bots
        return None

    def create(self, rec: Recorded) -> tuple[int, dict[str, Any]] | dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        if rec.headers.get("Authorization") != "Bearer t-abc":
            return self._error(99991663, "invalid tenant_access_token", 401)
        if rec.query.get("receive_id_type") not in FEISHU_RECEIVE_ID_TYPES:
            return self._error(99992402, "receive_id_type")
        to, kind = str(body.get("receive_id") or ""), str(body.get("msg_type") or "")
        if not to or kind not in FEISHU_MSG_TYPES:
            return self._error(99992402, "receive_id / msg_type")
        bad = self._content(kind, body.get("content"))
        if bad is not None:
            return bad
        uuid = body.get("uuid")
        if uuid is not None:
            if not isinstance(uuid, str) or not 1 <= len(uuid) <= 50:   # uuid ≤ 50 characters
                return self._error(99992402, "uuid: 1–50 characters")
            seen = self._uuids.get(uuid)
            if seen is not None and self.clock() - seen[0] < 3600:
                # the same uuid within 1 hour: sent at most once (research 3.x)
                self.dropped.append(("duplicate uuid", body))
                return {"code": 0, "msg": "success", "data": {"message_id": seen[1]}}
        # 5 QPS per user / chat (research 3.x, unverified): refused with 230020, not dropped
        if self.over(to, 1.0, 5):
            return self._error(230020, "rate limited per chat", 400)
        message_id = f"om_{len(self.delivered) + 1}"
        if uuid is not None:
            self._uuids[uuid] = (self.clock(), message_id)
        self.delivered.append(Delivery(to, body))
        return {"code": 0, "msg": "success", "data": {"message_id": message_id}}

    def patch(self, rec: Recorded) -> tuple[int, dict[str, Any]] | dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        bad = self._content("interactive", body.get("content"))
        if bad is not None:
            return bad
        return {"code": 0, "msg": "success", "data": {}}


# --------------------------------------------------------------------------- DingTalk

DINGTALK_PARAMS = {          # msgKey → required msgParam fields (robot message types)
    "sampleText": ("content",), "sampleMarkdown": ("title", "text"),
    "sampleImageMsg": ("photoURL",), "sampleFile": ("mediaId", "fileName", "fileType"),
    "sampleLink": ("text", "title", "picUrl", "messageUrl"),
}


@dataclass
class StrictDingTalk(Strict):
    robot_code: str = "dingrobot"

    def install(self) -> StrictDingTalk:
        f = self.fake
        f.on("POST", "/v1.0/oauth2/accessToken", {"accessToken": "dt-token", "expireIn": 7200})
        f.on("POST", "/v1.0/robot/oToMessages/batchSend", self.batch_send)
        f.on("POST", "/v1.0/robot/groupMessages/send", self.group_send)
        f.on("POST", "/media/upload", {"errcode": 0, "media_id": "@lADPimg"})
        return self

    def _error(self, code: str, why: str) -> tuple[int, dict[str, Any]]:
        self.refused.append((code, why))
        return 400, {"code": code, "message": why}

    def _param(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if body.get("robotCode") != self.robot_code:
            return self._error("invalidParameter.robotCode", "robotCode")
        key = body.get("msgKey")
        if key not in DINGTALK_PARAMS:
            return self._error("invalidParameter.msgKey", f"msgKey {key!r}")
        try:
            param = json.loads(body.get("msgParam") or "")
        except ValueError:
            return self._error("invalidParameter.msgParam", "msgParam is not JSON")
        missing = [k for k in DINGTALK_PARAMS[key] if not param.get(k)]
        if missing:
            return self._error("invalidParameter.msgParam", f"missing {missing}")
        if key == "sampleText" and len(param["content"]) > 5000:
            return self._error("invalidParameter.msgParam", "text over 5000 characters")
        if key == "sampleMarkdown" and len(param["text"]) > 5000:
            return self._error("invalidParameter.msgParam", "markdown over 5000 characters")
        return None

    def batch_send(self, rec: Recorded) -> Any:
        body = rec.json if isinstance(rec.json, dict) else {}
        if rec.headers.get("x-acs-dingtalk-access-token") != "dt-token":
            return 401, {"code": "InvalidAuthentication", "message": "token"}
        users = body.get("userIds") or []
        if not 1 <= len(users) <= 20:                   # batchSend: ≤ 20 userIds a call
            return self._error("invalidParameter.userIds", "1–20 userIds")
        bad = self._param(body)
        if bad is not None:
            return bad
        for u in users:
            self.delivered.append(Delivery(str(u), body))
        return {"processQueryKey": f"pqk-{len(self.delivered)}",
                "invalidStaffIdList": [], "flowControlledStaffIdList": []}

    def group_send(self, rec: Recorded) -> Any:
        body = rec.json if isinstance(rec.json, dict) else {}
        if not body.get("openConversationId"):
            return self._error("invalidParameter.openConversationId", "missing")
        bad = self._param(body)
        if bad is not None:
            return bad
        self.delivered.append(Delivery("chat:" + body["openConversationId"], body))
        return {"processQueryKey": f"pqk-g{len(self.delivered)}"}


# --------------------------------------------------------------------------- callback replies
# What the platforms require of our answers to their callbacks; each returns the problems.

def wecom_callback_reply(status: int, body: bytes, elapsed_s: float) -> list[str]:
    """接收消息与事件 (research 1.3): answer within 5 s or WeCom retries (3 times); an
    empty body or "success" means no passive reply; anything else must be encrypted XML."""
    problems = []
    if status != 200:
        problems.append(f"HTTP {status}: WeCom does not retry a non-200, the message is lost")
    if elapsed_s >= 5.0:
        problems.append(f"answered after {elapsed_s:.1f} s (deadline 5 s)")
    if body not in (b"", b"success") and not body.startswith(b"<xml>"):
        problems.append(f"body {body[:40]!r} is neither empty nor encrypted XML")
    return problems


def feishu_callback_reply(kind: str, status: int, data: Any, elapsed_s: float,
                          challenge: str = "") -> list[str]:
    """事件订阅 / 卡片回传交互 (research 3.x): the URL check answers {"challenge"} within
    1 s; events HTTP 200 within 3 s (else retried after 15 s, 5 min, 1 h, 6 h); a card
    click within 3 s with {} or {"toast": {...}} or {"card": {"type": "raw", "data": card}},
    the card ≤ 30 KB."""
    problems = []
    deadline = 1.0 if kind == "url_verification" else 3.0
    if status != 200:
        problems.append(f"HTTP {status}")
    if elapsed_s >= deadline:
        problems.append(f"answered after {elapsed_s:.1f} s (deadline {deadline:.0f} s)")
    if not isinstance(data, dict):
        return [*problems, "not a JSON object"]
    if kind == "url_verification" and data != {"challenge": challenge}:
        problems.append(f"challenge answer {data!r}")
    if kind == "card.action.trigger" and data:
        if set(data) - {"toast", "card"}:
            problems.append(f"unknown keys {sorted(set(data) - {'toast', 'card'})}")
        card = data.get("card")
        if card is not None:
            if card.get("type") != "raw" or not isinstance(card.get("data"), dict):
                problems.append("card answer is not {type: raw, data: {...}}")
            elif _utf8(json.dumps(card["data"], ensure_ascii=False)) > 30 * 1024:
                problems.append("card over 30 KB")
    return problems
