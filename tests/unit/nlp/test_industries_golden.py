"""Labelled messages over fourteen non-medical catalogs, labelled by CONVENTIONS before the
extractor ran on them: the whole pipeline, every field. industries.jsonl: 103 messages over
the five catalogs of industries.py (education, agriculture, labs, software, construction);
industries2.jsonl: 100 over hotel linen, veterinary, warehouse forklift, office furniture and
canteen food catalogs (industries2_catalogs.json); industries3.jsonl: 40 over water treatment
chemicals, HR software, waterproofing materials and access control (industries3_catalogs.json)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from nlp import Catalog, Extractor
from nlp.types import CONTRACT_FIELDS

from .industries import INDUSTRIES, catalog

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


ROWS = _rows("industries.jsonl") + _rows("industries2.jsonl") + _rows("industries3.jsonl")
_MORE = {**json.loads((DATA / "industries2_catalogs.json").read_text(encoding="utf-8")),
         **json.loads((DATA / "industries3_catalogs.json").read_text(encoding="utf-8"))}
_EXTRACTORS = {name: Extractor(catalog(name)) for name in INDUSTRIES}
_EXTRACTORS.update({name: Extractor(Catalog.from_dict(data)) for name, data in _MORE.items()})


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


def test_set_covers_fourteen_industries_and_every_intent() -> None:
    assert {r["industry"] for r in ROWS} == set(INDUSTRIES) | set(_MORE)
    assert {r["gold"]["intent"] for r in ROWS} == {
        "log_followup", "create_lead", "update_stage", "query", "other"}


@pytest.mark.parametrize("industry", sorted(set(INDUSTRIES) | set(_MORE)))
def test_records_are_fully_correct(industry: str) -> None:
    rows = [r for r in ROWS if r["industry"] == industry]
    bad = [m for r in rows for m in _mismatches(r)]
    assert not bad, "\n".join(bad)
