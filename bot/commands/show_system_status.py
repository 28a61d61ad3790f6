"""/系统 /status: the outbox by status, dead letters, and the jobs' last runs (admins).

Everything in Chinese: jobs by their Chinese label (`JOB_LABELS`; a test checks that every
registered job has one), failures by whom they were for; the English detail stays in the
logs and in `crmbot outbox` / `crmbot jobs`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.messages import Card, Reply
from bot.render.accuracy import accuracy_lines
from bot.render.format import short_dt
from crm_core.models.sla import JobRun
from crm_core.services import accuracy, system

BACKUP_JOB = "daily_backup"
STATUS_LABELS = {"pending": "待发", "sending": "发送中", "sent": "已发", "dead": "死信"}
JOB_LABELS: dict[str, str] = {
    "claim_offer_expiry": "抢单到期分配", "daily_backup": "每日备份",
    "daily_report_prompt": "日报提醒",
    "admin_weekly_accuracy": "识别准确度周报",
    "daily_report_summary": "日报汇总", "dead_letter_alert": "死信提醒",
    "draft_reminders": "草稿提醒", "inbox_prune": "收件箱清理",
    "manager_daily_digest": "经理日报",
    "manager_weekly_digest": "经理周报", "pool_reclaim": "公海回收", "rep_digest": "销售早报",
    "rescore": "线索重新评分", "sla_scan": "超时预警", "sla_sync": "预警计时同步",
    "sla_sync_full": "预警计时全量同步", "task_reminders": "待办提醒",
    "routing_notices": "分配异常汇总", "holiday_calendar_check": "节假日日历检查",
    "leader_daily_digest": "总监/管理员指标日报", "leader_weekly_digest": "总监/管理员指标周报",
}
RUN_LABELS = {"ok": "正常", "error": "出错", "running": "运行中"}


@command("系统", aliases=("status", "xt"), roles=ADMINS, group="管理")
async def show_system_status(ctx: Context) -> Reply:
    """系统状态：推送队列、死信、定时任务（管理员）"""
    async with ctx.uow() as uow:
        st = await system.system_status(uow, ctx.user)
        week = await accuracy.correction_rates(uow, ctx.user, ctx.now - accuracy.WEEK, ctx.now)
    tz = ctx.bot.clock.tz
    fields = [(STATUS_LABELS[k], str(st.counts.get(k, 0)))
              for k in ("pending", "sending", "sent", "dead")]
    if st.oldest_pending is not None:
        fields.append(("最早待发", short_dt(st.oldest_pending, tz)))
    fields.append(("最近备份", backup_line(st.runs, tz)))
    waiting = st.inbox.get("pending", 0) + st.inbox.get("working", 0)
    if waiting or st.inbox.get("dead"):
        # platform messages stored but not yet answered, or given up after 5 tries
        fields.append(("待处理消息", f"{waiting} 条" + (f"，失败 {st.inbox['dead']} 条"
                                                        if st.inbox.get("dead") else "")))
    lines = ["死信（最近 5 条）："] if st.dead else []
    lines += [f"• {short_dt(d.created_at, tz)} 发给{d.recipient or '（已删除的用户）'}的消息，"
              f"重试 {d.attempts} 次仍失败" for d in st.dead]
    if st.dead:
        lines.append("详情：crmbot outbox --status dead")
    lines.append("识别准确度（近 7 天）：")
    lines += [f"• {x}" for x in accuracy_lines(week.payload())]
    lines.append("定时任务：" if st.runs else
                 "定时任务：还没有运行记录（由 crmbot serve 运行；控制台不运行定时任务）")
    for r in st.runs:
        mark = "✅" if r.last_status == "ok" else ("❌" if r.last_status == "error" else "…")
        when = short_dt(r.last_started_at, tz) if r.last_started_at else "未运行"
        label = JOB_LABELS.get(r.name, "其他任务")
        lines.append(f"{mark} {label} {when} {RUN_LABELS.get(r.last_status or '', '')}")
    return Card("🛠 系统状态", fields=tuple(fields), body="\n".join(lines))


def backup_line(runs: Sequence[JobRun], tz: Any) -> str:
    """The daily backup's last run, in a few words: when, and whether it worked."""
    run = next((r for r in runs if r.name == BACKUP_JOB), None)
    if run is None or run.last_started_at is None:
        return "还没有"
    when = short_dt(run.last_started_at, tz)
    if run.last_status == "error":
        return f"❌ {when} 失败"
    if run.last_status != "ok":
        return f"… {when} 进行中"
    if (run.last_result or "").startswith("off"):
        return "未开启（CRMBOT_BACKUP_DIR 为空）"
    size = re.search(r"([\d.]+ MB)", run.last_result or "")
    return f"✅ {when}" + (f" {size.group(1)}" if size else "")
