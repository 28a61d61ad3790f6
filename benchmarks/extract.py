"""Extractor benchmark: scores on every labelled set, time fields vs jionlp / dateparser, speed.

    .venv/bin/python benchmarks/extract.py [--data /work/shared/nlp] [--skip-baselines]
                                           [--customers 5000] [--rounds 20] [--no-speed]

(1) every labelled set with its own catalog, scored field by field with the logic of
    score.py (imported from the data folder), side by side: dev (medical devices, the set
    the extractor was first tuned on), dev2 (six other industries), industries (523
    messages over thirty-three catalogs of tests/unit/nlp: education, agriculture, labs,
    software, construction, hotel linen, veterinary, forklifts, office furniture, canteen
    food, water treatment, HR software, waterproofing, access control, packaging, beverage
    distribution, corporate training, environmental monitoring, industrial gases, testing,
    landscaping, pet food, fire safety, managed printing, liquor, cement, restaurant POS,
    car rental, warehousing, fertilizer; and three dev2-style catalogs of five more each) and
    fresh (60 held-out messages, elevator maintenance, labelled before the extractor ever
    ran on them: benchmarks/data/README.md);
(2) next_date / next_time on dev and dev2: ours vs `jionlp.ner.extract_time` vs
    `dateparser.search.search_dates`, both mapped onto the conventions (last future
    expression is the next step, a clock time only when one is said);
(3) speed: median / p95 ms per message on one core after warm-up with a synthetic catalog
    of 5 000 customers, and cold start (import + catalog build + first message) in a fresh
    subprocess; also the worst cold start, a first message that needs both lazy loads
    (jieba's dictionary for a full name before a title, dateparser for an English date).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import Catalog, Extractor  # noqa: E402

CLOCK_MARK = re.compile(r"[点时:：]")
FIELDS = ["intent", "customer", "contact", "products", "channel", "attitude", "next_action",
          "next_date", "next_time", "obstacle", "phone", "stage"]


def load_score(data: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score", data / "score.py")
    assert spec
    assert spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@dataclass
class LabelledSet:
    name: str
    items: list[tuple[Extractor, dict[str, Any], dict[str, Any]]]   # extractor, message, gold


def _catalog(path: Path) -> Catalog:
    return Catalog.from_dict(json.loads(path.read_text(encoding="utf-8")))


def labelled_sets(data: Path) -> list[LabelledSet]:
    """dev, dev2, industries and fresh, each message with its own catalog's extractor."""
    out: list[LabelledSet] = []
    for name, folder, stem in (("dev", data, "dev"), ("dev2", data / "dev2", "dev2")):
        ex = Extractor(_catalog(folder / f"{stem}_catalog.json"))
        gold = {g["id"]: g for g in read_jsonl(folder / f"{stem}_gold.jsonl")}
        out.append(LabelledSet(name, [(ex, m, gold[m["id"]])
                                      for m in read_jsonl(folder / f"{stem}.jsonl")]))
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "nlp"))
    import industries  # the test catalogs (tests/unit/nlp/industries.py)

    tests = ROOT / "tests" / "unit" / "nlp" / "data"
    exs = {k: Extractor(industries.catalog(k)) for k in industries.INDUSTRIES}
    rows = read_jsonl(tests / "industries.jsonl")
    for n in (2, 3, 4, 5, 6, 7, 8, 9, 10):
        more = json.loads((tests / f"industries{n}_catalogs.json").read_text(encoding="utf-8"))
        exs.update({k: Extractor(Catalog.from_dict(v)) for k, v in more.items()})
        rows += read_jsonl(tests / f"industries{n}.jsonl")
    out.append(LabelledSet("industries", [(exs[r["industry"]], r, {"id": r["id"], **r["gold"]})
                                          for r in rows]))
    fresh = ROOT / "benchmarks" / "data"
    ex = Extractor(_catalog(fresh / "fresh_elevator_catalog.json"))
    gold = {g["id"]: g for g in read_jsonl(fresh / "fresh_elevator_gold.jsonl")}
    out.append(LabelledSet("fresh", [(ex, m, gold[m["id"]])
                                     for m in read_jsonl(fresh / "fresh_elevator.jsonl")]))
    return out


# ------------------------------------------------------------------ (1) scores
def score_sets(data: Path, sets: list[LabelledSet]) -> None:
    score = load_score(data)
    print("== (1) field accuracy and fully correct records, each set with its own catalog")
    table: dict[str, dict[str, float]] = {}
    misses: dict[str, list[str]] = {}
    for ls in sets:
        ok = dict.fromkeys(FIELDS, 0)
        full = 0
        bad: list[str] = []
        for ex, msg, gold in ls.items:
            rec = ex.extract(msg["text"], datetime.fromisoformat(msg["now"])).contract()
            wrong = [f for f in FIELDS if score.norm(f, gold.get(f)) != score.norm(f, rec[f])]
            for f in FIELDS:
                ok[f] += f not in wrong
            full += not wrong
            bad += [f"{msg['id']} {f}: {score.show(score.norm(f, gold.get(f)))} -> "
                    f"{score.show(score.norm(f, rec[f]))}" for f in wrong]
        size = len(ls.items)
        table[ls.name] = {**{f: ok[f] / size for f in FIELDS}, "fully correct": full / size,
                          "n": size}
        misses[ls.name] = bad
    names = [ls.name for ls in sets]
    print(f"{'':<14}" + "".join(f"{name:>12}" for name in names))
    print(f"{'messages':<14}" + "".join(f"{int(table[name]['n']):>12}" for name in names))
    for f in [*FIELDS, "fully correct"]:
        print(f"{f:<14}" + "".join(f"{table[name][f]:>12.3f}" for name in names))
    for name in names:
        if misses[name]:
            print(f"-- {name}: {len(misses[name])} wrong fields: " + "; ".join(misses[name][:12]))


# ------------------------------------------------------------------ (2) time fields
def ours_time(ex: Extractor, text: str, now: datetime) -> tuple[str | None, str | None]:
    rec = ex.extract(text, now)
    return rec.next_date, rec.next_time


def jionlp_time(jio: Any, text: str, now: datetime) -> tuple[str | None, str | None]:
    try:
        ents = jio.ner.extract_time(text, time_base=now.timestamp(), with_parsing=True)
    except Exception:
        return None, None
    best: tuple[str | None, str | None] = (None, None)
    for e in ents:
        det = e.get("detail") or {}
        if det.get("type") not in ("time_point", "time_span"):
            continue
        try:
            start = datetime.fromisoformat(str(det["time"][0]))
        except (KeyError, ValueError, TypeError, IndexError):
            continue
        clock = bool(CLOCK_MARK.search(e.get("text", "")))
        if start.date() < now.date():
            continue
        if start.date() == now.date() and clock and start.time() <= now.time().replace(tzinfo=None):
            continue
        best = (start.date().isoformat(), start.strftime("%H:%M") if clock else None)
    return best


def dateparser_time(search: Any, text: str, now: datetime) -> tuple[str | None, str | None]:
    base = now.replace(tzinfo=None)
    try:
        found = search.search_dates(
            text, languages=["zh"],
            settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future",
                      "RETURN_AS_TIMEZONE_AWARE": False},
        ) or []
    except Exception:
        return None, None
    # merge a time-of-day piece into the date piece just before it ('下周' + '下午2:30')
    merged: list[tuple[str, datetime, bool]] = []
    for sub, dt in found:
        clock = bool(CLOCK_MARK.search(sub))
        dateish = bool(re.search(r"[天周月号日礼拜星期]|\d+[-/]\d+", sub))
        if clock and not dateish and merged and not merged[-1][2]:
            psub, pdt, _ = merged[-1]
            merged[-1] = (psub + sub, pdt.replace(hour=dt.hour, minute=dt.minute), True)
        else:
            merged.append((sub, dt, clock))
    best: tuple[str | None, str | None] = (None, None)
    for _sub, dt, clock in merged:
        if dt.date() < base.date():
            continue
        if dt.date() == base.date() and clock and dt <= base:
            continue
        best = (dt.date().isoformat(), dt.strftime("%H:%M") if clock else None)
    return best


def time_comparison(sets: list[LabelledSet], skip: bool) -> None:
    systems: dict[str, Any] = {}
    if not skip:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            import dateparser.search as dps
            import jionlp as jio
        systems["jionlp"] = lambda ex, t, n: jionlp_time(jio, t, n)
        systems["dateparser"] = lambda ex, t, n: dateparser_time(dps, t, n)
    systems = {"ours": lambda ex, t, n: ours_time(ex, t, n), **systems}
    print("\n== (2) next_date / next_time / both, accuracy on each set's messages")
    print(f"{'set':<8}{'system':<12}{'next_date':>11}{'next_time':>11}{'both':>9}")
    for ls in sets:
        if ls.name not in ("dev", "dev2"):
            continue
        n = len(ls.items)
        for name, fn in systems.items():
            ok = {"next_date": 0, "next_time": 0, "both": 0}
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                for ex, m, g in ls.items:
                    d, t = fn(ex, m["text"], datetime.fromisoformat(m["now"]))
                    ok["next_date"] += d == g["next_date"]
                    ok["next_time"] += t == g["next_time"]
                    ok["both"] += d == g["next_date"] and t == g["next_time"]
            print(f"{ls.name:<8}{name:<12}" + "".join(
                f"{ok[k] / n:>{w}.3f}" for k, w in (("next_date", 11), ("next_time", 11),
                                                    ("both", 9))))


# ------------------------------------------------------------------ (3) speed
CITIES = {
    "南京": "江苏省", "苏州": "江苏省", "无锡": "江苏省", "常州": "江苏省", "南通": "江苏省",
    "徐州": "江苏省", "扬州": "江苏省", "镇江": "江苏省", "泰州": "江苏省", "盐城": "江苏省",
    "淮安": "江苏省", "宿迁": "江苏省", "连云港": "江苏省", "杭州": "浙江省", "宁波": "浙江省",
    "温州": "浙江省", "绍兴": "浙江省", "嘉兴": "浙江省", "湖州": "浙江省", "金华": "浙江省",
    "台州": "浙江省", "合肥": "安徽省", "芜湖": "安徽省", "蚌埠": "安徽省", "安庆": "安徽省",
    "济南": "山东省", "青岛": "山东省", "烟台": "山东省", "郑州": "河南省", "洛阳": "河南省",
    "武汉": "湖北省", "长沙": "湖南省", "广州": "广东省", "深圳": "广东省", "东莞": "广东省",
    "佛山": "广东省", "成都": "四川省", "西安": "陕西省", "福州": "福建省", "厦门": "福建省",
}
BRAND_CHARS = ("华恒泰达远盛鑫源创新科瑞博通联宏兴隆丰嘉信安康德利凯捷锐精宇中正海川明光辉永成金星"
               "辰云峰美佳豪伟富昌晨阳东升和润卓越聚力诚威铭澜启航众合同益弘毅航凌峻岳")
INDUSTRIES = ("精密机械", "自动化设备", "电子科技", "智能装备", "汽车零部件", "包装机械",
              "新材料", "电气", "传动科技", "模具", "纺织机械", "医疗器械", "塑胶制品",
              "五金制品", "环保科技")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红海峰文斌立新晓东光俊"
TITLES = (("骨科主任", "主任"), ("设备科科长", "科长"), ("总经理", "总"), ("技术总监", "工"),
          ("厂长", "厂长"), ("院长", "院长"), ("采购经理", "经理"))


def synthetic_catalog(base: dict[str, Any], n: int, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    customers = list(base["customers"])
    contacts = list(base["contacts"])
    names = {c["name"] for c in customers}
    cities = list(CITIES)
    while len(customers) < n:
        city = rnd.choice(cities)
        region = f"{CITIES[city]}{city}市"
        if rnd.random() < 0.35:
            kind = rnd.random()
            if kind < 0.4:
                k = rnd.randint(1, 9)
                num = "一二三四五六七八九"[k - 1]
                name = f"{city}市第{num}人民医院"
                aliases = [f"{city}{num}院"]
            elif kind < 0.7:
                dist = rnd.choice(BRAND_CHARS) + rnd.choice(BRAND_CHARS)
                name = f"{city}市{dist}区人民医院"
                aliases = [f"{dist}人民医院"]
            else:
                dist = rnd.choice(BRAND_CHARS) + rnd.choice(BRAND_CHARS)
                name = f"{city}{dist}医院"
                aliases = [f"{dist}医院"]
        else:
            brand = rnd.choice(BRAND_CHARS) + rnd.choice(BRAND_CHARS)
            ind = rnd.choice(INDUSTRIES)
            name = f"{city}{brand}{ind}有限公司"
            aliases = [f"{brand}{ind}", f"{brand}{ind[:2]}"]
        if name in names:
            continue
        names.add(name)
        customers.append({"name": name, "aliases": aliases, "region": region})
        for _ in range(rnd.randint(1, 2)):
            sur = rnd.choice(SURNAMES)
            given = "".join(rnd.choice(GIVEN) for _ in range(rnd.randint(1, 2)))
            title, short = rnd.choice(TITLES)
            contacts.append({"name": sur + given, "customer": name, "title": title,
                             "aliases": [sur + short]})
    out = dict(base)
    out["customers"] = customers
    out["contacts"] = contacts
    return out


def pin_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to one core"
    except (AttributeError, OSError):
        return "not pinned"


COLD = r"""
import json, sys, time
from datetime import datetime, timezone, timedelta
t0 = time.perf_counter()
import nlp
t1 = time.perf_counter()
cat = nlp.Catalog.from_dict(json.load(open(sys.argv[1], encoding="utf-8")))
ex = nlp.Extractor(cat)
t2 = time.perf_counter()
now = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
ex.extract(sys.argv[2] if len(sys.argv) > 2 else "明天下午三点去省人医拜访王主任", now)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "first": t3 - t2, "total": t3 - t0,
                  "cpu": time.process_time()}))
"""


LAZY_FIRST = "约了李明主任 Dec 3 2pm 去省人医演示"


def speed(data: Path, n_customers: int, rounds: int) -> None:
    base = json.loads((data / "dev_catalog.json").read_text(encoding="utf-8"))
    big = synthetic_catalog(base, n_customers)
    msgs = read_jsonl(data / "dev.jsonl")
    print(f"\n== (3) speed, synthetic catalog: {len(big['customers'])} customers, "
          f"{len(big['contacts'])} contacts; {pin_one_core()}")
    t = time.perf_counter()
    ex = Extractor(Catalog.from_dict(big))
    build_ms = (time.perf_counter() - t) * 1000
    items = [(m["text"], datetime.fromisoformat(m["now"])) for m in msgs]
    for text, now in items:          # warm-up
        ex.extract(text, now)
    samples: list[float] = []
    per_msg: list[list[float]] = [[] for _ in items]
    for _ in range(rounds):
        for k, (text, now) in enumerate(items):
            t = time.perf_counter()
            ex.extract(text, now)
            ms = (time.perf_counter() - t) * 1000
            samples.append(ms)
            per_msg[k].append(ms)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    best = sorted(min(v) for v in per_msg)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"index build (in process): {build_ms:.0f} ms")
    print(f"per message over {len(samples)} calls: median {statistics.median(samples):.3f} ms, "
          f"p95 {p95:.3f} ms, max {samples[-1]:.3f} ms  (load average {load:.1f})")
    print(f"per message, best of {rounds} runs each (scheduler noise removed): median "
          f"{statistics.median(best):.3f} ms, p95 {best[int(0.95 * (len(best) - 1))]:.3f} ms, "
          f"max {best[-1]:.3f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        big_path = Path(tmp) / "catalog5000.json"
        big_path.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")
        for label, path in (("dev catalog", data / "dev_catalog.json"),
                            (f"{len(big['customers'])}-customer catalog", big_path)):
            runs: list[dict[str, float]] = []
            for _ in range(3):
                out = subprocess.run([sys.executable, "-c", COLD, str(path)], cwd=ROOT,
                                     capture_output=True, text=True, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            cold = min(runs, key=lambda r: r["total"])
            print(f"cold start, {label} (best of 3, fresh interpreter): import "
                  f"{cold['import'] * 1000:.0f} ms + build {cold['build'] * 1000:.0f} ms + "
                  f"first message {cold['first'] * 1000:.0f} ms = {cold['total'] * 1000:.0f} ms "
                  f"(CPU {cold['cpu'] * 1000:.0f} ms: the figure on a busy machine)")
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", COLD, str(big_path), LAZY_FIRST],
                                 cwd=ROOT, capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = sorted(runs, key=lambda r: r["total"])[1]
        print(f"cold start, {len(big['customers'])}-customer catalog, first message loads jieba "
              f"+ dateparser (median of 3): import {med['import'] * 1000:.0f} ms + build "
              f"{med['build'] * 1000:.0f} ms + first message {med['first'] * 1000:.0f} ms = "
              f"{med['total'] * 1000:.0f} ms (CPU {med['cpu'] * 1000:.0f} ms)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="/work/shared/nlp", type=Path)
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--skip-baselines", action="store_true", help="no jionlp / dateparser")
    ap.add_argument("--no-speed", action="store_true", help="scores and time fields only")
    ap.add_argument("--sets", default="dev,dev2,industries,fresh",
                    help="labelled sets to score (comma separated)")
    args = ap.parse_args(argv)
    wanted = set(args.sets.split(","))
    sets = [ls for ls in labelled_sets(args.data) if ls.name in wanted]
    score_sets(args.data, sets)
    time_comparison(sets, args.skip_baselines)
    if not args.no_speed:
        speed(args.data, args.customers, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
