"""The audit log's shape, as pure functions: what a row keeps, and its hash chain.

- A row keeps the fields that changed, not whole snapshots: `audit_delta(before, after)`.
  Raw payloads (what a web form sent, a message's body) and any other value bigger than
  `MAX_VALUE_BYTES` are kept as their SHA-256 and size, so a row stays small whatever an
  anonymous caller posts: the log proves what was there without copying it again and again.
- Every row carries `hash = SHA-256(prev_hash, canonical row)`, `prev_hash` being the hash of
  the row before it (by id). Changing, inserting or removing a row breaks the chain at that
  row; `first_broken_link` names it. The canonical form survives the round trip through
  both backends' JSON columns (PostgreSQL's JSONB renders `1e16` as `10000000000000000`, so
  numbers are canonicalised through their shortest decimal form).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# values under these keys are payloads: kept as a hash whatever their size
PAYLOAD_KEYS = frozenset({"raw_payload", "payload", "body", "raw"})
MAX_VALUE_BYTES = 1024
# kept even when unchanged: they say what the row is about
CONTEXT_KEYS = frozenset({"id", "target"})
GENESIS = ""                         # prev_hash of the first hashed row


def digest(value: Any) -> dict[str, Any]:
    """What the log keeps of a payload: its SHA-256 and size (of its canonical JSON)."""
    data = canonical_json(value).encode("utf-8")
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _bounded(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if key in PAYLOAD_KEYS:
        return digest(value)
    if isinstance(value, str):
        return value if len(value) * 3 <= MAX_VALUE_BYTES or \
            len(value.encode("utf-8")) <= MAX_VALUE_BYTES else digest(value)
    return value if len(canonical_json(value).encode("utf-8")) <= MAX_VALUE_BYTES \
        else digest(value)


def audit_delta(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(before, after) as the log keeps them: with both, only the keys whose values differ
    (and the `CONTEXT_KEYS`); payloads and big values as `digest`s."""
    if before is not None and after is not None:
        keys = [k for k in {**before, **after}
                if k in CONTEXT_KEYS or before.get(k) != after.get(k)]
        b = {k: _bounded(k, before.get(k)) for k in keys}
        a = {k: _bounded(k, after.get(k)) for k in keys}
        return b, a
    return ({k: _bounded(k, v) for k, v in before.items()} if before is not None else None,
            {k: _bounded(k, v) for k, v in after.items()} if after is not None else None)


# --- canonical form and the chain ---------------------------------------------------------
def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    d = Decimal(repr(value))
    return str(int(d)) if d == d.to_integral_value() else repr(value)


_PLAIN_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                  allow_nan=False)


def _plain(value: Any) -> bool:
    """Whether json's own encoder writes `value` exactly as `canonical_json` does: only
    dicts with str keys, lists, tuples, str, int, bool, None and floats that are neither
    integral nor infinite (exact types: an Enum or another subclass takes the long way)."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return True
    if t is float:
        return math.isfinite(value) and not value.is_integer()
    if t is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if t is list or t is tuple:
        return all(_plain(v) for v in value)
    return False


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text, numbers in their shortest decimal form (integral
    floats as integers), anything else as its text. Plain JSON values (nearly every row) go
    through json's C encoder, which writes them the same way."""
    if _plain(value):
        return _PLAIN_ENCODER.encode(value)
    return _canonical(value)


def _canonical(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, Mapping):
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: kv[0])
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _canonical(v)
                              for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """The chained fields of one audit row, as stored."""

    at: datetime
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


def _instant(at: datetime) -> str:
    if at.tzinfo is None:          # SQLite hands back UTC without a zone
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def chain_body(r: AuditRecord) -> str:
    """The text a row's hash covers after the previous hash (PostgreSQL's
    `crmbot_audit_chain` links these bodies exactly as `chain_hash` does)."""
    return canonical_json([_instant(r.at), r.actor_id, r.actor, r.action, r.entity,
                           r.entity_id, r.before, r.after])


def chain_hash(prev_hash: str, r: AuditRecord) -> str:
    return hashlib.sha256(f"{prev_hash}\n{chain_body(r)}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    row_id: int
    reason: str                      # English, for the operator


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int                     # hashed rows verified
    unhashed: int                    # rows written before the chain began
    broken: BrokenLink | None


class ChainWalker:
    """Walks (id, prev_hash, hash, record) rows in id order, batch by batch. Rows written
    before the chain began (no hash) may only come first; after that every row must link
    to the one before it and match its own hash."""

    def __init__(self) -> None:
        self.prev: str | None = None
        self.checked = 0
        self.unhashed = 0
        self.broken: BrokenLink | None = None

    def feed(self, rows: Iterable[tuple[int, str | None, str | None, AuditRecord]]) -> bool:
        """False once a broken link was found (the rest need not be read)."""
        for row_id, prev_hash, hash_, record in rows:
            if self.broken is not None:
                return False
            self.broken = self._check(row_id, prev_hash, hash_, record)
        return self.broken is None

    def _check(self, row_id: int, prev_hash: str | None, hash_: str | None,
               record: AuditRecord) -> BrokenLink | None:
        if hash_ is None:
            if self.prev is not None:
                return BrokenLink(row_id, "hash missing (a row written around the log)")
            self.unhashed += 1
            return None
        expected_prev = GENESIS if self.prev is None else self.prev
        if prev_hash != expected_prev:
            return BrokenLink(row_id, "prev_hash does not match the hash of the row before "
                                      "it (a row was removed, inserted or reordered)")
        if chain_hash(expected_prev, record) != hash_:
            return BrokenLink(row_id, "content does not match its hash (the row was changed)")
        self.prev = hash_
        self.checked += 1
        return None

    def report(self) -> ChainReport:
        return ChainReport(self.checked, self.unhashed, self.broken)


def first_broken_link(
    rows: Iterable[tuple[int, str | None, str | None, AuditRecord]],
) -> ChainReport:
    walker = ChainWalker()
    walker.feed(rows)
    return walker.report()
