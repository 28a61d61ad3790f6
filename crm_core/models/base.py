"""Column helpers shared by the table modules, and `built_row`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.types import TypeDecorator

M = TypeVar("M")
_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def built_row(model: type[M], values: Mapping[str, Any]) -> M:
    """`model(**values)` as the ORM's loading builds a row's object, without the model's
    __init__ (which sets each field through two layers of instrumentation: a large share of
    a hot path's CPU): the same attributes, defaults and factories included, and a new
    (transient) instance that the session inserts when added."""
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = tuple(model.model_fields.items())  # type: ignore[attr-defined]
    row: M = manager_of_class(model).new_instance()
    attrs = row.__dict__
    for name, info in fields:
        attrs[name] = values[name] if name in values \
            else info.get_default(call_default_factory=True)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row


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


def new_dict() -> dict[str, Any]:
    """Default factory for dict fields. A Python function, not the `dict` builtin: pydantic
    inspects a default factory's signature on every construction, and for a builtin that
    means parsing its text signature and failing (about 0.1 ms per field per row)."""
    return {}


def new_list() -> list[Any]:
    """Default factory for list fields (see `new_dict`)."""
    return []


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts_column(*, nullable: bool = True, index: bool = False) -> Any:
    return sa.Column(AwareDateTime(), nullable=nullable, index=index)


def json_column(default: Any = None, *, nullable: bool | None = None) -> Any:
    """A JSON column; nullable exactly when it has no default."""
    return sa.Column(JSON_TYPE, nullable=(default is None) if nullable is None else nullable,
                     default=default)
