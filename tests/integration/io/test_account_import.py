"""Customer and contact import: header synonyms, de-duplication against the demo company,
merges that fill and never overwrite, per-row report, all-or-nothing, and the extractor's
catalog seeing imported aliases at once — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.catalog import CatalogCache
from crm_core.clock import FrozenClock
from crm_core.db import Database
from crm_core.models import AuditLog, Contact, Customer, Department, User
from crm_core.services.account_import import import_file, plan_import, read_accounts
from crm_core.spreadsheet import SheetError
from crm_core.uow import Actor, UnitOfWork
from tests.integration.io.helpers import csv_bytes, xlsx


def uow(db: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(db, clock, Actor.system("import"))


async def count(db: Database, model: type) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def customer(db: Database, name: str) -> Customer:
    async with db.session() as s:
        return (await s.execute(select(Customer).where(Customer.name == name))).scalar_one()


CUSTOMERS = [
    ["客户名称", "简称", "客户类型", "级别", "省份", "城市", "负责人", "建档日期"],
    ["华东精密机械有限公司", "华东精机、华精", "", "A", "江苏省", "苏州市", "sunhao", "2024-05-01"],
    ["鼓楼医院", "鼓楼总院", "医院", "三乙", "", "", "", "2023/3/2"],       # demo alias
    ["", "无名", "", "", "", "", "", ""],                                    # no name
    ["华东精密机械 有限公司", "", "", "", "", "", "", "2024年5月1日"],          # same as row 2
    ["宁波港口物流", "", "企业", "", "浙江省", "宁波市", "不存在的人", "20240301"],
    ["第七中学", "", "", "", "", "", "", "2024.3.1"],
    ["滨江实验室", "", "", "", "", "", "", "看不懂的日期"],
]


async def test_customers_plan_merge_and_apply(demo_db: Database, clock: FrozenClock) -> None:
    before = await count(demo_db, Customer)
    gulou = await customer(demo_db, "南京市鼓楼医院")
    async with uow(demo_db, clock) as u:
        kind, table = read_accounts(csv_bytes(CUSTOMERS, "gb18030"))
        assert kind == "customers"
        plan = await plan_import(u, kind, table)
    by_line = {p.line: p for p in plan.rows}
    assert by_line[2].action == "create" and by_line[2].values["kind"] == "company"
    assert by_line[2].values["aliases"] == ["华东精机", "华精"]
    assert by_line[3].action == "merge" and by_line[3].target_id == gulou.id
    assert "鼓楼总院" in by_line[3].detail and "保留原有 等级" in by_line[3].detail
    assert by_line[4].action == "error" and by_line[4].detail == "缺少客户名称"
    assert by_line[5].action == "merge" and by_line[5].first_line == 2
    assert any("不存在的人" in w for w in by_line[6].warnings)
    assert by_line[7].values["kind"] == "school"
    assert by_line[8].action == "error" and "看不懂" in by_line[8].detail

    async with uow(demo_db, clock) as u:
        plan, written = await import_file(u, csv_bytes(CUSTOMERS, "gb18030"), "customers",
                                          all_or_nothing=False)
        await u.commit()
    assert written
    assert await count(demo_db, Customer) == before + 3      # rows 2, 6, 7 new; 8 is bad
    hd = await customer(demo_db, "华东精密机械有限公司")
    assert hd.created_at is not None
    assert hd.created_at.astimezone(clock.tz).date() == date(2024, 5, 1)
    sunhao = None
    async with demo_db.session() as s:
        sunhao = (await s.execute(select(User).where(User.login == "sunhao"))).scalar_one()
    assert hd.owner_id == sunhao.id and hd.kind == "company" and hd.grade == "A"
    gulou_after = await customer(demo_db, "南京市鼓楼医院")
    assert "鼓楼总院" in gulou_after.aliases and gulou_after.grade == gulou.grade   # kept
    async with demo_db.session() as s:
        audits = (await s.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.in_(["customer.import", "customer.import_merge"])))).scalar_one()
    assert audits == 4


async def test_all_or_nothing_writes_nothing(demo_db: Database, clock: FrozenClock) -> None:
    before = await count(demo_db, Customer)
    async with uow(demo_db, clock) as u:
        plan, written = await import_file(u, xlsx(CUSTOMERS), "customers", all_or_nothing=True)
        await u.commit()
    assert not written and len(plan.errors) == 2
    assert await count(demo_db, Customer) == before


CONTACTS = [
    ["医院名称", "姓名", "职称", "科室", "决策角色", "手机号码", "邮箱", "称呼"],
    ["南京市鼓楼医院", "孙立", "主任医师", "骨科", "临床科室主任", "139 1234 5678", "", "孙主任"],
    ["省人医", "钱多", "科长", "设备科", "关键人", "", "QIAN@Example.com", ""],
    ["不存在医院", "赵某", "", "", "", "13912345679", "", ""],
    ["南京市鼓楼医院", "周某", "", "", "", "12345", "", ""],
    ["南京市鼓楼医院", "孙立", "", "新科室", "", "", "sunli@example.com", ""],
]


async def test_contacts_create_merge_and_report(demo_db: Database, clock: FrozenClock) -> None:
    before = await count(demo_db, Contact)
    async with demo_db.session() as s:
        existing = (await s.execute(select(Contact).where(Contact.phone.is_not(None))
                                    .order_by(Contact.id).limit(1))).scalar_one()
    rows = [*CONTACTS, ["南京市鼓楼医院", "旧人新名", "", "", "", existing.phone, "", ""]]
    async with uow(demo_db, clock) as u:
        plan, written = await import_file(u, xlsx(rows), "contacts", all_or_nothing=False)
        await u.commit()
    by_line = {p.line: p for p in plan.rows}
    assert by_line[2].action == "create"
    assert by_line[3].action == "create" and by_line[3].values["email"] == "qian@example.com"
    assert any("关键人" in w for w in by_line[3].warnings)
    assert by_line[4].action == "error" and "请先导入客户" in by_line[4].detail
    assert by_line[5].action == "error" and "手机号" in by_line[5].detail
    assert by_line[6].action == "merge" and by_line[6].first_line == 2
    last = by_line[7]
    gulou = await customer(demo_db, "南京市鼓楼医院")
    if existing.customer_id == gulou.id:
        assert last.action == "merge" and last.target_id == existing.id
    else:
        assert last.action == "error" and "已是" in last.detail
    assert written
    async with demo_db.session() as s:
        sun = (await s.execute(select(Contact).where(Contact.name == "孙立"))).scalar_one()
        dep = await s.get(Department, sun.department_id)
    assert sun.phone == "13912345678" and sun.email == "sunli@example.com"
    assert sun.aliases == ["孙主任"] and dep is not None and dep.name == "骨科"
    assert await count(demo_db, Contact) == before + 2


async def test_imported_alias_reaches_the_catalog_at_once(demo_db: Database,
                                                          clock: FrozenClock) -> None:
    cache = CatalogCache()
    async with uow(demo_db, clock) as u:
        catalog = await cache.get(u)
    assert not any("鼓楼总院" in c.aliases for c in catalog.customers)
    clock.advance(timedelta(seconds=1))     # the catalog's version is a timestamp for now
    async with uow(demo_db, clock) as u:
        await import_file(u, csv_bytes([["单位", "别名"], ["南京市鼓楼医院", "鼓楼总院"]]),
                          "customers", all_or_nothing=True)
        await u.commit()
    async with uow(demo_db, clock) as u:
        catalog = await cache.get(u)
    assert any("鼓楼总院" in c.aliases for c in catalog.customers)


@pytest.mark.parametrize(("data", "said"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x00\x00", "不是表格文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    (b"PK\x03\x04garbage-zip", "打不开"),
    ("天气,很好\n今天,晴\n".encode(), "没找到表头"),
    (b"", "空的"),
])
def test_files_that_cannot_be_used(data: bytes, said: str) -> None:
    with pytest.raises(SheetError) as e:
        read_accounts(data, "customers")
    assert said in e.value.user_message


def test_header_without_required_column() -> None:
    with pytest.raises(SheetError) as e:
        read_accounts(csv_bytes([["姓名", "手机"], ["张三", "13900000000"]]), "contacts")
    assert "客户名称" in e.value.user_message


def test_title_rows_merged_cells_and_utf16_tabs() -> None:
    data = xlsx([["2024 年客户联系人名单"], [], ["单位", "联系人", "手机"],
                 ["江苏省人民医院", "王一", "13900000001"], [None, "王二", "13900000002"]],
                merges=("A1:C1", "A4:A5"))
    kind, table = read_accounts(data)
    assert kind == "contacts" and table.header_line == 3 and table.merged == 2
    assert [r["customer"] for _, r in table.rows] == ["江苏省人民医院", "江苏省人民医院"]
    utf16 = csv_bytes([["客户名称", "行业"], ["华东精机", "制造业"]], "utf-16", sep="\t")
    kind, table = read_accounts(utf16)
    assert kind == "customers" and table.rows[0][1] == {"name": "华东精机", "industry": "制造业"}


def test_row_and_size_limits() -> None:
    from crm_core.spreadsheet import read_table

    many = csv_bytes([["客户名称"], *([f"客户{i}"] for i in range(60))])
    with pytest.raises(SheetError) as e:
        read_table(many, {"客户名称": "name"}, max_rows=50)
    assert "上限" in e.value.user_message
    with pytest.raises(SheetError) as e:
        read_table(b"a" * 2000, {"a": "a"}, max_bytes=1000)
    assert "太大" in e.value.user_message


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_at_once() -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"<row><c><v>1</v></c></row>" * 40000
            for _ in range(500):                    # ~500 MB unpacked, ~1 MB packed
                f.write(block)
    assert len(buf.getvalue()) < 5_000_000
    with pytest.raises(SheetError) as e:
        read_accounts(buf.getvalue(), "customers")
    assert "解压后太大" in e.value.user_message
