"""/管理: the admin menus; `/管理 撤销` reverts the last change."""

from __future__ import annotations

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.dialogs import admin as admin_dialog
from bot.messages import Reply


@command("管理", aliases=("admin", "管理菜单"), button="admin.menu", roles=ADMINS, group="管理",
         usage="/管理 [撤销]", text=("text",))
async def show_admin_menu(ctx: Context, text: str | None = None) -> list[Reply]:
    """管理菜单：人员、团队、区域、绑定、分配规则、响应时限、预设、阶段、渠道费用：/管理"""
    if text and text.strip() in ("撤销", "撤回", "undo"):
        return [await admin_dialog.undo(ctx)]
    return await admin_dialog.start(ctx)
