"""Counter-based random numbers keyed by (run seed, proposal id).

Every random input of a proposal's draw is a pure function of the proposal's 128-bit key and a
counter, ``u = mix(mix(k1 + counter · γ) ^ k2)`` (SplitMix64's mixer on a Weyl sequence, applied
twice, γ the golden-ratio increment), so any draw of any proposal can be produced on its own, in
any order, on any thread, by numpy here or by the compiled kernel in ``sim.kernel``, with
identical results. The run seed enters through :class:`numpy.random.SeedSequence`; the proposal
id through SHA-256 (stable across processes, unlike Python's ``hash``), so a proposal's draws do
not depend on which other proposals share the run, the chunk size or the number of threads, and
creating a generator per proposal (≈ 11 µs each) is avoided.

Counter layout per draw ``d`` (``STRIDE`` numbers each): slots 0-9 hold five Box-Muller pairs,
each giving two normals ``r cos θ`` and ``r sin θ`` (in order: the thickness factor, the shared
cost factor, eight per-measure cost factors), slot 20 the
output factor, 21-23 the triangular draws (cover ceiling, growth rate, failure probability), 24
the default uniform. Yearly numbers come two per 64-bit word, each with 32-bit resolution
(plenty for the yearly Bernoulli events they decide): slot ``1024 + t`` gives the drought (high
half) and land-establishment (low half) uniforms of year t, slot ``2048 + t`` the
wall-establishment uniform (high half); horizons up to 1024 years.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
STRIDE = 4096
SLOT_NORMALS = 0
SLOT_OUTPUT = 20
SLOT_COVER_MAX = 21
SLOT_GROWTH = 22
SLOT_FAILURE = 23
SLOT_DEFAULT = 24
SLOT_YEAR_A = 1024
SLOT_YEAR_B = 2048
MAX_YEARS = 1024
N_MEASURES = 8
TWO_PI = 2.0 * np.pi
INV_2_53 = 1.0 / 9007199254740992.0
INV_2_32 = 1.0 / 4294967296.0
LOW32 = np.uint64(0xFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on uint64 arrays (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * M1
    x = (x ^ (x >> np.uint64(27))) * M2
    return x ^ (x >> np.uint64(31))


def run_key(seed: int) -> np.ndarray:
    """Two uint64 words of the run's :class:`~numpy.random.SeedSequence` state."""
    return np.random.SeedSequence(int(seed)).generate_state(2, np.uint64)


def proposal_keys(seed: int, proposal_ids: Iterable[str]) -> np.ndarray:
    """Keys ``(n, 2)`` uint64 of proposals in a run with ``seed`` (stable SHA-256 of the id)."""
    ids = list(proposal_ids)
    raw = np.frombuffer(
        b"".join(hashlib.sha256(i.encode("utf-8")).digest()[:16] for i in ids), dtype="<u8"
    ).reshape(len(ids), 2)
    rk = run_key(seed)
    return np.stack([_mix(raw[:, 0] ^ rk[0]), _mix(raw[:, 1] ^ rk[1])], axis=1)


def uniforms(k1: np.ndarray, k2: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1) for keys and counters (broadcasting uint64 arrays)."""
    counter = np.asarray(counter, dtype=np.uint64)
    x = _mix(_mix(k1 + counter * GAMMA) ^ k2)
    return (x >> np.uint64(11)).astype(np.float64) * INV_2_53


def halves(k1: np.ndarray, k2: np.ndarray, counter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two uniforms in [0, 1) with 32-bit resolution from each 64-bit word."""
    counter = np.asarray(counter, dtype=np.uint64)
    x = _mix(_mix(k1 + counter * GAMMA) ^ k2)
    hi = (x >> np.uint64(32)).astype(np.float64) * INV_2_32
    lo = (x & LOW32).astype(np.float64) * INV_2_32
    return hi, lo


def _triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution; the mode itself when ``high <= low``."""
    if high <= low:
        return np.full_like(u, float(mode))
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


def sample_draws(
    key: np.ndarray,
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
    first_draw: int = 0,
) -> dict[str, np.ndarray]:
    """Random inputs of draws ``first_draw … first_draw + n_draws - 1`` (SPEC.md §0).

    ``key`` is the proposal's ``(2,)`` uint64 key. Returns per-draw scalars ``(n_draws,)``,
    ``cost_factor`` ``(n_draws, 8)`` and yearly uniforms ``(n_draws, n_years)``.
    """
    if n_years > MAX_YEARS:
        raise ValueError(f"horizon of {n_years} years exceeds {MAX_YEARS}")
    k1, k2 = np.uint64(key[0]), np.uint64(key[1])
    base = (np.arange(first_draw, first_draw + n_draws, dtype=np.uint64) * np.uint64(STRIDE))[
        :, None
    ]

    def u(slots) -> np.ndarray:
        return uniforms(k1, k2, base + np.asarray(slots, dtype=np.uint64)[None, :])

    pairs = u(np.arange(N_MEASURES + 2))
    radius = np.sqrt(-2.0 * np.log(1.0 - pairs[:, 0::2]))
    angle = TWO_PI * pairs[:, 1::2]
    z = np.empty((pairs.shape[0], N_MEASURES + 2))
    z[:, 0::2] = radius * np.cos(angle)
    z[:, 1::2] = radius * np.sin(angle)
    scalars = u([SLOT_OUTPUT, SLOT_COVER_MAX, SLOT_GROWTH, SLOT_FAILURE, SLOT_DEFAULT])
    years = np.arange(n_years, dtype=np.uint64)
    drought, land = halves(k1, k2, base + np.uint64(SLOT_YEAR_A) + years[None, :])
    wall, _ = halves(k1, k2, base + np.uint64(SLOT_YEAR_B) + years[None, :])
    return {
        "thickness_factor": np.exp(thickness_sigma * z[:, 0]),
        "output_factor": 1.0 + output_spread * (2.0 * scalars[:, 0] - 1.0),
        "cost_factor": np.exp(common_cost_sigma * z[:, 1:2] + measure_cost_sigma * z[:, 2:]),
        "cover_max": _triangular(scalars[:, 1], *cover_max),
        "growth_rate_per_year": _triangular(scalars[:, 2], *growth_rate_per_year),
        "failure_probability": _triangular(scalars[:, 3], *failure_probability),
        "default_uniform": scalars[:, 4],
        "drought_uniform": drought,
        "establish_land_uniform": land,
        "establish_wall_uniform": wall,
    }
