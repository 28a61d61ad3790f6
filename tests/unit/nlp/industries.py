"""Catalogs of five industries no dev set covers, for tests that must not lean on one tenant:
education (schools and a university), agriculture (farms, co-operatives, an agri-station),
laboratory instruments (research institutes, test centres), enterprise software (companies
with CTOs), construction and building materials. Each has its own presets.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from nlp.types import Catalog

TZ = timezone(timedelta(hours=8))
# Thursday 2026-03-12 09:30 Asia/Shanghai
NOW = datetime(2026, 3, 12, 9, 30, tzinfo=TZ)

STAGES = ["初步接触", "需求确认", "方案演示", "合同谈判", "赢单", "输单"]

EDUCATION: dict[str, Any] = {
    "customers": [
        {"name": "合肥市第八中学", "aliases": ["合肥八中", "八中"], "region": "安徽省合肥市"},
        {"name": "芜湖职业技术学院", "aliases": ["芜湖职院"], "region": "安徽省芜湖市"},
        {"name": "安徽建筑大学", "aliases": ["安建大"], "region": "安徽省合肥市"},
        {"name": "蚌埠市实验小学", "aliases": ["蚌埠实小"], "region": "安徽省蚌埠市"},
    ],
    "contacts": [
        {"name": "李建新", "customer": "合肥市第八中学", "title": "校长", "aliases": ["李校长"]},
        {"name": "孙丽", "customer": "安徽建筑大学", "title": "后勤处处长",
         "aliases": ["孙处长", "孙老师"]},
        {"name": "钱多多", "customer": "芜湖职业技术学院", "title": "信息中心主任",
         "aliases": ["钱主任"]},
        {"name": "蒋涛", "customer": "蚌埠市实验小学", "title": "副校长", "aliases": ["蒋校长"]},
    ],
    "products": [
        {"name": "智慧黑板", "aliases": ["交互黑板", "SB-86"]},
        {"name": "录播教室系统", "aliases": ["录播系统", "录播"]},
        {"name": "学生平板", "aliases": ["平板", "EP-10"]},
    ],
    "next_actions": ["预约演示", "发送方案", "安排拜访", "样机试用", "报价", "签订合同", "电话回访",
                     "安装验收", "其他"],
    "obstacles": ["经费未到位", "招标延迟", "校领导换届", "竞品介入", "其他"],
    "stages": STAGES,
}

AGRICULTURE: dict[str, Any] = {
    "customers": [
        {"name": "寿县向阳家庭农场", "aliases": ["向阳农场"], "region": "安徽省淮南市"},
        {"name": "阜南县绿源蔬菜专业合作社", "aliases": ["绿源合作社"], "region": "安徽省阜阳市"},
        {"name": "宿州市埇桥区农业技术推广站", "aliases": ["埇桥农技站", "农技站"],
         "region": "安徽省宿州市"},
        {"name": "砀山县和平果业有限公司", "aliases": ["和平果业"], "region": "安徽省宿州市"},
    ],
    "contacts": [
        {"name": "韩大山", "customer": "寿县向阳家庭农场", "title": "场长", "aliases": ["韩场长"]},
        {"name": "周玉兰", "customer": "阜南县绿源蔬菜专业合作社", "title": "理事长",
         "aliases": ["周理事长", "周社长"]},
        {"name": "韩明", "customer": "宿州市埇桥区农业技术推广站", "title": "站长",
         "aliases": ["韩站长"]},
        {"name": "吴志刚", "customer": "砀山县和平果业有限公司", "title": "总经理",
         "aliases": ["吴总"]},
    ],
    "products": [
        {"name": "植保无人机", "aliases": ["打药飞机", "无人机", "T40"]},
        {"name": "水肥一体机", "aliases": ["水肥机"]},
        {"name": "土壤墒情监测站", "aliases": ["墒情站", "墒情监测"]},
    ],
    "next_actions": ["现场演示", "寄送样品", "上门拜访", "报价", "签合同", "电话回访", "飞防作业",
                     "其他"],
    "obstacles": ["补贴未下来", "资金紧张", "竞品介入", "农忙顾不上", "其他"],
    "stages": STAGES,
}

LAB: dict[str, Any] = {
    "customers": [
        {"name": "中国科学院合肥物质科学研究院", "aliases": ["合肥物质院", "物质院"],
         "region": "安徽省合肥市"},
        {"name": "安徽省食品药品检验研究院", "aliases": ["省药检院", "药检院"],
         "region": "安徽省合肥市"},
        {"name": "合肥海关技术中心", "aliases": ["海关技术中心"], "region": "安徽省合肥市"},
        {"name": "安徽大学资源与环境工程学院", "aliases": ["安大资环学院"],
         "region": "安徽省合肥市"},
    ],
    "contacts": [
        {"name": "黄振华", "customer": "中国科学院合肥物质科学研究院", "title": "所长",
         "aliases": ["黄所长"]},
        {"name": "许佳", "customer": "安徽省食品药品检验研究院", "title": "实验室主任",
         "aliases": ["许主任"]},
        {"name": "马骏", "customer": "合肥海关技术中心", "title": "科长", "aliases": ["马科长"]},
        {"name": "刘文", "customer": "安徽大学资源与环境工程学院", "title": "教授",
         "aliases": ["刘教授", "刘老师"]},
    ],
    "products": [
        {"name": "液相色谱仪", "aliases": ["液相", "HPLC", "LC-2030"]},
        {"name": "电感耦合等离子体质谱仪", "aliases": ["ICP-MS", "质谱仪"]},
        {"name": "全自动凯氏定氮仪", "aliases": ["定氮仪", "K-9860"]},
    ],
    "next_actions": ["上门演示", "发送资料", "安排拜访", "样品测试", "报价", "推进合同", "电话回访",
                     "招标跟进", "安装培训", "其他"],
    "obstacles": ["经费冻结", "招标延迟", "竞品介入", "负责人变动", "其他"],
    "stages": STAGES,
}

SOFTWARE: dict[str, Any] = {
    "customers": [
        {"name": "杭州云帆网络科技有限公司", "aliases": ["云帆网络", "云帆"],
         "region": "浙江省杭州市"},
        {"name": "宁波甬安物流集团有限公司", "aliases": ["甬安物流", "甬安"],
         "region": "浙江省宁波市"},
        {"name": "温州瓯江农村商业银行", "aliases": ["瓯江农商行"], "region": "浙江省温州市"},
    ],
    "contacts": [
        {"name": "周航", "customer": "杭州云帆网络科技有限公司", "title": "CTO",
         "aliases": ["周CTO", "周总"]},
        {"name": "许文", "customer": "温州瓯江农村商业银行", "title": "副行长",
         "aliases": ["许行长"]},
        {"name": "陈静", "customer": "宁波甬安物流集团有限公司", "title": "信息部经理",
         "aliases": ["陈经理"]},
    ],
    "products": [
        {"name": "CRM系统", "aliases": ["CRM", "客户管理系统"]},
        {"name": "数据中台", "aliases": ["中台"]},
        {"name": "电子签章", "aliases": ["签章系统"]},
    ],
    "next_actions": ["线上演示", "发送方案", "安排拜访", "开通试用", "报价", "签订合同", "电话回访",
                     "其他"],
    "obstacles": ["预算未批", "竞品介入", "需求变更", "决策人变动", "其他"],
    "stages": STAGES,
}

CONSTRUCTION: dict[str, Any] = {
    "customers": [
        {"name": "南昌城建集团有限公司", "aliases": ["南昌城建", "城建集团"],
         "region": "江西省南昌市"},
        {"name": "九江金鼎建材有限公司", "aliases": ["金鼎建材"], "region": "江西省九江市"},
        {"name": "赣州华景建筑工程有限公司", "aliases": ["华景建筑", "华景"],
         "region": "江西省赣州市"},
    ],
    "contacts": [
        {"name": "邓建国", "customer": "南昌城建集团有限公司", "title": "项目经理",
         "aliases": ["邓经理", "邓工"]},
        {"name": "饶红", "customer": "九江金鼎建材有限公司", "title": "采购主管",
         "aliases": ["饶主管"]},
        {"name": "钟伟", "customer": "赣州华景建筑工程有限公司", "title": "总工",
         "aliases": ["钟总工", "钟总"]},
    ],
    "products": [
        {"name": "铝合金模板", "aliases": ["铝模", "铝模板"]},
        {"name": "盘扣式脚手架", "aliases": ["盘扣架", "盘扣"]},
        {"name": "塔吊监控系统", "aliases": ["塔吊监控"]},
    ],
    "next_actions": ["现场勘察", "发送资料", "安排拜访", "样品寄送", "报价", "推进合同", "电话回访",
                     "招标跟进", "其他"],
    "obstacles": ["资金未到位", "招标延迟", "竞品介入", "工期延误", "其他"],
    "stages": STAGES,
}

INDUSTRIES: dict[str, dict[str, Any]] = {
    "education": EDUCATION,
    "agriculture": AGRICULTURE,
    "lab": LAB,
    "software": SOFTWARE,
    "construction": CONSTRUCTION,
}


def catalog(name: str) -> Catalog:
    return Catalog.from_dict(INDUSTRIES[name])
