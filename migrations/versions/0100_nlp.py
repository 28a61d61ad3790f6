"""learned aliases: words the bot learned from reps' corrections (issue 13)

Revision ID: nlp_1
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from crm_core.models.base import AwareDateTime

revision: str = "nlp_1"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("phrase", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("taught_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["taught_by"], ["crm_user.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "phrase", "owner_id", name="uq_learned_alias_phrase"),
    )
    op.create_index("ix_learned_alias_owner_id", "learned_alias", ["owner_id"])
    op.create_table(
        "alias_lesson",
        sa.Column("lesson_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("alias_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alias_id"], ["learned_alias.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("lesson_key"),
    )


def downgrade() -> None:
    op.drop_table("alias_lesson")
    op.drop_index("ix_learned_alias_owner_id", table_name="learned_alias")
    op.drop_table("learned_alias")
