"""PostgreSQL with autovacuum off: vacuum and analyse the tables that are due
(crm_core.infra.pg_maintenance; nothing where autovacuum is on, or on SQLite)."""

from __future__ import annotations

from datetime import datetime

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.infra import pg_maintenance
from crm_core.settings import Settings
from scheduler.registry import every, job


@job("db_maintenance", every(seconds=10),
     "PostgreSQL with autovacuum off: VACUUM / ANALYZE the tables that are due")
async def db_maintenance(db: Database, _clock: Clock, _settings: Settings, _now: datetime) -> str:
    return await pg_maintenance.maintain(db)
