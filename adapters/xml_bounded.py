"""A bounded, linear XML reader for platform callbacks (WeCom's message XML).

Built on `xml.parsers.expat` with hard limits: no DOCTYPE (so no entity declarations, no
external DTD), at most `max_elements` elements, at most `max_depth` levels, and parsing
stops at the first element past a limit — a hostile body of 250 000 siblings costs the
same as one of `max_elements`. The result is built while parsing (repeated tags append to
one list in place), so the work is linear in the bytes read.

The shape: a leaf element is its text (``""`` when empty), an element with children a dict
of tag → value, a repeated tag a list of values. The root's dict is returned.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat


class BadXml(ValueError):
    """Malformed XML, a DTD or entity declaration, or a document past the limits."""


class _Repeated(list[Any]):
    """A list made by repeated tags (a leaf value is never a list)."""


class _Frame:
    __slots__ = ("children", "tag", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.children: dict[str, Any] | None = None
        self.text: list[str] = []

    def value(self) -> Any:
        return self.children if self.children is not None else "".join(self.text)

    def add(self, tag: str, value: Any) -> None:
        if self.children is None:
            self.children = {}
        prev = self.children.get(tag, _MISSING)
        if prev is _MISSING:
            self.children[tag] = value
        elif isinstance(prev, _Repeated):
            prev.append(value)
        else:
            self.children[tag] = _Repeated([prev, value])


_MISSING = object()


def parse_xml(data: bytes | str, *, max_elements: int = 256, max_depth: int = 8,
              max_bytes: int = 1024 * 1024) -> dict[str, Any]:
    """The root element of `data` as a dict (see the module doc); BadXml otherwise."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise BadXml(f"document over {max_bytes} bytes")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Frame] = []
    root: list[Any] = []
    count = 0

    def refuse_dtd(*_: Any) -> Any:
        raise BadXml("DTD or entity declaration refused")

    def start(tag: str, _attrs: Any) -> None:
        nonlocal count
        count += 1
        if count > max_elements:
            raise BadXml(f"more than {max_elements} elements")
        if len(stack) >= max_depth:
            raise BadXml(f"deeper than {max_depth} levels")
        stack.append(_Frame(tag))

    def end(_tag: str) -> None:
        frame = stack.pop()
        value = frame.value()
        if stack:
            stack[-1].add(frame.tag, value)
        else:
            root.append(value)

    def chars(text: str) -> None:
        if stack and stack[-1].children is None:
            stack[-1].text.append(text)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.UnparsedEntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except BadXml:
        raise
    except (expat.ExpatError, ValueError, UnicodeError) as exc:
        raise BadXml(f"{type(exc).__name__}: {exc}") from None
    if not root:
        raise BadXml("no root element")
    value = root[0]
    return dict(value) if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """A value that may be repeated, as a list ([] for absent or empty)."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]
