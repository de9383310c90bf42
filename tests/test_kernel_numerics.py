"""The compiled kernel's hand-made numerics against plain evaluation.

The kernel replaces libm's cos and sin of the Box-Muller angle by polynomials after an exact
quarter-turn reduction, and finds cover-age thresholds from the closed form (confirmed with the
cover formula only near whole years). Both are held here to what they replace.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.kernel import NEVER, _age_rule, _cos_sin_turn, _cover


@njit(cache=False)
def _turns(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.empty_like(u)
    s = np.empty_like(u)
    for i in range(u.size):
        c[i], s[i] = _cos_sin_turn(u[i])
    return c, s


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
