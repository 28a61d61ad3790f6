"""The conformance matrix (issue 20.3), shared by tests/adapters/test_conformance.py and
benchmarks/platforms.py: every notification kind (and the card shapes the dialogs send),
normal and extreme, sent through all three real senders to a 1:1 chat and a group on the
strict fakes (tests/adapters/strict.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.dingtalk.outbound import DingTalkApi, DingTalkSender
from adapters.feishu.outbound import FeishuApi, FeishuSender
from adapters.wecom.outbound import WeComApi, WeComSender
from bot.messages import Button, Card, ChatRef, Reply, Text
from bot.render import example_for, known_kinds, render_notification
from scheduler.delivery import parts_of
from scheduler.ratelimit import RecipientBudget
from tests.adapters.fakes import FakePlatform
from tests.adapters.strict import Strict, StrictDingTalk, StrictFeishu, StrictWeCom

HOSTILE = ("[登录领奖](https://evil.example) <at id=all></at> <font color=red>急</font> "
           "**粗** `码` # 标题 dtmd://dingtalkclient/sendMessage?content=x%23bind.approve 🎉👍🏻")
CJK = re.compile(r"[\u4e00-\u9fff]")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
PLATFORMS = ("wecom", "feishu", "dingtalk")


LONG_KEYS = {"message", "text", "note", "notes", "summary", "body", "problem", "reason"}


def extreme(value: Any, key: str = "") -> Any:
    """The payload with every display string hostile and emoji-laden, free text (message,
    notes, summary…) 6 KB long, and every list 12 times longer."""
    if isinstance(value, dict):
        return {k: extreme(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [extreme(v, key) for v in value] * 12
    if isinstance(value, str) and CJK.search(value) and not ISO.match(value):
        if key in LONG_KEYS:
            return (value + " " + HOSTILE + " " + "很长的内容" * 1300)[:2000]
        return value + " " + HOSTILE
    return value


def dialog_cards() -> dict[str, list[Reply]]:
    """Card shapes the bot sends besides notifications: a 9-button picker, a 6 KB text."""
    nine = Card(title="选择下一步", body="请选择", card_id="pick-1",
                buttons=tuple(Button(f"选项{i}", "dialog.pick", {"d": "1", "v": "2", "i": str(i)})
                              for i in range(9)))
    return {"dialog.nine_buttons": [nine], "text.6kb": [Text("很长的回复🎉" * 1000)]}


def cases() -> Iterator[tuple[str, str, list[Reply]]]:
    """(kind, variant, replies) for every product kind and the dialog shapes."""
    for kind in sorted(k for k in known_kinds() if not k.startswith("test.")):
        example = dict(example_for(kind) or {})
        yield kind, "normal", list(render_notification(kind, example))
        yield kind, "extreme", list(render_notification(kind, extreme(example)))
    for kind, replies in dialog_cards().items():
        yield kind, "normal", replies
        yield kind, "extreme", [extreme_reply(r) for r in replies]


def extreme_reply(reply: Reply) -> Reply:
    if isinstance(reply, Card):
        return Card(title=extreme(reply.title + "标题"), body=extreme(reply.body + "正文", "body"),
                    fields=tuple((k, extreme(v + "值")) for k, v in reply.fields),
                    buttons=reply.buttons, card_id=reply.card_id)
    if isinstance(reply, Text):
        return Text(extreme(reply.text, "text"))
    return reply


@dataclass
class Matrix:
    fakes: dict[str, FakePlatform]
    strict: dict[str, Strict] = field(default_factory=dict)
    senders: dict[str, Any] = field(default_factory=dict)
    cells: int = 0
    failures: list[str] = field(default_factory=list)
    # the delivery loop's per-member windows on a virtual clock the strict fakes share: a
    # push that needs more than a minute's budget waits, as the loop makes it wait
    now: float = 1_800_000_000.0
    budget: RecipientBudget = field(default_factory=RecipientBudget)

    def clock(self) -> float:
        return self.now

    def setup(self) -> Matrix:
        self.strict = {"wecom": StrictWeCom(self.fakes["wecom"], clock=self.clock).install(),
                       "feishu": StrictFeishu(self.fakes["feishu"]).install(),
                       "dingtalk": StrictDingTalk(self.fakes["dingtalk"]).install()}
        self.senders = {
            "wecom": WeComSender(WeComApi(f"{self.fakes['wecom'].url}/cgi-bin/", "ww1", "s",
                                          "1000002", backoff=0.01)),
            "feishu": FeishuSender(FeishuApi(self.fakes["feishu"].url, "cli_1", "s",
                                             backoff=0.01)),
            "dingtalk": DingTalkSender(DingTalkApi(self.fakes["dingtalk"].url,
                                                   self.fakes["dingtalk"].url, "dingrobot",
                                                   "s", backoff=0.01),
                                       robot_code="dingrobot"),
        }
        return self

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.api.close()

    @staticmethod
    def chat(platform: str, n: int, group: bool) -> ChatRef:
        """A chat of its own per cell (the per-member limits are exercised elsewhere)."""
        if platform == "feishu":
            return ChatRef(platform, f"oc_{n}" if group else f"ou_{n}", f"ou_{n}", group)
        if group:
            return ChatRef(platform, f"chat{n}", None, True)
        return ChatRef(platform, f"user{n}", f"user{n}", False)

    async def run(self) -> int:
        """Send every case to every platform and chat kind; returns the cells run."""
        n = 0
        for kind, variant, replies in cases():
            for platform in PLATFORMS:
                for group in (False, True):
                    n += 1
                    to = self.chat(platform, n, group)
                    strict = self.strict[platform]
                    before = (len(strict.refused), len(strict.dropped))
                    try:
                        for i, reply in enumerate(replies):
                            sender = self.senders[platform]
                            parts = parts_of(sender, to, reply)
                            while wait := self.budget.reserve(platform, to.key, self.now,
                                                              parts):
                                self.now += wait
                            await self.senders[platform].send(
                                to, reply, delivery_key=f"{kind}:{variant}:{n}#{i}")
                    except Exception as exc:
                        self.failures.append(f"{kind}/{variant}/{platform}/"
                                             f"{'group' if group else '1:1'}: {exc}")
                        continue
                    if (len(strict.refused), len(strict.dropped)) != before:
                        self.failures.append(f"{kind}/{variant}/{platform}: refused "
                                             f"{strict.refused[before[0]:]} dropped "
                                             f"{[w for w, _ in strict.dropped[before[1]:]]}")
        self.cells = n
        return n
