"""Routing notifications render to cards with the right buttons."""

from __future__ import annotations

from bot.messages import Card
from bot.render import known_kinds, render_notification


def test_kinds_registered() -> None:
    assert {"lead.assigned", "lead.offer", "pool.warning", "routing.fallback"} <= set(
        known_kinds())


def test_assigned_card_shows_why_score_and_buttons() -> None:
    [card] = render_notification("lead.assigned", {
        "lead_id": 7, "company": "南京市鼓楼医院", "name": "王建国", "title": "骨科主任",
        "phone": "13812345678", "product": "椎间融合器", "score": 72, "grade": "green",
        "score_reasons": ["访问了价格页", "信息完整"], "region": "江苏省南京市鼓楼区",
        "reason": "按规则「江苏·脊柱类」分配; 轮询; 负载最低"})
    assert isinstance(card, Card)
    assert card.title == "📥 新线索 #L7 · 南京市鼓楼医院"
    assert ("评分", "🟢 72分(访问了价格页; 信息完整)") in card.fields
    assert card.body == "为什么是你: 按规则「江苏·脊柱类」分配; 轮询; 负载最低"
    assert [(b.label, b.action, dict(b.args)) for b in card.buttons] == [
        ("认领", "lead.claim", {"lead_id": "7"}), ("转派", "lead.reassign", {"lead_id": "7"})]


def test_offer_card_has_grab_button() -> None:
    [card] = render_notification("lead.offer", {
        "lead_id": 8, "offer_id": 3, "company": "浙大二院", "rank": 2, "candidates": 3,
        "expires_at": "2026-03-02T10:30:00+08:00", "reason": "加权评分前3名抢单"})
    assert isinstance(card, Card)
    assert card.buttons[0].action == "offer.grab"
    assert dict(card.buttons[0].args) == {"offer_id": "3"}
    assert "3月2日 10:30" in card.body
    assert "你排第 2" in card.body
    assert card.title.startswith("⚡ 抢单 #O3 ")          # the number /抢单 takes
    assert ("线索", "#L8") in card.fields


def test_pool_warning_is_one_message_with_the_count() -> None:
    leads = [{"lead_id": i, "company": f"医院{i}", "grade": "red"} for i in range(1, 8)]
    [card] = render_notification("pool.warning", {"count": 7, "leads": leads,
                                                  "reclaim_at": "2026-03-09T10:00:00+08:00"})
    assert isinstance(card, Card)
    assert card.title == "⏰ 7 条线索明天回收至公海"
    assert "…等共 7 条" in card.body


def test_fallback_notice_for_admins() -> None:
    [card] = render_notification("routing.fallback", {
        "lead_id": 9, "company": "成都华西医院", "problem": "没有匹配的规则",
        "outcome": "兜底规则「兜底」分配; 轮询(没有匹配的规则)"})
    assert isinstance(card, Card)
    assert ("问题", "没有匹配的规则") in card.fields
