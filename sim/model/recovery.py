"""Vegetation recovery of restored cohorts: establishment, failure and rework, drought, success.

Sources (model.md §4, recovery.toml, regions.toml): cover follows
``F(a) = Fmax - (Fmax - F0) exp(-k a)`` with the cover ceiling of Hunan hills 0.80 (0.74-0.85)
[S, Taojiang and Huayuan satellite studies] and an engineered cohort's rate 0.5/yr (0.3-0.8) [E].
Establishment is tied to the weather: a planting fails with a low probability in a normal year
(0.05, 0.02-0.15 [E]; normal-year survival 95-100 %, real-cases.md §3) and mostly fails when its
first year is a drought year (0.70, 0.5-0.9 [E]; under 30 % survival in a Hunan quarry's drought
year), so failures cluster in the region's drought years; thin soil and steep walls multiply
both. A failed planting is redone the next season. Drought years (regional probability) add no
effective age; success criteria by land use and region (TD/T 1036-2013 zones, regions.toml).

A cohort's success needs only its state at its deadline, so nothing keeps cohort histories: the
yearly outcomes come from :func:`year_outcomes`, the establishment year from one backward pass
over years and the effective age from a cumulative count of non-drought years
(:func:`establishment`); the other stages turn the cover curve into age rules and years to the
criterion.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.model._compile import FASTMATH, stage

#: an age bound or a number of effective years that is never reached
NEVER = np.int64(1) << np.int64(40)
#: areas below this are zero but for underflow (e.g. a subnormal progressive fraction); the
#: cover by year leaves them out (SPEC §8)
TINY_AREA_HA = 1e-300


@stage
def cover_at_age(fmax, f0, k, age):
    """Cover ``F(a) = Fmax - (Fmax - F0) exp(-k a)`` at effective age ``a`` [yr] (SPEC §6)."""
    return fmax - (fmax - f0) * math.exp(-k * age)


@njit(cache=True, fastmath=FASTMATH)
def age_rule(fmax, f0, k, crit, n_years):
    """(kind, bound, needed): cover >= crit iff age >= bound (kind 1) or age <= bound (kind -1);
    ``needed`` is the whole effective years to reach crit (inf if never).

    Found from the closed form; when the closed form lies within 1e-6 of a whole year (or the
    ceiling is within 1e-6 of the criterion) the bound is confirmed with the cover formula itself,
    so the test is the same as evaluating ``cover(age) >= crit`` for every integer age.
    """
    if fmax >= f0:
        if fmax < crit:  # cover never exceeds its ceiling, in floating point too
            return 1, NEVER, math.inf
        if not f0 < crit < fmax:
            # edge cases (already met at planting, or a ceiling equal to the criterion): the
            # cover formula itself, which rises with age, decides at each whole age
            m = np.int64(0)
            while m <= n_years and cover_at_age(fmax, f0, k, float(m)) < crit:
                m += 1
            return 1, (m if m <= n_years else NEVER), (0.0 if f0 >= crit else math.inf)
        a_real = math.log((fmax - f0) / (fmax - crit)) / k
        needed = math.ceil(a_real)
        a = min(max(needed, 0.0), n_years + 1.0)
        m = np.int64(a)
        if abs(a_real - math.floor(a_real + 0.5)) < 1e-6 or fmax - crit < 1e-6 * fmax:
            while m > 0 and cover_at_age(fmax, f0, k, float(m - 1)) >= crit:
                m -= 1
            while m <= n_years and cover_at_age(fmax, f0, k, float(m)) < crit:
                m += 1
        return 1, (m if m <= n_years else NEVER), needed
    # a ceiling below the initial cover: cover decays towards it
    needed = 0.0 if f0 >= crit else (math.inf if fmax <= crit else 0.0)
    m = np.int64(-1)
    while m + 1 <= n_years and cover_at_age(fmax, f0, k, float(m + 1)) >= crit:
        m += 1
    return -1, m, needed


@stage
def age_rule_by_powers(fmax, f0, k, decay, crit, n_years):
    """:func:`age_rule`, with ``decay = exp(-k)`` given: when cover rises from below the
    criterion to above it (``f0 < crit < fmax``), the first whole age whose cover
    ``fmax - (fmax - f0) decay^m`` reaches ``crit`` by repeated multiplication (no logarithm;
    the criterion is met after one or two effective years in most draws); whenever that cover
    lies within 1e-12 of the criterion at the age found or the age before, or no age up to
    ``n_years`` reaches it, and in every other case, :func:`age_rule` itself. The powers differ
    from ``exp(-k m)`` by less than 1e-14 in cover, so outside that margin both give the same
    rule as the cover formula at every whole age (and ``needed`` is that age, the ceiling of
    the closed form's real age)."""
    if fmax >= f0 and f0 < crit and crit < fmax:
        d = fmax - f0
        pw = 1.0
        prev = f0
        m = np.int64(0)
        c = f0
        while m < n_years:
            m += 1
            pw *= decay
            prev = c
            c = fmax - d * pw
            if c >= crit:
                if c - crit > 1e-12 and crit - prev > 1e-12:
                    return np.int64(1), m, np.float64(m)
                break
    return age_rule(fmax, f0, k, crit, n_years)


@stage
def cover_ceilings(cover_max, precip_factor, toxic_cover_factor, soil_ratio, needs_soil):
    """Cover ceilings of one land use (SPEC §6): mined land ``Fmax_M = cover_max π_P tox ρ_lu``
    and infrastructure land ``Fmax_I = cover_max π_P ρ_lu``, with ``ρ_lu`` the soil ratio for a
    land use that needs soil (``d_lu > 0``), else 1."""
    rho = soil_ratio if needs_soil else 1.0
    base = cover_max * precip_factor
    return base * toxic_cover_factor * rho, base * rho


@stage
def wall_cover_ceiling(cover_max, precip_factor, wall_cover_factor):
    """Cover ceiling of the walls ``Fmax_W = cover_max π_P wall_cover_factor`` (SPEC §6)."""
    return cover_max * precip_factor * wall_cover_factor


@stage
def age_interval(kind, bound, needed, meets_at_all):
    """The effective ages ``[lo, hi]`` at which a cohort meets its criterion and the whole
    effective years ``needed`` to reach it (:data:`NEVER` for never), from :func:`age_rule`'s
    ``(kind, bound, needed)``: ``[bound, NEVER]`` when cover rises to it (kind 1), ``[-NEVER,
    bound]`` when it decays (kind -1); an empty interval when the land cannot meet its criterion
    at all (``meets_at_all`` false: farmland without its full soil, SPEC §6)."""
    if not meets_at_all:
        lo, hi = NEVER, -NEVER
    elif kind == 1:
        lo, hi = bound, NEVER
    else:
        lo, hi = -NEVER, bound
    return lo, hi, (NEVER if math.isinf(needed) else np.int64(needed))


@stage
def year_reaching(s, g_s, needed, first, n_h, n_years):
    """Year in which a cohort established in year ``s`` (effective age count ``g_s`` then)
    first meets its criterion, ``needed`` effective years later; ``n_h`` if not by the horizon.

    ``first[v]`` is the first year whose effective-age count reaches v (from the chunk loop);
    ``first[n_years + 1]`` is ``n_years`` (never), so a cohort never established (``s >= n_h``)
    or never meeting (``needed == NEVER``) comes out at ``n_h`` without a branch.
    """
    r = max(first[np.uint64(min(g_s + needed, n_years + 1))], s)
    return np.float64(min(r, n_h))


@stage
def precipitation_factor(annual_precipitation_mm, precipitation_reference_mm):
    """``π_P = min(1, annual_precipitation_mm / precipitation_reference_mm)`` (SPEC §6)."""
    return min(1.0, annual_precipitation_mm / precipitation_reference_mm)


@stage
def failure_probabilities(
    failure_probability,
    failure_probability_drought,
    planted_share,
    planted_depth_m,
    soil_ratio,
    thin_soil_m,
    wall_slope_deg,
    steep_wall_threshold_deg,
    failure_mult_thin,
    failure_mult_steep,
    failure_cap,
):
    """Establishment-failure probabilities of a planting (SPEC §6): land and wall, in a normal
    (wet) and in a drought year, ``(p_land_wet, p_land_dry, p_wall_wet, p_wall_dry)``.

    ``p_land = min(cap, (p_drought if drought else p) (m_thin if ρ d_pl < thin_soil_m))`` with
    ``d_pl`` the share-weighted depth of the planted land uses (not thin if none is planted);
    ``p_wall = min(cap, (p_drought if drought else p) (m_steep if θ > steep_wall_threshold_deg))``.
    """
    d_pl = planted_depth_m / planted_share if planted_share > 0 else 0.0
    thin = planted_share > 0 and soil_ratio * d_pl < thin_soil_m
    steep = wall_slope_deg > steep_wall_threshold_deg
    ml = failure_mult_thin if thin else 1.0
    mw = failure_mult_steep if steep else 1.0
    return (
        min(failure_cap, failure_probability * ml),
        min(failure_cap, failure_probability_drought * ml),
        min(failure_cap, failure_probability * mw),
        min(failure_cap, failure_probability_drought * mw),
    )


@stage
def year_outcomes(
    drought_uniform,
    land_uniform,
    wall_uniform,
    drought_probability,
    p_land_wet,
    p_land_dry,
    p_wall_wet,
    p_wall_dry,
):
    """One year's weather and establishment outcomes (SPEC §6) from its three uniforms:
    ``(wet, ok_land, ok_wall)``.

    ``wet = drought_uniform >= drought_probability`` (not a drought year); a land planting made
    in the year succeeds iff ``land_uniform >= (p_land_wet if wet else p_land_dry)``, a wall
    planting likewise with ``wall_uniform`` and the wall probabilities
    (:func:`failure_probabilities`).
    """
    wet = drought_uniform >= drought_probability
    ok_land = land_uniform >= (p_land_wet if wet else p_land_dry)
    ok_wall = wall_uniform >= (p_wall_wet if wet else p_wall_dry)
    return wet, ok_land, ok_wall


@stage
def establishment(wet, ok_land, ok_wall, n_years, max_years, g, first, s_land, s_wall):
    """Effective years and establishment years (SPEC §6) from the yearly outcomes ``wet[t]``
    (not a drought year), ``ok_land[t]``, ``ok_wall[t]`` (a planting in year t succeeds).

    ``g[t] = G[t] = Σ_{u<=t} (1 - δ_u)``; ``first[v]`` the first year whose count reaches v
    (``max_years`` for counts never reached, ``first[max_years + 1]`` too);
    ``s_land[τ] = min{u >= τ : ok_land[u]}`` (``n_years`` if none), ``s_wall`` likewise.
    """
    acc = 0
    first[0] = 0
    sink = max_years + 2  # first[] slot written in drought years (no effective year gained)
    for t in range(n_years):
        w = wet[t]
        acc += np.int64(w)
        first[np.uint64(acc if w else sink)] = t
        g[t] = acc
    for v in range(acc + 1, max_years + 2):
        first[v] = max_years
    nxt_l = n_years
    nxt_w = n_years
    for i in range(n_years):  # backwards, by unsigned index (no negative-index fix-up)
        t = np.uint64(n_years - 1 - i)
        nxt_l = np.int64(t) if ok_land[t] else nxt_l
        nxt_w = np.int64(t) if ok_wall[t] else nxt_w
        s_land[t] = nxt_l
        s_wall[t] = nxt_w


@stage
def cohort_outcomes(
    n_h,
    pat,
    rinf,
    s_land,
    s_wall,
    g,
    first,
    max_years,
    deadline,
    g_dead,
    groups,
    n_grp,
    water,
    yd,
    wall_rule,
    class_totals,
    required_share,
):
    """The cohort loop (SPEC §6), one fused pass over the restoration years of a row: returns
    ``(success, success_area_share, rework_area_share, recovery_years)``.

    Cohort τ restores ``pat[τ]`` of each mined class and ``rinf[τ]`` ha of infrastructure; its
    land establishes in ``s_land[τ]``, its walls in ``s_wall[τ]`` (:func:`establishment`);
    ``g``/``first`` the effective-year counts, ``g_dead = G[deadline]``. Land uses sharing their
    age rules are ``groups = (share, mined lo, mined hi, infra lo, infra hi, mined years needed,
    infra years needed)`` (``n_grp`` of them, from :func:`age_rule`; water, share ``water``,
    always meets; ``yd`` the planted share); ``wall_rule = (lo, hi, years needed)``;
    ``class_totals = (floor, dump, wall_plan)`` [ha]. A cohort meets its criterion iff it is
    established by the deadline and its effective age there lies in its rule's interval; a
    draw succeeds iff every class with restored area meets ``required_share`` (less 1e-9 of
    round-off); rework share and years to the criterion (:func:`year_reaching`) as in SPEC §6.
    """
    T = max_years
    grp_sh, grp_lm, grp_hm, grp_li, grp_hi, grp_nm, grp_ni = groups
    lw, hw, nw = wall_rule
    floor, dump, wall_plan = class_totals
    mined_land = floor + dump
    sum_pat_met_m = 0.0
    sum_pat_w = 0.0
    sum_inf_met = 0.0
    sum_pat = 0.0
    sum_inf = 0.0
    rework_pat = 0.0
    rework_inf = 0.0
    rework_wpat = 0.0
    years_num = 0.0
    years_den = 0.0
    for tau in range(n_h):
        pt = pat[tau]
        ci = rinf[tau]
        if pt == 0.0 and ci == 0.0:
            continue
        sl = s_land[tau]
        sw = s_wall[tau]
        est_l = sl <= deadline
        gs = g[np.uint64(min(sl, n_h - 1))]
        age_l = g_dead - gs
        met_m = 0.0
        met_i = 0.0
        yn_m = 0.0
        yn_i = 0.0
        if pt != 0.0:  # mined land
            for gg in range(n_grp):
                sh = grp_sh[gg]
                met_m += sh if (est_l and grp_lm[gg] <= age_l and age_l <= grp_hm[gg]) else 0.0
                yn_m += sh * (year_reaching(sl, gs, grp_nm[gg], first, n_h, T) - tau)
        if ci != 0.0:  # infrastructure land (closure years only)
            for gg in range(n_grp):
                sh = grp_sh[gg]
                met_i += sh if (est_l and grp_li[gg] <= age_l and age_l <= grp_hi[gg]) else 0.0
                yn_i += sh * (year_reaching(sl, gs, grp_ni[gg], first, n_h, T) - tau)
        met_m += water
        met_i += water
        gw = g[np.uint64(min(sw, n_h - 1))]
        age_w = g_dead - gw
        ok_w = sw <= deadline and lw <= age_w and age_w <= hw
        sum_pat += pt
        sum_inf += ci
        sum_pat_met_m += pt * met_m
        sum_inf_met += ci * met_i
        sum_pat_w += pt if ok_w else 0.0
        rework_pat += pt if sl > tau else 0.0
        rework_inf += ci if sl > tau else 0.0
        rework_wpat += pt if sw > tau else 0.0
        yw = year_reaching(sw, gw, nw, first, n_h, T) - tau
        years_num += pt * (mined_land * yn_m + wall_plan * yw) + ci * yn_i
        years_den += pt * (mined_land * yd + wall_plan) + ci * yd
    restored_area = mined_land * sum_pat + sum_inf + wall_plan * sum_pat
    success_area = mined_land * sum_pat_met_m + sum_inf_met + wall_plan * sum_pat_w
    reworked = (mined_land * rework_pat + rework_inf) * (1.0 - water) + wall_plan * rework_wpat
    required = required_share - 1e-9  # a shortfall of round-off only still meets (SPEC §6)
    success = True
    if (floor > 0.0 or dump > 0.0) and sum_pat > 0.0 and sum_pat_met_m / sum_pat < required:
        success = False
    if sum_inf > 0.0 and sum_inf_met / sum_inf < required:
        success = False
    if wall_plan > 0.0 and sum_pat > 0.0 and sum_pat_w / sum_pat < required:
        success = False

    return (
        success,
        success_area / restored_area,
        reworked / restored_area,
        years_num / years_den if years_den > 0.0 else np.nan,
    )
