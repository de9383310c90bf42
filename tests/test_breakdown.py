"""The cost breakdown by measure adds up to the model's own total for a median-factor draw."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_proposal

import sim
from sim.breakdown import ITEMS, cost_by_measure_cny
from sim.keys import MEASURES
from sim.params import load_library
from sim.reference import simulate_draw
from sim.resolve import resolve

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios" / "proposals").glob("*.toml"))


def median_factor_draw(resolved: dict) -> dict:
    """Every factor at its median, no drought, no establishment failure, no default."""
    h = int(resolved["horizon_years"])
    return {
        "thickness_factor": 1.0,
        "output_factor": 1.0,
        "cost_factor": [1.0] * len(MEASURES),
        "cover_max": 0.8,
        "growth_rate_per_year": 0.5,
        "failure_probability": 0.15,
        "default_uniform": 0.0,
        "drought_uniform": [1.0] * h,
        "establish_land_uniform": [1.0] * h,
        "establish_wall_uniform": [1.0] * h,
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_items_add_up_to_the_reference_total(path: Path, policy) -> None:
    r = resolve(sim.load_proposal(path), policy, load_library())
    b = cost_by_measure_cny(r)
    assert list(b) == list(ITEMS)
    assert all(v >= 0 for v in b.values())
    total = simulate_draw(r, median_factor_draw(r))["cost_cny"]
    assert sum(b.values()) == pytest.approx(total, rel=1e-9)


def test_amendment_only_when_planned(policy) -> None:
    lib = load_library()
    plain = cost_by_measure_cny(resolve(make_proposal(), policy, lib))
    amended = cost_by_measure_cny(
        resolve(make_proposal({"restoration.substrate_amendment": True}), policy, lib)
    )
    assert plain["amendment"] == 0.0 and amended["amendment"] > 0.0
    assert amended["fees"] > plain["fees"]  # fees are charged on the works


def test_no_infrastructure_no_demolition(policy) -> None:
    r = resolve(make_proposal({"extraction.infrastructure_area_ha": 0.0}), policy, load_library())
    assert cost_by_measure_cny(r)["demolition"] == 0.0
