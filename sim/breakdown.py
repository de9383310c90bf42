"""Restoration cost by measure at median factors (model/SPEC.md §2-5, summed over the life).

The engine reports the cost of each draw as one number. A reviewer also wants to see what it is
made of: this module splits the cost of one *median-factor* run into measures. "Median factors"
means every cost factor at 1 (the median of its lognormal), the nominal mined thickness and
output, and no establishment failure (so no rework). The undiscounted cost at year-0 prices is
then a sum over the life that does not depend on when each hectare is restored, and the items
below add up exactly to the total the engine computes for that run (a test checks it).

Quantities and unit costs come from the engine's own compiled stages (:mod:`sim.model.schedule`,
:mod:`sim.model.cost`), the unit costs called with one-hot cost factors, so the split can never
drift from the model's own arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.i18n import N_
from sim.keys import LAND_USES, MEASURES, PARAM_DTYPE, RESOLVED_KEYS
from sim.model import cost, schedule
from sim.model._compile import records
from sim.model.cost import MEASURES as MEASURE_TABLE

#: the items of the breakdown, in display order: the measures of the model, then the fees
ITEMS: tuple[str, ...] = (*MEASURES, "fees")

#: catalogue-marked labels of the items (the measures' labels are declared with them)
LABELS: dict[str, str] = {
    **{m.name: m.label for m in MEASURE_TABLE},
    "fees": N_("Fees, profit, tax, contingency"),
}


def param_record(r: Mapping[str, Any]) -> Any:
    """The resolved inputs ``r`` as one record of :data:`sim.keys.PARAM_DTYPE`, as the compiled
    stages read them (the draw settings, unused here, are 0)."""
    rec = records(np.zeros(1, dtype=PARAM_DTYPE))
    for k in RESOLVED_KEYS:
        rec[k] = float(r[k])
    return rec[0]


def quantities(r: Mapping[str, Any]) -> dict[str, float]:
    """Areas restored over the life at nominal thickness and output.

    Returns ``mined_land_ha`` (pit floor + dumps), ``infrastructure_ha``, ``wall_face_m2`` and
    ``total_disturbed_ha`` (plan areas) for the resolved inputs ``r`` (``sim.resolve.resolve``),
    ``regraded_ha`` (what regrading is priced on: mined land not under water and the wall's
    platforms), and the wall's measures (SPEC §5): its length, its treatment rule
    (``wall_soil_slope`` 1 for a soil-covered slope, 0 for a benched rock wall), platform land
    [ha], troughs [m], sprayed and bare rock face [m2], cut-back [m3], scaled face [m2], crest
    ditch and retaining wall [m].
    """
    n_years = int(r["horizon_years"])
    q_mt, x_share = np.zeros(n_years), np.zeros(n_years)
    reserves_mt = float(r["reserves_mt"])
    design = bool(r["design_pit"])
    if design:  # the designed pit (SPEC §3a): at most what it holds is recovered
        volume_m3, d_wall_plan, d_wall_face, d_floor = schedule.design_pit(
            float(r["pit_area_ha"]),
            float(r["pit_depth_m"]),
            float(r["final_highwall_slope_deg"]),
            float(r["hillside_slope_deg"]),
            float(r["bench_height_m"]),
            float(r["bench_width_m"]),
        )
        reserves_mt = min(
            reserves_mt,
            schedule.design_capacity_mt(
                float(r["pit_volume_m3"]),
                volume_m3,
                float(r["rock_density_t_per_m3"]), float(r["stripping_ratio"])
            ),
        )
    _, mined_mt = schedule.extraction_schedule(
        reserves_mt,
        float(r["annual_output_mt"]),
        float(r["ramp_share"]),
        int(r["ramp_up_years"]),
        n_years,
        q_mt,
        x_share,
    )
    plan_w, face_w = schedule.final_wall_widths_m(
        float(r["final_highwall_height_m"]), float(r["final_highwall_slope_deg"])
    )
    if design:
        wall_plan, wall_face, floor = d_wall_plan, d_wall_face, d_floor
    else:
        _, _, wall_plan, wall_face, floor = schedule.pit_footprint(
            mined_mt,
            float(r["rock_density_t_per_m3"]),
            float(r["mined_thickness_m"]),
            1.0,
            float(r["stripping_ratio"]),
            float(r["wall_length_factor"]),
            plan_w,
            face_w,
            float(r["min_floor_width_m"]),
        )
    dump = mined_mt * schedule.dump_ha_per_mt(
        float(r["stripping_ratio"]),
        float(r["rock_density_t_per_m3"]),
        float(r["swell_factor"]),
        float(r["dump_height_m"]),
    )
    infra = float(r["infrastructure_area_ha"])
    P = param_record(r)
    platform_ha = cost.wall_platform_ha(cost.wall_quantities_per_m(P), wall_face)
    out = {
        "mined_land_ha": floor + dump,
        "floor_ha": floor,
        "dump_ha": dump,
        "infrastructure_ha": infra,
        "wall_face_m2": wall_face,
        "total_disturbed_ha": floor + wall_plan + dump + infra,
        # what regrading is priced on: the dry share of the mined land and the wall's platforms
        "regraded_ha": (floor + dump) * cost.dry_share(floor, dump, float(r["share_water"]))
        + platform_ha,
    }
    # the wall's measures by metre of wall (sim.model.cost), times its length
    height_m, face_m2_per_m = cost.wall_height_and_face_per_m(P)
    length_m = wall_face / face_m2_per_m if face_m2_per_m > cost.NO_WALL_M2_PER_M else 0.0
    slope_deg = float(r["final_highwall_slope_deg"])
    face_deg = float(r["wall_bench_face_deg"])
    soil_max_deg = float(r["wall_soil_slope_max_deg"])
    wedge_m3, scaled_m2 = cost.cutback_per_m(height_m, slope_deg, face_deg, soil_max_deg)
    _, trough_m, rock_m2 = cost.wall_treatment_per_m(
        height_m, slope_deg, face_deg, float(r["wall_bench_height_m"]), soil_max_deg
    )
    spray = float(r["wall_spray_share"])
    out.update(
        {
            "wall_length_m": length_m,
            # the treatment rule: 1 for a soil slope (no benches, no rock face), 0 if benched
            "wall_soil_slope": float(
                float(r["final_highwall_slope_deg"]) <= float(r["wall_soil_slope_max_deg"])
            ),
            "wall_platform_ha": platform_ha,
            "wall_trough_m": length_m * trough_m,
            "wall_sprayed_m2": length_m * rock_m2 * spray,
            "wall_bare_rock_m2": length_m * rock_m2 * (1.0 - spray),
            "cutback_m3": length_m * wedge_m3,
            "scaled_m2": length_m * scaled_m2,
            "wall_ditch_m": length_m * float(r["wall_ditch_m_per_m"]),
            "wall_retaining_m": length_m * float(r["wall_retaining_m_per_m"]),
        }
    )
    return out


def cost_by_measure_cny(r: Mapping[str, Any]) -> dict[str, float]:
    """Undiscounted restoration cost at year-0 prices by item of :data:`ITEMS` [CNY].

    Every factor at its median and no rework (see the module docstring); the items add up to
    the total cost of that run. ``fees`` are the budget-norm surcharges on the works (other
    fees, profit, tax, contingency) and the contingency on aftercare.
    """
    qty = quantities(r)
    land = qty["mined_land_ha"] + qty["infrastructure_ha"]
    mean_depth, plant, rework, _, _ = cost.land_use_sums(
        np.array([float(r[f"share_{lu}"]) for lu in LAND_USES]),
        np.array([float(r[f"required_depth_{lu}_m"]) for lu in LAND_USES]),
        np.array([float(r[f"planting_cost_{lu}_cny_per_ha"]) for lu in LAND_USES]),
        len(LAND_USES),
        LAND_USES.index("water"),
    )
    own, _ = cost.topsoil_supply(
        float(r["soil_depth_cm"]),
        float(r["topsoil_loss_fraction"]),
        bool(r["topsoil_stripped"]),
        qty["total_disturbed_ha"],
        land + qty["wall_platform_ha"],
        mean_depth,
        bool(r["import_topsoil"]),
    )
    works: dict[str, float] = {}
    planting = aftercare_rate = 0.0
    P = param_record(r)
    wall_q = cost.wall_quantities_per_m(P)
    dry = cost.dry_share(qty["floor_ha"], qty["dump_ha"], float(r["share_water"]))
    for m, factors in zip(MEASURES, np.eye(len(MEASURES)), strict=True):
        # only measure m's factor is 1: its own contribution to each unit cost
        u_m, u_i, u_plant, _, u_wall, u_wall_plant, after_rate = cost.unit_costs_cny(
            factors, P, own, mean_depth, plant, rework, wall_q, dry
        )
        works[m] = (
            qty["mined_land_ha"] * u_m
            + qty["infrastructure_ha"] * u_i
            + qty["wall_face_m2"] * u_wall
        )
        planting += land * u_plant + qty["wall_face_m2"] * u_wall_plant
        aftercare_rate += after_rate
    # aftercare: the yearly rate on the planting cost, paid for the monitoring years (SPEC §5)
    aftercare = aftercare_rate * int(r["monitoring_years"]) * planting
    m_w, m_a = cost.fee_multiplier_pair(
        float(r["profit_rate"]),
        float(r["tax_rate"]),
        float(r["other_fees_rate"]),
        float(r["contingency_rate"]),
    )
    out = dict(works)
    out["aftercare"] = aftercare  # no works term: aftercare is not part of the works
    out["fees"] = (m_w - 1.0) * sum(works.values()) + (m_a - 1.0) * aftercare
    return out
