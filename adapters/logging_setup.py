"""Logging for every `crmbot` command: the level from `CRMBOT_LOG_LEVEL` (or `-v`), and no
personal data in any line — messages, arguments and tracebacks pass through
`mask_personal_data` (SQL parameters are never rendered: the engines hide them)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from crm_core.policies.personal_data import mask_personal_data

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PersonalDataFilter(logging.Filter):
    """Masks phone numbers, ID numbers and e-mail addresses in a record before any handler
    formats it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log it as it is, masked
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


def level_from(name: str | None, default: int = logging.INFO) -> int:
    """`"warning"` → logging.WARNING; an unknown name → `default`."""
    value = logging.getLevelName(str(name or "").strip().upper())
    return value if isinstance(value, int) else default


class CrmbotHandler(logging.StreamHandler):
    """Our stderr handler (told apart from handlers others installed)."""


def configure_logging(level: int, stream: TextIO | None = None) -> None:
    """One stderr handler on the root logger, masking personal data. Idempotent."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, CrmbotHandler)), None)
    if handler is None:
        handler = CrmbotHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
    root.setLevel(level)
