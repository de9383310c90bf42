"""The compiled kernel's hand-made numerics against plain evaluation.

The draws' random inputs are made with branch-free cos, sin, exp and ln(1 - u) (so the loop over
draws is vectorised), and cover-age thresholds come from the closed form (confirmed with the
cover formula only near whole years). Each is held here to what it replaces.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_proposal
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim import rng
from sim.kernel import (
    N_MEASURES,
    N_RIN,
    NEVER,
    RIN_COST,
    RIN_THICKNESS,
    _cos_sin_turn,
    _exp,
    _log_one_minus,
    _pow2,
    draw_inputs,
    param_records,
)
from sim.model.recovery import age_rule as _age_rule
from sim.model.recovery import age_rule_by_powers as _age_rule_by_powers
from sim.model.recovery import cover_at_age as _cover


@njit(cache=False)
def _turns(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.empty_like(u)
    s = np.empty_like(u)
    for i in range(u.size):
        c[i], s[i] = _cos_sin_turn(u[i])
    return c, s


@pytest.mark.slow
def test_cos_sin_of_a_turn_match_libm() -> None:
    rng = np.random.default_rng(3)
    # uniforms as the generator makes them (multiples of 2^-53), plus the octant edges
    u = np.concatenate(
        [
            np.floor(rng.random(200_000) * 2.0**53) / 2.0**53,
            np.arange(16) / 16.0,
            np.array([2.0**-53, 0.125 - 2.0**-53, 0.25 + 2.0**-53, 1.0 - 2.0**-53]),
        ]
    )
    c, s = _turns(u)
    exact_c = np.array([math.cos(2.0 * math.pi * x) for x in u])
    exact_s = np.array([math.sin(2.0 * math.pi * x) for x in u])
    # within a few units of 1e-16 of libm (whose own argument 2πu is rounded)
    assert np.max(np.abs(c - exact_c)) < 1e-15
    assert np.max(np.abs(s - exact_s)) < 1e-15
    np.testing.assert_allclose(c * c + s * s, 1.0, rtol=0, atol=1e-15)
    assert (c[u == 0.0] == 1.0).all() and (s[u == 0.0] == 0.0).all()


@njit(cache=False)
def _exps(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _exp(x[i])
    return out


@njit(cache=False)
def _logs(bits: np.ndarray) -> np.ndarray:
    out = np.empty(bits.size)
    for i in range(bits.size):
        out[i] = _log_one_minus(bits[i])
    return out


def _ulps(got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    return np.abs(got - exact) / np.spacing(np.maximum(np.abs(exact), 1e-300))


@pytest.mark.slow
def test_exp_matches_libm() -> None:
    rng_ = np.random.default_rng(5)
    x = np.concatenate(
        [rng_.uniform(-10, 10, 300_000), rng_.uniform(-700, 700, 20_000), [0.0, -0.0, 1.0, 700.0]]
    )
    exact = np.array([math.exp(v) for v in x])
    assert _ulps(_exps(x), exact).max() <= 2.0
    assert _exps(np.array([0.0]))[0] == 1.0


@pytest.mark.slow
def test_log_one_minus_matches_libm() -> None:
    rng_ = np.random.default_rng(6)
    top = 2**53
    bits = np.concatenate(
        [
            rng_.integers(0, top, 300_000),
            np.arange(0, 1000),  # u near 0: ln(1 - u) near -u, no cancellation allowed
            top - np.arange(1, 1000),  # u near 1
            [2**52, 2**52 - 1, 2**52 + 1],
        ]
    ).astype(np.int64)
    exact = np.array([math.log(1.0 - b / 2.0**53) for b in bits])
    got = _logs(bits)
    assert got[bits == 0][0] == 0.0
    nonzero = exact != 0.0
    assert _ulps(got[nonzero], exact[nonzero]).max() <= 4.0  # libm itself is within 1


@njit(cache=False)
def _pow2s(k: np.ndarray) -> np.ndarray:
    out = np.empty(k.size)
    for i in range(k.size):
        out[i] = _pow2(k[i])
    return out


def test_powers_of_two_by_their_bits_are_exact() -> None:
    k = np.arange(-1022, 1024)
    np.testing.assert_array_equal(_pow2s(k), [2.0 ** int(e) for e in k])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**53 - 1))
def test_log_one_minus_takes_the_exponent_exactly(bits: int) -> None:
    """ln(1 - u) with m = 2^53 - bits = 2^e f split exactly (the float64 m's exponent and
    mantissa), as math.frexp splits it: the same series on the same (e, f)."""
    mant, exp2 = math.frexp(float(2**53 - bits))  # m = mant 2^exp2, mant in [1/2, 1)
    f, e = 2.0 * mant, exp2 - 1
    big = f > math.sqrt(2.0)
    f = f * 0.5 if big else f
    n = float(e - 53 + (1 if big else 0))
    sv = (f - 1.0) / (f + 1.0)
    s2 = sv * sv
    p = 2.0 / 21.0
    for i in range(9, -1, -1):
        p = p * s2 + 2.0 / (2 * i + 1)
    expected = n * 0.6931471803691238 + (n * 1.9082149292705877e-10 + sv * p)
    assert _logs(np.array([bits], dtype=np.int64))[0] == expected


def _numpy_draws(key, stream, settings, first_draw: int, n_draws: int, n_years: int) -> dict:
    """The documented layout of sim.rng in numpy and libm, as an independent check."""
    k2 = key[1]
    base = (np.arange(first_draw, first_draw + n_draws, dtype=np.uint64) * rng.STRIDE)[:, None]

    def u(name: str, elements) -> np.ndarray:
        return rng.uniforms(stream[name], k2, base + np.asarray(elements, dtype=np.uint64))

    def normals(name: str, n: int) -> np.ndarray:
        pairs = u(name, np.arange(2 * ((n + 1) // 2)))
        r = np.sqrt(-2.0 * np.log(1.0 - pairs[:, 0::2]))
        z = np.empty((n_draws, pairs.shape[1]))
        z[:, 0::2] = r * np.cos(2.0 * np.pi * pairs[:, 1::2])
        z[:, 1::2] = r * np.sin(2.0 * np.pi * pairs[:, 1::2])
        return z[:, :n]

    def tri(name: str, low: float, mode: float, high: float) -> np.ndarray:
        x = u(name, [0])[:, 0]
        left = low + np.sqrt(x * (high - low) * (mode - low))
        right = high - np.sqrt((1.0 - x) * (high - low) * (high - mode))
        return np.where(x < (mode - low) / (high - low), left, right)

    def yearly(name: str) -> np.ndarray:
        """Year t: element t // 2, the word's high half for even t, its low half for odd."""
        years = np.arange(n_years, dtype=np.uint64)
        c = base + years // np.uint64(2)
        x = rng._mix(rng._mix(stream[name] + c * rng.GAMMA) ^ k2)
        half = np.where(years % 2 == 0, x >> np.uint64(32), x & np.uint64(0xFFFFFFFF))
        return half.astype(np.float64) / 2.0**32

    z = normals("cost_factor", 1 + N_MEASURES)
    return {
        "thickness_factor": np.exp(settings["thickness_sigma"] * normals("thickness_factor", 1))[
            :, 0
        ],
        "cost_factor": np.exp(
            settings["common_cost_sigma"] * z[:, :1] + settings["measure_cost_sigma"] * z[:, 1:]
        ),
        "output_factor": 1.0
        + settings["output_spread"] * (2.0 * u("output_factor", [0])[:, 0] - 1),
        "cover_max": tri("cover_max", *settings["cover_max"]),
        "growth_rate_per_year": tri("growth_rate_per_year", *settings["growth_rate_per_year"]),
        "failure_probability": tri("failure_probability", *settings["failure_probability"]),
        "default_uniform": u("default_uniform", [0])[:, 0],
        **{
            name: yearly(name)
            for name in ("drought_uniform", "establish_land_uniform", "establish_wall_uniform")
        },
    }


@pytest.mark.parametrize("first_draw,n_draws", [(0, 100), (37, 13), (1000, 1)])
def test_draws_follow_the_documented_layout(first_draw, n_draws) -> None:
    """The compiled draws (through sim.rng.sample_draws, the engine's own generator) are the
    layout documented in sim.rng, computed here with numpy and libm, to round-off; the yearly
    uniforms exactly. A draw's values do not depend on where it falls in the block."""
    import sim
    from sim.engine import prepare
    from sim.params import load_library
    from sim.resolve import row_to_settings

    props = [make_proposal({"proposal.id": f"P-{i}"}) for i in range(3)]
    par = np.stack([p.row for p in prepare(props, sim.load_policy(), load_library())])
    keys = rng.proposal_keys(11, [p.proposal.id for p in props])
    streams = rng.stream_keys(keys)
    rin = np.empty((N_RIN, 3 * n_draws))
    draw_inputs(param_records(par), keys, streams, first_draw, rin)
    for i in range(3):
        settings = row_to_settings(par[i])
        d = rng.sample_draws(keys[i], n_draws, 5, first_draw=first_draw, **settings)
        want = _numpy_draws(keys[i], streams[i], settings, first_draw, n_draws, 5)
        assert set(d) == set(want)
        for name, v in want.items():
            exact = name.endswith("_uniform")
            np.testing.assert_allclose(d[name], v, rtol=0 if exact else 1e-14, err_msg=name)
        rows = slice(i * n_draws, (i + 1) * n_draws)
        np.testing.assert_array_equal(rin[RIN_THICKNESS, rows], d["thickness_factor"])
        np.testing.assert_array_equal(
            rin[RIN_COST : RIN_COST + N_MEASURES, rows].T, d["cost_factor"]
        )
    # one draw alone equals the same draw inside a block
    alone = np.empty((N_RIN, 3))
    draw_inputs(param_records(par), keys, streams, first_draw + n_draws - 1, alone)
    np.testing.assert_array_equal(alone[:, 0], rin[:, n_draws - 1])


def _brute_force(fmax: float, f0: float, k: float, crit: float, n_years: int) -> list[bool]:
    return [_cover(fmax, f0, k, float(a)) >= crit for a in range(n_years + 1)]


@settings(max_examples=300, deadline=None)
@given(
    fmax=st.floats(0.0, 1.0),
    f0=st.floats(0.0, 0.3),
    k=st.floats(0.01, 2.0),
    crit=st.floats(0.0, 1.0),
    n_years=st.integers(1, 80),
)
def test_age_rule_is_the_cover_test_at_every_whole_age(fmax, f0, k, crit, n_years) -> None:
    kind, bound, needed = _age_rule(fmax, f0, k, crit, n_years)
    meets = _brute_force(fmax, f0, k, crit, n_years)
    rule = [(a >= bound) if kind == 1 else (a <= bound) for a in range(n_years + 1)]
    assert rule == meets
    if kind == 1 and bound != NEVER and math.isfinite(needed):
        assert needed >= 0


@settings(max_examples=200, deadline=None)
@given(
    f0=st.floats(0.0, 0.3),
    k=st.floats(0.01, 2.0),
    crit=st.floats(0.05, 0.9),
    a=st.integers(1, 60),
)
def test_age_rule_on_exact_ties(f0, k, crit, a) -> None:
    """A ceiling chosen so that cover reaches the criterion at whole age ``a`` exactly (up to
    round-off), where the closed form alone could be one year off."""
    # cover(a) = fmax - (fmax - f0) e^{-ka} = crit  =>  fmax = (crit - f0 e^{-ka}) / (1 - e^{-ka})
    e = math.exp(-k * a)
    fmax = (crit - f0 * e) / (1.0 - e)
    if not (f0 <= fmax <= 1.0) or crit <= f0:
        return
    kind, bound, _ = _age_rule(fmax, f0, k, crit, 80)
    meets = _brute_force(fmax, f0, k, crit, 80)
    assert [(x >= bound) if kind == 1 else (x <= bound) for x in range(81)] == meets


@settings(max_examples=300, deadline=None)
@given(
    fmax=st.floats(0.0, 1.0),
    f0=st.floats(0.0, 0.3),
    k=st.floats(0.01, 2.0),
    crit=st.floats(0.0, 1.0),
    n_years=st.integers(1, 80),
)
def test_age_rule_by_powers_is_age_rule(fmax, f0, k, crit, n_years) -> None:
    """The kernel's rule by powers of ``exp(-k)`` gives the same (kind, bound, needed)."""
    got = _age_rule_by_powers(fmax, f0, k, math.exp(-k), crit, n_years)
    assert got == _age_rule(fmax, f0, k, crit, n_years)


@settings(max_examples=300, deadline=None)
@given(
    f0=st.floats(0.0, 0.3),
    k=st.floats(0.01, 2.0),
    crit=st.floats(0.05, 0.9),
    a=st.integers(1, 60),
    nudge=st.sampled_from([0.0, 1e-16, -1e-16, 1e-13, -1e-13, 1e-11, -1e-11]),
)
def test_age_rule_by_powers_on_ties(f0, k, crit, a, nudge) -> None:
    """Ceilings at which cover reaches the criterion at whole age ``a`` exactly or within a few
    units of round-off (the powers' margin), as in :func:`test_age_rule_on_exact_ties`."""
    e = math.exp(-k * a)
    fmax = (crit - f0 * e) / (1.0 - e) + nudge
    if not (f0 <= fmax <= 1.0) or crit <= f0:
        return
    got = _age_rule_by_powers(fmax, f0, k, math.exp(-k), crit, 80)
    assert got == _age_rule(fmax, f0, k, crit, 80)
    kind, bound, _ = got
    meets = _brute_force(fmax, f0, k, crit, 80)
    assert [(x >= bound) if kind == 1 else (x <= bound) for x in range(81)] == meets
