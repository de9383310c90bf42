"""Resolve a validated proposal + policy + parameter library into the model's flat inputs.

The result is a plain ``dict`` keyed by :data:`sim.keys.RESOLVED_KEYS` (see ``model/SPEC.md``),
plus the draw settings in :func:`draw_settings`. Everything the engine needs is here, so a
resolved mapping (stored in every output's attrs) explains a run by itself.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.keys import LAND_USES, RESOLVED_KEYS
from sim.model.cost import slope_class
from sim.model.schedule import life_years, output_schedule_mt
from sim.params import Library

WALL_CLASSES = ("gentle", "moderate", "steep", "vertical")


def nominal_life_years(
    reserves_mt: float, annual_output_mt: float, ramp_up_years: int, ramp_share: float
) -> int:
    """Extraction life [yr] at a given annual output (SPEC.md §2)."""
    full = reserves_mt / annual_output_mt
    bound = math.ceil(full / min(ramp_share, 1.0)) + int(ramp_up_years) + 3
    q = output_schedule_mt(
        np.array([reserves_mt]),
        np.array([annual_output_mt]),
        np.array([ramp_up_years]),
        np.array([ramp_share]),
        bound,
    )
    return int(life_years(q)[0])


def resolve(proposal: Any, policy: Any, lib: Library) -> dict[str, Any]:
    """Flat model inputs of one proposal under a policy and a parameter library."""
    ex, site, rest, fin = proposal.extraction, proposal.site, proposal.restoration, proposal.finance
    region = f"regions.{proposal.proposal.region}"
    edges = lib.param("cost.wall_slope_edges").value
    wall_class = WALL_CLASSES[int(slope_class(np.array([site.final_highwall_slope_deg]), edges)[0])]
    toxic = bool(lib.substrates[site.substrate]["toxic"])
    if not toxic:
        toxic_factor = 1.0
    elif rest.substrate_amendment:
        toxic_factor = lib["recovery.toxic_cover_factor_amended"]
    else:
        toxic_factor = lib["recovery.toxic_cover_factor_unamended"]
    shares = rest.target_land_use
    r: dict[str, Any] = {
        "reserves_mt": ex.reserves_mt,
        "annual_output_mt": ex.annual_output_mt,
        "ramp_up_years": ex.ramp_up_years,
        "ramp_share": lib["schedule.ramp_share"],
        "output_spread": lib["schedule.output_spread"],
        "rock_density_t_per_m3": ex.rock_density_t_per_m3,
        "mined_thickness_m": ex.mined_thickness_m,
        "stripping_ratio": ex.stripping_ratio,
        "dump_height_m": ex.dump_height_m,
        "infrastructure_area_ha": ex.infrastructure_area_ha,
        "swell_factor": lib["schedule.swell_factor"],
        "wall_length_factor": lib["schedule.wall_length_factor"],
        "min_floor_width_m": lib["schedule.min_floor_width_m"],
        "final_highwall_slope_deg": site.final_highwall_slope_deg,
        "final_highwall_height_m": site.final_highwall_height_m,
        "progressive_fraction": rest.progressive_fraction,
        "progressive_lag_years": rest.progressive_lag_years,
        "closure_years": rest.closure_years,
        "monitoring_years": rest.monitoring_years,
        "soil_depth_cm": site.soil_depth_cm,
        "topsoil_stripped": bool(rest.topsoil_stripped),
        "import_topsoil": bool(rest.import_topsoil),
        "substrate_amendment": bool(rest.substrate_amendment),
        "topsoil_loss_fraction": lib["cost.topsoil_handling_loss"],
        "respread_cost_cny_per_m3": lib["cost.topsoil_respread_unit_cost"],
        "import_cost_cny_per_m3": lib["cost.topsoil_import_unit_cost"],
        "regrade_volume_m3_per_ha": lib["cost.regrade_volume"],
        "regrade_cost_cny_per_m3": lib["cost.regrade_unit_cost"],
        "amendment_cost_cny_per_ha": lib["cost.amendment_unit_cost"],
        "drainage_cost_cny_per_ha": lib["cost.drainage_unit_cost"],
        "demolition_cost_cny_per_ha": lib["cost.demolition_unit_cost"],
        "wall_cost_cny_per_m2": lib[f"cost.wall_greening.{wall_class}"],
        "aftercare_rate_per_year": lib["cost.aftercare_rate"],
        "profit_rate": lib["cost.profit_rate"],
        "tax_rate": lib["cost.tax_rate"],
        "other_fees_rate": lib["cost.other_fees_rate"],
        "contingency_rate": lib["cost.contingency_rate"],
        "annual_precipitation_mm": site.annual_precipitation_mm,
        "precipitation_reference_mm": lib["recovery.precipitation_reference"],
        "cover_initial": lib["recovery.cover_initial"],
        "toxic_cover_factor": toxic_factor,
        "wall_cover_factor": lib[f"recovery.wall_cover_factor.{wall_class}"],
        "success_cover_wall": lib[f"{region}.success_cover.wall"],
        "failure_cap": lib["recovery.failure_cap"],
        "failure_mult_thin": lib["recovery.failure_multiplier_thin_soil"],
        "failure_mult_steep": lib["recovery.failure_multiplier_steep_wall"],
        "failure_mult_drought": lib["recovery.failure_multiplier_drought"],
        "thin_soil_m": lib["recovery.thin_soil_depth"],
        "steep_wall_threshold_deg": lib["recovery.steep_wall_threshold"],
        "drought_probability": lib[f"{region}.drought_probability"],
        "success_horizon_years": policy.policy.success_horizon_years_after_closure,
        "required_success_area_share": policy.policy.required_success_area_share,
        "ore_price_cny_per_t": fin.ore_price_cny_per_t,
        "plan_restoration_cost_cny": fin.plan_restoration_cost_cny,
        "fund_basis_revenue": fin.fund_basis == "revenue_share",
        "fund_rate_of_revenue": fin.fund_rate_of_revenue,
        "bond_cny": fin.bond_cny,
        "fund_interest_rate": fin.fund_interest_rate,
        "discount_rate": fin.discount_rate,
        "inflation_rate": fin.inflation_rate,
        "operator_default_hazard_per_year": fin.operator_default_hazard_per_year,
    }
    for lu in LAND_USES:
        r[f"share_{lu}"] = float(shares.get(lu, 0.0))
        r[f"planting_cost_{lu}_cny_per_ha"] = lib[f"cost.planting.{lu}"]
        r[f"required_depth_{lu}_m"] = lib[f"recovery.required_soil_depth.{lu}"]
        if lu != "water":
            r[f"success_cover_{lu}"] = lib[f"{region}.success_cover.{lu}"]
    r["horizon_years"] = horizon_years(r)
    return {k: _plain(r[k]) for k in RESOLVED_KEYS}


def horizon_years(r: dict[str, Any]) -> int:
    """Years simulated, including year 0 (SPEC.md §1); depends on the proposal and policy only."""
    life_max = nominal_life_years(
        r["reserves_mt"],
        r["annual_output_mt"] * (1.0 - r["output_spread"]),
        r["ramp_up_years"],
        r["ramp_share"],
    )
    tail = max(r["success_horizon_years"], r["monitoring_years"])
    return int(life_max + r["closure_years"] + tail + 1)


def draw_settings(proposal: Any, lib: Library) -> dict[str, Any]:
    """Keyword arguments of :func:`sim.model.draws.sample_draws` for one proposal."""
    region = f"regions.{proposal.proposal.region}"

    def tri(name: str) -> tuple[float, float, float]:
        p = lib.param(name)
        return (p.low, float(p.value), p.high)

    return {
        "thickness_sigma": lib["schedule.thickness_sigma"],
        "output_spread": lib["schedule.output_spread"],
        "common_cost_sigma": lib["cost.common_factor_sigma"],
        "measure_cost_sigma": lib["cost.measure_factor_sigma"],
        "cover_max": tri(f"{region}.cover_max"),
        "growth_rate_per_year": tri(f"{region}.growth_rate"),
        "failure_probability": tri("recovery.failure_probability"),
    }


def _plain(v: Any) -> Any:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    return float(v)
