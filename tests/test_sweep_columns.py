"""Sweeps on columns: the synthetic portfolio and the stored proposals without proposal objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.portfolio import SPECS, Portfolio
from sim.proposal import Location, load_proposals
from sim.sweep.design import build_design
from sim.sweep.portfolio import from_stored, load_portfolio, stored_columns
from sim.sweep.spec import parse_spec

SPEC = {
    "sweep": {"name": "t", "seed": 4, "draws": 10},
    "portfolio": {
        "synthetic": 60,
        "fields": [
            {"name": "extraction.rock_density_t_per_m3", "distribution": "uniform",
             "low": 2.4, "high": 2.9},
            {"name": "restoration.closure_years", "distribution": "constant", "value": 3},
        ],
    },
}  # fmt: skip


def _round_trip(portfolio: Portfolio) -> Portfolio:
    return from_stored(*stored_columns(portfolio), "<store>")


def test_stored_columns_give_back_the_proposals() -> None:
    """The columns the store keeps of a synthetic portfolio make exactly the proposals the
    generator's validated rows make."""
    back = _round_trip(build_design(parse_spec(SPEC)).proposals)
    proposals = load_portfolio(parse_spec(SPEC))
    assert len(back) == len(proposals) == 60
    for i, p in enumerate(proposals):
        assert back.proposal(i) == p


def test_columns_read_back_from_the_store_equal_the_proposals() -> None:
    back = _round_trip(build_design(parse_spec(SPEC)).proposals)
    direct = Portfolio.from_proposals(load_portfolio(parse_spec(SPEC)))
    for path, col in direct.columns.items():
        got = back.columns[path]
        if col.dtype.kind in "fiub":
            np.testing.assert_array_equal(got.astype(float), col.astype(float), err_msg=path)
        else:
            assert list(got) == list(col), path


def test_a_task_travels_without_the_in_memory_portfolio() -> None:
    """A task sent to another process reads its proposals from the store, not from memory."""
    import pickle

    from sim.sweep.tasks import Task

    design = build_design(parse_spec(SPEC))
    task = Task("s.zarr", design.run(0), 0, 10, 60, 10, 4, portfolio=design.proposals)
    back = pickle.loads(pickle.dumps(task))
    assert back.portfolio is None
    assert back == task and back.key == task.key


def test_stored_columns_keep_every_pattern_of_blank_fields() -> None:
    """Proposals with different optional fields left blank (boundaries with and without their
    central meridian, design geometry, land uses, start dates, real-case files) come back from
    the store's two tables as the same proposals, the boundary's path made absolute."""
    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted((root / "proposals").glob("*.toml")) + sorted(
        (root / "real-cases").glob("rc-*.toml")
    )
    proposals = load_proposals(files)
    for i, cm in enumerate((None, 111.0)):  # a corner table without, and with, its meridian
        located = Location(boundary=f"corners-{i}.csv", central_meridian_deg=cm)
        proposals.append(proposals[i].model_copy(update={"location": located}))
    numbers, texts = stored_columns(Portfolio.from_proposals(proposals))[1::2]
    assert len({int(np.isnan(row).sum()) for row in numbers}) > 3  # the blank fields do differ
    assert (texts == "").any() and len(texts[0]) + len(numbers[0]) == len(SPECS)
    back = _round_trip(Portfolio.from_proposals(proposals))
    for i, p in enumerate(proposals):
        expect = p.to_dict()
        expect.pop("bill", None)  # the applicant's bill is not a column of a portfolio
        if p.location is not None:
            expect["location"]["boundary"] = str(p.boundary_path().resolve())
        got = back.proposal(i).to_dict()
        assert got == expect, p.id
    assert back.proposal(len(proposals) - 1).location.central_meridian_deg == 111.0
