from __future__ import annotations

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.services import binding


@command("绑定", aliases=("bind",), button="bind.approve", roles=ADMINS, group="管理",
         usage="/绑定 <平台> <平台用户ID> <登录名>", text=("platform", "puid", "login"))
async def user_bind(ctx: Context, platform: str, puid: str, login: str,
                    chat: str | None = None) -> Reply:
    """把聊天平台账号绑定到同事（管理员）：/绑定 wecom zhangsan zhangwei"""
    if platform not in ("wecom", "dingtalk", "feishu", "console"):
        return Text("平台只能是 wecom、dingtalk、feishu 或 console。")
    async with ctx.uow() as uow:
        user = await binding.approve_binding(uow, platform, puid, login, chat or None)
    return Text(f"✅ 已绑定：{platform} {puid} → {user.name}（{user.login}）")
