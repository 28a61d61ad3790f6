"""Hostile user text renders as inert text on every platform (issues 12 item 5, 20 item 2):
a company, name, note, product or file name carrying markdown links, `dtmd://` command
links, Feishu `<at id=all>`, `<font>`, entities or headings shows up as text; the only
links and markup in a rendered card are the adapter's own."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from adapters.dingtalk.inbound import to_incoming as dingtalk_incoming
from adapters.dingtalk.outbound import render_markdown as dingtalk_markdown
from adapters.feishu.outbound import render_card as feishu_card
from adapters.markup import inert
from adapters.wecom.outbound import render as wecom_render
from adapters.wecom.outbound import render_markdown as wecom_markdown
from bot.messages import Button, Card

HOSTILE = [
    "[登录领奖](https://evil.example/login)",
    "![x](https://evil.example/p.png)",
    "[点我](dtmd://dingtalkclient/sendMessage?content=%E6%89%B9%E5%87%86%20%23bind.approve"
    "%3Fuser_id%3D9)",
    "dtmd://dingtalkclient/sendMessage?content=x%20%23bind.approve",
    "<at id=all></at> 全体注意",
    '<at user_id="ou_123">张三</at>',
    '<font color="red">紧急</font>',
    '<a href="https://evil.example">官网</a>',
    "&lt;at id=all&gt;&lt;/at&gt;",
    "**加粗** *斜* ~~删除~~ `code` _下划_",
    "# 标题\n## 二级\n> 引用",
    "javascript:alert(1)",
    "lark://applink.feishu.cn/client/chat/open",
    "| a | b |\n|---|---|",
    "\\[转义\\](https://evil.example)",
    "🎉 表情 👍🏻 张三",
]
LINK = re.compile(r"\]\(")
TAG = re.compile(r"<\s*/?\s*(at|font|a|img|text_tag|link)\b", re.IGNORECASE)
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
SCHEME = re.compile(r"(dtmd|lark|javascript):", re.IGNORECASE)


def hostile_card(text: str) -> Card:
    return Card(title=f"新线索：{text}", fields=(("公司", text), (text[:12] or "x", "值")),
                body=f"留言：{text}\n附件：{text}.xlsx",
                buttons=(Button(f"认领{text[:6]}", "lead.claim", {"lead_id": "42"}),
                         Button("转派", "lead.assign", {"lead_id": "42", "note": text})))


def assert_inert(rendered: str, own_links: int = 0) -> None:
    assert len(LINK.findall(rendered)) == own_links, rendered
    assert not TAG.search(rendered), rendered
    assert not ENTITY.search(rendered), rendered
    assert "~~" not in rendered and "`" not in rendered, rendered
    assert not re.search(r"^\s*#+\s", rendered.split("\n", 1)[-1], re.MULTILINE), rendered


@pytest.mark.parametrize("text", HOSTILE)
def test_wecom_markdown_is_inert(text: str) -> None:
    md = wecom_markdown(hostile_card(text))
    assert_inert(md)
    assert not SCHEME.search(md)
    assert md.count("**") == 2                      # our bold title, nothing else
    [part] = wecom_render(hostile_card(text), group=True)
    assert part["msgtype"] == "markdown"


@pytest.mark.parametrize("text", HOSTILE)
def test_dingtalk_markdown_has_only_our_button_links(text: str) -> None:
    card = hostile_card(text)
    _, md = dingtalk_markdown(card)
    links = re.findall(r"\]\((dtmd://[^)]*)\)", md)
    assert len(links) == 2 and all(
        link.startswith("dtmd://dingtalkclient/sendMessage?content=") for link in links)
    outside = re.sub(r"\]\(dtmd://[^)]*\)", "]", md)
    assert_inert(outside.replace("### ", "", 1))
    assert not SCHEME.search(outside), outside


@pytest.mark.parametrize("text", HOSTILE)
def test_tapping_text_of_a_dingtalk_card_never_forges_a_press(text: str) -> None:
    """What a hostile string could make the user send is shown as text, not a link; and
    what the user sees sent back is read as text, not as a button press."""
    _, md = dingtalk_markdown(Card(title="路由兜底", body=f"公司：{text}"))
    assert "](" not in md
    data = {"msgtype": "text", "text": {"content": md}, "msgId": "m1",
            "conversationType": "1", "senderStaffId": "u1", "conversationId": "c1",
            "createAt": 0}
    incoming, _ = dingtalk_incoming(data, None)
    assert incoming is not None and incoming.pressed is None


def _lark_texts(card: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") in ("lark_md", "plain_text") and "content" in node:
                out.append((node["tag"], str(node["content"])))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(card)
    return out


@pytest.mark.parametrize("group", [False, True])
@pytest.mark.parametrize("text", HOSTILE)
def test_feishu_card_is_inert(text: str, group: bool) -> None:
    card = feishu_card(hostile_card(text), group=group)
    texts = _lark_texts(card)
    assert texts
    for tag, content in texts:
        if tag == "lark_md":
            assert_inert(content)
            assert not SCHEME.search(content)
            assert content.count("**") == 2         # our bold field name
    for tag, content in texts:
        if tag == "plain_text":
            assert not TAG.search(content) and "](" not in content, content
    body = inert(hostile_card(text).body)
    assert any(tag == "plain_text" and content == body for tag, content in texts)
    json.dumps(card, ensure_ascii=False)


def test_inert_keeps_ordinary_text_readable() -> None:
    assert inert("鼓楼医院 王主任 138****0000") == "鼓楼医院 王主任 138＊＊＊＊0000"
    assert inert("wang_li@example.com https://example.com/a_b") == \
        "wang_li@example.com https://example.com/a_b"
    assert inert("#L12 的跟进") == "#L12 的跟进"          # numbers the bot takes back
    assert inert("") == ""
