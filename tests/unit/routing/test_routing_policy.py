"""Pure routing: rules, strategies, caps, leave, affinity, fallback."""

from __future__ import annotations

from dataclasses import replace

from crm_core.policies.routing import (
    DEFAULT_WEIGHTS,
    Conditions,
    LeadFacts,
    RepState,
    RoutingConfig,
    Rule,
    TeamState,
    decide,
    matches,
    rep_scores,
    round_robin,
)

JS_SPINE = Rule(1, "江苏·脊柱类", Conditions(provinces=("江苏省",), product_lines=("脊柱类",)),
                "team", 10)
ZJ = Rule(2, "浙江", Conditions(provinces=("浙江省",)), "team", 20)
BIG = Rule(3, "大单", Conditions(budget_min=1_000_000), "rep", 99)
FALLBACK = Rule(9, "兜底", target_kind="team", target_id=10, is_fallback=True)


def reps(**over: dict[str, object]) -> dict[int, RepState]:
    base = {
        1: RepState(1, "王磊", 10), 2: RepState(2, "李娜", 10), 3: RepState(3, "赵敏", 10),
        4: RepState(4, "陈杰", 20), 5: RepState(5, "周婷", 20), 6: RepState(6, "吴昊", 20),
        7: RepState(7, "孙悦", 20), 99: RepState(99, "钱总", None),
    }
    for k, v in over.items():
        rid = int(k.lstrip("r"))
        base[rid] = replace(base[rid], **v)  # type: ignore[arg-type]
    return base


TEAMS = {10: TeamState(10, "江苏组", "round_robin", (1, 2, 3)),
         20: TeamState(20, "浙江组", "weighted", (4, 5, 6, 7))}
CONFIG = RoutingConfig((JS_SPINE, ZJ, BIG, FALLBACK))


def js_spine_lead(**kw: object) -> LeadFacts:
    return LeadFacts(**{"province": "江苏省", "city": "南京市", "product_lines": ("脊柱类",),
                        **kw})  # type: ignore[arg-type]


def test_conditions_and_semantics() -> None:
    c = Conditions(provinces=("江苏省", "浙江省"), budget_min=100, budget_max=200,
                   source_channels=("web",), score_min=50)
    lead = LeadFacts(province="浙江省", budget=150, source_channel="web", score=60)
    assert matches(c, lead)
    assert not matches(c, LeadFacts(province="浙江省", budget=None, source_channel="web",
                                    score=60))
    assert not matches(c, LeadFacts(province="浙江省", budget=150, source_channel="web",
                                    score=40))
    assert matches(Conditions(), LeadFacts())


def test_first_match_wins_with_reason() -> None:
    d = decide(js_spine_lead(), CONFIG, TEAMS, reps())
    assert d.kind == "assign"
    assert d.owner_id == 1
    assert d.rule_id == 1
    assert d.reason == "按规则「江苏·脊柱类」分配; 轮询; 负载最低"
    assert d.admin_notice is None


def test_round_robin_continues_after_last_and_skips_unavailable() -> None:
    team = TeamState(10, "江苏组", "round_robin", (1, 2, 3), last_rep_id=1)
    assert round_robin(team, reps()).id == 2                     # type: ignore[union-attr]
    assert round_robin(team, reps(r2={"on_leave": True})).id == 3  # type: ignore[union-attr]
    assert round_robin(team, reps(r2={"active": False}, r3={"open_leads": 60})).id == 1  # type: ignore[union-attr]
    assert round_robin(team, reps(r1={"today_leads": 15}, r2={"today_leads": 15},
                                  r3={"today_leads": 15})) is None


def test_team_full_goes_to_fallback_and_admin_told() -> None:
    full = reps(r4={"on_leave": True}, r5={"active": False}, r6={"open_leads": 60},
                r7={"today_leads": 15})
    d = decide(LeadFacts(province="浙江省"), CONFIG, TEAMS, full)
    assert d.kind == "assign"
    assert d.team_id == 10
    assert d.reason.startswith("兜底规则「兜底」分配")
    assert "浙江组" in (d.admin_notice or "")


def test_no_match_goes_to_fallback() -> None:
    d = decide(LeadFacts(province="四川省"), CONFIG, TEAMS, reps())
    assert d.rule_id == 9
    assert d.admin_notice == "没有匹配的规则"


def test_fallback_unavailable_pools_never_lost() -> None:
    nobody = reps(**{f"r{i}": {"active": False} for i in (1, 2, 3, 4, 5, 6, 7, 99)})
    d = decide(LeadFacts(province="四川省"), CONFIG, TEAMS, nobody)
    assert d.kind == "pool"
    assert d.admin_notice


def test_rep_target_and_its_leave() -> None:
    d = decide(LeadFacts(province="四川省", budget=2_000_000), CONFIG, TEAMS, reps())
    assert (d.kind, d.owner_id) == ("assign", 99)
    d = decide(LeadFacts(province="四川省", budget=2_000_000), CONFIG, TEAMS,
               reps(r99={"on_leave": True}))
    assert d.rule_id == 9
    assert "休假" in (d.admin_notice or "")


def test_affinity_unless_owner_inactive() -> None:
    lead = js_spine_lead(affinity_owner_id=5, customer_name="南京市鼓楼医院")
    d = decide(lead, CONFIG, TEAMS, reps())
    assert d.owner_id == 5
    assert d.reason == "客户「南京市鼓楼医院」的负责人(客户归属)"
    d = decide(lead, CONFIG, TEAMS, reps(r5={"active": False}))
    assert d.owner_id == 1
    assert "已停用" in d.details["affinity"]
    # affinity ignores the owner's daily cap: continuity beats balance
    assert decide(lead, CONFIG, TEAMS, reps(r5={"today_leads": 99})).owner_id == 5


def test_weighted_offers_best_three() -> None:
    r = reps(r4={"open_leads": 50}, r5={"won_amount_30d": 500_000, "online": True},
             r6={"conversion": {"关节类": 0.6}}, r7={"online": True})
    d = decide(LeadFacts(province="浙江省", product_lines=("关节类",)), CONFIG, TEAMS, r)
    assert d.kind == "offer"
    assert d.candidates[0] == 5
    assert 4 not in d.candidates
    assert len(d.candidates) == 3
    assert d.reason == "按规则「浙江」分配至浙江组; 加权评分前3名抢单"
    assert set(d.details["scores"]) == {str(i) for i in d.candidates}


def test_rep_scores_follow_weights() -> None:
    a = RepState(1, "甲", online=True)
    b = RepState(2, "乙", won_amount_30d=100)
    s = rep_scores([a, b], (), {"open_deals": 0, "won_amount": 0, "conversion": 0,
                                "online": 100})
    assert s[1]["total"] == 100
    assert s[2]["total"] == 0
    s = rep_scores([a, b], (), DEFAULT_WEIGHTS)
    assert s[1]["total"] == 30 + 20
    assert s[2]["total"] == 30 + 25


def test_weighted_single_available_assigns_directly() -> None:
    r = reps(r4={"active": False}, r5={"active": False}, r6={"on_leave": True})
    d = decide(LeadFacts(province="浙江省"), CONFIG, TEAMS, r)
    assert (d.kind, d.owner_id) == ("assign", 7)
    assert "综合评分最高" in d.reason


def test_no_rules_goes_to_the_pool_with_its_reason() -> None:
    r = reps(r1={"open_leads": 10}, r2={"open_leads": 3})
    d = decide(LeadFacts(province="江苏省"), RoutingConfig(), TEAMS, r)
    assert d.kind == "pool"
    assert d.owner_id is None
    assert "没有可分配的销售" in d.reason


def test_fallback_full_goes_to_the_pool_never_to_a_stranger() -> None:
    js_full = {f"r{i}": {"today_leads": 15} for i in (1, 2, 3)}
    d = decide(LeadFacts(province="四川省"), CONFIG, TEAMS, reps(**js_full, r6={"open_leads": 9}))
    assert d.kind == "pool"
    assert d.owner_id is None
    assert "江苏组" in d.reason
    assert "江苏组" in (d.admin_notice or "")


def test_any_fallback_picks_only_sales_reps() -> None:
    """Least-loaded picks never land on a manager, director or admin."""
    from crm_core.policies.routing import Rule

    r = {1: RepState(1, "王经理", 10, open_leads=0, is_rep=False),
         2: RepState(2, "李娜", 10, open_leads=5),
         3: RepState(3, "钱总", None, open_leads=0, is_rep=False)}
    cfg = RoutingConfig((Rule(None, "兜底", target_kind="any", is_fallback=True),))
    d = decide(LeadFacts(), cfg, TEAMS, r)
    assert d.owner_id == 2
    only_bosses = {k: v for k, v in r.items() if k != 2}
    assert decide(LeadFacts(), cfg, TEAMS, only_bosses).kind == "pool"


def test_a_rule_naming_a_manager_is_obeyed() -> None:
    from crm_core.policies.routing import Conditions, Rule

    r = {1: RepState(1, "王经理", 10, is_rep=False), 2: RepState(2, "李娜", 10)}
    cfg = RoutingConfig((Rule(5, "大客户", Conditions(budget_min=1e6), "rep", 1),))
    assert decide(LeadFacts(budget=2e6), cfg, TEAMS, r).owner_id == 1


def test_combined_table_keeps_team_rules_before_the_admin_fallback() -> None:
    from crm_core.policies.routing import Conditions, Rule, combine_rules, implicit_rules

    teams = implicit_rules([(10, "苏州组", ["江苏省"], []), (20, "南京组", [], ["骨科"])])
    mine = (Rule(1, "兜底", target_kind="team", target_id=20, is_fallback=True),
            Rule(2, "大单", Conditions(budget_min=5e5), "team", 20))
    table = combine_rules(mine, teams)
    assert [r.name for r in table] == ["大单", "南京组·产品线", "苏州组·地区", "兜底"]
    d = decide(LeadFacts(province="江苏省"), RoutingConfig(table), TEAMS, reps())
    assert d.team_id == 10
