"""The upload page of `/导入`: an admin opens the one-time link the bot gave them and sends
a customer or contact file from a browser (WeCom delivers no file messages to apps).

`GET /upload/{token}` shows a form; `POST` reads one multipart file (at most 20 MB, read
while streaming), hands it to the bot, which stages it for the link's admin and pushes the
preview card into their chat. The token is checked by the bot (hashed, single use, 30
minutes); the page never echoes it, and is served with a strict CSP and no referrer."""

from __future__ import annotations

import html
import re

from aiohttp import BodyPartReader, web

from adapters.context import AppContext
from bot.commands.import_accounts import receive_upload
from crm_core.spreadsheet import MAX_BYTES

PATH = "/upload/{token}"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CTX_KEY: web.AppKey[AppContext] = web.AppKey("crmbot_upload", AppContext)
_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                       "form-action 'self'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store"}
_FORM = ('<form method="post" enctype="multipart/form-data">'
         '<p><input type="file" name="file" accept=".xlsx,.csv" required></p>'
         '<p><button type="submit">上传</button></p></form>')


def page(message: str, *, form: bool = False, status: int = 200) -> web.Response:
    body = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<title>导入客户或联系人</title></head>'
            '<body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">'
            f'<h3>导入客户或联系人</h3><p>{html.escape(message)}</p>'
            f'{_FORM if form else ""}</body></html>')
    return web.Response(text=body, content_type="text/html", charset="utf-8", status=status,
                        headers=_HEADERS)


async def show_form(request: web.Request) -> web.Response:
    if not _TOKEN.match(request.match_info["token"]):
        return page("链接不对，请在聊天里重新发 /导入。", status=404)
    return page(f"选择填好的 Excel（.xlsx）或 CSV 文件，最大 {MAX_BYTES // 1_000_000} MB。",
                form=True)


async def take_file(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    if not _TOKEN.match(token):
        return page("链接不对，请在聊天里重新发 /导入。", status=404)
    if request.content_length is not None and request.content_length > MAX_BYTES + 65536:
        return page("文件太大，请拆成几个小文件。", status=413)
    try:
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and getattr(part, "name", None) != "file":
            part = await reader.next()
    except (ValueError, AssertionError):
        return page("没有收到文件，请重新选择。", status=400)
    if not isinstance(part, BodyPartReader):
        return page("没有收到文件，请重新选择。", status=400)
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(65536):
        size += len(chunk)
        if size > MAX_BYTES:
            return page("文件太大，请拆成几个小文件。", status=413)
        chunks.append(chunk)
    name = (part.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    status, said = await receive_upload(request.app[CTX_KEY].bot, token, name, b"".join(chunks))
    return page(said, status=status)


def setup(ctx: AppContext, app: web.Application) -> None:
    app[CTX_KEY] = ctx
    app.router.add_get(PATH, show_form)
    app.router.add_post(PATH, take_file)
