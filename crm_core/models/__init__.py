"""SQLModel tables. One module per area; everything is re-exported here so that
`SQLModel.metadata` (and alembic) see all tables after `import crm_core.models`.
"""

from crm_core.models.accounts import Contact, Customer, Department, Product
from crm_core.models.accounts_ext import *  # noqa: F403 (stage evidence, accounts, admin)
from crm_core.models.base import JSON_TYPE, utcnow
from crm_core.models.data_io import ImportBatch
from crm_core.models.drafts import Correction, Draft
from crm_core.models.learning import AliasLesson, LearnedAlias
from crm_core.models.org import Region, Role, Team, User, UserIdentity
from crm_core.models.pipeline import (
    Deal,
    FollowUp,
    Lead,
    LeadEvent,
    LeadStatus,
    Stage,
    StageHistory,
    Task,
)
from crm_core.models.routing import AssignmentRule, ClaimOffer, ClaimOfferCandidate, PoolClaim
from crm_core.models.sla import DailyReport, Escalation, JobRun, SlaClock, SlaPolicy  # noqa: F401
from crm_core.models.system import (
    AuditLog,
    CacheVersion,
    ConfigEntry,
    ContactPoint,
    DialogState,
    InboxEvent,
    IntakeRequest,
    OutboxMessage,
    ProcessedEvent,
)

__all__ = [
    "JSON_TYPE",
    "AliasLesson",
    "AssignmentRule",
    "AuditLog",
    "CacheVersion",
    "ClaimOffer",
    "ClaimOfferCandidate",
    "ConfigEntry",
    "Contact",
    "ContactPoint",
    "Correction",
    "Customer",
    "Deal",
    "Department",
    "DialogState",
    "Draft",
    "FollowUp",
    "ImportBatch",
    "InboxEvent",
    "IntakeRequest",
    "Lead",
    "LeadEvent",
    "LeadStatus",
    "LearnedAlias",
    "OutboxMessage",
    "PoolClaim",
    "ProcessedEvent",
    "Product",
    "Region",
    "Role",
    "Stage",
    "StageHistory",
    "Task",
    "Team",
    "User",
    "UserIdentity",
    "utcnow",
]
