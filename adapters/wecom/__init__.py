"""WeCom (企业微信) self-built app adapter.

`setup(ctx, app)` mounts `GET/POST /wecom/callback`, registers `ctx.senders["wecom"]` and
`ctx.directories["wecom"]`, and closes the HTTP session on shutdown.
Settings: CRMBOT_WECOM_CORP_ID / _AGENT_ID / _SECRET / _TOKEN / _AES_KEY / _API_BASE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto

from adapters.dispatch import Dispatcher
from adapters.http_client import UserApiDirectory
from adapters.wecom.inbound import PLATFORM, WeComCallback, parse_xml, to_incoming
from adapters.wecom.outbound import WeComApi, WeComSender, render
from crm_core.settings import secret

if TYPE_CHECKING:
    from adapters.context import AppContext

CALLBACK_PATH = "/wecom/callback"
APP_KEY: web.AppKey[WeComCallback] = web.AppKey("wecom_callback", WeComCallback)


def make_api(ctx: AppContext) -> WeComApi:
    s = ctx.settings
    return WeComApi(s.wecom_api_base, s.wecom_corp_id, secret(s.wecom_secret), s.wecom_agent_id)


def setup(ctx: AppContext, app: web.Application) -> None:
    s = ctx.settings
    api = make_api(ctx)
    sender = WeComSender(api)
    dispatcher = Dispatcher(ctx, PLATFORM, sender)
    crypto = WeChatCrypto(secret(s.wecom_token), secret(s.wecom_aes_key), s.wecom_corp_id)
    callback = WeComCallback(crypto, dispatcher, sender, ctx.clock, agent_id=s.wecom_agent_id)
    app.router.add_get(CALLBACK_PATH, callback.verify_url)
    app.router.add_post(CALLBACK_PATH, callback.receive)
    app[APP_KEY] = callback
    ctx.senders[PLATFORM] = sender
    ctx.directories[PLATFORM] = UserApiDirectory(PLATFORM, api.get_user, ("email", "biz_mail"))
    ctx.closers.append(api.close)           # closers run in reverse: dispatcher drains first
    ctx.closers.append(dispatcher.close)
    if ctx.db is not None:
        ctx.background.append(dispatcher.run)  # the inbox sweep (rows left by a restart)


__all__ = ["APP_KEY", "CALLBACK_PATH", "WeComApi", "WeComSender", "parse_xml", "render",
           "setup", "to_incoming"]
