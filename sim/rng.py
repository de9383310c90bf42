"""Counter-based random numbers keyed by (run seed, proposal id, input name).

Every random input of a proposal's draw is a pure function of the proposal's 128-bit key, the
input's name and a counter: ``u = mix(mix(k_name + counter · γ) ^ k2)`` (SplitMix64's mixer on a
Weyl sequence, applied twice, γ the golden-ratio increment), where ``k_name = mix(k1 ^ tag)``
and ``tag`` is the first 64 bits of SHA-256 of the input's name. Each named input is thus a
stream of its own: adding an uncertain input (a new name) shifts no other input's numbers, and
any draw of any proposal can be produced on its own, in any order, on any thread, with
identical results. The run seed enters through :class:`numpy.random.SeedSequence`; the proposal
id through SHA-256 (stable across processes, unlike Python's ``hash``), so a proposal's draws do
not depend on which other proposals share the run, the chunk size or the number of threads.

Counter of element ``i`` of draw ``d``: ``d · STRIDE + i``. Per input (names of
``sim.keys.DRAW_SCALAR_KEYS``, ``DRAW_VECTOR_KEYS``, ``DRAW_YEAR_KEYS``):

- ``thickness_factor``: a normal from the Box-Muller pair of elements 0 (radius) and 1 (angle),
  ``r cos θ``;
- ``cost_factor``: normals ``z_j``, ``z_{2i} = r_i cos θ_i`` and ``z_{2i+1} = r_i sin θ_i`` from
  the pair of elements ``2i``, ``2i + 1``; ``z_0`` is the factor common to all measures, ``z_{1+m}``
  measure m's own (a measure added at the end of ``MEASURES`` takes the next normal);
- ``output_factor``, ``cover_max``, ``growth_rate_per_year``, ``failure_probability``,
  ``default_uniform``: the uniform of element 0 (53-bit resolution);
- ``drought_uniform``, ``establish_land_uniform``, ``establish_wall_uniform``: 32-bit
  resolution (plenty for the yearly Bernoulli events they decide), two years per word: year t
  is the high half of element ``t // 2`` for even t, its low half for odd t; horizons up to
  ``MAX_YEARS`` years.

The compiled generator in :mod:`sim.kernel` (``draw_inputs`` and the yearly uniforms) is the one
implementation; :func:`sample_draws` is a thin wrapper over it for the reference and the
tests. :func:`uniforms` spells the word formula in numpy for tests of the
keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from sim.model._compile import records

GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
MAX_YEARS = 1024
STRIDE = MAX_YEARS  # counters per draw in each input's stream
INV_2_53 = 1.0 / 9007199254740992.0
INV_2_32 = 1.0 / 4294967296.0


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


def stream_tag(name: str) -> np.uint64:
    """The 64-bit tag of an input's stream: the first 8 bytes of SHA-256 of its name."""
    return np.frombuffer(hashlib.sha256(name.encode("utf-8")).digest()[:8], dtype="<u8")[0]


def draw_names() -> tuple[str, ...]:
    """Names of the random inputs of a draw (``sim/keys.py``), each a stream of its own."""
    from sim.keys import DRAW_SCALAR_KEYS, DRAW_VECTOR_KEYS, DRAW_YEAR_KEYS

    return DRAW_SCALAR_KEYS + DRAW_VECTOR_KEYS + DRAW_YEAR_KEYS


def stream_dtype(names: Iterable[str]) -> np.dtype:
    """One uint64 field per input name: the first key word of that input's stream."""
    return np.dtype([(n, np.uint64) for n in names], align=True)


def stream_keys(keys: np.ndarray, names: Iterable[str] | None = None) -> np.ndarray:
    """Records ``(n,)`` of the streams' first key words ``mix(k1 ^ tag(name))`` for proposal
    keys ``(n, 2)``; ``names`` defaults to :func:`draw_names`. The compiled generator reads
    them by name (``S.drought_uniform``), so a record with more names leaves the others as
    they are."""
    names = tuple(draw_names() if names is None else names)
    keys = np.asarray(keys, dtype=np.uint64).reshape(-1, 2)
    out = np.empty(keys.shape[0], dtype=stream_dtype(names))
    for n in names:
        out[n] = _mix(keys[:, 0] ^ stream_tag(n))
    return records(out)


def uniforms(k1: np.ndarray, k2: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1) for stream keys and counters (broadcasting uint64 arrays)."""
    counter = np.asarray(counter, dtype=np.uint64)
    x = _mix(_mix(k1 + counter * GAMMA) ^ k2)
    return (x >> np.uint64(11)).astype(np.float64) * INV_2_53


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
    ``cost_factor`` ``(n_draws, len(MEASURES))`` and yearly uniforms ``(n_draws, n_years)``,
    made by the
    compiled generator the engine uses (:func:`sim.kernel.draw_inputs`).
    """
    from sim import kernel
    from sim.keys import PARAM_DTYPE

    if n_years > MAX_YEARS:
        raise ValueError(f"horizon of {n_years} years exceeds {MAX_YEARS}")
    settings = records(np.zeros(1, dtype=PARAM_DTYPE))
    settings["thickness_sigma"] = thickness_sigma
    settings["output_spread"] = output_spread
    settings["common_cost_sigma"] = common_cost_sigma
    settings["measure_cost_sigma"] = measure_cost_sigma
    for prefix, tri in (
        ("cover_max", cover_max),
        ("growth", growth_rate_per_year),
        ("failure", failure_probability),
    ):
        for part, v in zip(("low", "mode", "high"), tri, strict=True):
            settings[f"{prefix}_{part}"] = v
    keys = np.asarray(key, dtype=np.uint64).reshape(1, 2)
    streams = stream_keys(keys)
    rin = np.empty((kernel.N_RIN, n_draws))
    kernel.draw_inputs(settings, keys, streams, first_draw, rin)
    yearly = np.empty((3, n_draws, n_years))
    kernel.yearly_uniforms(keys, streams, first_draw, yearly)
    return {
        "thickness_factor": rin[kernel.RIN_THICKNESS].copy(),
        "output_factor": rin[kernel.RIN_OUTPUT].copy(),
        "cost_factor": rin[kernel.RIN_COST : kernel.RIN_COST + kernel.N_MEASURES].T.copy(),
        "cover_max": rin[kernel.RIN_COVER_MAX].copy(),
        "growth_rate_per_year": rin[kernel.RIN_GROWTH].copy(),
        "failure_probability": rin[kernel.RIN_FAILURE].copy(),
        "default_uniform": rin[kernel.RIN_DEFAULT].copy(),
        "drought_uniform": yearly[0],
        "establish_land_uniform": yearly[1],
        "establish_wall_uniform": yearly[2],
    }
