"""Pure language layer: text, now, catalog → Extraction; audio bytes → transcript.

Never imports crm_core, bot, adapters, sqlmodel or aiohttp (checked by import-linter).
"""

from nlp.types import Catalog, Extraction

__all__ = ["Catalog", "Extraction"]
