"""/导入 in chat: templates, a file → preview → confirm once → per-row report; all-or-nothing;
cancel; non-admins and groups; a file that is not a spreadsheet."""

from __future__ import annotations

import io
import uuid

import openpyxl
from sqlalchemy import func, select

from bot.messages import Attachment, Card, ChatRef, File, Incoming, Reply
from crm_core.db import Database
from crm_core.models import Customer, ImportBatch
from crm_core.services.account_import import read_accounts
from tests.conftest import ChatHarness, text_of
from tests.integration.io.helpers import xlsx


async def send_file(chat: ChatHarness, name: str, data: bytes | None,
                    user: str = "linxiao") -> list[Reply]:
    return await chat._send(Incoming(uuid.uuid4().hex, ChatRef("console", user, user),
                                     chat.clock.now(), file=Attachment(name, data)))


async def customers(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(Customer))).scalar_one())


ROWS = [["客户名称", "别名", "行业"], ["华东精密机械有限公司", "华东精机", "制造业"],
        ["鼓楼医院", "鼓楼总院", ""], ["", "无名", ""]]


async def test_template_preview_confirm_once_and_report(chat: ChatHarness,
                                                        demo_db: Database) -> None:
    chat.user = "linxiao"
    card = (await chat.say("/导入"))[0]
    assert isinstance(card, Card) and [b.label for b in card.buttons] == ["客户模板", "联系人模板"]
    (template,) = await chat.press("客户模板")
    assert isinstance(template, File) and template.name == "客户导入模板.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(template.data))
    assert wb.sheetnames == ["客户", "填写说明"]
    assert next(wb["客户"].iter_rows(values_only=True))[0] == "客户名称*"
    kind, _ = read_accounts(template.data)               # the template reads back as itself
    assert kind == "customers"

    before = await customers(demo_db)
    (preview,) = await send_file(chat, "客户.xlsx", xlsx(ROWS))
    assert isinstance(preview, Card)
    assert dict(preview.fields) == {"新建": "1", "合并到已有": "1", "有误": "1"}
    assert "南京市鼓楼医院" in preview.body and "缺少客户名称" in preview.body
    assert await customers(demo_db) == before                 # a preview writes nothing
    replies = await chat.press("跳过错行")
    assert "新建 1，合并 1，跳过有误 1 行" in text_of(replies)
    report = replies[1]
    assert isinstance(report, File) and report.name == "客户-导入报告.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["新建", "合并", "有误"]
    assert await customers(demo_db) == before + 1
    chat.last = [preview]                                     # the same card tapped again
    again = await chat.press("跳过错行")
    assert text_of(again) == "这个文件已经导入过了"
    assert await customers(demo_db) == before + 1
    async with demo_db.session() as s:
        batch = (await s.execute(select(ImportBatch))).scalar_one()
    assert batch.status == "done" and batch.content is None and batch.mode == "rows"


async def test_all_or_nothing_then_cancel(chat: ChatHarness, demo_db: Database) -> None:
    chat.user = "linxiao"
    before = await customers(demo_db)
    await send_file(chat, "客户.xlsx", xlsx(ROWS))
    replies = await chat.press("全部无误才导入")
    assert "什么也没导入" in text_of(replies)
    assert isinstance(replies[-1], Card)                      # the choice is offered again
    assert await customers(demo_db) == before
    card = chat.last[-1]
    assert text_of(await chat.press("取消")) == "已取消，什么也没导入。"
    chat.last = [card]
    assert text_of(await chat.press("取消")) == "这次导入已取消"
    assert await customers(demo_db) == before


async def test_kind_switch_and_contacts(chat: ChatHarness, demo_db: Database) -> None:
    chat.user = "linxiao"
    data = xlsx([["医院", "姓名", "手机"], ["南京市鼓楼医院", "孙立", "13912345678"]])
    (preview,) = await send_file(chat, "联系人.xlsx", data)
    assert isinstance(preview, Card) and preview.title.startswith("导入预览：联系人")
    (switched,) = await chat.press("按客户导入")
    assert isinstance(switched, Card) and switched.title.startswith("导入预览：客户")
    (back,) = await chat.press("按联系人导入")
    assert isinstance(back, Card) and back.title.startswith("导入预览：联系人")
    replies = await chat.press("确认导入")
    assert "联系人导入完成：新建 1" in text_of(replies)


async def test_who_and_what_is_refused(chat: ChatHarness) -> None:
    assert "管理员" in text_of(await send_file(chat, "a.xlsx", xlsx(ROWS), user="zhangwei"))
    chat.user = "linxiao"
    replies = await send_file(chat, "照片.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    assert "不是表格文件" in text_of(replies)
    replies = await send_file(chat, "big.xlsx", None)
    assert "没收到" in text_of(replies)
    replies = await chat.say("/导入", user="zhangwei")
    assert "权限" in text_of(replies)
