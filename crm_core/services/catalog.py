"""What the CRM knows, in the catalog format of shared/nlp/catalog.schema.md (plain dicts:
crm_core does not import nlp)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import col

from crm_core.models import (
    ConfigEntry,
    Contact,
    Customer,
    FollowUp,
    LearnedAlias,
    Product,
    Stage,
)
from crm_core.policies import holidays
from crm_core.sql import table
from crm_core.uow import UnitOfWork

_CONFIG = table(ConfigEntry)
_CONFIG_VALUE = select(_CONFIG.c.value).where(_CONFIG.c.key == bindparam("key"))
DEFAULT_NEXT_ACTIONS = ["预约演示", "发送资料", "安排拜访", "送样试用", "报价", "参观工厂",
                        "推进合同", "电话回访", "招标跟进", "其他"]
NEXT_ACTION_CUES_KEY = "presets.next_action_cues"     # {preset: [cue word, …]} (/管理 预设)
OBSTACLE_CUES_KEY = "presets.obstacle_cues"
DEFAULT_OBSTACLES = ["招标延迟", "院长换届", "预算冻结", "招标暂停", "院长考察期", "医保目录调整",
                     "竞品介入", "决策人变动", "其他"]


async def catalog_version(uow: UnitOfWork, part: str = "catalog") -> int | None:
    """The committed version of the catalog (customers, contacts, products, stages,
    configuration, the team's learned words) or, with part="learned", of every rep's learned
    words (crm_core.infra.cache_versions); None when this transaction changed them itself (read
    them afresh, and keep what was read out of any shared cache)."""
    if await uow.changed_cache_sources(part):
        return None
    return await uow.cache_version(part)


_CONFIG_CACHE = "config_entries"


async def get_config(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    """A configuration value (`default` when unset). Kept per process with the version of the
    reference cache, which any change to `config_entry` bumps (crm_core.infra.cache_versions);
    a transaction that changed the configuration itself reads it afresh."""
    if await uow.changed_cache_sources("reference"):
        row = await uow.session.get(ConfigEntry, key)
        return default if row is None or row.value is None else row.value
    version = await uow.cache_version("reference")
    cached: tuple[int, dict[str, Any]] | None = uow.db.cache.get(_CONFIG_CACHE)
    if cached is None or cached[0] != version:
        cached = uow.db.cache[_CONFIG_CACHE] = (version, {})
    values = cached[1]
    if key not in values:
        # a plain read, not session.get: nothing of it stays in this session to go stale
        values[key] = (await uow.sql(_CONFIG_VALUE, {"key": key})).scalar()
    value = values[key]
    if value is None:
        return default
    # a fresh copy each time: callers may change what they get
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


async def set_config(uow: UnitOfWork, key: str, value: Any, *, audit: bool = True) -> None:
    """The one writer of tenant configuration (`config_entry`). `audit=False` only where the
    caller audits the whole change this value is part of (the routing rules)."""
    row = await uow.session.get(ConfigEntry, key)
    before = None if row is None else {"value": row.value}
    if row is None:
        row = ConfigEntry(key=key)
    row.value = value
    row.updated_at = uow.now
    row.updated_by = uow.actor.user_id
    uow.add(row)
    if audit:
        uow.audit("config.set", "config", key, before=before, after={"value": value})


async def holiday_table(uow: UnitOfWork) -> holidays.HolidayTable:
    """The admin's holiday and 调休 table (stored validated; a bad stored row reads empty)."""
    table, problems = holidays.parse_table(await get_config(uow, holidays.KEY, {}))
    return holidays.HolidayTable() if problems else table


async def calendar_config(uow: UnitOfWork) -> dict[str, Any]:
    """`business_hours` with the holiday table folded in: what every BusinessCalendar of the
    tenant is built from (SLA clocks, reminders, digests) — the same table the notes' dates
    are read with (`catalog_data`)."""
    cfg = dict(await get_config(uow, "business_hours", {}) or {})
    extra = (await holiday_table(uow)).calendar_config()
    cfg["extra_holidays"] = [*(cfg.get("extra_holidays") or ()), *extra["extra_holidays"]]
    cfg["extra_workdays"] = [*(cfg.get("extra_workdays") or ()), *extra["extra_workdays"]]
    return cfg


async def catalog_data(uow: UnitOfWork, *, owner_id: int | None = None) -> dict[str, Any]:
    s = uow.session
    cq = select(Customer)
    if owner_id is not None:
        cq = cq.where(col(Customer.owner_id) == owner_id)
    customers = list((await s.execute(cq)).scalars())
    names = {c.id: c.name for c in customers}
    kq = select(Contact).where(col(Contact.customer_id).in_(list(names)))
    contacts = list((await s.execute(kq)).scalars()) if names else []
    products = list((await s.execute(
        select(Product).where(col(Product.active).is_(True)))).scalars())
    stages = list((await s.execute(
        select(Stage).where(col(Stage.active).is_(True)).order_by(col(Stage.sequence))
    )).scalars())
    table = (await holiday_table(uow)).to_json()        # the one holiday table (issue 15)
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
        "holidays": table["breaks"], "workdays": table["workdays"],
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


MAX_CUES = 30                    # cue words per preset
CUE_LIMITS = (1, 20)             # characters per cue word


def check_cue_words(presets: list[str], preset: str, words: list[str]) -> list[str]:
    """Problems of an admin's cue words for `preset`, in Chinese (empty: they may be stored)."""
    problems: list[str] = []
    if preset not in presets:
        problems.append(f"没有「{preset}」这个预设。")
    if preset == "其他":
        problems.append("「其他」不需要关键词：什么都不匹配时就是其他。")
    if len(words) > MAX_CUES:
        problems.append(f"关键词最多 {MAX_CUES} 个。")
    lo, hi = CUE_LIMITS
    bad = [w for w in words if not lo <= len(w.replace("…", "")) <= hi]
    if bad:
        problems.append(f"关键词要 {lo}–{hi} 个字：{'、'.join(bad[:3])}")
    return problems


CUE_KEYS = {"next_actions": NEXT_ACTION_CUES_KEY, "obstacles": OBSTACLE_CUES_KEY}


def check_cue_table(presets: list[str], table: object) -> list[str]:
    """Problems of a whole {preset: [cue word, …]} table (what /管理 stores), in Chinese."""
    if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(w, str) for w in v)
            for k, v in table.items()):
        return ["说法的格式不对。"]
    return [p for preset, words in table.items() for p in check_cue_words(presets, preset, words)]


async def cue_table_with(uow: UnitOfWork, kind: str, preset: str,
                         words: list[str]) -> tuple[str, dict[str, list[str]], list[str]]:
    """(config key, the table with `preset`'s cue words set — an empty list gives the
    built-in ones back —, its problems) for /管理; nothing is stored."""
    key = CUE_KEYS.get(kind)
    if key is None:
        return "", {}, ["未知的预设类别。"]
    words = list(dict.fromkeys(w.strip() for w in words if w.strip()))
    default = DEFAULT_NEXT_ACTIONS if kind == "next_actions" else DEFAULT_OBSTACLES
    presets = list(await get_config(uow, f"presets.{kind}", default))
    current = dict(await get_config(uow, key, {}) or {})
    if words:
        current[preset] = words
    else:
        current.pop(preset, None)
    return key, current, check_cue_words(presets, preset, words)


async def set_cue_words(uow: UnitOfWork, kind: str, preset: str, words: list[str]) -> list[str]:
    """Store the admin's cue words for one preset (they replace the built-in ones; an empty
    list gives the built-in ones back). Returns the problems; nothing is stored then."""
    key, table, problems = await cue_table_with(uow, kind, preset, words)
    if problems:
        return problems
    await set_config(uow, key, table)
    return []


async def recent_notes(uow: UnitOfWork, *, limit: int = 200) -> list[dict[str, Any]]:
    """The newest follow-up notes with what was read from them (for a preset preview)."""
    rows = (await uow.session.execute(
        select(FollowUp).where(col(FollowUp.summary) != "")
        .order_by(col(FollowUp.id).desc()).limit(limit))).scalars()
    return [{"id": f.id, "text": f.summary, "at": f.occurred_at, "next_action": f.next_action,
             "obstacle": f.obstacle} for f in rows]

