"""Sweeps on columns: the synthetic portfolio and the stored proposals without proposal objects."""

from __future__ import annotations

import json

import numpy as np

from sim.portfolio import Portfolio
from sim.proposal import parse_proposal
from sim.sweep.design import build_design
from sim.sweep.portfolio import load_portfolio, stored_dict
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


def test_stored_json_is_the_proposals_own_json() -> None:
    """The JSON written from the columns is what the validated proposal writes of itself."""
    texts = build_design(parse_spec(SPEC)).proposal_json()
    proposals = load_portfolio(parse_spec(SPEC))
    assert len(texts) == len(proposals) == 60
    for text, p in zip(texts, proposals, strict=True):
        again = parse_proposal(json.loads(text))
        assert json.dumps(stored_dict(again), sort_keys=True) == text
        assert again == p


def test_columns_read_back_from_the_store_equal_the_proposals() -> None:
    texts = build_design(parse_spec(SPEC)).proposal_json()
    back = Portfolio.from_records([json.loads(t) for t in texts], "<store>")
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


def test_json_from_columns_matches_every_pattern_of_blank_fields() -> None:
    """Proposals with different optional fields left blank (boundaries, design geometry, land
    uses, start dates, real-case files) each get the JSON they write of themselves: the
    column writer's template per pattern of blank cells puts every value under its own key."""
    from pathlib import Path

    from sim.proposal import load_proposals
    from sim.sweep.portfolio import portfolio_json

    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted((root / "proposals").glob("*.toml")) + sorted(
        (root / "real-cases").glob("rc-*.toml")
    )
    proposals = load_proposals(files)
    # a boundary without, and with, its central meridian (a corner table without zone prefix)
    from sim.proposal import Location

    for i, cm in enumerate((None, 111.0)):
        located = Location(boundary=str(root / f"corners-{i}.csv"), central_meridian_deg=cm)
        proposals.append(proposals[i].model_copy(update={"location": located}))
    texts = portfolio_json(Portfolio.from_proposals(proposals))
    assert '"central_meridian_deg": 111.0}' in texts[-1] and "corners-0" in texts[-2]
    # the applicant's bill is not a column (a synthetic portfolio has none)
    expect = [
        json.dumps({k: v for k, v in stored_dict(p).items() if k != "bill"}, sort_keys=True)
        for p in proposals
    ]
    assert len({t.count('": ') for t in expect}) > 3  # the blank fields do differ
    assert texts == expect
