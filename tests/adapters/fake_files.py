"""Fake file endpoints of the three platforms, strict about what their documents say:
sizes, types, field names, and that a file message names a file uploaded before. They plug
into `FakePlatform` (tests/adapters/fakes.py) and keep what was uploaded and sent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.adapters.fakes import FakePlatform, Recorded

MB = 1024 * 1024


@dataclass
class Uploaded:
    key: str
    filename: str
    data: bytes
    kind: str = ""


@dataclass
class FileFakes:
    """Uploads by media id / file key, and the file messages that referred to them."""

    uploads: dict[str, Uploaded] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def _store(self, prefix: str, filename: str, data: bytes, kind: str = "") -> str:
        key = f"{prefix}{len(self.uploads) + 1}"
        self.uploads[key] = Uploaded(key, filename, data, kind)
        return key


def _media(rec: Recorded, name: str) -> tuple[str, bytes] | None:
    value = rec.form.get(name)
    return value if isinstance(value, tuple) else None


# --------------------------------------------------------------------------- WeCom

def install_wecom(fake: FakePlatform, files: FileFakes) -> None:
    """qyapi: gettoken, media/upload (image/voice/video/file with their limits), and the two
    send APIs checking that a file message's media_id was uploaded."""
    limits = {"image": 10 * MB, "voice": 2 * MB, "video": 10 * MB, "file": 20 * MB}
    fake.on("GET", "/cgi-bin/gettoken",
            {"errcode": 0, "errmsg": "ok", "access_token": "tok-1", "expires_in": 7200})

    def upload(rec: Recorded) -> dict[str, Any]:
        kind = rec.query.get("type", "")
        if rec.query.get("access_token") != "tok-1":
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if kind not in limits:
            return {"errcode": 40004, "errmsg": "invalid media type"}
        media = _media(rec, "media")
        if media is None or not media[0]:
            return {"errcode": 41005, "errmsg": "media data missing"}
        if not 5 < len(media[1]) <= limits[kind]:
            return {"errcode": 40006, "errmsg": "invalid media size"}
        key = files._store("wmedia-", media[0], media[1], kind)
        return {"errcode": 0, "errmsg": "ok", "type": kind, "media_id": key,
                "created_at": "1700000000"}

    def send(rec: Recorded) -> dict[str, Any]:
        body = rec.json or {}
        if body.get("msgtype") == "file":
            media_id = (body.get("file") or {}).get("media_id")
            if media_id not in files.uploads or files.uploads[media_id].kind != "file":
                return {"errcode": 40007, "errmsg": "invalid media_id"}
        files.messages.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": f"wmsg-{len(files.messages)}"}

    fake.on("POST", "/cgi-bin/media/upload", upload)
    fake.on("POST", "/cgi-bin/message/send", send)
    fake.on("POST", "/cgi-bin/appchat/send", send)


# --------------------------------------------------------------------------- Feishu

FEISHU_FILE_TYPES = frozenset({"opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"})


def install_feishu(fake: FakePlatform, files: FileFakes) -> None:
    """open-apis: tenant token, im/v1/files (≤ 30 MB, not empty, a known file_type and a
    file_name), im/v1/messages checking a file message's file_key."""
    fake.on("POST", "/open-apis/auth/v3/tenant_access_token/internal",
            {"code": 0, "msg": "ok", "tenant_access_token": "t-1", "expire": 7200})

    def upload(rec: Recorded) -> Any:
        if rec.headers.get("Authorization") != "Bearer t-1":
            return (401, {"code": 99991663, "msg": "invalid token"})
        media = _media(rec, "file")
        if rec.form.get("file_type") not in FEISHU_FILE_TYPES or not rec.form.get("file_name"):
            return (400, {"code": 234001, "msg": "Invalid request param."})
        if media is None or not media[1]:
            return (400, {"code": 234010, "msg": "File's size can't be 0."})
        if len(media[1]) > 30 * MB:
            return (400, {"code": 234006, "msg": "The file size exceed the max value."})
        key = files._store("file_v3_", str(rec.form["file_name"]), media[1],
                           str(rec.form["file_type"]))
        return {"code": 0, "msg": "success", "data": {"file_key": key}}

    def send(rec: Recorded) -> Any:
        body = rec.json or {}
        if body.get("msg_type") == "file":
            key = json.loads(body.get("content") or "{}").get("file_key")
            if key not in files.uploads:
                return (400, {"code": 230099, "msg": "file_key not found"})
        files.messages.append(body)
        return {"code": 0, "msg": "success", "data": {"message_id": f"om_{len(files.messages)}"}}

    fake.on("POST", "/open-apis/im/v1/files", upload)
    fake.on("POST", "/open-apis/im/v1/messages", send)


# --------------------------------------------------------------------------- DingTalk

DINGTALK_FILE_TYPES = frozenset({"doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "pdf",
                                 "rar"})


def install_dingtalk(fake: FakePlatform, files: FileFakes) -> None:
    """api.dingtalk.com token + robot sends and oapi media/upload on one fake: a file ≤ 20 MB
    of an accepted type; `sampleFile` must name an uploaded media id."""
    fake.on("POST", "/v1.0/oauth2/accessToken", {"accessToken": "dt-1", "expireIn": 7200})

    def upload(rec: Recorded) -> dict[str, Any]:
        if rec.query.get("access_token") != "dt-1":
            return {"errcode": 40014, "errmsg": "不合法的access_token"}
        media = _media(rec, "media")
        if rec.query.get("type") != "file" or media is None:
            return {"errcode": 40004, "errmsg": "不合法的媒体文件类型"}
        name, data = media
        if name.rsplit(".", 1)[-1].lower() not in DINGTALK_FILE_TYPES:
            return {"errcode": 40005, "errmsg": "不合法的文件类型"}
        if not 0 < len(data) <= 20 * MB:
            return {"errcode": 40006, "errmsg": "不合法的文件大小"}
        key = files._store("@lAz", name, data, "file")
        return {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": key}

    def send(rec: Recorded) -> Any:
        body = rec.json or {}
        if rec.headers.get("x-acs-dingtalk-access-token") != "dt-1":
            return (401, {"code": "InvalidAuthentication", "message": "token"})
        if body.get("msgKey") == "sampleFile":
            param = json.loads(body.get("msgParam") or "{}")
            if param.get("mediaId") not in files.uploads or not param.get("fileName"):
                return (400, {"code": "invalidParameter", "message": "mediaId"})
        files.messages.append(body)
        return {"processQueryKey": f"pqk-{len(files.messages)}"}

    fake.on("POST", "/media/upload", upload)
    fake.on("POST", "/v1.0/robot/oToMessages/batchSend", send)
    fake.on("POST", "/v1.0/robot/groupMessages/send", send)
