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


@pytest.fixture(scope="session")
def policy():
    return sim.load_policy()
