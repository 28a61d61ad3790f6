"""Value types of the extraction contract (../shared/nlp/CONVENTIONS.md).

Pure data: no database, no chat code. `Catalog` is what the CRM already knows, as the
extractor sees it; `Extraction` is the 12-field record plus a few hints for dialogs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

Intent = Literal["log_followup", "create_lead", "update_stage", "query", "other"]

DEFAULT_NEXT_ACTIONS: tuple[str, ...] = (
    "预约演示", "发送资料", "安排拜访", "送样试用", "报价", "参观工厂", "推进合同", "电话回访",
    "招标跟进", "其他",
)
DEFAULT_OBSTACLES: tuple[str, ...] = (
    "招标延迟", "院长换届", "预算冻结", "招标暂停", "院长考察期", "医保目录调整", "竞品介入",
    "决策人变动", "其他",
)
DEFAULT_STAGES: tuple[str, ...] = ("初步接触", "需求确认", "方案演示", "合同谈判", "赢单", "输单")


@dataclass(frozen=True, slots=True)
class CatalogCustomer:
    name: str
    aliases: tuple[str, ...] = ()
    region: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CatalogContact:
    name: str
    customer: str
    title: str = ""
    aliases: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CatalogProduct:
    name: str
    line: str = ""
    aliases: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class HolidayBreak:
    """A public holiday break from the tenant's holiday table (for years the built-in
    calendar does not know yet, or to override it)."""

    name: str                       # 元旦 / 春节 / 清明 / 劳动节 / 端午 / 中秋 / 国庆
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Catalog:
    """The tenant's vocabulary. Format: ../shared/nlp/catalog.schema.md."""

    customers: tuple[CatalogCustomer, ...] = ()
    contacts: tuple[CatalogContact, ...] = ()
    products: tuple[CatalogProduct, ...] = ()
    next_actions: tuple[str, ...] = DEFAULT_NEXT_ACTIONS
    obstacles: tuple[str, ...] = DEFAULT_OBSTACLES
    stages: tuple[str, ...] = DEFAULT_STAGES
    timezone: str = "Asia/Shanghai"
    # the tenant's own cue words per preset (/管理 预设); they replace the built-in cues
    next_action_cues: tuple[tuple[str, tuple[str, ...]], ...] = ()
    obstacle_cues: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the tenant's holiday table: breaks and 调休 working days (override chinese_calendar)
    holidays: tuple[HolidayBreak, ...] = ()
    workdays: tuple[date, ...] = ()
    # words reps taught by correcting cards, in force team-wide (preset cue words; the
    # learned names are folded into the aliases above)
    next_action_learned: tuple[tuple[str, tuple[str, ...]], ...] = ()
    obstacle_learned: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        def tup(v: Any) -> tuple[str, ...]:
            return tuple(str(x) for x in (v or ()))

        taught = _learned_rows(data.get("learned"))

        def more(kind: str, name: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
            extra = taught.get(kind, {}).get(name, ())
            return aliases + tuple(a for a in extra if a not in aliases and a != name)

        return cls(
            customers=tuple(
                CatalogCustomer(
                    name=c["name"], aliases=more("customer", c["name"], tup(c.get("aliases"))),
                    region=c.get("region") or "", id=c.get("id"),
                )
                for c in data.get("customers", ())
            ),
            contacts=tuple(
                CatalogContact(
                    name=c["name"], customer=c.get("customer") or "", title=c.get("title") or "",
                    aliases=more("contact", c["name"], tup(c.get("aliases"))), id=c.get("id"),
                )
                for c in data.get("contacts", ())
            ),
            products=tuple(
                CatalogProduct(
                    name=p["name"], line=p.get("line") or "",
                    aliases=more("product", p["name"], tup(p.get("aliases"))), id=p.get("id"),
                )
                for p in data.get("products", ())
            ),
            next_actions=tup(data.get("next_actions")) or DEFAULT_NEXT_ACTIONS,
            obstacles=tup(data.get("obstacles")) or DEFAULT_OBSTACLES,
            stages=tup(data.get("stages")) or DEFAULT_STAGES,
            timezone=data.get("timezone") or "Asia/Shanghai",
            next_action_cues=_cue_pairs(data.get("next_action_cues")),
            obstacle_cues=_cue_pairs(data.get("obstacle_cues")),
            holidays=_breaks(data.get("holidays")),
            workdays=_dates(data.get("workdays")),
            next_action_learned=tuple(
                (k, tuple(v)) for k, v in taught.get("next_action", {}).items()),
            obstacle_learned=tuple((k, tuple(v)) for k, v in taught.get("obstacle", {}).items()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "customers": [
                {"name": c.name, "aliases": list(c.aliases), "region": c.region, "id": c.id}
                for c in self.customers
            ],
            "contacts": [
                {"name": c.name, "customer": c.customer, "title": c.title,
                 "aliases": list(c.aliases), "id": c.id}
                for c in self.contacts
            ],
            "products": [
                {"name": p.name, "line": p.line, "aliases": list(p.aliases), "id": p.id}
                for p in self.products
            ],
            "next_actions": list(self.next_actions),
            "obstacles": list(self.obstacles),
            "stages": list(self.stages),
            "next_action_cues": {p: list(c) for p, c in self.next_action_cues},
            "obstacle_cues": {p: list(c) for p, c in self.obstacle_cues},
            "holidays": [{"name": b.name, "start": b.start.isoformat(), "end": b.end.isoformat()}
                         for b in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
        }


def _cue_pairs(raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """{preset: [cue, …]} → ((preset, (cue, …)), …), odd entries dropped."""
    if not isinstance(raw, Mapping):
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for preset, cues in raw.items():
        if isinstance(cues, str | bytes) or not isinstance(cues, Sequence):
            continue
        words = tuple(str(c).strip() for c in cues if str(c).strip())
        if str(preset).strip():
            out.append((str(preset), words))
    return tuple(out)


def _learned_rows(raw: Any) -> dict[str, dict[str, list[str]]]:
    """[[kind, phrase, target], …] → {kind: {target: [phrase, …]}} (odd rows dropped)."""
    out: dict[str, dict[str, list[str]]] = {}
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        return out
    for row in raw:
        if isinstance(row, str | bytes) or not isinstance(row, Sequence) or len(row) != 3:
            continue
        kind, phrase, target = (str(x).strip() for x in row)
        if kind and len(phrase) >= 2 and target:
            out.setdefault(kind, {}).setdefault(target, []).append(phrase)
    return out


def _date(raw: Any) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None


def _dates(raw: Any) -> tuple[date, ...]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        return ()
    return tuple(d for d in (_date(x) for x in raw) if d is not None)


def _breaks(raw: Any) -> tuple[HolidayBreak, ...]:
    """[{"name", "start", "end"}, …] → breaks; odd rows (no name, end before start) dropped."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        return ()
    out: list[HolidayBreak] = []
    for row in raw:
        if not isinstance(row, Mapping):
            continue
        start, end = _date(row.get("start")), _date(row.get("end") or row.get("start"))
        name = str(row.get("name") or "").strip()
        if name and start is not None and end is not None and start <= end:
            out.append(HolidayBreak(name, start, end))
    return tuple(out)


CONTRACT_FIELDS: tuple[str, ...] = (
    "intent", "customer", "contact", "products", "channel", "attitude", "next_action",
    "next_date", "next_time", "obstacle", "phone", "stage",
)


@dataclass(frozen=True, slots=True)
class Extraction:
    """One structured record per message; the first 12 fields are the contract."""

    intent: Intent = "other"
    customer: str | None = None
    contact: str | None = None
    products: tuple[str, ...] = ()
    channel: str | None = None
    attitude: str | None = None
    next_action: str | None = None
    next_date: str | None = None          # YYYY-MM-DD
    next_time: str | None = None          # HH:MM
    obstacle: str | None = None
    phone: str | None = None
    stage: str | None = None
    # Hints for dialogs (not part of the scored contract):
    customer_known: bool = False          # customer is a catalog entry (canonical name)
    customer_candidates: tuple[str, ...] = ()   # several catalog customers fit equally well
    contact_known: bool = False
    date_text: str | None = None          # the words the date came from ("下周二")
    vague_date: bool = False              # a vague time was said (过几天, 改天…)
    summary: str = ""                     # the message, trimmed: what happened
    date_unread: bool = False             # a time was said that no calendar resolves
    action_words: str | None = None       # the rep's words for the next step ('派人去修')
    obstacle_words: str | None = None     # the rep's words for the blocker ('农忙顾不上')

    def contract(self) -> dict[str, Any]:
        """The 12 contract fields as JSON-ready values (products as a list)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in CONTRACT_FIELDS:
                v = getattr(self, f.name)
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


def catalog_from_names(
    customers: Sequence[str] = (), products: Sequence[str] = ()
) -> Catalog:
    """Small helper for tests and demos."""
    return Catalog(
        customers=tuple(CatalogCustomer(name=n) for n in customers),
        products=tuple(CatalogProduct(name=n) for n in products),
    )
