"""Routing benchmark: a simulated month, the service on SQLite, and 50 concurrent grabs on
PostgreSQL.

    .venv/bin/python benchmarks/routing.py [--leads 10000] [--seed 7] [--no-db] [--no-pg]

1. Simulated month (pure policy, in memory): 10 000 leads over 30 days from free-text
   addresses (Jiangsu 33 %, Zhejiang 22 %, Shanghai 14 %, Anhui 10 %, elsewhere 19 %, spam
   2 %), six product lines, budgets; 12 reps in four teams with different regions, daily and
   open caps and leave days; leads close after 2–9 days. Prints the routing decision time
   (median / p99, region resolution included), the leads left unassigned (must be 0 except
   the explicit spam → pool rule, or the pool with its reason when every target is full)
   and the load balance index per strategy (Jain's index of
   assigned ÷ capacity, see docs/routing.md; 1.0 = perfectly even relative to capacity).
2. The service on SQLite: `route_new_lead` inside intake for 300 leads (queries included).
3. PostgreSQL (127.0.0.1:5432): 50 concurrent `grab_offer` calls on one offer, 5 rounds.
4. Issue 15: the lead health grade distribution on the demo company (open leads, scored at
   the demo's instant and after a nightly rescoring a day later) and on a 10 000-lead
   synthetic company (statuses, ages, completeness and sources as below), with the reds'
   first reasons; and the share of the simulated month's leads that would change team for a
   sample rule change ("大单: budget ≥ 1 000 000 → 全国组" first), computed by the same code as
   the /管理 preview (`crm_core.services.routing_preview.compare`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy.dialects.postgresql  # noqa: F401

from crm_core.policies import region as regions
from crm_core.policies.routing import (
    Conditions,
    LeadFacts,
    RepState,
    RoutingConfig,
    Rule,
    TeamState,
    decide,
)

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 2)
DAYS = 30
PLACES = [  # (weight, free-text addresses)
    (33, ["南京鼓楼区中山路", "苏州工业园区", "无锡滨湖区", "常州武进", "南通崇川区", "徐州泉山区",
          "扬州邗江", "江苏省镇江市京口区"]),
    (22, ["杭州萧山", "宁波北仑区", "温州鹿城区", "绍兴柯桥", "浙江省嘉兴市南湖区", "台州椒江"]),
    (14, ["上海浦东张江", "上海徐汇区", "上海市闵行区", "上海嘉定"]),
    (10, ["合肥蜀山区", "芜湖镜湖区", "安徽省蚌埠市", "安庆迎江"]),
    (19, ["山东济南历下区", "北京朝阳区", "广东省深圳市南山区", "成都武侯区", "武汉洪山区",
          "福建福州鼓楼区", "江西南昌", "河南郑州金水区"]),
]
LINES = [("脊柱类", 25), ("关节类", 20), ("创伤类", 15), ("微创外科", 15), ("影像", 15),
         ("监护与急救", 10)]
SOURCES = [("web", 55), ("exhibition", 15), ("referral", 10), ("import", 15), ("ads", 5)]
# (id, name, team, daily cap, open cap, leave days in the month, won 30 d, conversion)
REPS = [
    (1, "张伟", 1, 40, 300, 3, 300_000, 0.30), (2, "王磊", 1, 35, 260, 0, 120_000, 0.20),
    (3, "李娜", 1, 45, 320, 5, 500_000, 0.35), (4, "赵敏", 1, 40, 280, 2, 80_000, 0.15),
    (5, "胡杰", 2, 40, 300, 0, 700_000, 0.40), (6, "郭强", 2, 30, 250, 4, 200_000, 0.25),
    (7, "林峰", 2, 45, 320, 3, 50_000, 0.10), (8, "高洁", 2, 40, 280, 0, 350_000, 0.30),
    (9, "孙浩", 3, 25, 200, 2, 150_000, 0.20), (10, "吴静", 3, 30, 220, 0, 90_000, 0.25),
    (11, "徐明", 4, 45, 320, 6, 400_000, 0.30), (12, "马丽", 4, 40, 300, 1, 100_000, 0.20),
]
TEAMS = {1: ("江苏组", "round_robin"), 2: ("浙沪组", "weighted"), 3: ("安徽组", "weighted"),
         4: ("全国组", "weighted")}
RULES = (
    Rule(1, "无效来源", Conditions(source_channels=("spam",)), "pool"),
    Rule(2, "江苏·脊柱类", Conditions(provinces=("江苏省",), product_lines=("脊柱类",)), "team", 1),
    Rule(3, "江苏", Conditions(provinces=("江苏省",)), "team", 1),
    Rule(4, "浙沪", Conditions(provinces=("浙江省", "上海市")), "team", 2),
    Rule(5, "安徽", Conditions(provinces=("安徽省",)), "team", 3),
    Rule(9, "兜底·全国", target_kind="team", target_id=4, is_fallback=True),
)


def pick(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([x for x, _ in items], [w for _, w in items])[0]


def simulate(n_leads: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    leave: dict[int, set[date]] = {}
    for rid, *_rest, days_off, _won, _conv in REPS:
        first = rng.randrange(0, DAYS - days_off) if days_off else 0
        leave[rid] = {START + timedelta(days=first + i) for i in range(days_off)}
    open_until: dict[int, list[date]] = defaultdict(list)      # rep → close dates
    assigned: Counter[int] = Counter()
    per_day = n_leads // DAYS
    timings: list[float] = []
    resolve_t: list[float] = []
    outcomes: Counter[str] = Counter()
    lost_why: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    last_rr: dict[int, int | None] = dict.fromkeys(TEAMS)
    lead_no = 0
    for d in range(DAYS):
        day = START + timedelta(days=d)
        today: Counter[int] = Counter()
        for rid in open_until:
            open_until[rid] = [x for x in open_until[rid] if x > day]
        for _ in range(per_day + (1 if d < n_leads % DAYS else 0)):
            lead_no += 1
            spam = rng.random() < 0.02
            group = rng.choices(PLACES, [w for w, _ in PLACES])[0][1]
            address = rng.choice(group)
            t0 = time.perf_counter_ns()
            place = regions.resolve(address)
            t1 = time.perf_counter_ns()
            facts = LeadFacts(
                lead_id=lead_no, province=place.province, city=place.city,
                district=place.district, product_lines=(pick(rng, LINES),),
                budget=rng.choice([None, 50_000, 200_000, 1_500_000]),
                source_channel="spam" if spam else pick(rng, SOURCES), score=rng.randint(10, 95))
            reps = {rid: RepState(
                rid, name, team, True, day in leave[rid], len(open_until[rid]), open_cap,
                today[rid], cap, 0, won, {"*": conv, facts.product_lines[0]: conv},
                rng.random() < 0.4)
                for rid, name, team, cap, open_cap, _l, won, conv in REPS}
            teams = {tid: TeamState(tid, name, strategy,
                                    tuple(r[0] for r in REPS if r[2] == tid), last_rr[tid])
                     for tid, (name, strategy) in TEAMS.items()}
            t2 = time.perf_counter_ns()
            dec = decide(facts, RoutingConfig(RULES), teams, reps)
            t3 = time.perf_counter_ns()
            timings.append((t3 - t2 + t1 - t0) / 1e6)
            resolve_t.append((t1 - t0) / 1e6)
            owner = dec.owner_id
            if dec.kind == "offer":       # someone among the best 3 taps first
                owner = rng.choices(dec.candidates, [0.5, 0.3, 0.2][:len(dec.candidates)])[0]
            outcomes[dec.kind if owner is None else "assigned"] += 1
            reasons[dec.reason.split(";")[0]] += 1
            if owner is None:
                # the pool by the explicit rule, or with its reason (managers told in a
                # batch) when nobody could take it; "LOST" would be a lead with neither
                kind = "pool_by_rule" if dec.rule_id == 1 else \
                    "pool_with_reason" if dec.kind == "pool" and dec.admin_notice else "LOST"
                outcomes[kind] += 1
                if dec.rule_id != 1:
                    lost_why[str(dec.admin_notice)[:60]] += 1
                continue
            assigned[owner] += 1
            today[owner] += 1
            open_until[owner].append(day + timedelta(days=rng.randint(2, 9)))
            team = reps[owner].team_id
            if team is not None:
                last_rr[team] = owner
    capacity = {rid: cap * (DAYS - len(leave[rid])) for rid, _n, _t, cap, *_ in REPS}
    by_team: dict[int, list[float]] = defaultdict(list)
    for rid, _n, team, *_ in REPS:
        by_team[team].append(assigned[rid] / capacity[rid])
    weighted = [x for t, xs in by_team.items() if TEAMS[t][1] == "weighted" for x in xs]
    return {
        "lost_why": lost_why, "timings": timings, "resolve": resolve_t, "outcomes": outcomes,
        "reasons": reasons,
        "assigned": assigned, "capacity": capacity, "by_team": by_team,
        "jain_weighted_teams": {TEAMS[t][0]: jain(xs) for t, xs in by_team.items()
                                if TEAMS[t][1] == "weighted"},
        "jain_rr_teams": {TEAMS[t][0]: jain(xs) for t, xs in by_team.items()
                          if TEAMS[t][1] == "round_robin"},
        "jain_weighted_all": jain(weighted),
    }


NEW_RULES = (Rule(20, "大单", Conditions(budget_min=1_000_000), "team", 4), *RULES)


def rule_change_share(n_leads: int, seed: int) -> tuple[int, int, dict[str, int]]:
    """(leads, leads that would change, moves) for NEW_RULES vs RULES on a fresh state."""
    from crm_core.services.routing_preview import compare

    rng = random.Random(seed)
    facts = []
    for i in range(n_leads):
        place = regions.resolve(rng.choice(rng.choices(PLACES, [w for w, _ in PLACES])[0][1]))
        facts.append((LeadFacts(
            lead_id=i + 1, province=place.province, city=place.city, district=place.district,
            product_lines=(pick(rng, LINES),),
            budget=rng.choice([None, 50_000, 200_000, 1_500_000]),
            source_channel=pick(rng, SOURCES), score=rng.randint(10, 95)), f"医院{i}"))
    reps = {rid: RepState(rid, name, team, max_open_leads=open_cap, max_daily_leads=cap)
            for rid, name, team, cap, open_cap, *_ in REPS}
    teams = {tid: TeamState(tid, name, strategy, tuple(r[0] for r in REPS if r[2] == tid))
             for tid, (name, strategy) in TEAMS.items()}
    p = compare(facts, RoutingConfig(RULES), RoutingConfig(NEW_RULES), teams, reps)
    return p.total, p.changed, p.moves


def synthetic_grades(n: int, seed: int) -> tuple[Counter[str], Counter[str]]:
    """Grade counts and the reds' first reasons for `n` synthetic open leads."""
    from crm_core.policies import scoring

    rng = random.Random(seed)
    now = datetime(2026, 3, 31, 9, tzinfo=TZ)
    grades: Counter[str] = Counter()
    red_why: Counter[str] = Counter()
    statuses = [("new", 10), ("assigned", 20), ("claimed", 15), ("contacted", 35),
                ("qualified", 15), ("converted", 5)]
    for _ in range(n):
        status = pick(rng, statuses)
        idle = rng.expovariate(1 / 4.0) if status in ("contacted", "qualified") else \
            rng.expovariate(1 / 1.5)
        fields = {k: ("x" if rng.random() < p else None) for k, p in (
            ("name", 0.95), ("phone", 0.93), ("email", 0.4), ("company", 0.9),
            ("title", 0.6), ("product", 0.75), ("budget", 0.3), ("province", 0.85))}
        raw = {"page_dwell_seconds": rng.randint(10, 600), "downloads": rng.randint(0, 2)} \
            if rng.random() < 0.3 else {}
        inp = scoring.ScoreInput(
            fields=fields, source_channel=pick(rng, SOURCES), raw=raw, status=status,
            followups=rng.randint(1, 5) if status in ("contacted", "qualified") else 0,
            created_at=now - timedelta(days=idle + 1),
            last_activity_at=now - timedelta(days=idle))
        got = scoring.score_lead(inp, now)
        grades[got.grade] += 1
        if got.grade == "red":
            red_why[got.reasons[0].split("天")[-1] if got.reasons else "?"] += 1
    return grades, red_why


async def demo_grades() -> list[tuple[str, Counter[str], Counter[str]]]:
    """The demo company's open leads by grade: as seeded, and after a nightly rescoring."""
    import sqlalchemy as sa

    from crm_core.clock import FrozenClock
    from crm_core.db import Database, migrate
    from crm_core.demo.seed import seed_demo
    from crm_core.models import Lead
    from crm_core.models.pipeline import OPEN_LEAD_STATUSES
    from crm_core.services import scoring as scoring_service
    from crm_core.uow import UnitOfWork

    tmp = Path(tempfile.mkdtemp()) / "demo.db"
    url = f"sqlite:///{tmp}"
    migrate(url)
    db = Database(url)
    clock = FrozenClock(datetime(2026, 3, 2, 9, tzinfo=TZ))
    out = []
    async with UnitOfWork(db, clock) as uow:
        await seed_demo(uow)
        await uow.commit()
    for label, days in (("rescored at seeding", 0), ("after the nightly rescoring", 1)):
        clock.set(datetime(2026, 3, 2, 9, tzinfo=TZ) + timedelta(days=days, hours=17))
        async with UnitOfWork(db, clock) as uow:
            await scoring_service.rescore_all(uow)
        async with UnitOfWork(db, clock) as uow:
            rows = (await uow.session.execute(sa.select(Lead.grade, Lead.score_reasons).where(
                Lead.status.in_(OPEN_LEAD_STATUSES)))).all()  # type: ignore[attr-defined]
        grades = Counter(str(g) for g, _ in rows)
        why = Counter(str((r or ["?"])[0]).split("天")[-1] for g, r in rows if g == "red")
        out.append((label, grades, why))
    await db.dispose()
    return out


def show_grades(label: str, grades: Counter[str], why: Counter[str]) -> None:
    n = sum(grades.values()) or 1
    print(f"{label}: " + ", ".join(f"{g} {grades[g]} ({grades[g] / n:.0%})"
                                   for g in ("green", "yellow", "red"))
          + (f"; reds' first reason: {dict(why.most_common(3))}" if why else ""))


def jain(xs: list[float]) -> float:
    """Jain's fairness index: (Σx)² / (n·Σx²); 1.0 when every x is equal."""
    if not xs or not any(xs):
        return 1.0
    return sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


async def service_on_sqlite(n: int) -> list[float]:
    from crm_core.clock import FrozenClock
    from crm_core.db import Database, migrate
    from crm_core.models import Product, Region, Team, User
    from crm_core.services import intake
    from crm_core.uow import UnitOfWork

    tmp = Path(tempfile.mkdtemp()) / "routing.db"
    url = f"sqlite:///{tmp}"
    migrate(url)
    db = Database(url)
    clock = FrozenClock(datetime(2026, 3, 2, 9, tzinfo=TZ))
    async with UnitOfWork(db, clock) as uow:
        reg = Region(name="华东", provinces=["江苏省", "浙江省", "上海市", "安徽省"])
        uow.add(reg)
        await uow.flush()
        for tid, (name, strategy) in TEAMS.items():
            uow.add(Team(id=tid, name=name, strategy=strategy, region_id=reg.id,
                         product_lines=[line for line, _ in LINES][tid - 1:tid + 1]))
        await uow.flush()
        for rid, name, team, cap, open_cap, *_ in REPS:
            uow.add(User(id=rid, login=f"rep{rid}", name=name, team_id=team,
                         max_daily_leads=cap * 10, max_open_leads=open_cap * 10))
        for line, _ in LINES:
            uow.add(Product(name=f"{line}产品", line=line))
        await uow.commit()
    rng = random.Random(1)
    times: list[float] = []
    for i in range(n):
        group = rng.choices(PLACES, [w for w, _ in PLACES])[0][1]
        payload = {"company": f"第{i}人民医院", "name": "张主任", "phone": f"139{i:08d}",
                   "address": rng.choice(group), "product": f"{pick(rng, LINES)}产品"}
        t0 = time.perf_counter()
        async with UnitOfWork(db, clock) as uow:
            await intake.intake_lead(uow, payload)
        times.append((time.perf_counter() - t0) * 1000)
    await db.dispose()
    return times


async def grabs_on_postgres(rounds: int) -> list[tuple[int, int, float]]:
    from sqlalchemy import text

    from crm_core.clock import FrozenClock
    from crm_core.db import Database, migrate
    from tests.integration.routing.test_postgres_grab import grab_all, make_offer

    admin = Database("postgresql://postgres@127.0.0.1:5432/test")
    async with admin.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("DROP DATABASE IF EXISTS crmbot_routing_bench WITH (FORCE)"))
        await conn.execute(text("CREATE DATABASE crmbot_routing_bench"))
    await admin.dispose()
    url = "postgresql://postgres@127.0.0.1:5432/crmbot_routing_bench"
    await asyncio.to_thread(migrate, url)
    out: list[tuple[int, int, float]] = []
    db = Database(url)
    clock = FrozenClock(datetime(2026, 3, 2, 9, tzinfo=TZ))
    for r in range(rounds):
        offer_id, users = await make_offer(db, clock, 50, tag=str(r))
        t0 = time.perf_counter()
        winners, losers = await grab_all(db, clock, offer_id, users)
        out.append((len(winners), losers, (time.perf_counter() - t0) * 1000))
    await db.dispose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-db", action="store_true", help="skip the SQLite service run")
    ap.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL grab run")
    args = ap.parse_args()

    regions.table()                    # load the region table once, outside the timings
    r = simulate(args.leads, args.seed)
    timings: list[float] = r["timings"]  # type: ignore[assignment]
    outcomes: Counter[str] = r["outcomes"]  # type: ignore[assignment]
    print(f"== simulated month: {args.leads} leads, 12 reps, {DAYS} days (seed {args.seed})")
    print(f"routing decision (region resolution + rules + strategy): "
          f"median {statistics.median(timings):.3f} ms, p99 {pct(timings, 0.99):.3f} ms "
          f"(region resolution alone median "
          f"{statistics.median(r['resolve']):.3f} ms)")  # type: ignore[arg-type]
    print(f"outcomes: assigned {outcomes['assigned']}, pool by explicit rule "
          f"{outcomes['pool_by_rule']}, pool with its reason (nobody could take it; managers "
          f"told in one batch) {outcomes['pool_with_reason']}, lost {outcomes['LOST']}")
    if outcomes["pool_with_reason"] or outcomes["LOST"]:
        print("why not assigned:", dict(r["lost_why"].most_common(3)))  # type: ignore[attr-defined]
    print("top reasons: " + "; ".join(f"{k} ×{v}" for k, v in
                                      r["reasons"].most_common(6)))  # type: ignore[attr-defined]
    assigned: Counter[int] = r["assigned"]  # type: ignore[assignment]
    capacity: dict[int, int] = r["capacity"]  # type: ignore[assignment]
    print("per rep (assigned / capacity-in-month = utilisation):")
    for rid, name, team, *_ in REPS:
        print(f"  {name} [{TEAMS[team][0]}/{TEAMS[team][1]}] {assigned[rid]:5d} / "
              f"{capacity[rid]:4d} = {assigned[rid] / capacity[rid]:.2f}")
    for k, v in r["jain_weighted_teams"].items():  # type: ignore[attr-defined]
        print(f"load balance index (weighted, {k}): {v:.3f}")
    for k, v in r["jain_rr_teams"].items():  # type: ignore[attr-defined]
        print(f"load balance index (round robin, {k}): {v:.3f}")
    print(f"load balance index (weighted strategy, all its reps): "
          f"{r['jain_weighted_all']:.3f}")
    ok = statistics.median(timings) <= 1.0 and outcomes["LOST"] == 0 and \
        float(r["jain_weighted_all"]) >= 0.9  # type: ignore[arg-type]

    print("== lead health grades (issue 15)")
    grades, why = synthetic_grades(10_000, args.seed)
    show_grades("synthetic company, 10 000 open leads", grades, why)
    ok = ok and grades["red"] / sum(grades.values()) <= 0.2
    if not args.no_db:
        for label, g, w in asyncio.run(demo_grades()):
            show_grades(f"demo company, {label}", g, w)
            ok = ok and g["red"] / max(1, sum(g.values())) <= 0.2
    total, changed, moves = rule_change_share(args.leads, args.seed)
    print(f"== sample rule change (大单: budget >= 1 000 000 → 全国组, first): {changed} of "
          f"{total} leads would change team ({changed / max(total, 1):.1%}); "
          + "; ".join(f"{k} {v}" for k, v in sorted(moves.items(), key=lambda kv: -kv[1])[:3]))

    if not args.no_db:
        times = asyncio.run(service_on_sqlite(300))
        print(f"== service on SQLite (intake + scoring + routing, one transaction each, "
              f"300 leads): median {statistics.median(times):.2f} ms, "
              f"p99 {pct(times, 0.99):.2f} ms")
        from crm_core.services import routing as routing_service

        real = routing_service.route_new_lead

        async def no_routing(uow: Any, lead: Any, on_insert: Any = None
                             ) -> routing_service.RoutingOutcome:
            uow.add(lead)                   # what routing does besides deciding: insert it
            await uow.flush()
            if on_insert is not None:
                on_insert()
            return routing_service.RoutingOutcome()

        routing_service.route_new_lead = no_routing  # type: ignore[assignment]
        try:
            base = asyncio.run(service_on_sqlite(300))
        finally:
            routing_service.route_new_lead = real  # type: ignore[assignment]
        print(f"   same intake with routing switched off (baseline on this machine now): "
              f"median {statistics.median(base):.2f} ms")
    if not args.no_pg:
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        except OSError as e:
            print(f"== PostgreSQL: skipped, 127.0.0.1:5432 does not answer ({e})")
        else:
            rounds = asyncio.run(grabs_on_postgres(5))
            for i, (w, lost, ms) in enumerate(rounds, 1):
                print(f"== PostgreSQL round {i}: 50 concurrent grabs → {w} winner, "
                      f"{lost} told '已被抢走', {ms:.0f} ms")
            ok = ok and all(w == 1 for w, _, _ in rounds)
    print("RESULT:", "all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
