"""Shared helpers: build valid proposals from the packaged example with changes."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

import sim
from sim.proposal import parse_proposal

EXAMPLE_DATA = tomllib.loads(sim.example_path().read_text("utf-8"))


def make_proposal(changes: dict[str, Any] | None = None, pid: str | None = None):
    """The packaged example with fields replaced by dotted path (``{"site.soil_depth_cm": 0}``)."""
    data = copy.deepcopy(EXAMPLE_DATA)
    for dotted, value in (changes or {}).items():
        section, key = dotted.split(".")
        data.setdefault(section, {})[key] = value
    if pid is not None:
        data["proposal"]["id"] = pid
    return parse_proposal(data, "<test>")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (compiles the kernel afresh)")


@pytest.fixture(scope="session")
def policy():
    return sim.load_policy()


# ------------------------------------------------------------------------------------------
# the application queue: the examples plus a deliberately broken file, run once per session

REVIEW_DRAWS = 200
BROKEN = '[proposal]\nid = "HN-BROKEN"\n[extraction\nreserves_mt = 3.0\n'


@pytest.fixture(scope="session")
def review_batch(tmp_path_factory):
    """``restoresim batch`` over scenarios/proposals + a broken file: (queue, out, exit code)."""
    import shutil
    from pathlib import Path

    from sim.cli import main

    queue = tmp_path_factory.mktemp("queue")
    for path in sorted((Path(__file__).parents[1] / "scenarios" / "proposals").glob("*.toml")):
        shutil.copy(path, queue / path.name)
    (queue / "zz-broken.toml").write_text(BROKEN, encoding="utf-8")
    out = tmp_path_factory.mktemp("review") / "review"
    rc = main(["batch", str(queue), "--out", str(out), "--draws", str(REVIEW_DRAWS)])
    return queue, out, rc
