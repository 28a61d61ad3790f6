"""Free-text address / organisation name → (province, city, district).

"杭州萧山" → 浙江省 / 杭州市 / 萧山区; "南京鼓楼医院" → 江苏省 / 南京市 / 鼓楼区.

The table covers all of China (34 provinces, ~350 prefectures, ~3 200 districts/counties) and
ships as `china_regions.json` next to this module, generated once from the administrative
division list that the `jionlp` package (Apache-2.0) carries:
`python -m crm_core.policies.region build [SRC] [OUT]`. No runtime dependency. `cpca`
0.5.5 was evaluated and not taken: 161 MB installed (pandas, numpy, pyahocorasick) and it
misses short district names — "杭州萧山", "常州武进", "上海浦东" get no district, which is
exactly how people type them. See docs/routing.md.

Matching: every full name and short name ("江苏省"/"江苏", "萧山区"/"萧山") of two characters
or more is a key; the text is scanned greedily for the longest key at each position; the
candidates are then combined into the most consistent chain (a district whose city or
province is also named wins; a bare short district name that exists in several places is
ignored rather than guessed).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("china_regions.json")
SUFFIXES: tuple[str, ...] = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
    "省", "市", "地区", "盟", "区", "县", "旗",
)
# When a bare name is ambiguous between places, prefer these (the tenant's home market).
PREFERRED_PROVINCES: tuple[str, ...] = ("江苏省", "浙江省", "上海市", "安徽省")


@dataclass(frozen=True, slots=True)
class Place:
    province: str | None = None
    city: str | None = None
    district: str | None = None

    @property
    def label(self) -> str:
        parts: list[str] = []
        for p in (self.province, self.city, self.district):
            if p and p not in parts:
                parts.append(p)
        return "".join(parts)

    def __bool__(self) -> bool:
        return bool(self.province)


@dataclass(frozen=True, slots=True)
class _Node:
    level: int                      # 0 province, 1 city, 2 district
    name: str
    province: str
    city: str | None


class RegionTable:
    """Lookup structure built from the nested table."""

    def __init__(self, tree: list[list[Any]]) -> None:
        self.keys: dict[str, list[_Node]] = {}
        self.provinces: dict[str, _Node] = {}
        self.cities: dict[str, list[_Node]] = {}
        self.districts: dict[str, list[_Node]] = {}
        for prov_name, prov_short, cities in tree:
            p = _Node(0, prov_name, prov_name, None)
            self.provinces[prov_name] = p
            self._key(p, prov_name, str(prov_short))
            for city_name, city_short, districts in cities:
                c = _Node(1, city_name, prov_name, city_name)
                self.cities.setdefault(city_name, []).append(c)
                self._key(c, city_name, city_short)
                for dist_name, dist_short in districts:
                    d = _Node(2, dist_name, prov_name, city_name)
                    self.districts.setdefault(dist_name, []).append(d)
                    self._key(d, dist_name, dist_short)
        self.max_len = max(len(k) for k in self.keys)

    def _key(self, node: _Node, *names: str) -> None:
        for n in {n for n in names if n and len(n) >= 2}:
            bucket = self.keys.setdefault(n, [])
            if node not in bucket:
                bucket.append(node)

    def scan(self, text: str) -> list[tuple[str, list[_Node]]]:
        """Greedy longest-key scan, left to right."""
        out: list[tuple[str, list[_Node]]] = []
        i, n = 0, len(text)
        while i < n - 1:
            for length in range(min(self.max_len, n - i), 1, -1):
                nodes = self.keys.get(text[i:i + length])
                if nodes:
                    out.append((text[i:i + length], nodes))
                    i += length
                    break
            else:
                i += 1
        return out


def short_name(name: str) -> str:
    for s in SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


@lru_cache(maxsize=1)
def table() -> RegionTable:
    return RegionTable(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def resolve(*texts: str | None) -> Place:
    """Best (province, city, district) named in the texts (address first, then the
    organisation's name…). Empty `Place()` when nothing is recognised."""
    t = table()
    found: list[tuple[str, list[_Node]]] = []
    for text in texts:
        if text:
            found.extend(t.scan(text.replace(" ", "")))
    if not found:
        return Place()
    provinces = {n.province for _, nodes in found for n in nodes if n.level == 0}
    cities = {(n.province, n.name) for _, nodes in found for n in nodes if n.level == 1}
    best: tuple[float, Place] | None = None
    for _key, nodes in found:
        ambiguous = len({(n.province, n.city, n.name) for n in nodes}) > 1
        for n in nodes:
            score = _score(n, provinces, cities, ambiguous)
            if score <= 0:
                continue
            place = Place(n.province, n.city if n.level >= 1 else None,
                          n.name if n.level == 2 else None)
            if n.level == 0 and cities:          # a province plus a city inside it
                inside = sorted(c for p, c in cities if p == n.province)
                if inside:
                    place = Place(n.province, inside[0])
            if best is None or score > best[0]:
                best = (score, place)
    return best[1] if best else Place()


def _score(n: _Node, provinces: set[str], cities: set[tuple[str, str]], ambiguous: bool) -> float:
    score = 1.0 + n.level * 0.5                       # deeper is more precise
    context = 0
    if n.level >= 1 and n.province in provinces:
        context += 1
    if n.level == 2 and (n.province, n.city or "") in cities:
        context += 2
    score += context * 2
    if ambiguous:
        if context == 0:
            if n.level == 2:
                return 0.0                            # "鼓楼" alone: Nanjing? Fuzhou? Don't guess.
            if n.province not in PREFERRED_PROVINCES:
                return 0.0
        if n.province in PREFERRED_PROVINCES:
            score += 0.1
    return score


def normalize_province(name: str) -> str | None:
    """"江苏" / "江苏省" → "江苏省"; None if unknown."""
    nodes = table().keys.get(name.strip()) or []
    for n in nodes:
        if n.level == 0:
            return n.name
    return None


def normalize_city(name: str) -> tuple[str, str] | None:
    """"杭州" → ("浙江省", "杭州市")."""
    for n in table().keys.get(name.strip()) or []:
        if n.level == 1:
            return n.province, n.name
    return None


def normalize_district(name: str, city: str | None = None) -> list[tuple[str, str, str]]:
    """"萧山" → [("浙江省", "杭州市", "萧山区")] (several where the name is ambiguous)."""
    return [(n.province, n.city or "", n.name) for n in table().keys.get(name.strip()) or []
            if n.level == 2 and (city is None or n.city == city)]


# --- building the shipped table ------------------------------------------------------------

def build_tree(lines: Iterable[str]) -> list[list[object]]:
    """jionlp's china_location.txt (tab-indented: province / city / district / town…) →
    [[province, short, [[city, short, [[district, short], …]], …]], …]."""
    tree: list[list[object]] = []
    cities: list[list[object]] = []
    districts: list[list[str]] = []
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:
            continue
        parts = line.strip("\t").split("\t")
        name = parts[0]
        short = parts[2] if len(parts) >= 3 and parts[2] else short_name(name)
        if depth == 0:
            cities = []
            tree.append([name, short, cities])
        elif depth == 1:
            districts = []
            cities.append([name, short, districts])
        else:
            districts.append([name, short])
    return tree


def _main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] != "build":
        sys.stderr.write("usage: python -m crm_core.policies.region build [SRC] [OUT]\n")
        return 2
    if len(argv) > 1:
        src = Path(argv[1])
    else:
        import jionlp

        src = Path(jionlp.__file__).parent / "dictionary" / "china_location.txt"
    out = Path(argv[2]) if len(argv) > 2 else DATA_FILE
    tree = build_tree(src.read_text(encoding="utf-8").splitlines())
    out.write_text(json.dumps(tree, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    sys.stdout.write(f"{out}: {len(tree)} provinces\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
