"""Catalog resolution: aliases, homophones, ambiguity, near-miss organisations, snapping."""

from __future__ import annotations

import pytest

from nlp import Catalog, extract, match_customers, snap_transcript
from nlp.names import product_de_forms, product_short_forms
from nlp.pinyin import py_key
from nlp.resolve import derived_aliases
from nlp.types import CatalogContact, CatalogCustomer, CatalogProduct

from .conftest import NOW


@pytest.mark.parametrize(
    ("a", "b"),
    [("股", "鼓"), ("京", "金"), ("章", "张"), ("成", "程"), ("频", "平"), ("南", "兰")],
)
def test_fuzzy_pinyin_folds_asr_confusions(a: str, b: str) -> None:
    assert py_key(a) == py_key(b)


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("去邵逸夫医院", "浙江大学医学院附属邵逸夫医院"),           # alias
        ("去浙江大学医学院附属邵逸夫医院", "浙江大学医学院附属邵逸夫医院"),  # full name
        ("去绍兴市人民医院", "绍兴市人民医院"),
        ("去绍兴人民医院", "绍兴市人民医院"),                    # 市 dropped (derived)
        ("杭州市一院的事", "杭州市第一人民医院"),                 # 市N院 (derived)
        ("去邵一夫医院", "浙江大学医学院附属邵逸夫医院"),           # homophone
        ("去了温医衣院", "温州医科大学附属第一医院"),             # homophone in an alias
        ("去海川", "宁波海川电子科技有限公司"),                   # trade name (derived)
        ("明达机械那边", "杭州明达精密机械有限公司"),
    ],
)
def test_customer_mentions(catalog: Catalog, text: str, customer: str) -> None:
    rec = extract(text + "拜访了", now=NOW, catalog=catalog)
    assert rec.customer == customer
    assert rec.customer_known


@pytest.mark.parametrize(
    "org",
    [
        "杭州市第二人民医院",       # vs 杭州市第一人民医院
        "宁波市第三医院",          # vs 宁波市第二医院
        "温州医科大学附属第二医院",  # vs 温州医科大学附属第一医院
        "北京明达电子有限公司",      # brand 明达 inside another company
        "绍兴市中医院",            # vs 绍兴市人民医院
    ],
)
def test_near_miss_organisations_stay_new(catalog: Catalog, org: str) -> None:
    rec = extract(f"新客户：{org}，刘主任，电话13900001111", now=NOW, catalog=catalog)
    assert rec.customer == org
    assert not rec.customer_known


def test_time_words_do_not_become_customers() -> None:
    cat = Catalog(customers=(CatalogCustomer(name="常州天工电机有限公司", aliases=("天工",)),))
    rec = extract("今天工作太多了", now=NOW, catalog=cat)
    assert rec.customer is None


def test_ambiguous_alias_lists_candidates(catalog: Catalog) -> None:
    rec = extract("中心医院那边过几天再去拜访", now=NOW, catalog=catalog)
    assert set(rec.customer_candidates) == {"丽水市中心医院", "舟山市中心医院"}
    assert rec.customer in rec.customer_candidates


def test_contact_alias_disambiguates_customer(catalog: Catalog) -> None:
    rec = extract("中心医院陈主任拜访了", now=NOW, catalog=catalog)
    assert rec.customer == "舟山市中心医院"
    assert rec.contact == "陈东"


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("杭州一院陈主任打了电话", "陈立"),     # alias within the customer named
        ("杭州一院程主任打了电话", "陈立"),     # homophone surname (cheng/chen folded)
        ("海川电子郑总监发了微信", "郑浩"),     # title variant
        ("海川电子正工发了微信", "郑浩"),       # ASR homophone 正工 → 郑工
        ("海川电子的陈总开会说", "陈刚"),
        ("杭州一院周主任打了电话", "周主任"),   # unknown at that customer: as written
        ("杭州一院设备处打了电话", None),       # unnamed person
    ],
)
def test_contacts(catalog: Catalog, text: str, contact: str | None) -> None:
    assert extract(text, now=NOW, catalog=catalog).contact == contact


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("IOS-9", ["口腔扫描仪"]),
        ("ios9", ["口腔扫描仪"]),
        ("LC 3000和IC-12", ["激光切割机", "工业相机"]),
        ("那个中值体", ["种植体"]),          # homophone
        ("激光切割机", ["激光切割机"]),        # longest match, not also 切割机
        ("超声古刀", ["超声骨刀"]),
    ],
)
def test_products(catalog: Catalog, text: str, products: list[str]) -> None:
    rec = extract("明达黄总说" + text + "同意了", now=NOW, catalog=catalog)
    assert sorted(rec.products) == sorted(products)


def test_match_customers_ranks_short_answers(catalog: Catalog) -> None:
    assert match_customers("杭州一院", catalog)[0][0] == "杭州市第一人民医院"
    assert match_customers("邵一夫", catalog)[0][0] == "浙江大学医学院附属邵逸夫医院"
    top = [n for n, _ in match_customers("中心医院", catalog, limit=2)]
    assert set(top) == {"丽水市中心医院", "舟山市中心医院"}
    assert match_customers("", catalog) == []
    scores = [s for _, s in match_customers("宁波", catalog)]
    assert scores == sorted(scores, reverse=True)


def test_snap_transcript_respells_names(catalog: Catalog) -> None:
    assert snap_transcript("刚去邵一夫医院见了王科长", catalog) == "刚去邵逸夫医院见了王科长"
    assert snap_transcript("超声古刀他们很认可", catalog) == "超声骨刀他们很认可"
    # a real other organisation is left alone
    assert snap_transcript("去了杭州市第二人民医院", catalog) == "去了杭州市第二人民医院"
    assert snap_transcript("", catalog) == ""


def test_heteronyms_are_indexed_with_every_reading() -> None:
    cat = Catalog(products=(CatalogProduct(name="伺服驱动器"),))   # 伺: ci / si
    assert snap_transcript("那个私服驱动器", cat) == "那个伺服驱动器"


def test_catalogs_do_not_leak_into_each_other() -> None:
    a = Catalog(customers=(CatalogCustomer(name="甲方科技有限公司", aliases=("甲方科技",)),))
    b = Catalog(products=(CatalogProduct(name="甲方科技"),),
                contacts=(CatalogContact(name="李雷", customer="x"),))
    assert extract("甲方科技拜访了", now=NOW, catalog=a).customer == "甲方科技有限公司"
    rec_b = extract("甲方科技拜访了", now=NOW, catalog=b)
    assert rec_b.customer is None
    assert rec_b.products == ("甲方科技",)


def test_short_homophone_needs_a_name_context(catalog: Catalog) -> None:
    # 明达 → 名达 (ming da): accepted before a contact mention, not in running text
    assert extract("名达黄总打了电话", now=NOW, catalog=catalog).customer == \
        "杭州明达精密机械有限公司"
    assert extract("名达成协议的事打了电话", now=NOW, catalog=catalog).customer is None


@pytest.mark.parametrize("text", ["今天跑了三家医院，累死了", "他们是三甲医院", "这家公司拜访了"])
def test_generic_places_are_not_organisations(catalog: Catalog, text: str) -> None:
    assert extract(text, now=NOW, catalog=catalog).customer is None


def test_numeral_place_names_survive() -> None:
    rec = extract("新客户 十堰市人民医院 王主任 13900001111", now=NOW, catalog=Catalog())
    assert rec.customer == "十堰市人民医院"


def test_short_homophone_after_a_verb_of_going(catalog: Catalog) -> None:
    assert extract("昨天去名达见了黄总", now=NOW, catalog=catalog).customer == \
        "杭州明达精密机械有限公司"


def test_time_inside_a_misheard_name_is_not_a_time() -> None:
    cat = Catalog(customers=(CatalogCustomer(name="常州市第一人民医院", aliases=("常州一院",)),))
    rec = extract("常周一院吴主任说改天再去拜访", now=NOW, catalog=cat)
    assert rec.customer == "常州市第一人民医院"
    assert rec.next_date is None


def test_snap_transcript_respells_contacts_at_the_named_customer(catalog: Catalog) -> None:
    assert snap_transcript("刚跟杭州一院程主任通了电话", catalog) == "刚跟杭州一院陈主任通了电话"
    # full-width punctuation and everything else is left as it was
    assert snap_transcript("新客户：某某公司", catalog) == "新客户：某某公司"


def test_pinyin_table_matches_pypinyin() -> None:
    from nlp import pinyin

    assert pinyin._table() == pinyin._table_from_pypinyin()


def test_derived_short_forms() -> None:
    # an alias without what the firm does: 万科物业 → 万科, 德胜建设 → 德胜
    assert "万科" in derived_aliases("万科物业南京分公司", "江苏省南京市", ["万科物业"])
    assert "德胜" in derived_aliases("无锡德胜建设集团", "", ["德胜建设"])
    # 市 of 市政 is no city: never 徐州政建设
    assert not any("州政" in a for a in derived_aliases("徐州市政建设集团有限公司", "江苏省徐州市"))


def test_product_short_forms() -> None:
    # a product without its generic head word, where what is left is specific
    assert "收银" in product_short_forms("点餐收银系统", ["收银系统"])
    assert product_short_forms("班组长培训", ["班组长课程"]) == {"班组长"}
    # never an ordinary word or a way of delivering it
    assert product_short_forms("在线学习平台", ["学习平台", "线上平台"]) == {"在线学习"}
    assert product_short_forms("会员营销模块", ["会员模块"]) == {"会员营销"}   # not 会员


def test_a_product_said_with_de_before_its_kind() -> None:
    assert "永磁变频的空压机" in product_de_forms("永磁变频空压机")
    assert product_de_forms("空压机") == set()                 # one word: nothing to split
    catalog = Catalog.from_dict({"products": [{"name": "永磁变频空压机"}]})
    got = extract("车间想添两台永磁变频的空压机，周五前报个价", now=NOW, catalog=catalog)
    assert list(got.products) == ["永磁变频空压机"]


def test_a_place_alone_is_no_short_form_but_of_its_own_government() -> None:
    """宝山区 of 宝山区妇幼保健院 is the district (a voice note's 报上去 had been heard as it);
    小榄镇 of 小榄镇人民政府 is that town's government."""
    assert "宝山区" not in derived_aliases("宝山区妇幼保健院", "上海市")
    assert "宝山" not in derived_aliases("宝山区妇幼保健院", "上海市")
    assert "小榄镇" in derived_aliases("中山市小榄镇人民政府", "广东省中山市")


def test_a_verb_phrase_is_never_heard_as_a_district_named_customer() -> None:
    from nlp.asr.snap import snap_transcript_names

    catalog = Catalog.from_dict({"customers": [{"name": "宝山区妇幼保健院",
                                                "aliases": ["宝山妇幼"]}]})
    text = "说下个礼拜把采购申请报上去，要我下周五再打电话问问进度。"
    assert snap_transcript_names(text, catalog).text == text


def test_a_products_kind_as_a_short_form() -> None:
    # the kind without its leading modifier, three characters or more, a rare word
    assert "计量泵" in product_short_forms("隔膜计量泵", ["隔膜泵"])
    assert "子午线轮胎" in product_short_forms("全钢子午线轮胎", ["全钢胎"])
    assert not product_short_forms("雪地轮胎", ["雪地胎"]) & {"轮胎"}       # two characters
    assert "机器人" not in product_short_forms("骨科手术机器人")            # a common word
    assert "监测系统" not in product_short_forms("胎压监测系统", ["胎压监测"])   # a generic head
