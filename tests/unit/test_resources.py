"""Under CI=true a missing test resource fails the run instead of skipping it."""

from __future__ import annotations

import pytest

from tests.resources import missing


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
        missing("PostgreSQL not reachable")


@pytest.mark.parametrize("value", [None, "", "false"])
def test_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        missing("the Whisper model is not installed")
