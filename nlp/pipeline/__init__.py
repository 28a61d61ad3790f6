"""The extraction pipeline: normalise → entities → times → classify → intent → masking.

Each stage is a pure function of the stages before it (and the compiled catalog); each has
its own tests under tests/unit/nlp/.
"""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from nlp.learned import LearnedIndex
from nlp.pipeline.doc import Doc, normalise
from nlp.pipeline.entities import Entities, find_entities
from nlp.pipeline.intent import decide_intent
from nlp.pipeline.masking import mask_fields
from nlp.pipeline.signals import Signals, classify
from nlp.pipeline.times import Times, read_times
from nlp.resolve import CatalogIndex
from nlp.types import Extraction

__all__ = ["Doc", "Entities", "Signals", "Times", "run_pipeline"]


def run_pipeline(index: CatalogIndex, text: object, now: object,
                 tz: timezone | ZoneInfo, learned: LearnedIndex | None = None) -> Extraction:
    """One message through the six stages (may raise; `Extractor.extract` never does).
    `learned`: the words the sending rep taught by correcting earlier cards."""
    doc = normalise(text, now, tz, index.holidays)
    if not doc.text.strip():
        return Extraction(summary=doc.summary)
    ents = find_entities(doc, index, learned)
    actions = learned.actions if learned is not None else index.actions
    times = read_times(doc, ents, actions)
    sig = classify(doc, ents, times, index, learned)
    intent = decide_intent(doc, ents, times, sig)
    return mask_fields(doc, ents, times, sig, intent, index.catalog)
