"""The tenant's catalog for nlp, built from the database and rebuilt when it changes."""

from __future__ import annotations

import asyncio
from typing import Any

from crm_core.services import catalog as catalog_service
from crm_core.uow import UnitOfWork
from nlp.types import Catalog


class CatalogCache:
    """Keeps one `nlp.Catalog` (and its compiled extractor) per catalog version."""

    def __init__(self) -> None:
        self._version: tuple[Any, ...] | None = None
        self._catalog: Catalog | None = None
        self._extractor: Any = None
        self._lock = asyncio.Lock()

    async def get(self, uow: UnitOfWork) -> Catalog:
        version = await catalog_service.catalog_version(uow)
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

    async def extractor(self, uow: UnitOfWork) -> Any:
        catalog = await self.get(uow)
        if self._extractor is None:
            import nlp

            self._extractor = await asyncio.to_thread(nlp.Extractor, catalog)
        return self._extractor

    async def for_rep(self, uow: UnitOfWork, user_id: int) -> Catalog:
        """A smaller catalog for voice prompts: this rep's customers, their contacts, products."""
        data = await catalog_service.catalog_data(uow, owner_id=user_id)
        return Catalog.from_dict(data)
