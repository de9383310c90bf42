"""Restoration cost: quantities x unit costs, fees, aftercare, escalation, discounting.

See SPEC.md §5.

Sources: model.md §3. Unit costs are engineering estimates [E] calibrated so that Hunan's
abandoned open-pit sites land at 200,000-350,000 CNY/ha [D: Yangtze-belt programme
380 M CNY / 1,911.52 ha; Hongjiang; Xinshao; 2022-24 demonstration projects]. The fee structure
(other fees, profit, tax, basic contingency) follows China's land-reclamation budget norms [S];
wall-greening cost depends on the slope class of the final wall (inclusive upper edges).
"""

from __future__ import annotations

import numpy as np

from sim.model._compile import stage


def slope_class(slope_deg: np.ndarray, edges_deg: tuple[float, ...]) -> np.ndarray:
    """Index of the slope class with inclusive upper edges: 0 for ``slope <= edges[0]``, …"""
    return np.searchsorted(np.asarray(edges_deg, dtype=float), slope_deg, side="left")


# --- compiled stages (one proposal-draw row at a time; inlined into sim.kernel's chunk loop)


@stage
def land_use_sums(shares, required_depth_m, planting_cost_cny_per_ha, n_land_uses, water):
    """Share-weighted sums over the ``n_land_uses`` land uses (SPEC §5-6), ``water`` not planted:
    ``(d̄ [m], Σ s planting_cost [CNY/ha], Σ_{planted} s planting_cost [CNY/ha],
    Σ_{planted} s, Σ_{planted} s d [m])``, summed in land-use order."""
    mean_depth_m = 0.0
    plant_cny_per_ha = 0.0
    rework_cny_per_ha = 0.0
    planted_share = 0.0
    planted_depth_m = 0.0
    for j in range(n_land_uses):
        mean_depth_m += shares[j] * required_depth_m[j]
        plant_cny_per_ha += shares[j] * planting_cost_cny_per_ha[j]
        if j != water:
            rework_cny_per_ha += shares[j] * planting_cost_cny_per_ha[j]
            planted_share += shares[j]
            planted_depth_m += shares[j] * required_depth_m[j]
    return mean_depth_m, plant_cny_per_ha, rework_cny_per_ha, planted_share, planted_depth_m


@stage
def fee_multiplier_pair(profit_rate, tax_rate, other_fees_rate, contingency_rate):
    """Works ``m_w = ((1 + profit)(1 + tax) + other)(1 + contingency)`` and aftercare
    ``m_a = 1 + contingency`` multipliers from direct cost to budget (SPEC §5)."""
    works = ((1.0 + profit_rate) * (1.0 + tax_rate) + other_fees_rate) * (1.0 + contingency_rate)
    return works, 1.0 + contingency_rate


@stage
def topsoil_supply(
    soil_depth_cm,
    topsoil_loss_fraction,
    topsoil_stripped,
    total_disturbed_ha,
    land_to_cover_ha,
    mean_depth_m,
    import_topsoil,
):
    """Own share ``ω`` of the soil needed and soil ratio ``ρ`` (SPEC §5): stripped
    ``S = soil_depth_cm/100 (1 - loss) D 1e4`` [m3] if stripped, need ``N = d̄ Λ 1e4`` [m3],
    ``ω = min(1, S/N)`` (1 if N = 0), ``ρ = 1`` if soil is imported else ``ω``."""
    stripped_m3 = 0.0
    if topsoil_stripped:
        stripped_m3 = (
            soil_depth_cm / 100.0 * (1.0 - topsoil_loss_fraction) * total_disturbed_ha * 1e4
        )
    need_m3 = mean_depth_m * land_to_cover_ha * 1e4
    own = min(1.0, stripped_m3 / need_m3) if need_m3 > 0.0 else 1.0
    return own, (1.0 if import_topsoil else own)


@stage
def unit_costs_cny(
    cost_factor,
    own_share,
    import_topsoil,
    mean_depth_m,
    plant_cny_per_ha,
    rework_cny_per_ha,
    respread_cost_cny_per_m3,
    import_cost_cny_per_m3,
    regrade_volume_m3_per_ha,
    regrade_cost_cny_per_m3,
    substrate_amendment,
    amendment_cost_cny_per_ha,
    drainage_cost_cny_per_ha,
    demolition_cost_cny_per_ha,
    wall_cost_cny_per_m2,
    aftercare_rate_per_year,
):
    """One draw's unit costs with its cost factors ``φ`` (order of ``MEASURES``), SPEC §5:
    ``(u_M, u_I, u_plant, u_rework)`` [CNY/ha], ``u_wall`` [CNY/m2 of face] and the yearly
    aftercare rate ``aftercare_rate φ_aftercare`` [1/yr].

    ``u_soil = d̄ 1e4 (ω respread + (1-ω) import [imported]) φ_soil``; ``u_plant``, ``u_rework``
    the planting sums × ``φ_revegetation``; ``u_regrade = volume × cost φ_regrading``;
    ``u_amend = amendment [amended] φ_amendment``; ``u_M = u_regrade + u_amend + u_soil +
    u_plant + u_drain``; ``u_I = u_demol + u_soil + u_plant + u_drain``; ``u_wall = wall_cost
    φ_wall_greening``.
    """
    f = cost_factor
    soil_unit = own_share * respread_cost_cny_per_m3 + (1.0 - own_share) * (
        import_cost_cny_per_m3 if import_topsoil else 0.0
    )
    u_soil = mean_depth_m * 1e4 * soil_unit * f[1]
    u_plant = plant_cny_per_ha * f[2]
    u_rework = rework_cny_per_ha * f[2]
    u_regrade = regrade_volume_m3_per_ha * regrade_cost_cny_per_m3 * f[0]
    u_amend = (amendment_cost_cny_per_ha if substrate_amendment else 0.0) * f[3]
    u_drain = drainage_cost_cny_per_ha * f[5]
    u_demol = demolition_cost_cny_per_ha * f[6]
    return (
        u_regrade + u_amend + u_soil + u_plant + u_drain,
        u_demol + u_soil + u_plant + u_drain,
        u_plant,
        u_rework,
        wall_cost_cny_per_m2 * f[4],
        aftercare_rate_per_year * f[7],
    )
