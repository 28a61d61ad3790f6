"""Importing leads from CSV / XLSX files, with a per-row report."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_core.errors import InvalidInput
from crm_core.services.intake import FIELD_LABELS, intake_lead
from crm_core.uow import UnitOfWork

log = logging.getLogger(__name__)

HEADER_ALIASES: dict[str, str] = {
    "单位": "company", "公司": "company", "医院": "company", "单位名称": "company",
    "客户": "company", "姓名": "name", "联系人": "name", "职务": "title", "职位": "title",
    "电话": "phone", "手机": "phone", "手机号": "phone", "联系电话": "phone", "邮箱": "email",
    "电子邮件": "email", "地址": "address", "产品": "product", "意向产品": "product",
    "预算": "budget", "留言": "message", "备注": "message", "需求": "message",
    "来源": "source", "省份": "province", "城市": "city", "区县": "district",
}


@dataclass
class RowOutcome:
    line: int                       # line number in the file (header = 1)
    ok: bool
    lead_id: int | None = None
    status: str | None = None
    detail: str = ""


@dataclass
class ImportReport:
    rows: list[RowOutcome] = field(default_factory=list)
    committed: bool = True

    @property
    def imported(self) -> int:
        return sum(1 for r in self.rows if r.ok and self.committed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


def _key(header: str) -> str:
    h = str(header or "").strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(h, h.lower())


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row dict) for a CSV (UTF-8 or GBK) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:
            raise ImportFileError(f"cannot read {path.name} as XLSX: {e}") from e
        ws = wb.active
        if ws is None:
            raise ImportFileError("the workbook has no sheet")
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return
        keys = [_key(str(h) if h is not None else "") for h in header]
        for n, values in enumerate(it, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            yield n, {k: v for k, v in zip(keys, values, strict=False) if k and v is not None}
        return
    if suffix not in (".csv", ".txt"):
        raise ImportFileError(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ImportFileError("cannot decode the CSV file")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return
    keys = [_key(h) for h in header]
    for values in reader:
        n = reader.line_num
        if not any(v.strip() for v in values):
            continue
        yield n, {k: v for k, v in zip(keys, values, strict=False) if k}


async def import_leads(
    make_uow: Callable[[], UnitOfWork], path: Path, *, all_or_nothing: bool = False,
    source: str = "import",
) -> ImportReport:
    report = ImportReport()
    rows = list(read_rows(path))
    if all_or_nothing:
        async with make_uow() as uow:
            for line, row in rows:
                report.rows.append(await _one(uow, line, row, source, commit=False))
            if report.failed:
                report.committed = False
                return report
            await uow.commit()
        return report
    for line, row in rows:
        async with make_uow() as uow:
            report.rows.append(await _one(uow, line, row, source, commit=True))
    return report


async def _one(uow: UnitOfWork, line: int, row: dict[str, Any], source: str, *,
               commit: bool) -> RowOutcome:
    payload = {k: (str(v) if not isinstance(v, int | float) else v) for k, v in row.items()}
    payload.setdefault("source", source)
    try:
        res = await intake_lead(uow, payload, channel=source, commit=commit)
    except InvalidInput as e:         # the field names in Chinese; the English detail is logged
        log.info("import line %s refused: %s %s", line, e, e.fields)
        detail = "；".join(f"{FIELD_LABELS.get(k, k)}格式不对" for k in e.fields if k != "*")
        return RowOutcome(line, False, detail=detail or e.user_message)
    if res.merged_into is not None:
        return RowOutcome(line, True, res.lead_id, "merged", "重复，已并入原有记录")
    if res.status == "pending":
        return RowOutcome(line, True, res.lead_id, "pending", "、".join(res.problems))
    return RowOutcome(line, True, res.lead_id, res.status,
                      f"分配给 {res.owner}" if res.owner else "")
