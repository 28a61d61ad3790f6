"""Property: whatever a user types, in or out of a dialog, the bot answers in Chinese and
never fails (no internal-error reply, no exception)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from tests.conftest import ChatHarness, text_of

pytestmark = pytest.mark.e2e

NASTY = st.sampled_from([
    "", " ", "\n\n", "😀😀😀", "<script>alert(1)</script>", "'; DROP TABLE lead; --",
    "Hello, I met Dr. Wang today", "下" * 10_000, "/", "／客户", "/客户 " + "鼓" * 500,
    "#42", "认领 99999999999999999999", "周三周四周五下午三点半", "13800001111",
    "\x00\x01", "取消", "确认", "1", "١٢٣", "Ｆｕｌｌｗｉｄｔｈ", "𠀀𠀁𠀂",
])
TEXT = st.one_of(NASTY, st.text(max_size=80),
                 st.text(alphabet="鼓楼医院王主任下周二送样机报价电话取消确认修改一二三1234 ，。/",
                         max_size=40))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=TEXT, second=TEXT)
def test_any_text_gets_an_answer(sqlite_chat: ChatHarness, first: str, second: str) -> None:
    async def run() -> None:
        for line in ("刚给省人医李科长打了电话，要给他报价", first, second):
            replies = await sqlite_chat.say(line)
            assert texts.INTERNAL_ERROR not in text_of(replies)
        await sqlite_chat.say("取消")

    asyncio.run(run())
