"""Verdict logic, conditions for soft failures, remedies for hard ones, and notes."""

from __future__ import annotations

import pytest
from conftest import make_proposal

import sim
from sim.feasibility import decide
from sim.proposal import parse_policy


def _crit(name, passed, hard):
    return {"name": name, "passed": passed, "hard": hard}


def test_decide() -> None:
    ok = [_crit("a", True, True), _crit("b", None, True), _crit("c", True, False)]
    assert decide(ok, set()) == ("approve", [])
    soft = [*ok, _crit("d", False, False)]
    assert decide(soft, set()) == ("conditional", ["d"])
    assert decide(soft, {"d"}) == ("reject", ["d"])
    hard = [*soft, _crit("e", False, True)]
    assert decide(hard, set()) == ("reject", ["e"])
    assert decide(hard, {"d"}) == ("reject", ["e", "d"])


def test_conditions_make_the_criterion_pass() -> None:
    p = make_proposal()
    v = sim.evaluate(p, draws=400, seed=1).verdicts[0]
    assert v["verdict"] == "conditional"
    fields = {c["field"] for c in v["conditions"]}
    # the packaged (Hunan) policy states conditions in the fund's terms, never a bond
    assert "finance.fund_initial_deposit_cny" in fields and "finance.bond_cny" not in fields
    for cond in v["conditions"]:
        fixed = p.with_values({cond["field"]: cond["value"]})
        after = sim.evaluate(fixed, draws=400, seed=1, conditions=False).verdicts[0]
        crit = {c["name"]: c for c in after["criteria"]}[cond["criterion"]]
        assert crit["passed"], cond


def test_bond_condition_is_minimal_to_the_rounding_step() -> None:
    p = make_proposal()
    policy = parse_policy({"conditions": {"bond": True}}, "<test>")
    v = sim.evaluate(p, policy, draws=400, seed=1).verdicts[0]
    bond = next(c["value"] for c in v["conditions"] if c["field"] == "finance.bond_cny")
    less = p.with_values({"finance.bond_cny": bond - 20_000})
    after = sim.evaluate(less, policy, draws=400, seed=1, conditions=False).verdicts[0]
    assert not {c["name"]: c for c in after["criteria"]}["assurance"]["passed"]


def test_soft_failure_no_lever_can_fix_rejects(tmp_path) -> None:
    policy = parse_policy(
        {
            "conditions": {
                "bond": True,
                "max_bond_cny": 1000.0,
                "max_fund_initial_deposit_cny": 1000.0,
                "max_fund_rate_of_revenue": 0.001,
                "max_progressive_fraction": 0.5,
            }
        },
        "<test>",
    )
    p = make_proposal(
        {"finance.fund_basis": "revenue_share", "finance.fund_rate_of_revenue": 0.001}
    )
    v = sim.evaluate(p, policy, draws=300, seed=0).verdicts[0]
    assert v["verdict"] == "reject"
    assert v["deciding_criteria"] == ["assurance"]


def test_remedy_for_steep_walls_reports_its_cost() -> None:
    p = make_proposal({"site.final_highwall_slope_deg": 62.0})
    v = sim.evaluate(p, draws=300, seed=0).verdicts[0]
    assert v["verdict"] == "reject" and "highwall_slope" in v["deciding_criteria"]
    remedy = next(r for r in v["remedies"] if r["criterion"] == "highwall_slope")
    assert remedy["field"] == "site.final_highwall_slope_deg"
    # the cheapest passing slope between the limit and the policy's floor (tests/
    # test_fund_conditions.py checks it against a scan)
    assert 30.0 <= remedy["value"] <= 55.0 and remedy["value"] == int(remedy["value"])
    assert "cost_change_p50_cny" in remedy


def test_remedy_for_toxic_substrate_is_amendment() -> None:
    p = make_proposal({"site.substrate": "acid_sulfide"})
    v = sim.evaluate(p, draws=300, seed=0).verdicts[0]
    assert "success_probability" in v["deciding_criteria"]
    remedy = next(r for r in v["remedies"] if r["criterion"] == "success_probability")
    assert remedy["field"] == "restoration.substrate_amendment"
    assert remedy["cost_change_p50_cny"] > 0
    # the terminal writes the value as the file takes it (it wrote Python's True, which TOML
    # refuses when the reviewer copies it)
    from sim.verdict_text import format_verdict

    assert "[restoration.substrate_amendment = true]" in format_verdict(v)


@pytest.mark.parametrize(
    "changes,phrase",
    [
        ({"finance.ore_price_cny_per_t": 900.0}, "outside the typical range"),
        # a price in 万元/t entered as CNY/t gets its reading (the verdict rejected on
        # cost_to_revenue with only "outside the typical range")
        ({"finance.ore_price_cny_per_t": 0.006}, "Read in 万元/t, 0.006 is 60 CNY/t"),
        (
            {
                "extraction.reserves_mt": 0.5,
                "extraction.annual_output_mt": 0.2,
                "extraction.mined_thickness_m": 200.0,
            },
            "enlarged",
        ),
        ({"finance.plan_restoration_cost_cny": 1_000_000.0}, "below the simulated P10"),
    ],
)
def test_notes(changes, phrase) -> None:
    v = sim.evaluate(make_proposal(changes), draws=200, seed=0, conditions=False).verdicts[0]
    assert any(phrase in n for n in v["notes"]), v["notes"]


def test_skipping_the_condition_search_keeps_the_verdict() -> None:
    p = make_proposal()
    full = sim.evaluate(p, draws=300, seed=0).verdicts[0]
    quick = sim.evaluate(p, draws=300, seed=0, conditions=False).verdicts[0]
    assert full["verdict"] == quick["verdict"] == "conditional"
    assert quick["conditions"] == []


def test_a_rejected_application_gets_no_conditions() -> None:
    """A hard failure rejects: no condition would make the application pass, so none is listed
    (the batch summary and the report would otherwise show them as if they fixed it); the soft
    failures are named in a note, and the remedies for the hard failure stay."""
    p = make_proposal({"site.final_highwall_slope_deg": 62.0, "finance.bond_cny": 0.0})
    v = sim.evaluate(p, draws=300, seed=2).verdicts[0]
    assert v["verdict"] == "reject" and "highwall_slope" in v["deciding_criteria"]
    soft_failing = [c["name"] for c in v["criteria"] if c["passed"] is False and not c["hard"]]
    assert soft_failing  # the example's assurance fails too
    assert v["conditions"] == []
    assert any("Soft criteria also failing: " + ", ".join(soft_failing) in n for n in v["notes"])
    assert {r["criterion"] for r in v["remedies"]} == {"highwall_slope"}


def test_an_unfunded_liability_with_a_p90_of_zero_says_where_its_mean_comes_from() -> None:
    """A mean liability above 0 with a P90 of 0 (fewer than one draw in ten leaves anything)
    is explained as such, in en and zh, not as a puzzling '(P90 0.00 M CNY)'."""
    from sim.i18n import use_lang
    from sim.i18n.verdict import explanation

    ev = sim.evaluate(sim.load_proposal(sim.example_path()), draws=300, seed=0, conditions=False)
    v = ev.verdicts[0]
    c = next(c for c in v["criteria"] if c["name"] == "unfunded_liability")
    p90 = v["metrics"]["unfunded_liability_p90_cny"]
    assert c["value"] > 0 and p90 == 0  # the example's operator walks away in ~16% of draws
    assert "at least 90% of draws leave nothing" in c["explanation"]
    assert "P90" not in c["explanation"]
    with use_lang("zh"):
        zh = explanation(c, v)
    assert "至少90%的模拟不留下任何费用" in zh and "P90" not in zh


def _summary(draws: int, pv_cost: tuple[float, float, float]):
    import xarray as xr

    q = [0.1, 0.5, 0.9]
    return xr.Dataset(
        {"pv_cost_cny": ("quantile", list(pv_cost)), "draws": draws}, coords={"quantile": q}
    )


def _estimated(name: str, value: float, threshold: float) -> dict:
    return {"name": name, "value": value, "threshold": threshold, "hard": True, "passed": True}


def test_a_hard_criterion_within_its_monte_carlo_error_gets_a_note() -> None:
    """The 南康 kaolin passed cost_to_revenue at 1,000 draws (6.2 % against 6.3 %) and failed it
    at 300 (6.5 %): twelve seeds at 300 draws spread it by 0.35 points (sd), and nothing said
    that the verdict rested on the noise of the draws. A margin within twice the standard error
    gets a note naming the criterion, the error and the draws to re-run with."""
    from sim.api import _close_calls
    from sim.i18n import use_lang
    from sim.i18n.message import localise

    policy = sim.load_policy()
    s = _summary(1000, (400_000.0, 857_000.0, 1_850_000.0))  # the kaolin's PV cost, 万元 x 1e4
    (note,) = _close_calls([_estimated("cost_to_revenue", 0.062, 0.063)], s, policy)
    assert note.startswith("cost_to_revenue: 6.2% against 6.3% lies within twice")
    assert "about ±0.15 points at 1000 draws" in note and "--draws 4000" in note
    with use_lang("zh"):
        assert "修复费用占收入比例：6.2%（阈值6.3%）" in localise(note)
    assert _close_calls([_estimated("cost_to_revenue", 0.058, 0.063)], s, policy) == []
    # a success share: binomial, ±0.90 points at 1000 draws at 91 %
    (note,) = _close_calls([_estimated("success_probability", 0.91, 0.90)], s, policy)
    assert "about ±0.90 points" in note
    assert _close_calls([_estimated("success_probability", 0.93, 0.90)], s, policy) == []
    # soft criteria have their conditions; not assessed ones have no value
    assert _close_calls([{**_estimated("assurance", 0.9, 0.9), "hard": False}], s, policy) == []
