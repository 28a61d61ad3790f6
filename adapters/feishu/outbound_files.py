"""Feishu file messages: `POST /open-apis/im/v1/files` (multipart `file_type`, `file_name`,
`file`; ≤ 30 MB, not empty) → `file_key`, then an `im/v1/messages` message of type `file`.
Document: open.feishu.cn server-docs im-v1/file/create."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from adapters.files import check_size, display_name, extension, file_form
from adapters.http_client import ApiError, json_body
from bot.messages import File

if TYPE_CHECKING:
    from adapters.feishu.outbound import FeishuApi

MAX_BYTES = 30 * 1024 * 1024
# the file_type values the API takes; anything else goes as "stream"
FILE_TYPES = {"pdf": "pdf", "doc": "doc", "docx": "doc", "xls": "xls", "xlsx": "xls",
              "csv": "stream", "ppt": "ppt", "pptx": "ppt", "mp4": "mp4", "opus": "opus"}


async def upload_file(api: FeishuApi, name: str, data: bytes) -> str:
    check_size("feishu", len(data), low=0, high=MAX_BYTES)
    file_type = FILE_TYPES.get(extension(name), "stream")
    resp = await api.client.call(
        "POST", "open-apis/im/v1/files",
        data=lambda: file_form("file", name, data, file_type=file_type, file_name=name))
    key = (json_body(resp).get("data") or {}).get("file_key")
    if not key:
        raise ApiError("feishu file upload: no file_key", retryable=True)
    return str(key)


async def send_file(api: FeishuApi, target: str, file: File, uuids: list[str | None]
                    ) -> str | None:
    """Upload, send the file message, then the caption as text (`uuids`: the delivery
    loop's idempotency keys for the two messages)."""
    key = await upload_file(api, display_name(file.name), file.data)
    msg_id = await api.create_message(target, "file", json.dumps({"file_key": key}),
                                      uuid=uuids[0])
    if file.caption:
        await api.create_message(target, "text",
                                 json.dumps({"text": file.caption}, ensure_ascii=False),
                                 uuid=uuids[1])
    return msg_id
