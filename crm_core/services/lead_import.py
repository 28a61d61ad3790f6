"""Importing leads from CSV / XLSX files, with a per-row report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_core.errors import InvalidInput
from crm_core.services.intake import FIELD_LABELS, KNOWN_FIELDS, intake_lead
from crm_core.spreadsheet import SheetError, read_table
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
    """The file as a whole cannot be read; `str(e)` is the Chinese answer."""


# the canonical field names work as headers too (company, phone, …)
_ALIASES: dict[str, str] = {**{k: k for k in KNOWN_FIELDS}, **HEADER_ALIASES}


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row dict) for a CSV (UTF-8, UTF-16, GBK, GB18030) or XLSX file; unknown
    columns are kept under their lower-cased header (they land in the raw payload)."""
    try:
        table = read_table(path.read_bytes(), _ALIASES, keep_unknown=True)
    except SheetError as e:
        raise ImportFileError(e.user_message) from e
    yield from table.rows


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
