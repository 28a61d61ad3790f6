"""Typed views of two things SQLModel and SQLAlchemy's async results leave untyped: a table
class's Core `Table`, and the row count of an UPDATE / DELETE / INSERT."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Result
from sqlmodel import SQLModel


def table(model: type[SQLModel]) -> sa.Table:
    """The Core table of a `table=True` model (SQLModel declares no type for `__table__`)."""
    t = model.__dict__.get("__table__")
    if not isinstance(t, sa.Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return t


def rowcount(result: Result[Any]) -> int:
    """Rows matched by a DML statement (`session.execute` is typed as returning `Result`)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
