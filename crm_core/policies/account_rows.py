"""Pure rules for importing customers and contacts from a spreadsheet: which header means
which field (Chinese and English synonyms), how names are compared, how text becomes a date,
a kind, a list of aliases. No database, no clock: values in, values out."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from crm_core.models.accounts import CUSTOMER_KINDS

# canonical field → its column title in templates and reports
CUSTOMER_COLUMNS: dict[str, str] = {
    "name": "客户名称", "aliases": "别名", "kind": "类型", "grade": "等级", "industry": "行业",
    "province": "省份", "city": "城市", "district": "区县", "address": "地址",
    "owner": "负责人", "created_at": "建档日期",
}
CONTACT_COLUMNS: dict[str, str] = {
    "customer": "客户名称", "name": "联系人", "title": "职务", "department": "科室/部门",
    "decision_role": "决策角色", "phone": "手机", "email": "邮箱", "wechat": "微信",
    "aliases": "别名", "landline": "座机",
}

_ORG = ("客户名称", "客户", "客户全称", "单位", "单位名称", "医院", "医院名称", "公司",
        "公司名称", "企业", "企业名称", "机构", "机构名称", "学校", "学校名称", "所属客户",
        "所属单位", "所属医院", "所属公司", "customer", "company", "organization",
        "organisation", "account", "hospital")
_COMMON: dict[str, tuple[str, ...]] = {
    "aliases": ("别名", "简称", "客户简称", "单位简称", "俗称", "又称", "称呼", "昵称", "aliases",
                "alias", "shortname"),
}
_CUSTOMER: dict[str, tuple[str, ...]] = {
    "name": (*_ORG, "名称", "name"),
    "kind": ("类型", "客户类型", "单位类型", "机构类型", "性质", "单位性质", "kind", "type"),
    "grade": ("等级", "级别", "客户等级", "医院等级", "客户级别", "grade", "level", "tier"),
    "industry": ("行业", "所属行业", "industry", "sector"),
    "province": ("省", "省份", "所在省", "所在省份", "province", "state"),
    "city": ("市", "城市", "所在城市", "地市", "city"),
    "district": ("区县", "区", "县", "区/县", "district", "county"),
    "address": ("地址", "详细地址", "单位地址", "公司地址", "address"),
    "owner": ("负责人", "销售", "业务员", "客户经理", "归属销售", "所属销售", "跟进人", "owner",
              "salesrep", "rep"),
    "created_at": ("建档日期", "建档时间", "创建日期", "创建时间", "录入日期", "录入时间",
                   "首次合作日期", "created", "createdat", "createdate", "created_at"),
}
_CONTACT: dict[str, tuple[str, ...]] = {
    "customer": _ORG,
    "name": ("联系人", "联系人姓名", "姓名", "名字", "联系人名称", "contact", "contactname",
             "name", "fullname"),
    "title": ("职务", "职称", "职位", "头衔", "岗位", "title", "position", "jobtitle"),
    "department": ("科室", "部门", "所属部门", "所属科室", "科室/部门", "部门/科室",
                   "department", "dept"),
    "decision_role": ("决策角色", "角色", "决策链角色", "采购角色", "决策链", "role",
                      "decisionrole"),
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "移动电话", "联系方式", "mobile",
              "phone", "cell", "cellphone", "tel", "telephone"),
    "landline": ("座机", "办公电话", "固定电话", "固话", "officephone", "landline"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "email", "e-mail", "mail"),
    "wechat": ("微信", "微信号", "wechat", "weixin"),
}


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, words in {**table, **_COMMON}.items():
        for w in words:
            out.setdefault(w, key)
            out.setdefault(w.lower(), key)
    return out


CUSTOMER_HEADERS = _aliases(_CUSTOMER)
CONTACT_HEADERS = _aliases(_CONTACT)
REQUIRED = {"customers": ("name",), "contacts": ("customer", "name")}
KIND_WORDS: dict[str, str] = {
    **{label: key for key, label in CUSTOMER_KINDS.items()}, **{k: k for k in CUSTOMER_KINDS},
    "公司": "company", "厂家": "company", "工厂": "company", "民营医院": "hospital",
    "公立医院": "hospital", "诊所": "hospital", "高校": "school", "大学": "school",
    "科研院所": "school", "代理商": "distributor", "渠道": "distributor", "政府": "government",
    "事业单位": "government",
}


class BadValue(ValueError):
    """A cell that cannot be read as what its column says; the message is Chinese."""


_SPACE_PUNCT = re.compile(r"[\s\u3000·•.,，。、;；:：\-—_()（）\[\]【】<>《》'\"“”‘’/\\|]+")


def normalize_name(name: str) -> str:
    """The form in which two organisation or person names are compared: full-width folded,
    case-folded, without spaces or punctuation ("鼓楼医院（本部）" ≈ "鼓楼医院本部")."""
    s = unicodedata.normalize("NFKC", name).casefold()
    return _SPACE_PUNCT.sub("", s)


_ALIAS_SPLIT = re.compile(r"[,，、;；/|\n]+")


def split_aliases(value: Any) -> list[str]:
    text = text_of(value)
    if not text:
        return []
    return list(dict.fromkeys(a.strip() for a in _ALIAS_SPLIT.split(text) if a.strip()))


def text_of(value: Any, limit: int = 500) -> str | None:
    """A cell as text: numbers without a trailing `.0` (phone numbers come as floats)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise BadValue(f"超过 {limit} 个字")
    return text or None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: Any) -> date | None:
    """A date cell: a real date, 2026-03-02, 2026/3/2, 2026.3.2, 2026年3月2日, 20260302, or an
    Excel serial day number. Raises BadValue for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:                  # 1954 … 2119 as Excel serial days
            return _EXCEL_EPOCH + timedelta(days=int(value))
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as e:
                raise BadValue(f"日期「{text}」不存在") from e
    raise BadValue(f"日期「{text[:20]}」看不懂，请写成 2026-03-02")


def kind_of(value: Any) -> str | None:
    """The kind a cell names (医院 / 企业 / hospital …), or None when it names none."""
    text = text_of(value)
    if not text:
        return None
    return KIND_WORDS.get(text) or KIND_WORDS.get(text.lower())


@cache
def _kind_suffixes() -> list[tuple[str, str]]:
    data = json.loads((Path(__file__).parent / "org_kinds.json").read_text(encoding="utf-8"))
    pairs = [(suffix, kind) for kind, suffixes in data.items() if not kind.startswith("_")
             for suffix in suffixes]
    return sorted(pairs, key=lambda p: -len(p[0]))


def guess_kind(name: str) -> str:
    """A customer's kind from the end of its name (…医院 → hospital, …有限公司 → company)."""
    base = re.sub(r"[（(][^）)]*[）)]$", "", name.strip())
    for suffix, kind in _kind_suffixes():
        if base.endswith(suffix):
            return kind
    return "other"


def missing_columns(kind: str, columns: list[str]) -> list[str]:
    """The required fields a header lacks, as the column titles the user should add."""
    titles = CUSTOMER_COLUMNS if kind == "customers" else CONTACT_COLUMNS
    return [titles[k] for k in REQUIRED[kind] if k not in columns]


def looks_like(contact_columns: list[str]) -> str:
    """customers / contacts, from a header read with CONTACT_HEADERS: a column of people's
    names next to the organisation makes it a contact list."""
    cols = set(contact_columns)
    return "contacts" if {"customer", "name"} <= cols else "customers"
