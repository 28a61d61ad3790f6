"""Pure language layer: text, now, catalog → Extraction; audio bytes → transcript.

Never imports crm_core, bot, adapters, sqlmodel or aiohttp (checked by import-linter).
"""

from nlp.extract import Extractor, extract, match_customers, snap_transcript
from nlp.learned import Learned
from nlp.timeparse import When, parse_when
from nlp.types import Catalog, Extraction

__all__ = [
    "Catalog",
    "Extraction",
    "Extractor",
    "Learned",
    "When",
    "extract",
    "match_customers",
    "parse_when",
    "snap_transcript",
]
