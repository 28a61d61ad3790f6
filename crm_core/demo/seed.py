"""Seed the demo company. Deterministic (fixed random seed), relative to the clock's now."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from crm_core.demo import data as D
from crm_core.models import (
    ConfigEntry,
    Contact,
    Customer,
    Deal,
    Department,
    FollowUp,
    Lead,
    LeadEvent,
    Product,
    Region,
    Stage,
    StageHistory,
    Task,
    Team,
    User,
    UserIdentity,
)
from crm_core.uow import UnitOfWork

FIRST_REP_LOGIN = "zhangwei"
TITLE_SUFFIXES = ("主任", "科长", "院长", "经理", "厂长", "总监")
NEXT_STEPS = ("电话回访", "送样试用", "报价", "安排拜访")

STAGES = [
    ("初步接触", 10, False, False, ["需求确认", "输单"], {}),
    ("需求确认", 20, False, False, ["方案演示", "初步接触", "输单"], {}),
    ("方案演示", 30, False, False, ["合同谈判", "需求确认", "输单"],
     {"enter": {"evidence": ["file"], "fields": ["meeting_note"]}}),
    ("合同谈判", 40, False, False, ["赢单", "方案演示", "输单"],
     {"enter": {"fields": ["expected_close", "legal_feedback"]}}),
    ("赢单", 50, True, False, [], {}),
    ("输单", 60, False, True, ["初步接触"], {"enter": {"fields": ["lost_reason"]}}),
]


async def is_empty(uow: UnitOfWork) -> bool:
    n = (await uow.session.execute(select(func.count(col(User.id))))).scalar_one()
    return int(n) == 0


def _person(rng: random.Random) -> str:
    return rng.choice(D.SURNAMES) + rng.choice(D.GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "137", "136", "135", "159", "188", "186", "177", "152"]) + \
        "".join(str(rng.randint(0, 9)) for _ in range(8))


async def seed_demo(uow: UnitOfWork, *, seed: int = 7) -> dict[str, int]:
    """Fill an empty database with the demo company; returns row counts."""
    rng = random.Random(seed)
    now = uow.now
    s = uow.session

    regions = {}
    for name, provinces, cities in D.REGIONS:
        r = Region(name=name, provinces=provinces, cities=cities)
        s.add(r)
        regions[name] = r
    await s.flush()
    teams = {}
    for name, region, strategy, lines in D.TEAMS:
        t = Team(name=name, region_id=regions[region].id, strategy=strategy, product_lines=lines)
        s.add(t)
        teams[name] = t
    await s.flush()
    users: dict[str, User] = {}
    for name, login, role, team, manager in D.STAFF:
        u = User(login=login, name=name, role=role, team_id=teams[team].id if team else None,
                 manager_id=users[manager].id if manager else None, phone=_mobile(rng),
                 email=f"{login}@kangyuan-med.cn", created_at=now - timedelta(days=400))
        s.add(u)
        await s.flush()
        users[login] = u
        s.add(UserIdentity(user_id=u.id or 0, platform="console", platform_user_id=login,
                           chat_id=login))
        if role == "manager" and team:
            teams[team].manager_id = u.id
    users["wanglei"].leave_from = (now + timedelta(days=10)).date()
    users["wanglei"].leave_until = (now + timedelta(days=14)).date()
    reps = [u for u in users.values() if u.role == "rep"]
    team_reps: dict[int, list[User]] = {}
    for u in reps:
        team_reps.setdefault(u.team_id or 0, []).append(u)

    stages = {}
    for name, seq, won, lost, nxt, req in STAGES:
        st = Stage(name=name, sequence=seq, is_won=won, is_lost=lost, allowed_next=nxt,
                   requirements=req)
        s.add(st)
        stages[name] = st
    products = []
    for name, line, aliases, codes, price in D.PRODUCTS:
        p = Product(name=name, line=line, aliases=aliases, model_codes=codes,
                    list_price=float(price))
        s.add(p)
        products.append(p)
    await s.flush()

    # customers: named hospitals, district hospitals, factories
    rows: list[tuple[str, list[str], str, str, str, str | None, str]] = [
        (n, a, p, c, d, g, "hospital") for n, a, p, c, d, g in D.HOSPITALS]
    for prov, city, districts in D.DISTRICT_HOSPITALS:
        for district in districts:
            kind = rng.choice(D.HOSPITAL_KINDS)
            short = district.rstrip("区市县") if len(district) > 2 else district
            prefix = "" if city == "上海市" else city.rstrip("市")
            rows.append((f"{prefix}{district}{kind}", [f"{short}{kind[:2]}"], prov, city,
                         district, rng.choice(["二甲", "三乙", "二甲"]), "hospital"))
    used = {r[0] for r in rows}
    fac_cities = [("江苏省", "苏州市", "工业园区"), ("江苏省", "无锡市", "新吴区"),
                  ("江苏省", "常州市", "武进区"), ("浙江省", "宁波市", "北仑区"),
                  ("浙江省", "杭州市", "滨江区"), ("上海市", "上海市", "嘉定区")]
    while len(rows) < 150:
        prov, city, district = rng.choice(fac_cities)
        word, trade = rng.choice(D.FACTORY_WORDS), rng.choice(D.FACTORY_TRADES)
        name = f"{city.rstrip('市')}{word}{trade}有限公司"
        if name in used:
            continue
        used.add(name)
        rows.append((name, [f"{word}{trade[:2]}"], prov, city, district, None, "company"))

    def owner_for(province: str, kind: str) -> User:
        if kind == "company":
            return rng.choice(team_reps[teams["苏锡常设备组"].id or 0])
        if province in ("浙江省", "上海市"):
            return rng.choice(team_reps[teams["浙沪医疗组"].id or 0])
        return rng.choice(team_reps[teams["南京骨科组"].id or 0]
                          + team_reps[teams["苏锡常设备组"].id or 0][:1])

    customers: list[tuple[Customer, list[Contact]]] = []
    for i, (name, aliases, prov, city, district, grade, kind) in enumerate(rows):
        # the first rep (the console's default user) owns the Nanjing flagships
        owner = users[FIRST_REP_LOGIN] if i < 4 else owner_for(prov, kind)
        c = Customer(name=name, kind=kind, grade=grade, province=prov, city=city,
                     district=district, aliases=aliases, owner_id=owner.id,
                     industry="医疗" if kind == "hospital" else "制造业",
                     created_at=now - timedelta(days=rng.randint(60, 700)))
        s.add(c)
        await s.flush()
        contacts: list[Contact] = []
        if name in D.KEY_CONTACTS:
            person, dname, title, role, alias = D.KEY_CONTACTS[name]
            dep = Department(customer_id=c.id or 0, name=dname)
            s.add(dep)
            await s.flush()
            k = Contact(customer_id=c.id, department_id=dep.id, name=person, title=title,
                        decision_role=role, phone=_mobile(rng), aliases=[alias],
                        created_at=c.created_at)
            s.add(k)
            contacts.append(k)
        depts = [d for d in D.DEPARTMENTS["hospital" if kind == "hospital" else "company"]
                 if d[0] not in {x[1] for x in D.KEY_CONTACTS.values() if x}
                 or name not in D.KEY_CONTACTS]
        for dname, role, title in rng.sample(depts, k=rng.randint(2, 4)):
            dep = Department(customer_id=c.id or 0, name=dname)
            s.add(dep)
            await s.flush()
            person = _person(rng)
            suffix = title[-2:] if title[-2:] in TITLE_SUFFIXES else "总"
            alias = person[0] + ("总" if role == "总经理" else suffix)
            k = Contact(customer_id=c.id, department_id=dep.id, name=person, title=title,
                        decision_role=role, phone=_mobile(rng), aliases=[alias],
                        created_at=c.created_at)
            s.add(k)
            contacts.append(k)
        await s.flush()
        customers.append((c, contacts))

    # deals, follow-ups, tasks
    stage_names = ["初步接触", "需求确认", "方案演示", "合同谈判", "赢单", "输单"]
    weights = [25, 25, 20, 15, 10, 5]
    counts = {"deals": 0, "followups": 0, "tasks": 0, "leads": 0}
    medical = [p for p in products if p.line not in ("工业自动化",)]
    industrial = [p for p in products if p.line in ("工业自动化", "实验室设备")]
    by_name = {p.name: p for p in products}
    keyed = [x for x in customers if x[0].name in D.KEY_DEALS]
    others = [x for x in customers if x[0].name not in D.KEY_DEALS]
    for c, _contacts in keyed + rng.sample(others, k=110 - len(keyed)):
        product = rng.choice(medical if c.kind == "hospital" else industrial)
        stage_name = rng.choices(stage_names, weights)[0]
        if c.name in D.KEY_DEALS:             # the deals the README's examples talk about
            product_name, stage_name = D.KEY_DEALS[c.name]
            product = by_name[product_name]
        created = now - timedelta(days=rng.randint(10, 200))
        entered = created + timedelta(days=rng.randint(0, 9))
        qty = rng.randint(1, 40) if product.list_price and product.list_price < 100000 else 1
        deal = Deal(name=f"{c.name[:8]}·{product.name}", customer_id=c.id or 0,
                    owner_id=c.owner_id, stage_id=stages[stage_name].id or 0,
                    amount=round((product.list_price or 10000) * qty, -2),
                    products=[product.name], created_at=created, updated_at=entered,
                    stage_entered_at=entered,
                    expected_close=(now + timedelta(days=rng.randint(3, 90))).date(),
                    closed_at=entered if stage_name in ("赢单", "输单") else None,
                    lost_reason="选了竞品" if stage_name == "输单" else None)
        s.add(deal)
        await s.flush()
        s.add(StageHistory(deal_id=deal.id or 0, from_stage_id=None,
                           to_stage_id=stages["初步接触"].id or 0, moved_at=created,
                           moved_by=c.owner_id))
        if stage_name != "初步接触":
            previous = "合同谈判" if stage_name in ("赢单", "输单") else \
                stage_names[stage_names.index(stage_name) - 1]
            s.add(StageHistory(deal_id=deal.id or 0, from_stage_id=stages[previous].id,
                               to_stage_id=stages[stage_name].id or 0, moved_at=entered,
                               moved_by=c.owner_id, compliant=rng.random() > 0.2))
        counts["deals"] += 1
    for c, contacts in customers:
        for _ in range(rng.randint(0, 5)):
            channel, line, attitude, action = rng.choice(D.FOLLOWUP_LINES)
            contact = rng.choice(contacts)
            product = rng.choice(medical if c.kind == "hospital" else industrial)
            at = (now - timedelta(days=rng.randint(1, 60))).replace(
                hour=rng.randint(9, 17), minute=rng.choice([0, 15, 30, 45]), second=0,
                microsecond=0)
            fu = FollowUp(owner_id=c.owner_id or 0, customer_id=c.id, contact_id=contact.id,
                          channel=channel, attitude=attitude, next_action=action,
                          summary=line.format(contact=contact.name + (contact.title or ""),
                                              product=product.name),
                          products=[product.name], source="demo", occurred_at=at,
                          created_at=at)
            s.add(fu)
            counts["followups"] += 1
            if c.last_activity_at is None or at > c.last_activity_at:
                c.last_activity_at = at
        if rng.random() < 0.45:
            due = (now + timedelta(days=rng.randint(-3, 10))).replace(
                hour=rng.choice([9, 10, 14, 15]), minute=0, second=0, microsecond=0)
            s.add(Task(owner_id=c.owner_id or 0, customer_id=c.id,
                       title=f"{c.name}：{rng.choice(NEXT_STEPS)}",
                       due_at=due, has_time=True, remind_at=due - timedelta(minutes=30),
                       created_at=now - timedelta(days=2)))
            counts["tasks"] += 1
    await s.flush()

    statuses = (["new"] * 20 + ["assigned"] * 40 + ["claimed"] * 50 + ["contacted"] * 80
                + ["qualified"] * 40 + ["converted"] * 30 + ["dropped"] * 20 + ["pending"] * 20)
    for i, status in enumerate(statuses):
        c, contacts = rng.choice(customers)
        label, usrc, umedium = rng.choice(D.SOURCES)
        created = now - timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 10))
        person = _person(rng)
        product = rng.choice(products)
        owner_id = None if status in ("new", "pending") else c.owner_id
        lead = Lead(
            status=status, customer_id=c.id if status != "pending" else None,
            company=c.name if not (status == "pending" and i % 2) else None,
            owner_id=owner_id, team_id=None, name=person,
            title=rng.choice(["主任", "科长", "经理", "采购", "医生", "工程师"]),
            phone=_mobile(rng) if not (status == "pending" and i % 2 == 0) else None,
            province=c.province, city=c.city, district=c.district, product_text=product.name,
            product_line=product.line, budget=float(rng.choice([0, 5, 10, 20, 50, 100]) * 10000),
            message=rng.choice(["想了解价格", "请发一份资料", "科室有采购计划", "需要上门演示",
                                "咨询售后维保", ""]),
            source_channel=label, utm_source=usrc, utm_medium=umedium,
            utm_campaign="2026秋季推广" if usrc in ("baidu", "wechat") else None,
            raw_payload={"company": c.name, "name": person}, score=rng.randint(15, 95),
            invalid_reasons=["缺少电话和邮箱"] if status == "pending" and i % 2 == 0 else
            (["缺少单位名称"] if status == "pending" else []),
            created_at=created, updated_at=created,
            assigned_at=created + timedelta(minutes=rng.randint(1, 30)) if owner_id else None,
            claimed_at=created + timedelta(hours=1) if status in
            ("claimed", "contacted", "qualified", "converted") else None,
            first_contacted_at=created + timedelta(hours=rng.randint(1, 80)) if status in
            ("contacted", "qualified", "converted") else None,
            last_activity_at=created + timedelta(hours=rng.randint(1, 200)),
            assignment_reason=f"客户「{c.name}」的负责人" if owner_id else None,
        )
        if lead.last_activity_at and lead.last_activity_at > now:
            lead.last_activity_at = now
        lead.grade = "red" if lead.score < 40 else "yellow" if lead.score < 70 else "green"
        s.add(lead)
        await s.flush()
        s.add(LeadEvent(lead_id=lead.id, kind="created", at=created,
                        detail={"channel": label, "demo": True}))
        counts["leads"] += 1
    s.add(ConfigEntry(key="campaign_costs", value=D.CAMPAIGN_COSTS, updated_at=now))
    s.add(ConfigEntry(key="business_hours",
                      value={"tz": "Asia/Shanghai",
                             "hours": [["09:00", "12:00"], ["13:30", "18:00"]]},
                      updated_at=now))
    uow.audit("demo.seed", "system", "demo", after=dict(counts))
    await uow.commit()
    counts["customers"] = len(customers)
    counts["users"] = len(users)
    counts["products"] = len(products)
    return counts


