"""`crmbot export`, `crmbot import …`, `crmbot backup` / `restore` as an operator runs them,
on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, func, select

from adapters.cli import main
from crm_core.backup import database_rows
from crm_core.db import sync_url
from crm_core.models import AuditLog, Customer
from crm_core.settings import get_settings
from tests.integration.io.helpers import fresh_database


@pytest.fixture
def env(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CRMBOT_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("CRMBOT_NOW", "2026-11-23T10:15:00+08:00")
    monkeypatch.setenv("CRMBOT_BACKUP_DIR", str(tmp_path / "bk"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield demo_db_url
    get_settings.cache_clear()


def scalar(url: str, q: object) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(q).scalar_one())  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_export(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x" / "e.xlsx"
    assert main(["export", "跟进", "本月", "--as", "zhangwei", "-o", str(out)]) == 0
    assert "跟进：" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)["跟进"]
    assert {r[2] for r in ws.iter_rows(min_row=2, values_only=True)} == {"张伟"}
    assert main(["export", "客户", "--from", "2026-01-01", "--to", "2026-12-31"]) == 0
    assert list(tmp_path.glob("导出-客户*.xlsx"))
    assert main(["export", "火星"]) == 2
    assert "看不懂「火星」" in capsys.readouterr().out
    assert scalar(env, select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "export.create")) == 2


CSV = "客户名称,别名,行业\n华东精密机械有限公司,华东精机,制造业\n鼓楼医院,鼓楼总院,\n,无名,\n"


def test_import(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "c.csv"
    f.write_bytes(CSV.encode("gbk"))
    assert main(["import", "customers", str(f)]) == 1          # stdin is not a terminal
    assert "加 --yes" in capsys.readouterr().out
    assert main(["import", "customers", str(f), "--dry-run"]) == 0
    assert scalar(env, select(func.count()).select_from(Customer)) == 150
    report = tmp_path / "r.xlsx"
    assert main(["import", "customers", str(f), "--yes", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "新建 1，合并 1，跳过有误 1 行" in out
    assert scalar(env, select(func.count()).select_from(Customer)) == 151
    assert openpyxl.load_workbook(report).active.max_row == 4
    assert main(["import", "template", "contacts", "-o", str(tmp_path / "t.xlsx")]) == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["联系人", "填写说明"]


def test_import_refuses_big_and_foreign_files(env: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    assert main(["import", "contacts", str(big), "--yes"]) == 2
    assert "文件太大" in capsys.readouterr().out
    pdf = tmp_path / "a.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(500))
    assert main(["import", "contacts", str(pdf), "--yes"]) == 2
    assert "不是表格文件" in capsys.readouterr().out


@pytest.fixture
def other_db(env: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(env, tmp_path)


def test_backup_and_restore(env: str, other_db: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup"]) == 0
    (backup,) = (tmp_path / "bk").glob("crmbot-*.tar.gz")
    assert "备份完成" in capsys.readouterr().out
    assert main(["restore", str(backup)]) == 1
    assert "已有数据" in capsys.readouterr().out
    monkeypatch.setenv("CRMBOT_DATABASE_URL", other_db)
    get_settings.cache_clear()
    assert main(["restore", str(backup)]) == 0
    assert "行数与备份一致" in capsys.readouterr().out
    assert database_rows(other_db)["customer"] == database_rows(env)["customer"]
    assert main(["restore", str(backup), "--force", "--yes"]) == 0
    assert "原有数据已另存" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "bk")]) == 2
