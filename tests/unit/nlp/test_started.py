"""`Extractor.start`: a message read up to the customers it names, the rest later. The bot
looks those customers up in its first statement and reads the rest meanwhile
(bot.core.meanwhile), so what the first two stages name must be what the whole reading
names."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlp import Catalog, Extractor

from .industries import NOW, catalog
from .test_industries_golden import _EXTRACTORS, ROWS


@pytest.mark.parametrize("industry", sorted({r["industry"] for r in ROWS}))
def test_the_first_stages_name_the_customers_the_whole_reading_names(industry: str) -> None:
    ex = _EXTRACTORS[industry]
    rows = [r for r in ROWS if r["industry"] == industry]
    for row in rows:
        reading = ex.start(row["text"], datetime.fromisoformat(row["now"]))
        early = (reading.customer, reading.customer_candidates)
        done = reading.extraction()
        assert done == ex.extract(row["text"], datetime.fromisoformat(row["now"])), row["id"]
        assert done.customer_candidates == early[1], row["id"]
        # the one difference allowed: a '客户：X' name, which only a new lead keeps
        assert done.customer in (early[0], None), row["id"]
        if done.customer is None and early[0] is not None:
            assert done.intent != "create_lead", row["id"]


def test_a_name_given_for_a_new_lead_is_named_early_and_dropped_when_it_is_no_lead() -> None:
    ex = Extractor(catalog("software"))
    reading = ex.start("新客户：星河科技，现在什么情况？", NOW)
    assert reading.customer == "星河科技"
    assert reading.extraction().customer is None and reading.extraction().intent == "query"
    lead = ex.start("新线索星河科技，王总，13912345678", NOW)
    assert lead.customer == "星河科技" and lead.extraction().customer == "星河科技"


def test_the_rest_is_read_once_and_a_failing_reading_gives_an_empty_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ex = Extractor(catalog("education"))
    reading = ex.start("今天去八中见了李校长，下周三带样机演示", NOW)
    assert reading.extraction() is reading.extraction()
    assert reading.customer == "合肥市第八中学"

    broken = Extractor(Catalog.from_dict({"customers": [{"name": "合肥市第八中学"}]}))

    def fail(*_: object) -> None:
        raise RuntimeError("a stage broke")

    monkeypatch.setattr("nlp.pipeline.read_times", fail)
    bad = broken.start("今天去合肥市第八中学，下周三再去", NOW)
    assert bad.customer == "合肥市第八中学"
    record = bad.extraction()
    assert record.intent == "other" and record.customer is None
    assert record.summary == "今天去合肥市第八中学，下周三再去"


@pytest.mark.parametrize(("industry", "said", "step"), [
    ("construction", "寄个样品过去", "样品寄送"),
    ("software", "签合同", "签订合同"),
    ("construction", "签合同", "推进合同"),
    ("lab", "给他们演示一下", "上门演示"),
    ("agriculture", "报个价", "报价"),
    ("education", "等他消息", None),                         # no step said
    ("software", "他说价格太贵了，要跟老板商量", None),      # how it went, no step
])
def test_a_step_said_alone_is_read_onto_the_tenant_s_presets(
        industry: str, said: str, step: str | None) -> None:
    """The answer to 下一步打算做什么 (`Extractor.step`), which the sentence reader leaves
    alone when no date or name frames it (报个价 alone reads as no record at all)."""
    ex = Extractor(catalog(industry))
    found = ex.step(said, NOW)
    assert (found[0] if found else None) == step
    assert found is None or found[1] == said
