"""Stage 1, normalise: the message as every later stage reads it.

Full-width digits and punctuation become ASCII without changing positions, so a span found
in `Doc.text` is the same span in the message; the clauses, the folded pinyin keys and the
time expressions (lexical spans with their resolved values) are computed once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from nlp.holidays import HolidayCalendar
from nlp.pinyin import py_keys
from nlp.timeparse import TimeExpr, normalize_text, scan_times, split_clauses

__all__ = ["MAX_CHARS", "Doc", "clause_of", "normalise", "summary_of", "to_local"]

MAX_CHARS = 2000          # longer messages are read up to here (the summary keeps more)
SUMMARY_CHARS = 500


@dataclass(frozen=True, slots=True)
class Doc:
    """A normalised message: text, its lower-case and pinyin forms, clauses, time spans."""

    text: str
    low: str
    syl: list[str]
    clauses: list[tuple[int, int]]
    now: datetime
    times: list[TimeExpr]
    summary: str

    @property
    def protected(self) -> list[tuple[int, int]]:
        """Spans a name scan must not take (time expressions)."""
        return [(t.start, t.end) for t in self.times]


def summary_of(text: object) -> str:
    t = re.sub(r"\s+", " ", text if isinstance(text, str) else "").strip()
    return t[:SUMMARY_CHARS]


def to_local(now: object, tz: timezone | ZoneInfo) -> datetime:
    """`now` in the tenant's zone; a naive `now` is read as local time, a missing one is now."""
    if not isinstance(now, datetime):
        return datetime.now(tz)
    if now.tzinfo is None:
        return now.replace(tzinfo=tz)
    return now.astimezone(tz)


def normalise(raw: object, now: object, tz: timezone | ZoneInfo | None = None,
              holidays: HolidayCalendar | None = None) -> Doc:
    """Stage 1: any input (None, numbers, huge strings) → a `Doc`; `Doc.text` may be empty."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    local = to_local(now, tz or timezone(timedelta(hours=8)))
    text = normalize_text(raw[:MAX_CHARS])
    if not text.strip():
        return Doc("", "", [], [], local, [], summary_of(raw))
    return Doc(
        text=text,
        low=text.lower(),
        syl=py_keys(text),
        clauses=split_clauses(text),
        now=local,
        times=scan_times(text, local, holidays),
        summary=summary_of(raw),
    )


def clause_of(doc: Doc, pos: int) -> tuple[int, int]:
    """The clause holding position `pos` ((0, len) when none does)."""
    for a, b in doc.clauses:
        if a <= pos < b:
            return a, b
    return 0, len(doc.text)
