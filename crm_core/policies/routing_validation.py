"""Validation of the admin's rule table and weights, before anything is stored.

Errors (the table is rejected, with clear Chinese messages): a rule that can never match
(empty ranges, a city outside the rule's provinces, an unknown region or product line, a rule
shadowed by an earlier one), several fallbacks (none: the built-in one stands in), a target
that does not exist, a team without an active rep, an inactive target rep, weights that do not
sum to 100.
Warnings (stored, but said): rules that overlap (the earlier one wins).

Admin format of one rule (JSON):
    {"name": "江苏·脊柱类", "when": {"province": "江苏", "product_line": ["脊柱类"],
     "budget": [100000, null], "source": ["web"], "customer_kind": ["hospital"],
     "score": [60, 100]}, "team": "华东一组" | "rep": "zhangwei" | "pool": true,
     "fallback": false, "active": true}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from crm_core.policies import region as regions
from crm_core.policies.routing import DEFAULT_WEIGHTS, WEIGHT_LABELS, Conditions, LeadFacts, Rule
from crm_core.policies.routing import matches as _matches

KIND_ALIASES: dict[str, str] = {
    "医院": "hospital", "企业": "company", "公司": "company", "学校": "school",
    "经销商": "distributor", "政府": "government", "政府机构": "government", "其他": "other",
}
KNOWN_KINDS = frozenset(("hospital", "company", "school", "distributor", "government", "other"))


@dataclass(frozen=True, slots=True)
class TeamInfo:
    id: int
    name: str
    active_reps: int


@dataclass(frozen=True, slots=True)
class RepInfo:
    id: int
    login: str
    name: str
    active: bool = True


@dataclass(slots=True)
class Checked:
    rules: list[Rule] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_weights(weights: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        errors.append(f"未知的权重项: {', '.join(unknown)}(可用: "
                      f"{', '.join(f'{k}={WEIGHT_LABELS[k]}' for k in DEFAULT_WEIGHTS)})")
    total: float = 0.0
    for k, v in weights.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            errors.append(f"权重「{WEIGHT_LABELS.get(k, k)}」必须是不小于 0 的数字")
            continue
        total += v
    if not errors and round(total, 6) != 100:
        errors.append(f"权重之和必须为 100(当前为 {total:g})")
    return errors


def _region_samples(c: Conditions) -> list[tuple[str, str | None, str | None]] | None:
    """Places the rule's region conditions describe (None: no region condition)."""
    if not (c.provinces or c.cities or c.districts):
        return None
    out: list[tuple[str, str | None, str | None]] = []
    if c.districts:
        for d in c.districts:
            for p, city, dist in regions.normalize_district(d):
                out.append((p, city, dist))
    elif c.cities:
        for city in c.cities:
            got = regions.normalize_city(city)
            if got:
                out.append((got[0], got[1], None))
    else:
        out = [(p, None, None) for p in c.provinces]
    rc = _region_only(c)
    return [s for s in out if _matches(rc, LeadFacts(province=s[0], city=s[1], district=s[2]))]


def _region_only(c: Conditions) -> Conditions:
    return Conditions(provinces=c.provinces, cities=c.cities, districts=c.districts)


def _normalise_region(c: Conditions, name: str, errors: list[str],
                      warnings: list[str]) -> Conditions:
    def known(values: Sequence[str], read: Callable[[str], str | None], what: str) -> list[str]:
        out: list[str] = []
        for v in values:
            got = read(v)
            if got is None:
                errors.append(f"规则「{name}」: 无法识别的{what}「{v}」")
            else:
                out.append(got)
        return out

    def city_of(text: str) -> str | None:
        got = regions.normalize_city(text)
        return got[1] if got is not None else None

    provs = known(c.provinces, regions.normalize_province, "省份")
    cities = known(c.cities, city_of, "城市")
    dists: list[str] = []
    for d in c.districts:
        found = regions.normalize_district(d)
        if not found:
            errors.append(f"规则「{name}」: 无法识别的区县「{d}」")
            continue
        names = {f[2] for f in found}
        if len({(f[0], f[1]) for f in found}) > 1 and not cities:
            warnings.append(f"规则「{name}」: 「{d}」在多个城市都有, 建议同时指定城市")
        dists.extend(sorted(names))
    return replace(c, provinces=tuple(provs), cities=tuple(cities), districts=tuple(dists))


def _never_match(c: Conditions, product_lines: set[str]) -> str | None:
    if c.budget_min is not None and c.budget_max is not None and c.budget_min > c.budget_max:
        return f"预算下限 {c.budget_min:g} 大于上限 {c.budget_max:g}"
    if c.budget_max is not None and c.budget_max < 0:
        return "预算上限小于 0"
    if c.score_min is not None and c.score_max is not None and c.score_min > c.score_max:
        return f"评分下限 {c.score_min} 大于上限 {c.score_max}"
    if (c.score_min is not None and c.score_min > 100) or \
            (c.score_max is not None and c.score_max < 0):
        return "评分范围不在 0–100 之内"
    samples = _region_samples(c)
    if samples is not None and not samples:
        return "地区条件互相矛盾(城市/区县不在所选省份或城市内)"
    if product_lines and c.product_lines and not set(c.product_lines) & product_lines:
        return f"产品线「{'、'.join(c.product_lines)}」不存在"
    bad_kinds = [k for k in c.customer_kinds if k not in KNOWN_KINDS]
    if bad_kinds and len(bad_kinds) == len(c.customer_kinds):
        return f"未知的客户类型「{'、'.join(bad_kinds)}」"
    return None


def _list_covers(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return not a or (bool(b) and set(b) <= set(a))


def _list_overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return not a or not b or bool(set(a) & set(b))


def _range_covers(alo: float | None, ahi: float | None, blo: float | None,
                  bhi: float | None) -> bool:
    lo_ok = alo is None or (blo is not None and blo >= alo)
    hi_ok = ahi is None or (bhi is not None and bhi <= ahi)
    return lo_ok and hi_ok


def _range_overlaps(alo: float | None, ahi: float | None, blo: float | None,
                    bhi: float | None) -> bool:
    lo = max(x for x in (alo, blo, float("-inf")) if x is not None)
    hi = min(x for x in (ahi, bhi, float("inf")) if x is not None)
    return lo <= hi


def _region_rel(a: Conditions, b: Conditions) -> tuple[bool, bool]:
    """(a covers b, a and b overlap) on region."""
    sa, sb = _region_samples(a), _region_samples(b)
    if sa is None:
        return True, True
    if sb is None:
        return False, True

    def hit(c: Conditions, s: tuple[str, str | None, str | None]) -> bool:
        return _matches(_region_only(c), LeadFacts(province=s[0], city=s[1], district=s[2]))

    covers = all(hit(a, s) for s in sb)
    overlaps = any(hit(a, s) for s in sb) or any(hit(b, s) for s in sa)
    return covers, overlaps


def relation(a: Conditions, b: Conditions) -> tuple[bool, bool]:
    """(a covers b — every lead b matches, a matches too; a and b can both match a lead)."""
    r_cov, r_ov = _region_rel(a, b)
    lists = ("product_lines", "source_channels", "customer_kinds")
    covers = r_cov and all(_list_covers(getattr(a, k), getattr(b, k)) for k in lists) and \
        _range_covers(a.budget_min, a.budget_max, b.budget_min, b.budget_max) and \
        _range_covers(a.score_min, a.score_max, b.score_min, b.score_max)
    overlaps = r_ov and all(_list_overlaps(getattr(a, k), getattr(b, k)) for k in lists) and \
        _range_overlaps(a.budget_min, a.budget_max, b.budget_min, b.budget_max) and \
        _range_overlaps(a.score_min, a.score_max, b.score_min, b.score_max)
    return covers, overlaps


def _target(raw: Mapping[str, Any], name: str, teams: Sequence[TeamInfo],
            reps: Sequence[RepInfo], errors: list[str]) -> tuple[str, int | None]:
    given = [k for k in ("team", "rep", "pool") if raw.get(k) not in (None, False, "")]
    if len(given) != 1:
        errors.append(f"规则「{name}」: 必须且只能指定一个目标(team 团队 / rep 销售 / pool 公海)")
        return "pool", None
    kind = given[0]
    value = raw[kind]
    if kind == "pool":
        return "pool", None
    if kind == "team":
        team = next((t for t in teams if value in (t.id, t.name, str(t.id))), None)
        if team is None:
            errors.append(f"规则「{name}」: 团队「{value}」不存在")
            return "team", None
        if team.active_reps == 0:
            errors.append(f"规则「{name}」: 团队「{team.name}」没有在职的销售, 线索将无人可接")
        return "team", team.id
    rep = next((r for r in reps if value in (r.id, r.login, r.name, str(r.id))), None)
    if rep is None:
        errors.append(f"规则「{name}」: 销售「{value}」不存在")
        return "rep", None
    if not rep.active:
        errors.append(f"规则「{name}」: 销售「{rep.name}」已停用")
    return "rep", rep.id


def validate_rules(
    raw_rules: Sequence[Mapping[str, Any]], *, teams: Sequence[TeamInfo],
    reps: Sequence[RepInfo], product_lines: set[str] | None = None,
) -> Checked:
    """Check an admin's rule table; `Checked.rules` are ready to store when `ok`."""
    out = Checked()
    lines = product_lines or set()
    names: set[str] = set()
    for i, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, Mapping):
            out.errors.append(f"第 {i} 条规则格式错误(应为对象)")
            continue
        name = str(raw.get("name") or "").strip()
        if not name:
            out.errors.append(f"第 {i} 条规则缺少名称")
            name = f"#{i}"
        elif name in names:
            out.errors.append(f"规则名称「{name}」重复")
        names.add(name)
        try:
            cond = Conditions.from_json(raw.get("when") or {})
        except (TypeError, ValueError):
            out.errors.append(f"规则「{name}」: 条件格式错误(预算/评分应为数字)")
            continue
        cond = replace(cond, customer_kinds=tuple(KIND_ALIASES.get(k, k)
                                                  for k in cond.customer_kinds))
        cond = _normalise_region(cond, name, out.errors, out.warnings)
        kind, target_id = _target(raw, name, teams, reps, out.errors)
        fallback = bool(raw.get("fallback"))
        if fallback and not cond.empty:
            out.errors.append(f"规则「{name}」: 兜底规则不能带条件")
        if not fallback:
            why = _never_match(cond, lines)
            if why:
                out.errors.append(f"规则「{name}」永远不会命中: {why}")
        out.rules.append(Rule(None, name, cond, kind, target_id, fallback,
                              bool(raw.get("active", True))))
    fallbacks = [r for r in out.rules if r.is_fallback and r.active]
    if len(fallbacks) > 1:
        out.errors.append("兜底规则只能有一条"
                          f"(当前 {len(fallbacks)} 条)")
    # none: the built-in fallback (least-loaded sales rep, else the pool) stands in
    _check_order(out)
    return out


def _check_order(out: Checked) -> None:
    active = [r for r in out.rules if r.active and not r.is_fallback]
    for j, later in enumerate(active):
        for earlier in active[:j]:
            covers, overlaps = relation(earlier.conditions, later.conditions)
            if covers:
                out.errors.append(f"规则「{later.name}」永远不会命中: 被前面的规则"
                                  f"「{earlier.name}」完全覆盖(请调整顺序或条件)")
                break
            if overlaps:
                out.warnings.append(f"规则「{earlier.name}」与「{later.name}」有重叠, "
                                    f"重叠部分按顺序由「{earlier.name}」处理")
