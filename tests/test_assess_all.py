"""The vectorised assessment (``feasibility.assess_all``) against the per-proposal ``assess``."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import engine, feasibility, spatial
from sim.errors import InputError
from sim.portfolio import as_portfolio
from sim.sweep.portfolio import load_portfolio
from sim.sweep.spec import build_policy, parse_spec

REPO = Path(__file__).resolve().parent.parent
QUANTILE_VARS = ("pit_footprint_ha", "pv_cost_cny", "pv_revenue_cny", "cost_cny")
SCALAR_VARS = ("success_probability", "assurance_probability", "expected_unfunded_liability_cny")


@cache
def _proposals() -> tuple[list[Any], dict[int, spatial.Screening]]:
    """Examples, the spatial examples (screened) and synthetic applications."""
    files = sorted((REPO / "scenarios" / "proposals").glob("*.toml"))
    files += sorted((REPO / "scenarios" / "spatial").glob("*.toml"))
    proposals = sim.load_proposals(files)
    spec = {"sweep": {"name": "t", "seed": 3, "draws": 10}, "portfolio": {"synthetic": 30}}
    proposals += load_portfolio(parse_spec(spec))
    bounded = [i for i, p in enumerate(proposals) if p.location is not None]
    screened = spatial.screen_proposals([proposals[i] for i in bounded], sim.load_policy())
    return proposals, dict(zip(bounded, screened, strict=True))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def _check(proposals: list[Any], policy: Any, summary: xr.Dataset, screenings: dict) -> None:
    table = feasibility.assess_all(as_portfolio(proposals), policy, summary, screenings)
    verdicts, deciding = table.decide()
    for i, p in enumerate(proposals):
        crits = feasibility.assess(p, policy, summary.isel(proposal=i), screenings.get(i))
        assert [c["name"] for c in crits] == list(table.names)
        for j, c in enumerate(crits):
            got = {
                "value": float(table.value[i, j]) if table.has_value[i, j] else None,
                "threshold": float(table.threshold[i, j]) if table.has_threshold[i, j] else None,
                "margin": None if np.isnan(table.margin[i, j]) else float(table.margin[i, j]),
                "passed": bool(table.passed[i, j]) if table.assessed[i, j] else None,
                "hard": bool(table.hard[i, j]),
                "direction": table.directions[j],
            }
            for key, v in got.items():
                assert _same(v, c[key]), (p.proposal.id, c["name"], key, v, c[key])
        verdict, names = feasibility.decide(crits, set())
        assert ("approve", "conditional", "reject")[verdicts[i]] == verdict
        assert [n for n, m in zip(table.names, deciding[i], strict=True) if m] == names
        hard = [c["name"] for c in crits if c["passed"] is False and c["hard"]]
        assert table.failing(i, hard=True) == hard


@pytest.mark.slow
def test_assess_all_equals_assess_on_engine_summaries() -> None:
    proposals, screenings = _proposals()
    policy = sim.load_policy()
    summary = engine.run(proposals, policy, draws=40, seed=2).summary
    _check(proposals, policy, summary, screenings)


NAMED = ("highwall_slope", "success_probability", "cost_to_revenue", "assurance")
SPECIAL = np.array([0.0, -1.0, 1e-300, 1e300, -1.7e308, math.nan, math.inf, -math.inf])


def _column(rng: np.random.Generator, n: int, special_share: float) -> np.ndarray:
    """Values over decades (negative ones too), some replaced by 0, -1, extremes, NaN, inf."""
    x = rng.choice([-1.0, 1.0], n, p=[0.1, 0.9]) * 10.0 ** rng.uniform(-3.0, 8.0, n)
    hit = rng.random(n) < special_share
    x[hit] = rng.choice(SPECIAL, int(hit.sum()))
    return x


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    special_share=st.sampled_from([0.0, 0.1, 0.5]),
    hard=st.lists(st.booleans(), min_size=len(feasibility.CRITERIA), max_size=9),
    thresholds=st.tuples(
        st.floats(20.0, 70.0), st.floats(0.0, 1.0), st.floats(0.0, 0.5), st.floats(0.0, 1.0)
    ),
    cost_quantile=st.sampled_from([0.5, 0.9]),
)
@pytest.mark.slow
def test_assess_all_equals_assess_for_any_summary_and_policy(
    seed, special_share, hard, thresholds, cost_quantile
) -> None:
    proposals, screenings = _proposals()
    n = len(proposals)
    changes: dict[str, Any] = {
        f"criteria.{name}.hard": h for name, h in zip(feasibility.CRITERIA, hard, strict=True)
    }
    changes.update({f"criteria.{k}.threshold": t for k, t in zip(NAMED, thresholds, strict=True)})
    changes["criteria.cost_to_revenue.quantile"] = cost_quantile
    policy = build_policy(sim.load_policy().to_dict(), changes, "<test>")
    rng = np.random.default_rng(seed)
    qs = [0.1, 0.5, 0.9]
    variables = {
        v: (("proposal", "quantile"), np.stack([_column(rng, n, special_share) for _ in qs], 1))
        for v in QUANTILE_VARS
    }
    variables |= {v: (("proposal",), _column(rng, n, special_share)) for v in SCALAR_VARS}
    variables |= {"draws": (("proposal",), np.full(n, 50))}
    summary = xr.Dataset(variables, coords={"quantile": qs})
    for v in ("pit_enlarged_share", "rework_area_share", "default_probability"):
        summary[v] = ("proposal", np.zeros(n))
    summary["unfunded_liability_cny"] = summary["pv_cost_cny"]
    summary["fund_at_closure_cny"] = summary["pv_cost_cny"]
    summary["liability_at_closure_cny"] = summary["pv_cost_cny"]
    _check(proposals, policy, summary, screenings)


def test_cost_to_revenue_sets_the_policy_quantile_against_revenue(tmp_path: Path) -> None:
    """The packaged policy sets the P50 present value of cost against revenue; a policy may ask
    for P90; any other quantile is refused naming the field."""
    proposals, _ = _proposals()
    base = sim.load_policy()
    assert base.criteria.cost_to_revenue.quantile == 0.5
    summary = engine.run(proposals[:2], base, draws=60, seed=3).summary
    for q in (0.5, 0.9):
        policy = build_policy(base.to_dict(), {"criteria.cost_to_revenue.quantile": q}, "<t>")
        crit = next(
            c
            for c in feasibility.assess(proposals[0], policy, summary.isel(proposal=0))
            if c["name"] == "cost_to_revenue"
        )
        s0 = summary.isel(proposal=0)
        want = float(s0["pv_cost_cny"].sel(quantile=q)) / float(
            s0["pv_revenue_cny"].sel(quantile=0.5)
        )
        assert crit["value"] == want
        assert crit["explanation"].startswith(f"P{q * 100:.0f} present value")
    bad = tmp_path / "policy.toml"
    bad.write_text("[criteria.cost_to_revenue]\nthreshold = 0.1\nquantile = 0.8\nhard = true\n")
    with pytest.raises(InputError, match="quantile"):
        sim.load_policy(bad)
