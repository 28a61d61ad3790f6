"""The routing helper's periodic work, registered when its services exist:
pool reclaim (公海回收), claim-offer expiry (抢单超时), nightly rescoring."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_core.clock import Clock
from crm_core.db import Database
from crm_core.settings import Settings
from scheduler.registry import TriggerFactory, daily_at, every, register
from scheduler.util import in_uow


def _bind(module: str, func: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, func, None)
    return fn if callable(fn) else None


def _make(module: str, func: str, what: str) -> Callable[..., Any]:
    async def run(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
        fn = _bind(module, func)
        if fn is None:
            return f"{module}.{func} not available"
        n = await in_uow(db, clock, fn)
        return f"{n} {what}"

    return run


_SPECS: tuple[tuple[str, str, str, tuple[TriggerFactory, str], str, str], ...] = (
    ("pool_reclaim", "crm_core.services.pool", "reclaim_idle_leads", every(minutes=10),
     "leads reclaimed", "return idle leads to the public pool (公海), warn owners"),
    ("claim_offer_expiry", "crm_core.services.routing", "expire_claim_offers",
     every(minutes=1), "offers expired", "lock unclaimed claim offers to the best rep"),
    ("rescore", "crm_core.services.scoring", "rescore_all", daily_at(at="02:30"),
     "leads rescored", "nightly lead health rescoring"),
)

for _name, _mod, _fn, _sched, _what, _help in _SPECS:
    if _bind(_mod, _fn) is not None:
        register(_name, _make(_mod, _fn, _what), _sched, _help)


async def routing_notices(db: Database, clock: Clock, settings: Settings, now: datetime) -> str:
    """Routing problems of the last window: one card per manager and admin."""
    from crm_core.services import routing_notices as svc
    from scheduler.runner import get_watermark, set_watermark

    last = await get_watermark(db, "routing_notices")
    sent, until = await in_uow(db, clock, lambda uow: svc.send_batch(uow, last))
    await set_watermark(db, "routing_notices", until)
    return f"{sent} cards"


register("routing_notices", routing_notices, every(minutes=5),
         "routing problems (fallback, pool) told once per batch to managers and admins")
