"""Infrastructure tables: audit log, outbox, dialog state, inbound dedupe, config."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_core.models.base import json_column, new_dict, ts_column


class AuditLog(SQLModel, table=True):
    """Append-only: database triggers refuse UPDATE, DELETE and (SQLite) REPLACE. Rows keep
    changed fields, payloads as hashes; each row chains to the one before it
    (`crm_core.policies.audit`, `crmbot audit verify`)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="crm_user.id")
    actor: str = "system"                         # login or "system" / "api" / "import"
    action: str                                   # lead.create, followup.log, …
    entity: str = Field(index=True)               # lead / customer / …
    entity_id: str = Field(index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=json_column(None))
    after: dict[str, Any] | None = Field(default=None, sa_column=json_column(None))
    prev_hash: str | None = None                  # hash of the row before (None: pre-chain)
    hash: str | None = None                       # SHA-256(prev_hash, canonical row)


class OutboxMessage(SQLModel, table=True):
    """Everything pushed later, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)                 # lead.merged, lead.assigned, sla.alert, …
    recipient_id: int | None = Field(default=None, foreign_key="crm_user.id", index=True)
    platform: str | None = None                   # resolved at delivery when None
    chat_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    dedupe_key: str = Field(unique=True)
    status: str = Field(default="pending", index=True)     # pending | sending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    locked_by: str | None = None
    locked_until: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str | None = None
    platform_message_id: str | None = None
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())


class DialogState(SQLModel, table=True):
    __tablename__ = "dialog_state"
    key: str = Field(primary_key=True)            # platform:chat_id:user_id
    user_id: int | None = Field(default=None, foreign_key="crm_user.id")
    name: str
    data: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    updated_at: datetime = Field(sa_column=ts_column(nullable=False))


class ProcessedEvent(SQLModel, table=True):
    """Inbound de-duplication by the platform's message/event id (stored as text)."""

    __tablename__ = "processed_event"
    platform: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    received_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))


class InboxEvent(SQLModel, table=True):
    """A platform callback stored before it is acknowledged (issue 20.5): the verified,
    decrypted platform message, unique per (platform, event id) so a platform's retry is
    one row; processed from here, restart-safe, one worker at a time (a lease)."""

    __tablename__ = "inbox_event"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_inbox_platform_event"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    event_id: str
    payload: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    status: str = Field(default="pending", index=True)      # pending | working | done | dead
    attempts: int = 0
    locked_by: str | None = None
    locked_until: datetime | None = Field(default=None, sa_column=ts_column())
    received_at: datetime = Field(sa_column=ts_column(nullable=False, index=True))
    done_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_error: str | None = None


class IntakeRequest(SQLModel, table=True):
    """Idempotency for lead intake: the first answer to a client id is replayed."""

    __tablename__ = "intake_request"
    key: str = Field(primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id")
    response: dict[str, Any] = Field(default_factory=new_dict, sa_column=json_column(dict))
    created_at: datetime = Field(sa_column=ts_column(nullable=False))
    digest: str | None = None                     # SHA-256 of the request's payload


class ContactPoint(SQLModel, table=True):
    """A normalised phone number or e-mail address intake has made a lead for: the key that
    keeps concurrent intakes of one person from making two leads. Intake inserts the
    person's points in the transaction that creates the lead; on PostgreSQL a twin's insert
    waits for that transaction and then fails or finds its lead (`crm_core.services.
    intake`)."""

    __tablename__ = "contact_point"
    kind: str = Field(primary_key=True)           # phone | email
    value: str = Field(primary_key=True)          # 13812345678 / wang@example.cn


class CacheVersion(SQLModel, table=True):
    """One counter per in-process cache (`crm_core.infra.cache_versions.SOURCES`): database
    triggers add one in the transaction that changes any table the cache is read from, so a
    process sees a change made by any other the moment it is committed."""

    __tablename__ = "cache_version"
    name: str = Field(primary_key=True)           # reference | catalog
    version: int = 0


class ConfigEntry(SQLModel, table=True):
    """Tenant configuration as JSON values: presets, working hours, required fields…"""

    __tablename__ = "config_entry"
    key: str = Field(primary_key=True)
    value: Any = Field(default=None, sa_column=json_column(None))
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_by: int | None = Field(default=None, foreign_key="crm_user.id")
