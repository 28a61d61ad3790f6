"""Size caps (issue 20.4): a card past a platform's limit is cut under it and its full
text follows in text messages — every message under its limit, nothing lost, the buttons
on the card."""

from __future__ import annotations

import json

from adapters.card_fit import FULL, MORE, card_text
from adapters.dingtalk.outbound import MARKDOWN_LIMIT
from adapters.dingtalk.outbound import render_markdown as dingtalk_markdown
from adapters.feishu.outbound import CARD_LIMIT
from adapters.feishu.outbound import render as feishu_render
from adapters.wecom.outbound import TEXT_LIMIT as WECOM_TEXT
from adapters.wecom.outbound import render as wecom_render
from bot.messages import Button, Card

TASKS = tuple((f"任务{i}", "跟进鼓楼医院王主任，送样机并确认采购流程 🎉" * 2) for i in range(300))
BIG = Card(title="今日待办（300 条）", fields=TASKS, body="说明" * 4000,
           buttons=(Button("全部完成", "task.done_all", {"day": "2026-11-23"}),
                    Button("下一页", "task.page", {"p": "2"})))


def texts_of(parts: list[str]) -> str:
    return "".join(parts)


def test_feishu_card_over_30_kb_is_cut_and_followed_by_its_full_text() -> None:
    parts = feishu_render(BIG)
    kind, content = parts[0]
    assert kind == "interactive" and len(content.encode()) <= 30 * 1024
    assert len(content.encode()) <= CARD_LIMIT
    card = json.loads(content)
    assert [b["text"]["content"] for b in card["elements"][-1]["actions"]] == ["全部完成", "下一页"]
    assert MORE in json.dumps(card, ensure_ascii=False)
    follow = "".join(json.loads(c)["text"] for k, c in parts[1:] if k == "text")
    assert follow.replace("\n", "") == (FULL + card_text(BIG)).replace("\n", "")
    small = Card(title="新线索", fields=(("公司", "鼓楼医院"),))
    assert [k for k, _ in feishu_render(small)] == ["interactive"]


def test_wecom_template_card_that_cuts_is_followed_by_its_full_text() -> None:
    card = Card(title="新线索：" + "很长的单位名称" * 10, fields=(("留言", "请尽快联系" * 20),),
                body="详细说明" * 200, buttons=(Button("认领", "lead.claim", {"lead_id": "1"}),))
    parts = wecom_render(card)
    assert parts[0]["msgtype"] == "template_card"
    assert len(parts[0]["template_card"]["sub_title_text"]) <= 300
    assert all(p["msgtype"] == "text" for p in parts[1:])
    assert all(len(p["text"]["content"].encode()) <= WECOM_TEXT for p in parts[1:])
    follow = "".join(p["text"]["content"] for p in parts[1:])
    assert follow.replace("\n", "") == (FULL + card_text(card)).replace("\n", "")
    fits = Card(title="新线索", fields=(("公司", "鼓楼医院"),), body="请认领",
                buttons=(Button("认领", "lead.claim", {"lead_id": "1"}),))
    assert len(wecom_render(fits)) == 1


def test_wecom_markdown_card_is_split_under_2048_bytes() -> None:
    parts = wecom_render(BIG, group=True)
    assert all(p["msgtype"] == "markdown" for p in parts)
    assert all(len(p["markdown"]["content"].encode()) <= WECOM_TEXT for p in parts)


def test_dingtalk_markdown_fits_with_its_button_links() -> None:
    from adapters.card_fit import fit

    card, rest = fit(BIG, lambda c: len(dingtalk_markdown(c)[1]), MARKDOWN_LIMIT)
    _, text = dingtalk_markdown(card)
    assert len(text) <= MARKDOWN_LIMIT
    assert text.count("](dtmd://") == 2
    assert rest == [FULL + card_text(BIG)]


def test_wecom_card_with_more_than_6_buttons_continues_on_more_cards() -> None:
    """Issue 20.7: a template card holds 6 buttons; the 7th to 12th are on a second card
    with working buttons of their own, nothing dropped."""
    card = Card(title="新用户申请", body="请选择", card_id="bind-1",
                buttons=tuple(Button(f"张伟{i}", "bind.approve", {"u": str(i)})
                              for i in range(12)))
    parts = wecom_render(card, delivery_key="user.bind_request:7")
    cards = [p["template_card"] for p in parts]
    assert [len(c["button_list"]) for c in cards] == [6, 6]
    assert [b["text"] for c in cards for b in c["button_list"]] == [f"张伟{i}" for i in range(12)]
    assert len({c["task_id"] for c in cards}) == 2
    assert parts == wecom_render(card, delivery_key="user.bind_request:7")   # byte-identical


def test_feishu_replacement_card_is_fitted_too() -> None:
    """The card answered to a click (inline or PATCHed) is cut the same way."""
    from adapters.feishu.outbound import card_json, fit_card

    card, rest = fit_card(BIG, group=True)
    assert len(card_json(card, group=True).encode()) <= CARD_LIMIT
    assert rest == [FULL + card_text(BIG)]
