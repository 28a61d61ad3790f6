"""Drafts and the chat focus: the storage under the dialog engine (`bot.dialogs.engine`).

- A **draft** is one dialog's typed state (`Draft` row). Every step writes it with a
  compare-and-set on `version`, and closing it (saved / dropped / expired) is a conditional
  UPDATE from `open`: two processes, or a double tap on 确认, cannot both win, so a confirmed
  note is saved exactly once.
- The **focus** of a chat (`DialogState` row keyed by platform:chat:user) says which draft
  the next typed answer belongs to, and which buttons the last card showed (typed labels
  work like taps, and [更多] pages through buttons the platform could not show at once).

None of these functions commits: the entry point (command, button, job) commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from crm_core.errors import Conflict, NotFound
from crm_core.models import CacheVersion, DialogState, Draft, User
from crm_core.models.base import built_row
from crm_core.services import followups
from crm_core.services.customers import CustomerRef
from crm_core.services.followups import NoteRows
from crm_core.sql import rowcount, table
from crm_core.uow import UnitOfWork

DRAFT = table(Draft)
_DRAFT_COLUMNS = frozenset(c.name for c in DRAFT.c if c.name != "id")
_INSERT_DRAFT = sa.insert(DRAFT)
REMIND_KIND = "draft.reminder"


class StaleDraft(Conflict):
    """The draft moved on (another step, another process) since it was read."""

    user_message = "这条草稿刚刚有了变化，请看最新的卡片。"


@dataclass(frozen=True, slots=True)
class Focus:
    chat_key: str
    draft_id: int | None
    buttons: tuple[dict[str, Any], ...]
    updated_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


# --- drafts -----------------------------------------------------------------------------

async def create_draft(
    uow: UnitOfWork, user: User, chat_key: str, dialog: str, data: dict[str, Any],
    step: dict[str, Any], *, kept: bool, summary: str, expires_at: datetime | None,
) -> Draft:
    """A new open draft. On PostgreSQL its number comes from the process's reserve
    (`UnitOfWork.reserved_id`) and the row is written with the commit's appended rows: a
    new note then writes everything in one statement, without BEGIN and COMMIT. (The
    drafts functions below write it first when they are about to touch it in the same
    unit of work.)"""
    assert user.id is not None
    values = {"user_id": user.id, "chat_key": chat_key, "dialog": dialog, "kept": kept,
              "data": data, "step": step, "summary": summary[:200], "created_at": uow.now,
              "updated_at": uow.now, "expires_at": expires_at}
    # `Draft(**values)` as the ORM's loading builds a row's object (no model __init__)
    row = built_row(Draft, values)
    if uow.db.dialect == "postgresql":
        row.id = await uow.reserved_id(Draft)
        uow.append(Draft, **{k: v for k, v in row.__dict__.items()
                             if k in _DRAFT_COLUMNS or k == "id"})
        make_transient_to_detached(row)       # the row it will be (not in this session)
    else:
        # inserted by one prebuilt Core statement (no ORM flush), then in the session as
        # the row it now is: later changes to it are written as before
        inserted = await uow.sql(_INSERT_DRAFT, {k: v for k, v in row.__dict__.items()
                                                 if k in _DRAFT_COLUMNS})
        row.id = inserted.inserted_primary_key[0]
        make_transient_to_detached(row)
        uow.session.add(row)
    if kept:
        uow.audit("draft.create", "draft", row.id, after={"dialog": dialog, "summary": summary})
    return row


async def _written(uow: UnitOfWork) -> None:
    """Write this unit of work's new drafts (`create_draft`) before a statement that
    reads or updates drafts."""
    if uow.appending(Draft):
        await uow.flush()


async def get_draft(uow: UnitOfWork, user: User, draft_id: int) -> Draft:
    """The user's own draft; another user's number is refused without saying more."""
    await _written(uow)
    row = await uow.session.get(Draft, draft_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"draft {draft_id} of {user.login}", f"没有草稿 #R{draft_id}。")
    return row


async def open_draft(uow: UnitOfWork, user: User, draft_id: int) -> Draft | None:
    """The user's draft if it is still open (None otherwise)."""
    await _written(uow)
    row = await uow.session.get(Draft, draft_id)
    return row if row is not None and row.user_id == user.id and row.status == "open" else None


async def save_step(
    uow: UnitOfWork, draft: Draft, *, data: dict[str, Any], step: dict[str, Any],
    summary: str | None = None, expires_at: datetime | None = None,
) -> int:
    """Write the next step of an open draft; returns the new version (StaleDraft if the
    draft changed or closed since it was read)."""
    await _written(uow)
    values: dict[str, Any] = {"data": data, "step": step, "version": draft.version + 1,
                              "updated_at": uow.now}
    if summary is not None:
        values["summary"] = summary[:200]
    if expires_at is not None:
        values["expires_at"] = expires_at
    res = await uow.session.execute(sa.update(DRAFT).where(
        DRAFT.c.id == draft.id, DRAFT.c.version == draft.version, DRAFT.c.status == "open",
    ).values(**values))
    if rowcount(res) != 1:
        raise StaleDraft(f"draft {draft.id} v{draft.version} moved on")
    draft.version += 1
    draft.data, draft.step, draft.updated_at = data, step, uow.now
    if summary is not None:
        draft.summary = summary[:200]
    return draft.version


async def close_draft(
    uow: UnitOfWork, draft: Draft, status: str, *, record_kind: str | None = None,
    record_id: int | None = None, from_status: str = "open", same_version: bool = False,
) -> None:
    """open → saved / dropped / expired, exactly once (StaleDraft for the loser);
    `same_version`: only if nothing changed since the draft was read."""
    await _written(uow)
    where = [DRAFT.c.id == draft.id, DRAFT.c.status == from_status]
    if same_version:
        where.append(DRAFT.c.version == draft.version)
    values: dict[str, Any] = {"status": status, "version": draft.version + 1,
                              "updated_at": uow.now, "closed_at": uow.now}
    if record_kind is not None:
        values.update(record_kind=record_kind, record_id=record_id)
    res = await uow.session.execute(sa.update(DRAFT).where(*where).values(**values))
    if rowcount(res) != 1:
        raise StaleDraft(f"draft {draft.id} is no longer {from_status}")
    draft.status, draft.version, draft.closed_at = status, draft.version + 1, uow.now
    if record_kind is not None:
        draft.record_kind, draft.record_id = record_kind, record_id
    if draft.kept:
        uow.audit(f"draft.{status}", "draft", draft.id,
                  after={"record_kind": record_kind, "record_id": record_id})


async def set_record(uow: UnitOfWork, draft: Draft, record_kind: str | None,
                     record_id: int | None) -> None:
    """What saving the draft created (for 撤销 and /改)."""
    await _written(uow)
    if record_kind is None and record_id is None:
        return
    await uow.session.execute(sa.update(DRAFT).where(DRAFT.c.id == draft.id).values(
        record_kind=record_kind, record_id=record_id))
    draft.record_kind, draft.record_id = record_kind, record_id


async def reopen_draft(uow: UnitOfWork, draft: Draft, expires_at: datetime | None) -> None:
    """An expired draft the rep asked for again."""
    await _written(uow)
    res = await uow.session.execute(sa.update(DRAFT).where(
        DRAFT.c.id == draft.id, DRAFT.c.status == "expired",
    ).values(status="open", version=draft.version + 1, updated_at=uow.now, closed_at=None,
             expires_at=expires_at, reminded_at=None))
    if rowcount(res) != 1:
        raise StaleDraft(f"draft {draft.id} is not expired")
    draft.status, draft.version, draft.expires_at = "open", draft.version + 1, expires_at
    uow.audit("draft.reopen", "draft", draft.id)


async def user_drafts(
    uow: UnitOfWork, user_id: int, *, statuses: Sequence[str] = ("open",),
    since: datetime | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Draft], int]:
    """A user's kept drafts, newest first, and how many there are in all."""
    await _written(uow)
    where = [col(Draft.user_id) == user_id, col(Draft.kept).is_(True),
             col(Draft.status).in_(list(statuses))]
    if since is not None:
        where.append(col(Draft.updated_at) >= since)
    total = int((await uow.session.execute(
        select(sa.func.count()).select_from(Draft).where(*where))).scalar_one())
    rows = list((await uow.session.execute(
        select(Draft).where(*where).order_by(col(Draft.id).desc())
        .offset(offset).limit(limit))).scalars())
    return rows, total


async def open_drafts_here(uow: UnitOfWork, user_id: int, chat_key: str, *, limit: int
                           ) -> list[Draft]:
    """The user's newest open kept drafts in this chat."""
    await _written(uow)
    return list((await uow.session.execute(select(Draft).where(
        col(Draft.user_id) == user_id, col(Draft.kept).is_(True), col(Draft.status) == "open",
        col(Draft.chat_key) == chat_key).order_by(col(Draft.id).desc()).limit(limit)
    )).scalars())


async def count_open_drafts(uow: UnitOfWork, user_ids: Iterable[int] | None = None
                            ) -> dict[int, int]:
    """Open kept drafts per user (the daily report counts them)."""
    await _written(uow)
    q = (select(col(Draft.user_id), sa.func.count()).where(
        col(Draft.kept).is_(True), col(Draft.status) == "open")
        .group_by(col(Draft.user_id)))
    if user_ids is not None:
        q = q.where(col(Draft.user_id).in_(list(user_ids)))
    return {int(u): int(n) for u, n in (await uow.session.execute(q)).all()}


async def remind_drafts(uow: UnitOfWork, now: datetime, before: timedelta) -> int:
    """Tell each author once, `before` ahead of expiry, that a kept draft is still open."""
    await _written(uow)
    rows = list((await uow.session.execute(select(Draft).where(
        col(Draft.kept).is_(True), col(Draft.status) == "open",
        col(Draft.reminded_at).is_(None),
        col(Draft.expires_at).is_not(None),
        col(Draft.expires_at) <= now + before,
        col(Draft.expires_at) > now,
    ).order_by(col(Draft.id)).limit(500))).scalars())
    sent = 0
    for d in rows:
        res = await uow.session.execute(sa.update(DRAFT).where(
            DRAFT.c.id == d.id, DRAFT.c.reminded_at.is_(None)).values(reminded_at=now))
        if rowcount(res) != 1:
            continue                                  # another instance reminded it
        uow.notify(REMIND_KIND, d.user_id, {
            "draft_id": d.id, "dialog": d.dialog, "summary": d.summary,
            "expires_at": d.expires_at.isoformat() if d.expires_at else None,
        }, dedupe_key=f"{REMIND_KIND}:{d.id}")
        sent += 1
    return sent


async def expire_drafts(uow: UnitOfWork, now: datetime, idle: timedelta) -> int:
    """Kept drafts past their expiry become `expired` (still listed and restorable); a menu
    or question nobody answered for `idle` is closed too."""
    await _written(uow)
    res = await uow.session.execute(sa.update(DRAFT).where(
        DRAFT.c.status == "open", sa.or_(
            sa.and_(DRAFT.c.expires_at.is_not(None), DRAFT.c.expires_at <= now),
            sa.and_(DRAFT.c.kept.is_(False), DRAFT.c.updated_at <= now - idle)),
    ).values(status="expired", closed_at=now, updated_at=now, version=DRAFT.c.version + 1))
    return int(rowcount(res) or 0)


# --- the chat focus ------------------------------------------------------------------------

async def get_focus(uow: UnitOfWork, chat_key: str) -> Focus | None:
    return _focus_of(await uow.session.get(DialogState, chat_key))


# the focus row and the draft it names, in one statement (LEFT JOIN on the JSON's "draft")
_FOCUS_WITH_DRAFT = select(DialogState, Draft).outerjoin(
    Draft, col(Draft.id) == col(DialogState.data)["draft"].as_integer(),
).where(col(DialogState.key) == sa.bindparam("chat_key"))


async def get_focus_with_draft(uow: UnitOfWork, chat_key: str, user: User
                               ) -> tuple[Focus | None, Draft | None]:
    """The chat's focus and, in the same statement, the draft it points at when that is
    still the user's open draft (what `open_draft` would return)."""
    await _written(uow)
    found = (await uow.session.execute(_FOCUS_WITH_DRAFT, {"chat_key": chat_key})).first()
    if found is None:
        return None, None
    return focus_and_draft(found[0], found[1], user)


def focus_and_draft(state: DialogState | None, draft: Draft | None, user: User
                    ) -> tuple[Focus | None, Draft | None]:
    """The focus of a dialog_state row and its draft when that is still the user's open one."""
    focus = _focus_of(state)
    if draft is None or focus is None or draft.id != focus.draft_id or \
            draft.user_id != user.id or draft.status != "open":
        return focus, None
    return focus, draft


def _versions_with_focus(dialect: str, also: Any = None) -> Any:
    agg = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    versions = select(sa.type_coerce(agg(col(CacheVersion.name), col(CacheVersion.version)),
                                     sa.JSON).label("versions")).subquery()
    extra = [also] if also is not None else []
    return select(versions.c.versions, DialogState, Draft, *extra).select_from(versions) \
        .outerjoin(DialogState, col(DialogState.key) == sa.bindparam("chat_key")) \
        .outerjoin(Draft, col(Draft.id) == col(DialogState.data)["draft"].as_integer())


# the cache versions, the chat's focus row and the draft it names: one statement per dialect;
# with the customers a note names (and their rows: `followups.customers_with_rows`) or not
_VERSIONS_WITH_FOCUS = {(d, named): _versions_with_focus(
    d, followups.NAMED_ROWS_COLUMN[d] if named else None)
    for d in ("postgresql", "sqlite") for named in (False, True)}


async def versions_and_focus(uow: UnitOfWork, chat_key: str, *,
                             named: tuple[int, list[str]] | None = None
                             ) -> tuple[DialogState | None, Draft | None,
                                        list[tuple[CustomerRef, NoteRows]] | None]:
    """The cache versions (noted in `uow`: the next version check asks nothing more), the
    chat's focus row and the draft it names (for `focus_and_draft` once the user is known),
    in one statement; with `named` (a rep's id, customer names), also what
    `followups.customers_with_rows` would read for them (else None)."""
    params: dict[str, Any] = {"chat_key": chat_key}
    if named:
        params.update(followups.named_rows_params(*named))
    row = (await uow.session.execute(_VERSIONS_WITH_FOCUS[uow.db.dialect, bool(named)],
                                     params)).one()
    uow.note_cache_versions({str(k): int(v) for k, v in (row[0] or {}).items()})
    return row[1], row[2], \
        followups.customers_from_rows(row[3], named[1]) if named else None


def _focus_of(row: DialogState | None) -> Focus | None:
    if row is None:
        return None
    data = dict(row.data or {})
    draft_id = data.pop("draft", None)
    buttons = tuple(data.pop("buttons", ()) or ())
    return Focus(row.key, int(draft_id) if draft_id else None, buttons, row.updated_at, data)


async def set_focus(uow: UnitOfWork, chat_key: str, user: User, draft_id: int | None, *,
                    dialog: str = "", buttons: Sequence[dict[str, Any]] | None = None,
                    keep_buttons: bool = True, extra: dict[str, Any] | None = None,
                    known: Focus | None = None) -> Focus:
    """Point the chat at a draft (None: no draft); `buttons`: the last card's buttons.
    A chat's first state is created with INSERT … ON CONFLICT DO NOTHING: two first messages
    of one chat handled at once (two server processes) both go through, the later one
    writing over the earlier instead of failing on the key.

    `known`: the focus this message already read (`get_focus`), when the row was there:
    then the new state is written over it at the commit, without reading the row again."""
    if known is not None and identity_key(DialogState, chat_key) not in \
            uow.session.sync_session.identity_map:
        data = {**known.extra, "draft": draft_id}
        if buttons is not None:
            data["buttons"] = list(buttons)
        elif keep_buttons and known.buttons:
            data["buttons"] = list(known.buttons)
        if extra is not None:
            data.update(extra)
        # written at the commit, in the one statement of the appended rows (no round trip
        # of its own); an upsert, so a row this message did not find committed (a first
        # message whose unit of work rolled back) is created, not silently missed
        uow.upsert_later(DialogState, "key", key=chat_key, name=dialog, data=data,
                         user_id=user.id, updated_at=uow.now)
        rest = {k: v for k, v in data.items() if k not in ("draft", "buttons")}
        return Focus(chat_key, draft_id, tuple(data.get("buttons") or ()), uow.now, rest)
    row = await uow.session.get(DialogState, chat_key)
    if row is None:
        ins = postgresql.insert if uow.db.dialect == "postgresql" else sqlite.insert
        await uow.session.execute(ins(table(DialogState)).values(
            key=chat_key, name=dialog, data={}, user_id=user.id, updated_at=uow.now)
            .on_conflict_do_nothing(index_elements=["key"]))
        row = await uow.session.get(DialogState, chat_key, populate_existing=True)
    data = dict(row.data or {}) if row is not None else {}
    data["draft"] = draft_id
    if buttons is not None:
        data["buttons"] = list(buttons)
    elif not keep_buttons:
        data.pop("buttons", None)
    if extra is not None:
        data.update(extra)
    if row is None:
        row = DialogState(key=chat_key, name=dialog, data=data, user_id=user.id,
                          updated_at=uow.now)
    else:
        row.name, row.data, row.updated_at, row.user_id = dialog, data, uow.now, user.id
    uow.add(row)
    rest = {k: v for k, v in data.items() if k not in ("draft", "buttons")}
    return Focus(chat_key, draft_id, tuple(data.get("buttons") or ()), uow.now, rest)


# --- what was saved: 撤销 and /改 ---------------------------------------------------------------

async def last_saved(uow: UnitOfWork, user: User, kinds: Sequence[str], *,
                     record_id: int | None = None) -> Draft | None:
    """The user's most recent save of these record kinds (or the one of that record)."""
    await _written(uow)
    q = select(Draft).where(col(Draft.user_id) == user.id, col(Draft.status) == "saved",
                            col(Draft.record_kind).in_(list(kinds)))
    if record_id is not None:
        q = q.where(col(Draft.record_id) == record_id)
    return (await uow.session.execute(
        q.order_by(col(Draft.closed_at).desc(), col(Draft.id).desc()).limit(1)
    )).scalars().first()
