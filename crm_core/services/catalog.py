"""What the CRM knows, in the catalog format of shared/nlp/catalog.schema.md (plain dicts:
crm_core does not import nlp)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlmodel import col

from crm_core.models import ConfigEntry, Contact, Customer, LearnedAlias, Product, Stage
from crm_core.uow import UnitOfWork

DEFAULT_NEXT_ACTIONS = ["预约演示", "发送资料", "安排拜访", "送样试用", "报价", "参观工厂",
                        "推进合同", "电话回访", "招标跟进", "其他"]
NEXT_ACTION_CUES_KEY = "presets.next_action_cues"     # {preset: [cue word, …]} (/管理 预设)
OBSTACLE_CUES_KEY = "presets.obstacle_cues"
DEFAULT_OBSTACLES = ["招标延迟", "院长换届", "预算冻结", "招标暂停", "院长考察期", "医保目录调整",
                     "竞品介入", "决策人变动", "其他"]


async def catalog_version(uow: UnitOfWork) -> tuple[Any, ...]:
    """Cheap fingerprint: changes whenever customers, contacts, products or presets change."""
    row = (await uow.session.execute(_VERSION_SQL)).one()
    return tuple(row)


# Runs for every chat message: plain SQL, so no statement is built each time.
_VERSION_SQL = text(
    "SELECT (SELECT COUNT(id) FROM customer), (SELECT MAX(id) FROM customer),"
    " (SELECT COUNT(id) FROM contact), (SELECT MAX(id) FROM contact),"
    " (SELECT COUNT(id) FROM product), (SELECT MAX(updated_at) FROM config_entry)"
)


async def bump_catalog(uow: UnitOfWork) -> None:
    """Call after renaming or re-aliasing customers, contacts or products."""
    await set_config(uow, "catalog.version", uow.now.isoformat())


async def get_config(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    row = await uow.session.get(ConfigEntry, key)
    return default if row is None or row.value is None else row.value


async def set_config(uow: UnitOfWork, key: str, value: Any) -> None:
    row = await uow.session.get(ConfigEntry, key)
    before = None if row is None else {"value": row.value}
    if row is None:
        row = ConfigEntry(key=key)
    row.value = value
    row.updated_at = uow.now
    row.updated_by = uow.actor.user_id
    uow.add(row)
    uow.audit("config.set", "config", key, before=before, after={"value": value})


async def catalog_data(uow: UnitOfWork, *, owner_id: int | None = None) -> dict[str, Any]:
    s = uow.session
    cq = select(Customer)
    if owner_id is not None:
        cq = cq.where(col(Customer.owner_id) == owner_id)
    customers = list((await s.execute(cq)).scalars())
    names = {c.id: c.name for c in customers}
    kq = select(Contact).where(Contact.customer_id.in_(list(names)))  # type: ignore[union-attr]
    contacts = list((await s.execute(kq)).scalars()) if names else []
    products = list((await s.execute(select(Product).where(Product.active.is_(True)))).scalars())  # type: ignore[attr-defined]
    stages = list((await s.execute(
        select(Stage).where(col(Stage.active).is_(True)).order_by(col(Stage.sequence))
    )).scalars())
    return {
        "timezone": "Asia/Shanghai",
        "customers": [{"id": c.id, "name": c.name, "aliases": list(c.aliases or []),
                       "region": "".join(x for x in (c.province, c.city) if x)} for c in customers],
        "contacts": [{"id": k.id, "name": k.name, "customer": names.get(k.customer_id, ""),
                      "title": k.title or "", "aliases": list(k.aliases or [])} for k in contacts],
        "products": [{"id": p.id, "name": p.name, "line": p.line,
                      "aliases": [*(p.aliases or []), *(p.model_codes or [])]} for p in products],
        "next_actions": await get_config(uow, "presets.next_actions", DEFAULT_NEXT_ACTIONS),
        "obstacles": await get_config(uow, "presets.obstacles", DEFAULT_OBSTACLES),
        "stages": [st.name for st in stages] or None,
        **await _tenant_words(uow),
    }


async def _tenant_words(uow: UnitOfWork) -> dict[str, Any]:
    """The admin's cue words per preset and the team-wide learned aliases (issue 13)."""
    learned = (await uow.session.execute(select(
        col(LearnedAlias.kind), col(LearnedAlias.phrase), col(LearnedAlias.target)).where(
        col(LearnedAlias.owner_id) == 0, col(LearnedAlias.status) == "active"))).all()
    return {
        "next_action_cues": await get_config(uow, NEXT_ACTION_CUES_KEY, {}),
        "obstacle_cues": await get_config(uow, OBSTACLE_CUES_KEY, {}),
        "learned": [[k, p, t] for k, p, t in learned],
    }
