"""What a rep is most likely to say in a voice note: the names for the recognition prompt,
and the products each customer bought or was offered (for coherent name snapping).

Read-only; plain dicts (crm_core does not import nlp). The bot turns the result into
`nlp.asr.VoiceHints`.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import zip_longest
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.models import Contact, Customer, Deal, FollowUp, Product
from crm_core.models.accounts_ext import ProcurementProject
from crm_core.uow import UnitOfWork

RECENT_DAYS = 60           # follow-ups this recent count as "recent mentions"
MAX_CUSTOMERS = 40         # the prompt holds ~20 names; more only costs reading time
MAX_NAMES = 80


def _spoken(name: str, aliases: list[str] | None) -> str:
    """How a rep says it: the first alias (鼓楼医院, 王主任) when there is one."""
    for a in aliases or ():
        if a and len(a) >= 2 and not a.isascii():
            return a
    return name


async def load_voice_hints(uow: UnitOfWork, owner_id: int) -> dict[str, Any]:
    """``{"likely": [names, most likely first], "customer_products": {customer: [products]}}``

    Likely: the rep's customers, the most recently followed up first (then the rest of
    their book), interleaved with those customers' contacts and with the products of the
    rep's open deals and recent follow-ups.
    """
    s = uow.session
    since = uow.now - timedelta(days=RECENT_DAYS)
    last = (
        select(col(FollowUp.customer_id), func.max(col(FollowUp.occurred_at)).label("last_at"))
        .where(col(FollowUp.owner_id) == owner_id, col(FollowUp.customer_id).is_not(None))
        .group_by(col(FollowUp.customer_id))
        .subquery()
    )
    rows = (await s.execute(
        select(col(Customer.id), col(Customer.name), col(Customer.aliases), last.c.last_at)
        .outerjoin(last, last.c.customer_id == col(Customer.id))
        .where(col(Customer.owner_id) == owner_id)
        .order_by(last.c.last_at.desc().nulls_last(), col(Customer.id))
        .limit(MAX_CUSTOMERS)
    )).all()
    ids = [r[0] for r in rows]
    names = {r[0]: r[1] for r in rows}
    customers = [_spoken(r[1], r[2]) for r in rows]
    contacts: list[str] = []
    if ids:
        order = {cid: i for i, cid in enumerate(ids)}
        found = sorted((await s.execute(
            select(col(Contact.customer_id), col(Contact.name), col(Contact.aliases))
            .where(col(Contact.customer_id).in_(ids))
        )).all(), key=lambda r: order.get(r[0], len(order)))
        contacts = [_spoken(r[1], r[2]) for r in found]
    offered: dict[str, list[str]] = {}
    products: list[str] = []

    def add(customer_id: int | None, items: list[str] | None, *, likely: bool) -> None:
        for p in items or ():
            if customer_id in names:
                bucket = offered.setdefault(names[customer_id], [])
                if p not in bucket:
                    bucket.append(p)
            if likely and p not in products:
                products.append(p)

    mine = col(Deal.customer_id).in_(ids) if ids else col(Deal.owner_id) == owner_id
    deals = (await s.execute(
        select(col(Deal.customer_id), col(Deal.products), col(Deal.closed_at))
        .where(mine).order_by(col(Deal.updated_at).desc())
    )).all()
    for cid, items, closed_at in deals:
        add(cid, items, likely=closed_at is None)
    recent = (await s.execute(
        select(col(FollowUp.customer_id), col(FollowUp.products))
        .where(col(FollowUp.owner_id) == owner_id, col(FollowUp.occurred_at) >= since)
        .order_by(col(FollowUp.occurred_at).desc())
        .limit(200)
    )).all()
    for cid, items in recent:
        add(cid, items, likely=True)
    if ids:
        for cid, items in (await s.execute(
            select(col(ProcurementProject.customer_id), col(ProcurementProject.products))
            .where(col(ProcurementProject.customer_id).in_(ids))
        )).all():
            add(cid, items, likely=False)
    known = {r[0]: _spoken(r[0], r[1]) for r in (await s.execute(
        select(col(Product.name), col(Product.aliases)).where(col(Product.active).is_(True))
    )).all()}
    spoken_products = [known[p] for p in products if p in known]
    likely: list[str] = []
    for group in zip_longest(customers, contacts, spoken_products):
        likely += [n for n in group if n and n not in likely]
    return {"likely": likely[:MAX_NAMES],
            "customer_products": {c: [p for p in ps if p in known] for c, ps in offered.items()}}
