"""Random inputs of one proposal's Monte-Carlo draws (SPEC.md §0).

All randomness of the model is drawn here, in one fixed order, from a generator the caller
passes in, so the engine and the scalar reference can be fed identical draws.
"""

from __future__ import annotations

import numpy as np

N_MEASURES = 8


def _triangular(rng: np.random.Generator, low: float, mode: float, high: float, n: int):
    if high <= low:
        return np.full(n, float(mode))
    return rng.triangular(low, mode, high, size=n)


def sample_draws(
    rng: np.random.Generator,
    n_draws: int,
    n_years: int,
    *,
    thickness_sigma: float,
    output_spread: float,
    common_cost_sigma: float,
    measure_cost_sigma: float,
    cover_max: tuple[float, float, float],
    growth_rate_per_year: tuple[float, float, float],
    failure_probability: tuple[float, float, float],
) -> dict[str, np.ndarray]:
    """Draw the random inputs of ``n_draws`` draws over ``n_years`` years.

    Parameters
    ----------
    rng : the proposal's own generator (derived from the run seed and the proposal id).
    thickness_sigma : log-sd of the mined-thickness factor (lognormal, median 1) [-].
    output_spread : output factor is uniform in ``1 ± output_spread`` [-].
    common_cost_sigma, measure_cost_sigma : log-sd of the shared and per-measure cost factors [-].
    cover_max, growth_rate_per_year, failure_probability : ``(low, mode, high)`` of triangular
        distributions of the cover ceiling [-], growth rate [1/yr] and establishment failure [-].

    Returns
    -------
    dict with per-draw scalars ``(n_draws,)``, ``cost_factor`` ``(n_draws, 8)`` and yearly
    uniforms ``(n_draws, n_years)``; see SPEC.md §0.
    """
    d = int(n_draws)
    out: dict[str, np.ndarray] = {}
    out["thickness_factor"] = np.exp(thickness_sigma * rng.standard_normal(d))
    out["output_factor"] = 1.0 + output_spread * (2.0 * rng.random(d) - 1.0)
    common = rng.standard_normal(d)
    own = rng.standard_normal((d, N_MEASURES))
    out["cost_factor"] = np.exp(common_cost_sigma * common[:, None] + measure_cost_sigma * own)
    out["cover_max"] = _triangular(rng, *cover_max, d)
    out["growth_rate_per_year"] = _triangular(rng, *growth_rate_per_year, d)
    out["failure_probability"] = _triangular(rng, *failure_probability, d)
    out["default_uniform"] = rng.random(d)
    out["drought_uniform"] = rng.random((d, n_years))
    out["establish_land_uniform"] = rng.random((d, n_years))
    out["establish_wall_uniform"] = rng.random((d, n_years))
    return out
