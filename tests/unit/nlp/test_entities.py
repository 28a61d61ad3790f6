"""Stage 2 (entities) on catalogs of five non-medical industries: titles and organisation
suffixes from the lexicon and the tenant's catalog, departments, sub-units, negations."""

from __future__ import annotations

import dataclasses

import pytest

from nlp.pipeline.doc import normalise
from nlp.pipeline.entities import Entities, find_entities
from nlp.resolve import CatalogIndex
from nlp.types import Catalog, CatalogContact

from .industries import NOW, TZ, catalog

_INDEX: dict[str, CatalogIndex] = {}


def entities(industry: str, text: str) -> Entities:
    if industry not in _INDEX:
        _INDEX[industry] = CatalogIndex(catalog(industry))
    return find_entities(normalise(text, NOW, TZ), _INDEX[industry])


@pytest.mark.parametrize(
    ("industry", "text", "customer", "contact"),
    [
        # a title the tenant's catalog uses (alias tail 校长, 场长, 站长, 所长, 行长, CTO)
        ("education", "今天去八中见了李校长，智慧黑板他很认可", "合肥市第八中学", "李建新"),
        ("agriculture", "向阳农场韩场长说打药飞机下周要用", "寿县向阳家庭农场", "韩大山"),
        ("agriculture", "农技站韩站长打电话说墒情站装好了", "宿州市埇桥区农业技术推广站", "韩明"),
        ("agriculture", "绿源合作社周社长想看水肥机", "阜南县绿源蔬菜专业合作社", "周玉兰"),
        ("lab", "物质院黄所长说液相下个月招标", "中国科学院合肥物质科学研究院", "黄振华"),
        ("software", "云帆周CTO对数据中台很感兴趣", "杭州云帆网络科技有限公司", "周航"),
        ("software", "瓯江农商行许行长同意上CRM", "温州瓯江农村商业银行", "许文"),
        # an alias in the catalog always resolves, also with no customer named
        ("education", "孙老师说录播要等经费", None, "孙丽"),
        # an organisation followed by its department: the organisation is the customer
        ("education", "安徽建筑大学 后勤处 孙老师说录播教室要等经费", "安徽建筑大学", "孙丽"),
        ("lab", "合肥海关技术中心马科长要ICP-MS的报价", "合肥海关技术中心", "马骏"),
        # names that hold 和 or 建 are not cut there
        ("agriculture", "和平果业吴总说水肥机还要考虑", "砀山县和平果业有限公司", "吴志刚"),
        ("construction", "九江金鼎建材有限公司饶主管要盘扣架报价", "九江金鼎建材有限公司", "饶红"),
    ],
)
def test_catalog_entities(industry: str, text: str, customer: str | None,
                          contact: str) -> None:
    ents = entities(industry, text)
    assert (ents.customer, ents.contact) == (customer, contact)
    assert ents.contact_known


@pytest.mark.parametrize(
    ("industry", "text", "customer", "contact"),
    [
        # a new organisation keeps its name; its contact stays as written, even when the
        # same alias belongs to a catalog contact elsewhere (孙老师, 许行长)
        ("education", "新线索：安庆师范大学 后勤处 孙老师 13812345678", "安庆师范大学", "孙老师"),
        ("education", "新客户 淮南市第二中学 教务处 王老师 电话13905541234", "淮南市第二中学",
         "王老师"),
        ("software", "新线索 台州银行 科技部 许行长 13700001111 想了解电子签章", "台州银行",
         "许行长"),
        ("lab", "新客户 安徽省农业科学院 土肥研究所 杨主任 13955001122", "安徽省农业科学院",
         "杨主任"),
        ("agriculture", "新线索：怀远县丰收种植专业合作社，理事长秦社长，电话13966001122",
         "怀远县丰收种植专业合作社", "秦社长"),
        ("agriculture", "录个线索 凤台县大丰收家庭农场 场主老赵 13855001234",
         "凤台县大丰收家庭农场", "老赵"),
        # a company name that holds 建; a full name after a title
        ("construction", "建个线索：上饶市信建建材有限公司 老板叫何志军 15900001111",
         "上饶市信建建材有限公司", "何志军"),
        ("software", "新客户 杭州星河软件有限公司 采购部经理刘洋 13700001111",
         "杭州星河软件有限公司", "刘洋"),
        # 'a factory called Y' names Y
        ("construction", "新线索，有一家模板厂叫恒达，宋总电话13800002222", "恒达", "宋总"),
        # a name said to be another organisation is not that customer
        ("software", "新客户 宁波甬达物流有限公司（不是甬安） 陈经理 13800003333",
         "宁波甬达物流有限公司", "陈经理"),
        ("agriculture", "新客户 砀山县和谐果业有限公司（跟和平果业不是一家）吴总 13800004444",
         "砀山县和谐果业有限公司", "吴总"),
        # a trade name plus what the firm does, no legal suffix, a person of it after it
        ("construction", "朋友介绍的，芜湖新城建设的采购经理刘洋，电话15955512345",
         "芜湖新城建设", "刘洋"),
        ("construction", "恒力纺织王总想了解塔吊监控 13800005555", "恒力纺织", "王总"),
        # 和 after a lone character is part of the name ('利和'), not 'and'
        ("software", "朋友推荐了个客户，中山利和灯饰有限公司的人事经理陈小姐，电话13802234567",
         "中山利和灯饰有限公司", "陈小姐"),
        # surnames common enough to be said (阎, 傅, 洪, 萧 …)
        ("agriculture", "新线索，富裕县丰收家庭农场，联系人阎场长，电话15846203917",
         "富裕县丰收家庭农场", "阎场长"),
        ("software", "新客户 杭州星河软件有限公司 联系人傅经理 13700001111",
         "杭州星河软件有限公司", "傅经理"),
    ],
)
def test_new_organisations(industry: str, text: str, customer: str, contact: str) -> None:
    ents = entities(industry, text)
    assert (ents.customer, ents.contact) == (customer, contact)
    assert not ents.customer_known
    assert not ents.contact_known


def test_explicit_customer_beats_a_contact_alias_elsewhere() -> None:
    # a contact stored literally as '王老师' at 芜湖职院 (created from an earlier note)
    base = catalog("education")
    extra = CatalogContact(name="王老师", customer="芜湖职业技术学院")
    cat = dataclasses.replace(base, contacts=(*base.contacts, extra))
    index = CatalogIndex(cat)
    ents = find_entities(normalise("八中的王老师说智慧黑板下学期再买", NOW, TZ), index)
    assert ents.customer == "合肥市第八中学"
    assert ents.contact == "王老师"
    assert not ents.contact_known
    alone = find_entities(normalise("王老师说智慧黑板下学期再买", NOW, TZ), index)
    assert (alone.customer, alone.contact) == (None, "王老师")


@pytest.mark.parametrize(
    ("industry", "text", "products"),
    [
        ("lab", "物质院要两台LC2030和一台ICP-MS", {"液相色谱仪", "电感耦合等离子体质谱仪"}),
        ("education", "八中想要SB八十六", {"智慧黑板"}),              # a code in Chinese numerals
        ("agriculture", "向阳农场要T40打药飞机和水肥机", {"植保无人机", "水肥一体机"}),
    ],
)
def test_products(industry: str, text: str, products: set[str]) -> None:
    assert set(entities(industry, text).products) == products


@pytest.mark.parametrize(
    "text",
    ["今天在现场跟韩场长聊了一下", "整体布局还要再调", "去店里跟老板聊了聊", "他们厂家说下周发货",
     "行里新来了个分管科技的副行长"],
)
def test_ordinary_words_are_no_organisations(text: str) -> None:
    assert entities("agriculture", text).customer in (None, "寿县向阳家庭农场")


def test_department_glued_after_the_organisation_is_dropped() -> None:
    ents = entities("lab", "新线索：淮北市疾病预防控制中心信息中心的杜科长，13900001111")
    assert ents.customer == "淮北市疾病预防控制中心"


def test_sub_unit_stays_part_of_the_name() -> None:
    ents = entities("software", "新线索 温州瓯江农村商业银行龙湾支行 赵行长 13900002222")
    assert ents.customer == "温州瓯江农村商业银行龙湾支行"
    assert not ents.customer_known


def test_bad_catalogs_do_not_break_entities() -> None:
    cat = Catalog.from_dict({
        "customers": [{"name": "", "aliases": ["", " "]}, {"name": "甲", "aliases": ["甲", "甲"]},
                      {"name": "乙公司", "aliases": ["甲"]}],
        "contacts": [{"name": "", "customer": "甲", "aliases": [""]},
                     {"name": "张三", "customer": "甲", "title": "", "aliases": ["张", "张"]}],
        "products": [{"name": "", "aliases": [""]}],
    })
    ents = find_entities(normalise("甲的张三说乙公司也要", NOW, TZ), CatalogIndex(cat))
    assert ents.contact == "张三"


def test_a_common_word_after_a_title_is_no_name() -> None:
    """跟老板商量一下: 商 is a surname, yet 商量 a word; no person 商量一 is named."""
    ents = entities("software", "焦经理微信回复说报价收到了，还要跟老板商量一下")
    assert ents.contact != "商量一"
    assert entities("software", "还要跟老板商量一下").contact is None
    assert entities("software", "新客户 杭州星河软件有限公司 采购部经理王国强说想了解一下"
                    ).contact == "王国强"


@pytest.mark.parametrize(("text", "customer"), [
    # what is shown at our own place, after asking someone along there, is ours
    ("王经理的手机是13912345678，后天约她来厂里参观充装站", None),
    ("带他到我们公司看看检测中心", None),
    # another organisation in another clause is named
    ("约她来厂里参观，再去东方化工厂看看", "东方化工厂"),
])
def test_what_is_shown_at_our_own_place_is_no_organisation(text: str, customer: str | None
                                                            ) -> None:
    assert entities("software", text).customer == customer
