"""The vectorised Monte-Carlo core: one block of (proposal, draw) rows over years.

:func:`simulate_rows` composes the pure model functions of :mod:`sim.model` exactly as
``model/SPEC.md`` prescribes. Rows may belong to different proposals with different horizons:
the arrays are padded to the longest horizon and every per-row result is independent of the
padding (sums over years run in sequential order; years at or beyond a row's horizon are masked).
"""

from __future__ import annotations

import numpy as np

from sim.keys import LAND_USES
from sim.model import cost, finance, recovery, schedule
from sim.model.schedule import seqsum

PLANTED = np.array([lu != "water" for lu in LAND_USES])


def _take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, np.clip(idx, 0, a.shape[1] - 1)[:, None], axis=1)[:, 0]


def _cover_trajectory(groups, established, g, f0, k) -> np.ndarray:
    """Area-weighted mean cover of the restored cohorts of one kind, by year (NaN before any).

    ``groups`` is a list of (area restored per year ``(n, T)``, cover ceiling ``(n,)``); a cohort
    is bare until established, then grows with its effective age. O(T²): yearly output only.
    """
    n, n_years = g.shape
    t = np.arange(n_years)[None, :]
    num = np.zeros((n, n_years))
    den = np.zeros((n, n_years))
    for tau in range(n_years):
        s = established[:, tau]
        s_c = np.minimum(s, n_years - 1)
        age = (g - g[np.arange(n), s_c][:, None]).astype(float)
        grown = t >= s[:, None]
        for area, fmax in groups:
            a = area[:, tau]
            if not a.any():
                continue
            f = np.where(grown, recovery.cover(fmax[:, None], f0[:, None], k[:, None], age), 0.0)
            live = t >= tau
            num += np.where(live, a[:, None] * f, 0.0)
            den += np.where(live, a[:, None], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def simulate_rows(
    inp: dict[str, np.ndarray], draws: dict[str, np.ndarray], n_years: int, yearly: bool = False
) -> dict[str, np.ndarray]:
    """Simulate rows; ``inp`` maps resolved keys to ``(n,)`` arrays, ``draws`` as in SPEC.md §0.

    Returns per-row scalars ``(n,)`` (see ``sim.keys.DRAW_OUTPUT_SCALARS``) and, with
    ``yearly=True``, per-row yearly arrays ``(n, n_years)``.
    """
    T = n_years
    t = np.arange(T)[None, :]
    H = inp["horizon_years"].astype(np.int64)
    inside = t < H[:, None]

    # --- extraction schedule and geometry (SPEC §2-3)
    q = schedule.output_schedule_mt(
        inp["reserves_mt"],
        inp["annual_output_mt"] * draws["output_factor"],
        inp["ramp_up_years"],
        inp["ramp_share"],
        T,
    )
    life = schedule.life_years(q)
    mined = seqsum(q)
    x = q / mined[:, None]
    geo = schedule.pit_geometry(
        mined,
        inp["rock_density_t_per_m3"],
        inp["mined_thickness_m"] * draws["thickness_factor"],
        inp["stripping_ratio"],
        inp["final_highwall_height_m"],
        inp["final_highwall_slope_deg"],
        inp["wall_length_factor"],
        inp["min_floor_width_m"],
    )
    dist = {
        "floor": geo["floor_ha"][:, None] * x,
        "wallp": geo["wall_plan_ha"][:, None] * x,
        "wallf": geo["wall_face_m2"][:, None] * x,
        "dump": schedule.dump_area_ha(
            q,
            inp["stripping_ratio"],
            inp["rock_density_t_per_m3"],
            inp["swell_factor"],
            inp["dump_height_m"],
        ),
        "infra": np.zeros((q.shape[0], T)),
    }
    dist["infra"][:, 0] = inp["infrastructure_area_ha"]

    # --- restoration schedule (SPEC §4)
    closure = inp["closure_years"].astype(np.int64)
    rest = {
        c: schedule.restoration_schedule(
            d,
            life,
            inp["progressive_fraction"],
            inp["progressive_lag_years"].astype(np.int64),
            closure,
            progressive=c != "infra",
        )
        for c, d in dist.items()
    }
    total = {c: seqsum(d) for c, d in dist.items()}
    total_disturbed = total["floor"] + total["wallp"] + total["dump"] + total["infra"]
    cum_d = {c: np.cumsum(d, axis=1) for c, d in dist.items()}
    cum_r = {c: np.cumsum(r, axis=1) for c, r in rest.items()}
    unrest = {c: cum_d[c] - cum_r[c] for c in dist}
    unrest_total = unrest["floor"] + unrest["wallp"] + unrest["dump"] + unrest["infra"]
    peak_unrestored = np.max(np.where(inside, unrest_total, 0.0), axis=1)
    coh_m = rest["floor"] + rest["dump"]
    coh_i = rest["infra"]
    coh_wp = rest["wallp"]
    coh_wf = rest["wallf"]

    # --- cost (SPEC §5)
    shares = np.stack([inp[f"share_{lu}"] for lu in LAND_USES], axis=1)
    depths = np.stack([inp[f"required_depth_{lu}_m"] for lu in LAND_USES], axis=1)
    plant_cost = np.stack([inp[f"planting_cost_{lu}_cny_per_ha"] for lu in LAND_USES], axis=1)
    mean_depth = np.cumsum(shares * depths, axis=1)[:, -1]
    land_area = seqsum(coh_m + coh_i)
    own = cost.topsoil_own_share(
        inp["soil_depth_cm"],
        inp["topsoil_loss_fraction"],
        inp["topsoil_stripped"],
        total_disturbed,
        land_area,
        mean_depth,
    )
    soil_ratio = np.where(inp["import_topsoil"], 1.0, own)
    f = draws["cost_factor"]
    u = cost.land_unit_costs(
        cost_factor=f,
        shares=shares,
        planting_cost_cny_per_ha=plant_cost,
        planted=PLANTED[None, :],
        mean_required_depth_m=mean_depth,
        own_share=own,
        import_topsoil=inp["import_topsoil"],
        respread_cost_cny_per_m3=inp["respread_cost_cny_per_m3"],
        import_cost_cny_per_m3=inp["import_cost_cny_per_m3"],
        regrade_volume_m3_per_ha=inp["regrade_volume_m3_per_ha"],
        regrade_cost_cny_per_m3=inp["regrade_cost_cny_per_m3"],
        amendment_cost_cny_per_ha=inp["amendment_cost_cny_per_ha"],
        substrate_amendment=inp["substrate_amendment"],
        drainage_cost_cny_per_ha=inp["drainage_cost_cny_per_ha"],
        demolition_cost_cny_per_ha=inp["demolition_cost_cny_per_ha"],
        wall_cost_cny_per_m2=inp["wall_cost_cny_per_m2"],
    )
    u_m, u_i, u_plant, u_wall = (u[k][:, None] for k in ("u_mined", "u_infra", "u_plant", "u_wall"))
    works = coh_m * u_m + coh_i * u_i + coh_wf * u_wall
    planting = (coh_m + coh_i) * u_plant + coh_wf * u_wall
    aftercare_yearly = inp["aftercare_rate_per_year"][:, None] * planting * f[:, 7:8]
    m_w, m_a = cost.fee_multipliers(
        inp["profit_rate"], inp["tax_rate"], inp["other_fees_rate"], inp["contingency_rate"]
    )
    monitoring = inp["monitoring_years"].astype(np.int64)

    # --- recovery (SPEC §6)
    drought = draws["drought_uniform"] < inp["drought_probability"][:, None]
    g = recovery.effective_years(drought)
    precip = np.minimum(1.0, inp["annual_precipitation_mm"] / inp["precipitation_reference_mm"])
    k = draws["growth_rate_per_year"] * precip
    planted_share = np.cumsum(np.where(PLANTED[None, :], shares, 0.0), axis=1)[:, -1]
    planted_depth = np.cumsum(np.where(PLANTED[None, :], shares * depths, 0.0), axis=1)[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        d_pl = np.where(planted_share > 0, planted_depth / planted_share, 0.0)
    thin = (planted_share > 0) & (soil_ratio * d_pl < inp["thin_soil_m"])
    steep = inp["final_highwall_slope_deg"] > inp["steep_wall_threshold_deg"]
    one = np.ones_like(k)
    p_land = recovery.failure_probability_by_year(
        draws["failure_probability"],
        np.where(thin, inp["failure_mult_thin"], one),
        drought,
        inp["failure_mult_drought"],
        inp["failure_cap"],
    )
    p_wall = recovery.failure_probability_by_year(
        draws["failure_probability"],
        np.where(steep, inp["failure_mult_steep"], one),
        drought,
        inp["failure_mult_drought"],
        inp["failure_cap"],
    )
    ok_land = draws["establish_land_uniform"] >= p_land
    ok_wall = draws["establish_wall_uniform"] >= p_wall
    s_land = recovery.establishment_year(ok_land, H)
    s_wall = recovery.establishment_year(ok_wall, H)
    deadline = life + closure + inp["success_horizon_years"].astype(np.int64)
    g_deadline = _take(g, deadline)[:, None]

    def cover_at_deadline(fmax: np.ndarray, s: np.ndarray) -> np.ndarray:
        age = (g_deadline - np.take_along_axis(g, np.minimum(s, T - 1), axis=1)).astype(float)
        f_dead = recovery.cover(fmax[:, None], inp["cover_initial"][:, None], k[:, None], age)
        return np.where(s <= deadline[:, None], f_dead, 0.0)

    base = draws["cover_max"] * precip
    meets_m = np.zeros_like(coh_m)
    meets_i = np.zeros_like(coh_m)
    for j, lu in enumerate(LAND_USES):
        if lu == "water":
            ok_m = ok_i = np.ones_like(coh_m, dtype=bool)
        else:
            rho = np.where(inp[f"required_depth_{lu}_m"] > 0, soil_ratio, 1.0)
            crit = inp[f"success_cover_{lu}"][:, None]
            ok_m = cover_at_deadline(base * inp["toxic_cover_factor"] * rho, s_land) >= crit
            ok_i = cover_at_deadline(base * rho, s_land) >= crit
            if lu == "farmland":
                soil_ok = (soil_ratio >= 1.0 - 1e-9)[:, None]
                ok_m = ok_m & soil_ok
                ok_i = ok_i & soil_ok
        meets_m = meets_m + shares[:, j : j + 1] * ok_m
        meets_i = meets_i + shares[:, j : j + 1] * ok_i
    ok_w = (
        cover_at_deadline(base * inp["wall_cover_factor"], s_wall)
        >= inp["success_cover_wall"][:, None]
    )
    # years from planting to meeting the criterion, area-weighted over planted cohorts
    first = recovery.first_year_reaching(g)
    f0 = inp["cover_initial"]
    years_num = np.zeros_like(coh_m)
    years_den = np.zeros_like(coh_m)
    for j, lu in enumerate(LAND_USES):
        if lu == "water":
            continue
        rho = np.where(inp[f"required_depth_{lu}_m"] > 0, soil_ratio, 1.0)
        crit = inp[f"success_cover_{lu}"]
        w = shares[:, j : j + 1]
        for area, fmax in ((coh_m, base * inp["toxic_cover_factor"] * rho), (coh_i, base * rho)):
            need = recovery.effective_years_needed(fmax, f0, k, crit)
            yrs = recovery.years_to_criterion(s_land, need, g, first, H)
            years_num = years_num + area * w * yrs
            years_den = years_den + area * w
    need_w = recovery.effective_years_needed(
        base * inp["wall_cover_factor"], f0, k, inp["success_cover_wall"]
    )
    years_num = years_num + coh_wp * recovery.years_to_criterion(s_wall, need_w, g, first, H)
    years_den = years_den + coh_wp
    with np.errstate(divide="ignore", invalid="ignore"):
        recovery_years = seqsum(years_num) / seqsum(years_den)

    restored_area = seqsum(coh_m + coh_i + coh_wp)
    success_area = seqsum(coh_m * meets_m + coh_i * meets_i + coh_wp * ok_w)
    success_share = success_area / restored_area
    required = inp["required_success_area_share"]
    success = np.ones_like(required, dtype=bool)
    for area, met in (
        (rest["floor"], meets_m),
        (rest["dump"], meets_m),
        (coh_i, meets_i),
        (coh_wp, ok_w),
    ):
        total_c = seqsum(area)
        with np.errstate(divide="ignore", invalid="ignore"):
            share_c = seqsum(area * met) / total_c
        success &= ~(total_c > 0.0) | (share_c >= required - 1e-9)  # round-off (SPEC §6)
    water = inp["share_water"][:, None]
    reworked = seqsum((coh_m + coh_i) * (1.0 - water) * (s_land > t) + coh_wp * (s_wall > t))
    rework_share = reworked / restored_area

    rework_land = recovery.rework_schedule((coh_m + coh_i) * u["u_rework"][:, None], ok_land, H)
    rework_wall = recovery.rework_schedule(coh_wf * u_wall, ok_wall, H)
    spend = m_w[:, None] * (works + rework_land + rework_wall) + m_a[:, None] * cost.lagged_sum(
        aftercare_yearly, monitoring, "flat"
    )
    spend = np.where(inside, spend, 0.0)
    cost_total = seqsum(spend)
    spend_nom = cost.escalate(spend, inp["inflation_rate"])
    pv_cost = cost.present_value(spend_nom, inp["discount_rate"])

    # --- finance (SPEC §7)
    revenue = cost.escalate(q * 1e6 * inp["ore_price_cny_per_t"][:, None], inp["inflation_rate"])
    pv_revenue = cost.present_value(revenue, inp["discount_rate"])
    deposit = np.where(
        inp["fund_basis_revenue"][:, None],
        inp["fund_rate_of_revenue"][:, None] * revenue,
        inp["plan_restoration_cost_cny"][:, None] * x,
    )
    fund = finance.fund_balance_cny(deposit, spend_nom, inp["fund_interest_rate"])
    um = unrest["floor"] + unrest["dump"]
    ui = unrest["infra"]
    uwf = unrest["wallf"]
    restore_left = m_w[:, None] * (um * u_m + ui * u_i + uwf * u_wall)
    after_left = (m_a * monitoring * inp["aftercare_rate_per_year"] * f[:, 7])[:, None] * (
        (um + ui) * u_plant + uwf * u_wall
    )
    owed = m_a[:, None] * cost.lagged_sum(aftercare_yearly, monitoring, "remaining")
    walkaway = cost.escalate(restore_left + after_left + owed, inp["inflation_rate"])
    bond = inp["bond_cny"]
    y_default = finance.default_year(
        draws["default_uniform"], inp["operator_default_hazard_per_year"]
    )
    defaulted = y_default <= life + closure
    at = np.where(defaulted, y_default - 1, 0)
    unfunded = np.where(
        defaulted, np.maximum(0.0, _take(walkaway, at) - _take(fund, at) - bond), 0.0
    )
    fund_closure = _take(fund, life)
    after = t > life[:, None]
    growth = (1.0 + inp["fund_interest_rate"])[:, None] ** np.where(after, t - life[:, None], 0)
    liability_closure = seqsum(np.where(after, spend_nom / growth, 0.0))

    out = {
        "life_years": life,
        "pit_footprint_ha": geo["pit_ha"],
        "pit_enlarged": geo["pit_enlarged"],
        "total_disturbed_ha": total_disturbed,
        "peak_unrestored_ha": peak_unrestored,
        "cost_cny": cost_total,
        "cost_per_ha_cny": cost_total / total_disturbed,
        "pv_cost_cny": pv_cost,
        "pv_revenue_cny": pv_revenue,
        "success": success,
        "success_area_share": success_share,
        "rework_area_share": rework_share,
        "recovery_years": recovery_years,
        "fund_at_closure_cny": fund_closure,
        "liability_at_closure_cny": liability_closure,
        "assured": fund_closure + bond >= liability_closure,
        "defaulted": defaulted,
        "unfunded_liability_cny": unfunded,
    }
    if yearly:
        for j, lu in enumerate(LAND_USES):
            if lu == "water":
                continue
            rho = np.where(inp[f"required_depth_{lu}_m"] > 0, soil_ratio, 1.0)
            out[f"cover_{lu}"] = _cover_trajectory(
                [
                    (coh_m * shares[:, j : j + 1], base * inp["toxic_cover_factor"] * rho),
                    (coh_i * shares[:, j : j + 1], base * rho),
                ],
                s_land,
                g,
                f0,
                k,
            )
        out["cover_wall"] = _cover_trajectory(
            [(coh_wp, base * inp["wall_cover_factor"])], s_wall, g, f0, k
        )
    out["default_year"] = np.where(defaulted, y_default, -1)
    if yearly:
        out.update(
            spend_cny=spend,
            spend_nominal_cny=spend_nom,
            revenue_cny=revenue,
            output_share=x,
            fund_balance_cny=fund,
            walkaway_liability_cny=walkaway,
            disturbed_pit_floor_ha=cum_d["floor"],
            disturbed_pit_wall_ha=cum_d["wallp"],
            disturbed_dump_ha=cum_d["dump"],
            disturbed_infrastructure_ha=cum_d["infra"],
            restored_pit_floor_ha=cum_r["floor"],
            restored_pit_wall_ha=cum_r["wallp"],
            restored_dump_ha=cum_r["dump"],
            restored_infrastructure_ha=cum_r["infra"],
        )
    return out
