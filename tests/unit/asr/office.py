"""An office-furniture company's catalog: an industry no dev set holds, for the tests of
what a second look offers (`tests/unit/asr/test_phonetic.py`, `test_worker.py`)."""

from __future__ import annotations

from typing import Any

from nlp.types import Catalog

OFFICE_RAW: dict[str, Any] = {
    "customers": [{"name": "杭州云栖科技有限公司", "aliases": ["云栖科技"]},
                  {"name": "宁波甬江家居有限公司", "aliases": ["甬江家居"]}],
    "contacts": [{"name": "蒋伟", "customer": "杭州云栖科技有限公司", "title": "行政经理"},
                 {"name": "岑丽", "customer": "宁波甬江家居有限公司", "title": "采购主管"}],
    "products": [{"name": "人体工学办公椅", "aliases": ["办公椅"]},
                 {"name": "电动升降桌", "aliases": ["升降桌"]}],
}
OFFICE = Catalog.from_dict(OFFICE_RAW)
