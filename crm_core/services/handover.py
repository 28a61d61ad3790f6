"""Handover for leave or departure: a rep's customers, open leads, open deals and open tasks
go to one or more substitutes (customer by customer, so a customer's records stay together);
each substitute gets a brief per customer; the whole thing is audited and revertible."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import col

from crm_core.errors import Conflict, InvalidInput, NotFound
from crm_core.models import Contact, Customer, Deal, FollowUp, Lead, Stage, Task, User
from crm_core.models.accounts_ext import Handover
from crm_core.models.pipeline import OPEN_LEAD_STATUSES
from crm_core.services.access import MANAGER_ROLES, require_role, visible_owner_ids
from crm_core.uow import UnitOfWork

ENTITIES: dict[str, Any] = {"customer": Customer, "lead": Lead, "deal": Deal, "task": Task}
REASONS = {"leave": "休假", "departure": "离职"}
BRIEF_CUSTOMERS = 12


async def resolve_user(uow: UnitOfWork, word: str) -> User:
    """A colleague by login or name (exact first, then a unique partial name)."""
    w = word.strip().lstrip("@")
    rows = list((await uow.session.execute(
        select(User).where(or_(col(User.login) == w, col(User.name) == w)))).scalars())
    if not rows:
        rows = list((await uow.session.execute(
            select(User).where(col(User.name).contains(w)))).scalars())
    if not rows:
        raise NotFound(f"user {w}", f"没有找到同事「{w}」")
    if len(rows) > 1:
        names = "、".join(u.name for u in rows)
        raise InvalidInput(f"ambiguous user {w}", f"「{w}」有 {len(rows)} 位：{names}，请用登录名")
    return rows[0]


@dataclass
class HandoverPlan:
    source: User
    substitutes: list[User]
    items: list[dict[str, Any]]

    def count(self, entity: str, to: int | None = None) -> int:
        return sum(1 for i in self.items if i["entity"] == entity
                   and (to is None or i["to"] == to))


async def _check(uow: UnitOfWork, actor: User, source: User, subs: Sequence[User]) -> None:
    require_role(actor, MANAGER_ROLES, "hand over a rep's work")
    visible = await visible_owner_ids(uow, actor)
    for u in (source, *subs):
        if visible is not None and u.id not in visible:
            raise InvalidInput("not in team", f"{u.name}不在你的团队里")
    if not subs:
        raise InvalidInput("no substitutes", "请至少指定一位接手的同事")
    for u in subs:
        if u.id == source.id:
            raise InvalidInput("self", "不能交接给本人")
        if not u.active:
            raise InvalidInput("inactive", f"{u.name}已停用，不能接手")


async def plan_handover(uow: UnitOfWork, actor: User, source: User, subs: Sequence[User]
                        ) -> HandoverPlan:
    """What would move, and to whom (nothing is written)."""
    await _check(uow, actor, source, subs)
    s = uow.session
    sid = source.id
    customers = list((await s.execute(select(Customer).where(col(Customer.owner_id) == sid)
                                      .order_by(col(Customer.id)))).scalars())
    leads = list((await s.execute(select(Lead).where(
        col(Lead.owner_id) == sid, col(Lead.status).in_(OPEN_LEAD_STATUSES))
        .order_by(col(Lead.id)))).scalars())
    deals = list((await s.execute(select(Deal).join(Stage,
                                                    col(Stage.id) == col(Deal.stage_id)).where(
        col(Deal.owner_id) == sid, col(Stage.is_won).is_(False), col(Stage.is_lost).is_(False))
        .order_by(col(Deal.id)))).scalars())
    tasks = list((await s.execute(select(Task).where(col(Task.owner_id) == sid,
                                                     col(Task.status) == "open")
                                  .order_by(col(Task.id)))).scalars())
    to_of: dict[int, int] = {}
    # balance by customer: the substitute with the fewest customers so far takes the next
    load = {u.id or 0: 0 for u in subs}
    items: list[dict[str, Any]] = []
    for c in customers:
        to = min(load, key=lambda k: (load[k], k))
        load[to] += 1
        to_of[c.id or 0] = to
        items.append({"entity": "customer", "id": c.id, "from": sid, "to": to})
    rr = 0
    ids = [u.id or 0 for u in subs]
    for entity, rows in (("lead", leads), ("deal", deals), ("task", tasks)):
        for row in rows:
            owner = to_of.get(row.customer_id or -1)
            if owner is None:
                owner = ids[rr % len(ids)]
                rr += 1
            items.append({"entity": entity, "id": row.id, "from": sid, "to": owner})
    return HandoverPlan(source, list(subs), items)


async def _brief(uow: UnitOfWork, customer_ids: list[int]) -> list[dict[str, Any]]:
    s = uow.session
    out: list[dict[str, Any]] = []
    for cid in customer_ids[:BRIEF_CUSTOMERS]:
        c = await s.get(Customer, cid)
        if c is None:
            continue
        fus = (await s.execute(select(FollowUp).where(col(FollowUp.customer_id) == cid)
                               .order_by(col(FollowUp.occurred_at).desc()).limit(2))).scalars()
        tasks = (await s.execute(select(Task).where(col(Task.customer_id) == cid,
                                                    col(Task.status) == "open")
                                 .order_by(col(Task.due_at)).limit(2))).scalars()
        contacts = (await s.execute(select(Contact).where(col(Contact.customer_id) == cid)
                                    .order_by(col(Contact.id)).limit(3))).scalars()
        out.append({
            "customer_id": cid, "name": c.name,
            "followups": [{"at": f.occurred_at, "summary": f.summary} for f in fus],
            "next": [{"title": t.title, "due_at": t.due_at} for t in tasks],
            "contacts": [{"name": k.name, "title": k.title or k.decision_role or "",
                          "phone": k.phone or ""} for k in contacts],
        })
    return out


async def hand_over(uow: UnitOfWork, actor: User, source: User, subs: Sequence[User], *,
                    reason: str = "leave") -> Handover:
    """Move everything, record it, brief each substitute (outbox). Commits."""
    if reason not in REASONS:
        raise InvalidInput(f"reason {reason}", "原因只能是休假或离职")
    plan = await plan_handover(uow, actor, source, subs)
    if not plan.items:
        raise Conflict("nothing to hand over", f"{source.name}名下没有需要交接的客户、线索或待办")
    h = Handover(from_user_id=source.id or 0, to_user_ids=[u.id or 0 for u in subs],
                 reason=reason, items=plan.items, created_by=actor.id, created_at=uow.now)
    uow.add(h)
    for item in plan.items:
        row = await uow.session.get(ENTITIES[item["entity"]], item["id"])
        if row is not None:
            row.owner_id = item["to"]
            uow.add(row)
    await uow.flush()
    uow.audit("handover.create", "handover", h.id,
              before={"owner_id": source.id},
              after={"to": h.to_user_ids, "reason": reason, "items": plan.items})
    for u in subs:
        mine = [i["id"] for i in plan.items if i["entity"] == "customer" and i["to"] == u.id]
        uow.notify("handover.brief", u.id, {
            "handover_id": h.id, "from": source.name, "reason": REASONS[reason],
            "customers": await _brief(uow, mine), "customer_count": len(mine),
            "leads": plan.count("lead", u.id), "deals": plan.count("deal", u.id),
            "tasks": plan.count("task", u.id),
        }, dedupe_key=f"handover:{h.id}:{u.id}")
    await uow.commit()
    return h


async def revert_handover(uow: UnitOfWork, actor: User, source: User) -> tuple[Handover, int, int]:
    """Give back what is still with the substitutes (the latest active handover of `source`).
    Returns (handover, items returned, items kept because they changed hands since)."""
    require_role(actor, MANAGER_ROLES, "revert a handover")
    h = (await uow.session.execute(select(Handover).where(
        col(Handover.from_user_id) == source.id, col(Handover.status) == "active")
        .order_by(col(Handover.id).desc()))).scalars().first()
    if h is None:
        raise NotFound("no handover", f"{source.name}没有可撤销的交接")
    subs = [await uow.session.get(User, i) for i in h.to_user_ids]
    await _check(uow, actor, source, [u for u in subs if u is not None] or [actor])
    back = kept = 0
    for item in h.items:
        row = await uow.session.get(ENTITIES[item["entity"]], item["id"])
        if row is not None and row.owner_id == item["to"]:
            row.owner_id = item["from"]
            uow.add(row)
            back += 1
        else:
            kept += 1
    h.status = "reverted"
    h.reverted_at = uow.now
    h.reverted_by = actor.id
    uow.add(h)
    uow.audit("handover.revert", "handover", h.id, before={"status": "active"},
              after={"status": "reverted", "returned": back, "kept": kept})
    for uid in {*h.to_user_ids, source.id}:
        uow.notify("handover.reverted", uid, {"handover_id": h.id, "from": source.name,
                                              "returned": back},
                   dedupe_key=f"handover-revert:{h.id}:{uid}")
    await uow.commit()
    return h, back, kept
