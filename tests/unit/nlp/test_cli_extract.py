"""`crmbot extract --catalog FILE`: JSON Lines in, one contract record per line out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.cli import main
from nlp.types import CONTRACT_FIELDS

from .conftest import CATALOG_DATA


def test_extract_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps(CATALOG_DATA, ensure_ascii=False), encoding="utf-8")
    lines = [
        {"id": "a", "now": "2026-05-13T10:00:00+08:00", "text": "明天上午十点去杭州一院拜访陈主任"},
        {"id": "b", "now": "2026-05-13T02:00:00+00:00", "text": "你好"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["extract", "--catalog", str(cat)]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert all(set(o) == {"id", *CONTRACT_FIELDS} for o in out)
    assert out[0]["customer"] == "杭州市第一人民医院"
    assert (out[0]["next_date"], out[0]["next_time"]) == ("2026-05-14", "10:00")
    assert out[1]["intent"] == "other"


@pytest.mark.parametrize("content", [None, "not json", "[1, 2]", '{"customers": 5}'])
def test_a_bad_catalog_file_is_refused_with_a_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        content: str | None) -> None:
    cat = tmp_path / "catalog.json"
    if content is not None:
        cat.write_text(content, encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "a", "text": "你好"}\n'))
    assert main(["extract", "--catalog", str(cat)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "catalog.json" in captured.err
