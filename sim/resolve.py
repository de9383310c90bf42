"""Resolve validated proposals + policy + parameter library into the model's flat inputs.

:func:`resolve_matrix` builds, for many proposals at once, the engine's parameter matrix: one
row per proposal, one column per name of :data:`sim.keys.PARAM_KEYS` (the resolved inputs of
``model/SPEC.md`` followed by the draw settings). :func:`resolve` gives one proposal's resolved
inputs as a plain ``dict``. Library values that depend on a proposal's category (region, wall
slope class, substrate) are looked up once per category, not once per proposal, so resolving
100,000 proposals takes well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.keys import BOOL_KEYS, INT_KEYS, LAND_USES, PARAM_KEYS, RESOLVED_KEYS
from sim.model.cost import MEASURES, slope_class
from sim.model.schedule import design_capacity_mt, design_pit
from sim.params import Library
from sim.proposal import hillside_pits

WALL_CLASSES = ("gentle", "moderate", "steep", "vertical")
_COL = {k: i for i, k in enumerate(PARAM_KEYS)}

# proposal fields copied as they are: (key, section, field)
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("reserves_mt", "extraction", "reserves_mt"),
    ("annual_output_mt", "extraction", "annual_output_mt"),
    ("ramp_up_years", "extraction", "ramp_up_years"),
    ("rock_density_t_per_m3", "extraction", "rock_density_t_per_m3"),
    ("mined_thickness_m", "extraction", "mined_thickness_m"),
    ("stripping_ratio", "extraction", "stripping_ratio"),
    ("dump_height_m", "extraction", "dump_height_m"),
    ("infrastructure_area_ha", "extraction", "infrastructure_area_ha"),
    ("final_highwall_slope_deg", "site", "final_highwall_slope_deg"),
    ("final_highwall_height_m", "site", "final_highwall_height_m"),
    ("soil_depth_cm", "site", "soil_depth_cm"),
    ("annual_precipitation_mm", "site", "annual_precipitation_mm"),
    ("progressive_fraction", "restoration", "progressive_fraction"),
    ("progressive_lag_years", "restoration", "progressive_lag_years"),
    ("closure_years", "restoration", "closure_years"),
    ("monitoring_years", "restoration", "monitoring_years"),
    ("topsoil_stripped", "restoration", "topsoil_stripped"),
    ("import_topsoil", "restoration", "import_topsoil"),
    ("substrate_amendment", "restoration", "substrate_amendment"),
    ("ore_price_cny_per_t", "finance", "ore_price_cny_per_t"),
    ("plan_restoration_cost_cny", "finance", "plan_restoration_cost_cny"),
    ("fund_rate_of_revenue", "finance", "fund_rate_of_revenue"),
    ("bond_cny", "finance", "bond_cny"),
    ("fund_initial_deposit_cny", "finance", "fund_initial_deposit_cny"),
    ("fund_interest_rate", "finance", "fund_interest_rate"),
    ("discount_rate", "finance", "discount_rate"),
    ("inflation_rate", "finance", "inflation_rate"),
    ("operator_default_hazard_per_year", "finance", "operator_default_hazard_per_year"),
)

# library values shared by every proposal: key -> parameter name
_CONSTANTS: dict[str, str] = {
    "ramp_share": "schedule.ramp_share",
    "output_spread": "schedule.output_spread",
    "swell_factor": "schedule.swell_factor",
    "wall_length_factor": "schedule.wall_length_factor",
    "min_floor_width_m": "schedule.min_floor_width_m",
    "topsoil_loss_fraction": "cost.topsoil_handling_loss",
    "respread_cost_cny_per_m3": "cost.topsoil_respread_unit_cost",
    "import_cost_cny_per_m3": "cost.topsoil_import_unit_cost",
    "regrade_volume_m3_per_ha": "cost.regrade_volume",
    "regrade_cost_cny_per_m3": "cost.regrade_unit_cost",
    "amendment_cost_cny_per_ha": "cost.amendment_unit_cost",
    "drainage_cost_cny_per_ha": "cost.drainage_unit_cost",
    "demolition_cost_cny_per_ha": "cost.demolition_unit_cost",
    "aftercare_rate_per_year": "cost.aftercare_rate",
    "profit_rate": "cost.profit_rate",
    "tax_rate": "cost.tax_rate",
    "other_fees_rate": "cost.other_fees_rate",
    "contingency_rate": "cost.contingency_rate",
    "precipitation_reference_mm": "recovery.precipitation_reference",
    "cover_initial": "recovery.cover_initial",
    "failure_cap": "recovery.failure_cap",
    "failure_mult_thin": "recovery.failure_multiplier_thin_soil",
    "failure_mult_steep": "recovery.failure_multiplier_steep_wall",
    "failure_probability_drought": "recovery.failure_probability_drought",
    "thin_soil_m": "recovery.thin_soil_depth",
    "steep_wall_threshold_deg": "recovery.steep_wall_threshold",
    "thickness_sigma": "schedule.thickness_sigma",
    "common_cost_sigma": "cost.common_factor_sigma",
    "measure_cost_sigma": "cost.measure_factor_sigma",
    **{f"planting_cost_{lu}_cny_per_ha": f"cost.planting.{lu}" for lu in LAND_USES},
    **{f"required_depth_{lu}_m": f"recovery.required_soil_depth.{lu}" for lu in LAND_USES},
}


def life_years_at(
    reserves_mt: np.ndarray,
    annual_output_mt: np.ndarray,
    ramp_up_years: np.ndarray,
    ramp_share: float | np.ndarray,
) -> np.ndarray:
    """Extraction life [yr] of each proposal at the given output (SPEC.md §2), vectorised."""
    reserves = np.asarray(reserves_mt, dtype=float)
    q_full = np.asarray(annual_output_mt, dtype=float)
    ramp = np.asarray(ramp_up_years)
    q_ramp = q_full * ramp_share
    mined = np.zeros_like(reserves)
    life = np.zeros(reserves.shape, dtype=np.int64)
    tol = 1e-9 * reserves
    active = np.ones(reserves.shape, dtype=bool)
    t = 0
    while active.any():
        t += 1
        cap = np.where(t <= ramp, q_ramp, q_full)
        q = np.minimum(cap, reserves - mined)
        q = np.where(q <= tol, 0.0, q)
        life += q > 0.0
        mined = mined + q
        active = (q > 0.0) | (t <= ramp)
    return life


def resolve_matrix(proposals: Any, policy: Any, lib: Library) -> np.ndarray:
    """Parameter matrix ``(n, len(PARAM_KEYS))`` of proposals under a policy and a library.

    ``proposals`` is a :class:`sim.portfolio.Portfolio` or a sequence of proposals.
    """
    from sim.portfolio import as_portfolio

    cols = as_portfolio(proposals).columns
    n = len(cols["proposal.id"])
    m = np.zeros((n, len(PARAM_KEYS)))

    def put(key: str, values: Any) -> None:
        m[:, _COL[key]] = values

    for key, section, name in _FIELDS:
        put(key, cols[f"{section}.{name}"].astype(float))
    for key, pname in _CONSTANTS.items():
        put(key, lib[pname])
    for lu in LAND_USES:
        put(f"share_{lu}", cols[f"restoration.target_land_use.{lu}"].astype(float))
    put("fund_basis_revenue", cols["finance.fund_basis"].astype(str) == "revenue_share")
    _design_geometry(cols, m, float(lib["schedule.hillside_min_slope_deg"]))

    # wall slope class: cover factor
    edges = lib.param("cost.wall_slope_edges").value
    cls = slope_class(m[:, _COL["final_highwall_slope_deg"]], edges)
    put(
        "wall_cover_factor",
        np.array([lib[f"recovery.wall_cover_factor.{c}"] for c in WALL_CLASSES])[cls],
    )

    # the measures' inputs (sim/model/cost.py MEASURES): library constants, and values by rock
    # (parameter ``<prefix>.<substrate>``), looked up once per substrate
    substrates = cols["site.substrate"].astype(str)
    for measure in MEASURES:
        for key, pname in measure.params.items():
            put(key, lib[pname])
        for key, prefix in measure.by_substrate.items():
            for name in sorted(set(substrates)):
                m[substrates == name, _COL[key]] = lib[f"{prefix}.{name}"]

    # the plan's own share of the wall faces sprayed, where it gives one
    spray = cols["restoration.wall_spray_share"].astype(float)
    given = np.isfinite(spray)
    m[given, _COL["wall_spray_share"]] = spray[given]

    # substrate: toxic cover factor (amended or not)
    toxic = np.zeros(n, dtype=bool)
    for name, sub in lib.substrates.items():
        toxic |= (substrates == name) & bool(sub["toxic"])
    amended = m[:, _COL["substrate_amendment"]] > 0
    factor = np.where(
        amended,
        lib["recovery.toxic_cover_factor_amended"],
        lib["recovery.toxic_cover_factor_unamended"],
    )
    put("toxic_cover_factor", np.where(toxic, factor, 1.0))

    # region: drought, success criteria, triangular draws of cover ceiling and growth
    regions = cols["proposal.region"].astype(str)
    for region in sorted(set(regions)):
        rows = regions == region
        pre = f"regions.{region}"
        m[rows, _COL["drought_probability"]] = lib[f"{pre}.drought_probability"]
        m[rows, _COL["success_cover_wall"]] = lib[f"{pre}.success_cover.wall"]
        for lu in LAND_USES[:-1]:
            m[rows, _COL[f"success_cover_{lu}"]] = lib[f"{pre}.success_cover.{lu}"]
        for prefix, pname in (("cover_max", f"{pre}.cover_max"), ("growth", f"{pre}.growth_rate")):
            par = lib.param(pname)
            m[rows, _COL[f"{prefix}_low"]] = par.low
            m[rows, _COL[f"{prefix}_mode"]] = float(par.value)
            m[rows, _COL[f"{prefix}_high"]] = par.high
    fail = lib.param("recovery.failure_probability")
    put("failure_low", fail.low)
    put("failure_mode", float(fail.value))
    put("failure_high", fail.high)

    put("success_horizon_years", policy.policy.success_horizon_years_after_closure)
    put("required_success_area_share", policy.policy.required_success_area_share)

    # horizon (SPEC.md §1): life at the lowest output, closure, and the longer tail; a
    # designed pit recovers at most what it holds, and may recover that much (SPEC.md §3a)
    life_max = life_years_at(
        _most_recovered_mt(m),
        m[:, _COL["annual_output_mt"]] * (1.0 - m[:, _COL["output_spread"]]),
        m[:, _COL["ramp_up_years"]],
        m[:, _COL["ramp_share"]],
    )
    tail = np.maximum(m[:, _COL["success_horizon_years"]], m[:, _COL["monitoring_years"]])
    put("horizon_years", life_max + m[:, _COL["closure_years"]] + tail + 1)
    return m


def _design_geometry(cols: Any, m: np.ndarray, hillside_min_slope_deg: float) -> None:
    """The design geometry columns of ``m`` (SPEC.md §3a); zeros where a proposal gives a mined
    thickness instead (the thickness path, whose unused fields are zero too)."""
    area = cols["site.pit_area_ha"].astype(float)
    top = cols["site.pit_top_elevation_m"].astype(float)
    bottom = cols["site.pit_bottom_elevation_m"].astype(float)
    design = np.isfinite(area) & np.isfinite(top) & np.isfinite(bottom)
    slope = cols["site.mean_slope_deg"].astype(float)
    hillside = design & hillside_pits(cols["site.pit_type"], slope, hillside_min_slope_deg)
    m[:, _COL["design_pit"]] = design
    m[:, _COL["pit_area_ha"]] = np.where(design, area, 0.0)
    m[:, _COL["pit_depth_m"]] = np.where(design, top - bottom, 0.0)
    m[:, _COL["hillside_slope_deg"]] = np.where(hillside, slope, 0.0)
    for key in ("bench_height_m", "bench_width_m", "pit_volume_m3"):
        v = cols[f"site.{key}"].astype(float)
        m[:, _COL[key]] = np.where(design & np.isfinite(v), v, 0.0)
    thickness = m[:, _COL["mined_thickness_m"]]
    m[:, _COL["mined_thickness_m"]] = np.where(np.isfinite(thickness), thickness, 0.0)


def _most_recovered_mt(m: np.ndarray) -> np.ndarray:
    """The most ore a draw can recover [Mt]: the stated reserves, or on the design path what
    the designed pit holds (SPEC.md §3a)."""
    out = m[:, _COL["reserves_mt"]].copy()
    for i in np.flatnonzero(m[:, _COL["design_pit"]] > 0):
        out[i] = design_capacity_mt(
            m[i, _COL["pit_volume_m3"]],
            design_pit(
                m[i, _COL["pit_area_ha"]],
                m[i, _COL["pit_depth_m"]],
                m[i, _COL["final_highwall_slope_deg"]],
                m[i, _COL["hillside_slope_deg"]],
                m[i, _COL["bench_height_m"]],
                m[i, _COL["bench_width_m"]],
            )[0],
            m[i, _COL["rock_density_t_per_m3"]],
            m[i, _COL["stripping_ratio"]],
        )
    return out


def row_to_resolved(row: np.ndarray) -> dict[str, Any]:
    """The resolved inputs (``RESOLVED_KEYS``, typed) of one row of the parameter matrix."""
    out: dict[str, Any] = {}
    for k in RESOLVED_KEYS:
        v = row[_COL[k]]
        out[k] = bool(v) if k in BOOL_KEYS else (int(v) if k in INT_KEYS else float(v))
    return out


def row_to_settings(row: np.ndarray) -> dict[str, Any]:
    """Keyword arguments of :func:`sim.rng.sample_draws` of one row of the parameter matrix."""

    def tri(prefix: str) -> tuple[float, float, float]:
        return tuple(float(row[_COL[f"{prefix}_{s}"]]) for s in ("low", "mode", "high"))

    return {
        "thickness_sigma": float(row[_COL["thickness_sigma"]]),
        "output_spread": float(row[_COL["output_spread"]]),
        "common_cost_sigma": float(row[_COL["common_cost_sigma"]]),
        "measure_cost_sigma": float(row[_COL["measure_cost_sigma"]]),
        "cover_max": tri("cover_max"),
        "growth_rate_per_year": tri("growth"),
        "failure_probability": tri("failure"),
    }


def resolve(proposal: Any, policy: Any, lib: Library) -> dict[str, Any]:
    """Flat model inputs of one proposal under a policy and a parameter library."""
    return row_to_resolved(resolve_matrix([proposal], policy, lib)[0])
