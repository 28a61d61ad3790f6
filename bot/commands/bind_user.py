"""/绑定: bind a chat platform account to a colleague (admins; the [批准] button too)."""

from __future__ import annotations

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.services import binding
from crm_core.services.admin import PLATFORM_LABELS


@command("绑定", aliases=("bind",), button="bind.approve", roles=ADMINS, group="管理",
         usage="/绑定 <平台> <平台账号> <登录名>", text=("platform", "puid", "login"))
async def bind_user(ctx: Context, platform: str, puid: str, login: str,
                    chat: str | None = None) -> Reply:
    """把聊天平台账号绑定到同事（管理员）：/绑定 企业微信 ZhangSan zhangwei"""
    key = next((k for k, v in PLATFORM_LABELS.items() if platform in (k, v)), None)
    if key is None:
        return Text(f"平台只能是：{'、'.join(PLATFORM_LABELS.values())}。")
    async with ctx.uow() as uow:
        user = await binding.approve_binding(uow, key, puid, login, chat or None)
    return Text(f"✅ 已绑定：{PLATFORM_LABELS[key]}账号 {puid} → {user.name}（{user.login}）")
