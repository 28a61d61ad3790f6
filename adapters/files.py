"""What the three platforms' file messages share: a safe display name, the MIME type, the
multipart form (names in raw UTF-8, as the platforms display them), the size check."""

from __future__ import annotations

import mimetypes
import re

import aiohttp

from adapters.http_client import ApiClient, ApiError, json_body
from bot.ports import SendError

_UNSAFE = re.compile(r'[\x00-\x1f"\\/:*?<>|]')
EXTRA_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".csv": "text/csv"}


def display_name(name: str, default: str = "file") -> str:
    """A file name the receiving client can show: no path, quotes or control characters
    (they would break the multipart header), at most 120 characters."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else base[:120]
    return base or default


def content_type(name: str) -> str:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_size(platform: str, size: int, *, low: int, high: int) -> None:
    """A file the platform would refuse: a permanent send error, before any upload."""
    if size <= low or size > high:
        raise SendError(f"{platform}: file of {size} bytes outside ({low}, {high}]",
                        retryable=False)


def file_form(field: str, name: str, data: bytes, **fields: str) -> aiohttp.FormData:
    """A multipart form with the file under `field`; the file name goes out as UTF-8, not
    percent-encoded (WeCom and DingTalk would display the escapes)."""
    form = aiohttp.FormData(quote_fields=False)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field(field, data, filename=name, content_type=content_type(name))
    return form


async def upload_media_file(client: ApiClient, platform: str, name: str, data: bytes) -> str:
    """`POST media/upload?type=file` (multipart field `media`) → its `media_id`: the legacy
    media API that WeCom's qyapi and DingTalk's oapi share."""
    resp = await client.call("POST", "media/upload", params={"type": "file"},
                             data=lambda: file_form("media", name, data))
    media_id = json_body(resp).get("media_id")
    if not media_id:
        raise ApiError(f"{platform} media/upload (file): no media_id", retryable=True)
    return str(media_id)
