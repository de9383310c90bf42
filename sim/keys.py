"""Names of the resolved model inputs shared by the engine and the scalar reference.

A *resolved* proposal is a flat mapping from these names to numbers (booleans as bool,
counts as int), built by :func:`sim.resolve.resolve` from a proposal, a policy and the
parameter library.  ``sim/model/SPEC.md`` defines how each is used.
"""

from __future__ import annotations

import numpy as np

LAND_USES: tuple[str, ...] = ("forest", "grassland", "shrub", "farmland", "water")
AREA_CLASSES: tuple[str, ...] = ("pit_floor", "pit_wall", "dump", "infrastructure")

# plain Python (no compiled stage): importing it compiles nothing, so no import cycle with the
# output registry, which the compiled stages' cache stamp reads
from sim.model.measures import MEASURES as MEASURE_TABLE  # noqa: E402, I001
#: names of the restoration measures, in the order of their cost factors (declared, with their
#: parameters, in ``sim/model/cost.py::MEASURES``)
MEASURES: tuple[str, ...] = tuple(m.name for m in MEASURE_TABLE)

INT_KEYS: tuple[str, ...] = (
    "ramp_up_years",
    "progressive_lag_years",
    "closure_years",
    "monitoring_years",
    "success_horizon_years",
    "horizon_years",
)
BOOL_KEYS: tuple[str, ...] = (
    "topsoil_stripped",
    "import_topsoil",
    "substrate_amendment",
    "fund_basis_revenue",
    "design_pit",
)
FLOAT_KEYS: tuple[str, ...] = (
    # schedule
    "reserves_mt",
    "annual_output_mt",
    "ramp_share",
    "output_spread",
    "rock_density_t_per_m3",
    "mined_thickness_m",
    "stripping_ratio",
    "dump_height_m",
    "infrastructure_area_ha",
    "swell_factor",
    "wall_length_factor",
    "min_floor_width_m",
    # design geometry (used when design_pit; SPEC §3a)
    "pit_area_ha",
    "pit_depth_m",
    "pit_volume_m3",
    "hillside_slope_deg",
    "bench_height_m",
    "bench_width_m",
    "final_highwall_slope_deg",
    "final_highwall_height_m",
    # restoration plan
    "progressive_fraction",
    *(f"share_{lu}" for lu in LAND_USES),
    "soil_depth_cm",
    # cost
    "topsoil_loss_fraction",
    "respread_cost_cny_per_m3",
    "import_cost_cny_per_m3",
    "regrade_volume_m3_per_ha",
    "regrade_cost_cny_per_m3",
    *(f"planting_cost_{lu}_cny_per_ha" for lu in LAND_USES),
    "amendment_cost_cny_per_ha",
    "drainage_cost_cny_per_ha",
    "demolition_cost_cny_per_ha",
    "aftercare_rate_per_year",
    "profit_rate",
    "tax_rate",
    "other_fees_rate",
    "contingency_rate",
    # recovery
    *(f"required_depth_{lu}_m" for lu in LAND_USES),
    "annual_precipitation_mm",
    "precipitation_reference_mm",
    "cover_initial",
    "toxic_cover_factor",
    "wall_cover_factor",
    *(f"success_cover_{lu}" for lu in LAND_USES if lu != "water"),
    "success_cover_wall",
    "failure_cap",
    "failure_mult_thin",
    "failure_mult_steep",
    "failure_probability_drought",
    "thin_soil_m",
    "steep_wall_threshold_deg",
    "drought_probability",
    "required_success_area_share",
    # finance
    "ore_price_cny_per_t",
    "plan_restoration_cost_cny",
    "fund_rate_of_revenue",
    "bond_cny",
    "fund_initial_deposit_cny",
    "fund_interest_rate",
    "discount_rate",
    "inflation_rate",
    "operator_default_hazard_per_year",
)
#: the inputs the measures declare (``Measure.params``, ``Measure.by_substrate``) not listed above
MEASURE_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(
        k
        for m in MEASURE_TABLE
        for k in (*m.params, *m.by_substrate)
        if k not in FLOAT_KEYS + INT_KEYS + BOOL_KEYS
    )
)
FLOAT_KEYS = FLOAT_KEYS + MEASURE_KEYS
RESOLVED_KEYS: tuple[str, ...] = INT_KEYS + BOOL_KEYS + FLOAT_KEYS

DRAW_SCALAR_KEYS: tuple[str, ...] = (
    "thickness_factor",
    "output_factor",
    "cover_max",
    "growth_rate_per_year",
    "failure_probability",
    "default_uniform",
)
DRAW_VECTOR_KEYS: tuple[str, ...] = ("cost_factor",)  # length len(MEASURES)
DRAW_YEAR_KEYS: tuple[str, ...] = (
    "drought_uniform",
    "establish_land_uniform",
    "establish_wall_uniform",
)

#: draw settings appended to the resolved inputs in the engine's parameter matrix
SETTING_KEYS: tuple[str, ...] = (
    "thickness_sigma",
    "common_cost_sigma",
    "measure_cost_sigma",
    "cover_max_low",
    "cover_max_mode",
    "cover_max_high",
    "growth_low",
    "growth_mode",
    "growth_high",
    "failure_low",
    "failure_mode",
    "failure_high",
)
PARAM_KEYS: tuple[str, ...] = RESOLVED_KEYS + SETTING_KEYS

#: one record per proposal, one float64 field per name of PARAM_KEYS in that order: the row of
#: the engine's parameter matrix as the compiled kernel reads it (``P.reserves_mt``)
PARAM_DTYPE = np.dtype([(name, np.float64) for name in PARAM_KEYS], align=True)
