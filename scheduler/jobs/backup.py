"""The daily backup into CRMBOT_BACKUP_DIR, keeping the newest CRMBOT_BACKUP_KEEP; its
result is the job's last run (shown in /系统), a failure is also pushed to the admins."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from crm_core.backup import BackupError, create_backup, default_name, list_backups, prune_backups
from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.services.users import admins
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork
from scheduler.registry import daily_at, job
from scheduler.util import in_uow

log = logging.getLogger(__name__)
KIND = "backup.failed"


@job("daily_backup", daily_at("backup_time"), "back up the database, keep the newest N")
async def daily_backup(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    folder = settings.backup_dir
    if folder is None:
        return "off (CRMBOT_BACKUP_DIR is empty)"
    day = now.strftime("%Y%m%d")
    done = [p for p in list_backups(folder) if p.name.startswith(f"crmbot-{day}")]
    if done:                    # another instance on the same folder took today's already
        return f"{done[0].name} already taken"
    try:
        result = await asyncio.to_thread(create_backup, db.url, folder / default_name(now),
                                         now=now)
    except (BackupError, OSError) as e:
        reason = getattr(e, "user_message", None) or f"{type(e).__name__}: {e}"
        await in_uow(db, clock, lambda uow: _tell_admins(uow, day, str(reason)))
        raise
    gone = await asyncio.to_thread(prune_backups, folder, settings.backup_keep)
    kept = len(list_backups(folder))
    return (f"{result.path.name} {result.size / 1e6:.1f} MB, {result.rows} rows, "
            f"kept {kept}" + (f", deleted {len(gone)}" if gone else ""))


async def _tell_admins(uow: UnitOfWork, day: str, reason: str) -> None:
    for admin in await admins(uow):
        uow.notify(KIND, admin.id, {"day": day, "reason": reason[:300]},
                   dedupe_key=f"{KIND}:{day}:{admin.id}")
