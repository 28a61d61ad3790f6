"""Feishu (飞书) self-built app adapter.

`setup(ctx, app)` mounts `POST /feishu/events` (url_verification, encrypted and signed
events, `im.message.receive_v1`, `card.action.trigger`), registers `ctx.senders["feishu"]`
and `ctx.directories["feishu"]`, and with `CRMBOT_FEISHU_LONG_CONNECTION=true` also runs
lark-oapi's long connection in its own thread (a background coroutine).
Settings: CRMBOT_FEISHU_APP_ID / _APP_SECRET / _VERIFICATION_TOKEN / _ENCRYPT_KEY / _API_BASE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from adapters.dispatch import Dispatcher
from adapters.feishu.inbound import PLATFORM, FeishuEvents, message_to_incoming, press_to_incoming
from adapters.feishu.outbound import FeishuApi, FeishuSender, render, render_card
from adapters.http_client import UserApiDirectory
from crm_core.settings import secret

if TYPE_CHECKING:
    from adapters.context import AppContext

EVENTS_PATH = "/feishu/events"
APP_KEY: web.AppKey[FeishuEvents] = web.AppKey("feishu_events", FeishuEvents)


def setup(ctx: AppContext, app: web.Application) -> None:
    s = ctx.settings
    api = FeishuApi(s.feishu_api_base, s.feishu_app_id, secret(s.feishu_app_secret))
    sender = FeishuSender(api)
    dispatcher = Dispatcher(ctx, PLATFORM, sender)
    events = FeishuEvents(dispatcher, sender, ctx.clock,
                          encrypt_key=secret(s.feishu_encrypt_key),
                          verification_token=secret(s.feishu_verification_token))
    app.router.add_post(EVENTS_PATH, events.receive)
    app[APP_KEY] = events
    ctx.senders[PLATFORM] = sender
    ctx.directories[PLATFORM] = UserApiDirectory(PLATFORM, api.get_user,
                                                 ("email", "enterprise_email"))
    ctx.closers.append(api.close)             # closers run in reverse: dispatcher drains first
    ctx.closers.append(dispatcher.close)
    if ctx.db is not None:
        ctx.background.append(dispatcher.run)  # the inbox sweep (rows left by a restart)
    if s.feishu_long_connection:
        from adapters.feishu.longconn import LongConnection

        conn = LongConnection(events, s.feishu_app_id, secret(s.feishu_app_secret),
                              s.feishu_api_base)
        ctx.background.append(conn.run)


__all__ = ["APP_KEY", "EVENTS_PATH", "FeishuApi", "FeishuSender", "message_to_incoming",
           "press_to_incoming", "render", "render_card", "setup"]
