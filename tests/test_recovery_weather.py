"""Establishment tied to the weather (SPEC §6) and success criteria by region (regions.toml).

Failures cluster in drought years; success falls and recovery slows as the region's drought
probability rises (common random numbers); each region's criteria and drought come from its
table.
"""

from __future__ import annotations

import numpy as np
from conftest import make_proposal
from hypothesis import given
from hypothesis import strategies as st
from test_properties import SETTINGS, _raw, base_changes

import sim
from sim import rng
from sim.keys import LAND_USES
from sim.model.recovery import failure_probabilities, year_outcomes
from sim.params import load_library
from sim.resolve import resolve

REGION = "south_hilly"  # the packaged example's region


def test_failures_cluster_in_drought_years() -> None:
    """With the library's values and the engine's own random streams, a planting fails at about
    ``failure_probability_drought`` in a drought year and at about the mean normal-year
    probability otherwise: many times more often in drought years."""
    lib = load_library()
    fp = lib.param("recovery.failure_probability")
    p_dry = lib["recovery.failure_probability_drought"]
    p_drought = lib[f"regions.{REGION}.drought_probability"]
    n_draws, n_years = 3000, 30
    draws = rng.sample_draws(
        np.array([12345, 678], dtype=np.uint64),
        n_draws,
        n_years,
        thickness_sigma=0.1,
        output_spread=0.1,
        common_cost_sigma=0.1,
        measure_cost_sigma=0.1,
        cover_max=(0.7, 0.8, 0.9),
        growth_rate_per_year=(0.3, 0.5, 0.8),
        failure_probability=(fp.low, float(fp.value), fp.high),
    )
    fails = {True: 0, False: 0}
    years = {True: 0, False: 0}
    for d in range(n_draws):
        # deep soil, gentle wall: no multiplier, so only the weather matters
        pl_wet, pl_dry, pw_wet, pw_dry = failure_probabilities(
            draws["failure_probability"][d], p_dry, 1.0, 0.3, 1.0, 0.1, 30.0, 45.0, 2.0, 3.0, 0.95
        )
        for t in range(n_years):
            wet, ok_land, ok_wall = year_outcomes(
                draws["drought_uniform"][d, t],
                draws["establish_land_uniform"][d, t],
                draws["establish_wall_uniform"][d, t],
                p_drought,
                pl_wet,
                pl_dry,
                pw_wet,
                pw_dry,
            )
            years[bool(wet)] += 2
            fails[bool(wet)] += int(not ok_land) + int(not ok_wall)
    rate_dry = fails[False] / years[False]
    rate_wet = fails[True] / years[True]
    mean_wet = (fp.low + float(fp.value) + fp.high) / 3.0
    assert abs(years[False] / (years[True] + years[False]) - p_drought) < 0.01
    assert abs(rate_dry - p_dry) < 0.02
    assert abs(rate_wet - mean_wet) < 0.005
    assert rate_dry > 5.0 * rate_wet


def test_multipliers_and_cap_apply_in_both_kinds_of_year() -> None:
    """Thin soil and steep walls multiply the normal- and the drought-year probability; the cap
    bounds both."""
    args = (0.05, 0.7, 1.0, 0.3)
    deep = failure_probabilities(*args, 1.0, 0.1, 30.0, 45.0, 2.0, 3.0, 0.95)
    assert deep == (0.05, 0.7, 0.05, 0.7)
    thin_steep = failure_probabilities(*args, 0.2, 0.1, 60.0, 45.0, 2.0, 3.0, 0.95)
    assert np.allclose(thin_steep, (0.1, 0.95, 0.15, 0.95))


@SETTINGS
@given(
    changes=base_changes,
    probs=st.lists(st.floats(0.1, 0.5), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_success_falls_as_droughts_become_likelier(changes, probs) -> None:
    """On common random numbers a likelier drought never makes a draw succeed that failed, and
    never shortens its years to the criterion (a drought year adds no growth and fails most
    plantings made in it)."""
    proposal = make_proposal(changes)
    low, high = (
        _raw(proposal, load_library({f"regions.{REGION}.drought_probability": p})) for p in probs
    )
    assert np.all(high["success"].values <= low["success"].values)
    y_low, y_high = low["recovery_years"].values, high["recovery_years"].values
    both = ~np.isnan(y_low)
    assert np.array_equal(both, ~np.isnan(y_high))
    assert np.all(y_high[both] >= y_low[both] - 1e-9)
    assert np.all(high["rework_area_share"].values >= low["rework_area_share"].values - 1e-12)


def test_success_probability_of_the_example_falls_with_drought() -> None:
    """The packaged example: 0.1 → 0.5 drought probability lowers the success probability and
    lengthens the median years to the criterion."""
    out = []
    for p in (0.1, 0.5):
        lib = {f"regions.{REGION}.drought_probability": p}
        s = sim.evaluate(make_proposal(), draws=400, seed=1, params=lib, conditions=False).summary
        out.append(
            (
                float(s["success_probability"].isel(proposal=0)),
                float(s["recovery_years"].sel(quantile=0.5).isel(proposal=0)),
            )
        )
    (s_low, y_low), (s_high, y_high) = out
    assert s_high < s_low - 0.05
    assert y_high > y_low


def test_regional_criteria_and_drought_come_from_the_region_table() -> None:
    """Each region's resolved criteria and drought probability are its table's values; the
    regions of TD/T 1036-2013 differ in them."""
    lib = load_library()
    policy = sim.load_policy()
    assert {
        "south_hilly",
        "southwest_karst",
        "north_china_plain",
        "loess_plateau",
        "northeast",
    } <= (set(lib.regions))
    seen = set()
    for region, description in lib.regions.items():
        assert "TD/T 1036-2013" in description, region
        r = resolve(make_proposal({"proposal.region": region}), policy, lib)
        pre = f"regions.{region}"
        assert r["drought_probability"] == lib[f"{pre}.drought_probability"]
        assert r["success_cover_wall"] == lib[f"{pre}.success_cover.wall"]
        crit = tuple(r[f"success_cover_{lu}"] for lu in LAND_USES if lu != "water")
        assert crit == tuple(lib[f"{pre}.success_cover.{lu}"] for lu in LAND_USES if lu != "water")
        seen.add((r["drought_probability"], *crit))
    assert len(seen) >= 3


def test_a_drier_region_with_the_same_site_succeeds_less_often() -> None:
    """The same site judged in the loess plateau's table (drought 0.30, lower criteria) and in
    south_hilly's (0.20): the likelier drought fails more plantings (more rework)."""
    runs = {
        region: _raw(make_proposal({"proposal.region": region}))
        for region in ("south_hilly", "loess_plateau")
    }
    assert (
        runs["loess_plateau"]["rework_area_share"].mean()
        > runs["south_hilly"]["rework_area_share"].mean()
    )
