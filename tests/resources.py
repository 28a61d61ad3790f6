"""A test resource that is not there (PostgreSQL, the Whisper model, the ../shared clips):
skipped, with the reason printed, on a developer's machine; a failure under `CI=true`, so
that CI never passes by running less."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """Skip (or, under CI=true, fail) the test that needs what `reason` names."""
    if in_ci():
        pytest.fail(f"test resource missing under CI=true: {reason}", pytrace=False)
    print(f"\nSKIP: {reason}")
    pytest.skip(reason)
