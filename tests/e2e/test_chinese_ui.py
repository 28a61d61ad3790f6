"""Chinese only in everything a user sees: every command (no arguments, and typical ones),
the help of each, and the dialogs' cards, for a rep, a manager and the admin.

Commands are enumerated from the registry, so commands other engineers add are covered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.commands import registry
from crm_core.models import (
    Contact,
    Customer,
    Department,
    FollowUp,
    Lead,
    Product,
    User,
    UserIdentity,
)
from tests.chinese import TOKEN, english_words
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e

SESSIONS: dict[str, list[str]] = {
    "zhangwei": [
        "/线索", "/线索 已联系", "/线索 #L3", "/线索 D3", "/客户 鼓楼医院", "/联系人 鼓楼医院",
        "/联系人 #C1", "修改", "决策角色", "更多", "取消", "/联系人 添加 鼓楼医院 钱大力 院长",
        "取消", "/草稿", "/待办", "/公海", "/日报", "修改", "推进障碍", "取消",
        "/推进 鼓楼医院 方案演示", "取消", "鼓楼医院进入输单", "取消",
        "下午见了鼓楼医院王主任，对融合器很感兴趣，下周二送样机过去", "修改", "线索",
        "不关联线索", "刚给省人医李科长打了电话", "保存上一条", "确认", "撤销", "撤销",
        "刚才那条客户记错了，是鼓楼医院", "/改 #F99999", "/抢单 #O99999", "/抢单 #L1",
        "/完成 #T99999", "/认领 #D1", "今天拜访了徐州市第一人民医院骨科张主任，下周一报价",
        "新建客户", "确认", "/客户 徐州市第一人民医院 改", "等级 三甲", "保存",
    ],
    "chengang": ["/团队", "/漏斗", "/线索 全部", "/交接 王磊 给 张伟", "/催办 #A99999",
                 "/催办 #L1", "/延期 D3", "/转派 #L1"],
    "linxiao": ["/管理", "更多", "人员", "取消", "/管理", "团队", "分配方式", "南京骨科组 抢单",
                "取消", "/管理", "响应时限", "首次联系", "30天 37天 44天", "取消", "/管理",
                "人员", "请假", "胡杰 12月4日 12月10日", "取消", "/管理", "平台绑定", "绑定",
                "王磊 企业微信 WangLei", "取消", "/管理", "最近修改", "/系统"],
}


async def _data_words(chat: ChatHarness) -> frozenset[str]:
    """Latin words in the tenant's own data (logins, account ids, product codes and aliases,
    department names such as ICU, what reps wrote): shown as data, not UI text."""
    columns = (User.login, UserIdentity.platform_user_id, Product.aliases, Product.model_codes,
               Customer.aliases, Department.name, Contact.title, Contact.name, FollowUp.summary,
               Lead.company, Lead.name, Lead.title, Lead.product_text, Lead.message)
    words: set[str] = set()
    async with chat.bot.db.session() as s:
        for column in columns:
            for value in (await s.execute(sa.select(column))).scalars():
                words |= {m.group(0) for m in TOKEN.finditer(str(value or ""))}
    return frozenset({"WangLei", "ZhangSan", *words})      # + account ids in examples


async def _check(chat: ChatHarness, user: str, line: str, allow: frozenset[str]) -> None:
    replies = await chat.say(line, user=user)
    text = text_of(replies)
    assert english_words(text, allow) == [], f"{user}> {line}\n{text}"
    assert "None" not in text, f"{user}> {line}\n{text}"


async def test_every_command_answers_in_chinese(sqlite_chat: ChatHarness) -> None:
    allow = await _data_words(sqlite_chat)
    for login in ("zhangwei", "chengang", "linxiao"):
        role = "rep" if login == "zhangwei" else "manager" if login == "chengang" else "admin"
        for spec in registry.all_commands():
            if role in spec.roles:
                await _check(sqlite_chat, login, f"/{spec.name}", allow)
                await _check(sqlite_chat, login, "取消", allow)
                await _check(sqlite_chat, login, f"/帮助 {spec.name}", allow)
        await _check(sqlite_chat, login, "/帮助", allow)


async def test_dialogs_and_typical_commands_answer_in_chinese(sqlite_chat: ChatHarness) -> None:
    allow = await _data_words(sqlite_chat)
    for login, lines in SESSIONS.items():
        for line in lines:
            await _check(sqlite_chat, login, line, allow)
