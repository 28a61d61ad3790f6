"""Pure normalisation of phone numbers and e-mail addresses."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）　", "0123456789+-() ")


class BadContactInfo(ValueError):
    """The value is present but not a phone number / e-mail address."""


def normalize_phone(raw: str | None, region: str = "CN") -> str | None:
    """`+86 138-1234-5678` → `13812345678`; CN landline → `02583106666`; abroad → E.164.

    None or blank → None; a value that is not a valid number raises BadContactInfo.
    """
    if raw is None:
        return None
    text = str(raw).translate(_FULLWIDTH).strip()
    if not text:
        return None
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException as e:
        raise BadContactInfo(f"not a phone number: {e}") from e
    if not phonenumbers.is_valid_number(num):
        raise BadContactInfo("not a valid phone number")
    if num.country_code == 86:
        nsn = phonenumbers.national_significant_number(num)
        kind = phonenumbers.number_type(num)
        mobile = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
        if kind in mobile and len(nsn) == 11:
            return nsn
        return "0" + nsn
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip().translate(_FULLWIDTH)
    if not text:
        return None
    text = text.lower()
    if not _EMAIL.match(text) or ".." in text:
        raise BadContactInfo("not an e-mail address")
    return text


def mask_phone(phone: str | None) -> str:
    """138****5678: for group chats and lists."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)
