"""The extraction pipeline: normalise → entities → times → classify → intent → masking.

Each stage is a pure function of the stages before it (and the compiled catalog); each has
its own tests under tests/unit/nlp/.
"""

from __future__ import annotations

from dataclasses import dataclass
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

__all__ = ["Doc", "Entities", "Signals", "Started", "Times", "run_pipeline", "start_pipeline"]


def run_pipeline(index: CatalogIndex, text: object, now: object,
                 tz: timezone | ZoneInfo, learned: LearnedIndex | None = None) -> Extraction:
    """One message through the six stages (may raise; `Extractor.extract` never does).
    `learned`: the words the sending rep taught by correcting earlier cards."""
    return start_pipeline(index, text, now, tz, learned).finish()


def start_pipeline(index: CatalogIndex, text: object, now: object,
                   tz: timezone | ZoneInfo, learned: LearnedIndex | None = None) -> Started:
    """The first two stages (normalise, entities): what the message names is known, the
    other four wait for `Started.finish` (the bot runs them while its first statement, which
    looks up the customers named, is on its way)."""
    doc = normalise(text, now, tz, index.holidays)
    if not doc.text.strip():
        return Started(doc, None, index, learned)
    return Started(doc, find_entities(doc, index, learned), index, learned)


@dataclass(frozen=True, slots=True)
class Started:
    """A message after `start_pipeline`; `finish()` gives what `run_pipeline` gives."""

    doc: Doc
    ents: Entities | None            # None: nothing to read (an empty message)
    index: CatalogIndex
    learned: LearnedIndex | None

    @property
    def customer(self) -> str | None:
        """The customer the entities stage read. `finish()` keeps it, except a name read
        from '客户：X' (a new lead's) when the message turns out to be no new lead."""
        return self.ents.customer if self.ents is not None else None

    @property
    def customer_candidates(self) -> tuple[str, ...]:
        """Equally good catalog customers, as `Extraction.customer_candidates`."""
        return self.ents.candidates if self.ents is not None else ()

    def finish(self) -> Extraction:
        """Stages 3–6: times, classify, intent, masking (may raise, as `run_pipeline`)."""
        doc, ents = self.doc, self.ents
        if ents is None:
            return Extraction(summary=doc.summary)
        learned, index = self.learned, self.index
        actions = learned.actions if learned is not None else index.actions
        times = read_times(doc, ents, actions)
        sig = classify(doc, ents, times, index, learned)
        intent = decide_intent(doc, ents, times, sig)
        return mask_fields(doc, ents, times, sig, intent, index.catalog)
