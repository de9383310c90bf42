"""Hand-computed analytic cases for the scalar reference ``sim.reference`` (SPEC.md).

Uncertainty is switched off unless a test says otherwise: every factor is 1, the failure
probability is 0, drought and establishment uniforms are 1.0 (no drought, no failure) and
the default hazard is 0. Expected values are derived by hand in the comments and written
out as arithmetic here; they never come from the code under test.

Base case (``make_resolved()``), derived once:

* Schedule: R = 10 Mt, Q = 3 Mt/a, one ramp-up year at 50 %.
  q = [0, 1.5, 3, 3, 2.5] (year 4 takes the remainder 10 - 7.5), L = 4, M_L = 10,
  x = [0, 0.15, 0.3, 0.3, 0.25].
* Pit: a_pit = 100 (1 + 4) / (2.5 * 4) = 50 ha/Mt, A_vol = 500 ha.
  45° wall of 20 m: p_len = 20, f_len = 20 √2. c = 4, w = 40:
  A_min = 16 (20 + 20)² / 1e4 = 2.56 ha < 500, so A_pit = 500 ha, not enlarged.
  ℓ = 4 √(500e4) m, W_plan = 20 ℓ / 1e4 ha, W_face = 20 √2 ℓ m2, A_floor = 500 - W_plan.
* Dump: 4 * 1e6 / 2.5 * 1.25 / 20 / 1e4 = 10 ha per Mt, so D_dump = 100 ha.
* Infrastructure 30 ha in year 0. D = A_floor + W_plan + 100 + 30 = 630 ha.
* H = L_max + C + max(success_horizon, monitoring) + 1 = 4 + 1 + 3 + 1 = 9.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.keys import AREA_CLASSES, MEASURES, RESOLVED_KEYS
from sim.outputs_registry import DRAW_OUTPUT_SCALARS, DRAW_OUTPUT_YEARLY
from sim.reference import life_years, simulate_draw, simulate_draws

REL = 1e-12

# ---- hand-derived base-case quantities (see module docstring) ---------------------------
L_BASE = 4
X = [0.0, 0.15, 0.3, 0.3, 0.25]
A_PIT = 500.0
L_WALL = 4.0 * math.sqrt(500.0 * 1e4)  # ℓ = c √(A_pit 1e4) = 8944.27 m
W_PLAN = L_WALL * 20.0 / 1e4  # 17.889 ha
W_FACE = L_WALL * 20.0 * math.sqrt(2.0)  # 252 982 m2
A_FLOOR = A_PIT - W_PLAN  # 482.11 ha
D_DUMP = 100.0
D_INFRA = 30.0
D_TOTAL = 630.0
M_LAND = A_FLOOR + D_DUMP  # mined land restored (floor + dump)

# Unit costs of the base case with every cost factor 1 (ω = 1, see test_total_cost_simple).
D_BAR = 0.5 * 0.6 + 0.3 * 0.3 + 0.1 * 0.4 + 0.0 * 0.5 + 0.1 * 0.0  # = 0.43 m
U_SOIL = D_BAR * 1e4 * 10.0  # ω = 1: 43 000 CNY/ha
U_PLANT = 0.5 * 30000 + 0.3 * 10000 + 0.1 * 20000 + 0.0 * 15000 + 0.1 * 5000  # 20 500
U_REWORK = U_PLANT - 0.1 * 5000  # without water: 20 000
U_REGRADE = 1000.0 * 5.0  # 5 000
U_AMEND = 2000.0
U_DRAIN = 3000.0
U_DEMOL = 50000.0
U_WALL = 100.0
# water (10 %) floods the floor: κ = 1 - min(0.1 M, A_floor) / M = 0.9 of the mined land is
# regraded and drained (SPEC §5)
KAPPA = 1.0 - min(0.1 * M_LAND, A_FLOOR) / M_LAND
U_M = (U_REGRADE + U_DRAIN) * KAPPA + U_AMEND + U_SOIL + U_PLANT  # 72 700
U_I = U_DEMOL + U_SOIL + U_PLANT + U_DRAIN  # 116 500
#: the land measures' prices other than regrading and drainage (tests price them 0 to isolate one)
LAND_PRICES = (
    "respread_cost_cny_per_m3",
    "amendment_cost_cny_per_ha",
    "demolition_cost_cny_per_ha",
    *(f"planting_cost_{lu}_cny_per_ha" for lu in ("forest", "grassland", "shrub", "farmland")),
    "planting_cost_water_cny_per_ha",
)
M_W = ((1 + 0.10) * (1 + 0.06) + 0.05) * (1 + 0.10)  # 1.216 * 1.1 = 1.3376
M_A = 1 + 0.10


def make_resolved(**overrides: Any) -> dict[str, Any]:
    """A complete resolved mapping; horizon_years follows SPEC §1 with output_spread 0."""
    r: dict[str, Any] = {
        # ints
        "ramp_up_years": 1,
        "progressive_lag_years": 1,
        "closure_years": 1,
        "monitoring_years": 0,
        "success_horizon_years": 3,
        "horizon_years": -1,  # set below
        # bools
        "topsoil_stripped": True,
        "import_topsoil": False,
        "substrate_amendment": True,
        "fund_basis_revenue": False,
        # schedule
        "reserves_mt": 10.0,
        "annual_output_mt": 3.0,
        "ramp_share": 0.5,
        "output_spread": 0.0,
        "rock_density_t_per_m3": 2.5,
        "mined_thickness_m": 4.0,
        "stripping_ratio": 4.0,
        "dump_height_m": 20.0,
        "infrastructure_area_ha": 30.0,
        "swell_factor": 1.25,
        "wall_length_factor": 4.0,
        "min_floor_width_m": 40.0,
        "final_highwall_slope_deg": 45.0,
        "final_highwall_height_m": 20.0,
        # design geometry (SPEC §3a): off, the thickness path
        "design_pit": False,
        "pit_area_ha": 0.0,
        "pit_depth_m": 0.0,
        "pit_volume_m3": 0.0,
        "hillside_slope_deg": 0.0,
        "bench_height_m": 0.0,
        "bench_width_m": 0.0,
        # restoration plan
        "progressive_fraction": 0.0,
        "share_forest": 0.5,
        "share_grassland": 0.3,
        "share_shrub": 0.1,
        "share_farmland": 0.0,
        "share_water": 0.1,
        "soil_depth_cm": 100.0,
        # cost
        "topsoil_loss_fraction": 0.0,
        "respread_cost_cny_per_m3": 10.0,
        "import_cost_cny_per_m3": 40.0,
        "regrade_volume_m3_per_ha": 1000.0,
        "regrade_cost_cny_per_m3": 5.0,
        "planting_cost_forest_cny_per_ha": 30000.0,
        "planting_cost_grassland_cny_per_ha": 10000.0,
        "planting_cost_shrub_cny_per_ha": 20000.0,
        "planting_cost_farmland_cny_per_ha": 15000.0,
        "planting_cost_water_cny_per_ha": 5000.0,
        "amendment_cost_cny_per_ha": 2000.0,
        "drainage_cost_cny_per_ha": 3000.0,
        "demolition_cost_cny_per_ha": 50000.0,
        # the wall: one face at 45° (α = θ, no platforms), all of it sprayed at 100 CNY/m2,
        # so u_wall = u_wall_plant = 100 per m2 of face; the other wall measures priced 0
        # (their own tests below)
        "wall_soil_slope_max_deg": 30.0,
        "wall_bench_height_m": 15.0,
        "wall_bench_face_deg": 45.0,
        "wall_spray_share": 1.0,
        "wall_hung_net_cost_cny_per_m2": 100.0,
        "wall_thick_layer_cost_cny_per_m2": 200.0,
        "wall_thick_layer_above_deg": 60.0,
        "wall_cutback_cost_cny_per_m3": 0.0,
        "wall_scaling_cost_cny_per_m2": 0.0,
        "wall_trough_cost_cny_per_m": 0.0,
        "wall_ditch_m_per_m": 1.0,
        "wall_ditch_cost_cny_per_m": 0.0,
        "wall_retaining_m_per_m": 0.1,
        "wall_retaining_cost_cny_per_m": 0.0,
        "aftercare_rate_per_year": 0.1,
        "profit_rate": 0.10,
        "tax_rate": 0.06,
        "other_fees_rate": 0.05,
        "contingency_rate": 0.10,
        # recovery
        "required_depth_forest_m": 0.6,
        "required_depth_grassland_m": 0.3,
        "required_depth_shrub_m": 0.4,
        "required_depth_farmland_m": 0.5,
        "required_depth_water_m": 0.0,
        "annual_precipitation_mm": 600.0,
        "precipitation_reference_mm": 500.0,
        "cover_initial": 0.1,
        "toxic_cover_factor": 1.0,
        "wall_cover_factor": 0.8,
        "success_cover_forest": 0.4,
        "success_cover_grassland": 0.5,
        "success_cover_shrub": 0.4,
        "success_cover_farmland": 0.5,
        "success_cover_wall": 0.3,
        "failure_cap": 0.9,
        "failure_mult_thin": 1.5,
        "failure_mult_steep": 2.0,
        "failure_probability_drought": 0.6,
        "thin_soil_m": 0.3,
        "steep_wall_threshold_deg": 60.0,
        "drought_probability": 0.1,
        "required_success_area_share": 0.8,
        # finance
        "ore_price_cny_per_t": 500.0,
        "plan_restoration_cost_cny": 1e8,
        "fund_rate_of_revenue": 0.05,
        "bond_cny": 0.0,
        "fund_initial_deposit_cny": 0.0,
        "fund_interest_rate": 0.02,
        "discount_rate": 0.08,
        "inflation_rate": 0.03,
        "operator_default_hazard_per_year": 0.0,
    }
    r.update(overrides)
    assert set(r) == set(RESOLVED_KEYS)
    l_max = life_years(r, 1.0 - r["output_spread"])
    r["horizon_years"] = (
        l_max + r["closure_years"] + max(r["success_horizon_years"], r["monitoring_years"]) + 1
    )
    return r


def make_draw(resolved: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A draw with uncertainty switched off."""
    H = resolved["horizon_years"]
    d: dict[str, Any] = {
        "thickness_factor": 1.0,
        "output_factor": 1.0,
        "cover_max": 0.9,
        "growth_rate_per_year": 0.3,
        "failure_probability": 0.0,
        "default_uniform": 0.5,
        "cost_factor": [1.0] * len(MEASURES),
        "drought_uniform": [1.0] * H,
        "establish_land_uniform": [1.0] * H,
        "establish_wall_uniform": [1.0] * H,
    }
    d.update(overrides)
    return d


def run(**overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    r = make_resolved(**overrides)
    return r, simulate_draw(r, make_draw(r))


def approx(x: Any) -> Any:
    return pytest.approx(x, rel=REL, abs=1e-9)


# ---- §1-2 schedule and life ------------------------------------------------------------


def test_life_with_ramp_up_and_remainder_year() -> None:
    r = make_resolved()
    # q = [0, 1.5, 3, 3, 2.5]: the 4th year takes the remainder 10 - 7.5 = 2.5.
    assert life_years(r, 1.0) == 4
    # f = 0.5: Q = 1.5, ramp 0.75; cumulative 0.75, 2.25, 3.75, 5.25, 6.75, 8.25, 9.75,
    # then the remainder 0.25 in year 8.
    assert life_years(r, 0.5) == 8
    # f = 2: Q = 6, ramp 3; cumulative 3, 9, then remainder 1 -> L = 3.
    assert life_years(r, 2.0) == 3
    # H = 4 + closure 1 + max(3, 0) + 1 = 9.
    assert r["horizon_years"] == 9


def test_tiny_remainder_is_dropped() -> None:
    # No ramp-up, Q = 3, R = 9.000000001: the year-4 remainder ≈ 1e-9 <= 1e-9 R -> q_4 = 0.
    r = make_resolved(ramp_up_years=0, reserves_mt=9.000000001)
    assert life_years(r, 1.0) == 3
    # Without the rule it would be 4 years; with a remainder just above the threshold:
    r2 = make_resolved(ramp_up_years=0, reserves_mt=9.0001)
    assert life_years(r2, 1.0) == 4


def test_yearly_schedule_via_dump_and_infrastructure() -> None:
    r, out = run()
    assert out["life_years"] == 4
    H = r["horizon_years"]
    # Dump: 10 ha per Mt, cumulative 10 * (0, 1.5, 4.5, 7.5, 10, 10, ...).
    expected_dump = [0.0, 15.0, 45.0, 75.0, 100.0] + [100.0] * (H - 5)
    assert out["disturbed_ha"]["dump"] == approx(expected_dump)
    # Infrastructure is disturbed in year 0 only.
    assert out["disturbed_ha"]["infrastructure"] == approx([30.0] * H)
    # Floor disturbance follows x_t: cumulative A_floor * (0, .15, .45, .75, 1, ...).
    cum_x = [0.0, 0.15, 0.45, 0.75, 1.0] + [1.0] * (H - 5)
    assert out["disturbed_ha"]["pit_floor"] == approx([A_FLOOR * c for c in cum_x])
    assert out["disturbed_ha"]["pit_wall"] == approx([W_PLAN * c for c in cum_x])


# ---- §3 geometry -----------------------------------------------------------------------


def test_pit_footprint_and_wall_areas() -> None:
    _, out = run()
    assert out["pit_footprint_ha"] == approx(500.0)
    assert out["pit_enlarged"] is False
    assert W_PLAN == pytest.approx(17.88854382, rel=1e-9)  # sanity of the hand value
    assert out["disturbed_ha"]["pit_wall"][-1] == approx(W_PLAN)
    assert out["disturbed_ha"]["pit_floor"][-1] == approx(A_FLOOR)
    assert out["total_disturbed_ha"] == approx(630.0)


def test_benched_wall_by_hand() -> None:
    """SPEC §5 wall: 20 m at 45° in rock with 70° faces and 15 m benches (no cut-back). Per
    metre: platforms 20 (cot 45° - cot 70°) m2 as mined land,
    20/15 troughs, 40 % of the 20 / sin 70° m2 of rock face sprayed thick-layer (70° > 60°),
    one metre of crest ditch and 0.1 m of retaining wall; paid with the works' fees, and the
    platforms' land joins the land to cover with soil (ω = 1 here: own soil is plenty)."""
    geometry = dict(wall_bench_face_deg=70.0)
    prices = dict(
        wall_spray_share=0.4,
        wall_trough_cost_cny_per_m=200.0,
        wall_ditch_cost_cny_per_m=150.0,
        wall_retaining_cost_cny_per_m=800.0,
    )
    _, base = run(**geometry, wall_spray_share=0.0)
    _, out = run(**geometry, **prices)
    cot70 = 1.0 / math.tan(math.radians(70.0))
    platform_m2 = 20.0 * (1.0 - cot70)
    rock_m2 = 20.0 / math.sin(math.radians(70.0))
    per_m = 20.0 / 15.0 * 200.0 + 0.4 * rock_m2 * 200.0 + 150.0 + 0.1 * 800.0
    assert out["cost_cny"] - base["cost_cny"] == approx(M_W * L_WALL * per_m)
    # platforms cost what dry floor costs: without a water body (which floods part of the
    # floor, left unregraded) a steeper wall (50°, still below α) turns platform into floor and
    # costs the same
    dry = dict(share_water=0.0, share_forest=0.6)
    _, dry_base = run(**geometry, **dry, wall_spray_share=0.0)
    _, steeper = run(**geometry, **dry, wall_spray_share=0.0, final_highwall_slope_deg=50.0)
    assert steeper["cost_cny"] == approx(dry_base["cost_cny"])
    assert platform_m2 > 20.0 * (1.0 / math.tan(math.radians(50.0)) - cot70) > 0.0


def test_wall_face_area_via_wall_cost() -> None:
    # Only wall greening costs anything; all restoration in year L+1 = 5 (p = 0, C = 1):
    # cost = m_w * W_face * u_wall, W_face = ℓ * 20/sin 45° = 20 √2 * 4 √(5e6) ≈ 252 982 m2.
    zero = dict.fromkeys(
        [*LAND_PRICES, "regrade_cost_cny_per_m3", "drainage_cost_cny_per_ha"], 0.0
    )
    _, out = run(**zero)
    assert W_FACE == pytest.approx(252982.2128, rel=1e-9)
    assert out["cost_cny"] == approx(M_W * W_FACE * 100.0)


def test_enlarged_pit() -> None:
    # R = 0.2 Mt mined in one year: A_vol = 50 * 0.2 = 10 ha.
    # 100 m wall at 45°: p_len = 100, A_min = 16 (100 + 20)² / 1e4 = 23.04 ha > 10.
    # A_pit = 23.04, ℓ = 4 √230400 = 1920 m, W_plan = 1920 * 100 / 1e4 = 19.2 ha,
    # A_floor = 3.84 ha, W_face = 1920 * 100 √2 m2.
    _, out = run(reserves_mt=0.2, final_highwall_height_m=100.0)
    assert out["life_years"] == 1
    assert out["pit_enlarged"] is True
    assert out["pit_footprint_ha"] == approx(23.04)
    assert out["disturbed_ha"]["pit_wall"][-1] == approx(19.2)
    assert out["disturbed_ha"]["pit_floor"][-1] == approx(3.84)
    # Dump 10 ha/Mt * 0.2 = 2 ha; D = 23.04 + 2 + 30.
    assert out["total_disturbed_ha"] == approx(55.04)
    # The whole disturbance is in year 1 (x_1 = 1).
    assert out["disturbed_ha"]["pit_wall"][0] == 0.0
    assert out["disturbed_ha"]["pit_wall"][1] == approx(19.2)


def test_thickness_factor_scales_pit() -> None:
    # thickness_factor 2 -> h = 8 m, a_pit = 25 ha/Mt, A_vol = 250 ha (still > A_min).
    r = make_resolved()
    out = simulate_draw(r, make_draw(r, thickness_factor=2.0))
    assert out["pit_footprint_ha"] == approx(250.0)


def test_design_pit_footprint_and_capacity() -> None:
    # SPEC §3a, closed pit: 100 ha = 1000 m square, 10 m deep at 45°: floor 980 m square,
    # wall plan (1e6 - 960400) m2 = 3.96 ha; V = 10/3 (1e6 + 960400 + 1000·980) m3 holds
    # V·2.5/(1 + 4)/1e6 = 4.9007 Mt of ore, below the 10 Mt stated: 1.5 + 3 + 0.4007 Mt.
    design = {"design_pit": True, "pit_area_ha": 100.0, "pit_depth_m": 10.0}
    _, out = run(**design)
    cap = 10 / 3 * (1e6 + 960400 + 980_000) * 2.5 / 5 / 1e6
    assert out["pit_footprint_ha"] == approx(100.0) and out["pit_enlarged"] is False
    assert out["disturbed_ha"]["pit_wall"][-1] == approx(3.96)
    assert out["disturbed_ha"]["pit_floor"][-1] == approx(96.04)
    assert out["life_years"] == 3
    assert out["disturbed_ha"]["dump"][-1] == approx(4 * cap * 1e6 / 2.5 * 1.25 / 20 / 1e4)
    # a low draw recovers less (3 Mt: two years) on the same footprint
    r = make_resolved(**design)
    low = simulate_draw(r, make_draw(r, thickness_factor=0.3))
    assert low["life_years"] == 2 and low["pit_footprint_ha"] == approx(100.0)
    assert low["disturbed_ha"]["dump"][-1] == approx(4 * 3.0 * 1e6 / 2.5 * 1.25 / 20 / 1e4)


def test_design_hillside_walls() -> None:
    # SPEC §3a, hillside: ground 30°, walls 60°, 20 m face over 2 ha: cut 20/tan30 = 34.64 m
    # deep in plan, 577.4 m long; wall plan 577.4 · 20/tan60 m2, face = plan / cos 60°.
    design = {
        "design_pit": True,
        "pit_area_ha": 2.0,
        "pit_depth_m": 20.0,
        "hillside_slope_deg": 30.0,
        "final_highwall_slope_deg": 60.0,
        "reserves_mt": 0.05,
    }
    _, out = run(**design)
    length = 2e4 / (20 / math.tan(math.radians(30)))
    plan_ha = length * 20 / math.tan(math.radians(60)) / 1e4
    assert out["disturbed_ha"]["pit_wall"][-1] == approx(plan_ha)
    assert out["pit_footprint_ha"] == approx(2.0)


def test_dump_area() -> None:
    # SR q 1e6 / ρ * swell / height / 1e4 = 4 * 10e6 / 2.5 * 1.25 / 20 / 1e4 = 100 ha.
    _, out = run()
    assert out["disturbed_ha"]["dump"][-1] == approx(100.0)
    # Doubling the dump height halves it: 50 ha.
    _, out2 = run(dump_height_m=40.0)
    assert out2["disturbed_ha"]["dump"][-1] == approx(50.0)


# ---- §5 cost ---------------------------------------------------------------------------


def test_total_cost_simple() -> None:
    # p = 0, C = 1, m = 0: everything is restored (and paid) in year L+1 = 5.
    # Topsoil: S = 1.0 m * (1 - 0) * 630 ha * 1e4 = 6.3e6 m3;
    # need N = 0.43 * (M + I) * 1e4 = 0.43 * 612.1 * 1e4 ≈ 2.63e6 -> ω = 1.
    # u_M = (5000 + 3000) 0.9 + 2000 + 43000 + 20500 = 72 700; u_I = 50000 + 43000 + 20500
    # + 3000.
    # cost = m_w (M u_M + I u_I + W_face u_wall), m_w = 1.3376.
    _, out = run()
    expected = M_W * (M_LAND * U_M + D_INFRA * U_I + W_FACE * U_WALL)
    assert out["cost_cny"] == approx(expected)
    assert out["spend_cny"][5] == approx(expected)
    assert [s for t, s in enumerate(out["spend_cny"]) if t != 5] == [0.0] * 8
    assert out["cost_per_ha_cny"] == approx(expected / 630.0)


def test_cutback_and_scaling_by_hand() -> None:
    """SPEC §5 cut-back: a 75° wall 20 m high in rock with 70° faces is cut back by
    ½ 20² (cot 70° - cot 75°) m3 per metre and scaled over 20 / sin 70° m2 per metre, paid
    with the works' fees."""
    slope = dict(final_highwall_slope_deg=75.0, wall_bench_face_deg=70.0)
    prices = dict(wall_cutback_cost_cny_per_m3=30.0, wall_scaling_cost_cny_per_m2=10.0)
    _, base = run(**slope)
    r, cut = run(**slope, **prices)
    cot = lambda deg: 1.0 / math.tan(math.radians(deg))  # noqa: E731
    wedge = 0.5 * 20.0**2 * (cot(70.0) - cot(75.0))
    scaled = 20.0 / math.sin(math.radians(70.0))
    length = r["wall_length_factor"] * math.sqrt(cut["pit_footprint_ha"] * 1e4)
    expected = M_W * length * (wedge * 30.0 + scaled * 10.0)
    assert cut["cost_cny"] - base["cost_cny"] == approx(expected)
    # below the stable angle only scaling is paid
    slope["final_highwall_slope_deg"] = 50.0
    _, gentle = run(**slope)
    _, gentle_cut = run(**slope, **prices)
    length = r["wall_length_factor"] * math.sqrt(gentle["pit_footprint_ha"] * 1e4)
    assert gentle_cut["cost_cny"] - gentle["cost_cny"] == approx(M_W * length * scaled * 10.0)


def test_cost_factors_map_to_measures() -> None:
    # MEASURES order: regrading, soil, revegetation, amendment, wall_greening, drainage,
    # demolition, aftercare, cutback, wall_benches, wall_drains (priced 0). Monitoring 1 year
    # so the aftercare factor shows.
    phi = [1.5, 2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0, 19.0, 23.0, 29.0]
    r = make_resolved(monitoring_years=1)
    out = simulate_draw(r, make_draw(r, cost_factor=phi))
    u_plant = U_PLANT * 3.0
    u_soil = U_SOIL * 2.0
    u_wall = U_WALL * 7.0
    u_m = (U_REGRADE * 1.5 + U_DRAIN * 11.0) * KAPPA + U_AMEND * 5.0 + u_soil + u_plant
    u_i = U_DEMOL * 13.0 + u_soil + u_plant + U_DRAIN * 11.0
    works = M_LAND * u_m + D_INFRA * u_i + W_FACE * u_wall
    planting = (M_LAND + D_INFRA) * u_plant + W_FACE * u_wall
    aftercare = 0.1 * planting * 17.0  # paid once, in year 6
    assert out["spend_cny"][5] == approx(M_W * works)
    assert out["spend_cny"][6] == approx(M_A * aftercare)
    assert out["cost_cny"] == approx(M_W * works + M_A * aftercare)


def test_aftercare_years() -> None:
    # m = 2: a_5 = 0.1 * P_5 paid in years 6 and 7, times m_a.
    r, out = run(monitoring_years=2)
    assert r["horizon_years"] == 4 + 1 + 3 + 1
    planting = (M_LAND + D_INFRA) * U_PLANT + W_FACE * U_WALL
    a5 = 0.1 * planting
    assert out["spend_cny"][6] == approx(M_A * a5)
    assert out["spend_cny"][7] == approx(M_A * a5)
    assert out["spend_cny"][8] == 0.0
    works = M_LAND * U_M + D_INFRA * U_I + W_FACE * U_WALL
    assert out["cost_cny"] == approx(M_W * works + 2 * M_A * a5)


def test_topsoil_shortage_and_import() -> None:
    # soil 20 cm, loss 25 %: S = 0.2 * 0.75 * 630 * 1e4 = 945 000 m3.
    # N = 0.43 * (M + I) * 1e4 with M + I = 630 - W_plan (all land except the wall plan).
    s = 0.2 * 0.75 * 630.0 * 1e4
    n = 0.43 * (630.0 - W_PLAN) * 1e4
    omega = s / n  # ≈ 0.359
    assert 0.3 < omega < 0.4
    works_other = M_LAND * ((U_REGRADE + U_DRAIN) * KAPPA + U_AMEND + U_PLANT) + D_INFRA * (
        U_DEMOL + U_PLANT + U_DRAIN
    )
    land = M_LAND + D_INFRA
    # No import: u_soil = 0.43 * 1e4 * ω * 10.
    _, out = run(soil_depth_cm=20.0, topsoil_loss_fraction=0.25)
    u_soil = 0.43 * 1e4 * (omega * 10.0)
    expected = M_W * (works_other + land * u_soil + W_FACE * U_WALL)
    assert out["cost_cny"] == approx(expected)
    # Import: u_soil = 0.43 * 1e4 * (ω * 10 + (1 - ω) * 40).
    _, out = run(soil_depth_cm=20.0, topsoil_loss_fraction=0.25, import_topsoil=True)
    u_soil = 0.43 * 1e4 * (omega * 10.0 + (1.0 - omega) * 40.0)
    expected = M_W * (works_other + land * u_soil + W_FACE * U_WALL)
    assert out["cost_cny"] == approx(expected)
    # Not stripped: S = 0 -> ω = 0, no import -> no soil cost at all.
    _, out = run(topsoil_stripped=False)
    assert out["cost_cny"] == approx(M_W * (works_other + W_FACE * U_WALL))


def test_pv_cost_with_inflation_and_discount() -> None:
    # All spend in year 5: pv = cost * 1.03^5 / 1.08^5.
    _, out = run()
    assert out["pv_cost_cny"] == approx(out["cost_cny"] * 1.03**5 / 1.08**5)
    cost = M_W * (M_LAND * U_M + D_INFRA * U_I + W_FACE * U_WALL)
    assert out["pv_cost_cny"] == approx(cost * (1.03 / 1.08) ** 5)


def test_pv_revenue() -> None:
    # R_t = q_t 1e6 * 500 * 1.03^t; pv = Σ R_t / 1.08^t over t = 1..4.
    _, out = run()
    q = [0.0, 1.5, 3.0, 3.0, 2.5]
    expected = 0.0
    for t in range(5):
        expected += q[t] * 1e6 * 500.0 * 1.03**t / 1.08**t
    assert out["pv_revenue_cny"] == approx(expected)


# ---- §4 restoration --------------------------------------------------------------------


def test_progressive_restoration_schedule() -> None:
    # p = 0.5, g = 1, C = 2, L = 4. Dump Δ = [0, 15, 30, 30, 25]:
    # prog[τ] = 0.5 Δ[τ-1] for 2 <= τ <= 4 -> 7.5, 15, 15 (Σ 37.5);
    # final = (100 - 37.5) / 2 = 31.25 in years 5, 6. Infrastructure 15 ha in years 5, 6.
    r, out = run(progressive_fraction=0.5, closure_years=2)
    H = r["horizon_years"]
    assert H == 4 + 2 + 3 + 1
    assert out["restored_ha"]["dump"] == approx(
        [0.0, 0.0, 7.5, 22.5, 37.5, 68.75, 100.0, 100.0, 100.0, 100.0]
    )
    assert out["restored_ha"]["infrastructure"] == approx([0.0] * 5 + [15.0] + [30.0] * 4)
    # Pit floor + wall plan disturbed per year = A_pit x_t = 50 q_t = [0, 75, 150, 150, 125].
    # Unrestored sum (floor + wall + dump + infra), cumulative:
    # t=0: 30; t=1: 75 + 15 + 30 = 120; t=2: 225 + 45 + 30 - 0.5 (75 + 15) = 255;
    # t=3: 375 + 75 + 30 - (45 + 90) = 345; t=4: 630 - (135 + 90) = 405;
    # t=5: 630 - 225 - (600 - 225)/2 - 15 = 202.5. Peak 405 at t = 4.
    assert out["peak_unrestored_ha"] == approx(405.0)


def test_restored_never_exceeds_disturbed_and_matches_at_end() -> None:
    r, out = run(progressive_fraction=0.7, progressive_lag_years=0, closure_years=3)
    H = r["horizon_years"]
    for ac in AREA_CLASSES:
        dist = out["disturbed_ha"][ac]
        rest = out["restored_ha"][ac]
        assert len(dist) == len(rest) == H
        for t in range(H):
            assert rest[t] <= dist[t] + 1e-9 * 630.0, (ac, t)
        assert rest[-1] == pytest.approx(dist[-1], rel=1e-12, abs=1e-9)
    # Everything restored by L + C = 7; nothing is unrestored afterwards.
    total_rest = sum(out["restored_ha"][ac][7] for ac in AREA_CLASSES)
    assert total_rest == approx(630.0)


def test_peak_unrestored_no_progressive() -> None:
    # p = 0: the peak is the whole disturbance, 630 ha, at t = L = 4.
    _, out = run()
    assert out["peak_unrestored_ha"] == approx(630.0)


# ---- §6 recovery -----------------------------------------------------------------------


def test_success_base_case() -> None:
    # Cohort τ = 5, deadline Dl = 4 + 1 + 3 = 8, no drought -> G[8] - G[5] = 3.
    # Land: F = 0.9 - 0.8 e^{-0.9} = 0.575 >= forest .4, grass .5, shrub .4 (farm share 0).
    # Wall: Fmax = 0.72, F = 0.72 - 0.62 e^{-0.9} = 0.468 >= 0.3.
    _, out = run()
    assert out["success_area_share"] == approx(1.0)
    assert out["success"] is True
    assert out["rework_area_share"] == 0.0


def test_cover_ceiling_below_forest_criterion_fails() -> None:
    # All land is forest, criterion 0.6, ceiling cover_max = 0.5 < 0.6 -> no land meets.
    # Walls: Fmax = 0.5 * 0.8 = 0.4, growth 1: F = 0.4 - 0.3 e^{-3} = 0.385 >= 0.3 -> meet.
    # Share = W_plan / (M + I + W_plan) = W_plan / 630.
    shares = {
        "share_forest": 1.0,
        "share_grassland": 0.0,
        "share_shrub": 0.0,
        "share_farmland": 0.0,
        "share_water": 0.0,
        "success_cover_forest": 0.6,
    }
    r = make_resolved(**shares)
    out = simulate_draw(r, make_draw(r, cover_max=0.5, growth_rate_per_year=1.0))
    assert out["success_area_share"] == approx(W_PLAN / 630.0)
    assert out["success"] is False
    # Same with a ceiling above the criterion succeeds: F = 0.9 - 0.8 e^{-3} = 0.86 >= 0.6.
    out = simulate_draw(r, make_draw(r, cover_max=0.9, growth_rate_per_year=1.0))
    assert out["success_area_share"] == approx(1.0)
    assert out["success"] is True


def test_toxic_substrate_limits_mined_land_only() -> None:
    # tox = 0.4: Fmax_M = 0.9 * 0.4 = 0.36 < every land criterion (0.4, 0.5, 0.4), so mined
    # land meets only through water (0.1); infrastructure land (Fmax 0.9) and walls meet.
    _, out = run(toxic_cover_factor=0.4)
    assert out["success_area_share"] == approx((M_LAND * 0.1 + D_INFRA + W_PLAN) / 630.0)


def test_precipitation_scales_ceiling_and_growth() -> None:
    # π_P = 400 / 500 = 0.8: Fmax = 0.9 * 0.8 = 0.72, k = 0.3 * 0.8 = 0.24, n = 3.
    # F = 0.72 - (0.72 - 0.1) e^{-0.72} = 0.72 - 0.62 * 0.48675 = 0.4182.
    # Criteria forest 0.41 (meets), shrub 0.44 (fails), grassland 0.5 (fails); water meets:
    # land meets 0.5 + 0.1 = 0.6. (With k unscaled F = 0.468 and shrub would meet;
    # with F0 = 0, F = 0.3695 and forest would fail.)
    # Walls: Fmax = 0.72 * 0.8 = 0.576, F = 0.576 - 0.476 * 0.48675 = 0.344 >= 0.3.
    _, out = run(annual_precipitation_mm=400.0, success_cover_forest=0.41, success_cover_shrub=0.44)
    land = M_LAND + D_INFRA
    assert out["success_area_share"] == approx((land * 0.6 + W_PLAN) / 630.0)


def test_cover_growth_by_cohort_and_drought() -> None:
    # p = 0.5, g = 1, C = 2, success horizon 3 -> Dl = 9, H = 10. Forest only, criterion
    # 0.55; walls factor 1, criterion 0.5; cover_max 0.8, F0 0.1, k = 0.2.
    # No drought: G[9] - G[τ] = 9 - τ. F(n) = 0.8 - 0.7 e^{-0.2 n}:
    # n = 7: 0.627, 6: 0.589, 5: 0.543, 4: 0.486, 3: 0.416.
    # Forest meets for τ = 2, 3; walls for τ = 2, 3, 4; τ = 5, 6 fail.
    over = {
        "progressive_fraction": 0.5,
        "closure_years": 2,
        "share_forest": 1.0,
        "share_grassland": 0.0,
        "share_shrub": 0.0,
        "share_farmland": 0.0,
        "share_water": 0.0,
        "success_cover_forest": 0.55,
        "wall_cover_factor": 1.0,
        "success_cover_wall": 0.5,
    }
    r = make_resolved(**over)
    assert r["horizon_years"] == 10
    base = make_draw(r, cover_max=0.8, growth_rate_per_year=0.2)
    out = simulate_draw(r, base)
    # Cohorts: M_τ = 0.5 (A_floor x_{τ-1} + 10 q_{τ-1}); Wp_τ = 0.5 W_plan x_{τ-1}.
    m2 = 0.5 * (A_FLOOR * 0.15 + 15.0)
    m3 = 0.5 * (A_FLOOR * 0.30 + 30.0)
    wp = 0.5 * W_PLAN * (0.15 + 0.30 + 0.30)
    assert out["success_area_share"] == approx((m2 + m3 + wp) / 630.0)
    # Drought in year 8 (uniform 0 < 0.1): every n drops by one -> n = 6, 5, 4, 3, 2.
    # Forest meets only for τ = 2 (0.589); walls for τ = 2, 3 (0.589, 0.543).
    drought = [1.0] * 10
    drought[8] = 0.0
    out = simulate_draw(r, {**base, "drought_uniform": drought})
    wp = 0.5 * W_PLAN * (0.15 + 0.30)
    assert out["success_area_share"] == approx((m2 + wp) / 630.0)


def test_establishment_failure_and_rework() -> None:
    # failure_probability 0.2 (soil not thin, wall 45° not steep, no drought) -> p = 0.2.
    # Land: uniform[5] = 0.1 < 0.2 fails, uniform[6] = 0.5 succeeds -> s_land = 6.
    # Wall: uniform[5] = 0.15, [6] = 0.1 fail, [7] = 0.9 succeeds -> s_wall = 7.
    r = make_resolved()
    land = [1.0] * 9
    land[5] = 0.1
    land[6] = 0.5
    wall = [1.0] * 9
    wall[5] = 0.15
    wall[6] = 0.1
    wall[7] = 0.9
    draw = make_draw(
        r, failure_probability=0.2, establish_land_uniform=land, establish_wall_uniform=wall
    )
    out = simulate_draw(r, draw)
    land_area = M_LAND + D_INFRA
    # Rework: land once (year 6), wall twice (years 6 and 7).
    assert out["spend_cny"][6] == approx(M_W * (land_area * U_REWORK + W_FACE * U_WALL))
    assert out["spend_cny"][7] == approx(M_W * W_FACE * U_WALL)
    # rework share = ((M + I)(1 - 0.1) + W_plan) / 630.
    assert out["rework_area_share"] == approx((land_area * 0.9 + W_PLAN) / 630.0)
    # Cover: land n = G[8] - G[6] = 2: F = 0.9 - 0.8 e^{-0.6} = 0.461 -> forest, shrub meet,
    # grassland (0.5) fails; water meets: 0.5 + 0.1 + 0.1 = 0.7 of the land.
    # Wall n = 1: F = 0.72 - 0.62 e^{-0.3} = 0.261 < 0.3 fails.
    assert out["success_area_share"] == approx(land_area * 0.7 / 630.0)
    assert out["success"] is False


@pytest.mark.parametrize(("cap", "land_fails"), [(0.9, True), (0.5, False)])
def test_drought_steep_and_cap(cap: float, land_fails: bool) -> None:
    # Drought in year 5 (uniform 0.05 < 0.1): p_land(5) = min(cap, 0.6) = 0.6 or 0.5 (the
    # drought-year probability replaces the normal-year 0.2).
    # Land uniform[5] = 0.5: fails under cap 0.9 (0.5 < 0.6), succeeds under cap 0.5.
    # Wall at 70° > 60° is steep: p_wall(5) = min(cap, 0.6 * 2) = cap; uniform 0.45
    # fails in both; p_wall(6) = 0.2 * 2 = 0.4 (no drought), uniform 0.3 fails (it would pass
    # a non-steep wall); p_wall(7) = 0.4, uniform 0.45 succeeds -> wall rework in 6 and 7.
    r = make_resolved(
        final_highwall_slope_deg=70.0,
        wall_bench_face_deg=70.0,  # one 70° face, hung-net sprayed: u_wall = 100 CNY/m2
        wall_thick_layer_above_deg=75.0,
        failure_cap=cap,
    )
    drought = [1.0] * 9
    drought[5] = 0.05
    land = [1.0] * 9
    land[5] = 0.5
    wall = [1.0] * 9
    wall[5] = 0.45
    wall[6] = 0.3
    wall[7] = 0.45
    draw = make_draw(
        r,
        failure_probability=0.2,
        drought_uniform=drought,
        establish_land_uniform=land,
        establish_wall_uniform=wall,
    )
    out = simulate_draw(r, draw)
    # 70° geometry: ℓ = 4 √5e6, W_plan = ℓ (20 / tan 70°) / 1e4, W_face = ℓ 20 / sin 70°.
    theta = math.radians(70.0)
    w_plan = L_WALL * (20.0 / math.tan(theta)) / 1e4
    w_face = L_WALL * 20.0 / math.sin(theta)
    land_area = 630.0 - w_plan  # floor + dump + infrastructure
    rework_land = land_area * U_REWORK if land_fails else 0.0
    assert out["spend_cny"][6] == approx(M_W * (rework_land + w_face * U_WALL))
    assert out["spend_cny"][7] == approx(M_W * w_face * U_WALL)
    expected_share = ((land_area * 0.9 if land_fails else 0.0) + w_plan) / 630.0
    assert out["rework_area_share"] == approx(expected_share)


def test_drought_year_failure_replaces_the_normal_year_one() -> None:
    # Normal-year failure 0, drought-year failure 0.6 (make_resolved). Land uniform 0.5 in
    # years 5 and 6; year 5 is a drought year (uniform 0.05 < 0.1), year 6 is not:
    # p_land(5) = 0.6 > 0.5 fails, p_land(6) = 0 passes -> s_land = 6, rework of the land in
    # year 6. A drought-year failure does not scale with the normal-year probability (a
    # multiplier on 0 would never fail). Walls (uniform 1.0) establish in year 5.
    r = make_resolved()
    drought = [1.0] * 9
    drought[5] = 0.05
    land = [1.0] * 9
    land[5] = 0.5
    land[6] = 0.5
    draw = make_draw(r, drought_uniform=drought, establish_land_uniform=land)
    out = simulate_draw(r, draw)
    land_area = M_LAND + D_INFRA
    assert out["spend_cny"][6] == approx(M_W * land_area * U_REWORK)
    assert out["rework_area_share"] == approx(land_area * 0.9 / 630.0)
    # the same uniforms without the drought: nothing fails
    out = simulate_draw(r, make_draw(r, establish_land_uniform=land))
    assert out["rework_area_share"] == 0.0


def test_thin_soil_multiplier() -> None:
    # Topsoil short and not imported: ω = 0.2 * 0.75 * 630e4 / (0.43 (630 - W_plan) 1e4)
    # ≈ 0.359 = ρ; d_pl = 0.43 / 0.9 = 0.478 m; ρ d_pl ≈ 0.17 < 0.3 -> thin soil:
    # p_land = 0.2 * 1.5 = 0.3, so land uniform 0.25 in year 5 fails (0.25 < 0.3).
    # With imported topsoil ρ = 1, ρ d_pl = 0.478 >= 0.3, p_land = 0.2 and 0.25 passes.
    land = [1.0] * 9
    land[5] = 0.25
    for imported, expected in ((False, (630.0 - W_PLAN) * 0.9 / 630.0), (True, 0.0)):
        r = make_resolved(soil_depth_cm=20.0, topsoil_loss_fraction=0.25, import_topsoil=imported)
        draw = make_draw(r, failure_probability=0.2, establish_land_uniform=land)
        out = simulate_draw(r, draw)
        assert out["rework_area_share"] == approx(expected)
        if imported:
            # ρ = 1, land established in year 5 as in the base case: everything meets.
            assert out["success_area_share"] == approx(1.0)
        else:
            # ρ_lu = ρ ≈ 0.359 for the uses with soil: Fmax = 0.9 ρ ≈ 0.323 < 0.4, so forest,
            # grassland and shrub fail; water (0.1 of the land) meets; walls (s = 5) meet.
            share = ((630.0 - W_PLAN) * 0.1 + W_PLAN) / 630.0
            assert out["success_area_share"] == approx(share)


def test_farmland_needs_full_soil_depth() -> None:
    # Shares forest .5, grassland .3, farmland .1, water .1: d̄ = 0.3 + 0.09 + 0.05 = 0.44.
    # Choose the soil depth so that ω = S / N = 0.99 exactly (up to rounding):
    # S = sd/100 * 630e4, N = 0.44 (630 - W_plan) 1e4 -> sd = 99 * 0.44 (630 - W_plan) / 630.
    # Without import ρ = 0.99: the ceilings 0.9 * 0.99 still clear every cover criterion
    # (F = 0.891 - 0.791 e^{-0.9} = 0.569 >= 0.5), but farmland needs ρ >= 1 - 1e-9 -> fails.
    shares = {
        "share_forest": 0.5,
        "share_grassland": 0.3,
        "share_shrub": 0.0,
        "share_farmland": 0.1,
        "share_water": 0.1,
        "topsoil_loss_fraction": 0.0,
        "soil_depth_cm": 99.0 * 0.44 * (630.0 - W_PLAN) / 630.0,
    }
    _, out = run(**shares)
    land = 630.0 - W_PLAN
    assert out["success_area_share"] == approx((land * 0.9 + W_PLAN) / 630.0)
    _, out = run(**shares, import_topsoil=True)
    assert out["success_area_share"] == approx(1.0)


def test_never_established_cohort() -> None:
    # Land attempts fail in every year 5..8 (uniform 0.1 < p = 0.2): s_land = H = 9.
    # Rework follows failures at 5, 6, 7 in years 6, 7, 8; the failure at 8 would be
    # reworked in year 9 = H and is dropped. Cover is 0: only water (0.1) meets.
    r = make_resolved()
    land = [1.0] * 5 + [0.1] * 4
    out = simulate_draw(r, make_draw(r, failure_probability=0.2, establish_land_uniform=land))
    land_area = M_LAND + D_INFRA
    for t in (6, 7, 8):
        assert out["spend_cny"][t] == approx(M_W * land_area * U_REWORK)
    assert out["cost_cny"] == approx(
        M_W * (land_area * U_M - D_INFRA * (U_M - U_I) + W_FACE * U_WALL)
        + 3 * M_W * land_area * U_REWORK
    )
    assert out["rework_area_share"] == approx(land_area * 0.9 / 630.0)
    assert out["success_area_share"] == approx((land_area * 0.1 + W_PLAN) / 630.0)


# ---- §7 finance ------------------------------------------------------------------------


def test_fund_balance_plan_cost_by_output() -> None:
    # Deposits 1e8 x_t = 1.5e7, 3e7, 3e7, 2.5e7 in years 1..4, interest 2 %, no spend
    # before closure (p = 0): B_4 = 1.5e7 1.02³ + 3e7 1.02² + 3e7 1.02 + 2.5e7.
    _, out = run()
    b = out["fund_balance_cny"]
    assert b[0] == 0.0
    assert b[1] == approx(1.5e7)
    assert b[2] == approx(1.5e7 * 1.02 + 3e7)
    b4 = 1.5e7 * 1.02**3 + 3e7 * 1.02**2 + 3e7 * 1.02 + 2.5e7
    assert b[4] == approx(b4)
    assert out["fund_at_closure_cny"] == approx(b4)
    # Year 5: B_5 = max(0, 1.02 B_4 - spend_5 1.03^5); spend_5 ≈ 95.8e6 real -> clipped to 0.
    spend5 = M_W * (M_LAND * U_M + D_INFRA * U_I + W_FACE * U_WALL)
    assert 1.02 * b4 - spend5 * 1.03**5 < 0.0
    assert b[5] == 0.0
    assert out["fund_balance_cny"][-1] == 0.0


def test_first_deposit_enters_the_fund_in_year_0() -> None:
    # A first deposit D = 1e7 paid in before works begin: B_0 = D (no spend in year 0), then
    # it earns the fund's 2 % beside the plan deposits: B_4 = b4 + D 1.02^4.
    d = 1e7
    _, out = run(fund_initial_deposit_cny=d)
    b = out["fund_balance_cny"]
    assert b[0] == approx(d)
    assert b[1] == approx(d * 1.02 + 1.5e7)
    b4 = 1.5e7 * 1.02**3 + 3e7 * 1.02**2 + 3e7 * 1.02 + 2.5e7
    assert out["fund_at_closure_cny"] == approx(b4 + d * 1.02**4)
    # A walk-away in year 1 leaves Wk_0 - B_0 = m_w 30 u_I - D to the public.
    r = make_resolved(operator_default_hazard_per_year=0.1, fund_initial_deposit_cny=1e6)
    out = simulate_draw(r, make_draw(r, default_uniform=0.0))
    assert out["unfunded_liability_cny"] == approx(M_W * 30.0 * U_I - 1e6)


def test_fund_balance_revenue_share() -> None:
    # Deposit 0.05 R_t, R_t = q_t 1e6 500 1.03^t.
    _, out = run(fund_basis_revenue=True)
    q = [0.0, 1.5, 3.0, 3.0, 2.5]
    bal = 0.0
    for t in range(5):
        bal = bal * 1.02 + 0.05 * q[t] * 1e6 * 500.0 * 1.03**t
    assert out["fund_at_closure_cny"] == approx(bal)


def test_liability_at_closure_and_assurance() -> None:
    # m = 2, p = 0: at t = L = 4 nothing is restored: Um = A_floor + 100, Ui = 30, Uwf = W_face.
    # Wk_4 = 1.03^4 [m_w (Um u_M + Ui u_I + Uwf u_wall)
    #                + m_a 2 0.1 ((Um + Ui) u_plant + Uwf u_wall)]  (no cohort restored yet).
    _, out = run(monitoring_years=2)
    um, ui, uwf = M_LAND, D_INFRA, W_FACE
    wk4 = 1.03**4 * (
        M_W * (um * U_M + ui * U_I + uwf * U_WALL)
        + M_A * 2 * 0.1 * ((um + ui) * U_PLANT + uwf * U_WALL)
    )
    assert out["walkaway_liability_cny"][4] == approx(wk4)
    # Cost still to pay at closure: the works in year 5 and the aftercare in years 6 and 7,
    # nominal, valued at the end of year 4 with the fund's 2 % interest.
    works5 = M_W * (um * U_M + ui * U_I + uwf * U_WALL)
    a5_ = 0.1 * ((um + ui) * U_PLANT + uwf * U_WALL)
    k4 = 1.03**5 * works5 / 1.02 + 1.03**6 * M_A * a5_ / 1.02**2 + 1.03**7 * M_A * a5_ / 1.02**3
    assert out["liability_at_closure_cny"] == approx(k4)
    # After restoration in year 5 only the pending aftercare remains:
    # Wk_5 = 1.03^5 m_a (2 a_5), Wk_6 = 1.03^6 m_a (1 a_5), Wk_7 = 0.
    a5 = 0.1 * ((um + ui) * U_PLANT + uwf * U_WALL)
    wk = out["walkaway_liability_cny"]
    assert wk[5] == approx(1.03**5 * M_A * 2 * a5)
    assert wk[6] == approx(1.03**6 * M_A * a5)
    assert wk[7] == approx(0.0)
    # Year 0: only the infrastructure is disturbed.
    assert wk[0] == approx(M_W * 30 * U_I + M_A * 2 * 0.1 * 30 * U_PLANT)
    # B_4 ≈ 103.5e6 < K_4 ≈ 118e6 -> not assured; a 20e6 bond covers it.
    b4 = 1.5e7 * 1.02**3 + 3e7 * 1.02**2 + 3e7 * 1.02 + 2.5e7
    assert b4 < k4 < b4 + 2e7
    assert out["assured"] is False
    _, out = run(monitoring_years=2, bond_cny=2e7)
    assert out["assured"] is True


def test_default_year_formula() -> None:
    # h = 0.1, U = 0.3: Y = ceil(ln 0.7 / ln 0.9) = ceil(3.385) = 4 <= L + C = 5 -> default.
    # unfunded = max(0, Wk_3 - B_3 - bond), plan deposits 5e7 x_t, bond 1e6, m = 0, p = 0.
    # At t = 3: Um = 0.75 A_floor + 75, Ui = 30, Uwf = 0.75 W_face.
    assert math.ceil(math.log(0.7) / math.log(0.9)) == 4
    over = {
        "operator_default_hazard_per_year": 0.1,
        "plan_restoration_cost_cny": 5e7,
        "bond_cny": 1e6,
    }
    r = make_resolved(**over)
    out = simulate_draw(r, make_draw(r, default_uniform=0.3))
    wk3 = 1.03**3 * M_W * ((0.75 * A_FLOOR + 75.0) * U_M + 30.0 * U_I + 0.75 * W_FACE * U_WALL)
    b3 = 0.75e7 * 1.02**2 + 1.5e7 * 1.02 + 1.5e7
    assert out["walkaway_liability_cny"][3] == approx(wk3)
    assert out["fund_balance_cny"][3] == approx(b3)
    assert out["defaulted"] is True
    assert out["unfunded_liability_cny"] == approx(wk3 - b3 - 1e6)
    # U = 0.5: Y = ceil(ln 0.5 / ln 0.9) = ceil(6.58) = 7 > 5 -> no default.
    out = simulate_draw(r, make_draw(r, default_uniform=0.5))
    assert out["defaulted"] is False
    assert out["unfunded_liability_cny"] == 0.0
    # U = 0.35: ln 0.65 / ln 0.9 = 4.09 -> Y = 5 = L + C -> default (boundary inclusive).
    out = simulate_draw(r, make_draw(r, default_uniform=0.35))
    assert out["defaulted"] is True
    # U = 0: Y = max(1, ceil(0)) = 1 -> unfunded = Wk_0 - B_0 - bond = m_w 30 u_I - 1e6.
    out = simulate_draw(r, make_draw(r, default_uniform=0.0))
    assert out["defaulted"] is True
    assert out["unfunded_liability_cny"] == approx(M_W * 30.0 * U_I - 1e6)


def test_default_hazard_edge_cases() -> None:
    # h = 0: never defaults whatever U; h = 1: Y = 1.
    r = make_resolved()
    out = simulate_draw(r, make_draw(r, default_uniform=0.999))
    assert out["defaulted"] is False
    assert out["unfunded_liability_cny"] == 0.0
    r = make_resolved(operator_default_hazard_per_year=1.0)
    out = simulate_draw(r, make_draw(r, default_uniform=0.999))
    assert out["defaulted"] is True
    assert out["unfunded_liability_cny"] == approx(M_W * 30.0 * U_I)


# ---- API -------------------------------------------------------------------------------


def test_output_schema() -> None:
    r, out = run()
    H = r["horizon_years"]
    for name in DRAW_OUTPUT_SCALARS:
        assert name in out
    for name in ("success", "assured", "defaulted", "pit_enlarged"):
        assert isinstance(out[name], bool)
    assert isinstance(out["life_years"], int)
    for name in DRAW_OUTPUT_YEARLY:
        assert len(out[name]) == H
        assert all(isinstance(v, float) for v in out[name])
    for name in ("disturbed_ha", "restored_ha"):
        assert set(out[name]) == set(AREA_CLASSES)
        assert all(len(v) == H for v in out[name].values())


def test_simulate_draws_matches_simulate_draw() -> None:
    np = pytest.importorskip("numpy")
    r = make_resolved()
    d1 = make_draw(r)
    d2 = make_draw(r, output_factor=1.2, cost_factor=[1.1] * len(MEASURES), default_uniform=0.2)
    draws = {k: np.array([d1[k], d2[k]], dtype=float) for k in d1}
    results = simulate_draws(r, draws)
    assert len(results) == 2
    for got, d in zip(results, (d1, d2), strict=True):
        assert got == simulate_draw(r, d)


def test_horizon_too_short_is_rejected() -> None:
    # output_factor below 1 - output_spread lengthens the life past the horizon.
    r = make_resolved()
    with pytest.raises(ValueError, match="horizon"):
        simulate_draw(r, make_draw(r, output_factor=0.5))


@pytest.mark.parametrize(
    "water,forest,grassland", [(0.0, 0.6, 0.4), (0.1, 0.5, 0.4), (0.5, 0.3, 0.2), (0.95, 0.05, 0.0)]
)
def test_water_on_the_floor_is_neither_regraded_nor_drained(
    water: float, forest: float, grassland: float
) -> None:
    """SPEC §5: the water body lies on the pit floor, min(s_water (floor + dump), floor) ha of
    it, left unregraded and undrained; the dumps and the rest of the floor are (robustness
    trial: an 80 %-water sand pit paid regrading on its pond). At 95 % the water would exceed
    the floor: only the dumps are regraded."""
    only = dict.fromkeys(
        [*LAND_PRICES, "wall_hung_net_cost_cny_per_m2", "wall_thick_layer_cost_cny_per_m2"], 0.0
    )
    shares = dict(
        share_water=water, share_forest=forest, share_grassland=grassland, share_shrub=0.0
    )
    _, out = run(**only, **shares)
    flooded = min(water * M_LAND, A_FLOOR)
    expected = M_W * ((M_LAND - flooded) * (U_REGRADE + U_DRAIN) + D_INFRA * U_DRAIN)
    assert out["cost_cny"] == approx(expected)
    if water == 0.95:
        assert flooded == A_FLOOR  # the dumps alone are regraded
