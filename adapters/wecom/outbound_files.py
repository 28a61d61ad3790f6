"""WeCom file messages: `media/upload?type=file` (multipart field `media`, ≤ 20 MB, more
than 5 bytes; the media id lives 3 days), then a `file` message through message/send or
appchat/send. Document: developer.work.weixin.qq.com path/90253 (上传临时素材) and
path/90236 (发送应用消息 · 文件消息)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from adapters.files import check_size, display_name, upload_media_file
from bot.messages import ChatRef, File

if TYPE_CHECKING:
    from adapters.wecom.outbound import WeComApi

MIN_BYTES = 5
MAX_BYTES = 20 * 1024 * 1024

Post = Callable[[ChatRef, dict[str, Any]], Awaitable[str | None]]


async def upload_file(api: WeComApi, name: str, data: bytes) -> str:
    check_size("wecom", len(data), low=MIN_BYTES, high=MAX_BYTES)
    return await upload_media_file(api.client, "wecom", name, data)


async def send_file(api: WeComApi, post: Post, to: ChatRef, file: File) -> str | None:
    """Upload, send the file message, then the caption as text."""
    media_id = await upload_file(api, display_name(file.name), file.data)
    msg_id = await post(to, {"msgtype": "file", "file": {"media_id": media_id}})
    if file.caption:
        await post(to, {"msgtype": "text", "text": {"content": file.caption}})
    return msg_id
