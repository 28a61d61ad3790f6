"""50 parallel posts of one person (and of one client_id) through real `crmbot serve`
processes: one lead, never a 5xx — on SQLite with one process (a second one refuses to
start on the same file, saying why) and on PostgreSQL with one and with two processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.abuse import race_rounds, serving
from tests.conftest import make_db_url

pytestmark = pytest.mark.e2e


@pytest.fixture
def served_db_url(request: pytest.FixtureRequest, tmp_path: Path,
                  sqlite_templates: dict[str, Path]) -> object:
    yield from make_db_url(request, tmp_path, "demo", sqlite_templates)


def assert_one_lead_each(url: str, ports: list[int], tag: str) -> None:
    phone, client = race_rounds(url, ports, rounds=2, posts=50, tag=tag)
    for what, f in (("one phone", phone), ("one client_id", client)):
        assert f.duplicates == 0, what
        assert f.server_errors == 0, (what, f.statuses)
        # per round: one created (201), the 49 others merged or replayed (200)
        assert f.statuses == {201: 2, 200: 98}, (what, f.statuses)


@pytest.mark.parametrize("served_db_url", ["sqlite"], indirect=True)
def test_sqlite_one_server_one_lead_and_a_second_server_refuses(served_db_url: str) -> None:
    with serving(served_db_url, 2) as served:
        assert len(served.ports) == 1
        assert "另一个 crmbot serve 正在使用这个 SQLite 数据库" in served.refused[0]
        assert "PostgreSQL" in served.refused[0]
        assert_one_lead_each(served_db_url, served.ports, "sqlite")


@pytest.mark.postgres
@pytest.mark.parametrize("served_db_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("processes", [1, 2])
def test_postgres_one_lead_with_one_or_two_servers(served_db_url: str, processes: int) -> None:
    with serving(served_db_url, processes) as served:
        assert len(served.ports) == processes and not served.refused
        assert_one_lead_each(served_db_url, served.ports, f"pg{processes}")
