"""A small catalog of our own (Zhejiang hospitals and factories), unrelated to the dev set."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from nlp.types import Catalog

TZ = timezone(timedelta(hours=8))
# Wednesday 2026-05-13 10:00 Asia/Shanghai
NOW = datetime(2026, 5, 13, 10, 0, tzinfo=TZ)

CATALOG_DATA = {
    "timezone": "Asia/Shanghai",
    "customers": [
        {"name": "杭州市第一人民医院", "aliases": ["杭州一院"], "region": "浙江省杭州市"},
        {"name": "浙江大学医学院附属邵逸夫医院", "aliases": ["邵逸夫医院", "邵逸夫"],
         "region": "浙江省杭州市"},
        {"name": "宁波市第二医院", "aliases": ["宁波二院"], "region": "浙江省宁波市"},
        {"name": "温州医科大学附属第一医院", "aliases": ["温医一院", "温附一"],
         "region": "浙江省温州市"},
        {"name": "绍兴市人民医院", "aliases": ["绍兴人医"], "region": "浙江省绍兴市"},
        {"name": "嘉兴市中医医院", "aliases": [], "region": "浙江省嘉兴市"},
        {"name": "丽水市中心医院", "aliases": ["丽水中心医院", "中心医院"],
         "region": "浙江省丽水市"},
        {"name": "舟山市中心医院", "aliases": ["舟山中心医院", "中心医院"],
         "region": "浙江省舟山市"},
        {"name": "杭州明达精密机械有限公司", "aliases": ["明达精密", "明达"],
         "region": "浙江省杭州市"},
        {"name": "宁波海川电子科技有限公司", "aliases": ["海川电子"], "region": "浙江省宁波市"},
        {"name": "台州恒泰塑业有限公司", "aliases": ["恒泰塑业"], "region": "浙江省台州市"},
    ],
    "contacts": [
        {"name": "陈立", "customer": "杭州市第一人民医院", "title": "骨科主任",
         "aliases": ["陈主任"]},
        {"name": "王芳", "customer": "浙江大学医学院附属邵逸夫医院", "title": "设备科科长",
         "aliases": ["王科长"]},
        {"name": "张伟", "customer": "宁波市第二医院", "title": "院长", "aliases": ["张院长"]},
        {"name": "林晓", "customer": "温州医科大学附属第一医院", "title": "采购科主任",
         "aliases": ["林主任"]},
        {"name": "陈东", "customer": "舟山市中心医院", "title": "骨科主任", "aliases": ["陈主任"]},
        {"name": "黄建平", "customer": "杭州明达精密机械有限公司", "title": "总经理",
         "aliases": ["黄总"]},
        {"name": "郑浩", "customer": "宁波海川电子科技有限公司", "title": "技术总监",
         "aliases": ["郑工"]},
        {"name": "陈刚", "customer": "宁波海川电子科技有限公司", "title": "总经理",
         "aliases": ["陈总"]},
    ],
    "products": [
        {"name": "口腔扫描仪", "line": "口腔", "aliases": ["口扫", "IOS-9"]},
        {"name": "种植体", "line": "口腔", "aliases": ["种植钉"]},
        {"name": "超声骨刀", "line": "骨科", "aliases": ["骨刀"]},
        {"name": "数控机床", "line": "机械", "aliases": ["CNC-800", "机床"]},
        {"name": "激光切割机", "line": "机械", "aliases": ["切割机", "LC-3000"]},
        {"name": "工业相机", "line": "视觉", "aliases": ["IC-12"]},
    ],
    "next_actions": ["预约演示", "发送资料", "上门拜访", "送样试用", "报价", "电话回访", "推进合同",
                     "招标跟进", "其他"],
    "obstacles": ["招标延迟", "院长换届", "预算冻结", "招标暂停", "院长考察期", "医保目录调整",
                  "竞品介入", "决策人变动", "其他"],
    "stages": ["初步接触", "需求确认", "方案演示", "合同谈判", "赢单", "输单"],
}


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_dict(CATALOG_DATA)


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW
