"""撤销 / undo: take back the last save (a follow-up, a correction of one, or a lead entered
in chat) within the tenant's window (config `followup.undo_minutes`, else
CRMBOT_UNDO_WINDOW_MINUTES)."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.registry import command
from bot.context import Context
from bot.messages import Reply, Text
from crm_core.policies.followups import UNDO_KEY
from crm_core.services import drafts as store
from crm_core.services import followups
from crm_core.services import leads as lead_service
from crm_core.services.catalog import get_config

KINDS = ("followup", "followup_edit", "lead")


async def undo_window(ctx: Context) -> int:
    async with ctx.uow() as uow:
        configured = await get_config(uow, UNDO_KEY)
    try:
        return max(int(configured), 0) if configured is not None else \
            int(ctx.settings.undo_window_minutes)
    except (TypeError, ValueError):
        return int(ctx.settings.undo_window_minutes)


@command("撤销", aliases=("undo", "撤回"), button="record.undo", group="常用",
         usage="/撤销", text=())
async def undo_record(ctx: Context, followup_id: int | None = None) -> Reply:
    """撤销刚才保存的跟进、修改或新建的线索：撤销"""
    minutes = await undo_window(ctx)
    async with ctx.uow() as uow:
        kinds = KINDS if followup_id is None else ("followup", "followup_edit")
        saved = await store.last_saved(uow, ctx.user, kinds, record_id=followup_id)
        if saved is None or saved.record_id is None:
            return Text("没有可以撤销的记录。")
        ref = f"#L{saved.record_id}" if saved.record_kind == "lead" else f"#F{saved.record_id}"
        if saved.closed_at is None or saved.closed_at + timedelta(minutes=minutes) < ctx.now:
            if saved.record_kind == "lead":
                return Text(f"只能撤销 {minutes} 分钟内新建的线索。无效请发「/放弃 {ref} 原因」。")
            return Text(f"只能撤销 {minutes} 分钟内保存的记录。要改内容请发「/改 {ref}」。")
        await store.close_draft(uow, saved, "undone", from_status="saved")
        if saved.record_kind == "lead":
            lead = await lead_service.undo_new_lead(uow, ctx.user, saved.record_id)
            text = (f"↩️ 已撤销新建的线索 {ref}（{lead.company or '未知单位'}），"
                    "不再提醒；同一个电话再来咨询时会重新打开。")
        elif saved.record_kind == "followup":
            name = await followups.undo_followup(uow, ctx.user, saved.record_id)
            text = f"↩️ 已撤销跟进 {ref}（{name}）：相关线索、待办已恢复原样。"
        else:
            await followups.undo_update(uow, ctx.user, saved.record_id)
            text = f"↩️ 已撤销对跟进 {ref} 的修改，恢复为修改前的内容。"
        await uow.commit()
    return Text(text)
