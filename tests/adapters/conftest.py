"""Shared fixtures of the adapter tests. Nothing here reaches beyond 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.adapters.fakes import FakePlatform

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["no_proxy"] = os.environ["NO_PROXY"]


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    server = FakePlatform().start()
    yield server
    server.stop()
