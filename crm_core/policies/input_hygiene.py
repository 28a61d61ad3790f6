"""What a stored text or number may be, whatever door it came through (pure).

Anonymous payloads (web forms, imports) are checked field by field before anything is
stored: no NUL or other control characters (tab and line breaks are text), no unpaired
surrogates (they cannot be stored as UTF-8), no U+FFFD (text decoded with the wrong
charset), no non-finite or absurdly long numbers, no deep nesting, a bounded number of
fields. Each problem names its field, in English, for the caller's per-field 400 answer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 8                    # a form is flat; unknown fields may nest a little
MAX_FIELDS = 200
MAX_KEY_CHARS = 100
MAX_INT_DIGITS = 30

_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


class RawNumber(str):
    """A JSON number the decoder refused to turn into a value (too long, or a non-finite
    constant): kept as its text so that the check below can name its field."""


def text_problem(value: str) -> str | None:
    """Why a text may not be stored, or None."""
    m = _BAD_CHAR.search(value)
    if m is None:
        return None
    ch = m.group()
    if ch == "\x00":
        return "contains a NUL character"
    if "\ud800" <= ch <= "\udfff":
        return "contains an unpaired surrogate"
    if ch == "\ufffd":
        return "contains U+FFFD (text decoded with the wrong charset?)"
    return f"contains the control character U+{ord(ch):04X}"


def number_problem(value: Any) -> str | None:
    if isinstance(value, RawNumber):
        if value.lstrip("-").isdigit():
            return f"integer longer than {MAX_INT_DIGITS} digits"
        return f"{value} is not a finite number"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) >= 10 ** MAX_INT_DIGITS:
        return f"integer longer than {MAX_INT_DIGITS} digits"
    return None


def field_label(key: Any) -> str:
    """A field name safe to echo back (printable ASCII if the name itself is bad)."""
    text = str(key)
    if text_problem(text) is None and len(text) <= MAX_KEY_CHARS:
        return text
    return ascii(text[:MAX_KEY_CHARS])


def _value_problem(value: Any, depth: int) -> str | None:
    if isinstance(value, str) and not isinstance(value, RawNumber):
        return text_problem(value)
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        for k, v in value.items():
            problem = _key_problem(k) or _value_problem(v, depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        for v in value:
            problem = _value_problem(v, depth + 1)
            if problem:
                return problem
        return None
    return number_problem(value)


def _key_problem(key: Any) -> str | None:
    text = str(key)
    if len(text) > MAX_KEY_CHARS:
        return f"field name longer than {MAX_KEY_CHARS} characters"
    problem = text_problem(text)
    return f"field name {problem}" if problem else None


def payload_problems(payload: Mapping[str, Any]) -> dict[str, str]:
    """Per-field problems of a whole payload (known and unknown fields alike)."""
    if len(payload) > MAX_FIELDS:
        return {"*": f"more than {MAX_FIELDS} fields"}
    problems: dict[str, str] = {}
    for key, value in payload.items():
        problem = _key_problem(key) or _value_problem(value, 1)
        if problem:
            problems[field_label(key)] = problem
    return problems


# --- JSON text before it is decoded --------------------------------------------------------
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def json_depth_problem(text: str, limit: int = MAX_DEPTH) -> tuple[str, str] | None:
    """(field, problem) when the JSON text nests deeper than `limit`, found in one linear
    pass before the recursive decoder could exhaust the stack; the field is the top-level
    key the deep value sits under ("*" when there is none)."""
    depth = 0
    key = "*"
    at_key = False                   # the next string at depth 1 is a key
    for m in _TOKEN.finditer(text):
        tok = m.group()
        c = tok[0]
        if c == '"':
            if depth == 1 and at_key:
                key, at_key = tok, False
        elif c in "{[":
            depth += 1
            if depth > limit:
                return _json_key(key), f"nested deeper than {limit} levels"
            at_key = depth == 1 and c == "{"
        elif c in "}]":
            depth -= 1
        elif depth == 1:
            at_key = c == ","
    return None


def _json_key(token: str) -> str:
    if token == "*":
        return token
    try:
        return field_label(json.loads(token))
    except ValueError:
        return "*"
