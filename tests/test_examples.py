"""The example applications in scenarios/proposals/ and the verdicts they are meant to show.

Each file (except the copy of the packaged example, which must stay byte-identical to
``sim/data/example-proposal.toml``) carries a line such as

    # expected: verdict = "conditional"; deciding = ["assurance"]

and is evaluated under the default policy with 1000 draws and seed 0.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = ROOT / "scenarios" / "proposals"
FILES = sorted(PROPOSALS.glob("*.toml"))
EXAMPLE_COPY = PROPOSALS / "hn-2026-0001-example-limestone.toml"
DRAWS, SEED = 1000, 0
EXPECTED_LINE = re.compile(r"^# expected: (.*)$", re.MULTILINE)

# The packaged example cannot carry an `# expected:` line (its copy must stay identical to the
# packaged file), so its expectation is kept here.
PACKAGED_EXAMPLE_EXPECTED = {"verdict": "conditional", "deciding": ["assurance"]}


def expected(path: Path) -> dict[str, Any]:
    """The `# expected:` line of a file, parsed as TOML (`;` separates the two keys)."""
    text = path.read_text("utf-8")
    found = EXPECTED_LINE.findall(text)
    if not found and path.read_bytes() == sim.example_path().read_bytes():
        return PACKAGED_EXAMPLE_EXPECTED
    assert len(found) == 1, f"{path.name}: needs exactly one '# expected:' line, found {found}"
    data = tomllib.loads("\n".join(part.strip() for part in found[0].split(";")))
    assert set(data) == {"verdict", "deciding"}, f"{path.name}: bad expected line {found[0]!r}"
    return data


@cache
def evaluated(path: Path) -> tuple[Any, dict[str, Any]]:
    """The proposal and its verdict document (evaluated once per test session)."""
    proposal = sim.load_proposal(path)
    verdict = sim.evaluate([proposal], draws=DRAWS, seed=SEED).verdicts[0]
    return proposal, verdict


def test_there_are_enough_examples() -> None:
    assert EXAMPLE_COPY in FILES
    assert len(FILES) >= 8


def test_packaged_example_is_identical_to_the_scenarios_copy() -> None:
    assert EXAMPLE_COPY.read_bytes() == sim.example_path().read_bytes()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_starts_with_a_comment_block(path: Path) -> None:
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("#"), f"{path.name} should start with a comment block"


def test_ids_are_distinct() -> None:
    ids = [sim.load_proposal(p).proposal.id for p in FILES]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_verdict_and_deciding_criteria_match_the_expected_line(path: Path) -> None:
    want = expected(path)
    _, v = evaluated(path)
    assert (v["verdict"], v["deciding_criteria"]) == (want["verdict"], want["deciding"]), (
        f"{path.name}: got {v['verdict']} {v['deciding_criteria']}, expected "
        f"{want['verdict']} {want['deciding']}"
    )


def test_examples_cover_every_verdict() -> None:
    verdicts = [expected(p)["verdict"] for p in FILES]
    assert verdicts.count("approve") >= 2
    assert verdicts.count("conditional") >= 2
    assert verdicts.count("reject") >= 3
    # rejects for different reasons, conditionals on more than one soft criterion
    rejects = {tuple(expected(p)["deciding"]) for p in FILES if expected(p)["verdict"] == "reject"}
    assert len(rejects) >= 3
    soft = {
        c for p in FILES if expected(p)["verdict"] == "conditional" for c in expected(p)["deciding"]
    }
    assert soft == {"assurance", "unfunded_liability"}


@pytest.mark.parametrize(
    "path", [p for p in FILES if expected(p)["verdict"] == "conditional"], ids=lambda p: p.stem
)
def test_each_condition_makes_its_criterion_pass(path: Path) -> None:
    proposal, v = evaluated(path)
    conditions = v["conditions"]
    assert {c["criterion"] for c in conditions} == set(v["deciding_criteria"]), conditions
    for cond in conditions:
        changed = proposal.with_values({cond["field"]: cond["value"]})
        again = sim.evaluate([changed], draws=DRAWS, seed=SEED, conditions=False).verdicts[0]
        crit = {c["name"]: c for c in again["criteria"]}[cond["criterion"]]
        assert crit["passed"], f"{path.name}: {cond['change']} leaves {crit['explanation']}"
