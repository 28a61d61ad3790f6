"""Every notification kind the renderers register, rendered from its example payload:
Chinese only, no "None", within the smallest button limit of all platforms."""

from __future__ import annotations

import pytest

from bot.messages import MIN_BUTTON_LIMIT, Card
from bot.render import example_for, known_kinds, render_notification
from tests.chinese import english_words
from tests.conftest import text_of

DATA_WORDS = frozenset({"ZhangWei", "zhangwei"})     # account ids in the examples


def product_kinds() -> list[str]:
    """The kinds the product registers (tests register their own as 「test.…」)."""
    return [k for k in known_kinds() if not k.startswith("test.")]


@pytest.mark.parametrize("kind", product_kinds())
def test_every_kind_has_an_example(kind: str) -> None:
    assert example_for(kind) is not None, (
        f"add an example payload for {kind!r}: @notification({kind!r}, example=...) "
        "or bot/render/examples.py")


@pytest.mark.parametrize("kind", product_kinds())
def test_every_kind_renders_chinese_only(kind: str) -> None:
    replies = render_notification(kind, dict(example_for(kind) or {}))
    text = text_of(replies)
    assert text.strip()
    assert english_words(text, DATA_WORDS) == [], text
    assert "None" not in text, text
    for r in replies:
        if isinstance(r, Card):
            assert len(r.buttons) <= MIN_BUTTON_LIMIT, (kind, [b.label for b in r.buttons])


def test_every_job_has_a_chinese_label_for_the_system_card() -> None:
    from bot.commands.show_system_status import JOB_LABELS
    from scheduler.registry import all_jobs

    missing = [j.name for j in all_jobs() if j.name not in JOB_LABELS]
    assert missing == [], f"add a Chinese label to bot/commands/show_system_status.py: {missing}"
