"""Users, identities and the manager chain."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import col

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
