"""Extraction schedule, pit geometry and disturbance by area class (SPEC.md §2-4).

Sources: model.md §1-2 — pit footprint per Mt from ore plus overburden excavated over the mined
thickness (checked on the Linxiang sandstone quarry, 0.58 ha/Mt [D]); final wall along about half
the perimeter of a square hillside pit [E]; a working floor of at least 40 m [S, stone-mine code];
waste dumps from the stripping ratio, a swell factor of about 1.3 [E] and the dump height.

Compiled stages, one proposal-draw row at a time, inlined into the engine's chunk loop
(``sim.kernel``) and called by the cost breakdown.
"""

from __future__ import annotations

import math

from sim.model._compile import stage

# --- compiled stages (one proposal-draw row at a time; inlined into sim.kernel's chunk loop)


@stage
def extraction_schedule(
    reserves_mt, annual_output_mt, ramp_share, ramp_up_years, n_years, q_mt, x_share
):
    """Ore mined per year ``q_mt[t]`` [Mt] and its share of the total ``x_share[t]`` (SPEC §2);
    returns ``(life_years, mined_mt)``.

    ``q_t = min(cap_t, R - M_{t-1})`` with ``cap_t = Q ramp_share`` for ``t <= ramp_up_years``,
    ``Q`` after, ``q_0 = 0``; ``q_t = 0`` if ``q_t <= 1e-9 R``; ``x_t = q_t / M_L``. The cumulative
    capacity is taken in closed form, ``min(R, Q ramp_share min(t, r) + Q (t - min(t, r)))``, so
    the years carry no dependency chain. ``annual_output_mt`` is the draw's output (Q).
    """
    q_ramp = annual_output_mt * ramp_share
    tol = 1e-9 * reserves_mt
    mined_mt = 0.0
    life_years = 0
    q_mt[0] = 0.0
    prev = 0.0
    for t in range(1, n_years):
        ramp_t = t if t < ramp_up_years else ramp_up_years
        cum = min(reserves_mt, q_ramp * ramp_t + annual_output_mt * (t - ramp_t))
        qt = cum - prev
        prev = cum
        if qt <= tol:
            qt = 0.0
        else:
            life_years += 1
        q_mt[t] = qt
        mined_mt += qt
    inv_mined = 1.0 / mined_mt
    for t in range(n_years):
        x_share[t] = q_mt[t] * inv_mined
    return life_years, mined_mt


@stage
def final_wall_widths_m(wall_height_m, wall_slope_deg):
    """Plan width ``p_len = Hw / tan θ`` and face width ``f_len = Hw / sin θ`` of the final
    wall [m] (SPEC §3)."""
    theta = math.radians(wall_slope_deg)
    return wall_height_m / math.tan(theta), wall_height_m / math.sin(theta)


@stage
def pit_footprint(
    mined_mt,
    rock_density_t_per_m3,
    mined_thickness_m,
    thickness_factor,
    stripping_ratio,
    wall_length_factor,
    wall_plan_width_m,
    wall_face_width_m,
    min_floor_width_m,
):
    """Final pit (SPEC §3): ``(pit_ha, enlarged, wall_plan_ha, wall_face_m2, floor_ha)``.

    ``a_pit = 100 (1 + stripping_ratio) / (ρ h)`` [ha/Mt] with ``h = mined_thickness_m ·
    thickness_factor``; ``A_vol = a_pit M_L``; ``A_min = (c (p_len + w/2))² / 1e4``;
    ``A_pit = max(A_vol, A_min)``; wall length ``ℓ = c sqrt(A_pit 1e4)``;
    ``W_plan = ℓ p_len / 1e4``; ``W_face = ℓ f_len``; floor ``A_pit - W_plan``.
    """
    a_pit = (
        100.0
        * (1.0 + stripping_ratio)
        / (rock_density_t_per_m3 * (mined_thickness_m * thickness_factor))
    )
    area_vol = a_pit * mined_mt
    area_min = (wall_length_factor * (wall_plan_width_m + min_floor_width_m / 2.0)) ** 2 / 1e4
    pit_ha = max(area_vol, area_min)
    length_m = wall_length_factor * math.sqrt(pit_ha * 1e4)
    wall_plan_ha = length_m * wall_plan_width_m / 1e4
    return (
        pit_ha,
        area_min > area_vol,
        wall_plan_ha,
        length_m * wall_face_width_m,
        pit_ha - wall_plan_ha,
    )


@stage
def dump_ha_per_mt(stripping_ratio, rock_density_t_per_m3, swell_factor, dump_height_m):
    """Waste-dump footprint per Mt of ore [ha/Mt] (SPEC §3):
    ``stripping_ratio · 1e6 / ρ · swell_factor / dump_height_m / 1e4``."""
    return stripping_ratio * 1e6 / rock_density_t_per_m3 * swell_factor / dump_height_m / 1e4


@stage
def restoration_pattern(
    x_share,
    life_years,
    progressive_fraction,
    progressive_lag_years,
    closure_years,
    infrastructure_area_ha,
    n_years,
    pattern,
    infra_restored_ha,
):
    """Share of each mined class restored per year ``pattern[τ]`` and infrastructure restored
    per year ``infra_restored_ha[τ]`` [ha] (SPEC §4).

    Every mined class is disturbed in proportion to the ore, so one pattern serves them all:
    ``prog[τ] = p x[τ - g]`` for ``τ - g >= 1`` and ``τ <= L``; the remainder ``1 - Σ prog``
    (0 when within 1e-9: round-off) evenly over years ``L+1 … L+C``; infrastructure evenly over
    the same years.
    """
    prog_sum = 0.0
    for t in range(n_years):
        src = t - progressive_lag_years
        v = progressive_fraction * x_share[src] if (src >= 1 and t <= life_years) else 0.0
        pattern[t] = v
        prog_sum += v
    remainder = 1.0 - prog_sum
    if abs(remainder) <= 1e-9:  # round-off only (SPEC §4)
        remainder = 0.0
    closing_share = remainder / closure_years
    infra_share = infrastructure_area_ha / closure_years
    for t in range(n_years):
        if t > life_years and t <= life_years + closure_years:
            pattern[t] += closing_share
            infra_restored_ha[t] = infra_share
        else:
            infra_restored_ha[t] = 0.0
