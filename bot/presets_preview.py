"""What an admin's change of a preset's cue words would do (/管理 预设): the recent notes
whose next action or obstacle would read differently, before the change is stored."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot.catalog import CatalogCache
from crm_core.services import catalog as catalog_service
from crm_core.uow import UnitOfWork
from nlp import Extractor
from nlp.types import Catalog

__all__ = ["Change", "preview_cue_words"]


@dataclass(frozen=True, slots=True)
class Change:
    """One recent note that would read differently."""

    followup_id: int | None
    text: str
    before: str | None
    after: str | None


def _with_cues(catalog: Catalog, kind: str, preset: str, words: list[str]) -> Catalog:
    pairs = dict(catalog.next_action_cues if kind == "next_actions" else catalog.obstacle_cues)
    if words:
        pairs[preset] = tuple(words)
    else:
        pairs.pop(preset, None)
    if kind == "next_actions":
        return dataclasses.replace(catalog, next_action_cues=tuple(pairs.items()))
    return dataclasses.replace(catalog, obstacle_cues=tuple(pairs.items()))


async def preview_cue_words(uow: UnitOfWork, cache: CatalogCache, kind: str, preset: str,
                            words: list[str], *, limit: int = 200) -> list[Change]:
    """The recent notes whose `kind` field (next_actions → next action, obstacles →
    obstacle) would change if `preset` had the cue words `words`."""
    old = await cache.extractor(uow)
    notes = await catalog_service.recent_notes(uow, limit=limit)
    new = await asyncio.to_thread(Extractor, _with_cues(old.catalog, kind, preset, words))
    field = "next_action" if kind == "next_actions" else "obstacle"

    def compare() -> list[Change]:
        out: list[Change] = []
        for note in notes:
            at = note["at"] if isinstance(note["at"], datetime) else None
            if at is None:
                continue
            before = getattr(old.extract(note["text"], at), field)
            after = getattr(new.extract(note["text"], at), field)
            if before != after:
                out.append(Change(note["id"], note["text"][:60], before, after))
        return out

    return await asyncio.to_thread(compare)
