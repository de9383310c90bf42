"""Columnar portfolios: validation like the proposal files, and the same results as proposals."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import make_proposal

import sim
from sim import engine
from sim.errors import InputError
from sim.portfolio import Portfolio

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from portfolio import synthetic_portfolio


@pytest.fixture(scope="module")
def proposals():
    return [
        make_proposal({"extraction.reserves_mt": 4.0 + i, "site.substrate": s}, pid=f"P{i}")
        for i, s in enumerate(["carbonate", "acid_sulfide", "granite", "shale"])
    ]


def test_round_trip_through_columns(proposals) -> None:
    pf = Portfolio.from_proposals(proposals)
    again = Portfolio({k: v for k, v in pf.columns.items()}, source="<copy>")
    for i, p in enumerate(proposals):
        assert again.proposal(i) == p


def test_portfolio_and_proposals_give_identical_results(proposals, policy) -> None:
    pf = Portfolio(dict(Portfolio.from_proposals(proposals).columns), source="<copy>")
    a = engine.run(pf, policy, draws=40, seed=4).summary
    b = engine.run(proposals, policy, draws=40, seed=4).summary
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


def _columns(proposals):
    return {
        k: np.array(v, copy=True) for k, v in Portfolio.from_proposals(proposals).columns.items()
    }


@pytest.mark.parametrize(
    "path,value,phrase",
    [
        ("extraction.reserves_mt", -1.0, "[extraction] reserves_mt = -1.0: must be > 0"),
        ("extraction.annual_output_mt", np.nan, "annual_output_mt is missing (required;"),
        ("extraction.annual_output_mt", np.inf, "must be a finite number"),
        ("restoration.progressive_fraction", 1.5, "progressive_fraction = 1.5: must be <= 1"),
        ("restoration.closure_years", 1.5, "expected a whole number"),
        ("proposal.mineral", "limestne", "did you mean 'limestone'?"),
        ("proposal.method", "underground", "not modelled yet"),
        ("restoration.target_land_use.forest", 0.9, "sum to"),
        ("extraction.annual_output_mt", 0.001, "implausible life"),
    ],
)
def test_bad_values_name_row_id_and_field(proposals, path, value, phrase) -> None:
    cols = _columns(proposals)
    cols[path] = np.array(cols[path], dtype=object)
    cols[path][2] = value
    with pytest.raises(InputError) as info:
        Portfolio(cols, source="queue.csv")
    msg = str(info.value)
    assert "queue.csv: row 2 (id P2)" in msg and phrase in msg


def test_duplicate_ids_and_missing_columns(proposals) -> None:
    cols = _columns(proposals)
    cols["proposal.id"][1] = "P0"
    with pytest.raises(InputError, match="id = 'P0': duplicate proposal id, also used by row 0"):
        Portfolio(cols)
    cols = _columns(proposals)
    del cols["extraction.reserves_mt"]
    with pytest.raises(InputError, match=r"column extraction\.reserves_mt is missing"):
        Portfolio(cols)


def test_a_misspelt_column_is_named_with_the_field_it_meant(proposals) -> None:
    """pandas.read_csv of an analyst's table with a typo in its header: the column is named
    with the closest field (it said only that it is not a field of the input contract)."""
    cols = _columns(proposals)
    cols["extraction.reserve_mt"] = cols.pop("extraction.reserves_mt")
    with pytest.raises(InputError) as info:
        Portfolio(cols, source="mines.csv")
    assert (
        "mines.csv: column extraction.reserve_mt is not a field of the input contract"
        in str(info.value)
    )
    assert "did you mean 'extraction.reserves_mt'?" in str(info.value)


def test_defaults_follow_the_contract(proposals) -> None:
    cols = _columns(proposals)
    for path in (
        "extraction.rock_density_t_per_m3",
        "site.substrate",
        "restoration.import_topsoil",
        "finance.bond_cny",  # Hunan has no bond since 2017: a table need not carry the column
    ):
        del cols[path]
    pf = Portfolio(cols)
    assert (pf.columns["finance.bond_cny"] == 0.0).all()
    lib = sim.params.load_library()
    assert (
        pf.columns["extraction.rock_density_t_per_m3"][0]
        == lib.minerals["limestone"]["density_t_per_m3"]
    )
    assert pf.columns["site.substrate"][1] == "carbonate"
    assert pf.columns["restoration.import_topsoil"].all()


def test_synthetic_portfolio_is_valid_and_seeded() -> None:
    a = synthetic_portfolio(300, seed=1)
    b = synthetic_portfolio(300, seed=1)
    assert len(a) == 300 and a.ids == b.ids
    np.testing.assert_array_equal(
        a.columns["extraction.reserves_mt"], b.columns["extraction.reserves_mt"]
    )
    p = a.proposal(17)  # every row validates as a proposal
    assert p.proposal.id == "SYN-000017"


def test_location_fields_travel_through_the_columns() -> None:
    """[location] boundary and central_meridian_deg survive the columns both ways; a proposal
    without [location] has neither (the columns gained a second location field)."""
    from conftest import make_proposal

    from sim.portfolio import Portfolio

    with_cm = make_proposal(
        {"location.boundary": "corners.csv", "location.central_meridian_deg": 114.0}, pid="CM-1"
    )
    plain = make_proposal(pid="NO-LOC")
    pf = Portfolio.from_proposals([with_cm, plain])
    assert pf.record(0)["location"] == {"boundary": "corners.csv", "central_meridian_deg": 114.0}
    assert "location" not in pf.record(1)
    assert pf.proposal(0).location.central_meridian_deg == 114.0
    assert pf.proposal(1).location is None
