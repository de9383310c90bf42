"""Restoration cost by measure at median factors (model/SPEC.md §2-5, summed over the life).

The engine reports the cost of each draw as one number. A reviewer also wants to see what it is
made of: this module splits the cost of one *median-factor* run into measures. "Median factors"
means every cost factor at 1 (the median of its lognormal), the nominal mined thickness and
output, and no establishment failure (so no rework). The undiscounted cost at year-0 prices is
then a sum over the life that does not depend on when each hectare is restored, and the items
below add up exactly to the total the engine computes for that run (a test checks it).

The per-measure unit costs come from :func:`sim.model.cost.land_unit_costs` itself, called with
one-hot cost factors, so the split can never drift from the model's own arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.i18n import N_
from sim.keys import LAND_USES, MEASURES
from sim.model import cost, schedule

#: the items of the breakdown, in display order: the measures of the model, then the fees
ITEMS: tuple[str, ...] = (*MEASURES, "fees")

LABELS: dict[str, str] = {
    "regrading": N_("Regrading (floors, dumps)"),
    "soil": N_("Soil cover (re-spread + import)"),
    "revegetation": N_("Revegetation (planting, seeding)"),
    "amendment": N_("Substrate amendment"),
    "wall_greening": N_("Wall greening"),
    "drainage": N_("Drainage"),
    "demolition": N_("Demolition (infrastructure)"),
    "aftercare": N_("Aftercare and monitoring"),
    "fees": N_("Fees, profit, tax, contingency"),
}


def _a(r: Mapping[str, Any], key: str) -> np.ndarray:
    return np.array([r[key]], dtype=float)


def quantities(r: Mapping[str, Any]) -> dict[str, float]:
    """Areas restored over the life at nominal thickness and output.

    Returns ``mined_land_ha`` (pit floor + dumps), ``infrastructure_ha``, ``wall_face_m2`` and
    ``total_disturbed_ha`` (plan areas) for the resolved inputs ``r`` (``sim.resolve.resolve``).
    """
    q = schedule.output_schedule_mt(
        _a(r, "reserves_mt"),
        _a(r, "annual_output_mt"),
        _a(r, "ramp_up_years"),
        _a(r, "ramp_share"),
        int(r["horizon_years"]),
    )
    geo = schedule.pit_geometry(
        schedule.seqsum(q),
        _a(r, "rock_density_t_per_m3"),
        _a(r, "mined_thickness_m"),
        _a(r, "stripping_ratio"),
        _a(r, "final_highwall_height_m"),
        _a(r, "final_highwall_slope_deg"),
        _a(r, "wall_length_factor"),
        _a(r, "min_floor_width_m"),
    )
    dump = schedule.seqsum(
        schedule.dump_area_ha(
            q,
            _a(r, "stripping_ratio"),
            _a(r, "rock_density_t_per_m3"),
            _a(r, "swell_factor"),
            _a(r, "dump_height_m"),
        )
    )
    infra = float(r["infrastructure_area_ha"])
    floor, wall_plan = float(geo["floor_ha"][0]), float(geo["wall_plan_ha"][0])
    return {
        "mined_land_ha": floor + float(dump[0]),
        "infrastructure_ha": infra,
        "wall_face_m2": float(geo["wall_face_m2"][0]),
        "total_disturbed_ha": floor + wall_plan + float(dump[0]) + infra,
    }


def cost_by_measure_cny(r: Mapping[str, Any]) -> dict[str, float]:
    """Undiscounted restoration cost at year-0 prices by item of :data:`ITEMS` [CNY].

    Every factor at its median and no rework (see the module docstring); the items add up to
    the total cost of that run. ``fees`` are the budget-norm surcharges on the works (other
    fees, profit, tax, contingency) and the contingency on aftercare.
    """
    qty = quantities(r)
    land = qty["mined_land_ha"] + qty["infrastructure_ha"]
    shares = np.array([[r[f"share_{lu}"] for lu in LAND_USES]])
    depths = np.array([[r[f"required_depth_{lu}_m"] for lu in LAND_USES]])
    mean_depth = np.array([float(np.sum(shares * depths))])
    own = cost.topsoil_own_share(
        _a(r, "soil_depth_cm"),
        _a(r, "topsoil_loss_fraction"),
        np.array([bool(r["topsoil_stripped"])]),
        np.array([qty["total_disturbed_ha"]]),
        np.array([land]),
        mean_depth,
    )
    n = len(MEASURES)
    one = np.ones(n)

    def per_measure(key: str) -> np.ndarray:
        return np.full(n, float(r[key]))

    u = cost.land_unit_costs(
        cost_factor=np.eye(n),  # row m: only measure m's factor is 1 -> its own contribution
        shares=np.repeat(shares, n, axis=0),
        planting_cost_cny_per_ha=np.array(
            [[r[f"planting_cost_{lu}_cny_per_ha"] for lu in LAND_USES]] * n
        ),
        planted=np.array([[lu != "water" for lu in LAND_USES]]),
        mean_required_depth_m=mean_depth[0] * one,
        own_share=own[0] * one,
        import_topsoil=np.full(n, bool(r["import_topsoil"])),
        respread_cost_cny_per_m3=per_measure("respread_cost_cny_per_m3"),
        import_cost_cny_per_m3=per_measure("import_cost_cny_per_m3"),
        regrade_volume_m3_per_ha=per_measure("regrade_volume_m3_per_ha"),
        regrade_cost_cny_per_m3=per_measure("regrade_cost_cny_per_m3"),
        amendment_cost_cny_per_ha=per_measure("amendment_cost_cny_per_ha"),
        substrate_amendment=np.full(n, bool(r["substrate_amendment"])),
        drainage_cost_cny_per_ha=per_measure("drainage_cost_cny_per_ha"),
        demolition_cost_cny_per_ha=per_measure("demolition_cost_cny_per_ha"),
        wall_cost_cny_per_m2=per_measure("wall_cost_cny_per_m2"),
    )
    works = (
        qty["mined_land_ha"] * u["u_mined"]
        + qty["infrastructure_ha"] * u["u_infra"]
        + qty["wall_face_m2"] * u["u_wall"]
    )
    planting = land * float(np.sum(u["u_plant"])) + qty["wall_face_m2"] * float(np.sum(u["u_wall"]))
    aftercare = float(r["aftercare_rate_per_year"]) * int(r["monitoring_years"]) * planting
    m_w, m_a = cost.fee_multipliers(
        _a(r, "profit_rate"), _a(r, "tax_rate"), _a(r, "other_fees_rate"), _a(r, "contingency_rate")
    )
    out = {m: float(works[i]) for i, m in enumerate(MEASURES)}
    out["aftercare"] = aftercare  # no works term: aftercare is not part of the works
    out["fees"] = float((m_w[0] - 1.0) * np.sum(works) + (m_a[0] - 1.0) * aftercare)
    return out
