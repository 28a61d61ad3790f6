"""Logs carry no personal data (SQL parameters hidden, phones / e-mails / ID numbers masked
in messages and tracebacks) and follow CRMBOT_LOG_LEVEL."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.logging_setup import FORMAT, PersonalDataFilter, level_from
from crm_core.db import Database
from crm_core.policies.personal_data import mask_personal_data

ROOT = Path(__file__).resolve().parents[2]


def test_phones_mails_and_id_numbers_are_masked() -> None:
    cases = {
        "call 13812345678 now": "call 138****5678 now",
        "+86 139-1234-5678": "139****5678",
        "office 025-83106666": "office 025****6666",
        "id 32010219900101123X": "id 320****123X",
        "mail Wang.Li@Example.CN": "mail W***@Example.CN",
        "lead 12345 at 2026-11-23T10:15:00 port 8080": "lead 12345 at 2026-11-23T10:15:00 "
                                                       "port 8080",
    }
    for raw, want in cases.items():
        assert mask_personal_data(raw) == want, raw


def _capture() -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger(f"crmbot.test.{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger, out


async def test_a_database_error_logged_with_its_traceback_shows_no_phone(db: Database) -> None:
    phone = "13899990000"
    async with db.session() as s:
        await s.execute(text("INSERT INTO contact_point (kind, value) VALUES ('phone', :v)"),
                        {"v": phone})
        await s.commit()
    logger, out = _capture()
    async with db.session() as s:
        error: DBAPIError | None = None
        try:
            await s.execute(text("INSERT INTO contact_point (kind, value) VALUES ('phone', :v)"),
                            {"v": phone})
        except DBAPIError as e:
            error = e
            logger.exception("intake failed for %s (%s)", phone, "wang@example.cn")
    assert error is not None and "hidden due to hide_parameters" in str(error)
    logged = out.getvalue()
    assert "Traceback" in logged and "IntegrityError" in logged
    assert phone not in logged and "wang@example.cn" not in logged
    assert "138****0000" in logged


def test_crmbot_log_level_is_honoured(tmp_path: Path) -> None:
    def migrate_stderr(level: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRMBOT_")}
        env.update(CRMBOT_LOG_LEVEL=level,
                   CRMBOT_DATABASE_URL=f"sqlite:///{tmp_path / level}.db")
        return subprocess.run([sys.executable, "-m", "adapters.cli", "migrate"], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=True).stderr

    assert "Running upgrade" in migrate_stderr("DEBUG")        # alembic speaks at DEBUG
    assert "Running upgrade" not in migrate_stderr("WARNING")
    assert level_from("warning") == logging.WARNING
    assert level_from("nonsense") == logging.INFO
