"""Role-based visibility, enforced in the services: a rep sees own records, a manager the
team's (everyone whose manager chain reaches them, plus their team), a director the teams
below, an admin everything."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.errors import Forbidden
from crm_core.models import User
from crm_core.uow import UnitOfWork

MANAGER_ROLES = frozenset({"manager", "director", "admin"})


async def visible_owner_ids(uow: UnitOfWork, user: User) -> set[int] | None:
    """Owner ids whose records the user may see; None means everything."""
    if user.role == "admin":
        return None
    assert user.id is not None
    if user.role == "rep":
        return {user.id}
    everyone = list((await uow.session.execute(
        select(User.id, User.manager_id, User.team_id)
    )).all())
    children: dict[int, list[int]] = {}
    for uid, mid, _ in everyone:
        if mid is not None:
            children.setdefault(mid, []).append(uid)
    seen = {user.id}
    stack = [user.id]
    while stack:
        for c in children.get(stack.pop(), []):
            if c not in seen:
                seen.add(c)
                stack.append(c)
    if user.team_id is not None:
        seen.update(uid for uid, _, tid in everyone if tid == user.team_id)
    return seen


def require_role(user: User, roles: frozenset[str], what: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"{user.login} ({user.role}) may not {what}", "你没有这个操作的权限")


async def can_see(uow: UnitOfWork, user: User, owner_id: int | None) -> bool:
    ids = await visible_owner_ids(uow, user)
    return ids is None or owner_id is None or owner_id in ids
