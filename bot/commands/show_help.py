from __future__ import annotations

from bot.commands.registry import all_commands, by_name, command
from bot.context import Context
from bot.messages import Reply, Text


@command("帮助", aliases=("help", "?", "？", "菜单"), group="常用")
async def show_help(ctx: Context, name: str | None = None) -> Reply:
    """看全部命令，或某个命令的用法：/帮助 [命令]"""
    if name:
        spec = by_name(name.lstrip("/／"))
        if spec is None or ctx.role not in spec.roles:
            return Text(f"没有「{name}」这个命令。发 /帮助 看全部命令。")
        alias = "、".join(f"/{a}" for a in spec.aliases if a.isascii())
        return Text(f"{spec.help}\n用法：{spec.usage}" + (f"\n也可以用：{alias}" if alias else ""))
    groups: dict[str, list[str]] = {}
    for spec in sorted(all_commands(), key=lambda s: (s.group, s.name)):
        if spec.hidden or ctx.role not in spec.roles:
            continue
        english = next((a for a in spec.aliases if a.isascii() and a.isalpha()), "")
        tag = f" /{english}" if english else ""
        groups.setdefault(spec.group, []).append(f"/{spec.name}{tag}　{spec.help.split('：')[0]}")
    lines = ["直接发文字或语音即可记录跟进，例如：", "「下午见了鼓楼医院王主任，下周二送样机」", ""]
    for group, items in groups.items():
        lines.append(f"【{group}】")
        lines.extend(items)
    lines.append("任何时候发「取消」可退出当前操作。")
    return Text("\n".join(lines))
