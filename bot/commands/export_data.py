"""/导出 /export: an Excel file of what the user may see, back into the chat."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Button, Card, File, Reply, Text
from bot.xlsx import run_export
from crm_core.services import export as export_service

MAX_CHAT_FILE_BYTES = 20 * 1024 * 1024     # the smallest platform limit (WeCom, DingTalk)
MENU = (("本月跟进", "跟进 本月"), ("本月线索", "线索 本月"), ("客户和联系人", "客户"),
        ("本月商机", "商机 本月"), ("本月待办", "待办 本月"), ("本月全部", "全部 本月"))


def export_filename(flt: export_service.ExportFilter, stamp: str) -> str:
    what = "全部" if set(flt.kinds) == set(export_service.KINDS) else "".join(
        export_service.KINDS[k] for k in flt.kinds)
    period = f"-{flt.period.label}" if flt.period else ""
    return f"导出-{what}{period}-{stamp}.xlsx".replace("/", "-").replace("~", "至")


@command("导出", aliases=("export", "dc"), button="export.run", group="数据",
         usage="/导出 [内容] [时间] [负责人/团队/阶段/来源]", text=("args",))
async def export_data(ctx: Context, args: str | None = None) -> list[Reply]:
    """导出 Excel：/导出 跟进 本月（只含你能看到的数据）"""
    if ctx.in_group:
        return [Text("导出的文件含客户电话，请在和我的单聊里发 /导出。")]
    if not args or not args.strip():
        return [Card("导出 Excel", body="选一项，或直接写：/导出 跟进 上月 张伟\n"
                     "时间可写 本周、上月、2026-01-01~2026-03-31；也可加团队、阶段、来源。",
                     buttons=tuple(Button(label, "export.run", {"args": words})
                                   for label, words in MENU))]
    async with ctx.uow() as uow:
        flt = await export_service.parse_words(
            uow, args.replace("，", " ").replace("、", " ").split(), ctx.now.date())
        scope = await export_service.resolve_scope(uow, ctx.user, flt)
    await ctx.say(Text("正在导出，请稍候…"))
    name = export_filename(flt, ctx.now.strftime("%Y%m%d-%H%M"))
    with tempfile.TemporaryDirectory(prefix="crmbot-export-") as tmp:
        path = Path(tmp) / "export.xlsx"
        counts = await run_export(ctx.uow, scope, path, name)
        size = path.stat().st_size
        data = path.read_bytes() if counts.total and size <= MAX_CHAT_FILE_BYTES else b""
    if not counts.total:
        return [Text("没有符合条件的数据。换个时间范围试试。")]
    if not data:
        return [Text(f"文件有 {size / 1e6:.0f} MB，超过聊天里能发的 20 MB。"
                     "请缩小时间范围，或请管理员用 crmbot export 导出。")]
    parts = "、".join(f"{title} {n} 行" for title, n in counts.sheets.items() if n)
    detail = " · ".join(f"{k}：{v}" for k, v in flt.describe().items() if k != "内容")
    return [File(name, data, caption=f"已导出：{parts}" + (f"（{detail}）" if detail else ""))]
