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


def fee_multipliers(
    profit_rate: np.ndarray,
    tax_rate: np.ndarray,
    other_fees_rate: np.ndarray,
    contingency_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers from direct cost to budget: works ``m_w`` and aftercare ``m_a`` [-]."""
    works = ((1.0 + profit_rate) * (1.0 + tax_rate) + other_fees_rate) * (1.0 + contingency_rate)
    return works, 1.0 + contingency_rate


def topsoil_own_share(
    soil_depth_cm: np.ndarray,
    topsoil_loss_fraction: np.ndarray,
    topsoil_stripped: np.ndarray,
    disturbed_ha: np.ndarray,
    land_to_cover_ha: np.ndarray,
    mean_required_depth_m: np.ndarray,
) -> np.ndarray:
    """Share of the required soil volume the mine's own stripped topsoil can supply [-]."""
    stripped_m3 = np.where(
        topsoil_stripped,
        soil_depth_cm / 100.0 * (1.0 - topsoil_loss_fraction) * disturbed_ha * 1e4,
        0.0,
    )
    need_m3 = mean_required_depth_m * land_to_cover_ha * 1e4
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.minimum(1.0, stripped_m3 / need_m3)
    return np.where(need_m3 > 0.0, share, 1.0)


def land_unit_costs(
    *,
    cost_factor: np.ndarray,
    shares: np.ndarray,
    planting_cost_cny_per_ha: np.ndarray,
    planted: np.ndarray,
    mean_required_depth_m: np.ndarray,
    own_share: np.ndarray,
    import_topsoil: np.ndarray,
    respread_cost_cny_per_m3: np.ndarray,
    import_cost_cny_per_m3: np.ndarray,
    regrade_volume_m3_per_ha: np.ndarray,
    regrade_cost_cny_per_m3: np.ndarray,
    amendment_cost_cny_per_ha: np.ndarray,
    substrate_amendment: np.ndarray,
    drainage_cost_cny_per_ha: np.ndarray,
    demolition_cost_cny_per_ha: np.ndarray,
    wall_cost_cny_per_m2: np.ndarray,
) -> dict[str, np.ndarray]:
    """Direct unit costs of one draw's measures, including its cost factors.

    ``cost_factor`` is ``(n, 8)`` in the order regrading, soil, revegetation, amendment,
    wall_greening, drainage, demolition, aftercare. ``shares`` and ``planting_cost_cny_per_ha`` are
    ``(n, n_land_uses)``; ``planted`` marks land uses that are planted (not water).
    Returns ``u_mined``, ``u_infra``, ``u_plant``, ``u_rework`` [CNY/ha] and ``u_wall`` [CNY/m2].
    """
    f = cost_factor
    soil_unit = own_share * respread_cost_cny_per_m3 + (1.0 - own_share) * np.where(
        import_topsoil, import_cost_cny_per_m3, 0.0
    )
    u_soil = mean_required_depth_m * 1e4 * soil_unit * f[:, 1]
    plant = shares * planting_cost_cny_per_ha
    u_plant = np.cumsum(plant, axis=1)[:, -1] * f[:, 2]
    u_rework = np.cumsum(np.where(planted, plant, 0.0), axis=1)[:, -1] * f[:, 2]
    u_regrade = regrade_volume_m3_per_ha * regrade_cost_cny_per_m3 * f[:, 0]
    u_amend = np.where(substrate_amendment, amendment_cost_cny_per_ha, 0.0) * f[:, 3]
    u_drain = drainage_cost_cny_per_ha * f[:, 5]
    u_demol = demolition_cost_cny_per_ha * f[:, 6]
    return {
        "u_mined": u_regrade + u_amend + u_soil + u_plant + u_drain,
        "u_infra": u_demol + u_soil + u_plant + u_drain,
        "u_plant": u_plant,
        "u_rework": u_rework,
        "u_wall": wall_cost_cny_per_m2 * f[:, 4],
    }


def lagged_sum(x: np.ndarray, lags: np.ndarray, weights: str = "flat") -> np.ndarray:
    """``Σ_{j=1..m} x[t-j]`` (flat) or ``Σ_{j=0..m-1} (m-j) x[t-j]`` (remaining) per row.

    ``lags`` is the per-row ``m`` (monitoring years). Used for aftercare paid in the ``m`` years
    after restoration (flat) and for the aftercare still owed at the end of year t (remaining).
    """
    _n, n_years = x.shape
    out = np.zeros_like(x)
    m_max = int(np.max(lags)) if lags.size else 0
    m = lags[:, None]
    for j in range(m_max):
        shift = j + 1 if weights == "flat" else j
        if shift >= n_years:
            break
        shifted = np.zeros_like(x)
        shifted[:, shift:] = x[:, : n_years - shift]
        w = (j < m) * (1.0 if weights == "flat" else (m - j))
        out = out + w * shifted
    return out


def escalate(amount_cny: np.ndarray, inflation_rate: np.ndarray) -> np.ndarray:
    """Nominal amounts: year-0 prices escalated by ``(1 + inflation_rate)^t`` [CNY]."""
    t = np.arange(amount_cny.shape[-1])
    return amount_cny * (1.0 + inflation_rate[:, None]) ** t


def present_value(nominal_cny: np.ndarray, discount_rate: np.ndarray) -> np.ndarray:
    """Present value at year 0 of a nominal yearly stream [CNY]."""
    t = np.arange(nominal_cny.shape[-1])
    return np.cumsum(nominal_cny / (1.0 + discount_rate[:, None]) ** t, axis=-1)[:, -1]


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
