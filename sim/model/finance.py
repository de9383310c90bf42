"""Restoration fund, bond, operator default and unfunded public liability (SPEC.md §7).

Sources (model.md §5): the fund accrues either a share of revenue or — China's 2017 national
rule [S, 财建〔2017〕638号] — the approved plan's cost amortised in proportion to output, on top
of an optional first deposit paid in before works begin (year 0; Hunan's fund is "自行预先计提"
into a supervised bank account per the approved plan [S, 湘自资规〔2022〕3号 第三、四条]); the
operator pays any shortfall while solvent; a walk-away leaves the restoration of everything
disturbed and not yet restored, plus the aftercare still owed, to the public, less the fund and
bond. Bonds are compared with the undiscounted third-party cost, as regulators do.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.model._compile import FASTMATH, stage

# --- compiled stages (one proposal-draw row at a time; inlined into sim.kernel's chunk loop)


@stage
def fund_step_cny(balance_cny, interest_growth, deposit_cny, spend_nominal_cny):
    """Fund at the end of a year (SPEC §7): ``B_t = max(0, B_{t-1}(1 + i) + (dep_t -
    spend_nom_t))``; the operator pays any shortfall while solvent. [CNY, nominal]"""
    return max(0.0, balance_cny * interest_growth + (deposit_cny - spend_nominal_cny))


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def fund_balances_cny(deposit_cny, spend_nominal_cny, interest_growth, out):
    """Fund balance ``out[r, t]`` at the end of each year of each row ``r`` from its deposits and
    nominal spending ``(n, n_years)`` and its ``interest_growth = 1 + fund_interest_rate``
    ``(n,)``, by :func:`fund_step_cny` (for re-running the fund alone, sim.feasibility)."""
    for r in range(deposit_cny.shape[0]):
        bal = 0.0
        for t in range(deposit_cny.shape[1]):
            bal = fund_step_cny(bal, interest_growth[r], deposit_cny[r, t], spend_nominal_cny[r, t])
            out[r, t] = bal


@stage
def log_survival_per_year(hazard_per_year):
    """``log1p(-h)``, the log of a year's survival at the default hazard ``h`` for
    ``0 < h < 1`` (0 elsewhere, where :func:`default_year` does not use it): a proposal's
    constant."""
    return math.log1p(-hazard_per_year) if 0.0 < hazard_per_year < 1.0 else 0.0


@stage
def default_year(default_uniform, hazard_per_year, log_survival, never):
    """Year the operator walks away (SPEC §7): ``Y = max(1, ceil(ln(1 - u) / log1p(-h)))`` for
    ``0 < h < 1`` (``never`` when the ratio is not finite or h = 0), 1 for h >= 1;
    ``log_survival = log1p(-h)`` (:func:`log_survival_per_year`)."""
    if hazard_per_year >= 1.0:
        return np.int64(1)
    if hazard_per_year > 0.0:
        ratio = math.log(1.0 - default_uniform) / log_survival
        if ratio < 1e15:
            return max(np.int64(1), np.int64(math.ceil(ratio)))
    return never


@stage
def yearly_pass(
    n_h,
    pat,
    rinf,
    q,
    x,
    ok_land,
    ok_wall,
    class_totals,
    unit_costs,
    fee_multipliers,
    monitoring,
    ore_price_cny_per_t,
    rev_basis,
    fund_rate,
    plan_cost,
    initial_deposit_cny,
    interest,
    gi,
    gd,
    life_years,
    interest_discount,
    at,
    want_yearly,
    yearly,
    row,
    a_yr,
    spend_nom,
    fund,
):
    """The yearly pass, one fused loop over the years of a row (SPEC §4-7); returns
    ``(cost_cny, pv_cost_cny, pv_revenue_cny, peak_unrestored_ha, walkaway_at_default_cny,
    cost_to_come_at_closure_cny)`` and writes ``spend_nom[t]`` (nominal spend), ``fund[t]``
    (fund balance ``B_t``) and, with ``want_yearly``, the row's yearly records.

    Symbols as in SPEC: ``pat``/``rinf`` the restoration pattern and infrastructure restored
    (§4); ``class_totals = (floor, dump, wall_plan, wall_face, infra)`` [ha, face in m2] (§3);
    ``unit_costs = (u_M, u_I, u_plant, u_rework [CNY/ha], u_wall, u_wall_plant [CNY/m2],
    aftercare rate with its factor [1/yr])`` and ``fee_multipliers = (m_w, m_a)`` (§5);
    ``q``/``x`` ore mined [Mt] and its share (§2); ``ok_land``/``ok_wall`` whether a planting
    in year t establishes (§6); ``gi[t] = (1+inflation)^t``, ``gd[t] = 1/(1+discount)^t``;
    ``interest = 1 + fund_interest_rate``; ``at`` the year before the default (-1 if none,
    §7); the cost to come at closure ``K_L = Σ_{L < t < H} spend_nom_t / (1 +
    fund_interest_rate)^(t - L)`` [CNY, nominal] (what the fund must hold at the end of year
    L to pay every later bill as it falls due; ``life_years`` L, ``interest_discount[j] = 1 /
    (1 + fund_interest_rate)^j``) summed on the way.
    Per year t: aftercare ``a_t = after_rate P_t`` of the year's plantings, due in years
    t+1 … t+m; rework of a failed planting of year t-1 (and of every failure since its last
    success) in year t; ``spend_t = m_w (W_t + rework_t) + m_a Σ_{j=1..m} a_{t-j}`` (§5); revenue
    ``q_t 1e6 price (1+inflation)^t`` and the deposit (revenue share or plan cost by output,
    ``rev_basis``, plus ``initial_deposit_cny``, the first deposit before works begin, in year
    0); the fund ``B_t`` (:func:`fund_step_cny`); the unrestored area and its peak
    (§4); in year ``at`` (every year with ``want_yearly``) the walk-away liability ``Wk_t`` (§7).
    """
    floor, dump, wall_plan, wall_face, infra = class_totals
    u_m, u_i, u_plant, u_rework, u_wall, u_wall_plant, after_rate = unit_costs
    m_w, m_a = fee_multipliers
    price_t = ore_price_cny_per_t * 1e6
    after_total = m_a * monitoring * after_rate
    # per unit of the pattern: works, planting (for aftercare) and rework of mined classes
    mined_land = floor + dump
    works_pat = mined_land * u_m + wall_face * u_wall
    plant_pat = mined_land * u_plant + wall_face * u_wall_plant
    rework_land_pat = mined_land * u_rework
    rework_wall_pat = wall_face * u_wall_plant
    walk_at = 0.0
    need = 0.0
    carry_l = 0.0
    carry_w = 0.0
    cost = 0.0
    pv_cost = 0.0
    bal = 0.0
    pv_rev = 0.0
    cum_x = 0.0
    cum_pat = 0.0
    cum_rinf = 0.0
    peak = 0.0
    after_due = 0.0  # aftercare due in year t: the last `monitoring` years' plantings
    for t in range(n_h):
        pt = pat[t]
        ct = rinf[t]
        a_yr[t] = after_rate * (pt * plant_pat + ct * u_plant)
        rw = 0.0
        if t >= 1:
            tm = t - 1
            add_l = pat[tm] * rework_land_pat + rinf[tm] * u_rework
            add_w = pat[tm] * rework_wall_pat
            carry_l = 0.0 if ok_land[tm] else carry_l + add_l
            carry_w = 0.0 if ok_wall[tm] else carry_w + add_w
            rw = carry_l + carry_w
            if monitoring > 0:
                after_due += a_yr[tm]
                if tm - monitoring >= 0:
                    after_due -= a_yr[tm - monitoring]
        works = pt * works_pat + ct * u_i
        sp = m_w * (works + rw) + m_a * after_due
        cost += sp
        sn = sp * gi[t]
        spend_nom[t] = sn
        after = t > life_years  # a select, not a branch (which LLVM splits the loop at)
        need += sn * interest_discount[np.uint64(t - life_years if after else 0)] if after else 0.0
        pv_cost += sn * gd[t]
        revenue = q[t] * price_t * gi[t]
        pv_rev += revenue * gd[t]
        dep = fund_rate * revenue if rev_basis else plan_cost * x[t]
        if t == 0:
            dep += initial_deposit_cny
        bal = fund_step_cny(bal, interest, dep, sn)
        fund[t] = bal
        cum_x += x[t]
        cum_pat += pt
        cum_rinf += ct
        left = cum_x - cum_pat
        um = mined_land * left
        ui = infra - cum_rinf
        unrest = um + wall_plan * left + ui
        if unrest > peak:
            peak = unrest
        if t == at or want_yearly:
            owed = 0.0
            for j in range(monitoring):
                if t - j >= 0:
                    owed += (monitoring - j) * a_yr[t - j]
            uwf = wall_face * left
            restore_left = m_w * (um * u_m + ui * u_i + uwf * u_wall)
            after_left = after_total * ((um + ui) * u_plant + uwf * u_wall_plant)
            wk = (restore_left + after_left + m_a * owed) * gi[t]
            if t == at:
                walk_at = wk
            if want_yearly:
                yr = yearly[row, t]
                yr.spend_cny = sp
                yr.spend_nominal_cny = sn
                yr.revenue_cny = revenue
                yr.output_share = x[t]
                yr.fund_balance_cny = bal
                yr.walkaway_liability_cny = wk
                yr.disturbed_pit_floor_ha = floor * cum_x
                yr.disturbed_pit_wall_ha = wall_plan * cum_x
                yr.disturbed_dump_ha = dump * cum_x
                yr.disturbed_infrastructure_ha = infra
                yr.restored_pit_floor_ha = floor * cum_pat
                yr.restored_pit_wall_ha = wall_plan * cum_pat
                yr.restored_dump_ha = dump * cum_pat
                yr.restored_infrastructure_ha = cum_rinf
    return cost, pv_cost, pv_rev, peak, walk_at, need
