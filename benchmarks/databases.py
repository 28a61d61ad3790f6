"""A fresh database for a benchmark run: a SQLite file, or a new PostgreSQL database made
through the admin URL (`--postgres`) and dropped by the returned cleanup."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def fresh_database(postgres: str | None, tmp: Path, tag: str) -> tuple[str, Callable[[], None]]:
    """(url, cleanup) of an empty database named after `tag`."""
    if not postgres:
        return f"sqlite:///{tmp / f'{tag}.db'}", lambda: None
    import psycopg

    name = f"crmbot_bench_{tag}_{os.getpid()}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")

    def cleanup() -> None:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return postgres.rsplit("/", 1)[0] + "/" + name, cleanup
