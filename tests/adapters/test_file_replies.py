"""File replies (exports, templates, import reports) through each platform's real sender
against the strict fake file endpoints: upload, then a file message naming the upload, the
name shown as the user will see it, the caption after it; limits refused before any
upload; the console saves the file and prints where."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleSession
from adapters.dingtalk.outbound import DingTalkApi, DingTalkSender
from adapters.feishu.outbound import FeishuApi, FeishuSender
from adapters.files import display_name
from adapters.wecom.outbound import WeComApi, WeComSender
from bot.messages import ChatRef, File, Text
from bot.ports import SendError
from tests.adapters.fake_files import FileFakes, install_dingtalk, install_feishu, install_wecom
from tests.adapters.fakes import FakePlatform

XLSX = b"PK\x03\x04" + b"x" * 2000
NAME = "导出-跟进-本月-20261123-1015.xlsx"


@pytest.fixture
async def wecom(fake: FakePlatform) -> AsyncIterator[tuple[WeComSender, FileFakes]]:
    files = FileFakes()
    install_wecom(fake, files)
    api = WeComApi(f"{fake.url}/cgi-bin/", "ww1", "secret", "1000002", backoff=0.01)
    yield WeComSender(api), files
    await api.close()


async def test_wecom_uploads_then_sends_a_file_message(wecom, fake) -> None:  # type: ignore[no-untyped-def]
    sender, files = wecom
    await sender.send(ChatRef("wecom", "zhangwei", "zhangwei"),
                      File(NAME, XLSX, caption="已导出：跟进 130 行"))
    (upload,) = files.uploads.values()
    assert upload.kind == "file" and upload.filename == NAME and upload.data == XLSX
    assert files.messages[0] == {"touser": "zhangwei", "agentid": 1000002, "msgtype": "file",
                                 "file": {"media_id": upload.key}}
    assert files.messages[1]["text"]["content"] == "已导出：跟进 130 行"
    await sender.send(ChatRef("wecom", "chat-1", None, is_group=True), File(NAME, XLSX))
    assert files.messages[2]["chatid"] == "chat-1" and files.messages[2]["msgtype"] == "file"


@pytest.mark.parametrize("size", [3, 20 * 1024 * 1024 + 1])
async def test_wecom_refuses_sizes_it_cannot_send(wecom, fake, size: int) -> None:  # type: ignore[no-untyped-def]
    sender, files = wecom
    with pytest.raises(SendError) as e:
        await sender.send(ChatRef("wecom", "u", "u"), File("a.xlsx", b"x" * size))
    assert not e.value.retryable
    assert not fake.calls("/cgi-bin/media/upload") and not files.messages


@pytest.fixture
async def feishu(fake: FakePlatform) -> AsyncIterator[tuple[FeishuSender, FileFakes]]:
    files = FileFakes()
    install_feishu(fake, files)
    api = FeishuApi(fake.url, "cli_1", "secret", backoff=0.01)
    yield FeishuSender(api), files
    await api.close()


async def test_feishu_uploads_then_sends_a_file_message(feishu) -> None:  # type: ignore[no-untyped-def]
    sender, files = feishu
    await sender.send(ChatRef("feishu", "oc_chat", "ou_user"),
                      File(NAME, XLSX, caption="客户模板"))
    (upload,) = files.uploads.values()
    assert upload.kind == "xls" and upload.filename == NAME
    first, caption = files.messages
    assert first["msg_type"] == "file" and first["receive_id"] == "oc_chat"
    assert caption["msg_type"] == "text" and "客户模板" in caption["content"]
    await sender.send(ChatRef("feishu", "oc_chat", "ou_user"), File("报告.csv", b"a,b\n1,2\n"))
    assert files.uploads["file_v3_2"].kind == "stream"


async def test_feishu_refuses_an_empty_file(feishu, fake) -> None:  # type: ignore[no-untyped-def]
    sender, _ = feishu
    with pytest.raises(SendError):
        await sender.send(ChatRef("feishu", "oc_chat", "ou_user"), File("a.xlsx", b""))
    assert not fake.calls("/open-apis/im/v1/files")


@pytest.fixture
async def dingtalk(fake: FakePlatform) -> AsyncIterator[tuple[DingTalkSender, FileFakes]]:
    files = FileFakes()
    install_dingtalk(fake, files)
    api = DingTalkApi(fake.url, fake.url, "ding-robot", "secret", backoff=0.01)
    yield DingTalkSender(api, robot_code="ding-robot"), files
    await api.close()


async def test_dingtalk_uploads_then_sends_sample_file(dingtalk) -> None:  # type: ignore[no-untyped-def]
    import json

    sender, files = dingtalk
    await sender.send(ChatRef("dingtalk", "cid1", "staff1"), File(NAME, XLSX, caption="完成"))
    (upload,) = files.uploads.values()
    assert upload.filename == NAME
    first, caption = files.messages
    assert first["msgKey"] == "sampleFile" and first["userIds"] == ["staff1"]
    assert json.loads(first["msgParam"]) == {"mediaId": upload.key, "fileName": NAME,
                                             "fileType": "xlsx"}
    assert caption["msgKey"] == "sampleText"


async def test_dingtalk_refuses_a_type_it_does_not_take(dingtalk, fake) -> None:  # type: ignore[no-untyped-def]
    sender, _ = dingtalk
    with pytest.raises(SendError) as e:
        await sender.send(ChatRef("dingtalk", "cid1", "staff1"), File("run.exe", XLSX))
    assert not e.value.retryable and not fake.calls("/media/upload")


def test_display_names_are_safe() -> None:
    assert display_name('../../etc/"passwd"\r\n.xlsx') == "_passwd___.xlsx"
    assert display_name("导出.xlsx") == "导出.xlsx"
    assert len(display_name("长" * 300 + ".xlsx")) == 120


async def test_console_saves_the_file_and_prints_the_path(tmp_path: Path) -> None:
    out = io.StringIO()
    session = ConsoleSession("linxiao", lambda *a: None, lambda: None, out=out,
                             files_dir=tmp_path)
    session.print_replies([File(NAME, XLSX, caption="已导出"), Text("好")])
    saved = tmp_path / NAME
    assert saved.read_bytes() == XLSX
    assert f"[文件] {saved.resolve()}" in out.getvalue() and "已导出" in out.getvalue()
    session.print_replies([File(NAME, XLSX)])
    assert (tmp_path / NAME.replace(".xlsx", "-1.xlsx")).exists()
