"""text + now + catalog → Extraction (the 12-field contract of CONVENTIONS.md).

`Extractor(catalog)` compiles the catalog once and runs each message through the pipeline
(`nlp.pipeline`: normalise → entities → times → classify → intent → field masking);
`extract()` keeps a small cache of extractors keyed by catalog identity. Nothing here
raises on odd input.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from nlp.learned import Learned, LearnedIndex
from nlp.lessons import learnable_phrase
from nlp.names import P_PINYIN, Mention
from nlp.pinyin import py_keys, py_variants
from nlp.pipeline import Started, run_pipeline, start_pipeline
from nlp.pipeline.doc import summary_of
from nlp.pipeline.entities import pick_customer
from nlp.pipeline.steps import step_in
from nlp.resolve import CatalogIndex, OrgSpan
from nlp.sounds import SoundMatcher
from nlp.timeparse import normalize_text, scan_times
from nlp.types import Catalog, Extraction

__all__ = ["Extractor", "Reading", "extract", "get_extractor", "match_customers", "snap_transcript"]

log = logging.getLogger(__name__)
_LEARNED_KEPT = 256          # reps whose learned words stay compiled


class Extractor:
    """A compiled catalog; `.extract(text, now)` is fast after the first call."""

    def __init__(self, catalog: Catalog, sounds: SoundMatcher | None = None) -> None:
        """`sounds`: a name-correction matcher for typed near-homophones (default: the
        folded-pinyin `CoarseMatcher`; `nlp.phonetic.PhoneticIndex` fits the same shape)."""
        self.catalog = catalog
        self.index = CatalogIndex(catalog, sounds)
        self._learned: OrderedDict[Learned, LearnedIndex] = OrderedDict()
        self._learned_lock = threading.Lock()
        try:
            self.tz: timezone | ZoneInfo = ZoneInfo(catalog.timezone or "Asia/Shanghai")
        except Exception:
            self.tz = timezone(timedelta(hours=8))

    # ------------------------------------------------------------------ public
    def extract(self, text: str, now: datetime, learned: Learned | None = None) -> Extraction:
        """One message → one record; `learned`: the sending rep's own learned words."""
        return self.start(text, now, learned).extraction()

    def start(self, text: str, now: datetime, learned: Learned | None = None) -> Reading:
        """`extract` in two steps: the customers the message names first, the rest when
        `Reading.extraction` is asked for. Never raises."""
        try:
            return Reading(text, start_pipeline(self.index, text, now, self.tz,
                                                self.learned_index(learned)))
        except Exception:  # never raise: a malformed record is worse than an empty one
            log.exception("extract failed")
            return Reading(text, None)

    def step(self, text: str, now: datetime,
             learned: Learned | None = None) -> tuple[str, str] | None:
        """The step said in an answer to 下一步打算做什么 (送样机, 报个价, 去拜访一下), which
        the sentence reader leaves alone when no date or name frames it: the tenant's preset
        and the rep's words, or None where no cue says one. Never raises."""
        try:
            started = start_pipeline(self.index, text, now, self.tz, self.learned_index(learned))
            if started.ents is None:
                return None
            actions = started.learned.actions if started.learned is not None \
                else self.index.actions
            found = step_in(started.doc.text, actions, started.ents.masked)
        except Exception:  # never raise: no step read is the safe answer
            log.exception("step failed")
            return None
        if found is None or found.preset is None:
            return None
        return found.preset, found.words

    def snap(self, text: str) -> str:
        try:
            return self._snap(text)
        except Exception:
            log.exception("snap failed")
            return text

    def match_customers(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        try:
            return self.index.rank_customers(normalize_text(text or ""), limit=limit)
        except Exception:
            log.exception("match_customers failed")
            return []

    # ------------------------------------------------------------------ internals
    def _extract(self, text: str, now: datetime, learned: Learned | None = None) -> Extraction:
        """The pipeline without `extract`'s safety net (may raise: the property tests check
        that it never needs it)."""
        return run_pipeline(self.index, text, now, self.tz, self.learned_index(learned))

    def lesson(self, text: str, now: datetime, field: str, old: object,
               new: object) -> str | None:
        """The rep's words a correction of `field` (`old` → `new`) on the card made from
        `text` teaches (None: nothing to learn). Never raises."""
        try:
            return learnable_phrase(self.index, self.tz, text, now, field, old, new)
        except Exception:
            log.exception("lesson failed")
            return None

    def learned_index(self, learned: Learned | None) -> LearnedIndex | None:
        """A rep's learned words compiled against this catalog (a few kept, by value)."""
        if not learned:
            return None
        with self._learned_lock:
            hit = self._learned.get(learned)
            if hit is not None:
                self._learned.move_to_end(learned)
                return hit
        compiled = LearnedIndex(learned, self.index)
        with self._learned_lock:
            self._learned[learned] = compiled
            while len(self._learned) > _LEARNED_KEPT:
                self._learned.popitem(last=False)
        return compiled

    def _snap_contacts(self, text: str, repl: list[tuple[int, int, str]], orgs: list[OrgSpan],
                       low: str, syl: list[str],
                       protected: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """'路主任' → '陆主任' when the customer named in the transcript has a 陆主任."""
        mentions = self.index.find_customers(text, low, syl, protected)
        customer, known, _cands, span = pick_customer(self.index, mentions, orgs)
        if not known or customer is None:
            return []
        out: list[tuple[int, int, str]] = []
        for cm in self.index.people.title_mentions(text):
            if span is not None and span[0] <= cm.start < span[1]:
                continue
            if any(a < cm.end and cm.start < b for a, b, _r in repl):
                continue
            canon = self.index.contacts.resolve(cm, customer, True)
            if canon is None:
                continue
            for ct in self.index.contacts.by_customer.get(customer, []):
                if ct.name != canon:
                    continue
                if cm.text in ct.aliases:
                    break
                same = [a for a in ct.aliases if len(a) == len(cm.text) and a.endswith(cm.title)]
                if same:
                    out.append((cm.start, cm.end, same[0]))
                break
        return out

    def _snap(self, original: str) -> str:
        original = original or ""
        text = normalize_text(original)      # same length: positions carry over
        if not text:
            return original
        low = text.lower()
        syl = py_keys(text)
        protected = [(t.start, t.end) for t in scan_times(text, datetime.now(self.tz))]
        orgs = self.index.find_orgs(text, protected)
        repl: list[tuple[int, int, str]] = []
        scans = [(table, is_cust, list(table.scan(text, low, syl, protected, self.index.person_at)))
                 for table, is_cust in ((self.index.customers, True),
                                        (self.index.products, False))]
        # a name heard as written (轴重秤, a product's alias) is never respelled into another
        # table's name it holds the sound of (众诚, a customer's)
        heard = [(m.start, m.end) for _t, _c, found in scans for m in found
                 if m.priority != P_PINYIN]
        for table, is_cust, found in scans:
            for m in found:
                if m.priority != P_PINYIN or any(a < m.end and m.start < b for a, b in heard):
                    continue
                if is_cust:
                    org = next((o for o in orgs if o.start <= m.start and m.end <= o.end), None)
                    if org is not None and not any(
                        self.index.consistent_with(m, org, nm) for nm in m.names
                    ):
                        continue
                surface = _surface_for(table.exact, m, syl)
                if surface and surface != m.text:
                    repl.append((m.start, m.end, surface))
        repl.extend(self._snap_contacts(text, repl, orgs, low, syl, protected))
        if not repl:
            return original
        repl.sort()
        out, pos = [], 0
        for s, e, r in repl:
            if s < pos:
                continue
            out.append(original[pos:s])
            out.append(r)
            pos = e
        out.append(original[pos:])
        return "".join(out)


def _surface_for(exact: dict[str, dict[str, int]], m: Mention, syl: list[str]) -> str | None:
    """The catalog spelling (name or alias) whose pinyin equals the misheard span."""
    target = syl[m.start: m.end]
    for key, hit in exact.items():
        if len(key) == m.end - m.start and any(n in hit for n in m.names) and \
                all(t in py_variants(c) for c, t in zip(key, target, strict=True)):
            return key
    return None


_CACHE: OrderedDict[int, tuple[Catalog, Extractor]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def get_extractor(catalog: Catalog) -> Extractor:
    """The cached Extractor for this catalog object (keyed by identity)."""
    key = id(catalog)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is catalog:
            _CACHE.move_to_end(key)
            return hit[1]
    ex = Extractor(catalog)
    with _CACHE_LOCK:
        _CACHE[key] = (catalog, ex)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return ex


class Reading:
    """A message read up to the customers it names (`Extractor.start`); `extraction()`
    reads the rest, once. Never raises."""

    __slots__ = ("_done", "_started", "_text")

    def __init__(self, text: str, started: Started | None) -> None:
        self._text, self._started = text, started
        self._done: Extraction | None = None

    @property
    def customer(self) -> str | None:
        """As `Extraction.customer` will be, except that a new lead's '客户：X' is kept
        here even when the message turns out to be no new lead."""
        return self._started.customer if self._started is not None else None

    @property
    def customer_candidates(self) -> tuple[str, ...]:
        return self._started.customer_candidates if self._started is not None else ()

    def extraction(self) -> Extraction:
        if self._done is None:
            done = None
            if self._started is not None:        # (None: `start` failed and logged it)
                try:
                    done = self._started.finish()
                except Exception:
                    log.exception("extract failed")
            self._done = done if done is not None else Extraction(summary=summary_of(self._text))
        return self._done


def extract(text: str, *, now: datetime, catalog: Catalog) -> Extraction:
    """One message → one record. Never raises."""
    try:
        ex = get_extractor(catalog)
    except Exception:
        log.exception("catalog index failed")
        return Extraction(summary=summary_of(text))
    return ex.extract(text, now)


def match_customers(text: str, catalog: Catalog, limit: int = 5) -> list[tuple[str, float]]:
    """Ranked catalog customer names for a short answer like '省人医'."""
    return get_extractor(catalog).match_customers(text, limit=limit)


def snap_transcript(text: str, catalog: Catalog) -> str:
    """ASR transcript with misheard catalog names respelled (股楼医院 → 鼓楼医院)."""
    return get_extractor(catalog).snap(text)
