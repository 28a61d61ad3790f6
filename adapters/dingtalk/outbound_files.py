"""DingTalk file messages: `oapi media/upload?type=file` (multipart `media`; ≤ 20 MB; doc,
docx, xls, xlsx, ppt, pptx, zip, pdf, rar) → `media_id`, then a robot message `sampleFile`
{mediaId, fileName, fileType} through the OpenAPI (the session webhook carries no files).
Documents: open.dingtalk.com 上传媒体文件, 企业机器人发送消息的消息类型."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from adapters.files import check_size, display_name, extension, upload_media_file
from bot.messages import ChatRef, File
from bot.ports import SendError

if TYPE_CHECKING:
    from adapters.dingtalk.outbound import DingTalkApi

MAX_BYTES = 20 * 1024 * 1024
FILE_TYPES = frozenset({"doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "pdf", "rar"})

OpenApi = Callable[[ChatRef, str, dict[str, Any]], Awaitable[str | None]]


async def upload_file(api: DingTalkApi, name: str, data: bytes) -> str:
    check_size("dingtalk", len(data), low=0, high=MAX_BYTES)
    if extension(name) not in FILE_TYPES:
        raise SendError(f"dingtalk: file type {extension(name)!r} not accepted",
                        retryable=False)
    return await upload_media_file(api.oapi, "dingtalk", name, data)


async def send_file(api: DingTalkApi, openapi: OpenApi, to: ChatRef, file: File
                    ) -> str | None:
    """Upload, send `sampleFile`; the caption follows through the sender as text."""
    name = display_name(file.name)
    media_id = await upload_file(api, name, file.data)
    return await openapi(to, "sampleFile", {"mediaId": media_id, "fileName": name,
                                            "fileType": extension(name)})
