"""Which statements on `lead` move the stamp of routing's cached live counts
(`crm_core.db._counted_lead_writes`): a row in or out, or an owner, status, assignment time or
team set; not a merge that only adds a message or utm fields."""

from __future__ import annotations

import pytest

from crm_core.db import _counted_lead_writes

ATOMIC = "/* crmbot:atomic */ WITH appended_0 AS ("


@pytest.mark.parametrize(("statement", "counts"), [
    ("INSERT INTO lead (status, owner_id) VALUES (?, ?)", True),
    ("DELETE FROM lead WHERE lead.id = ?", True),
    ("UPDATE lead SET status=?, updated_at=? WHERE lead.id = ?", True),
    ("UPDATE lead SET updated_at=$1::TIMESTAMP WITH TIME ZONE, owner_id=$2::INTEGER "
     "WHERE lead.id = $3::INTEGER", True),
    ("UPDATE lead SET status=?", True),                       # no WHERE: every row
    ("UPDATE lead AS l SET message=? FROM contact WHERE l.id = ?", True),   # not parsed
    ("UPDATE lead SET team_id=?, assigned_at=? WHERE lead.id = ?", True),
    ("UPDATE lead SET message=?, utm_source=?, updated_at=? WHERE lead.id = ?", False),
    ("UPDATE lead SET previous_owner_id=?, in_pool=? WHERE lead.id = ?", False),
    ("UPDATE lead SET message=? WHERE lead.status = ? AND lead.owner_id = ?", False),
    (ATOMIC + 'UPDATE lead SET "message" = $1 WHERE id = $2 RETURNING 1) '
     "INSERT INTO audit_log (at) VALUES ($3)", False),
    (ATOMIC + 'UPDATE lead SET "owner_id" = $1 WHERE id = $2 RETURNING 1) '
     "INSERT INTO audit_log (at) VALUES ($3)", True),
    (ATOMIC + "INSERT INTO lead (id, status) VALUES ($1, $2) RETURNING 1) "
     "INSERT INTO audit_log (at) VALUES ($3)", True),
])
def test_what_moves_the_live_counts_stamp(statement: str, counts: bool) -> None:
    assert (_counted_lead_writes(statement) > 0) is counts


def test_each_part_of_one_statement_counts() -> None:
    """A new lead and another lead's new owner in one commit are two writes: the intake's
    carry-forward (which assumes its own INSERT was the only one) then reads afresh."""
    assert _counted_lead_writes(
        ATOMIC + "INSERT INTO lead (id, status) VALUES ($1, $2) RETURNING 1), appended_1 AS ("
        'UPDATE lead SET "owner_id" = $3 WHERE id = $4 RETURNING 1), appended_2 AS ('
        'UPDATE lead SET "message" = $5 WHERE id = $6 RETURNING 1) '
        "INSERT INTO audit_log (at) VALUES ($7)") == 2
