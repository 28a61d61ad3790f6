"""Users, identities and the manager chain."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.models import User, UserIdentity
from crm_core.uow import UnitOfWork


async def user_by_identity(uow: UnitOfWork, platform: str, platform_user_id: str) -> User | None:
    row = (await uow.session.execute(
        select(User).join(UserIdentity, UserIdentity.user_id == User.id).where(
            UserIdentity.platform == platform, UserIdentity.platform_user_id == platform_user_id
        )
    )).scalars().first()
    return row


async def user_by_login(uow: UnitOfWork, login: str) -> User | None:
    return (await uow.session.execute(select(User).where(User.login == login))).scalars().first()


async def identities_of(uow: UnitOfWork, user_id: int) -> list[UserIdentity]:
    """A user's chat identities, the order of preference for pushes: wecom, dingtalk, feishu,
    console."""
    rows = list((await uow.session.execute(
        select(UserIdentity).where(UserIdentity.user_id == user_id)
    )).scalars())
    order = {"wecom": 0, "dingtalk": 1, "feishu": 2, "console": 3}
    return sorted(rows, key=lambda r: order.get(r.platform, 9))


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
        select(User).where(User.role == "admin", User.active.is_(True))  # type: ignore[attr-defined]
    )).scalars())
