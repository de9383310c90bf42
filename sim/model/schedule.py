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
def design_wall_face_width_m(depth_m, wall_slope_deg, bench_height_m, bench_width_m):
    """Plan width ``P = D / tan θ`` and face width per metre of final wall [m] of a designed
    pit (SPEC §3a): ``F = sqrt(D² + (P - (n-1) b)²) + (n-1) b`` with ``n = ceil(D / h)``
    benches of height ``h`` and ``n - 1`` berms of width ``b`` (the bench faces plus the
    berms); ``F = D / sin θ`` without benches (``h <= 0``)."""
    theta = math.radians(wall_slope_deg)
    plan_m = depth_m / math.tan(theta)
    if bench_height_m > 0.0:
        n_berms = math.ceil(depth_m / bench_height_m - 1e-9) - 1.0
        berms_m = max(n_berms, 0.0) * bench_width_m
        run_m = plan_m - berms_m
        return plan_m, math.sqrt(depth_m * depth_m + run_m * run_m) + berms_m
    return plan_m, depth_m / math.sin(theta)


@stage
def design_pit(
    pit_area_ha, depth_m, wall_slope_deg, hillside_slope_deg, bench_height_m, bench_width_m
):
    """The designed pit (SPEC §3a): ``(volume_m3, wall_plan_ha, wall_face_m2, floor_ha)``.

    Closed pit (``hillside_slope_deg = 0``): a square frustum of top area ``A``, depth ``D``
    and walls at ``θ`` all round: side ``s = sqrt(A)``, floor side ``s_b = s - 2P``,
    ``V = D (A + A_b + sqrt(A A_b)) / 3``, wall plan ``A - A_b``. Hillside quarry (natural
    ground at ``β > 0``): a face cut into the slope along the contour, floor at the bottom
    level opening downhill, one final wall at the back rising ``D`` to meet the ground: plan
    depth ``x = D / tan β``, length ``ℓ = A / x``, wall plan ``ℓ P``,
    ``V = A D (1 - tan β / tan θ) / 2``. Face area = wall plan × ``F / P``.
    """
    plan_m, face_m = design_wall_face_width_m(
        depth_m, wall_slope_deg, bench_height_m, bench_width_m
    )
    area_m2 = pit_area_ha * 1e4
    if hillside_slope_deg > 0.0:
        ratio = math.tan(math.radians(hillside_slope_deg)) / math.tan(math.radians(wall_slope_deg))
        volume_m3 = 0.5 * area_m2 * depth_m * (1.0 - ratio)
        length_m = area_m2 * math.tan(math.radians(hillside_slope_deg)) / depth_m
        wall_plan_m2 = length_m * plan_m
    else:
        side_b = math.sqrt(area_m2) - 2.0 * plan_m
        area_b = side_b * side_b
        volume_m3 = depth_m * (area_m2 + area_b + math.sqrt(area_m2 * area_b)) / 3.0
        wall_plan_m2 = area_m2 - area_b
    return (
        volume_m3,
        wall_plan_m2 / 1e4,
        wall_plan_m2 * face_m / plan_m,
        pit_area_ha - wall_plan_m2 / 1e4,
    )


@stage
def design_capacity_mt(stated_volume_m3, volume_m3, rock_density_t_per_m3, stripping_ratio):
    """Ore the designed pit holds at the stripping ratio [Mt] (SPEC §3a):
    ``V ρ / (1 + stripping_ratio) / 1e6``, ``V`` the plan's stated volume (境界内矿岩总量)
    when given (> 0), else the idealised pit's ``volume_m3``."""
    v = stated_volume_m3 if stated_volume_m3 > 0.0 else volume_m3
    return v * rock_density_t_per_m3 / (1.0 + stripping_ratio) / 1e6


@stage
def design_area_for_volume_ha(volume_m3, depth_m, wall_slope_deg, hillside_slope_deg):
    """Surface extent [ha] of the pit of SPEC §3a, of the design's depth and final slope, that
    holds ``volume_m3``: hillside ``A = 2 V / (D (1 - tan β / tan θ))``; closed pit
    ``s = P + sqrt(V / D - P² / 3)`` (from ``V = D (s² - 2 P s + 4 P² / 3)``), at least the
    ``2P`` of a pit whose walls meet at the bottom, ``A = s²``."""
    theta = math.radians(wall_slope_deg)
    if hillside_slope_deg > 0.0:
        ratio = math.tan(math.radians(hillside_slope_deg)) / math.tan(theta)
        return 2.0 * volume_m3 / (depth_m * (1.0 - ratio)) / 1e4
    plan_m = depth_m / math.tan(theta)
    side_m = plan_m + math.sqrt(max(volume_m3 / depth_m - plan_m * plan_m / 3.0, 0.0))
    side_m = max(side_m, 2.0 * plan_m)
    return side_m * side_m / 1e4


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
