"""The audit chain's canonical JSON: json's C encoder takes plain values, and writes them
exactly as the general path does (a difference would break every chain already stored)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from crm_core.policies.audit import AuditRecord, _canonical, _plain, canonical_json, chain_hash


class _Kind(StrEnum):
    A = "a"


ATOMS: list[Any] = [
    None, True, False, 0, 1, -5, 2**70, 1.5, -0.1, 1e-7, 3.14159, 1.0, 1e16, 1e300, -0.0,
    float("inf"), float("nan"), "", "a", "中文", '"q"', "\\", "\n\t", "\u2028", "\x00", "😀",
    datetime(2026, 11, 23, 2, 15, tzinfo=UTC), date(2026, 11, 23), _Kind.A,
]


def _value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth > 3 or r < 0.5:
        return rng.choice(ATOMS)
    if r < 0.75:
        return {rng.choice(["a", "b", "中", "", "A", "_"]) + str(rng.randint(0, 20)):
                _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    if r < 0.9:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return tuple(_value(rng, depth + 1) for _ in range(rng.randint(0, 3)))


def test_the_fast_path_writes_what_the_general_path_writes() -> None:
    rng = random.Random(18)
    plain = 0
    for _ in range(20_000):
        value = _value(rng)
        plain += _plain(value)
        assert canonical_json(value) == _canonical(value), repr(value)
    assert 5_000 < plain < 15_000          # both paths were exercised


def test_values_json_writes_differently_take_the_general_path() -> None:
    assert canonical_json({"b": 1.0, "a": 1e16}) == '{"a":10000000000000000,"b":1}'
    assert canonical_json({1: "x", "2": "y"}) == '{"1":"x","2":"y"}'
    assert canonical_json([float("inf"), _Kind.A]) == '[inf,"a"]'
    assert canonical_json({"t": datetime(2026, 1, 2, tzinfo=UTC)}) == \
        '{"t":"2026-01-02 00:00:00+00:00"}'


def test_a_stored_row_keeps_its_hash() -> None:
    record = AuditRecord(datetime(2026, 11, 23, 2, 15, tzinfo=UTC), None, "api", "lead.create",
                         "lead", "7", None, {"company": "南京市鼓楼医院", "budget": 1.5,
                                              "score": 80, "tags": ["a", "b"]})
    # as computed before the fast path existed
    assert chain_hash("", record) == \
        "84bd8171efc25ba06eea0d2aacc7e9a24809726d821ec5236cd9a07e137f505a"
