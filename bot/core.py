"""The bot: maps the chat user to a CRM user, then routes a button press or command to its
handler, free text (or a transcript) through nlp to a dialog, and turns every failure into a
short Chinese answer (the stack trace goes to the log, never to the user)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from bot import texts
from bot.catalog import CatalogCache, ReadAhead
from bot.commands import registry
from bot.commands.import_accounts import receive_file
from bot.context import Context, Respond
from bot.dialogs import engine, focus, followup_read
from bot.dialogs.intents import start_from_text
from bot.messages import Incoming, Reply, Text
from bot.ports import UserDirectory
from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.errors import CrmError
from crm_core.models import User
from crm_core.services import binding, inbound, users
from crm_core.settings import Settings
from crm_core.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
CANCEL_WORDS = frozenset({"取消", "算了", "不用了", "cancel", "/取消", "/cancel", "退出"})


class Transcriber(Protocol):
    async def transcribe(
        self, audio: bytes, fmt: str | None, *, vocabulary: Any | None = None,
        hints: Any | None = None,
    ) -> Any: ...


def load_plugins() -> None:
    """Import every command and dialog module (one file each)."""
    import bot.commands as cmds
    import bot.dialogs as dlgs

    for pkg in (cmds, dlgs):
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name not in ("registry",):
                importlib.import_module(f"{pkg.__name__}.{info.name}")


def _typed_text(incoming: Incoming) -> bool:
    """Text that `Bot._text` reads at the chat's focus first (not a command: no slash)."""
    text = incoming.text.strip()
    return bool(text) and text[:1] not in ("/", "／") and incoming.pressed is None \
        and not incoming.menu_key and not incoming.entered and incoming.file is None \
        and incoming.voice is None


class Bot:
    def __init__(
        self, db: Database, clock: Clock, settings: Settings, *,
        directories: dict[str, UserDirectory] | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.directories = directories if directories is not None else {}
        self.transcriber = transcriber
        self.catalog = CatalogCache()
        self.dialog_ttl = timedelta(minutes=settings.dialog_ttl_minutes)
        load_plugins()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.clock)

    async def report_problem(self, platform: str, text: str) -> None:
        """Tell the admins about a platform problem (at most once per hour per problem)."""
        async with self.uow() as uow:
            await binding.report_problem(uow, platform, text)

    async def first_time(self, platform: str, event_id: str) -> bool:
        """False for a platform's retried delivery of an event we already took."""
        async with self.uow() as uow:
            return await inbound.first_time(uow, platform, event_id)

    async def handle(self, incoming: Incoming, respond: Respond | None = None) -> list[Reply]:
        shared: dict[str, Any] = {}     # reads the message's units of work share (the versions)
        memo: dict[str, Any] = {"uow": shared}
        try:
            user = await self._resolve_user(incoming, shared, memo)
            if user is None:
                return await self._unbound(incoming)
            ctx = Context(self, user, incoming, respond, memo=memo)
            return await focus.fit_and_remember(ctx, await self._dispatch(ctx))
        except CrmError as e:
            log.info("refused %s from %s: %s", incoming.event_id, incoming.chat.user_id, e)
            return [Text(e.user_message)]
        except Exception:
            log.exception("failed to handle event %s on %s", incoming.event_id,
                          incoming.chat.platform)
            return [Text(texts.INTERNAL_ERROR)]

    # --- users -------------------------------------------------------------------------

    async def _resolve_user(self, incoming: Incoming, shared: dict[str, Any] | None = None,
                            memo: dict[str, Any] | None = None) -> User | None:
        """The bound user; with `memo` (the message's), typed text also gets the chat's focus
        and its open draft read in this unit of work, with the cache versions (one statement:
        every such text reads them first)."""
        uid = incoming.chat.user_id
        if not uid:
            return None
        typed = memo is not None and _typed_text(incoming)
        reading = self._read_ahead(incoming, uid) if typed else None
        async with UnitOfWork(self.db, self.clock, shared=shared) as uow:
            named = followup_read.names_to_look_up(reading.reading) if reading else None
            ahead = None
            if typed:
                first = focus.read_ahead(
                    uow, incoming.chat.key,
                    named=(reading.user_id, named) if reading and named else None)
                # on a database over the network, the reading's later stages run while
                # the statement is on its way (SQLite answers at once: nothing to overlap)
                ahead = await (meanwhile(first, reading.reading.extraction)
                               if reading is not None and self.db.dialect != "sqlite"
                               else first)
            user = await users.user_for_message(uow, incoming.chat.platform, uid)
            if user is not None:
                if not user.active:
                    return None
                # (checked against the versions read with the focus, before a touch's
                # commit makes the next check read them again)
                holds = reading is not None and reading.user_id == user.id and \
                    await self.catalog.holds(uow, reading)
                await binding.touch(uow, user)
                if memo is not None and ahead is not None:
                    focus.remember(memo, user, ahead)
                    if holds and reading is not None:
                        followup_read.remember_reading(
                            memo, incoming.text.strip(), reading.extraction,
                            (named, ahead[2]) if named and ahead[2] is not None else None)
                return user
        directory = self.directories.get(incoming.chat.platform)
        if directory is None:
            return None
        try:
            entry = await directory.lookup(uid)
        except Exception:  # the platform's user API failing must not lose the message
            log.warning("user directory lookup failed for %s on %s", uid,
                        incoming.chat.platform, exc_info=True)
            return None
        if entry is None:
            return None
        async with self.uow() as uow:
            return await binding.bind_by_contact_info(
                uow, incoming.chat.platform, uid, entry.phone, entry.email,
                chat_id=incoming.chat.chat_id,
            )

    def _read_ahead(self, incoming: Incoming, uid: str) -> ReadAhead | None:
        """Typed text that may be a note, read before the message's first statement with
        what this process keeps (the catalog, the rep's learned words, the rep's id), so
        that the statement also reads the customers it names: one round trip less. Used
        only once that statement shows it was read at the committed versions."""
        text = incoming.text.strip()
        if len(text) < 4 or text.lower() in CANCEL_WORDS or registry.match_typed(text):
            return None
        user_id = users.kept_user_id(self.db, incoming.chat.platform, uid)
        if user_id is None:
            return None
        return self.catalog.read_ahead(user_id, text, self.clock.now())

    async def _unbound(self, incoming: Incoming) -> list[Reply]:
        uid = incoming.chat.user_id or ""
        async with self.uow() as uow:
            await binding.request_binding(
                uow, incoming.chat.platform, uid, incoming.chat.chat_id,
                display=incoming.chat.user_id or "",
            )
        return [Text(texts.UNBOUND)]

    # --- routing -----------------------------------------------------------------------

    async def _dispatch(self, ctx: Context) -> list[Reply]:
        inc = ctx.incoming
        if inc.pressed is not None:
            return await self._press(ctx, inc.pressed.action, dict(inc.pressed.args))
        if inc.menu_key:
            return await self._text(ctx, "/" + inc.menu_key.lstrip("/"))
        if inc.entered:
            return [Text(texts.welcome(ctx.user.name))]
        if inc.file is not None:
            return await receive_file(ctx, inc.file)
        text = inc.text.strip()
        if inc.voice is not None:
            from bot.voice import transcribe_incoming

            transcript, replies = await transcribe_incoming(ctx, inc.voice)
            if transcript is None:
                return replies
            out = await self._text(ctx, transcript, from_voice=True)
            return [*replies, *out]
        if not text:
            return [Text(texts.EMPTY)]
        return await self._text(ctx, text)

    async def _press(self, ctx: Context, action: str, args: dict[str, str]) -> list[Reply]:
        if action.startswith("dlg."):
            return await engine.handle_button(ctx, action, args)
        if action == focus.MORE_ACTION:
            return await focus.more_buttons(ctx, args)
        spec = registry.by_button(action)
        if spec is None:
            return [Text(texts.CARD_EXPIRED)]
        return await self._run(ctx, spec, "", args)

    async def _text(self, ctx: Context, text: str, *, from_voice: bool = False) -> list[Reply]:
        if text.lower() in CANCEL_WORDS:
            cancelled = await engine.cancel_focused(ctx)
            return cancelled if cancelled is not None else [Text(texts.NOTHING_TO_CANCEL)]
        slash = text[:1] in ("/", "／")
        if slash:
            found = registry.match(text[1:])
            if found is None:
                return [Text(texts.unknown_command(text[1:], registry.suggest(text[1:])))]
            return await self._run(ctx, found[0], found[1], None)
        # a menu item typed out beats a command of the same name (「团队」 in /管理)
        pressed = await focus.typed_button(ctx, text)
        if pressed is not None:
            return await self._press(ctx, pressed.action, dict(pressed.args))
        if await engine.offers_choice(ctx, text):
            answered = await engine.handle_text(ctx, text)
            if answered is not None:
                return answered
        found = registry.match_typed(text)
        if found is not None:
            return await self._run(ctx, found[0], found[1], None)
        answered = await engine.handle_text(ctx, text)
        if answered is not None:
            return answered
        return await self._free_text(ctx, text, from_voice=from_voice)

    async def _free_text(self, ctx: Context, text: str, *, from_voice: bool) -> list[Reply]:
        return await start_from_text(ctx, text, from_voice=from_voice)

    async def _run(
        self, ctx: Context, spec: registry.CommandSpec, rest: str, given: dict[str, str] | None
    ) -> list[Reply]:
        if ctx.role not in spec.roles:
            return [Text(texts.FORBIDDEN)]
        try:
            kwargs = registry.parse_args(spec, rest, given)
            result = await spec.func(ctx, **kwargs)
        except registry.UsageError as e:
            log.info("usage error for %s: %s", spec.name, e)
            return [Text(e.user_message or texts.usage(spec.usage, spec.help))]
        return as_replies(result)


async def meanwhile(statement: Awaitable[T], work: Callable[[], object]) -> T:
    """`await statement`, with `work` (CPU, no await, independent of the statement's
    answer) done while the database answers: the statement runs as a task up to its
    first wait (it is sent), `work` runs, then its answer is taken."""
    task = asyncio.ensure_future(statement)
    await asyncio.sleep(0)
    try:
        work()
    except BaseException:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise
    return await task


def as_replies(result: Any) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, str):
        return [Text(result)]
    if isinstance(result, list | tuple):
        return [Text(r) if isinstance(r, str) else r for r in result]
    return [result]
