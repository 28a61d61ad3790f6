"""io: import batches (customer / contact files waiting for confirmation)

Revision ID: io_1
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import crm_core.models.base

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "io_1"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("ticket", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=False),
        sa.Column("finished_at", crm_core.models.base.AwareDateTime(timezone=True),
                  nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["crm_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batch_ticket"), ["ticket"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_ticket"))
        batch_op.drop_index(batch_op.f("ix_import_batch_status"))
    op.drop_table("import_batch")
