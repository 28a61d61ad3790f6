"""The delivery loop and the real WeCom sender against the strict fake (issue 20): a crash
between "WeCom accepted" and "marked sent" delivers no card twice, and a burst to one
member is spread under WeCom's per-member limit with nothing dropped — on both backends.
The same code prints the figures in benchmarks/platforms.py."""

from __future__ import annotations

import os

from benchmarks.platforms import burst_figures, crash_figures

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


async def test_wecom_cards_resent_after_a_crash_are_delivered_once(db_url: str) -> None:
    cards, requests, delivered, doubles = await crash_figures(db_url, 20)
    assert requests == 2 * cards           # every card was sent again after the lease
    assert (delivered, doubles) == (cards, 0)


async def test_a_burst_to_one_member_arrives_whole_under_the_limit(db_url: str) -> None:
    pushed, delivered, dropped, minutes = await burst_figures(db_url, 70)
    assert (delivered, dropped) == (pushed, 0)
    assert minutes == 3                    # 30 + 30 + 10
