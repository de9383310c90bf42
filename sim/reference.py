"""Scalar reference implementation of the restoresim model in ``sim/model/SPEC.md``.

This module re-implements the specification equation by equation with plain Python floats,
``math`` and explicit loops over years and cohorts. It favours clarity over speed and exists
only to cross-check the vectorised engine, which must agree with it to 1e-9 relative.

Every sum over years, cohorts, classes or land uses is an explicit left-to-right loop
(``_seq_sum``), never ``sum()`` or ``math.fsum``, so that the order of floating-point
additions is exactly the one written in the specification. Places where the specification
had to be read one way out of several are marked ``# SPEC:``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sim.keys import (
    AREA_CLASSES,
    DRAW_SCALAR_KEYS,
    DRAW_VECTOR_KEYS,
    DRAW_YEAR_KEYS,
    LAND_USES,
    MEASURES,
)
from sim.outputs_registry import DRAW_OUTPUT_SCALARS, DRAW_OUTPUT_YEARLY

__all__ = ["life_years", "simulate_draw", "simulate_draws"]

# Restoration classes of SPEC §4: floor, wall plan area, wall face area (m2), dump.
_MINED_CLASSES: tuple[str, ...] = ("floor", "wallp", "wallf", "dump")
# Internal class name of each output area class (wall = plan area).
_OUTPUT_CLASS: dict[str, str] = {
    "pit_floor": "floor",
    "pit_wall": "wallp",
    "dump": "dump",
    "infrastructure": "infra",
}
# Land uses whose cover is judged against a criterion (water always meets).
_PLANTED_USES: tuple[str, ...] = tuple(lu for lu in LAND_USES if lu != "water")


#: SPEC §6: a class's met share may fall short of the requirement by round-off only
SHARE_TOLERANCE = 1e-9


def _seq_sum(values: Iterable[float]) -> float:
    """Sum left to right with plain float additions (no compensation, no pairwise)."""
    total = 0.0
    for v in values:
        total = total + v
    return total


def _extraction(resolved: Mapping, output_factor: float) -> list[float]:
    """Yearly output q_t (Mt) of SPEC §2, from year 0 to the last year that can mine.

    The list stops before the first year after ramp-up whose output is zero; from then on
    capacity is constant and the remaining reserve unchanged, so every later q_t is zero.
    """
    q_full = float(resolved["annual_output_mt"]) * float(output_factor)
    reserves = float(resolved["reserves_mt"])
    ramp_share = float(resolved["ramp_share"])
    ramp_years = int(resolved["ramp_up_years"])
    if not q_full > 0.0:
        raise ValueError("annual_output_mt * output_factor must be > 0")
    q: list[float] = [0.0]  # cap_0 = 0, so q_0 = 0 (and R - M_{-1} = R)
    mined = 0.0  # M_0
    t = 1
    while True:
        cap = q_full * ramp_share if t <= ramp_years else q_full
        q_t = min(cap, reserves - mined)
        if q_t <= 1e-9 * reserves:
            q_t = 0.0
        if q_t == 0.0 and t > ramp_years:
            return q
        mined = mined + q_t
        q.append(q_t)
        t += 1


def life_years(resolved: Mapping, output_factor: float) -> int:
    """Mine life L (SPEC §2): the number of years with q_t > 0 at this output factor."""
    # SPEC: L is read literally as the *count* of years with q_t > 0. Elsewhere the spec
    # assumes mining happens in years 1..L, which holds whenever ramp_share > 0.
    return sum(1 for q_t in _extraction(resolved, output_factor) if q_t > 0.0)


def designed_pit(resolved: Mapping) -> dict[str, float]:
    """The designed pit of SPEC §3a: volume [m3], wall plan [ha], wall face [m2], floor [ha]
    and the ore it holds at the stripping ratio [Mt]."""
    A = float(resolved["pit_area_ha"]) * 1e4  # m2
    D = float(resolved["pit_depth_m"])
    theta = math.radians(float(resolved["final_highwall_slope_deg"]))
    beta_deg = float(resolved["hillside_slope_deg"])
    h = float(resolved["bench_height_m"])
    b = float(resolved["bench_width_m"])
    P = D / math.tan(theta)  # plan width of the final wall
    if h > 0.0:
        n = math.ceil(D / h - 1e-9)  # benches; n - 1 berms between them
        berms = max(n - 1, 0) * b
        F = math.hypot(D, P - berms) + berms
    else:
        F = D / math.sin(theta)
    if beta_deg > 0.0:  # hillside: one back wall along the contour
        beta = math.radians(beta_deg)
        x_top = D / math.tan(beta)  # plan depth of the cut, toe to crest
        length = A / x_top
        wall_plan_m2 = length * P
        V = A * D * (1.0 - math.tan(beta) / math.tan(theta)) / 2.0
    else:  # closed square pit
        s_top = math.sqrt(A)
        s_bottom = s_top - 2.0 * P
        A_bottom = s_bottom**2
        wall_plan_m2 = A - A_bottom
        V = D / 3.0 * (A + A_bottom + s_top * s_bottom)
    rho = float(resolved["rock_density_t_per_m3"])
    sr = float(resolved["stripping_ratio"])
    stated = float(resolved["pit_volume_m3"])
    held_m3 = stated if stated > 0.0 else V  # the plan's own volume when it states one
    return {
        "face_width_m": F,
        "volume_m3": V,
        "wall_plan_ha": wall_plan_m2 / 1e4,
        "wall_face_m2": wall_plan_m2 * F / P,
        "floor_ha": (A - wall_plan_m2) / 1e4,
        "capacity_mt": held_m3 * rho / (1.0 + sr) / 1e6,
    }


def _as_floats(values: Any, n: int, name: str) -> list[float]:
    """Convert a sequence (list, tuple or numpy array) to a list of n Python floats."""
    out = [float(v) for v in values]
    if len(out) != n:
        raise ValueError(f"{name} must have length {n}, got {len(out)}")
    return out


def simulate_draw(resolved: Mapping, draw: Mapping) -> dict:
    """Run the model of SPEC.md for one draw and return the per-draw outputs of SPEC §8."""
    r = resolved
    H = int(r["horizon_years"])
    C = int(r["closure_years"])
    m = int(r["monitoring_years"])
    g = int(r["progressive_lag_years"])
    # SPEC: final restoration divides by C, so C >= 1 is required; C = 0 is rejected.
    if C < 1:
        raise ValueError("closure_years must be >= 1 (final restoration is divided by it)")

    thickness_factor = float(draw["thickness_factor"])
    output_factor = float(draw["output_factor"])
    cover_max = float(draw["cover_max"])
    growth_rate = float(draw["growth_rate_per_year"])
    failure_probability = float(draw["failure_probability"])
    default_uniform = float(draw["default_uniform"])
    cost_factor = _as_floats(draw["cost_factor"], len(MEASURES), "cost_factor")
    phi = dict(zip(MEASURES, cost_factor, strict=True))
    drought_uniform = _as_floats(draw["drought_uniform"], H, "drought_uniform")
    land_uniform = _as_floats(draw["establish_land_uniform"], H, "establish_land_uniform")
    wall_uniform = _as_floats(draw["establish_wall_uniform"], H, "establish_wall_uniform")

    # ---- §2 extraction schedule -------------------------------------------------------
    design = bool(r["design_pit"])
    if design:  # §3a: the draw scales the tonnes recovered, at most what the pit holds
        pit = designed_pit(r)
        recovered = min(float(r["reserves_mt"]) * thickness_factor, pit["capacity_mt"])
        r = {**r, "reserves_mt": recovered}
    q_mined = _extraction(r, output_factor)
    L = sum(1 for q_t in q_mined if q_t > 0.0)
    if L == 0:
        raise ValueError("nothing is mined (L = 0)")
    deadline = L + C + int(r["success_horizon_years"])
    # SPEC: the spec does not say what happens when a draw's life outgrows the horizon
    # (output_factor < 1 - output_spread). G[Dl] needs Dl <= H - 1, so such a draw is
    # rejected rather than truncated. Aftercare and rework past H - 1 are dropped (Σ_{t<H}).
    if deadline > H - 1 or len(q_mined) > H:
        raise ValueError(
            f"horizon_years = {H} is too short for life {L} (deadline year {deadline}); "
            "the draw's output_factor is probably below 1 - output_spread"
        )
    q = q_mined + [0.0] * (H - len(q_mined))
    M_L = _seq_sum(q)  # M_L: the sequential sum of q_t
    x = [q_t / M_L for q_t in q]

    # ---- §3 pit, walls, dumps, infrastructure -----------------------------------------
    stripping_ratio = float(r["stripping_ratio"])
    rock_density = float(r["rock_density_t_per_m3"])
    slope_deg = float(r["final_highwall_slope_deg"])
    theta = math.radians(slope_deg)
    if design:  # §3a: the footprint is the design's, whatever the draw
        A_pit = float(r["pit_area_ha"])
        pit_enlarged = False
        W_plan = pit["wall_plan_ha"]
        W_face = pit["wall_face_m2"]
        A_floor = A_pit - W_plan
        # the wall measures (§5) go by the design's depth and face width per metre
        Hw = float(r["pit_depth_m"])
        f_len = pit["face_width_m"]
        wall_length = W_face / f_len if f_len > 0.0 else 0.0
    else:
        h = float(r["mined_thickness_m"]) * thickness_factor
        a_pit = 100.0 * (1.0 + stripping_ratio) / (rock_density * h)
        A_vol = a_pit * M_L
        Hw = float(r["final_highwall_height_m"])
        c = float(r["wall_length_factor"])
        w = float(r["min_floor_width_m"])
        p_len = Hw / math.tan(theta)
        f_len = Hw / math.sin(theta)
        A_min = c**2 * (p_len + w / 2.0) ** 2 / 1e4
        A_pit = max(A_vol, A_min)
        pit_enlarged = A_min > A_vol
        wall_length = c * math.sqrt(A_pit * 1e4)
        W_plan = wall_length * p_len / 1e4
        W_face = wall_length * f_len
        A_floor = A_pit - W_plan

    swell = float(r["swell_factor"])
    dump_height = float(r["dump_height_m"])
    delta: dict[str, list[float]] = {k: [0.0] * H for k in (*_MINED_CLASSES, "infra")}
    for t in range(1, H):
        delta["floor"][t] = A_floor * x[t]
        delta["wallp"][t] = W_plan * x[t]
        delta["wallf"][t] = W_face * x[t]
        delta["dump"][t] = stripping_ratio * q[t] * 1e6 / rock_density * swell / dump_height / 1e4
    delta["infra"][0] = float(r["infrastructure_area_ha"])
    D_c = {k: _seq_sum(v) for k, v in delta.items()}
    D = D_c["floor"] + D_c["wallp"] + D_c["dump"] + D_c["infra"]

    # ---- §4 restoration schedule ------------------------------------------------------
    p = float(r["progressive_fraction"])
    rest: dict[str, list[float]] = {}
    for k in _MINED_CLASSES:
        prog = [0.0] * H
        for tau in range(H):
            if 1 <= tau - g and tau <= L:
                prog[tau] = p * delta[k][tau - g]
        remainder = D_c[k] - _seq_sum(prog)
        if abs(remainder) <= 1e-9 * D_c[k]:  # SPEC: round-off only
            remainder = 0.0
        final_amount = remainder / C
        rest[k] = [prog[tau] + (final_amount if L + 1 <= tau <= L + C else 0.0) for tau in range(H)]
    # Infrastructure is never restored progressively: prog = 0, final = D_infra / C.
    final_infra = (D_c["infra"] - 0.0) / C
    rest["infra"] = [final_infra if L + 1 <= tau <= L + C else 0.0 for tau in range(H)]

    dist_cum: dict[str, list[float]] = {}
    rest_cum: dict[str, list[float]] = {}
    unrest: dict[str, list[float]] = {}
    for k in delta:
        dist_cum[k] = []
        rest_cum[k] = []
        d_acc = 0.0
        r_acc = 0.0
        for t in range(H):
            d_acc = d_acc + delta[k][t]
            r_acc = r_acc + rest[k][t]
            dist_cum[k].append(d_acc)
            rest_cum[k].append(r_acc)
        unrest[k] = [dist_cum[k][t] - rest_cum[k][t] for t in range(H)]

    # Cohorts restored in year tau.
    M_coh = [rest["floor"][tau] + rest["dump"][tau] for tau in range(H)]
    I_coh = rest["infra"]
    Wp_coh = rest["wallp"]
    Wf_coh = rest["wallf"]

    peak_unrestored = max(
        _seq_sum(unrest[k][t] for k in ("floor", "wallp", "dump", "infra")) for t in range(H)
    )

    # ---- §5 cost ----------------------------------------------------------------------
    share = {lu: float(r[f"share_{lu}"]) for lu in LAND_USES}
    # SPEC: d_lu is read from required_depth_{lu}_m for all five uses, water included; the
    # spec states d_water = 0, which is what the resolver supplies (it is not forced here).
    depth = {lu: float(r[f"required_depth_{lu}_m"]) for lu in LAND_USES}
    planting_cost = {lu: float(r[f"planting_cost_{lu}_cny_per_ha"]) for lu in LAND_USES}
    d_bar = _seq_sum(share[lu] * depth[lu] for lu in LAND_USES)

    if bool(r["topsoil_stripped"]):
        S = float(r["soil_depth_cm"]) / 100.0 * (1.0 - float(r["topsoil_loss_fraction"])) * D * 1e4
    else:
        S = 0.0
    # The final wall, per metre of its length (SPEC §5): benches of rock face at α (the
    # steepest face the rock stands) with platforms between; a steeper wall is cut back to α.
    alpha = math.radians(float(r["wall_bench_face_deg"]))
    cot_alpha = math.cos(alpha) / math.sin(alpha)
    cot_theta = math.cos(theta) / math.sin(theta)
    soil_slope = slope_deg <= float(r["wall_soil_slope_max_deg"])
    # SPEC: a wall whose face is at most 1e-6 m2 per metre is no wall
    if f_len > 1e-6 and soil_slope:
        # a gentle wall is regraded, soil-covered and planted as land, its whole face
        wedge_m3_per_m = rock_m2_per_m = troughs_m_per_m = 0.0
        platform_m2_per_m = f_len
    elif f_len > 1e-6:
        wedge_m3_per_m = 0.5 * Hw**2 * max(0.0, cot_alpha - cot_theta)
        rock_m2_per_m = Hw / math.sin(alpha)
        platform_m2_per_m = Hw * (max(cot_theta, cot_alpha) - cot_alpha)
        troughs_m_per_m = Hw / float(r["wall_bench_height_m"])
    else:
        wedge_m3_per_m = rock_m2_per_m = platform_m2_per_m = troughs_m_per_m = 0.0
    platform_ha = wall_length * platform_m2_per_m / 1e4
    # Λ: the land to cover with soil, the wall's platforms with it
    land_total = _seq_sum(M_coh[tau] + I_coh[tau] for tau in range(H)) + platform_ha
    N = d_bar * land_total * 1e4
    # SPEC: literal; with topsoil_stripped False, S = 0 so ω = 0, and without import
    # ρ = 0, which zeroes the cover ceiling of every land use with d_lu > 0.
    omega = min(1.0, S / N) if N > 0.0 else 1.0
    import_topsoil = bool(r["import_topsoil"])
    rho = 1.0 if import_topsoil else omega

    soil_price = omega * float(r["respread_cost_cny_per_m3"])
    if import_topsoil:
        soil_price = soil_price + (1.0 - omega) * float(r["import_cost_cny_per_m3"])
    u_soil = d_bar * 1e4 * soil_price * phi["soil"]
    # SPEC: in u_plant and u_rework the factor multiplies the share-weighted sum once,
    # i.e. (Σ s_lu planting_cost_lu) φ_revegetation, not each term.
    u_plant = _seq_sum(share[lu] * planting_cost[lu] for lu in LAND_USES) * phi["revegetation"]
    u_rework = _seq_sum(share[lu] * planting_cost[lu] for lu in _PLANTED_USES) * phi["revegetation"]
    u_regrade = (
        float(r["regrade_volume_m3_per_ha"])
        * float(r["regrade_cost_cny_per_m3"])
        * phi["regrading"]
    )
    u_amend = (
        float(r["amendment_cost_cny_per_ha"]) * phi["amendment"]
        if bool(r["substrate_amendment"])
        else 0.0
    )
    u_drain = float(r["drainage_cost_cny_per_ha"]) * phi["drainage"]
    u_demol = float(r["demolition_cost_cny_per_ha"]) * phi["demolition"]
    # water floods the pit floor: that part is neither regraded nor drained (SPEC §5)
    mined_total = D_c["floor"] + D_c["dump"]
    flooded = min(share["water"] * mined_total, D_c["floor"])
    kappa = 1.0 - flooded / mined_total if mined_total > 0.0 else 1.0
    u_P = u_regrade + u_amend + u_soil + u_plant + u_drain  # the wall's platforms: dry land
    u_M = u_amend + u_soil + u_plant + kappa * (u_regrade + u_drain)
    u_I = u_demol + u_soil + u_plant + u_drain
    # wall measures per metre, then per m2 of face (f_len m2 per metre): the platforms are
    # mined land; troughs; the sprayed share of the rock faces; cut-back and scaling; drains
    if float(r["wall_bench_face_deg"]) > float(r["wall_thick_layer_above_deg"]):
        spray_price = float(r["wall_thick_layer_cost_cny_per_m2"])
    else:
        spray_price = float(r["wall_hung_net_cost_cny_per_m2"])
    spray_cny_per_m = (
        float(r["wall_spray_share"]) * rock_m2_per_m * spray_price * phi["wall_greening"]
    )
    trough_cny_per_m = (
        troughs_m_per_m * float(r["wall_trough_cost_cny_per_m"]) * phi["wall_benches"]
    )
    cut_cny_per_m = (
        wedge_m3_per_m * float(r["wall_cutback_cost_cny_per_m3"])
        + rock_m2_per_m * float(r["wall_scaling_cost_cny_per_m2"])
    ) * phi["cutback"]
    drain_cny_per_m = (
        float(r["wall_ditch_m_per_m"]) * float(r["wall_ditch_cost_cny_per_m"])
        + float(r["wall_retaining_m_per_m"]) * float(r["wall_retaining_cost_cny_per_m"])
    ) * phi["wall_drains"]
    platform_ha_per_m = platform_m2_per_m / 1e4
    if f_len > 1e-6:
        u_wall = (
            platform_ha_per_m * u_P
            + trough_cny_per_m
            + spray_cny_per_m
            + cut_cny_per_m
            + drain_cny_per_m
        ) / f_len
        u_wall_green = (platform_ha_per_m * u_plant + trough_cny_per_m + spray_cny_per_m) / f_len
    else:
        u_wall = u_wall_green = 0.0

    aftercare_rate = float(r["aftercare_rate_per_year"])
    works = [M_coh[tau] * u_M + I_coh[tau] * u_I + Wf_coh[tau] * u_wall for tau in range(H)]
    planting = [
        (M_coh[tau] + I_coh[tau]) * u_plant + Wf_coh[tau] * u_wall_green for tau in range(H)
    ]
    aftercare = [aftercare_rate * planting[tau] * phi["aftercare"] for tau in range(H)]

    contingency = float(r["contingency_rate"])
    m_w = (
        (1.0 + float(r["profit_rate"])) * (1.0 + float(r["tax_rate"])) + float(r["other_fees_rate"])
    ) * (1.0 + contingency)
    m_a = 1.0 + contingency

    # ---- §6 recovery (establishment first: it drives the rework cost of §5) -----------
    drought_probability = float(r["drought_probability"])
    drought = [drought_uniform[t] < drought_probability for t in range(H)]
    G: list[float] = []
    g_acc = 0.0
    for t in range(H):
        g_acc = g_acc + (0.0 if drought[t] else 1.0)
        G.append(g_acc)

    planted_share = _seq_sum(share[lu] for lu in _PLANTED_USES)
    if planted_share > 0.0:
        d_pl = _seq_sum(share[lu] * depth[lu] for lu in _PLANTED_USES) / planted_share
        thin_soil = rho * d_pl < float(r["thin_soil_m"])
    else:
        thin_soil = False
    # SPEC: θ is compared with steep_wall_threshold_deg in degrees (θ is radians in §3).
    steep = slope_deg > float(r["steep_wall_threshold_deg"])
    cap = float(r["failure_cap"])
    m_thin = float(r["failure_mult_thin"])
    m_steep = float(r["failure_mult_steep"])
    p_dry = float(r["failure_probability_drought"])

    def p_land(u: int) -> float:
        prob = p_dry if drought[u] else failure_probability
        if thin_soil:
            prob = prob * m_thin
        return min(cap, prob)

    def p_wall(u: int) -> float:
        prob = p_dry if drought[u] else failure_probability
        if steep:
            prob = prob * m_steep
        return min(cap, prob)

    # SPEC: the establishment uniforms are indexed by the attempt year u only, so every
    # cohort attempting in year u shares the same outcome.
    land_ok = [land_uniform[u] >= p_land(u) for u in range(H)]
    wall_ok = [wall_uniform[u] >= p_wall(u) for u in range(H)]

    def established(tau: int, ok: Sequence[bool]) -> int:
        """s(τ): first year u in [τ, H-1] whose attempt succeeds, or H if none does."""
        for u in range(tau, H):
            if ok[u]:
                return u
        return H

    s_land = [established(tau, land_ok) for tau in range(H)]
    s_wall = [established(tau, wall_ok) for tau in range(H)]

    # Rework: each failure at u (τ <= u < s) is replanted in year u+1, truncated at H-1.
    # SPEC: this is applied to every cohort τ; cohorts of zero area contribute zero cost.
    rework_land = [0.0] * H
    rework_wall = [0.0] * H
    for tau in range(H):
        for year in range(tau + 1, min(s_land[tau], H - 1) + 1):
            rework_land[year] = rework_land[year] + (M_coh[tau] + I_coh[tau]) * u_rework
        for year in range(tau + 1, min(s_wall[tau], H - 1) + 1):
            rework_wall[year] = rework_wall[year] + Wf_coh[tau] * u_wall_green

    # ---- §5 yearly spend and cost totals ----------------------------------------------
    inflation = float(r["inflation_rate"])
    discount = float(r["discount_rate"])
    spend: list[float] = []
    for t in range(H):
        aftercare_due = _seq_sum(aftercare[t - j] for j in range(1, m + 1) if t - j >= 0)
        spend.append(m_w * (works[t] + rework_land[t] + rework_wall[t]) + m_a * aftercare_due)
    cost = _seq_sum(spend)
    cost_per_ha = cost / D
    spend_nom = [spend[t] * (1.0 + inflation) ** t for t in range(H)]
    pv_cost = _seq_sum(spend_nom[t] / (1.0 + discount) ** t for t in range(H))

    # ---- §6 cover at the deadline and success -----------------------------------------
    precip_factor = min(
        1.0, float(r["annual_precipitation_mm"]) / float(r["precipitation_reference_mm"])
    )
    k_growth = growth_rate * precip_factor
    F0 = float(r["cover_initial"])
    tox = float(r["toxic_cover_factor"])
    rho_lu = {lu: (rho if depth[lu] > 0.0 else 1.0) for lu in LAND_USES}
    Fmax_M = {lu: cover_max * precip_factor * tox * rho_lu[lu] for lu in LAND_USES}
    Fmax_I = {lu: cover_max * precip_factor * rho_lu[lu] for lu in LAND_USES}
    Fmax_W = cover_max * precip_factor * float(r["wall_cover_factor"])
    criterion = {lu: float(r[f"success_cover_{lu}"]) for lu in _PLANTED_USES}
    criterion_wall = float(r["success_cover_wall"])

    def cover(fmax: float, s: int) -> float:
        """Cover at the deadline of a cohort established in year s (0 if s > deadline)."""
        if s > deadline:
            return 0.0
        return fmax - (fmax - F0) * math.exp(-k_growth * (G[deadline] - G[s]))

    def land_meets(fmax: Mapping[str, float], lu: str, s: int) -> bool:
        if lu == "water":
            return True
        ok = cover(fmax[lu], s) >= criterion[lu]
        if lu == "farmland":
            # SPEC: the farmland soil condition applies to mined and infrastructure land.
            ok = ok and rho >= 1.0 - 1e-9
        return ok

    success_num_terms: list[float] = []
    rework_num_terms: list[float] = []
    denom_terms: list[float] = []
    class_met: dict[str, list[float]] = {"floor": [], "dump": [], "infra": [], "wallp": []}
    for tau in range(H):
        s_l = s_land[tau]
        s_w = s_wall[tau]
        met_M = _seq_sum(
            share[lu] * (1.0 if land_meets(Fmax_M, lu, s_l) else 0.0) for lu in LAND_USES
        )
        met_I = _seq_sum(
            share[lu] * (1.0 if land_meets(Fmax_I, lu, s_l) else 0.0) for lu in LAND_USES
        )
        met_W = 1.0 if cover(Fmax_W, s_w) >= criterion_wall else 0.0
        success_num_terms.append(M_coh[tau] * met_M + I_coh[tau] * met_I + Wp_coh[tau] * met_W)
        rework_num_terms.append(
            (M_coh[tau] + I_coh[tau]) * (1.0 - share["water"]) * (1.0 if s_l > tau else 0.0)
            + Wp_coh[tau] * (1.0 if s_w > tau else 0.0)
        )
        denom_terms.append(M_coh[tau] + I_coh[tau] + Wp_coh[tau])
        class_met["floor"].append(rest["floor"][tau] * met_M)
        class_met["dump"].append(rest["dump"][tau] * met_M)
        class_met["infra"].append(I_coh[tau] * met_I)
        class_met["wallp"].append(Wp_coh[tau] * met_W)
    denom = _seq_sum(denom_terms)

    # ---- §8 cover by year: area-weighted mean cover of the land restored so far ----------
    def cover_in_year(fmax: float, s: int, t: int) -> float:
        """Cover in year t of a cohort established in year s (0 while not established)."""
        if t < s:
            return 0.0
        return fmax - (fmax - F0) * math.exp(-k_growth * (G[t] - G[s]))

    def mean_cover(cohorts: list[list[tuple[float, float, int]]]) -> list[float]:
        """Per year t: Σ area · cover / Σ area over the cohorts restored by t (NaN if none);
        ``cohorts[τ]`` lists (area, ceiling, establishment year) of the parts restored in τ."""
        series = []
        for t in range(H):
            parts = [
                part for tau in range(t + 1) for part in cohorts[tau] if abs(part[0]) >= 1e-300
            ]
            area = _seq_sum(a for a, _, _ in parts)
            num = _seq_sum(a * cover_in_year(fmax, s, t) for a, fmax, s in parts)
            series.append(num / area if area > 0.0 else math.nan)
        return series

    cover_by_year = {
        f"cover_{lu}": mean_cover(
            [
                [
                    (M_coh[tau] * share[lu], Fmax_M[lu], s_land[tau]),
                    (I_coh[tau] * share[lu], Fmax_I[lu], s_land[tau]),
                ]
                for tau in range(H)
            ]
        )
        for lu in _PLANTED_USES
    }
    cover_by_year["cover_wall"] = mean_cover(
        [[(Wp_coh[tau], Fmax_W, s_wall[tau])] for tau in range(H)]
    )

    # years from first planting to meeting the criterion, censored at the horizon
    def years_needed(fmax: float, crit: float) -> float:
        if F0 >= crit:
            return 0.0
        if fmax <= crit:
            return math.inf
        return float(math.ceil(math.log((fmax - F0) / (fmax - crit)) / k_growth))

    def years_to_reach(tau: int, s: int, needed: float) -> int:
        if s >= H or math.isinf(needed):
            return H - tau
        for t in range(s, H):
            if G[t] - G[s] >= needed:
                return t - tau
        return H - tau

    years_num_terms: list[float] = []
    years_den_terms: list[float] = []
    for tau in range(H):
        num = 0.0
        den = 0.0
        for lu in _PLANTED_USES:
            for area, fmax in ((M_coh[tau], Fmax_M[lu]), (I_coh[tau], Fmax_I[lu])):
                yrs = years_to_reach(tau, s_land[tau], years_needed(fmax, criterion[lu]))
                num = num + area * share[lu] * yrs
                den = den + area * share[lu]
        yrs_w = years_to_reach(tau, s_wall[tau], years_needed(Fmax_W, criterion_wall))
        years_num_terms.append(num + Wp_coh[tau] * yrs_w)
        years_den_terms.append(den + Wp_coh[tau])
    years_den = _seq_sum(years_den_terms)
    recovery_years = _seq_sum(years_num_terms) / years_den if years_den > 0 else math.nan

    success_area_share = _seq_sum(success_num_terms) / denom
    rework_area_share = _seq_sum(rework_num_terms) / denom
    # every area class with restored area must reach the required share on its own
    required = float(r["required_success_area_share"])
    success = True
    for k, met in class_met.items():
        area = _seq_sum(rest[k])
        if area > 0.0 and _seq_sum(met) / area < required - SHARE_TOLERANCE:
            success = False

    # ---- §7 finance -------------------------------------------------------------------
    price = float(r["ore_price_cny_per_t"])
    revenue = [q[t] * 1e6 * price * (1.0 + inflation) ** t for t in range(H)]
    pv_revenue = _seq_sum(revenue[t] / (1.0 + discount) ** t for t in range(H))

    fund_basis_revenue = bool(r["fund_basis_revenue"])
    fund_rate = float(r["fund_rate_of_revenue"])
    plan_cost = float(r["plan_restoration_cost_cny"])
    deposit = [0.0] * H
    deposit[0] = float(r["fund_initial_deposit_cny"])  # the first deposit, before works begin
    for t in range(1, L + 1):
        deposit[t] = fund_rate * revenue[t] if fund_basis_revenue else plan_cost * x[t]

    fund_interest = float(r["fund_interest_rate"])
    balance: list[float] = []
    b_prev = 0.0  # B_{-1}
    for t in range(H):
        b_t = max(0.0, b_prev * (1.0 + fund_interest) + deposit[t] - spend_nom[t])
        balance.append(b_t)
        b_prev = b_t

    walkaway: list[float] = []
    for t in range(H):
        Um = unrest["floor"][t] + unrest["dump"][t]
        Ui = unrest["infra"][t]
        Uwf = unrest["wallf"][t]
        future_works = m_w * (Um * u_M + Ui * u_I + Uwf * u_wall)
        future_aftercare = (
            m_a * m * aftercare_rate * phi["aftercare"] * ((Um + Ui) * u_plant + Uwf * u_wall_green)
        )
        pending_aftercare = m_a * _seq_sum(
            (m - j) * aftercare[t - j] for j in range(m) if t - j >= 0
        )
        walkaway.append(
            (1.0 + inflation) ** t * (future_works + future_aftercare + pending_aftercare)
        )

    hazard = float(r["operator_default_hazard_per_year"])
    bond = float(r["bond_cny"])
    if hazard <= 0.0:
        default_year: int | None = None
    elif hazard >= 1.0:
        default_year = 1
    else:
        # SPEC: ln(1 - u) is computed literally as math.log(1.0 - u) (not log1p) so that
        # the ceil sees the same value as an engine using log(1 - u).
        ratio = math.log(1.0 - default_uniform) / math.log1p(-hazard)
        default_year = max(1, math.ceil(ratio)) if math.isfinite(ratio) else None
    if default_year is not None and default_year <= L + C:
        defaulted = True
        unfunded = max(0.0, walkaway[default_year - 1] - balance[default_year - 1] - bond)
    else:
        defaulted = False
        unfunded = 0.0

    fund_at_closure = balance[L]
    # cost still to pay after extraction, valued at the end of year L with the fund's interest
    liability_at_closure = _seq_sum(
        spend_nom[t] / (1.0 + fund_interest) ** (t - L) for t in range(L + 1, H)
    )
    assured = fund_at_closure + bond >= liability_at_closure

    # ---- §8 outputs -------------------------------------------------------------------
    out: dict[str, Any] = {
        "life_years": L,
        "pit_footprint_ha": A_pit,
        "pit_enlarged": bool(pit_enlarged),
        "total_disturbed_ha": D,
        "peak_unrestored_ha": peak_unrestored,
        "cost_cny": cost,
        "cost_per_ha_cny": cost_per_ha,
        "pv_cost_cny": pv_cost,
        "pv_revenue_cny": pv_revenue,
        "success": bool(success),
        "success_area_share": success_area_share,
        "rework_area_share": rework_area_share,
        "recovery_years": recovery_years,
        "fund_at_closure_cny": fund_at_closure,
        "liability_at_closure_cny": liability_at_closure,
        "assured": bool(assured),
        "defaulted": bool(defaulted),
        "unfunded_liability_cny": unfunded,
        "spend_cny": spend,
        "fund_balance_cny": balance,
        "walkaway_liability_cny": walkaway,
        "disturbed_ha": {ac: list(dist_cum[_OUTPUT_CLASS[ac]]) for ac in AREA_CLASSES},
        "restored_ha": {ac: list(rest_cum[_OUTPUT_CLASS[ac]]) for ac in AREA_CLASSES},
        **cover_by_year,
    }
    assert set(DRAW_OUTPUT_SCALARS) | set(DRAW_OUTPUT_YEARLY) <= set(out)
    return out


def simulate_draws(resolved: Mapping, draws: Mapping[str, Any]) -> list[dict]:
    """Run :func:`simulate_draw` for every draw along the leading axis of ``draws``.

    Scalar keys have shape (D,), ``cost_factor`` (D, 8) and the yearly keys (D, H).
    """
    n = len(draws[DRAW_SCALAR_KEYS[0]])
    results: list[dict] = []
    for i in range(n):
        draw: dict[str, Any] = {}
        for key in DRAW_SCALAR_KEYS:
            draw[key] = float(draws[key][i])
        for key in (*DRAW_VECTOR_KEYS, *DRAW_YEAR_KEYS):
            draw[key] = [float(v) for v in draws[key][i]]
        results.append(simulate_draw(resolved, draw))
    return results
