"""DingTalk (钉钉) enterprise internal robot, Stream mode.

`setup(ctx, app)` registers `ctx.senders["dingtalk"]` and `ctx.directories["dingtalk"]` and
appends the stream client to `ctx.background` (no HTTP route: Stream mode needs no public
URL). Settings: CRMBOT_DINGTALK_CLIENT_ID / _CLIENT_SECRET / _API_BASE / _OAPI_BASE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from dingtalk_stream import ChatbotMessage

from adapters.dingtalk.inbound import PLATFORM, BotMessageHandler, StreamClient, to_incoming
from adapters.dingtalk.outbound import (
    DingTalkApi,
    DingTalkSender,
    render_markdown,
)
from adapters.dispatch import Dispatcher
from adapters.http_client import UserApiDirectory
from crm_core.settings import secret

if TYPE_CHECKING:
    from adapters.context import AppContext

APP_KEY: web.AppKey[StreamClient] = web.AppKey("dingtalk_stream", StreamClient)


def setup(ctx: AppContext, app: web.Application) -> None:
    s = ctx.settings
    api = DingTalkApi(s.dingtalk_api_base, s.dingtalk_oapi_base, s.dingtalk_client_id,
                      secret(s.dingtalk_client_secret))
    sender = DingTalkSender(api, robot_code=s.dingtalk_client_id)
    dispatcher = Dispatcher(ctx, PLATFORM, sender)
    stream = StreamClient(api, s.dingtalk_client_id, secret(s.dingtalk_client_secret))
    handler = BotMessageHandler(dispatcher, sender, ctx.clock)
    stream.register_callback_handler(ChatbotMessage.TOPIC, handler)
    app[APP_KEY] = stream
    ctx.senders[PLATFORM] = sender
    ctx.directories[PLATFORM] = UserApiDirectory(PLATFORM, api.get_user, ("email", "org_email"))
    ctx.background.append(stream.run)
    ctx.closers.append(api.close)             # closers run in reverse: dispatcher drains first
    ctx.closers.append(dispatcher.close)
    if ctx.db is not None:
        ctx.background.append(dispatcher.run)  # the inbox sweep (rows left by a restart)


__all__ = ["APP_KEY", "DingTalkApi", "DingTalkSender", "StreamClient", "render_markdown",
           "setup", "to_incoming"]
