"""The ``inputs`` attribute of every output is the JSON list of the proposals' validated inputs
(``Proposal.to_dict``), in ASCII, however it is serialised."""

from __future__ import annotations

import json
from pathlib import Path

from sim.engine import proposals_json, run
from sim.proposal import load_policy, load_proposals

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios" / "proposals"


def _packaged() -> list:
    return load_proposals(sorted(SCENARIOS.glob("*.toml")))


def test_inputs_attribute_is_the_proposals_to_dict() -> None:
    proposals = _packaged()
    res = run(proposals, load_policy(), draws=4, seed=0, trajectories=True)
    for ds in (res.summary, res.trajectories):
        text = ds.attrs["inputs"]
        assert text.isascii()
        assert json.loads(text) == [p.to_dict() for p in proposals]


def test_a_name_in_chinese_stays_ascii_and_round_trips() -> None:
    proposal = _packaged()[0]
    named = proposal.model_copy(
        update={"proposal": proposal.proposal.model_copy(update={"name": "湘西石灰岩矿"})}
    )
    text = proposals_json([named, proposal])
    assert text.isascii()
    assert json.loads(text) == [named.to_dict(), proposal.to_dict()]
    assert json.loads(text)[0]["proposal"]["name"] == "湘西石灰岩矿"
