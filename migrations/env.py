"""Alembic environment: SQLModel metadata, URL from the caller or CRMBOT_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import crm_core.models  # noqa: F401  (register every table)

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.attributes.get("sqlalchemy_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from crm_core.db import sync_url
        from crm_core.settings import get_settings

        url = sync_url(get_settings().database_url)
    return str(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": _url(), "sqlalchemy.hide_parameters": True}, prefix="sqlalchemy.",
        poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
