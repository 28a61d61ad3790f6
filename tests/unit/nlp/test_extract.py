"""Whole records on sentences of our own (not from the dev set), catalog in conftest."""

from __future__ import annotations

from typing import Any

import pytest

from nlp import Catalog, extract

from .conftest import NOW

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "今天上午去邵逸夫医院见了王科长，口扫她很满意，下周二下午三点半带样机过去试用。",
        {"intent": "log_followup", "customer": "浙江大学医学院附属邵逸夫医院", "contact": "王芳",
             "products": ["口腔扫描仪"], "channel": "拜访", "attitude": "明确支持",
             "next_action": "送样试用",
             "next_date": "2026-05-19", "next_time": "15:30"},
    ),
    (
        "刚跟明达黄总通了电话，CNC-800他还要跟老板商量，周五上午十点再打电话。",
        {"intent": "log_followup", "customer": "杭州明达精密机械有限公司", "contact": "黄建平",
             "products": ["数控机床"], "channel": "电话", "attitude": "需再沟通",
             "next_action": "电话回访",
             "next_date": "2026-05-15", "next_time": "10:00"},
    ),
    (
        "海川电子的郑工发微信说预算冻结了，激光切割机先放一放，过两天再打电话问问。",
        {"intent": "log_followup", "customer": "宁波海川电子科技有限公司", "contact": "郑浩",
             "products": ["激光切割机"], "channel": "微信", "next_action": "电话回访",
             "next_date": None,
             "obstacle": "预算冻结"},
    ),
    (
        "新客户：宁波市鄞州区第三医院 骨科 吴主任 电话 139 5741 2233 想了解种植钉",
        {"intent": "create_lead", "customer": "宁波市鄞州区第三医院", "contact": "吴主任",
             "products": ["种植体"], "phone": "13957412233", "channel": None, "next_date": None},
    ),
    (
        "宁波二院张院长下个月3号上午9点来我们工厂参观",
        {"intent": "log_followup", "customer": "宁波市第二医院", "contact": "张伟",
             "next_action": "其他", "next_date": "2026-06-03", "next_time": "09:00",
             "channel": None},
    ),
    (
        "绍兴人医的超声骨刀项目阶段改成合同谈判",
        {"intent": "update_stage", "customer": "绍兴市人民医院", "products": ["超声骨刀"],
             "stage": "合同谈判", "next_date": None},
    ),
    (
        "杭州一院陈主任的手机号是多少？",
        {"intent": "query", "customer": "杭州市第一人民医院", "contact": "陈立", "phone": None},
    ),
    (
        "中心医院陈主任说超声骨刀要等院长定，周四去拜访。",
        {"intent": "log_followup", "customer": "舟山市中心医院", "contact": "陈东",
             "attitude": "需再沟通", "next_action": "上门拜访", "next_date": "2026-05-14"},
    ),
    (
        "恒泰塑业下礼拜一给他们演示工业相机",
        {"intent": "log_followup", "customer": "台州恒泰塑业有限公司", "products": ["工业相机"],
             "next_action": "预约演示", "next_date": "2026-05-18", "channel": None},
    ),
    (
        "嗯刚才去了邵一夫医院见了王科长然后她说口扫还在比较",
        {"intent": "log_followup", "customer": "浙江大学医学院附属邵逸夫医院", "contact": "王芳",
             "products": ["口腔扫描仪"], "channel": "拜访", "attitude": "需再沟通",
             "next_date": None},
    ),
    (
        "文医一院林主任电话里说种植体的招标延期了，6月10号再跟进招标",
        {"intent": "log_followup", "customer": "温州医科大学附属第一医院", "contact": "林晓",
             "products": ["种植体"], "channel": "电话", "next_action": "招标跟进",
             "next_date": "2026-06-10", "obstacle": "招标延迟"},
    ),
    (
        "今天去了杭州市第三人民医院见了骨科赵主任，聊了聊种植体，他很认可",
        {"intent": "log_followup", "customer": "杭州市第三人民医院", "contact": "赵主任",
             "products": ["种植体"], "channel": "拜访", "attitude": "明确支持"},
    ),
    (
        "海川那边陈总已经拍板了，下周推进合同",
        {"intent": "log_followup", "customer": "宁波海川电子科技有限公司", "contact": "陈刚",
             "attitude": "明确支持", "next_action": "推进合同", "next_date": "2026-05-18"},
    ),
    (
        "新线索 嘉兴市中医医院 药剂科 钱主任 电话幺三九五七三一二三四五",
        {"intent": "create_lead", "customer": "嘉兴市中医医院", "contact": "钱主任",
             "phone": "13957312345"},
    ),
    (
        "月底前把报价发给明达黄总",
        {"intent": "log_followup", "customer": "杭州明达精密机械有限公司", "contact": "黄建平",
             "next_action": "报价", "next_date": "2026-05-31"},
    ),
    (
        "明天有哪些客户要回访？",
        {"intent": "query", "next_action": None, "next_date": None},
    ),
    (
        "明达精密的切割机项目丢了，标成输单。",
        {"intent": "update_stage", "customer": "杭州明达精密机械有限公司",
         "products": ["激光切割机"],
             "stage": "输单"},
    ),
    (
        "邵逸夫医院的停车位真难找😂",
        {"intent": "other", "customer": "浙江大学医学院附属邵逸夫医院", "next_date": None},
    ),
    (
        "开会中，晚点说",
        {"intent": "other", "customer": None, "next_date": None},
    ),
    (
        "郑工邮件回复说LC3000他们选了别的品牌",
        # no customer is named: the unique alias still gives the contact, the customer stays null
        {"intent": "log_followup", "customer": None, "contact": "郑浩",
             "products": ["激光切割机"], "channel": "邮件", "attitude": "已否决",
             "obstacle": "竞品介入"},
    ),
]


@pytest.mark.parametrize(("text", "contact"), [
    ("他们换了新的工程经理，方案要重新对接", None),     # 程 is 工程's, no surname
    ("跟进程经理的方案，周五报价", "程经理"),          # 进 is 跟进's: 程经理 is a person
    ("今天见了程经理，周五报价", "程经理"),
])
def test_a_surname_that_ends_a_word_is_no_surname(catalog: Catalog, text: str,
                                                   contact: str | None) -> None:
    assert extract(text, now=NOW, catalog=catalog).contact == contact


def test_a_call_returned_is_a_call(catalog: Catalog) -> None:
    """回电话 (call back) plans a call as 打电话 does; the call that came in is the channel."""
    rec = extract("明达黄总打电话来问切割机，周一再给他回电话", now=NOW, catalog=catalog)
    assert (rec.channel, rec.next_action, rec.next_date) == ("电话", "电话回访", "2026-05-18")


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:12] for c in CASES])
def test_records(catalog: Catalog, text: str, expected: dict[str, Any]) -> None:
    rec = extract(text, now=NOW, catalog=catalog).contract()
    got = {k: rec[k] for k in expected}
    if "products" in expected:
        got["products"] = sorted(got["products"])
        expected = {**expected, "products": sorted(expected["products"])}
    assert got == expected


def test_query_and_other_carry_no_next_step(catalog: Catalog) -> None:
    rec = extract("杭州一院陈主任明天的安排是什么？", now=NOW, catalog=catalog)
    assert rec.intent == "query"
    assert rec.next_date is None
    assert rec.next_action is None
    assert rec.phone is None


def test_planned_call_has_no_channel(catalog: Catalog) -> None:
    rec = extract("周一给明达黄总打电话问问切割机", now=NOW, catalog=catalog)
    assert rec.channel is None
    assert rec.next_action == "电话回访"
    assert rec.next_date == "2026-05-18"


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        # 会上 "at the meeting" …
        ("明达黄总在会上说切割机的方案可以", "会议"),
        ("明达黄总会上说切割机的方案可以", "会议"),
        # … but 会 "will" before a word that begins with 上 is no meeting held
        ("明达黄总说会上午过来看切割机", None),
        ("明达黄总反馈会上批切割机有问题", None),
        ("明达黄总说会上报领导再定", None),
    ],
)
def test_a_meeting_is_read_from_hui_shang_only_where_it_is_one(
        catalog: Catalog, text: str, channel: str | None) -> None:
    assert extract(text, now=NOW, catalog=catalog).channel == channel


def test_hints_are_filled(catalog: Catalog) -> None:
    rec = extract("中心医院说超声骨刀过几天再约演示", now=NOW, catalog=catalog)
    assert set(rec.customer_candidates) == {"丽水市中心医院", "舟山市中心医院"}
    assert rec.customer_known
    assert rec.vague_date
    assert rec.next_date is None
    assert rec.date_text == "过几天"
    rec2 = extract("下周二在宁波二院见张院长", now=NOW, catalog=catalog)
    assert rec2.contact_known
    assert rec2.date_text == "下周二"
    assert rec2.summary == "下周二在宁波二院见张院长"


def test_new_contact_at_known_customer_stays_as_written(catalog: Catalog) -> None:
    rec = extract("杭州一院新认识一个刘主任，电话 137 0000 1111，帮我建个线索", now=NOW,
                  catalog=catalog)
    assert rec.intent == "create_lead"
    assert rec.customer == "杭州市第一人民医院"
    assert rec.contact == "刘主任"
    assert not rec.contact_known


def test_contact_alias_at_new_customer_is_not_resolved(catalog: Catalog) -> None:
    rec = extract("新客户：衢州市人民医院 黄总 电话13800001111", now=NOW, catalog=catalog)
    assert rec.customer == "衢州市人民医院"
    assert rec.contact == "黄总"
    assert not rec.customer_known


def test_unknown_product_kept_as_written(catalog: Catalog) -> None:
    rec = extract("新客户 湖州精工模具有限公司 李经理 13912345678 需要数控机床和注塑机",
                  now=NOW, catalog=catalog)
    assert set(rec.products) == {"数控机床", "注塑机"}


def test_full_contact_name_implies_customer(catalog: Catalog) -> None:
    rec = extract("今天跟黄建平开了个会，机床的事他同意了", now=NOW, catalog=catalog)
    assert rec.customer == "杭州明达精密机械有限公司"
    assert rec.contact == "黄建平"
    assert rec.channel == "会议"


@pytest.mark.parametrize(
    ("text", "customer", "contact"),
    [
        ("新客户：江南机电，联系人王伟，电话13912345678", "江南机电", "王伟"),
        ("新线索 恒信五金 张总 13800001111", "恒信五金", "张总"),
        ("帮我建个新客户叫金鼎科技，联系人是刘洋 手机 139 1111 2222", "金鼎科技", "刘洋"),
    ],
)
def test_new_lead_without_suffix(catalog: Catalog, text: str, customer: str, contact: str) -> None:
    rec = extract(text, now=NOW, catalog=catalog)
    assert (rec.intent, rec.customer, rec.contact) == ("create_lead", customer, contact)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("明达黄总说没意见了", "channel", None),              # 意见 is not 见
        ("海川电子说需要技术支持", "attitude", None),          # 技术支持 is not approval
        ("海川电子陈总他们要开会讨论一下", "channel", None),    # a meeting still to come
        ("海川电子陈总他们要开会讨论一下", "attitude", "需再沟通"),
        ("恒泰塑业那单丢了", "stage", "输单"),
        ("邵逸夫医院口扫中标了！", "stage", "赢单"),
        ("邵逸夫医院口扫被竞品中标了", "stage", "输单"),
        ("明达黄总说下周二或者周三过来看样机", "next_date", "2026-05-19"),
        ("明天上午十点到十一点去明达", "next_time", "10:00"),
        ("昨天给明达黄总打电话，他说再考虑", "channel", "电话"),
        ("明天给明达黄总打电话", "channel", None),
        ("明达黄总下周二送样，王科长那边下周三送样", "next_date", "2026-05-19"),
    ],
)
def test_field_rules(catalog: Catalog, text: str, field: str, value: object) -> None:
    assert getattr(extract(text, now=NOW, catalog=catalog), field) == value


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("跟明达黄总吃了个饭，切割机基本定了用我们的", "channel", "拜访"),
        ("跟明达黄总吃了个饭，切割机基本定了用我们的", "attitude", "明确支持"),
        ("杭州一院陈主任的生日是几号", "intent", "query"),
        ("王科长说今年不采购口扫了", "attitude", "已否决"),
        ("把恒泰塑业的项目阶段改回需求确认", "stage", "需求确认"),
        ("明天上午九点去一趟明达给黄总送切割机的样品", "next_action", "送样试用"),
    ],
)
def test_more_phrasings(catalog: Catalog, text: str, field: str, value: object) -> None:
    assert getattr(extract(text, now=NOW, catalog=catalog), field) == value


def test_delayed_date_with_daoshihou_is_the_step(catalog: Catalog) -> None:
    rec = extract("温医一院林主任说种植体的招标延期到下个月15号，到时候再跟进", now=NOW,
                  catalog=catalog)
    assert (rec.next_date, rec.next_action, rec.obstacle) == ("2026-06-15", "招标跟进", "招标延迟")


def test_zaishuo_is_not_a_planned_step(catalog: Catalog) -> None:
    rec = extract("明达黄总下周出差，切割机等他回来再说，下个月10号再打电话", now=NOW,
                  catalog=catalog)
    assert (rec.next_date, rec.next_action) == ("2026-06-10", "电话回访")


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("录入新线索：衢州市中心医院 骨科 葛主任 手机 138-5210-6677", "衢州市中心医院"),
        ("有个潜在客户，湖州吴兴区的恒瑞精工，电话 15961112233", "恒瑞精工"),
    ],
)
def test_lead_names(catalog: Catalog, text: str, customer: str) -> None:
    rec = extract(text, now=NOW, catalog=catalog)
    assert (rec.intent, rec.customer) == ("create_lead", customer)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("刚给明达黄总打了电话，要给他报价", "报价"),                # our duty, said with 要给
        ("去了趟明达，还得尽快给黄总报价", "报价"),                  # 还得 + an adverb
        ("明达黄总他要跟老板商量一下报价", None),                    # their plan, not ours
        ("明达黄总说不要报价了", None),                              # 不要 is no plan
        ("明达黄总主要是想看看报价", None),                          # 主要 is no plan
    ],
)
def test_our_duty_with_yao_or_dei_is_the_planned_step(catalog: Catalog, text: str,
                                                        action: str | None) -> None:
    assert extract(text, now=NOW, catalog=catalog).next_action == action
