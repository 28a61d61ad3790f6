"""The tenant's catalog for nlp, built from the database and rebuilt when it changes, and
each rep's learned words (issue 13) as an overlay on it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_core.models import LearnedAlias
from crm_core.services import catalog as catalog_service
from crm_core.services import learning
from crm_core.uow import UnitOfWork
from nlp import Extractor, Learned
from nlp.extract import Reading
from nlp.types import Catalog, Extraction

MAX_TEXT = 2000             # what a message is read of (the rest is kept, not read)
# a corrected field of a card → the kind of word it teaches
LESSON_KINDS = {"customer": "customer", "contact": "contact", "products": "product",
                "next_action": "next_action", "obstacle": "obstacle"}


@dataclass(frozen=True, slots=True)
class ReadAhead:
    """A message read before its first statement, with the catalog and learned words this
    process keeps (`CatalogCache.read_ahead`), and the versions they were kept at: up to
    the customers it names (`reading.customer`), which that statement looks up; the rest
    (`extraction`) may be read while it is on its way."""

    user_id: int
    catalog_version: int
    learned_version: int
    reading: Reading

    @property
    def extraction(self) -> Extraction:
        return self.reading.extraction()


class CatalogCache:
    """Keeps one `nlp.Catalog` (and its compiled extractor) per catalog version, and each
    rep's learned words per version of the rep's aliases."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._catalog: Catalog | None = None
        self._extractor: Extractor | None = None
        self._lock = asyncio.Lock()
        self._learned: dict[int, tuple[int, Learned]] = {}

    async def get(self, uow: UnitOfWork) -> Catalog:
        version = await catalog_service.catalog_version(uow)
        if version is None:        # this transaction changed the catalog: its own reading
            return Catalog.from_dict(await catalog_service.catalog_data(uow))
        if self._catalog is not None and version == self._version:
            return self._catalog
        async with self._lock:
            if self._catalog is None or version != self._version:
                data = await catalog_service.catalog_data(uow)
                self._catalog = Catalog.from_dict(data)
                self._extractor = None
                self._version = version
        assert self._catalog is not None
        return self._catalog

    async def extractor(self, uow: UnitOfWork) -> Extractor:
        catalog = await self.get(uow)
        if catalog is not self._catalog:
            return await asyncio.to_thread(Extractor, catalog)
        if self._extractor is None or self._extractor.catalog is not catalog:
            self._extractor = await asyncio.to_thread(Extractor, catalog)
        return self._extractor

    async def learned(self, uow: UnitOfWork, user_id: int | None) -> Learned:
        """The words this rep taught that are in force for the rep (empty for none); kept
        per version of the learned words."""
        if user_id is None:
            return Learned()
        version = await catalog_service.catalog_version(uow, "learned")
        hit = self._learned.get(user_id)
        if version is not None and hit is not None and hit[0] == version:
            return hit[1]
        value = Learned.from_rows(await learning.rep_vocabulary(uow, user_id))
        if version is not None:
            self._learned[user_id] = (version, value)
        return value

    async def read(self, uow: UnitOfWork, user_id: int | None, text: str,
                   now: datetime) -> Extraction:
        """A rep's message read with the tenant's catalog and the words this rep taught."""
        extractor = await self.extractor(uow)
        learned = await self.learned(uow, user_id)
        return extractor.extract(text[:MAX_TEXT], now, learned=learned)

    async def step(self, uow: UnitOfWork, user_id: int | None, text: str,
                   now: datetime) -> tuple[str, str] | None:
        """The step said in an answer to 下一步打算做什么 (`Extractor.step`)."""
        extractor = await self.extractor(uow)
        learned = await self.learned(uow, user_id)
        return extractor.step(text[:MAX_TEXT], now, learned=learned)

    def read_ahead(self, user_id: int, text: str, now: datetime) -> ReadAhead | None:
        """What `read` would give, from what this process keeps (no database): None unless
        the catalog, its extractor and the rep's learned words are all kept. It holds once
        `holds` says the versions it was read at are still the committed ones."""
        extractor, hit = self._extractor, self._learned.get(user_id)
        if extractor is None or self._version is None or hit is None or \
                extractor.catalog is not self._catalog:
            return None
        return ReadAhead(user_id, self._version, hit[0],
                         extractor.start(text[:MAX_TEXT], now, learned=hit[1]))

    async def holds(self, uow: UnitOfWork, ahead: ReadAhead) -> bool:
        """Whether a `read_ahead` is what `read` would give now: read at the committed
        versions of the catalog and of the learned words (checked against the versions
        `uow` noted: no statement)."""
        return await catalog_service.catalog_version(uow) == ahead.catalog_version and \
            await catalog_service.catalog_version(uow, "learned") == ahead.learned_version

    async def teach(self, uow: UnitOfWork, user_id: int, *, text: str, now: datetime,
                    field: str, old: Any, new: Any, key: str) -> LearnedAlias | None:
        """A rep corrected `field` of the card read from `text`: remember the rep's words
        for the new value (in `uow`'s transaction; `key` makes the lesson count once)."""
        kind = LESSON_KINDS.get(field)
        if kind is None or not new or not text:
            return None
        extractor = await self.extractor(uow)
        phrase = extractor.lesson(text, now, field, old, new)
        if not phrase:
            return None
        target = new
        if field == "products":
            added = [p for p in (new or []) if p not in (old or [])]
            if len(added) != 1:
                return None
            target = added[0]
        return await learning.learn_alias(
            uow, user_id, learning.Lesson(kind, phrase, str(target), key))

    async def for_rep(self, uow: UnitOfWork, user_id: int) -> Catalog:
        """A smaller catalog for voice prompts: this rep's customers, their contacts, products."""
        data = await catalog_service.catalog_data(uow, owner_id=user_id)
        return Catalog.from_dict(data)
