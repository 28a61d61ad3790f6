"""The composition root: the one place that knows everyone. Builds the database, clock,
bot, platform adapters, scheduler and HTTP application from the settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters import http, upload
from adapters.context import AppContext
from adapters.voice import asr_config_from_settings
from bot.addressing import BotPresenter
from bot.core import Bot
from crm_core.clock import make_clock
from crm_core.db import Database, migrate
from crm_core.settings import Settings

log = logging.getLogger(__name__)


def make_transcriber(settings: Settings) -> Any | None:
    """The voice worker (the model loads lazily on the first note)."""
    try:
        from nlp.asr import TranscriptionWorker

        return TranscriptionWorker(asr_config_from_settings(settings))
    except Exception:  # voice is optional: the bot still works with text
        log.warning("voice transcription unavailable; voice notes will be refused",
                    exc_info=True)
        return None


def build_context(
    settings: Settings, *, voice: bool = True, do_migrate: bool = True
) -> AppContext:
    if do_migrate:
        migrate(settings.database_url)
    db = Database(settings.database_url)
    clock = make_clock(settings.now, settings.timezone)
    ctx = AppContext(settings=settings, db=db, clock=clock, bot=None)
    transcriber = make_transcriber(settings) if voice else None
    ctx.bot = Bot(db, clock, settings, directories=ctx.directories, transcriber=transcriber)
    if transcriber is not None and hasattr(transcriber, "close"):
        ctx.closers.append(transcriber.close)
        if hasattr(transcriber, "start"):
            # warm the model up in the background: the first voice note need not wait
            ctx.background.append(lambda: _warm_up(transcriber))
    ctx.closers.append(db.dispose)
    return ctx


async def _warm_up(transcriber: Any) -> None:
    try:
        await transcriber.start()
    except Exception:  # voice stays optional: notes get a clear refusal instead
        log.warning("voice model warm-up failed; voice notes will be refused", exc_info=True)


def attach_platforms(ctx: AppContext, app: web.Application) -> list[str]:
    try:
        from adapters.platforms import PLATFORM_SETUPS
    except ImportError:  # pragma: no cover - platforms package missing
        return []
    started = []
    for name, spec in PLATFORM_SETUPS.items():
        if spec.enabled(ctx.settings):
            spec.setup(ctx, app)
            started.append(name)
            log.info("platform %s enabled", name)
    return started


def attach_scheduler(ctx: AppContext) -> None:
    if not ctx.settings.scheduler_enabled:
        return
    try:
        from scheduler import start_scheduler
    except ImportError:
        log.warning("scheduler not available")
        return

    async def run() -> None:
        stop = await start_scheduler(ctx.db, ctx.clock, ctx.settings, ctx.senders,
                                     BotPresenter())
        try:
            await asyncio.Event().wait()
        finally:
            await stop()

    ctx.background.append(run)


def attach_db_upkeep(ctx: AppContext) -> None:
    """PostgreSQL whose autovacuum is off: vacuum and analyse the tables that are due every
    `CRMBOT_DB_MAINTENANCE_SECONDS` (crm_core.infra.pg_maintenance), whether or not this
    process runs the scheduler: a process that only takes web forms writes the most rows."""
    every = ctx.settings.db_maintenance_seconds
    if getattr(ctx.db, "dialect", None) != "postgresql" or every <= 0:   # (tests: no db)
        return
    from crm_core.infra.pg_maintenance import maintain

    async def run() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                done = await maintain(ctx.db)
            except Exception as e:     # the database away: try again next time
                log.warning("db maintenance failed: %s", type(e).__name__)
                continue
            if done.startswith(("vacuum", "analyze")):
                log.info("db maintenance: %s", done)

    ctx.background.append(run)


def build_web_app(ctx: AppContext, *, scheduler: bool = True) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    http.setup(ctx, app)
    upload.setup(ctx, app)
    attach_platforms(ctx, app)
    if "console" not in ctx.senders:
        # users reachable only in the console (the demo company, admins at the terminal):
        # their pushes are written to var/console-pushes.log instead of dying undelivered
        from adapters.console import ConsoleSender

        ctx.senders["console"] = ConsoleSender(lambda: "", Path("var") / "console-pushes.log")
    if scheduler:
        attach_scheduler(ctx)
    attach_db_upkeep(ctx)
    tasks: list[asyncio.Task[None]] = []

    async def on_startup(_: web.Application) -> None:
        for factory in ctx.background:
            tasks.append(asyncio.create_task(factory()))

    async def on_cleanup(_: web.Application) -> None:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for closer in reversed(ctx.closers):
            with contextlib.suppress(Exception):
                await closer()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def run_server(settings: Settings, host: str, port: int) -> int:
    """Serve until SIGTERM / SIGINT. Then: stop accepting, let in-flight requests finish
    and the platform callbacks already acknowledged send their replies (both within
    CRMBOT_SHUTDOWN_SECONDS), stop the scheduler, close the database."""
    ctx = build_context(settings)
    app = build_web_app(ctx)
    log.info("crmbot serving on http://%s:%d (database: %s%s)", host, port, ctx.db.dialect,
             ", SO_REUSEPORT" if settings.reuse_port else "")
    web.run_app(app, host=host, port=port, print=None, access_log=None,
                shutdown_timeout=settings.shutdown_seconds,
                reuse_port=settings.reuse_port or None)
    return 0
