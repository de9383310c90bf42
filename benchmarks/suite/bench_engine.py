"""asv benchmarks of the vectorised core (``asv run --config benchmarks/asv.conf.json``).

Sizes are seeded synthetic Hunan portfolios (``benchmarks/portfolio.py``); every benchmark
warms the compiled kernel in ``setup`` so that compilation is never timed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portfolio import synthetic_portfolio

import sim
from sim import engine


def _warm(policy) -> None:
    sim.evaluate(synthetic_portfolio(4, seed=99), policy, draws=5, seed=0)


class Evaluate:
    """``sim.evaluate(..., trajectories=False)``: engine, summaries and datasets."""

    params = ([100, 1_000, 10_000, 100_000], [100])
    param_names = ("proposals", "draws")
    timeout = 900

    def setup(self, proposals: int, draws: int) -> None:
        self.policy = sim.load_policy()
        self.portfolio = synthetic_portfolio(proposals, seed=0)
        _warm(self.policy)

    def time_evaluate(self, proposals: int, draws: int) -> None:
        sim.evaluate(self.portfolio, self.policy, draws=draws, seed=0)

    def peakmem_evaluate(self, proposals: int, draws: int) -> None:
        sim.evaluate(self.portfolio, self.policy, draws=draws, seed=0)

    def track_proposal_draw_years_per_second(self, proposals: int, draws: int) -> float:
        import time

        t0 = time.perf_counter()
        ev = sim.evaluate(self.portfolio, self.policy, draws=draws, seed=0)
        seconds = time.perf_counter() - t0
        return draws * int(ev.summary["horizon_years"].sum()) / seconds

    track_proposal_draw_years_per_second.unit = "proposal-draw-years/s"


class Draws:
    """Scaling in draws at a fixed portfolio."""

    params = ([25, 100, 400],)
    param_names = ("draws",)

    def setup(self, draws: int) -> None:
        self.policy = sim.load_policy()
        self.portfolio = synthetic_portfolio(2_000, seed=1)
        _warm(self.policy)

    def time_evaluate(self, draws: int) -> None:
        sim.evaluate(self.portfolio, self.policy, draws=draws, seed=0)


class SingleProposal:
    """The reviewer's case: one proposal, many draws."""

    params = ([1_000, 10_000],)
    param_names = ("draws",)

    def setup(self, draws: int) -> None:
        self.policy = sim.load_policy()
        self.proposal = sim.load_proposal(sim.example_path())
        engine.run([self.proposal], self.policy, draws=10, seed=0)

    def time_engine(self, draws: int) -> None:
        engine.run([self.proposal], self.policy, draws=draws, seed=0)

    def time_verdict_with_conditions(self, draws: int) -> None:
        sim.evaluate([self.proposal], self.policy, draws=draws, seed=0).verdicts  # noqa: B018


class Trajectories:
    """Per-year quantiles over draws, requested on their own."""

    params = ([False, True],)
    param_names = ("trajectories",)

    def setup(self, trajectories: bool) -> None:
        self.policy = sim.load_policy()
        self.portfolio = synthetic_portfolio(100, seed=2)
        _warm(self.policy)

    def time_evaluate(self, trajectories: bool) -> None:
        sim.evaluate(self.portfolio, self.policy, draws=500, seed=0, trajectories=trajectories)
