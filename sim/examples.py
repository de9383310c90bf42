"""The example proposal that ships inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXAMPLE = "example-proposal.toml"


def example_path() -> Path:
    """Path of the packaged example proposal (evaluated by ``restoresim evaluate``)."""
    return Path(str(resources.files("sim.data").joinpath(EXAMPLE)))
