"""Binding chat users to CRM users: by phone / e-mail from the platform's user API, or by an
admin's approval. An unbound user never sees CRM data."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from crm_core.errors import Conflict, NotFound
from crm_core.models import User, UserIdentity
from crm_core.policies.contact_info import BadContactInfo, normalize_email, normalize_phone
from crm_core.services.users import admins, user_by_login
from crm_core.sql import table
from crm_core.uow import UnitOfWork, snapshot

SEEN_RESOLUTION = timedelta(minutes=2)


async def touch(uow: UnitOfWork, user: User) -> None:
    """Remember when the user was last active (routing's "online now"), at most every 2 min:
    `user` is the copy this process keeps (whose `last_seen_at` a touch does not refresh:
    it moves the `presence` version, not `reference`), so this process remembers its own
    touches; and the UPDATE moves only an older value, so several processes write a rep's
    activity once per 2 min between them."""
    if user.id is None:
        return
    touched: dict[int, datetime] = uow.db.cache.setdefault(_TOUCHED_KEY, {})
    last = max((t for t in (user.last_seen_at, touched.get(user.id)) if t is not None),
               default=None)
    if last is not None and uow.now - last <= SEEN_RESOLUTION:
        return
    await uow.sql(_TOUCH, {"user_id": user.id, "now": uow.now,
                         "since": uow.now - SEEN_RESOLUTION})
    await uow.commit()
    touched[user.id] = uow.now
    if len(touched) > 100_000:          # bounded: users of one company
        touched.clear()


_TOUCHED_KEY = "binding.touched"        # Database.cache: user id → this process's last touch
_TOUCH = update(table(User)).where(
    col(User.id) == bindparam("user_id"),
    or_(col(User.last_seen_at).is_(None), col(User.last_seen_at) < bindparam("since")),
).values(last_seen_at=bindparam("now"))


async def bind_by_contact_info(
    uow: UnitOfWork, platform: str, platform_user_id: str, phone: str | None,
    email: str | None, *, chat_id: str | None = None,
) -> User | None:
    conds: list[ColumnElement[bool]] = []
    for normalize, column, raw in ((normalize_phone, col(User.phone), phone),
                                   (normalize_email, col(User.email), email)):
        try:
            value = normalize(raw)
        except BadContactInfo:
            continue
        if value:
            conds.append(column == value)
    if not conds:
        return None
    matches = list((await uow.session.execute(
        select(User).where(or_(*conds), col(User.active).is_(True))
    )).scalars())
    if len(matches) != 1:
        return None
    user = matches[0]
    try:
        await _bind(uow, user, platform, platform_user_id, chat_id, how="directory")
        await uow.commit()
    except IntegrityError:
        # two first messages of the same person at once: the other one bound them
        await uow.rollback()
        from crm_core.services.users import user_by_identity

        return await user_by_identity(uow, platform, platform_user_id)
    return user


async def _bind(
    uow: UnitOfWork, user: User, platform: str, platform_user_id: str, chat_id: str | None,
    *, how: str,
) -> UserIdentity:
    existing = (await uow.session.execute(select(UserIdentity).where(
        col(UserIdentity.user_id) == user.id, col(UserIdentity.platform) == platform
    ))).scalars().first()
    if existing is not None and existing.platform_user_id != platform_user_id:
        raise Conflict(f"user {user.login} already bound on {platform}",
                       f"{user.name} 已绑定了另一个{platform}账号")
    ident = existing or UserIdentity(user_id=user.id or 0, platform=platform,
                                     platform_user_id=platform_user_id, chat_id=chat_id)
    uow.add(ident)
    await uow.flush()
    uow.audit("identity.bind", "user_identity", ident.id, after={**(snapshot(ident) or {}),
                                                                 "how": how})
    return ident


async def request_binding(
    uow: UnitOfWork, platform: str, platform_user_id: str, chat_id: str, *, display: str
) -> None:
    """Tell the admins (once a day per chat user) that someone unknown wants in."""
    day = uow.now.date().isoformat()
    candidates = list((await uow.session.execute(
        select(User).where(col(User.active).is_(True), or_(col(User.name) == display,
                                                           col(User.login) == display))
        .limit(3)
    )).scalars())
    for admin in await admins(uow):
        uow.notify(
            "user.bind_request", admin.id,
            {"platform": platform, "platform_user_id": platform_user_id, "chat_id": chat_id,
             "display": display,
             "candidates": [{"login": c.login, "name": c.name} for c in candidates]},
            dedupe_key=f"bind:{platform}:{platform_user_id}:{day}:{admin.id}",
        )
    try:
        await uow.commit()
    except IntegrityError:  # the same request today already queued: nothing to add
        await uow.rollback()


async def approve_binding(
    uow: UnitOfWork, platform: str, platform_user_id: str, login: str, chat_id: str | None
) -> User:
    user = await user_by_login(uow, login)
    if user is None:
        raise NotFound(f"no user {login}", f"没有登录名为「{login}」的同事")
    taken = (await uow.session.execute(select(UserIdentity).where(
        col(UserIdentity.platform) == platform,
        col(UserIdentity.platform_user_id) == platform_user_id,
    ))).scalars().first()
    if taken is not None:
        raise Conflict("identity already bound", "这个账号已经绑定过了")
    await _bind(uow, user, platform, platform_user_id, chat_id, how="admin")
    uow.notify("user.bound", user.id, {"name": user.name},
               dedupe_key=f"bound:{platform}:{platform_user_id}")
    await uow.commit()
    return user


async def report_problem(uow: UnitOfWork, platform: str, text: str) -> None:
    """Queue a problem notice to every admin; the same problem once per hour."""
    hour = uow.now.strftime("%Y%m%d%H")
    digest = hashlib.sha1(f"{platform}:{text}".encode()).hexdigest()[:12]
    for admin in await admins(uow):
        uow.notify("system.problem", admin.id, {"platform": platform, "text": text[:500]},
                   dedupe_key=f"problem:{digest}:{hour}:{admin.id}")
    try:
        await uow.commit()
    except IntegrityError:  # already reported this hour
        await uow.rollback()
