"""User text made inert inside the markdown flavours we send.

Every string in a `Card` (title, field names and values, body, button labels) may come from
a user: a lead's company or name, a note, a product, a file name. The adapters put them
into markdown — WeCom `markdown` messages, DingTalk `sampleMarkdown` / session-webhook
markdown, Feishu `lark_md` — and the only markup, links and mentions in the result must be
our own (bold field names, DingTalk's numbered `dtmd://` button links).

None of the three flavours documents a reliable backslash escape (WeCom's markdown subset
has none; DingTalk's renderer differs between clients; Feishu lark_md takes HTML
entities in some clients and shows them raw in others), so each character that can open
markup is replaced by its full-width twin, which every client shows as text and a Chinese
reader reads as the same punctuation:

- links and images ``[`` ``]``, HTML-like tags ``<`` ``>`` (Feishu ``<at id=all>``,
  ``<font>``, ``<a>``; WeCom ``<font color>``), entities ``&``, emphasis ``*`` ``~`` and
  ``_`` where it can open or close emphasis (not inside ``wang_li@x.com``), code ``` ` ```,
  tables ``|``, the escape character ``\\``;
- a heading (``#`` at the start of a line, followed by a space);
- a URL scheme other than http(s) (``dtmd://``, ``lark://``, ``javascript:``…) gets a
  zero-width space, so a client that links bare URLs cannot make it a live command link.

WeCom template cards, Feishu ``plain_text`` and plain text messages need none of this.
"""

from __future__ import annotations

import re

_TWINS = str.maketrans({
    "[": "［", "]": "］", "<": "＜", ">": "＞", "&": "＆", "*": "＊", "~": "～",
    "`": "｀", "|": "｜", "\\": "＼",
})
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_HEADING = re.compile(r"^([ \t]*)(#+)(?=[ \t]|$)", re.MULTILINE)
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])(?!https?:)([A-Za-z][A-Za-z0-9+.\-]{1,30}):(?=/)",
                     re.IGNORECASE)
_JS = re.compile(r"(?<![A-Za-z])(javascript|vbscript|data):", re.IGNORECASE)
ZWSP = "\u200b"


def inert(text: str) -> str:
    """`text` as plain text inside WeCom markdown, DingTalk markdown or Feishu lark_md."""
    if not text:
        return text
    out = text.translate(_TWINS)
    out = _UNDERSCORE.sub("＿", out)
    out = _HEADING.sub(lambda m: m.group(1) + "＃" * len(m.group(2)), out)
    out = _SCHEME.sub(lambda m: m.group(1) + ZWSP + ":", out)
    return _JS.sub(lambda m: m.group(1) + ZWSP + ":", out)


# the flavours, named where they are used: one rule today, kept apart so that a flavour
# that grows a real escape can change alone
wecom_md = inert
dingtalk_md = inert
lark_md = inert
