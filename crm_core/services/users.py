"""Users, identities and the manager chain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class as instance_manager
from sqlmodel import col

from crm_core.db import Database
from crm_core.models import User, UserIdentity
from crm_core.uow import UnitOfWork


async def user_by_identity(uow: UnitOfWork, platform: str, platform_user_id: str) -> User | None:
    row = (await uow.session.execute(
        select(User).join(UserIdentity, col(UserIdentity.user_id) == col(User.id)).where(
            col(UserIdentity.platform) == platform,
            col(UserIdentity.platform_user_id) == platform_user_id,
        )
    )).scalars().first()
    return row


_BY_IDENTITY = "users.by_identity"


async def user_for_message(uow: UnitOfWork, platform: str, platform_user_id: str
                           ) -> User | None:
    """`user_by_identity` for every chat message: the row's values are kept per process with
    the version of the reference cache (any change to users or identities bumps it:
    crm_core.infra.cache_versions); each call gets its own detached `User`, as a read in a
    unit of work closed since would give."""
    if await uow.changed_cache_sources("reference"):
        return await user_by_identity(uow, platform, platform_user_id)
    version = await uow.cache_version("reference")
    cached: tuple[int, dict[tuple[str, str], dict[str, Any]]] | None = \
        uow.db.cache.get(_BY_IDENTITY)
    if cached is None or cached[0] != version:
        cached = uow.db.cache[_BY_IDENTITY] = (version, {})
    values = cached[1].get((platform, platform_user_id))
    if values is None:
        user = await user_by_identity(uow, platform, platform_user_id)
        if user is not None:
            cached[1][(platform, platform_user_id)] = user.model_dump()
        return user
    # built as the ORM's loading builds a row's object (no model __init__: a tenth of the
    # CPU), then made the detached row it is: an add() updates it, never inserts
    user = instance_manager(User).new_instance()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    return user


def kept_user_id(db: Database, platform: str, platform_user_id: str) -> int | None:
    """The id `user_for_message` keeps for this identity, at whatever version it was kept
    (no database: a guess, to check against the user `user_for_message` then gives)."""
    cached = db.cache.get(_BY_IDENTITY)
    values = cached[1].get((platform, platform_user_id)) if cached is not None else None
    return int(values["id"]) if values and values.get("id") is not None else None


async def user_by_login(uow: UnitOfWork, login: str) -> User | None:
    return (await uow.session.execute(
        select(User).where(col(User.login) == login))).scalars().first()


async def users_by_id(uow: UnitOfWork, user_ids: Iterable[int]) -> list[User | None]:
    """The users of these ids, in order; None where one no longer exists."""
    return [await uow.session.get(User, i) for i in user_ids]


async def manager_chain(uow: UnitOfWork, user_id: int, *, levels: int = 3) -> list[User]:
    """The user's supervisor, their supervisor, …: level 2 and level 3 of an escalation."""
    chain: list[User] = []
    seen = {user_id}
    current = await uow.session.get(User, user_id)
    while current is not None and current.manager_id and len(chain) < levels:
        if current.manager_id in seen:
            break
        seen.add(current.manager_id)
        current = await uow.session.get(User, current.manager_id)
        if current is not None:
            chain.append(current)
    return chain


async def admins(uow: UnitOfWork) -> list[User]:
    return list((await uow.session.execute(
        select(User).where(col(User.role) == "admin", col(User.active).is_(True))
    )).scalars())
