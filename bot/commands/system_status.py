"""/系统 /status: the outbox by status, dead letters, and the jobs' last runs (admins)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from bot.commands.registry import ADMINS, command
from bot.context import Context
from bot.messages import Card, Reply
from bot.render.format import clip, short_dt
from crm_core.models import OutboxMessage
from crm_core.models.sla import JobRun

BACKUP_JOB = "daily_backup"
STATUS_LABELS = {"pending": "待发", "sending": "发送中", "sent": "已发", "dead": "死信"}


@command("系统", aliases=("status", "xt"), roles=ADMINS, group="管理")
async def system_status(ctx: Context) -> Reply:
    """系统状态：推送队列、死信、定时任务（管理员）"""
    async with ctx.uow() as uow:
        s = uow.session
        status = col(OutboxMessage.status)
        counts: dict[str, int] = {str(k): int(n) for k, n in (await s.execute(
            sa.select(status, sa.func.count()).group_by(status))).all()}
        dead = (await s.execute(sa.select(OutboxMessage).where(status == "dead")
                                .order_by(col(OutboxMessage.id).desc()).limit(5))).scalars().all()
        oldest = (await s.execute(sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            status == "pending"))).scalar()
        runs = (await s.execute(sa.select(JobRun).order_by(JobRun.name))).scalars().all()
    tz = ctx.bot.clock.tz
    fields = [(STATUS_LABELS.get(k, k), str(counts.get(k, 0)))
              for k in ("pending", "sending", "sent", "dead")]
    if oldest is not None:
        fields.append(("最早待发", short_dt(oldest, tz)))
    fields.append(("最近备份", backup_line(runs, tz)))
    lines = ["死信（最近 5 条）："] if dead else []
    lines += [f"#{m.id} {m.kind} → {m.recipient_id}：{clip(m.last_error, 40)}" for m in dead]
    lines.append("定时任务：")
    for r in runs:
        mark = "✅" if r.last_status == "ok" else ("❌" if r.last_status == "error" else "…")
        when = short_dt(r.last_started_at, tz) if r.last_started_at else "未运行"
        detail = clip(r.last_error if r.last_status == "error" else r.last_result, 40)
        lines.append(f"{mark} {r.name} {when} {detail}")
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
