"""intake: the audit chain linked by PostgreSQL in the statement that writes the rows

`crmbot_audit_chain(bodies)` takes the chain's lock (as `crmbot_audit_head()`), reads the
newest hash after it holds it, and returns [head, hash of the first body, hash of the
second …], each sha256(prev || '\\n' || body) as `crm_core.policies.audit.chain_hash`
computes it: a unit of work writes its appended rows and its chained audit rows in one
statement. SQLite: nothing (one writer; the chain is linked in Python).

Revision ID: intake_1
Revises: mgmt_2
"""
from collections.abc import Sequence

from alembic import op

revision: str = "intake_1"
down_revision: str | Sequence[str] | None = "mgmt_2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A volatile PL/pgSQL function takes a new snapshot for each statement: the head is read
# after the lock is held, whatever the calling statement's snapshot.
AUDIT_CHAIN_FUNCTION = r"""
CREATE OR REPLACE FUNCTION crmbot_audit_chain(bodies text[]) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev text;
    hashes text[];
    body text;
BEGIN
    PERFORM pg_advisory_xact_lock(4242000001);
    prev := COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '');
    hashes := ARRAY[prev];
    FOREACH body IN ARRAY bodies LOOP
        prev := encode(sha256(convert_to(prev || E'\n' || body, 'UTF8')), 'hex');
        hashes := hashes || prev;
    END LOOP;
    RETURN hashes;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_CHAIN_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS crmbot_audit_chain(text[])")
