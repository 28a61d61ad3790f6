"""Conformance (issue 20.3): every notification kind and the dialogs' card shapes, normal
and extreme (long lists, 9 buttons, 6 KB text, emoji, hostile markup), through all three
senders to a 1:1 chat and a group: the strict fakes accept every request and drop none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adapters.conformance import Matrix, cases
from tests.adapters.fakes import FakePlatform


@pytest.fixture
def fakes() -> Iterator[dict[str, FakePlatform]]:
    servers = {p: FakePlatform().start() for p in ("wecom", "feishu", "dingtalk")}
    yield servers
    for s in servers.values():
        s.stop()


async def test_every_kind_on_every_platform_is_accepted(fakes: dict[str, FakePlatform]
                                                        ) -> None:
    matrix = Matrix(fakes).setup()
    try:
        cells = await matrix.run()
    finally:
        await matrix.close()
    assert not matrix.failures, "\n".join(matrix.failures)
    kinds = {k for k, _, _ in cases()}
    assert cells == len(kinds) * 2 * 3 * 2 and cells >= 100
    for platform, strict in matrix.strict.items():
        assert strict.delivered, platform
