"""The acoustic check's readings and decisions (`nlp.asr.arbiter`), the model stood in by
given scores (the real one: tests/slow/test_whisper.py)."""

from __future__ import annotations

import pytest

from nlp.asr.arbiter import acoustic_check
from nlp.asr.snap import index_for
from nlp.phonetic import sound_alike
from nlp.types import Catalog

CATALOG = Catalog.from_dict({
    "customers": [{"name": "潍坊寿光蔬菜冷链中心", "aliases": ["寿光冷链"]},
                  {"name": "芜湖鸠江船舶修造厂", "aliases": ["鸠江船厂"]}],
    "contacts": [{"name": "隋立新", "customer": "潍坊寿光蔬菜冷链中心", "title": "设备主管",
                  "aliases": ["隋主管"]},
                 {"name": "崔海", "customer": "芜湖鸠江船舶修造厂", "title": "主管",
                  "aliases": ["崔主管"]},
                 {"name": "韦国平", "customer": "芜湖鸠江船舶修造厂", "title": "工程师",
                  "aliases": ["韦工"]}],
    "products": [{"name": "紫外杀菌器"}, {"name": "交换机"}, {"name": "制氮机"}],
})


def check_of(text: str):  # type: ignore[no-untyped-def]
    return acoustic_check(text, index_for(CATALOG))


def test_a_stretch_near_names_becomes_a_choice_of_readings() -> None:
    check = check_of("上午去寿光冷链见了贼主管，样品很满意")
    assert check is not None
    (choice,) = [c for c in check.choices
                 if any(o.entry.text == "隋主管" for o in c.options)]
    assert {o.entry.text for o in choice.options} >= {"隋主管", "崔主管"}
    readings = check.readings()
    assert readings[0] == check.text
    assert "上午去寿光冷链见了隋主管，样品很满意" in readings
    assert "隋主管" in check.prompt and "崔主管" in check.prompt
    assert "寿光冷链" not in {o.entry.text for c in check.choices for o in c.options}


def test_a_garbled_product_a_short_form_and_a_contact_by_a_one_character_title() -> None:
    check = check_of("先订三台组外杀金器，为工那边拍板了，鸠江穿厂下周来看")
    assert check is not None
    asked = {o.entry.text for c in check.choices for o in c.options}
    assert {"紫外杀菌器", "韦工", "鸠江船厂"} <= asked


def test_a_contacts_title_heard_as_a_homophone_is_asked_another_title_never() -> None:
    """场长 heard 唱长 (tones aside the same): 先唱长 may be 冼场长; 经理 is no 场长."""
    catalog = Catalog.from_dict({
        "customers": [{"name": "湛江麻章区海源对虾养殖场", "aliases": ["海源对虾"]}],
        "contacts": [{"name": "冼美玲", "customer": "湛江麻章区海源对虾养殖场",
                      "title": "场长", "aliases": ["冼场长"]}],
        "products": [{"name": "水质在线监测仪", "aliases": ["水质监测仪"]}]})
    index = index_for(catalog)
    check = acoustic_check("先唱长要水质监测仪的检测报告", index)
    assert check is not None
    (option,) = [o for c in check.choices for o in c.options if o.entry.text == "冼场长"]
    assert check.apply([(option, 2.0)]) == "冼场长要水质监测仪的检测报告"
    other = acoustic_check("先经理要水质监测仪的检测报告", index)
    asked = {o.entry.text for c in other.choices for o in c.options} if other else set()
    assert "冼场长" not in asked


@pytest.mark.parametrize(("text", "never"), [
    # a new party's contact is never guessed
    ("新客户鸿运物流，联系人贼主管，电话13867712345", "隋主管"),
    ("新客户鸠江穿厂，联系人王经理", "鸠江船厂"),       # … nor its customer
    ("新线索鸠江穿厂", "鸠江船厂"),
    ("问滴灌带的交货期，月底前寄过去", "交换机"),     # a dictionary word is never replaced
    ("上午去寿光冷链见了隋主管", "崔主管"),           # a name already spelled is left alone
])
def test_never_asked(text: str, never: str) -> None:
    check = check_of(text)
    asked = {o.entry.text for c in check.choices for o in c.options} if check else set()
    assert never not in asked


def _scores(check, wins: dict[str, float]) -> list[float]:  # type: ignore[no-untyped-def]
    """0 for what was heard; each reading its name's score from ``wins`` (else -10)."""
    out = [0.0]
    for c in check.choices:
        out += [wins.get(o.entry.text, -10.0) for o in c.options]
    return out


@pytest.mark.parametrize(("wins", "written"), [
    ({"紫外杀菌器": 6.0}, "先订三台紫外杀菌器"),           # above what was heard
    ({"紫外杀菌器": 0.5}, "先订三台组外杀金器"),           # not by the margin
])
def test_a_name_is_written_where_it_beats_what_was_heard(
        wins: dict[str, float], written: str) -> None:
    check = check_of("先订三台组外杀金器")
    assert check is not None
    assert check.apply(check.decide(_scores(check, wins), 1.0)) == written


def test_a_contact_needs_the_wider_margin_and_a_clear_winner() -> None:
    check = check_of("上午去寿光冷链见了贼主管")
    assert check is not None
    sui, cui = {"隋主管": 3.0}, {"隋主管": 6.0, "崔主管": 5.5}
    assert check.decide(_scores(check, sui), 1.0) != []          # margin 1: written
    assert check.decide(_scores(check, sui), 1.0, 3.5) == []     # a contact needs 3.5
    assert check.decide(_scores(check, cui), 1.0, 3.5) == []     # two readings too close
    ((option, gain),) = check.decide(_scores(check, {"隋主管": 6.0}), 1.0, 3.5)
    assert (option.entry.text, gain) == ("隋主管", 6.0)


def test_scores_must_match_the_readings() -> None:
    check = check_of("先订三台组外杀金器")
    assert check is not None
    with pytest.raises(ValueError):
        check.decide([0.0], 1.0)


def test_scores_that_do_not_fit_the_readings_change_nothing() -> None:
    from nlp.asr import AsrConfig, Transcript
    from nlp.asr.transcribe import with_acoustic_check

    heard = "先订三台组外杀金器"
    t = Transcript(text=heard, language="zh", duration_s=3.0, seconds=0.1, model="test",
                   raw_text=heard)
    check = check_of(heard)
    assert check is not None
    cfg = AsrConfig()
    assert with_acoustic_check(t, check, [0.0], CATALOG, cfg, 0.1).text == heard
    fit = _scores(check, {"紫外杀菌器": 6.0})
    checked = with_acoustic_check(t, check, fit, CATALOG, cfg, 0.1)
    assert checked.text == "先订三台紫外杀菌器" and checked.snapped
    assert [(m.heard, m.written) for m in checked.marks] == [("组外杀金器", "紫外杀菌器")]


def test_a_contact_heard_as_a_homophone_needs_no_wider_margin() -> None:
    check = check_of("为工那边拍板了")      # wei gong: 韦工 exactly, no commoner sound to beat
    assert check is not None
    ((option, _gain),) = check.decide(_scores(check, {"韦工": 1.5}), 1.0, 3.5)
    assert (option.entry.text, option.cost) == ("韦工", 0.0)
    assert check.apply([(option, 1.5)]) == "韦工那边拍板了"


def test_rare_characters_are_scored_as_the_commonest_of_their_sound() -> None:
    """訾 (14 in jieba's counts) costs the model some fifteen nats by its spelling alone:
    every reading and the prompt spell it as the commonest character read zi; what is
    written is the catalog's name."""
    catalog = Catalog.from_dict({
        "customers": [{"name": "邯郸丛台区福寿康养中心", "aliases": ["福寿康养"]}],
        "contacts": [{"name": "訾建民", "customer": "邯郸丛台区福寿康养中心", "title": "科长",
                      "aliases": ["訾科长"]}],
        "products": [{"name": "防褥疮气垫床", "aliases": ["气垫床"]}]})
    check = acoustic_check("此科长的手机号是18931072645", index_for(catalog))
    assert check is not None
    readings = check.readings()
    assert readings[0] == "此科长的手机号是18931072645"
    assert not any("訾" in r for r in readings) and "訾" not in check.prompt
    (option,) = [o for c in check.choices for o in c.options if o.entry.text == "訾科长"]
    alike = readings[1 + [o for c in check.choices for o in c.options].index(option)]
    assert alike.endswith("科长的手机号是18931072645") and alike[0] != "此"
    assert sound_alike(alike[0]) == alike[0]            # a common character stays
    assert check.apply([(option, 4.0)]) == "訾科长的手机号是18931072645"


def test_a_name_the_audio_chose_lets_the_text_stages_read_what_hangs_on_it() -> None:
    """The check writes the customer (欧院鞋业 → 瓯越鞋业); 上京礼 is then its only 经理,
    heard exactly (jing li), and the text stages write 尚经理."""
    from nlp.asr import AsrConfig, Transcript
    from nlp.asr.transcribe import with_acoustic_check

    catalog = Catalog.from_dict({
        "customers": [{"name": "温州鹿城区瓯越鞋业公司", "aliases": ["瓯越鞋业"]}],
        "contacts": [{"name": "尚明", "customer": "温州鹿城区瓯越鞋业公司", "title": "市场经理",
                      "aliases": ["尚经理"]}],
        "products": [{"name": "精装画册", "aliases": ["画册"]}]})
    heard = "欧院鞋业那边拍板了。上京礼让我下周一把合同送过去。"
    t = Transcript(text=heard, language="zh", duration_s=5.0, seconds=0.1, model="test",
                   raw_text=heard)
    check = acoustic_check(heard, index_for(catalog))
    assert check is not None
    fit = _scores(check, {"瓯越鞋业": 6.0})
    checked = with_acoustic_check(t, check, fit, catalog, AsrConfig(), 0.1)
    assert checked.text == "瓯越鞋业那边拍板了。尚经理让我下周一把合同送过去。"
    assert ("上京礼", "尚经理") in [(m.heard, m.written) for m in checked.marks]


def test_the_person_served_at_the_customer_named_is_asked_with_its_contact() -> None:
    """给陶经理 right after 嘉陵地产, whose only 经理 is 郜经理 (gao heard tao; 陶经理 is even
    another customer's contact): the model is asked; elsewhere, and where the customer has
    two contacts of that title, it is not."""
    catalog = Catalog.from_dict({
        "customers": [{"name": "重庆渝北区嘉陵地产", "aliases": ["嘉陵地产"]},
                      {"name": "厦门鹭岛国际大酒店", "aliases": ["鹭岛酒店"]}],
        "contacts": [{"name": "郜强", "customer": "重庆渝北区嘉陵地产", "title": "工程经理",
                      "aliases": ["郜经理"]},
                     {"name": "陶敏", "customer": "厦门鹭岛国际大酒店", "title": "采购部经理",
                      "aliases": ["陶经理"]}],
        "products": [{"name": "人造石英石"}]})
    index = index_for(catalog)
    check = acoustic_check("下午在嘉陵地产给陶经理他们演示了人造石英石", index)
    assert check is not None
    assert [(o.start, o.end, o.entry.text) for c in check.choices for o in c.options] == \
        [(8, 11, "郜经理")]
    assert sound_alike("下午在嘉陵地产给郜经理他们演示了人造石英石") in check.readings()
    assert acoustic_check("下午陶经理演示了人造石英石", index) is None    # no customer named
    two = Catalog.from_dict({**catalog.to_dict(), "contacts": [
        *catalog.to_dict()["contacts"],
        {"name": "任军", "customer": "重庆渝北区嘉陵地产", "title": "销售经理",
         "aliases": ["任经理"]}]})
    assert acoustic_check("下午在嘉陵地产给陶经理他们演示了人造石英石", index_for(two)) is None
