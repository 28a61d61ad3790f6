"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from crm_core.db import MIGRATIONS_DIR, sync_url


def test_models_and_migrations_agree(db_url: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["sqlalchemy_url"] = sync_url(db_url)
    command.check(cfg)          # raises when autogenerate would find anything to do
