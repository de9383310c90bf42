"""Restoration cost: quantities x unit costs, fees, aftercare, escalation, discounting.

See SPEC.md §5.

Sources: model.md §3. Unit costs are engineering estimates [E] calibrated so that Hunan's
abandoned open-pit sites land at 200,000-350,000 CNY/ha [D: Yangtze-belt programme
380 M CNY / 1,911.52 ha; Hongjiang; Xinshao; 2022-24 demonstration projects]. The fee structure
(other fees, profit, tax, basic contingency) follows China's land-reclamation budget norms [S].
Final walls are priced per metre of wall by what practice does there (SPEC §5): a soil slope up
to ``wall_soil_slope_max_deg``; above it benched rock, cut back to the face the rock stands,
scaled, with platforms restored as land, planting troughs, a sprayed share of the faces and the
rest left as bare rock, a crest ditch and retaining wall.

The measures are a table (:data:`MEASURES`): each one's cost factor, breakdown item and
parameters follow from its row; RECIPES.md says how to add one.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model._compile import stage

# the measures' declaration is plain Python (sim.keys reads it without compiling anything)
from sim.model.measures import MEASURES, N_, Measure  # noqa: F401
from sim.model.schedule import design_wall_face_width_m

#: index of each measure's factor in ``cost_factor`` (module constants: the compiled stages
#: read them as constants)
_INDEX = {m.name: i for i, m in enumerate(MEASURES)}
F_REGRADING = _INDEX["regrading"]
F_SOIL = _INDEX["soil"]
F_REVEGETATION = _INDEX["revegetation"]
F_AMENDMENT = _INDEX["amendment"]
F_WALL_GREENING = _INDEX["wall_greening"]
F_DRAINAGE = _INDEX["drainage"]
F_DEMOLITION = _INDEX["demolition"]
F_AFTERCARE = _INDEX["aftercare"]
F_CUTBACK = _INDEX["cutback"]
F_WALL_BENCHES = _INDEX["wall_benches"]
F_WALL_DRAINS = _INDEX["wall_drains"]

#: a wall whose face is at most this per metre [m2/m] (under a micrometre high) is no wall: its
#: per-metre items (ditch, retaining wall) would otherwise overflow per m2 of face (SPEC §5)
NO_WALL_M2_PER_M = 1e-6


def slope_class(slope_deg: np.ndarray, edges_deg: tuple[float, ...]) -> np.ndarray:
    """Index of the slope class with inclusive upper edges: 0 for ``slope <= edges[0]``, …
    (the wall cover factor of recovery, sim.resolve)."""
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
def cutback_per_m(height_m, slope_deg, bench_face_deg, soil_slope_max_deg):
    """Slope cut-back and scaling (削坡/危岩清理) per metre of final wall (SPEC §5):
    ``(V [m3/m], F_r [m2/m])``. A wall steeper than the steepest face its rock stands,
    ``α = bench_face_deg``, is cut back to it, ``V = ½ Hw² max(0, cot α - cot θ)`` (the wedge
    between the two faces), and every rock face is scaled of loose rock, ``F_r = Hw / sin α``.
    A wall no steeper than ``soil_slope_max_deg`` is a soil slope: neither (``(0, 0)``)."""
    if slope_deg <= soil_slope_max_deg:
        return 0.0, 0.0
    cot_face = 1.0 / math.tan(math.radians(bench_face_deg))
    cot_wall = 1.0 / math.tan(math.radians(slope_deg))
    wedge_m3 = 0.5 * height_m * height_m * max(0.0, cot_face - cot_wall)
    return wedge_m3, height_m / math.sin(math.radians(bench_face_deg))


@stage
def wall_treatment_per_m(height_m, slope_deg, bench_face_deg, bench_height_m, soil_slope_max_deg):
    """What the restored wall is made of, per metre of wall (SPEC §5): ``(platform [m2/m],
    troughs [m/m], rock face [m2/m])``. A benched wall, once cut back (:func:`cutback_per_m`,
    ``cot θ_f = max(cot θ, cot α)``), is rock faces at ``α`` with platforms between them:
    platforms ``Hw (cot θ_f - cot α)``, one planting trough at the foot of each bench face
    ``Hw / h_b`` (``h_b = bench_height_m``), rock face ``Hw / sin α``. A wall no steeper than
    ``soil_slope_max_deg`` is regraded, soil-covered and planted as land: its whole face
    ``Hw / sin θ`` is "platform", with no trough and no rock face."""
    if slope_deg <= soil_slope_max_deg:
        return height_m / math.sin(math.radians(slope_deg)), 0.0, 0.0
    cot_face = 1.0 / math.tan(math.radians(bench_face_deg))
    cot_wall = max(1.0 / math.tan(math.radians(slope_deg)), cot_face)
    return (
        height_m * (cot_wall - cot_face),
        height_m / bench_height_m,
        height_m / math.sin(math.radians(bench_face_deg)),
    )


@stage
def wall_height_and_face_per_m(P):
    """The final wall's height [m] and face per metre of its length [m2/m] (SPEC §3, §3a): the
    designed pit's depth and face width (bench faces and berms) on the design path, else
    ``Hw`` and ``f_len = Hw / sin θ``."""
    if P.design_pit != 0.0:
        _, face_m = design_wall_face_width_m(
            P.pit_depth_m, P.final_highwall_slope_deg, P.bench_height_m, P.bench_width_m
        )
        return P.pit_depth_m, face_m
    height_m = P.final_highwall_height_m
    return height_m, height_m / math.sin(math.radians(P.final_highwall_slope_deg))


@stage
def wall_quantities_per_m(P):
    """The restored wall's quantities per metre of its length, a proposal's constants (SPEC
    §5): ``(f_len [m2/m], cut-back wedge [m3/m], scaled face [m2/m], platform [m2/m], troughs
    [m/m], rock face [m2/m])`` from :func:`wall_height_and_face_per_m`,
    :func:`cutback_per_m` and :func:`wall_treatment_per_m`; all 0 but ``f_len`` for a wall of
    no height (``f_len <= NO_WALL_M2_PER_M``)."""
    height_m, face_m2_per_m = wall_height_and_face_per_m(P)
    if face_m2_per_m <= NO_WALL_M2_PER_M:
        return face_m2_per_m, 0.0, 0.0, 0.0, 0.0, 0.0
    wedge_m3, scaled_m2 = cutback_per_m(
        height_m, P.final_highwall_slope_deg, P.wall_bench_face_deg, P.wall_soil_slope_max_deg
    )
    platform_m2, trough_m, rock_m2 = wall_treatment_per_m(
        height_m,
        P.final_highwall_slope_deg,
        P.wall_bench_face_deg,
        P.wall_bench_height_m,
        P.wall_soil_slope_max_deg,
    )
    return face_m2_per_m, wedge_m3, scaled_m2, platform_m2, trough_m, rock_m2


@stage
def wall_platform_ha(wall_q, wall_face_m2):
    """Platform land of a wall whose face is ``wall_face_m2`` [ha] (SPEC §5): the wall's length
    ``wall_face / f_len`` times the platform per metre (``wall_q``: :func:`wall_quantities_per_m`);
    0 for a wall of no height (``f_len <= NO_WALL_M2_PER_M``). Platforms are land: soil and
    planting as the pit floor."""
    face_m2_per_m = wall_q[0]
    if face_m2_per_m <= NO_WALL_M2_PER_M:
        return 0.0
    return wall_face_m2 / face_m2_per_m * wall_q[3] / 1e4


@stage
def dry_share(floor_ha, dump_ha, water_share):
    """Share ``κ`` of the mined land (pit floor + dumps) that is not left under water (SPEC §5):
    the water body lies on the floor, ``min(s_water (floor + dump), floor)``; 1 without mined
    land."""
    mined_ha = floor_ha + dump_ha
    if mined_ha <= 0.0:
        return 1.0
    return 1.0 - min(water_share * mined_ha, floor_ha) / mined_ha


@stage
def unit_costs_cny(
    cost_factor, P, own_share, mean_depth_m, plant_cny_per_ha, rework_cny_per_ha, wall_q, dry
):
    """One draw's unit costs with its cost factors ``φ`` (``cost_factor``, order of
    :data:`MEASURES`) and the proposal's resolved inputs ``P`` (a record, read by name), SPEC §5:
    ``(u_M, u_I, u_plant, u_rework)`` [CNY/ha], ``u_wall`` (works) and ``u_wall_plant`` (the
    planted part: aftercare and rework) [CNY/m2 of face] and the yearly aftercare rate
    ``aftercare_rate φ_aftercare`` [1/yr]. Every term is one measure's quantity × unit cost ×
    its factor, so the cost breakdown gets each measure's part with a one-hot ``φ``.

    ``u_soil = d̄ 1e4 (ω respread + (1-ω) import [imported]) φ_soil``; ``u_plant``, ``u_rework``
    the planting sums × ``φ_revegetation``; ``u_regrade = volume × cost φ_regrading``;
    ``u_amend = amendment [amended] φ_amendment``; ``u_M = u_regrade + u_amend + u_soil +
    u_plant + u_drain``; ``u_I = u_demol + u_soil + u_plant + u_drain``. The wall, per metre
    (``wall_q``: :func:`wall_quantities_per_m`): platforms as mined land, troughs,
    the sprayed share of the rock face (thick-layer above ``wall_thick_layer_above_deg``, else
    hung-net), cut-back and scaling, crest ditch and retaining wall; ``u_wall`` is all of it and
    ``u_wall_plant`` the platforms' planting, troughs and spray, per metre over ``f_len = Hw /
    sin θ`` m2 of face per metre (both 0 for a wall of no height, ``f_len <= NO_WALL_M2_PER_M``
    m2/m). Mined land is regraded and drained on its dry share ``dry`` (:func:`dry_share`), the
    wall's platforms whole.
    """
    f = cost_factor
    import_topsoil = P.import_topsoil != 0.0
    soil_unit = own_share * P.respread_cost_cny_per_m3 + (1.0 - own_share) * (
        P.import_cost_cny_per_m3 if import_topsoil else 0.0
    )
    u_soil = mean_depth_m * 1e4 * soil_unit * f[F_SOIL]
    u_plant = plant_cny_per_ha * f[F_REVEGETATION]
    u_rework = rework_cny_per_ha * f[F_REVEGETATION]
    u_regrade = P.regrade_volume_m3_per_ha * P.regrade_cost_cny_per_m3 * f[F_REGRADING]
    amended = P.substrate_amendment != 0.0
    u_amend = (P.amendment_cost_cny_per_ha if amended else 0.0) * f[F_AMENDMENT]
    u_drain = P.drainage_cost_cny_per_ha * f[F_DRAINAGE]
    u_demol = P.demolition_cost_cny_per_ha * f[F_DEMOLITION]
    u_platform = u_regrade + u_amend + u_soil + u_plant + u_drain
    u_mined = (u_regrade + u_drain) * dry + u_amend + u_soil + u_plant
    # the wall's measures are priced per metre of wall, then per m2 of face (f_len m2 per metre)
    u_wall = 0.0
    u_wall_plant = 0.0
    face_m2_per_m, wedge_m3, scaled_m2, platform_m2, trough_m, rock_m2 = wall_q
    if face_m2_per_m > NO_WALL_M2_PER_M:
        thick = P.wall_bench_face_deg > P.wall_thick_layer_above_deg
        spray_price = (
            P.wall_thick_layer_cost_cny_per_m2 if thick else P.wall_hung_net_cost_cny_per_m2
        )
        spray = P.wall_spray_share * rock_m2 * spray_price * f[F_WALL_GREENING]
        troughs = trough_m * P.wall_trough_cost_cny_per_m * f[F_WALL_BENCHES]
        cut = (
            wedge_m3 * P.wall_cutback_cost_cny_per_m3 + scaled_m2 * P.wall_scaling_cost_cny_per_m2
        ) * f[F_CUTBACK]
        drains = (
            P.wall_ditch_m_per_m * P.wall_ditch_cost_cny_per_m
            + P.wall_retaining_m_per_m * P.wall_retaining_cost_cny_per_m
        ) * f[F_WALL_DRAINS]
        planted_cny_per_m = platform_m2 / 1e4 * u_plant + troughs + spray
        works_cny_per_m = platform_m2 / 1e4 * u_platform + troughs + spray + cut + drains
        u_wall = works_cny_per_m / face_m2_per_m
        u_wall_plant = planted_cny_per_m / face_m2_per_m
    return (
        u_mined,
        u_demol + u_soil + u_plant + u_drain,
        u_plant,
        u_rework,
        u_wall,
        u_wall_plant,
        P.aftercare_rate_per_year * f[F_AFTERCARE],
    )
