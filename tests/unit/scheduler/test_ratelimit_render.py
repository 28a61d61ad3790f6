"""Token buckets, rate parsing, the CJK chart font and the alert cards (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from bot.messages import Card, Text
from bot.render import render_notification
from bot.render.digests import cjk_font
from scheduler.ratelimit import RateLimiter, TokenBucket, parse_rates


def test_parse_rates() -> None:
    assert parse_rates("wecom=20/5, feishu=40") == {"wecom": (20.0, 5), "feishu": (40.0, 40)}
    assert parse_rates("") == {}


async def test_token_bucket_holds_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(10.0, 2, clock=lambda: now[0])
    await bucket.acquire()
    await bucket.acquire()               # the burst
    task = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0.01)
    assert not task.done()               # empty: waits for a token
    now[0] += 0.1                        # one token at 10/s
    await asyncio.wait_for(task, 1)
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0, 1)


def test_limiter_defaults_per_platform() -> None:
    lim = RateLimiter({"wecom": (5.0, 1)})
    assert lim.bucket("wecom").rate == 5.0
    assert lim.bucket("feishu").rate == 40.0
    assert lim.bucket("other").rate == 10.0


def test_cjk_font_is_available_from_the_wheel() -> None:
    assert cjk_font() is not None


def test_alert_cards_by_level() -> None:
    base = {"rule": "first_contact", "rule_label": "首次联系超时", "lead_id": 7,
            "title": "鼓楼医院", "owner_name": "张伟", "started_at": "2026-04-03T17:00:00+08:00",
            "deadline_at": "2026-04-07T12:00:00+08:00", "overdue_minutes": 125,
            "escalation": "sla:first_contact:7:1:L1"}
    (l1,) = render_notification("sla.alert", {**base, "level": 1})
    assert isinstance(l1, Card)
    assert [b.action for b in l1.buttons] == ["lead.show"]
    assert ("已超时", "2 小时 5 分钟") in l1.fields
    (l2,) = render_notification("sla.alert", {**base, "level": 2})
    assert isinstance(l2, Card)
    assert [(b.label, b.action) for b in l2.buttons] == [
        ("催办", "sla.urge"), ("转派", "lead.reassign"), ("延期", "sla.extend")]
    assert l2.buttons[0].args == {"escalation": "sla:first_contact:7:1:L1"}
    (urge,) = render_notification("sla.urge", {"lead_id": 7, "rule_label": "首次联系超时",
                                               "by": "王经理"})
    assert isinstance(urge, Text)
    assert "王经理" in urge.text
