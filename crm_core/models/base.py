"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class AwareDateTime(TypeDecorator[datetime]):
    """Timezone-aware instants on every backend (SQLite stores them as UTC text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: every instant must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts_column(*, nullable: bool = True, index: bool = False) -> Any:
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


def json_column(default: Any = None, *, nullable: bool | None = None) -> Any:
    """A JSON column; nullable exactly when it has no default."""
    return sa.Column(JSON_TYPE, nullable=(default is None) if nullable is None else nullable,
                     default=default)
