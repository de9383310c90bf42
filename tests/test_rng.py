"""The counter-based generator: distributions, independence, and order independence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import rng
from sim.keys import MEASURES

SETTINGS = dict(
    thickness_sigma=0.15,
    output_spread=0.1,
    common_cost_sigma=0.25,
    measure_cost_sigma=0.15,
    cover_max=(0.74, 0.80, 0.85),
    growth_rate_per_year=(0.3, 0.5, 0.8),
    failure_probability=(0.10, 0.15, 0.25),
)


@pytest.fixture(scope="module")
def draws():
    key = rng.proposal_keys(42, ["HN-TEST"])[0]
    return rng.sample_draws(key, 20_000, 40, **SETTINGS)


@pytest.mark.parametrize(
    "name",
    ["drought_uniform", "establish_land_uniform", "establish_wall_uniform", "default_uniform"],
)
def test_uniform_streams(draws, name) -> None:
    x = draws[name].ravel()
    assert stats.kstest(x, "uniform").pvalue > 1e-3
    assert x.min() >= 0.0 and x.max() < 1.0


def test_streams_are_uncorrelated(draws) -> None:
    a, b = draws["drought_uniform"], draws["establish_land_uniform"]
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(a[:, :-1].ravel(), a[:, 1:].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(a[:-1].ravel(), a[1:].ravel())[0, 1]) < 0.01
    keys = rng.proposal_keys(42, ["HN-TEST", "HN-TESU"])
    u = rng.uniforms(keys[:, :1], keys[:, 1:], np.arange(50_000, dtype=np.uint64)[None, :])
    assert abs(np.corrcoef(u[0], u[1])[0, 1]) < 0.02


def test_normals_and_lognormal_factors(draws) -> None:
    z = np.log(draws["thickness_factor"]) / SETTINGS["thickness_sigma"]
    assert stats.kstest(z, "norm").pvalue > 1e-3
    lf = np.log(draws["cost_factor"])
    total_sd = np.hypot(SETTINGS["common_cost_sigma"], SETTINGS["measure_cost_sigma"])
    n = lf.shape[1]
    assert n == len(MEASURES)
    assert lf.std(axis=0) == pytest.approx(np.full(n, total_sd), rel=0.05)
    c = np.corrcoef(lf.T)[np.triu_indices(n, 1)]
    expected = 0.25**2 / total_sd**2
    assert np.allclose(c, expected, atol=0.05)


def test_triangular_and_output(draws) -> None:
    for name, (lo, mode, hi) in [
        ("cover_max", SETTINGS["cover_max"]),
        ("growth_rate_per_year", SETTINGS["growth_rate_per_year"]),
        ("failure_probability", SETTINGS["failure_probability"]),
    ]:
        x = draws[name]
        assert lo <= x.min() and x.max() <= hi
        assert stats.kstest(x, stats.triang((mode - lo) / (hi - lo), lo, hi - lo).cdf).pvalue > 1e-3
    out = draws["output_factor"]
    assert 0.9 <= out.min() and out.max() <= 1.1


def test_any_slice_of_draws_is_the_same() -> None:
    key = rng.proposal_keys(0, ["A"])[0]
    full = rng.sample_draws(key, 50, 12, **SETTINGS)
    part = rng.sample_draws(key, 7, 12, first_draw=20, **SETTINGS)
    for k in full:
        np.testing.assert_array_equal(full[k][20:27], part[k])
    shorter = rng.sample_draws(key, 50, 8, **SETTINGS)
    np.testing.assert_array_equal(full["drought_uniform"][:, :8], shorter["drought_uniform"])


def test_horizon_limit() -> None:
    with pytest.raises(ValueError, match="1024"):
        rng.sample_draws(rng.proposal_keys(0, ["A"])[0], 1, 2000, **SETTINGS)


@pytest.mark.slow
def test_a_new_named_input_shifts_no_other_stream() -> None:
    """Each input draws from a stream keyed by its name: with one more named input in the
    record of streams (placed first), every other input's draws are bit-identical."""
    from sim import kernel
    from sim.keys import PARAM_DTYPE

    keys = rng.proposal_keys(5, ["A", "B"])
    settings = np.zeros(2, dtype=PARAM_DTYPE)
    for name, value in SETTINGS.items():
        if isinstance(value, tuple):
            prefix = {"growth_rate_per_year": "growth", "failure_probability": "failure"}
            for part, v in zip(("low", "mode", "high"), value, strict=True):
                settings[f"{prefix.get(name, name)}_{part}"] = v
        else:
            settings[name] = value
    results = []
    for names in (rng.draw_names(), ("dummy_uncertain_input", *rng.draw_names())):
        streams = rng.stream_keys(keys, names)
        rin = np.empty((kernel.N_RIN, 2 * 30))
        kernel.draw_inputs(settings, keys, streams, 4, rin)
        yearly = np.empty((3, 30, 25))
        kernel.yearly_uniforms(keys[:1], streams[:1], 4, yearly)
        results.append((rin, yearly, streams))
    (rin_a, year_a, s_a), (rin_b, year_b, s_b) = results
    np.testing.assert_array_equal(rin_a, rin_b)
    np.testing.assert_array_equal(year_a, year_b)
    for name in rng.draw_names():
        assert s_a[name].tobytes() == s_b[name].tobytes()
    # and the dummy's own stream is a different one
    assert not np.isin(s_b["dummy_uncertain_input"], [s_a[n] for n in rng.draw_names()]).any()


def test_streams_of_different_names_differ() -> None:
    key = rng.proposal_keys(0, ["A"])
    s = rng.stream_keys(key)
    words = [int(s[n][0]) for n in rng.draw_names()]
    assert len(set(words)) == len(words)
    u = [
        rng.uniforms(s[n][0], key[0, 1], np.arange(20_000, dtype=np.uint64))
        for n in ("drought_uniform", "establish_land_uniform")
    ]
    assert abs(np.corrcoef(u[0], u[1])[0, 1]) < 0.03
