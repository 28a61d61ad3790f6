"""What counts as English in a Chinese UI, for the tests that check every card and text.

Allowed: numbers and codes with digits (型号 PEEK-C3, 编号 #L12), command names after a
slash (/followup is an English alias by design), units, and the words a test passes in
(the tenant's own data: product aliases such as "cage", logins, platform account ids),
file extensions (方案.pdf), file formats (Excel) and command lines (「crmbot backup」)."""

from __future__ import annotations

import re

TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
UNITS = frozenset({"kg", "mg", "mm", "cm", "ml", "mL", "km", "MHz", "GHz", "GB", "TB", "kW",
                   "kV", "mA", "Hz", "CT", "MRI"})
# the product's own name (「CRM 助手」), words of the platforms' own Chinese UI (企业可信IP),
# and file formats everyone says in Latin letters (导出 Excel)
PRODUCT_WORDS = frozenset({"CRM", "IP", "Excel", "CSV", "XLSX"})
# what an admin types in a terminal is shown as typed: 「crmbot backup」
COMMAND_LINE = re.compile(r"crmbot(?: [a-z][a-z-]*)*")


def english_words(text: str, allow: frozenset[str] = frozenset()) -> list[str]:
    found = []
    text = COMMAND_LINE.sub(" ", text)
    for m in TOKEN.finditer(text):
        tok = m.group(0).rstrip(".-_")
        before = text[max(m.start() - 1, 0):m.start()]
        if len(tok) < 2 or any(ch.isdigit() for ch in tok) or before in ("/", "／", "@", "."):
            continue
        if tok in UNITS or tok in PRODUCT_WORDS or tok in allow or tok.lower() in allow:
            continue
        found.append(tok)
    return found
