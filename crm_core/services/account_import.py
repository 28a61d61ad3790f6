"""Importing customers and contacts from a spreadsheet: plan (what each row will do: create,
merge into an existing record, or why it cannot), then apply the plan in the caller's
transaction. The plan is made again inside the applying transaction, so what is written
matches the database as it is then, not as it was at the preview.

De-duplication: customers by name and aliases, normalised (`account_rows.normalize_name`);
contacts by phone, then e-mail, then name at the same customer. A merge fills empty fields
and adds aliases; it never overwrites a value that is there (the plan says what it kept).
Rows of the same file that mean the same record merge into the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import select, text
from sqlmodel import col

from crm_core.models import Contact, Customer, Department, User
from crm_core.models.accounts import DECISION_ROLES
from crm_core.policies import account_rows as rules
from crm_core.policies.account_rows import BadValue
from crm_core.policies.contact_info import BadContactInfo, normalize_email, normalize_phone
from crm_core.services.accounts import CHAIN_KEY
from crm_core.services.catalog import get_config
from crm_core.spreadsheet import SheetError, Table, read_table
from crm_core.uow import UnitOfWork, snapshot

KINDS = ("customers", "contacts")
KIND_LABELS = {"customers": "客户", "contacts": "联系人"}
CUSTOMER_FILL = ("kind", "grade", "industry", "province", "city", "district", "address",
                 "owner_id")
CONTACT_FILL = ("title", "department_id", "decision_role", "phone", "email", "wechat")
FIELD_LABELS = {"kind": "类型", "grade": "等级", "industry": "行业", "province": "省份",
                "city": "城市", "district": "区县", "address": "地址", "owner_id": "负责人",
                "title": "职务", "department_id": "科室", "decision_role": "决策角色",
                "phone": "手机", "email": "邮箱", "wechat": "微信"}
_CHUNK = 500


@dataclass
class RowPlan:
    line: int
    action: str                       # create | merge | same | error
    label: str = ""                   # 南京市鼓楼医院 / 王建国（南京市鼓楼医院）
    values: dict[str, Any] = field(default_factory=dict)
    target_id: int | None = None      # the existing record a merge goes into
    first_line: int | None = None     # the earlier row of this file it merges into
    detail: str = ""                  # why not, or what merges
    warnings: list[str] = field(default_factory=list)
    record_id: int | None = None      # after apply: the record created or merged into

    @property
    def ok(self) -> bool:
        return self.action != "error"


@dataclass
class ImportPlan:
    kind: str
    rows: list[RowPlan]
    header_line: int = 1
    ignored_columns: list[str] = field(default_factory=list)
    merged_cells: int = 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == "error"]


def read_accounts(data: bytes, kind: str | None = None) -> tuple[str, Table]:
    """(customers | contacts, the table) for a file; the kind is judged from the header when
    not given. Raises SheetError (Chinese answer) for a file that cannot be used."""
    if kind is None:
        try:
            table = read_table(data, rules.CONTACT_HEADERS)
        except SheetError as e:
            if not e.no_header:
                raise
            kind = "customers"
        else:
            kind = rules.looks_like(table.columns)
            if kind == "contacts":
                return kind, _checked(kind, table)
    if kind not in KINDS:
        raise ValueError(kind)
    headers = rules.CUSTOMER_HEADERS if kind == "customers" else rules.CONTACT_HEADERS
    return kind, _checked(kind, read_table(data, headers, min_known=1))


def _checked(kind: str, table: Table) -> Table:
    missing = rules.missing_columns(kind, table.columns)
    if missing:
        raise SheetError(f"{kind} file without {missing}",
                         f"缺少必填列：{'、'.join(missing)}。可以先下载模板对照。")
    return table


TEMPLATE_NOTES: dict[str, dict[str, tuple[str, str]]] = {
    # field → (what to write, example); examples from no particular industry
    "customers": {
        "name": ("单位全称，用来判断是否已有", "华东精密机械有限公司"),
        "aliases": ("简称、俗称，多个用顿号隔开；聊天里说简称也能认出", "华东精机、华精"),
        "kind": ("医院 / 企业 / 学校 / 经销商 / 政府机构 / 其他；不填按名称判断", "企业"),
        "grade": ("客户等级", "A"), "industry": ("所属行业", "制造业"),
        "province": ("省份", "江苏省"), "city": ("城市", "苏州市"), "district": ("区县", "吴中区"),
        "address": ("详细地址", "吴中大道 100 号"),
        "owner": ("负责销售的登录名或姓名；不填则无人负责", "zhangwei"),
        "created_at": ("2024-05-01、2024/5/1、2024年5月1日 均可", "2024-05-01"),
    },
    "contacts": {
        "customer": ("客户名称或简称，须先导入客户", "华东精机"),
        "name": ("联系人姓名", "周明"), "title": ("职务或职称", "采购经理"),
        "department": ("科室或部门，没有会新建", "采购部"),
        "decision_role": ("决策角色：{roles}", "采购经理"),
        "phone": ("手机号，用来判断是否已有", "13912345678"),
        "email": ("邮箱", "zhouming@example.com"), "wechat": ("微信号", "zhouming_wx"),
        "aliases": ("称呼，如 周经理", "周经理"),
        "landline": ("座机，手机为空时使用", "0512-66881234"),
    },
}


async def template_rows(uow: UnitOfWork, kind: str) -> list[tuple[str, str, str, str]]:
    """(column title, 必填, what to write, example) for the template's notes sheet."""
    columns = rules.CUSTOMER_COLUMNS if kind == "customers" else rules.CONTACT_COLUMNS
    roles = list(DECISION_ROLES)
    chains = await get_config(uow, CHAIN_KEY, {})
    if isinstance(chains, dict):
        roles += [r for rs in chains.values() if isinstance(rs, list) for r in rs
                  if r not in roles]
    out = []
    for key, title in columns.items():
        note, example = TEMPLATE_NOTES[kind][key]
        required = "必填" if key in rules.REQUIRED[kind] else ""
        out.append((title, required, note.format(roles="、".join(roles)), example))
    return out


async def plan_import(uow: UnitOfWork, kind: str, table: Table) -> ImportPlan:
    plan = ImportPlan(kind, [], table.header_line, table.unknown_headers, table.merged)
    rows = table.rows
    plan.rows = await (_plan_customers(uow, rows) if kind == "customers"
                       else _plan_contacts(uow, rows))
    return plan


# --------------------------------------------------------------------------- customers

class _Index:
    """Normalised names and aliases → customer id (existing) or -line (planned in this file)."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[int]] = {}

    def add(self, ref: int, names: Iterable[str]) -> None:
        for n in names:
            key = rules.normalize_name(n)
            if key:
                self.by_key.setdefault(key, set()).add(ref)

    def find(self, names: Iterable[str]) -> set[int]:
        out: set[int] = set()
        for n in names:
            out |= self.by_key.get(rules.normalize_name(n), set())
        return out


async def _customer_index(uow: UnitOfWork) -> tuple[_Index, dict[int, str]]:
    index, names = _Index(), {}
    for cid, name, aliases in (await uow.session.execute(
            select(col(Customer.id), col(Customer.name), col(Customer.aliases)))).all():
        index.add(int(cid), [name, *(aliases or [])])
        names[int(cid)] = name
    return index, names


async def _users(uow: UnitOfWork) -> dict[str, list[User]]:
    by_word: dict[str, list[User]] = {}
    for u in (await uow.session.execute(select(User))).scalars():
        for w in {u.login, u.login.lower(), u.name}:
            by_word.setdefault(w, []).append(u)
    return by_word


def _midnight(uow: UnitOfWork, value: Any) -> datetime | None:
    day = rules.parse_date(value)
    return datetime.combine(day, time(), tzinfo=uow.clock.tz) if day else None


async def _plan_customers(uow: UnitOfWork, rows: list[tuple[int, dict[str, Any]]]
                          ) -> list[RowPlan]:
    index, names = await _customer_index(uow)
    users = await _users(uow)
    out: list[RowPlan] = []
    planned: dict[int, RowPlan] = {}
    for line, row in rows:
        p = RowPlan(line, "create")
        try:
            p.values = _customer_values(uow, row, users, p.warnings)
        except BadValue as e:
            p.action, p.detail, p.label = "error", str(e), _row_label(row, "name")
            out.append(p)
            continue
        v = p.values
        p.label = v["name"]
        hits = index.find([v["name"], *v["aliases"]])
        out.append(p)
        if len(hits) > 1:
            p.action = "error"
            p.detail = "同时对上几家：" + "、".join(
                names.get(h) or f"第 {-h} 行" for h in sorted(hits))
            continue
        ref = hits.pop() if hits else -line
        if ref == -line:
            planned[line] = p
        elif ref < 0:
            first = planned[-ref]
            p.action, p.first_line = "merge", first.line
            p.detail = f"与第 {first.line} 行是同一家，合并"
            _fold_row(first, v)
        else:
            p.target_id = ref
            p.label = names[ref]
        index.add(ref, [v["name"], *v["aliases"]])
    if any(p.target_id for p in out):
        await _describe_customer_merges(uow, [p for p in out if p.target_id])
    return out


def _row_label(row: dict[str, Any], key: str) -> str:
    """What to call a row in the report: its name, else its first filled cell."""
    value = row.get(key) or next((v for v in row.values() if v not in (None, "")), "")
    return str(value)[:60]


def _customer_values(uow: UnitOfWork, row: dict[str, Any], users: dict[str, list[User]],
                     warnings: list[str]) -> dict[str, Any]:
    name = rules.text_of(row.get("name"), 200)
    if not name:
        raise BadValue("缺少客户名称")
    v: dict[str, Any] = {"name": name, "aliases": [a for a in rules.split_aliases(
        row.get("aliases")) if rules.normalize_name(a) != rules.normalize_name(name)]}
    for key in ("grade", "industry", "province", "city", "district", "address"):
        v[key] = rules.text_of(row.get(key), 200)
    kind_text = rules.text_of(row.get("kind"))
    v["kind"] = rules.kind_of(kind_text) if kind_text else None
    if kind_text and v["kind"] is None:
        warnings.append(f"类型「{kind_text}」不认识，按名称判断")
    v["kind"] = v["kind"] or rules.guess_kind(name)
    owner = rules.text_of(row.get("owner"))
    v["owner_id"] = None
    if owner:
        found = users.get(owner) or users.get(owner.lower()) or []
        if len(found) == 1:
            v["owner_id"] = found[0].id
        else:
            warnings.append(f"负责人「{owner}」{'有重名' if found else '不存在'}，已留空")
    v["created_at"] = _midnight(uow, row.get("created_at"))
    return v


def _fold_row(first: RowPlan, later: dict[str, Any]) -> None:
    """A later row of the same file adds what the first row left empty."""
    fv = first.values
    for a in [later["name"], *later["aliases"]]:
        if rules.normalize_name(a) != rules.normalize_name(fv["name"]) and a not in fv["aliases"]:
            fv["aliases"].append(a)
    for k, value in later.items():
        if k not in ("name", "aliases") and fv.get(k) in (None, "") and value not in (None, ""):
            fv[k] = value


async def _describe_customer_merges(uow: UnitOfWork, merges: list[RowPlan]) -> None:
    ids = list({p.target_id for p in merges if p.target_id})
    existing: dict[int, Customer] = {}
    for chunk in _chunks(ids):
        for c in (await uow.session.execute(
                select(Customer).where(col(Customer.id).in_(chunk)))).scalars():
            existing[c.id or 0] = c
    for p in merges:
        _describe_merge(p, existing[p.target_id or 0], CUSTOMER_FILL)


def _describe_merge(p: RowPlan, record: Customer | Contact, keys: tuple[str, ...]) -> None:
    """What merging the row into `record` will do: new aliases, empty fields filled, and the
    values kept because the record already has its own."""
    v = p.values
    have = {rules.normalize_name(n) for n in [record.name, *(record.aliases or [])]}
    v["aliases"] = [a for a in dict.fromkeys([v["name"], *v["aliases"]])
                    if rules.normalize_name(a) not in have]
    fills, kept = _compare(record, v, keys)
    if isinstance(record, Contact) and v.get("department") and not record.department_id \
            and "department_id" not in fills:
        fills.append("department_id")
    p.action = "merge" if v["aliases"] or fills else "same"
    parts = []
    if v["aliases"]:
        parts.append("加别名 " + "、".join(v["aliases"]))
    if fills:
        parts.append("补充 " + "、".join(FIELD_LABELS[k] for k in fills))
    if kept:
        parts.append("保留原有 " + "、".join(FIELD_LABELS[k] for k in kept))
    p.detail = "；".join(parts) or "已有，无变化"


def _compare(row: Any, v: dict[str, Any], keys: Iterable[str]) -> tuple[list[str], list[str]]:
    fills, kept = [], []
    for k in keys:
        new, old = v.get(k), getattr(row, k)
        if new in (None, "") or new == old:
            continue
        if k == "kind" and old and old != "other":
            if new != old:
                kept.append(k)
            continue
        if old in (None, "", "other"):
            fills.append(k)
        else:
            kept.append(k)
    return fills, kept


# --------------------------------------------------------------------------- contacts

async def _plan_contacts(uow: UnitOfWork, rows: list[tuple[int, dict[str, Any]]]
                         ) -> list[RowPlan]:
    index, names = await _customer_index(uow)
    roles = set(DECISION_ROLES)
    chains = await get_config(uow, CHAIN_KEY, {})
    if isinstance(chains, dict):
        roles.update(r for rs in chains.values() if isinstance(rs, list) for r in rs)
    out: list[RowPlan] = []
    for line, row in rows:
        p = RowPlan(line, "create")
        try:
            p.values = _contact_values(row, roles, p.warnings)
        except BadValue as e:
            p.action, p.detail = "error", str(e)
            p.label = _row_label(row, "name")
            out.append(p)
            continue
        v = p.values
        hits = index.find([v["customer"]])
        p.label = f"{v['name']}（{v['customer']}）"
        if not hits:
            p.action, p.detail = "error", f"客户「{v['customer']}」还没有，请先导入客户"
        elif len(hits) > 1:
            p.action = "error"
            p.detail = "客户名对上几家：" + "、".join(names[h] for h in sorted(hits))
        else:
            v["customer_id"] = hits.pop()
            p.label = f"{v['name']}（{names[v['customer_id']]}）"
        out.append(p)
    await _match_contacts(uow, [p for p in out if p.ok])
    return out


def _contact_values(row: dict[str, Any], roles: set[str], warnings: list[str]
                    ) -> dict[str, Any]:
    customer = rules.text_of(row.get("customer"), 200)
    name = rules.text_of(row.get("name"), 100)
    if not customer:
        raise BadValue("缺少客户名称")
    if not name:
        raise BadValue("缺少联系人姓名")
    v: dict[str, Any] = {"customer": customer, "name": name,
                         "aliases": [a for a in rules.split_aliases(row.get("aliases"))
                                     if a != name]}
    for key in ("title", "department", "wechat"):
        v[key] = rules.text_of(row.get(key), 100)
    raw_phone = rules.text_of(row.get("phone")) or rules.text_of(row.get("landline"))
    try:
        v["phone"] = normalize_phone(raw_phone)
    except BadContactInfo as e:
        raise BadValue(f"手机号「{raw_phone}」不对") from e
    raw_email = rules.text_of(row.get("email"))
    try:
        v["email"] = normalize_email(raw_email)
    except BadContactInfo as e:
        raise BadValue(f"邮箱「{raw_email}」不对") from e
    role = rules.text_of(row.get("decision_role"))
    v["decision_role"] = role if role in roles else None
    if role and role not in roles:
        warnings.append(f"决策角色「{role}」不在角色表里，已留空")
    return v


async def _match_contacts(uow: UnitOfWork, plans: list[RowPlan]) -> None:
    """Existing contacts by phone, e-mail, then (customer, name); rows of this file by the
    same keys; departments by (customer, name)."""
    phones = {p.values["phone"] for p in plans if p.values["phone"]}
    emails = {p.values["email"] for p in plans if p.values["email"]}
    customer_ids = {p.values["customer_id"] for p in plans}
    existing: dict[int, Contact] = {}
    for column, values in ((col(Contact.phone), phones), (col(Contact.email), emails),
                           (col(Contact.customer_id), customer_ids)):
        for chunk in _chunks(list(values)):
            for c in (await uow.session.execute(
                    select(Contact).where(column.in_(chunk)))).scalars():
                existing[c.id or 0] = c
    by_phone: dict[str, Contact] = {}
    by_email: dict[str, Contact] = {}
    by_name: dict[tuple[int | None, str], Contact] = {}
    for c in existing.values():
        if c.phone:
            by_phone.setdefault(c.phone, c)
        if c.email:
            by_email.setdefault(c.email, c)
        for n in [c.name, *(c.aliases or [])]:
            by_name.setdefault((c.customer_id, rules.normalize_name(n)), c)
    departments = await _departments(uow, customer_ids)
    customer_names: dict[int | None, str] = dict((await uow.session.execute(
        select(col(Customer.id), col(Customer.name)).where(
            col(Customer.id).in_(list(customer_ids) or [0])))).all())
    seen: dict[Any, RowPlan] = {}
    for p in plans:
        v = p.values
        keys = [("p", v["phone"]), ("e", v["email"]),
                ("n", v["customer_id"], rules.normalize_name(v["name"]))]
        keys = [k for k in keys if k[-1]]
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            if first.values["customer_id"] != v["customer_id"]:
                p.action, p.detail = "error", f"与第 {first.line} 行手机号/邮箱相同，但客户不同"
                continue
            p.action, p.first_line = "merge", first.line
            p.detail = f"与第 {first.line} 行是同一人，合并"
            _fold_contact(first.values, v)
            continue
        match = ((by_phone.get(v["phone"]) if v["phone"] else None)
                 or (by_email.get(v["email"]) if v["email"] else None)
                 or by_name.get((v["customer_id"], rules.normalize_name(v["name"]))))
        v["department_id"] = departments.get((v["customer_id"], v["department"] or ""))
        if match is not None and match.customer_id != v["customer_id"]:
            other = customer_names.get(match.customer_id) or await _customer_name(
                uow, match.customer_id)
            p.action = "error"
            p.detail = f"手机号/邮箱已是「{other}」的{match.name}"
            continue
        for k in keys:
            seen[k] = p
        if match is not None:
            p.target_id = match.id
            _describe_merge(p, match, CONTACT_FILL)


def _fold_contact(first: dict[str, Any], later: dict[str, Any]) -> None:
    for k, value in later.items():
        if k == "aliases":
            first["aliases"] = list(dict.fromkeys([*first["aliases"], *value]))
        elif first.get(k) in (None, "") and value not in (None, ""):
            first[k] = value


async def _departments(uow: UnitOfWork, customer_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for chunk in _chunks(list(customer_ids)):
        for did, cid, name in (await uow.session.execute(
                select(col(Department.id), col(Department.customer_id), col(Department.name))
                .where(col(Department.customer_id).in_(chunk)))).all():
            out[(int(cid), name)] = int(did)
    return out


async def _customer_name(uow: UnitOfWork, customer_id: int | None) -> str:
    c = await uow.session.get(Customer, customer_id) if customer_id else None
    return c.name if c else "其他客户"


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


# --------------------------------------------------------------------------- apply

async def lock_imports(uow: UnitOfWork) -> None:
    """One import at a time (PostgreSQL: a transaction-scoped advisory lock; SQLite has one
    writer anyway): the plan's reads and the writes see the same database."""
    if uow.db.dialect == "postgresql":
        await uow.sql(text("SELECT pg_advisory_xact_lock(hashtext('crmbot.account_import'))"))


async def import_file(uow: UnitOfWork, data: bytes, kind: str, *, all_or_nothing: bool
                      ) -> tuple[ImportPlan, bool]:
    """Plan and apply a file in one transaction (the command line's import). Returns the
    plan and whether anything was written: with `all_or_nothing`, nothing is when a row is
    bad. Raises SheetError for a file that cannot be used."""
    await lock_imports(uow)
    kind, table = read_accounts(data, kind)
    plan = await plan_import(uow, kind, table)
    if all_or_nothing and plan.errors:
        return plan, False
    return plan, await apply_plan(uow, plan) > 0


async def apply_plan(uow: UnitOfWork, plan: ImportPlan) -> int:
    """Write every row that is not an error; returns how many records were created or
    changed. Rows + audit in the caller's transaction (it commits)."""
    written = 0
    if plan.kind == "customers":
        written = await _apply_customers(uow, plan)
    else:
        written = await _apply_contacts(uow, plan)
    if written:
        uow.audit("import.apply", "import", plan.kind,
                  after={"rows": len(plan.rows), "created": plan.count("create"),
                         "merged": plan.count("merge"), "errors": plan.count("error")})
    return written


async def _apply_customers(uow: UnitOfWork, plan: ImportPlan) -> int:
    created: list[tuple[RowPlan, Customer]] = []
    for p in plan.rows:
        if p.action != "create":
            continue
        v = p.values
        c = Customer(name=v["name"], aliases=v["aliases"], kind=v["kind"], grade=v["grade"],
                     industry=v["industry"], province=v["province"], city=v["city"],
                     district=v["district"], address=v["address"], owner_id=v["owner_id"],
                     created_at=v["created_at"] or uow.now)
        uow.add(c)
        created.append((p, c))
    await uow.flush()
    for p, c in created:
        p.record_id = c.id
        uow.audit("customer.import", "customer", c.id, after=snapshot(c))
    merges = [p for p in plan.rows if p.action == "merge" and p.target_id]
    for p in merges:
        existing = await uow.session.get(Customer, p.target_id)
        assert existing is not None
        before = snapshot(existing)
        existing.aliases = _with_aliases([existing.name, *(existing.aliases or [])],
                                         existing.aliases, p.values["aliases"])
        fills, _ = _compare(existing, p.values, CUSTOMER_FILL)
        for k in fills:
            setattr(existing, k, p.values[k])
        uow.add(existing)
        p.record_id = existing.id
        uow.audit("customer.import_merge", "customer", existing.id, before=before,
                  after=snapshot(existing))
    _link_in_file_merges(plan)
    return len(created) + len(merges)


async def _apply_contacts(uow: UnitOfWork, plan: ImportPlan) -> int:
    live = [p for p in plan.rows if p.action in ("create", "merge") and not p.first_line]
    new_departments: dict[tuple[int, str], Department] = {}
    for p in live:
        v = p.values
        dep = v.get("department")
        if dep and not v.get("department_id"):
            key = (v["customer_id"], dep)
            if key not in new_departments:
                new_departments[key] = Department(customer_id=v["customer_id"], name=dep)
                uow.add(new_departments[key])
    await uow.flush()
    for d in new_departments.values():
        uow.audit("department.import", "department", d.id, after=snapshot(d))
    created: list[tuple[RowPlan, Contact]] = []
    for p in live:
        v = p.values
        if v.get("department") and not v.get("department_id"):
            v["department_id"] = new_departments[(v["customer_id"], v["department"])].id
        if p.action == "create":
            c = Contact(customer_id=v["customer_id"], department_id=v["department_id"],
                        name=v["name"], title=v["title"], decision_role=v["decision_role"],
                        phone=v["phone"], email=v["email"], wechat=v["wechat"],
                        aliases=v["aliases"], created_at=uow.now)
            uow.add(c)
            created.append((p, c))
            continue
        existing = await uow.session.get(Contact, p.target_id)
        assert existing is not None
        before = snapshot(existing)
        existing.aliases = _with_aliases([existing.name, *(existing.aliases or [])],
                                         existing.aliases, v["aliases"])
        fills, _ = _compare(existing, v, CONTACT_FILL)
        for k in fills:
            setattr(existing, k, v[k])
        uow.add(existing)
        p.record_id = existing.id
        uow.audit("contact.import_merge", "contact", existing.id, before=before,
                  after=snapshot(existing))
    await uow.flush()
    for p, c in created:
        p.record_id = c.id
        uow.audit("contact.import", "contact", c.id, after=snapshot(c))
    _link_in_file_merges(plan)
    return len(live)


def _with_aliases(names: list[str], aliases: list[str] | None, new: list[str]) -> list[str]:
    """`aliases` plus those of `new` that are not already a name or alias (normalised)."""
    have = {rules.normalize_name(n) for n in names}
    out = list(aliases or [])
    for a in new:
        key = rules.normalize_name(a)
        if key and key not in have:
            have.add(key)
            out.append(a)
    return out


def _link_in_file_merges(plan: ImportPlan) -> None:
    by_line = {p.line: p for p in plan.rows}
    for p in plan.rows:
        if p.first_line is not None:
            p.record_id = by_line[p.first_line].record_id

