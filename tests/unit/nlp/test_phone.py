from __future__ import annotations

import pytest

from nlp.phone import find_phone


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("电话13912345678", "13912345678"),
        ("手机 139 1234 5678", "13912345678"),
        ("电话：139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("(+86)139-1234-5678", "13912345678"),
        ("（+86）13912345678", "13912345678"),
        ("86-13912345678", "13912345678"),
        ("电话是幺三八一二三四五六七八", "13812345678"),
        ("一五九五一二三四五六七", "15951234567"),
        ("１３９１２３４５６７８", "13912345678"),
        ("幺三八 一二三四 五六七八", "13812345678"),
    ],
)
def test_phone_formats(text: str, phone: str) -> None:
    assert find_phone(text) == phone


@pytest.mark.parametrize(
    "text",
    ["座机025-83105678", "12345678901", "订单号 139123456789", "三点半", "", "编号1391234567"],
)
def test_not_a_mobile(text: str) -> None:
    assert find_phone(text) is None
