"""Calibration of unit costs against Hunan restoration programmes (model.md §3), and analytic
checks of the model with uncertainty switched off (the engine's compiled cost stages, and the
scalar reference, which the engine matches to 1e-9 in tests/test_engine_reference.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_proposal

from sim.engine import prepare
from sim.keys import AREA_CLASSES, MEASURES, PARAM_DTYPE
from sim.model import cost
from sim.model._compile import records
from sim.params import load_library
from sim.reference import simulate_draws

LIB = load_library()


def abandoned_site_cost_per_ha(*, amended: bool) -> float:
    """A 3 ha abandoned floor restored to forest on 0.3 m imported soil, with a 10 m face at
    40° along 100 m, three years' aftercare, no uncertainty [CNY per disturbed ha]."""
    shares = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    plant = np.array(
        [LIB[f"cost.planting.{lu}"] for lu in ("forest", "grassland", "shrub", "farmland", "water")]
    )
    mean_depth, plant_cny, rework_cny, _, _ = cost.land_use_sums(
        shares, np.full(5, 0.3), plant, 5, 4
    )
    P = records(np.zeros(1, dtype=PARAM_DTYPE))
    for key, value in {
        "import_topsoil": 1.0,
        "respread_cost_cny_per_m3": LIB["cost.topsoil_respread_unit_cost"],
        "import_cost_cny_per_m3": LIB["cost.topsoil_import_unit_cost"],
        "regrade_volume_m3_per_ha": LIB["cost.regrade_volume"],
        "regrade_cost_cny_per_m3": LIB["cost.regrade_unit_cost"],
        "substrate_amendment": float(amended),
        "amendment_cost_cny_per_ha": LIB["cost.amendment_unit_cost"],
        "drainage_cost_cny_per_ha": LIB["cost.drainage_unit_cost"],
        "demolition_cost_cny_per_ha": LIB["cost.demolition_unit_cost"],
        **{k: LIB[p] for m in cost.MEASURES for k, p in m.params.items()},
        **{k: LIB[f"{p}.carbonate"] for m in cost.MEASURES for k, p in m.by_substrate.items()},
        "aftercare_rate_per_year": LIB["cost.aftercare_rate"],
        "final_highwall_height_m": 10.0,
        "final_highwall_slope_deg": 40.0,
    }.items():
        P[key] = value
    u_mined, _, u_plant, _, u_wall, u_wall_plant, _ = cost.unit_costs_cny(
        np.ones(len(MEASURES)),
        P[0],
        0.0,
        mean_depth,
        plant_cny,
        rework_cny,
        cost.wall_quantities_per_m(P[0]),
        1.0,  # no water body: all the mined land is regraded and drained
    )
    m_w, m_a = cost.fee_multiplier_pair(
        *(
            LIB[f"cost.{k}"]
            for k in ("profit_rate", "tax_rate", "other_fees_rate", "contingency_rate")
        )
    )
    floor_ha = 3.0
    face_m2 = 100.0 * 10.0 / math.sin(math.radians(40.0))
    wall_plan_ha = 100.0 * 10.0 / math.tan(math.radians(40.0)) / 1e4
    works = floor_ha * u_mined + face_m2 * u_wall
    aftercare = 3 * LIB["cost.aftercare_rate"] * (floor_ha * u_plant + face_m2 * u_wall_plant)
    total = m_w * works + m_a * aftercare
    return float(total / (floor_ha + wall_plan_ha))


def test_typical_abandoned_site_lands_in_the_hunan_band() -> None:
    """Hunan Yangtze-belt and demonstration projects: 200,000-350,000 CNY/ha."""
    per_ha = abandoned_site_cost_per_ha(amended=False)
    assert 200_000 <= per_ha <= 350_000
    # by hand, per metre of the benched 40° wall (carbonate: 70° faces, 15 m benches):
    # platforms 10 (cot 40° - cot 70°) = 8.28 m2 at the floor's 18.75 CNY/m2 = 155.3, troughs
    # 10/15 x 200 = 133.3, 40 % of 10 / sin 70° = 10.64 m2 sprayed thick-layer at 100 = 425.7,
    # scaling 10.64 x 10 = 106.4, crest ditch 150 + retaining wall 0.1 x 800 = 230: 1,050.7;
    # floor per ha: regrading 2500 x 15 + imported soil 0.3 m x 1e4 x 35 + forest 30,000 +
    # drainage 15,000 = 187,500; works 3 x 187,500 + 100 m x 1,050.7 = 667,565; aftercare 3 x
    # 7.5 % x (90,000 + 100 x (8.28 x 3.0 + 133.3 + 425.7)) = 33,386; works x 1.28384 (profit,
    # tax, other fees, contingency) + aftercare x 1.05 (contingency); / 3.119 ha
    assert per_ha == pytest.approx(286_020, rel=0.01)


def test_toxic_substrate_with_amendment_costs_about_a_million_per_ha() -> None:
    """Huayuan heavy-metal district: about 1,000,000 CNY/ha; several times a normal site."""
    amended = abandoned_site_cost_per_ha(amended=True)
    assert 800_000 <= amended <= 1_300_000
    assert amended / abandoned_site_cost_per_ha(amended=False) >= 2.5


def _deterministic_rows(changes: dict, n: int = 3):
    import sim

    [prep] = prepare([make_proposal(changes)], sim.load_policy(), LIB)
    h = prep.horizon
    draws = {
        "thickness_factor": np.ones(n),
        "output_factor": np.ones(n),
        "cost_factor": np.ones((n, len(MEASURES))),
        "cover_max": np.full(n, 0.8),
        "growth_rate_per_year": np.full(n, 0.5),
        "failure_probability": np.full(n, 0.15),
        "default_uniform": np.full(n, 0.999999),
        "drought_uniform": np.ones((n, h)),
        "establish_land_uniform": np.ones((n, h)),
        "establish_wall_uniform": np.ones((n, h)),
    }
    rows = simulate_draws(prep.resolved, draws)  # the oracle the engine matches to 1e-9
    out = {k: np.array([r[k] for r in rows]) for k in rows[0] if not isinstance(rows[0][k], dict)}
    for cls in AREA_CLASSES:
        out[f"disturbed_{cls}_ha"] = np.array([r["disturbed_ha"][cls] for r in rows])
    return prep.resolved, out


def test_engine_geometry_of_the_example_by_hand() -> None:
    _r, out = _deterministic_rows({})
    # a_pit = 100 x 1.1 / (2.6 x 60) ha/Mt over 12 Mt
    pit = 100 * 1.1 / (2.6 * 60) * 12
    assert out["pit_footprint_ha"][0] == pytest.approx(pit, rel=1e-12)
    assert not out["pit_enlarged"][0]
    # dump: 0.1 x 12 Mt x 1e6 / 2.6 t/m3 x 1.3 swell / 20 m / 1e4 = 3.0 ha
    dump = 0.1 * 12e6 / 2.6 * 1.3 / 20 / 1e4
    assert out["disturbed_dump_ha"][0, -1] == pytest.approx(dump, rel=1e-12)
    assert out["total_disturbed_ha"][0] == pytest.approx(pit + dump + 4.0, rel=1e-12)
    # ramp-up: 0.5 Mt in year 1, then 1 Mt a year: 13 years for 12 Mt
    assert out["life_years"][0] == 13
    # wall: length 2 sqrt(A); plan area = length x 80 / tan 50°
    length = 2 * math.sqrt(pit * 1e4)
    wall_plan = length * 80 / math.tan(math.radians(50)) / 1e4
    assert out["disturbed_pit_wall_ha"][0, -1] == pytest.approx(wall_plan, rel=1e-12)
    assert out["success"].all()


def test_engine_cost_timing_and_present_value_by_hand() -> None:
    """All restoration at closure, no aftercare: cost falls in year L+1; PV discounts it."""
    changes = {
        "restoration.progressive_fraction": 0.0,
        "restoration.closure_years": 1,
        "restoration.monitoring_years": 0,
    }
    _r, out = _deterministic_rows(changes)
    life = int(out["life_years"][0])
    spend = out["spend_cny"][0]
    assert np.count_nonzero(spend) == 1 and spend[life + 1] > 0
    assert out["cost_cny"][0] == pytest.approx(spend[life + 1], rel=1e-12)
    pv = spend[life + 1] * (1.02 / 1.06) ** (life + 1)
    assert out["pv_cost_cny"][0] == pytest.approx(pv, rel=1e-12)
    # with no uncertainty, a 3-year closure spreads the same works evenly
    _r3, out3 = _deterministic_rows({**changes, "restoration.closure_years": 3})
    assert out3["cost_cny"][0] == pytest.approx(out["cost_cny"][0], rel=1e-12)
    np.testing.assert_allclose(out3["spend_cny"][0][life + 1 : life + 4], spend[life + 1] / 3)


def test_years_to_criterion_by_hand() -> None:
    """No drought, no failure, Fmax 0.8, F0 0.075, k 0.5: forest (0.35) needs
    ceil(ln(0.725/0.45)/0.5) = 1 year, grassland and farmland (0.40) ceil(1.19) = 2 years, the
    50° walls (Fmax 0.8 x 0.85 = 0.68, criterion 0.30) ceil(0.93) = 1 year."""
    _r, out = _deterministic_rows({})
    land = out["total_disturbed_ha"][0] - out["disturbed_pit_wall_ha"][0, -1]
    wall = out["disturbed_pit_wall_ha"][0, -1]
    expected = (land * (0.6 * 1 + 0.2 * 2 + 0.1 * 2) + wall * 1) / (land * 0.9 + wall)
    assert out["recovery_years"][0] == pytest.approx(expected, rel=1e-12)
