"""The pure rules behind the security checks: authorization, input hygiene, the chain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_core.policies.audit import AuditRecord, chain_hash, first_broken_link
from crm_core.policies.authz import Principal, Record, decide
from crm_core.policies.input_hygiene import (
    RawNumber,
    json_depth_problem,
    payload_problems,
    text_problem,
)

REP = Principal(11, "rep", frozenset(), frozenset({11}))
COLLEAGUE = 12
MANAGER = Principal(2, "manager", frozenset({1}), frozenset({2, 11, 12}))
OTHER_MANAGER = Principal(3, "manager", frozenset({3}), frozenset({3, 31}))
DIRECTOR = Principal(1, "director", frozenset({1, 3}), frozenset({1, 2, 3, 11, 12, 31}))
ADMIN = Principal(9, "admin")


@pytest.mark.parametrize(("actor", "action", "record", "allowed"), [
    (REP, "act", Record("lead", 11, 1), True),                       # own
    (REP, "reassign", Record("lead", 11, 1), False),                 # never a rep
    (REP, "view", Record("lead", COLLEAGUE, 1), False),              # a colleague's
    (REP, "view", Record("lead", None, None), False),                # the pending pool
    (REP, "claim", Record("lead", None, 1, in_pool=True), True),     # the public pool
    (REP, "claim", Record("lead", None, 1, offered_to=frozenset({11})), True),
    (REP, "act", Record("lead", None, 1, in_pool=True), False),
    (REP, "view", Record("customer", None), True),                   # a shared account
    (REP, "act", Record("customer", COLLEAGUE, 1), False),
    (REP, "act", Record("alert", COLLEAGUE, 1, recipient_id=11), True),
    (MANAGER, "reassign", Record("lead", COLLEAGUE, 1), True),
    (MANAGER, "view", Record("lead", None, None), True),             # triage the pending
    (MANAGER, "act", Record("task", 31, 3), False),
    (OTHER_MANAGER, "reassign", Record("lead", COLLEAGUE, 1), False),
    (OTHER_MANAGER, "act", Record("alert", COLLEAGUE, 1), False),
    (OTHER_MANAGER, "view", Record("lead", None, 1), False),         # unowned, team 1
    (OTHER_MANAGER, "claim", Record("lead", None, 1, in_pool=True), True),
    (DIRECTOR, "act", Record("deal", 31, 3), True),
    (ADMIN, "reassign", Record("lead", 31, 3), True),
    (ADMIN, "delete", Record("lead", 31, 3), False),                 # no such action
])
def test_decide(actor: Principal, action: str, record: Record, allowed: bool) -> None:
    assert bool(decide(actor, action, record)) is allowed


def test_hygiene_names_each_bad_field_and_lets_text_through() -> None:
    assert text_problem("第一行\n第二行\t完") is None
    assert payload_problems({
        "company": "X\x00", "name": "\ud83d", "message": "乱码\ufffd", "budget": float("inf"),
        "n": RawNumber("9" * 40), "ok": "好的", "nested": {"a": [[[[[[[[1]]]]]]]]},
    }) == {
        "company": "contains a NUL character",
        "name": "contains an unpaired surrogate",
        "message": "contains U+FFFD (text decoded with the wrong charset?)",
        "budget": "not a finite number",
        "n": "integer longer than 30 digits",
        "nested": "nested deeper than 8 levels",
    }
    assert payload_problems({f"f{i}": "x" for i in range(201)}) == {"*": "more than 200 fields"}


def test_json_depth_is_found_in_one_pass_without_recursion() -> None:
    assert json_depth_problem('{"a": "[[[[[[[[[[", "b": [1, {"c": 2}]}') is None
    assert json_depth_problem('{"a": 1, "deep": ' + "[" * 100_000) == (
        "deep", "nested deeper than 8 levels")


def test_the_chain_detects_a_changed_a_missing_and_a_reordered_row() -> None:
    at = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
    records = [AuditRecord(at, None, "api", "lead.create", "lead", str(i), None, {"i": i})
               for i in range(4)]
    rows = []
    prev = ""
    for i, r in enumerate(records, start=1):
        h = chain_hash(prev, r)
        rows.append((i, prev, h, r))
        prev = h
    assert first_broken_link(rows).broken is None
    changed = [*rows[:2], (3, rows[2][1], rows[2][2], records[0]), rows[3]]
    assert first_broken_link(changed).broken.row_id == 3  # type: ignore[union-attr]
    assert first_broken_link([rows[0], rows[2], rows[3]]).broken.row_id == 3  # type: ignore[union-attr]
    assert first_broken_link([(0, None, None, records[0]), *rows]).unhashed == 1
    assert first_broken_link([rows[0], (2, None, None, records[1])]).broken.row_id == 2  # type: ignore[union-attr]
