"""dialog: drafts (typed dialog state, kept until confirmed or dropped), corrections, a
follow-up's effects (for undo and edits), provisional contact names, customers' past models

Revision ID: dialog_1
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_core.models.base

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = crm_core.models.base.AwareDateTime(timezone=True)

revision: str = "dialog_1"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("dialog", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("step", JSON, nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("record_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("reminded_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_chat_key"), ["chat_key"], unique=False)
        batch_op.create_index("ix_draft_user_status", ["user_id", "status"], unique=False)
        batch_op.create_index("ix_draft_status_expires", ["status", "expires_at"],
                              unique=False)

    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("field_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_value", JSON, nullable=True),
        sa.Column("new_value", JSON, nullable=True),
        sa.Column("phrase", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_correction_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effects", JSON, nullable=False,
                                      server_default=sa.text("'{}'")))
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_incomplete", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("past_models", JSON, nullable=False,
                                      server_default=sa.text("'[]'")))
    if op.get_bind().dialect.name == "sqlite":
        # numbers shown to users (#F #T #C) must not come back after an undo deletes the
        # newest row: SQLite reuses the largest rowid unless the table is AUTOINCREMENT
        for table in ("followup", "task", "contact"):
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("past_models")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("name_incomplete")
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_column("effects")
    op.drop_table("correction")
    op.drop_table("draft")
