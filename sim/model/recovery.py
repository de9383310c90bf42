"""Vegetation recovery of restored cohorts: establishment, failure and rework, drought, success.

Sources (model.md §4): cover follows ``F(a) = Fmax - (Fmax - F0) exp(-k a)`` with the cover ceiling
of Hunan hills 0.80 (0.74-0.85) [S, Taojiang and Huayuan satellite studies] and an engineered
cohort's rate 0.5/yr (0.3-0.8) [E]; establishment failure 0.15 (0.10-0.25) per planting [E; a US
mine budgets 17.5 % re-seeding, S], more on steep walls, thin soil or a first-year drought [E];
drought years (≈ 0.1/yr [E]) add no effective age; success criteria by land use from southern
forestry acceptance rules and the old reclamation standard [S/E].

A cohort's success needs only its state at its deadline, so nothing here keeps cohort histories:
the establishment year comes from one backward pass over years and the effective age from a
cumulative count of non-drought years.
"""

from __future__ import annotations

import numpy as np


def effective_years(drought: np.ndarray) -> np.ndarray:
    """``G[t]``: number of non-drought years up to and including t, shape ``(n, years)``."""
    return np.cumsum(~drought, axis=-1)


def failure_probability_by_year(
    base_probability: np.ndarray,
    site_multiplier: np.ndarray,
    drought: np.ndarray,
    drought_multiplier: np.ndarray,
    cap: np.ndarray,
) -> np.ndarray:
    """Failure probability of a planting made in each year [-], shape ``(n, years)``."""
    p = (base_probability * site_multiplier)[:, None] * np.where(
        drought, drought_multiplier[:, None], 1.0
    )
    return np.minimum(cap[:, None], p)


def establishment_year(attempt_succeeds: np.ndarray, horizon_years: np.ndarray) -> np.ndarray:
    """Year each cohort first planted in year τ is established, ``s(τ)``, shape ``(n, years)``.

    ``s(τ)`` is the first year ``u >= τ`` (and ``u < horizon_years``) whose planting succeeds,
    or ``horizon_years`` when none does.
    """
    n, n_years = attempt_succeeds.shape
    out = np.empty((n, n_years), dtype=np.int64)
    nxt = np.asarray(horizon_years, dtype=np.int64).copy()
    for u in range(n_years - 1, -1, -1):
        nxt = np.where(attempt_succeeds[:, u] & (u < horizon_years), u, nxt)
        out[:, u] = nxt
    return out


def rework_schedule(
    cost_per_cohort: np.ndarray, attempt_succeeds: np.ndarray, horizon_years: np.ndarray
) -> np.ndarray:
    """Rework spend per year: a cohort first planted in year τ pays ``cost_per_cohort[τ]`` again
    in each year τ+1 … s(τ), i.e. after every failed attempt until one succeeds.

    Since every cohort planted in a year shares that year's establishment outcome, the cohorts
    still pending at year t are exactly those planted since the last successful year, so one
    forward pass suffices: ``carry_t = carry_{t-1} + cost_{t-1}`` if the attempt in year t-1 failed,
    else 0; the rework in year t is ``carry_t`` (zero at and beyond a row's horizon).
    """
    n, n_years = cost_per_cohort.shape
    out = np.zeros((n, n_years))
    carry = np.zeros(n)
    for t in range(1, n_years):
        carry = np.where(attempt_succeeds[:, t - 1], 0.0, carry + cost_per_cohort[:, t - 1])
        out[:, t] = np.where(t < horizon_years, carry, 0.0)
    return out


def cover(
    cover_max: np.ndarray, cover_initial: np.ndarray, rate_per_year: np.ndarray, age_years
) -> np.ndarray:
    """Fractional vegetation cover after ``age_years`` effective years of growth [-]."""
    return cover_max - (cover_max - cover_initial) * np.exp(-rate_per_year * age_years)


def effective_years_needed(
    cover_max: np.ndarray, cover_initial: np.ndarray, rate_per_year: np.ndarray, criterion
) -> np.ndarray:
    """Whole effective years of growth until cover reaches ``criterion`` [yr]; inf if never.

    ``ceil(ln((Fmax - F0) / (Fmax - criterion)) / k)``; 0 when ``F0 >= criterion``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.ceil(np.log((cover_max - cover_initial) / (cover_max - criterion)) / rate_per_year)
    a = np.where(cover_max <= criterion, np.inf, a)
    return np.where(cover_initial >= criterion, 0.0, a)


def first_year_reaching(effective: np.ndarray) -> np.ndarray:
    """Table ``first[r, v]``: first year t with ``G[r, t] >= v`` (``n_years`` if none).

    ``effective`` is the cumulative count of growth years ``G`` (non-decreasing, steps of 0 or 1),
    shape ``(n, n_years)``; the table has ``n_years + 2`` columns (v = 0 … n_years + 1).
    """
    n, n_years = effective.shape
    first = np.full((n, n_years + 2), n_years, dtype=np.int64)
    first[:, 0] = 0
    steps = np.diff(effective, axis=1, prepend=0) > 0
    rows, cols = np.nonzero(steps)
    first[rows, effective[rows, cols]] = cols
    return first


def years_to_criterion(
    established: np.ndarray,
    needed: np.ndarray,
    effective: np.ndarray,
    first: np.ndarray,
    horizon_years: np.ndarray,
) -> np.ndarray:
    """Years from first planting (τ) until a cohort meets its criterion, censored at the horizon.

    ``established`` is ``s(τ)`` ``(n, years)``; ``needed`` the effective years ``(n,)``
    (may be inf).
    A cohort that is never established, or never reaches the criterion within the horizon,
    counts ``horizon_years - τ``.
    """
    n_years = established.shape[1]
    tau = np.arange(n_years)[None, :]
    s = np.minimum(established, n_years - 1)
    g_s = np.take_along_axis(effective, s, axis=1)
    finite = np.isfinite(needed)
    target = g_s + np.where(finite, needed, 0).astype(np.int64)[:, None]
    reach = np.take_along_axis(first, np.minimum(target, n_years + 1), axis=1)
    reach = np.maximum(reach, established)
    h = horizon_years[:, None]
    ok = finite[:, None] & (established < h) & (reach < h)
    return np.where(ok, reach, h) - tau
