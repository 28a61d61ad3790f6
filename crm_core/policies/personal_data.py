"""Personal data kept out of logs (pure): phone numbers, e-mail addresses and ID-card numbers
in a log line are masked, keeping just enough to tell two apart (`138****5678`,
`w***@example.cn`)."""

from __future__ import annotations

import re

_PHONE = re.compile(
    r"(?<![\w.])"
    r"(?:\+?86[ -]?)?"
    r"(1[3-9]\d[ -]?\d{4}[ -]?\d{4}"                  # mobile
    r"|0\d{2,3}[ -]?\d{7,8}"                          # landline with area code
    r"|\d{17}[\dXx]|\d{15})"                          # resident ID numbers
    r"(?![\w])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-']+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def _phone(m: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9Xx]", "", m.group(1))
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) > 8 else "****"


def _email(m: re.Match[str]) -> str:
    return f"{m.group(1)[:1]}***@{m.group(2)}"


def mask_personal_data(text: str) -> str:
    """The text with phone numbers, ID numbers and e-mail addresses masked."""
    if not any(c.isdigit() for c in text) and "@" not in text:
        return text
    return _PHONE.sub(_phone, _EMAIL.sub(_email, text))
