"""Compiled kernel of the Monte-Carlo engine (numba): the whole model per (proposal, draw) row.

:func:`draw_inputs` makes each row's per-draw random inputs from the counter-based generator of
:mod:`sim.rng`, a block of draws at a time; :func:`simulate_chunk` then fuses every step of
``model/SPEC.md`` into one pass over each row's years, drawing the yearly numbers inline (no
yearly random arrays are materialised), and writes per-row scalars (and, on request, per-year
arrays). Both release the GIL, so the engine runs chunks of rows on a thread pool. The model's
equations are compiled stages in :mod:`sim.model`, inlined here; the scalar reference
:mod:`sim.reference`, written from SPEC.md on its own, computes the same equations, and the tests
hold the two together.

Design notes for speed (measured in ``benchmarks/``; the kernel is bound by the number of
instructions, so each note removes work or a mispredicted branch):

- cost, revenue and fund growth factors ``(1+r)^t`` come from per-proposal tables;
- the schedule's cumulative output is in closed form (no chain from year to year);
- a cohort's success needs only its effective age at the deadline, compared with a per-draw
  age interval found from the closed form of the cover curve (confirmed with the curve itself
  only near whole years), so no cohort history and no exponential per cohort is computed; land
  uses that share a rule are one group; which land uses share their criterion and soil (and so
  their rules in every draw) is found once per proposal, so a draw computes the rules of each
  such class once and groups the classes, not the land uses; the rules come from powers of
  ``exp(-k)``, one exponential per draw instead of a logarithm per rule (the criterion is met
  after one or two effective years in most draws), with the closed form's rule wherever the
  cover lies within 1e-12 of the criterion;
- spend, fund, unrestored area and the cost to come at closure are one pass over the years;
  aftercare due is a running window; the walk-away liability is computed only in the default
  year (every year only when yearly output is asked for); cover trajectories (O(years²))
  likewise;
- the draws' random inputs are branch-free and call no libm function (cos and sin of a turn by
  polynomials after an exact quarter-turn reduction, exp and ln(1 - u) by range reduction and
  series), so the loop over a block of draws runs eight draws per instruction; the year's
  random words are made in a loop the compiler vectorises too;
- both of those loops run in whole vectors of eight (the draws past the last whole vector made
  again as the last eight, the years' pairs rounded up past the horizon): LLVM leaves what is
  left over to a scalar loop that costs as much per draw or pair as a vector of eight;
- indexes that cannot be negative are unsigned where it pays (numba's fix-up of a negative
  index is a shift, a mask and an add per access, and stops LLVM vectorising some loops).
"""

from __future__ import annotations

import math

import numpy as np
from numba import literal_unroll, njit

from sim import rng
from sim.keys import LAND_USES, MEASURES, PARAM_DTYPE
from sim.model._compile import FASTMATH, records
from sim.model.cost import (
    dry_share,
    fee_multiplier_pair,
    land_use_sums,
    topsoil_supply,
    unit_costs_cny,
    wall_platform_ha,
    wall_quantities_per_m,
)
from sim.model.finance import (
    default_year,
    log_survival_per_year,
    yearly_pass,
)
from sim.model.recovery import (
    NEVER,
    TINY_AREA_HA,
    age_interval,
    cohort_outcomes,
    cover_ceilings,
    establishment,
    failure_probabilities,
    precipitation_factor,
    wall_cover_ceiling,
    year_outcomes,
)
from sim.model.recovery import age_rule_by_powers as _age_rule_pw
from sim.model.recovery import cover_at_age as _cover
from sim.model.schedule import (
    design_capacity_mt,
    design_pit,
    dump_ha_per_mt,
    extraction_schedule,
    final_wall_widths_m,
    pit_footprint,
    restoration_pattern,
)
from sim.outputs_registry import DRAW, DRAW_YEARLY

# FASTMATH: floating-point licences given to the compiler (sim.model._compile): fused
# multiply-add, reassociation (so sums may be reordered and vectorised), reciprocals and signed
# zeros; never "no NaN" or "no inf", which the model relies on. Results stay identical run to
# run and chunk to chunk (the same compiled code computes each row); they differ from the
# reference in the last bits only. Importing sim.model._compile also stamps numba's cache of
# every function here with all the model's sources.
N_LU = len(LAND_USES)
N_MEASURES = len(MEASURES)
#: Box-Muller pairs of the cost-factor stream: the common normal z_0, then one per measure
N_COST_PAIRS = (N_MEASURES + 2) // 2

#: per-row scalars written by the kernel, and its per-year values: the order of the output
#: registry's per-draw tables (sim.outputs_registry DRAW, DRAW_YEARLY; cover entries last)
OUT_SCALARS: tuple[str, ...] = tuple(o.name for o in DRAW)
OUT_YEARLY: tuple[str, ...] = tuple(o.name for o in DRAW_YEARLY)

#: the first of the cover columns, which the yearly record holds as one sub-array
COVER_COL = next(j for j, o in enumerate(DRAW_YEARLY) if o.family == "cover")

# --- parameters are records and outputs are named: the kernel reads ``P.reserves_mt`` and
# writes ``out[oc.cost_cny, row]``. A record's field names and offsets are part of its numba
# type, hence of the compiled signature, so a change of the parameter registry (sim/keys.py)
# makes a new entry in numba's on-disk cache instead of a stale kernel reading the wrong
# columns. The outputs stay one contiguous run of rows each (the summaries sort them in place);
# ``oc = OUT_COLS[0]`` names their rows in that block, a constant of the compiled code (read
# at run time it cost 2 %), kept fresh by the cache stamp of all model sources
# (sim.model._compile).
SHARE_FIELDS = tuple(f"share_{lu}" for lu in LAND_USES)
DEPTH_FIELDS = tuple(f"required_depth_{lu}_m" for lu in LAND_USES)
PLANT_FIELDS = tuple(f"planting_cost_{lu}_cny_per_ha" for lu in LAND_USES)
CRIT_FIELDS = tuple(f"success_cover_{lu}" for lu in LAND_USES[:-1])  # not water
OUT_COLS_DTYPE = np.dtype([(name, np.int64) for name in OUT_SCALARS], align=True)
#: the row of each output in the kernel's ``(len(OUT_SCALARS), n_rows)`` output block
OUT_COLS = records(np.array([tuple(range(len(OUT_SCALARS)))], dtype=OUT_COLS_DTYPE))
#: per-year outputs: named values, then the mean cover by land use (water excepted) and of walls
YEARLY_DTYPE = np.dtype(
    [(name, np.float64) for name in OUT_YEARLY[:COVER_COL]]
    + [("cover", np.float64, (len(OUT_YEARLY) - COVER_COL,))],
    align=True,
)


def param_records(par: np.ndarray) -> np.ndarray:
    """The parameter matrix ``(n, len(PARAM_KEYS))`` as ``n`` records of :data:`PARAM_DTYPE`
    (a view: no copy)."""
    return records(np.ascontiguousarray(par, dtype=np.float64).view(PARAM_DTYPE)[:, 0])


WATER = N_LU - 1
FARMLAND = LAND_USES.index("farmland")

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_STRIDE = np.uint64(rng.STRIDE)
_INV53 = rng.INV_2_53
_INV32 = rng.INV_2_32
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _mix(x):
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _word(k1, k2, counter):
    return _mix(_mix(k1 + counter * _GAMMA) ^ k2)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _uniform(k1, k2, counter):
    x = _mix(_mix(k1 + counter * _GAMMA) ^ k2)
    return np.float64(x >> _S11) * _INV53


# --- the draw's random inputs, made for a block of draws at a time by draw_inputs. Every function
# here is branch-free and calls no libm function, so the compiler runs the loop over draws eight
# at a time; they are compiled without fast-math licences, so a draw gets the same bits in the
# vector body as in the loop's remainder, wherever it falls in a chunk. Each is within one or two
# units in the last place of libm (tests/test_kernel_numerics.py).
_SIN_C = tuple((-1.0) ** n / math.factorial(2 * n + 1) for n in range(9))  # sin on [-π/4, π/4]
_COS_C = tuple((-1.0) ** n / math.factorial(2 * n) for n in range(10))
_EXP_C = tuple(1.0 / math.factorial(n) for n in range(14))  # e^r, |r| <= ln2 / 2
_LOG_C = tuple(2.0 / (2 * n + 1) for n in range(11))  # 2 atanh(s) / s, |s| < 0.172
_HALF_PI = math.pi / 2.0
_LN2_HI = 0.6931471803691238  # ln 2 to 32 significant bits: n * _LN2_HI is exact for small n
_LN2_LO = 1.9082149292705877e-10  # ln 2 - _LN2_HI
_INV_LN2 = 1.4426950408889634
_SQRT2 = math.sqrt(2.0)
_TWO53 = np.int64(1) << np.int64(53)
_S52 = np.int64(52)
_EXP_BIAS = np.int64(1023)  # of a float64's exponent field (bits 52-62)
_MANTISSA = (np.int64(1) << _S52) - np.int64(1)


@njit(cache=True, inline="always", error_model="numpy")
def _pow2(k):
    """2^k, exactly, for an integer k in [-1022, 1023]: the float64 whose exponent field is
    k + 1023 (no table, so no gather in the vectorised loop)."""
    return np.int64((np.int64(k) + _EXP_BIAS) << _S52).view(np.float64)


@njit(cache=True, inline="always", error_model="numpy")
def _cos_sin_turn(u):
    """(cos 2πu, sin 2πu) for u in [0, 1).

    The angle is reduced exactly on ``u`` (quarter turns), so only short polynomials on
    [-π/4, π/4] remain, and the quarter is applied by selection (it is random: a branch would
    be mispredicted three times in four).
    """
    v = 4.0 * u
    nf = math.floor(v + 0.5)
    r = (v - nf) * _HALF_PI
    r2 = r * r
    sn = _SIN_C[8]
    for i in range(7, -1, -1):
        sn = sn * r2 + _SIN_C[i]
    sn = sn * r
    cs = _COS_C[9]
    for i in range(8, -1, -1):
        cs = cs * r2 + _COS_C[i]
    quarter = np.int64(nf) & 3
    odd = (quarter & 1) == 1
    c0 = sn if odd else cs
    s0 = cs if odd else sn
    c = -c0 if (quarter == 1 or quarter == 2) else c0
    return c, (-s0 if quarter >= 2 else s0)


@njit(cache=True, inline="always", error_model="numpy")
def _exp(x):
    """e^x for |x| <= 700 (model arguments are a few units): 2^k e^r with r = x - k ln 2
    (Cody-Waite), e^r by its Taylor series to r^13 (truncation below 1e-17), 2^k exactly by its
    bits (:func:`_pow2`)."""
    x = min(max(x, -700.0), 700.0)
    k = math.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = _EXP_C[13]
    for i in range(12, -1, -1):
        p = p * r + _EXP_C[i]
    return p * _pow2(k)


@njit(cache=True, inline="always", error_model="numpy")
def _log_one_minus(bits53):
    """ln(1 - u) for the uniform u = bits53 / 2^53, bits53 an integer in [0, 2^53).

    1 - u = m / 2^53 with the integer m = 2^53 - bits53 >= 1; m = 2^e f with f in [1/√2, √2)
    (e = floor(log2 m) and f = m / 2^e in [1, 2) read off the bits of the float64 m, exact as
    m <= 2^53; f halved above √2), so ln(1 - u) = (e - 53) ln 2 + 2 atanh(s),
    s = (f - 1)/(f + 1), the series to s^21. Exact at u = 0 and accurate near it (no
    cancellation).
    """
    m_bits = np.float64(_TWO53 - bits53).view(np.int64)  # the integer m as a float64, exact
    e = (m_bits >> _S52) - _EXP_BIAS
    f = np.int64((m_bits & _MANTISSA) | (_EXP_BIAS << _S52)).view(np.float64)  # m / 2^e
    big = f > _SQRT2
    f = f * 0.5 if big else f
    n = np.float64(e - 53 + (1 if big else 0))
    sv = (f - 1.0) / (f + 1.0)
    s2 = sv * sv
    p = _LOG_C[10]
    for i in range(9, -1, -1):
        p = p * s2 + _LOG_C[i]
    return n * _LN2_HI + (n * _LN2_LO + sv * p)


@njit(cache=True, inline="always", error_model="numpy")
def _normal_pair(k1, k2, counter):
    """The two normals of the Box-Muller pair of slots ``counter`` (radius) and ``counter + 1``
    (angle): r cos θ and r sin θ with r = √(-2 ln(1 - u1)), θ = 2π u2 (sim.rng)."""
    bits = np.int64(_word(k1, k2, counter) >> _S11)
    u2 = np.float64(_word(k1, k2, counter + np.uint64(1)) >> _S11) * _INV53
    radius = math.sqrt(-2.0 * _log_one_minus(bits))
    c, sn = _cos_sin_turn(u2)
    return radius * c, radius * sn


@njit(cache=True, inline="always", error_model="numpy")
def _triangular(u, low, mode, high):
    """Inverse CDF of the triangular distribution (the mode when ``high <= low``), by selection:
    which side a uniform falls on is unpredictable."""
    span = max(high - low, 1e-300)
    left = low + math.sqrt(u * span * (mode - low))
    right = high - math.sqrt(max(1.0 - u, 0.0) * span * (high - mode))
    v = left if u < (mode - low) / span else right
    return v if high > low else mode


#: draws that draw_inputs makes at once (eight 64-bit lanes of AVX-512)
_DRAWS_PER_VECTOR = 8

#: rows of the per-draw random inputs written by draw_inputs
RIN_THICKNESS = 0
RIN_COST = 1  # N_MEASURES rows: the measures' cost factors, in the order of MEASURES
RIN_OUTPUT = RIN_COST + N_MEASURES
RIN_COVER_MAX = RIN_OUTPUT + 1
RIN_GROWTH = RIN_OUTPUT + 2
RIN_FAILURE = RIN_OUTPUT + 3
RIN_DEFAULT = RIN_OUTPUT + 4
RIN_COMMON = RIN_OUTPUT + 5  # scratch: the common log cost factor of each draw
N_RIN = RIN_OUTPUT + 6


@njit(cache=True, nogil=True, error_model="numpy")
def draw_inputs(par, keys, streams, first_draw, rin):
    """The per-draw random inputs of every row (SPEC §0, :mod:`sim.rng` layout) into ``rin``
    ``(N_RIN, n_rows)``: the thickness factor, one cost factor per measure, the output factor,
    the cover ceiling, the growth rate, the failure probability and the default uniform.

    ``streams`` holds each proposal's stream key words by input name
    (:func:`sim.rng.stream_keys`). Rows are proposal-major, as in :func:`simulate_chunk`; the
    loop over a proposal's draws is vectorised (see the notes above these functions).
    """
    n_prop = par.shape[0]
    n_each = rin.shape[1] // n_prop
    n_whole = n_each // _DRAWS_PER_VECTOR * _DRAWS_PER_VECTOR
    for p in range(n_prop):
        P = par[p]
        S = streams[p]
        k2 = keys[p, 1]
        k_thick = S.thickness_factor
        k_cost = S.cost_factor
        k_output = S.output_factor
        k_cover = S.cover_max
        k_growth = S.growth_rate_per_year
        k_failure = S.failure_probability
        k_default = S.default_uniform
        s_thick = P.thickness_sigma
        s_common = P.common_cost_sigma
        s_measure = P.measure_cost_sigma
        spread = P.output_spread
        cm0, cm1, cm2 = P.cover_max_low, P.cover_max_mode, P.cover_max_high
        gr0, gr1, gr2 = P.growth_low, P.growth_mode, P.growth_high
        fp0, fp1, fp2 = P.failure_low, P.failure_mode, P.failure_high
        r0 = p * n_each
        # whole vectors of draws, then the last eight draws again if some are past the last
        # whole vector (the loops' scalar remainders cost as much per draw as a vector of
        # eight; a draw made twice gets the same bits). Rows are unsigned: with numba's fix-up
        # of negative indexes LLVM finds the stores "unsafe indirect dependence" and does not
        # vectorise a loop that starts past draw 0.
        for part in range(2):
            d_lo = 0 if part == 0 else max(0, n_each - _DRAWS_PER_VECTOR)
            d_hi = n_whole if part == 0 else (n_each if n_whole < n_each else 0)
            for d in range(d_lo, d_hi):
                base = np.uint64(first_draw + d) * _STRIDE
                z_thick, _ = _normal_pair(k_thick, k2, base)
                z0, z1 = _normal_pair(k_cost, k2, base)
                r = np.uint64(r0 + d)
                rin[RIN_THICKNESS, r] = _exp(s_thick * z_thick)
                common = s_common * z0
                rin[RIN_COMMON, r] = common
                rin[RIN_COST, r] = _exp(common + s_measure * z1)
                u_output = _uniform(k_output, k2, base)
                rin[RIN_OUTPUT, r] = 1.0 + spread * (2.0 * u_output - 1.0)
                rin[RIN_COVER_MAX, r] = _triangular(_uniform(k_cover, k2, base), cm0, cm1, cm2)
                rin[RIN_GROWTH, r] = _triangular(_uniform(k_growth, k2, base), gr0, gr1, gr2)
                rin[RIN_FAILURE, r] = _triangular(_uniform(k_failure, k2, base), fp0, fp1, fp2)
                rin[RIN_DEFAULT, r] = _uniform(k_default, k2, base)
            # the other measures' factors, a pair of normals at a time: measures 2i - 1 and 2i
            # take z_{2i} and z_{2i+1} (one loop over the draws per pair, so each is vectorised)
            for i in range(1, N_COST_PAIRS):
                m = 2 * i - 1
                for d in range(d_lo, d_hi):
                    base = np.uint64(first_draw + d) * _STRIDE
                    za, zb = _normal_pair(k_cost, k2, base + np.uint64(2 * i))
                    r = np.uint64(r0 + d)
                    common = rin[RIN_COMMON, r]
                    rin[RIN_COST + m, r] = _exp(common + s_measure * za)
                    if m + 1 < N_MEASURES:
                        rin[RIN_COST + m + 1, r] = _exp(common + s_measure * zb)


#: pairs of years the compiler draws at once in the chunk loop (eight 64-bit lanes of AVX-512)
_YEAR_PAIRS_PER_VECTOR = 8


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _year_pair(k_stream, k2, element):
    """The yearly uniforms of years ``2 e`` (high half of the word) and ``2 e + 1`` (low half),
    32-bit resolution, from element ``e`` of a stream."""
    x = _word(k_stream, k2, element)
    return np.float64(x >> _S32) * _INV32, np.float64(x & _LOW32) * _INV32


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def yearly_uniforms(keys, streams, first_draw, out):
    """The yearly uniforms of draws ``first_draw …`` of one proposal into ``out``
    ``(3, n_draws, n_years)``: drought, land establishment, wall establishment, as
    :func:`simulate_chunk` draws them inline (for :func:`sim.rng.sample_draws`)."""
    S = streams[0]
    k2 = keys[0, 1]
    for d in range(out.shape[1]):
        base = np.uint64(first_draw + d) * _STRIDE
        for t in range(out.shape[2]):
            c = base + np.uint64(t // 2)
            odd = t % 2 == 1
            hi, lo = _year_pair(S.drought_uniform, k2, c)
            out[0, d, t] = lo if odd else hi
            hi, lo = _year_pair(S.establish_land_uniform, k2, c)
            out[1, d, t] = lo if odd else hi
            hi, lo = _year_pair(S.establish_wall_uniform, k2, c)
            out[2, d, t] = lo if odd else hi


@njit(cache=True, nogil=True, inline="never")
def _land_use_inputs(P, shares, depth, plant, crit):
    """A proposal's inputs by land use (order of LAND_USES), read from its record by field name:
    shares, required soil depths [m], planting costs [CNY/ha] and success criteria (water has
    none). A call of its own, once per proposal: ``literal_unroll`` re-types the function it is
    in once per loop, which in the chunk loop cost ≈ 6 s of the first run's compilation."""
    j = 0
    for name in literal_unroll(SHARE_FIELDS):
        shares[j] = P[name]
        j += 1
    j = 0
    for name in literal_unroll(DEPTH_FIELDS):
        depth[j] = P[name]
        j += 1
    j = 0
    for name in literal_unroll(PLANT_FIELDS):
        plant[j] = P[name]
        j += 1
    j = 0
    for name in literal_unroll(CRIT_FIELDS):
        crit[j] = P[name]
        j += 1


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def simulate_chunk(
    par, keys, streams, first_draw, rin, g_inf, g_disc, g_int, out, yearly, want_yearly
):
    """Simulate rows; see the module docstring. Arrays are written in place.

    Rows are proposal-major: row ``i * n + d`` is draw ``first_draw + d`` of proposal ``i``, with
    ``n = out.shape[1] // n_prop`` draws per proposal.

    par: (n_prop,) records of PARAM_DTYPE (:func:`param_records`); keys: (n_prop, 2) uint64;
    streams: (n_prop,) stream key words by input name (:func:`sim.rng.stream_keys`);
    first_draw: int; rin:
    (N_RIN, n_rows) the draws' random inputs from :func:`draw_inputs`; g_inf:
    (n_prop, T) inflation growth (1+rate)^t; g_disc, g_int: (n_prop, T) discount factors
    1/(1+rate)^t of the discount rate and the fund's interest; out: (n_out, n_rows) float64,
    output ``name`` in row ``OUT_COLS[0].name``; yearly: (n_rows, T) records of
    YEARLY_DTYPE (unused unless want_yearly).

    Every mined class (floor, wall plan and face, dumps) is disturbed in proportion to the ore
    mined, so all of them are restored on one yearly *pattern* (share of the class restored in
    each year) times the class total; infrastructure is restored evenly at closure.
    """
    n_rows = out.shape[1]
    per_prop = n_rows // par.shape[0]
    T = g_inf.shape[1]
    q = np.zeros(T)
    x = np.zeros(T)
    pat = np.zeros(T)
    rinf = np.zeros(T)
    a_yr = np.zeros(T)
    spend_nom = np.zeros(T)
    fund = np.zeros(T)
    g = np.zeros(T, dtype=np.int64)
    # years come in pairs, made eight pairs at a time: up to 15 years past the horizon
    ok_land = np.zeros(T + 2 * _YEAR_PAIRS_PER_VECTOR, dtype=np.bool_)
    ok_wall = np.zeros(T + 2 * _YEAR_PAIRS_PER_VECTOR, dtype=np.bool_)
    wet = np.zeros(T + 2 * _YEAR_PAIRS_PER_VECTOR, dtype=np.bool_)
    s_land = np.zeros(T, dtype=np.int64)
    s_wall = np.zeros(T, dtype=np.int64)
    f = np.zeros(N_MEASURES)
    shares = np.zeros(N_LU)
    depth = np.zeros(N_LU)
    plant = np.zeros(N_LU)
    crit = np.zeros(N_LU)
    fmax_m = np.zeros(N_LU)
    fmax_i = np.zeros(N_LU)
    # a proposal's planted land uses by rule class (criterion, needs soil, farmland): share,
    # the class whose age rules it shares (same criterion and soil), and the rules per row
    cls_sh = np.zeros(N_LU)
    cls_crit = np.zeros(N_LU)
    cls_soil = np.zeros(N_LU, dtype=np.bool_)
    cls_farm = np.zeros(N_LU, dtype=np.bool_)
    cls_src = np.zeros(N_LU, dtype=np.int64)
    cls_kind_m = np.zeros(N_LU, dtype=np.int64)
    cls_bound_m = np.zeros(N_LU, dtype=np.int64)
    cls_need_m = np.zeros(N_LU)
    cls_kind_i = np.zeros(N_LU, dtype=np.int64)
    cls_bound_i = np.zeros(N_LU, dtype=np.int64)
    cls_need_i = np.zeros(N_LU)
    n_cls = 0
    yd = 0.0
    first = np.zeros(T + 3, dtype=np.int64)
    grp_sh = np.zeros(N_LU)
    grp_lm = np.zeros(N_LU, dtype=np.int64)
    grp_hm = np.zeros(N_LU, dtype=np.int64)
    grp_li = np.zeros(N_LU, dtype=np.int64)
    grp_hi = np.zeros(N_LU, dtype=np.int64)
    grp_nm = np.zeros(N_LU, dtype=np.int64)
    grp_ni = np.zeros(N_LU, dtype=np.int64)
    r_floor = np.zeros(T)
    r_dump = np.zeros(T)
    r_wallp = np.zeros(T)
    last_p = -1
    plan_w = 0.0
    face_w = 0.0
    d_wall_plan = 0.0
    d_wall_face = 0.0
    d_floor = 0.0
    d_cap = 0.0
    mean_depth = 0.0
    plant_sum = 0.0
    rework_sum = 0.0
    planted_share = 0.0
    planted_depth = 0.0
    dump_per_mt = 0.0
    m_w = 0.0
    m_a = 0.0
    wall_q = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    ln_survival = 0.0

    for row in range(n_rows):
        p = row // per_prop
        P = par[p]
        n_h = np.int64(P.horizon_years)
        k2 = keys[p, 1]
        S = streams[p]
        k_drought = S.drought_uniform
        k_land = S.establish_land_uniform
        k_wall = S.establish_wall_uniform
        base = np.uint64(first_draw + row - p * per_prop) * _STRIDE
        if p != last_p:  # proposal constants
            last_p = p
            plan_w, face_w = final_wall_widths_m(
                P.final_highwall_height_m, P.final_highwall_slope_deg
            )
            if P.design_pit != 0.0:  # the designed pit (SPEC §3a)
                d_vol, d_wall_plan, d_wall_face, d_floor = design_pit(
                    P.pit_area_ha,
                    P.pit_depth_m,
                    P.final_highwall_slope_deg,
                    P.hillside_slope_deg,
                    P.bench_height_m,
                    P.bench_width_m,
                )
                d_cap = design_capacity_mt(
                    P.pit_volume_m3, d_vol, P.rock_density_t_per_m3, P.stripping_ratio
                )
            _land_use_inputs(P, shares, depth, plant, crit)
            n_cls = 0
            yd = 0.0
            for j in range(N_LU):
                sh = shares[j]
                if j == WATER or sh == 0.0:
                    continue
                yd = yd + sh
                soil = depth[j] > 0
                farm = j == FARMLAND
                found = False
                for c in range(n_cls):
                    if cls_crit[c] == crit[j] and cls_soil[c] == soil and cls_farm[c] == farm:
                        cls_sh[c] += sh
                        found = True
                        break
                if not found:
                    cls_sh[n_cls] = sh
                    cls_crit[n_cls] = crit[j]
                    cls_soil[n_cls] = soil
                    cls_farm[n_cls] = farm
                    cls_src[n_cls] = n_cls
                    for c in range(n_cls):
                        if cls_crit[c] == crit[j] and cls_soil[c] == soil:
                            cls_src[n_cls] = cls_src[c]
                            break
                    n_cls += 1
            mean_depth, plant_sum, rework_sum, planted_share, planted_depth = land_use_sums(
                shares, depth, plant, N_LU, WATER
            )
            dump_per_mt = dump_ha_per_mt(
                P.stripping_ratio, P.rock_density_t_per_m3, P.swell_factor, P.dump_height_m
            )
            m_w, m_a = fee_multiplier_pair(
                P.profit_rate, P.tax_rate, P.other_fees_rate, P.contingency_rate
            )
            wall_q = wall_quantities_per_m(P)
            ln_survival = log_survival_per_year(P.operator_default_hazard_per_year)

        # ---- random inputs of this draw (made by draw_inputs)
        thick_f = rin[RIN_THICKNESS, row]
        for j in range(N_MEASURES):
            f[j] = rin[RIN_COST + j, row]
        out_f = rin[RIN_OUTPUT, row]
        cover_max = rin[RIN_COVER_MAX, row]
        growth = rin[RIN_GROWTH, row]
        fail_p = rin[RIN_FAILURE, row]
        u_default = rin[RIN_DEFAULT, row]

        # ---- extraction schedule (SPEC §2); on the design path the thickness draw scales
        # the tonnes recovered, at most what the designed pit holds (SPEC §3a)
        design = P.design_pit != 0.0
        reserves = min(P.reserves_mt * thick_f, d_cap) if design else P.reserves_mt
        life, mined = extraction_schedule(
            reserves,
            P.annual_output_mt * out_f,
            P.ramp_share,
            np.int64(P.ramp_up_years),
            n_h,
            q,
            x,
        )

        # ---- pit geometry (SPEC §3, §3a); class totals
        if design:
            pit, enlarged = P.pit_area_ha, False
            wall_plan, wall_face, floor = d_wall_plan, d_wall_face, d_floor
        else:
            pit, enlarged, wall_plan, wall_face, floor = pit_footprint(
                mined,
                P.rock_density_t_per_m3,
                P.mined_thickness_m,
                thick_f,
                P.stripping_ratio,
                P.wall_length_factor,
                plan_w,
                face_w,
                P.min_floor_width_m,
            )
        dump = dump_per_mt * mined
        infra = P.infrastructure_area_ha
        mined_land = floor + dump
        total_dist = floor + wall_plan + dump + infra

        # ---- restoration pattern (SPEC §4)
        closure = np.int64(P.closure_years)
        restoration_pattern(
            x,
            life,
            P.progressive_fraction,
            np.int64(P.progressive_lag_years),
            closure,
            infra,
            n_h,
            pat,
            rinf,
        )

        # ---- unit costs (SPEC §5)
        own, soil_ratio = topsoil_supply(
            P.soil_depth_cm,
            P.topsoil_loss_fraction,
            P.topsoil_stripped != 0.0,
            total_dist,
            mined_land + infra + wall_platform_ha(wall_q, wall_face),
            mean_depth,
            P.import_topsoil != 0.0,
        )
        dry = dry_share(floor, dump, shares[WATER])  # water floods the floor (SPEC §5)
        u_m, u_i, u_plant, u_rework, u_wall, u_wall_plant, after_rate = unit_costs_cny(
            f, P, own, mean_depth, plant_sum, rework_sum, wall_q, dry
        )
        monitoring = np.int64(P.monitoring_years)

        # ---- recovery (SPEC §6)
        p_drought = P.drought_probability
        precip = precipitation_factor(P.annual_precipitation_mm, P.precipitation_reference_mm)
        k = growth * precip
        pl_wet, pl_dry, pw_wet, pw_dry = failure_probabilities(
            fail_p,
            P.failure_probability_drought,
            planted_share,
            planted_depth,
            soil_ratio,
            P.thin_soil_m,
            P.final_highwall_slope_deg,
            P.steep_wall_threshold_deg,
            P.failure_mult_thin,
            P.failure_mult_steep,
            P.failure_cap,
        )
        # independent pairs of years, vectorised eight pairs wide: the count is rounded up to
        # whole vectors, so no pair falls to the loop's scalar remainder (the years past the
        # horizon are drawn from their own counters and never read)
        n_pairs = ((n_h + 1) // 2 + _YEAR_PAIRS_PER_VECTOR - 1) // _YEAR_PAIRS_PER_VECTOR
        for e in range(n_pairs * _YEAR_PAIRS_PER_VECTOR):
            c = base + np.uint64(e)
            d_hi, d_lo = _year_pair(k_drought, k2, c)
            l_hi, l_lo = _year_pair(k_land, k2, c)
            w_hi, w_lo = _year_pair(k_wall, k2, c)
            t = 2 * e
            w, ol, ow = year_outcomes(d_hi, l_hi, w_hi, p_drought, pl_wet, pl_dry, pw_wet, pw_dry)
            wet[t] = w
            ok_land[t] = ol
            ok_wall[t] = ow
            w, ol, ow = year_outcomes(d_lo, l_lo, w_lo, p_drought, pl_wet, pl_dry, pw_wet, pw_dry)
            wet[t + 1] = w
            ok_land[t + 1] = ol
            ok_wall[t + 1] = ow
        establishment(wet, ok_land, ok_wall, n_h, T, g, first, s_land, s_wall)
        deadline = life + closure + np.int64(P.success_horizon_years)
        g_dead = g[min(deadline, n_h - 1)]
        f0 = P.cover_initial
        tox = P.toxic_cover_factor
        decay = math.exp(-k)
        for c in range(n_cls):
            if cls_src[c] != c:  # the same rules as an earlier class
                continue
            fm, fi = cover_ceilings(cover_max, precip, tox, soil_ratio, cls_soil[c])
            km, bm, nm = _age_rule_pw(fm, f0, k, decay, cls_crit[c], T)
            cls_kind_m[c] = km
            cls_bound_m[c] = bm
            cls_need_m[c] = nm
            if fi == fm:
                cls_kind_i[c] = km
                cls_bound_i[c] = bm
                cls_need_i[c] = nm
            else:
                ki, bi, ni = _age_rule_pw(fi, f0, k, decay, cls_crit[c], T)
                cls_kind_i[c] = ki
                cls_bound_i[c] = bi
                cls_need_i[c] = ni
        fmax_w = wall_cover_ceiling(cover_max, precip, P.wall_cover_factor)
        kind_w, bound_w, need_w = _age_rule_pw(
            fmax_w, f0, k, decay, P.success_cover_wall, T
        )
        farm_soil_ok = soil_ratio >= 1.0 - 1e-9
        water = shares[WATER]

        # classes that share their rules in this draw are one group: per group, the ages at
        # which mined (m) and infrastructure (i) land meets its criterion, [lo, hi], and
        # effective years needed (NEVER: not reachable)
        n_grp = 0
        for c in range(n_cls):
            sh = cls_sh[c]
            r = cls_src[c]
            meets = farm_soil_ok or not cls_farm[c]
            lm, hm, nm = age_interval(cls_kind_m[r], cls_bound_m[r], cls_need_m[r], meets)
            li, hi, ni = age_interval(cls_kind_i[r], cls_bound_i[r], cls_need_i[r], meets)
            found = False
            for gg in range(n_grp):
                if (
                    grp_lm[gg] == lm
                    and grp_hm[gg] == hm
                    and grp_li[gg] == li
                    and grp_hi[gg] == hi
                    and grp_nm[gg] == nm
                    and grp_ni[gg] == ni
                ):
                    grp_sh[gg] += sh
                    found = True
                    break
            if not found:
                grp_sh[n_grp] = sh
                grp_lm[n_grp] = lm
                grp_hm[n_grp] = hm
                grp_li[n_grp] = li
                grp_hi[n_grp] = hi
                grp_nm[n_grp] = nm
                grp_ni[n_grp] = ni
                n_grp += 1
        lw, hw, nw = age_interval(kind_w, bound_w, need_w, True)

        # ---- cohorts: success at the deadline, rework, years to criterion
        success, success_share, rework_share, recovery_years = cohort_outcomes(
            n_h,
            pat,
            rinf,
            s_land,
            s_wall,
            g,
            first,
            T,
            deadline,
            g_dead,
            (grp_sh, grp_lm, grp_hm, grp_li, grp_hi, grp_nm, grp_ni),
            n_grp,
            water,
            yd,
            (lw, hw, nw),
            (floor, dump, wall_plan),
            P.required_success_area_share,
        )

        # ---- the operator's default year (SPEC §7), known before the yearly pass
        y_def = default_year(u_default, P.operator_default_hazard_per_year, ln_survival, NEVER)
        defaulted = y_def <= life + closure
        at = y_def - 1 if defaulted else -1

        # ---- one pass over the years: spend with rework and aftercare (SPEC §5-6), the fund,
        # the unrestored area and, where needed, the walk-away liability (SPEC §7)
        cost, pv_cost, pv_rev, peak, walk_at, need_close = yearly_pass(
            n_h,
            pat,
            rinf,
            q,
            x,
            ok_land,
            ok_wall,
            (floor, dump, wall_plan, wall_face, infra),
            (u_m, u_i, u_plant, u_rework, u_wall, u_wall_plant, after_rate),
            (m_w, m_a),
            monitoring,
            P.ore_price_cny_per_t,
            P.fund_basis_revenue != 0.0,
            P.fund_rate_of_revenue,
            P.plan_restoration_cost_cny,
            P.fund_initial_deposit_cny,
            1.0 + P.fund_interest_rate,
            g_inf[p],
            g_disc[p],
            life,
            g_int[p],
            at,
            want_yearly,
            yearly,
            row,
            a_yr,
            spend_nom,
            fund,
        )
        bond = P.bond_cny
        unfunded = max(0.0, walk_at - fund[at] - bond) if defaulted else 0.0

        oc = OUT_COLS[0]
        out[oc.life_years, row] = life
        out[oc.pit_footprint_ha, row] = pit
        out[oc.pit_enlarged, row] = 1.0 if enlarged else 0.0
        out[oc.total_disturbed_ha, row] = total_dist
        out[oc.peak_unrestored_ha, row] = peak
        out[oc.cost_cny, row] = cost
        out[oc.cost_per_ha_cny, row] = cost / total_dist
        out[oc.pv_cost_cny, row] = pv_cost
        out[oc.pv_revenue_cny, row] = pv_rev
        out[oc.success, row] = 1.0 if success else 0.0
        out[oc.success_area_share, row] = success_share
        out[oc.rework_area_share, row] = rework_share
        out[oc.recovery_years, row] = recovery_years
        out[oc.fund_at_closure_cny, row] = fund[life]
        out[oc.liability_at_closure_cny, row] = need_close
        out[oc.assured, row] = 1.0 if fund[life] + bond >= need_close else 0.0
        out[oc.defaulted, row] = 1.0 if defaulted else 0.0
        out[oc.unfunded_liability_cny, row] = unfunded
        out[oc.default_year, row] = y_def if defaulted else -1

        if want_yearly:
            for j in range(N_LU):
                fmax_m[j], fmax_i[j] = cover_ceilings(
                    cover_max, precip, tox, soil_ratio, depth[j] > 0
                )
            for t in range(n_h):
                r_floor[t] = floor * pat[t]
                r_dump[t] = dump * pat[t]
                r_wallp[t] = wall_plan * pat[t]
            _cover_yearly(
                yearly,
                row,
                n_h,
                r_floor,
                r_dump,
                rinf,
                r_wallp,
                shares,
                fmax_m,
                fmax_i,
                fmax_w,
                f0,
                k,
                g,
                s_land,
                s_wall,
            )


@njit(cache=True, fastmath=FASTMATH)
def _cover_yearly(
    yearly,
    row,
    n_h,
    r_floor,
    r_dump,
    r_infra,
    r_wallp,
    shares,
    fmax_m,
    fmax_i,
    fmax_w,
    f0,
    k,
    g,
    s_land,
    s_wall,
):
    """Area-weighted mean cover by land use and of walls, by year (NaN before any); O(T²)."""
    for j in range(N_LU + 1):
        col = j if j < WATER else WATER  # walls after the four planted land uses
        if j == WATER:
            continue
        for t in range(n_h):
            num = 0.0
            den = 0.0
            for tau in range(t + 1):
                if j < WATER:
                    parts = (
                        ((r_floor[tau] + r_dump[tau]) * shares[j], fmax_m[j]),
                        (
                            r_infra[tau] * shares[j],
                            fmax_i[j],
                        ),
                    )
                    s = s_land[tau]
                else:
                    parts = (r_wallp[tau], fmax_w), (0.0, fmax_w)
                    s = s_wall[tau]
                for a, fmax in parts:
                    if abs(a) < TINY_AREA_HA:  # nothing but underflow (SPEC §8)
                        continue
                    c = 0.0
                    if t >= s:
                        c = _cover(fmax, f0, k, float(g[t] - g[min(s, n_h - 1)]))
                    num += a * c
                    den += a
            cover = yearly[row, t].cover
            cover[col] = num / den if den > 0.0 else np.nan
