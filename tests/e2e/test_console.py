"""The console channel: interactive rendering, number picks, and `crmbot console` with piped
input in a real subprocess (what a newcomer runs)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleSession, render_text, run_console
from bot.messages import Button, Card, Text
from tests.conftest import ChatHarness

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_card_renders_as_compact_text_with_numbered_buttons() -> None:
    card = Card("确认跟进记录", fields=(("客户", "南京市鼓楼医院"), ("下一步", "送样试用")),
                body="下周二送样机", buttons=(Button("确认", "a"), Button("取消", "b")))
    text, buttons = render_text(card)
    assert text.splitlines() == ["┌ 确认跟进记录", "│ 客户　：南京市鼓楼医院",
                                 "│ 下一步：送样试用", "│ 下周二送样机", "└ [1] 确认  [2] 取消"]
    assert [b.label for b in buttons] == ["确认", "取消"]
    assert render_text(Text("好"))[0] == "好"


async def test_typing_a_number_presses_the_button(sqlite_chat: ChatHarness) -> None:
    out = io.StringIO()
    session = ConsoleSession("zhangwei", sqlite_chat.bot.handle, sqlite_chat.clock.now, out=out)
    await session.send_line("下午见了鼓楼医院王主任，下周二送样机过去")
    assert "[1] 确认" in out.getvalue()
    await session.send_line("1")
    assert "✅ 跟进已保存" in out.getvalue()
    await session.send_line("9")          # no such button now: goes to the bot as text
    assert "没太明白" in out.getvalue() or "待办" in out.getvalue()


async def test_run_console_reads_lines_until_eof(sqlite_chat: ChatHarness,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.StringIO("/待办\n\n:as chengang\n/团队\n")
    rc = await run_console(sqlite_chat.bot, "zhangwei", stdin=stdin)
    out = capsys.readouterr().out
    assert rc == 0
    assert "待办" in out and "已切换到 chengang" in out


def test_crmbot_console_with_piped_input(sqlite_demo_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMBOT_")}
    env.update(CRMBOT_DATABASE_URL=sqlite_demo_url, CRMBOT_NOW="2026-11-23T10:15:00+08:00")
    exe = shutil.which("crmbot", path=str(Path(sys.executable).parent)) or "crmbot"
    proc = subprocess.run(
        [exe, "console", "--no-voice", "--no-scheduler"], input="/帮助\n/线索\n/认领 abc\n",
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "/跟进 /followup" in proc.stdout
    assert "线索（" in proc.stdout
    assert "用法：/认领 <#L线索编号>" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
