"""Labelled messages over thirty-three non-medical catalogs, labelled by CONVENTIONS before the
extractor ran on them: the whole pipeline, every field. industries.jsonl: 103 messages over
the five catalogs of industries.py (education, agriculture, labs, software, construction);
industries2.jsonl: 100 over hotel linen, veterinary, warehouse forklift, office furniture and
canteen food catalogs (industries2_catalogs.json); industries3.jsonl: 40 over water treatment
chemicals, HR software, waterproofing materials and access control; industries4.jsonl: 40 over
packaging, beverage distribution, corporate training and environmental monitoring;
industries5.jsonl: 40 over industrial gases, testing and certification, landscaping and pet food;
industries6.jsonl: 40 over fire safety, managed printing, liquor distribution and cement, many
of them voice-style; industries7.jsonl: 40 over restaurant POS software, enterprise car rental,
warehousing and fertilizer; industries8.jsonl: 40 in the style of dev2 (one catalog of 25
customers over dental supplies, car-wash equipment, school uniforms, printing ink and hotel
toiletries; typed, voice, terse and typo'd names; 4 dates of `now`); industries9.jsonl: 40 more
in that style (HVAC, PPE, outdoor advertising, water purifiers, cleaning services);
industries10.jsonl: 40 more (sports equipment, library books, conference AV, mining equipment,
tea gifts) (each with its industriesN_catalogs.json)."""

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


ROWS = [r for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10")
        for r in _rows(f"industries{n}.jsonl")]
_MORE = {k: v for n in ("2", "3", "4", "5", "6", "7", "8", "9", "10")
         for k, v in json.loads((DATA / f"industries{n}_catalogs.json")
                                .read_text(encoding="utf-8")).items()}
_EXTRACTORS = {name: Extractor(catalog(name)) for name in INDUSTRIES}
_EXTRACTORS.update({name: Extractor(Catalog.from_dict(data)) for name, data in _MORE.items()})


# Fields the extractor still gets wrong, each with the pattern it misses (kept in the set, not
# relabelled; the test fails when one of them starts passing, so the list stays true).
KNOWN_MISSES = {
    "print/o02 next_action": "'租赁合同明年三月才到期，到时候再谈': the contract named beside "
                             "a delayed date is read as the step (labelled 其他: only 再谈)",
    "liquor/p02 attitude": "'回去跟公司申请一下' with no subject: read as the customer asking "
                           "a superior (labelled as the rep's own errand)",
    "carrental/s05 next_action": "a generic '再联系' with no date is not taken as a step (as in "
                                 "dev: '她说看完再联系' is no step); labelled 其他",
    "mixed3/z22 products": "'会议室的话筒' labelled as the product 无线会议系统 (alias "
                           "会议话筒) by meaning; no alias is written",
}


def _mismatches(row: dict[str, Any]) -> list[str]:
    rec = _EXTRACTORS[row["industry"]].extract(row["text"], datetime.fromisoformat(row["now"]))
    got = rec.contract()
    out = []
    for f in CONTRACT_FIELDS:
        g, p = row["gold"][f], got[f]
        if f == "products":
            g, p = sorted(g), sorted(p)
        if (g != p) != (f"{row['industry']}/{row['id']} {f}" in KNOWN_MISSES):
            out.append(f"{row['id']} {f}: {g!r} != {p!r}")
    return out


def test_set_covers_thirty_three_catalogs_and_every_intent() -> None:
    assert {r["industry"] for r in ROWS} == set(INDUSTRIES) | set(_MORE)
    assert {r["gold"]["intent"] for r in ROWS} == {
        "log_followup", "create_lead", "update_stage", "query", "other"}


@pytest.mark.parametrize("industry", sorted(set(INDUSTRIES) | set(_MORE)))
def test_records_are_fully_correct(industry: str) -> None:
    rows = [r for r in ROWS if r["industry"] == industry]
    bad = [m for r in rows for m in _mismatches(r)]
    assert not bad, "\n".join(bad)
