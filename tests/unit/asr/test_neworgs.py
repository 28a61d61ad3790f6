"""A new customer's name heard by voice: its place, its words and 有限公司 as the rep said
them; names already right, catalog customers and ordinary words left alone."""

from __future__ import annotations

import pytest

from nlp.asr.neworgs import respell_new_orgs
from nlp.asr.snap import snap_transcript_names
from nlp.asr.spoken import fix_new_customer
from nlp.types import Catalog


@pytest.mark.parametrize(("heard", "meant"), [
    # a place heard as other characters of exactly its sound, no word of their own
    ("新客户里水华美口腔医院，联系人方主任", "新客户丽水华美口腔医院，联系人方主任"),
    ("有个新客户，怀难万家服超市的邢店长", "有个新客户，淮南万家服超市的邢店长"),
    ("新客户徐洲工程机械有限公司", "新客户徐州工程机械有限公司"),
    ("新客户文州海假日酒店", "新客户温州海假日酒店"),
    # a city, then its district heard with 区
    ("新客户，朱州和唐区第二周旋，联系人何老师", "新客户，株洲荷塘区第二周旋，联系人何老师"),
    # a city heard with 市 (温岭市, not the stem 温岭 alone)
    ("新客户文陵市泰和泵业", "新客户温岭市泰和泵业"),
    ("新线索：怀难万家福超市", "新线索：淮南万家福超市"),
    # a place that keeps an old reading of its character (厦门: xia, not sha)
    ("加个新客户，下门谷浪雨海景民宿，老板苏总", "加个新客户，厦门谷浪雨海景民宿，老板苏总"),
    ("新线索遗常中心汽修厂", "新线索宜昌中心汽修厂"),
    # a prefecture before a district of the same sound (赣州, not 甘州 of 张掖)
    ("新客户赶周于都县宏盛木业，联系人曾老板", "新客户赣州于都县宏盛木业，联系人曾老板"),
    # 有限 heard as another pair of its sound before 公司
    ("新客户一屋飞达日用品有现公司", "新客户一屋飞达日用品有限公司"),
    # a name that ends in no generic word, its tail heard as another spelling of one
    ("新线索，顾原远洲七六培山养机场，联系人海场长",
     "新线索，固原远洲七六培山养鸡场，联系人海场长"),
    ("新线索，六盘水钟山区明湖物流源，联系人车经理",
     "新线索，六盘水钟山区明湖物流园，联系人车经理"),
    # the word of what it does, right before its generic word or ending it, heard as
    # another spelling of that word
    ("新客户金华火腿世家势品有限公司的采购邱经理", "新客户金华火腿世家食品有限公司的采购邱经理"),
    ("录个新线索，百色田园果叶，联系人陆经理", "录个新线索，百色田园果业，联系人陆经理"),
])
def test_a_new_customers_name_is_respelled(heard: str, meant: str) -> None:
    assert respell_new_orgs(heard) == meant


@pytest.mark.parametrize("text", [
    "新客户宏达印染厂",              # 宏达 is only near 红塔
    "云栖科技的何总同意了",          # a brand near a place (郧西) is no guess
    "我们去了园区医院",              # a word commoner than the place of its sound (垣曲)
    "新客户绵羊新能源科技有限公司",  # … 绵阳 is rarer than 绵羊 in jieba: stays
    "新客户常数天元纺织厂",          # … 常熟 rarer than 常数
    "这周五带合同区医院",            # 合同 and 区: no 河东区
    "上午去了泰兴宏达印染厂",        # after a city, only a district heard with 区/县/市
    "新客户嘉兴禾润农产品有限公司",  # 禾润 is no district
    "新客户温岭市泰和泵业",          # 泰和 after the city is no district (太和)
    "新客户移村明月山温泉酒店",      # 伊春 and 宜春 sound alike: no guess
    "新客户福州鼓楼医院",            # places written right stay
    "新客户顺德美的",
    "新客户江南造船厂",
    "新客户平安保险",
    "他们有线电视的信号不好",         # 有线 before no 公司
    "今天去里水医院见了方主任",      # no new customer announced: a brand may be a homophone
    "新客户华宇金属制品有限公司",    # the words after a place are not guessed
    "新客户白云机场，联系人车经理",  # no generic word sounds like 机场
    "新线索，明湖物流园，联系人车经理",
    "新客户赣州宏盛木叶，联系人曾老板",      # 木叶 is a word: no guess
])
def test_names_already_right_and_ordinary_words_stay(text: str) -> None:
    assert respell_new_orgs(text) == text


def test_a_catalog_customer_is_no_new_name() -> None:
    assert respell_new_orgs("新客户里水医院") == "新客户丽水医院"
    assert respell_new_orgs("新客户里水医院", [(3, 7)]) == "新客户里水医院"
    # … but one inside a longer new name (远洲 of 远洲建筑) is no reason to leave it
    assert respell_new_orgs("新线索，顾原远洲七六培山养鸡场", [(7, 9)]) == \
        "新线索，固原远洲七六培山养鸡场"


def test_typed_notes_of_every_set_keep_their_names() -> None:
    """Precision: the typed notes of the voice sets (what a rep says, in fourteen
    industries) are right as they are; with their catalog's customers known, none changes."""
    import json
    from pathlib import Path

    from nlp.asr.snap import index_for

    root = Path(__file__).resolve().parents[3] / "benchmarks"
    checked = 0
    for labels in sorted(root.glob("voice_*/labels.jsonl")):
        catalog = Catalog.from_dict(json.loads(
            (labels.parent / "catalog.json").read_text(encoding="utf-8")))
        index = index_for(catalog)
        for line in labels.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            known = [(s, e) for s, e, en in index.mentions(text) if en.kind == "customer"]
            assert respell_new_orgs(text, known) == text
            checked += 1
    assert checked >= 150


@pytest.mark.parametrize(("heard", "meant"), [
    ("新课护温州海假日酒店连细人邹经理", "新客户温州海假日酒店连细人邹经理"),
    ("新客或家先合任农产品有限公司", "新客户或家先合任农产品有限公司"),
    ("有个新客，淮南万家福超市", "有个新客户，淮南万家福超市"),
    ("新课标出来了，要换教材", "新课标出来了，要换教材"),
    ("我们新客流很大", "我们新客流很大"),
    ("今天见了新客户", "今天见了新客户"),
    ("录入新线所金华火腿世家食品有限公司", "录入新线索金华火腿世家食品有限公司"),
    ("过年好啊，记一下新鲜所临沂金鼎建材", "过年好啊，记一下新线索临沂金鼎建材"),
    ("他在研究所上班", "他在研究所上班"),
    ("冷库保持新鲜所需的温度", "冷库保持新鲜所需的温度"),
    ("先县所有的学校都要装", "先县所有的学校都要装"),
    ("西线索，六盘水钟山区明湖物流园", "新线索，六盘水钟山区明湖物流园"),    # xin heard xi
    ("江西线索不多", "江西线索不多"),
    ("县线所遗常中心汽修厂", "新线索遗常中心汽修厂"),        # 新 heard 县 (xian for xin)
    ("全县所有学校都要装", "全县所有学校都要装"),
])
def test_new_customer_heard_as_its_sound(heard: str, meant: str) -> None:
    assert fix_new_customer(heard) == meant


def test_the_card_marks_the_place_it_guessed() -> None:
    catalog = Catalog.from_dict({
        "customers": [{"name": "宁波海天塑机集团", "aliases": ["海天塑机"]}],
        "contacts": [], "products": [{"name": "注塑机"}]})
    out = snap_transcript_names("新客户怀难万家服超市，要两台注塑机", catalog)
    assert out.text.startswith("新客户淮南万家服超市")
    assert any(m.heard == "怀难" for m in out.marks)


@pytest.mark.parametrize(("heard", "meant"), [
    # a place of four characters heard as other characters of exactly its sound
    ("新线索，恶耳多斯东圣区金地物业的乔经理", "新线索，鄂尔多斯东胜区金地物业的乔经理"),
    # a district of the city just said, where another city has one of the same sound
    ("新线索，长沙与花区骑手之家配送站的邝站长", "新线索，长沙雨花区骑手之家配送站的邝站长"),
    # 区 heard as another qu after the district's name
    ("新客户，株洲和唐去第二中学", "新客户，株洲荷塘区第二中学"),
])
def test_a_place_heard_whole_and_a_district_of_its_city(heard: str, meant: str) -> None:
    assert respell_new_orgs(heard, []) == meant


@pytest.mark.parametrize(("heard", "meant"), [
    # 市 heard 是 after the places a new name begins with, before its organisation; the
    # trade word before 厂 heard as another spelling of its sound
    ("新线索，将因是华通汽配厂的鲍经理", "新线索，江阴市华通汽配厂的鲍经理"),
    ("新线索，漳州波头是华通气配厂的鲍经理", "新线索，漳州泊头市华通汽配厂的鲍经理"),
    # 是 right after the announcement, or with no place before and no organisation after
    ("新客户是鼓楼医院", "新客户是鼓楼医院"),
    ("新客户王总是做五金的", "新客户王总是做五金的"),
    ("新客户，张家是华美口腔医院的", "新客户，张家是华美口腔医院的"),
])
def test_a_city_heard_as_is(heard: str, meant: str) -> None:
    assert respell_new_orgs(heard, []) == meant


@pytest.mark.parametrize(("heard", "meant"), [
    # a kind of firm said alone, its trade word heard as another pair of its sound
    ("买经理说入业公司的招标推迟到明年4月了。", "买经理说乳业公司的招标推迟到明年4月了。"),
    # a name (a word, or one heard rarely) stays
    ("他说汇通公司不错", "他说汇通公司不错"),
    ("他们是华宇公司的", "他们是华宇公司的"),
])
def test_a_kind_of_firm_heard_as_another_pair(heard: str, meant: str) -> None:
    assert respell_new_orgs(heard, []) == meant
