"""restoresim: can the land a proposed mine will disturb be restored, at what cost, how surely?

The public API::

    import sim
    p = sim.load_proposal("scenarios/proposals/x.toml")
    ev = sim.evaluate([p], policy=sim.load_policy(), draws=1000, seed=0)
    ev.summary, ev.trajectories, ev.verdicts
"""

from __future__ import annotations

from typing import Any

from sim.version import __version__

__all__ = [
    "__version__",
    "evaluate",
    "example_path",
    "load_policy",
    "load_proposal",
    "load_proposals",
]


def __getattr__(name: str) -> Any:  # lazy: nothing heavy happens at import time
    if name == "evaluate":
        from sim.api import evaluate

        return evaluate
    if name in ("load_proposal", "load_proposals", "load_policy"):
        from sim import proposal

        return getattr(proposal, name)
    if name == "example_path":
        from sim.examples import example_path

        return example_path
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
