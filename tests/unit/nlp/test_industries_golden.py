"""103 labelled messages over five non-medical catalogs (tests/unit/nlp/industries.py),
labelled by CONVENTIONS before the extractor ran on them: the whole pipeline, every field."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from nlp import Extractor
from nlp.types import CONTRACT_FIELDS

from .industries import INDUSTRIES, catalog

ROWS: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "industries.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()
]
_EXTRACTORS = {name: Extractor(catalog(name)) for name in INDUSTRIES}


def _mismatches(row: dict[str, Any]) -> list[str]:
    rec = _EXTRACTORS[row["industry"]].extract(row["text"], datetime.fromisoformat(row["now"]))
    got = rec.contract()
    out = []
    for f in CONTRACT_FIELDS:
        g, p = row["gold"][f], got[f]
        if f == "products":
            g, p = sorted(g), sorted(p)
        if g != p:
            out.append(f"{row['id']} {f}: {g!r} != {p!r}")
    return out


def test_set_covers_five_industries_and_every_intent() -> None:
    assert {r["industry"] for r in ROWS} == set(INDUSTRIES)
    assert {r["gold"]["intent"] for r in ROWS} == {
        "log_followup", "create_lead", "update_stage", "query", "other"}


@pytest.mark.parametrize("industry", sorted(INDUSTRIES))
def test_records_are_fully_correct(industry: str) -> None:
    rows = [r for r in ROWS if r["industry"] == industry]
    bad = [m for r in rows for m in _mismatches(r)]
    assert not bad, "\n".join(bad)
