import pytest

from crm_core.policies.contact_info import (
    BadContactInfo,
    mask_phone,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize(("raw", "want"), [
    ("+86 138-1234-5678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("(+86)13812345678", "13812345678"),
    ("８６－１３８１２３４５６７８", "13812345678"),   # full-width, country code without +
    ("０１３８１２３４５６７８", "13812345678"),       # with the trunk prefix 0
    ("13812345678", "13812345678"),
    ("025-83106666", "02583106666"),
    ("+1 650 253 0000", "+16502530000"),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_normalize_phone(raw: str | None, want: str | None) -> None:
    if want is None and raw and raw.strip():
        with pytest.raises(BadContactInfo):
            normalize_phone(raw)
    else:
        assert normalize_phone(raw) == want


@pytest.mark.parametrize("raw", ["12345", "abc", "138123456789999", "+86 100 0000 0000"])
def test_bad_phone_is_refused(raw: str) -> None:
    with pytest.raises(BadContactInfo):
        normalize_phone(raw)


def test_fullwidth_mobile_is_normalised() -> None:
    assert normalize_phone("１３８１２３４５６７８") == "13812345678"


@pytest.mark.parametrize(("raw", "want"), [
    (" Wang.Jian@Hospital.CN ", "wang.jian@hospital.cn"),
    ("a+b@x.org", "a+b@x.org"),
    ("", None),
])
def test_normalize_email(raw: str, want: str | None) -> None:
    assert normalize_email(raw) == want


@pytest.mark.parametrize("raw", ["no-at-sign", "a@b", "a@@b.cn", "a..b@x.cn", "<a@b.cn>"])
def test_bad_email_is_refused(raw: str) -> None:
    with pytest.raises(BadContactInfo):
        normalize_email(raw)


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
