"""The design of a sweep: policies x scenarios = experiments, with stable integer ids.

- **Policies** are the product of the levers' grids, the levers that change the engine (plan
  levers and the ``[policy]`` success test) outermost, so the policies that share an engine run
  form a contiguous *group* of ``n_inner`` ids: policy ``p`` is in group ``p // n_inner``.
- **Scenarios** are points of the unit hypercube, one coordinate per uncertainty, drawn by the
  sampler (full factorial, Latin hypercube with :mod:`scipy.stats.qmc`, or Saltelli's scheme with
  SALib), mapped to values through each distribution's inverse CDF. Without uncertainties there
  is one scenario: the library's defaults.
- **Experiments** are every (scenario, policy) pair: ``experiment = scenario x P + policy``.
- A **run** is one engine pass of the portfolio: a (scenario, group) pair,
  ``run = scenario x G + group``; its policies are experiments ``run x n_inner`` onwards.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.params import load_library
from sim.portfolio import Portfolio, as_portfolio
from sim.proposal import Policy, Proposal
from sim.sweep.portfolio import absolute_boundaries, load_portfolio_columns, sweep_seed_sequence
from sim.sweep.spec import Lever, SweepSpec, build_policy, lever_grid

SAMPLER_STREAM = 2

#: largest design run without ``force``: experiments (scenario x policy) ...
MAX_EXPERIMENTS = 1_000_000
#: ... stored outcomes (experiment x proposal) ...
MAX_RESULTS = 1_000_000_000
#: ... and engine work (engine runs x proposals x draws)
MAX_PROPOSAL_DRAWS = 10_000_000_000


@dataclass(frozen=True)
class DesignSize:
    """The size of a design, computed from the spec alone (nothing is built)."""

    policies: int
    groups: int
    scenarios: int
    proposals: int
    draws: int
    how: str = ""
    """How the scenarios' number arises, e.g. ``101 levels ^ 8 uncertainties``."""

    @property
    def experiments(self) -> int:
        return self.policies * self.scenarios

    @property
    def results(self) -> int:
        """Per-proposal outcomes stored (experiment x proposal)."""
        return self.experiments * self.proposals

    @property
    def proposal_draws(self) -> int:
        """Engine work: runs (scenario x engine group) x proposals x draws."""
        return self.scenarios * self.groups * self.proposals * self.draws

    def check(self, shown: str) -> None:
        """Refuse (InputError, naming the numbers) a design above the limits."""
        over = [
            f"{what} {n:.3g} > {limit:.0e}"
            for what, n, limit in (
                ("experiments (scenarios x policies)", self.experiments, MAX_EXPERIMENTS),
                ("stored results (experiments x proposals)", self.results, MAX_RESULTS),
                ("engine proposal-draws", self.proposal_draws, MAX_PROPOSAL_DRAWS),
            )
            if n > limit
        ]
        if over:
            raise InputError(
                f"{shown}: the design is too large to run: {self.policies:,} policies x "
                f"{self.scenarios:.4g} scenarios{f' ({self.how})' if self.how else ''} x "
                f"{self.proposals:,} proposals x {self.draws:,} "
                f"draws ({'; '.join(over)}); reduce the levers' grids, the sampler's levels or "
                "samples, or pass --force to run it anyway"
            )


def estimate_size(spec: SweepSpec, n_proposals: int) -> DesignSize:
    """The design's size before anything is built (products of the grid and sample sizes)."""
    d = len(spec.uncertainties)
    sampler = spec.sampler
    how = ""
    if d == 0:
        scenarios = 1
    elif sampler.method == "full_factorial":
        scenarios = int(sampler.levels) ** d
        how = f"{sampler.levels} levels ^ {d} uncertainties"
    elif sampler.method == "latin_hypercube":
        scenarios = int(sampler.samples or 1)
    else:
        k = (2 * d + 2) if sampler.second_order else (d + 2)
        scenarios = int(sampler.samples or 1) * k
        how = f"{sampler.samples} samples x {k}"
    sizes = {id(lv): len(lv.grid()) for lv in spec.levers}
    return DesignSize(
        policies=math.prod(sizes.values()),
        groups=math.prod(sizes[id(lv)] for lv in spec.levers if lv.engine),
        scenarios=scenarios,
        proposals=n_proposals,
        draws=int(spec.sweep.draws),
        how=how,
    )


@dataclass(frozen=True)
class Run:
    """One engine pass over the portfolio: what it changes and which policies it serves."""

    index: int
    scenario: int
    group: int
    params: dict[str, float]
    set_fields: dict[str, float]
    scale_fields: dict[str, float]
    plan: dict[str, Any]
    policies: tuple[Policy, ...]
    first_experiment: int

    def changes(self, proposal: Proposal) -> dict[str, Any]:
        """Dotted field changes of one proposal: plan levers, then field uncertainties."""
        out: dict[str, Any] = dict(self.plan)
        out.update(self.set_fields)
        for path, factor in self.scale_fields.items():
            section, name = path.split(".")
            base = out.get(path, getattr(getattr(proposal, section), name))
            out[path] = float(base) * factor
        return out


@dataclass
class Design:
    """A sweep's design: portfolio, policies, scenarios and experiments (plain data)."""

    spec: SweepSpec
    proposals: Portfolio | list[Proposal]
    levers: list[Lever]
    policy_values: list[dict[str, Any]]
    policies: list[Policy]
    n_inner: int
    unit: np.ndarray  # (scenario, uncertainty) points of the unit hypercube
    values: np.ndarray  # (scenario, uncertainty) sampled values
    scenario_params: list[dict[str, float]] = field(default_factory=list)

    @property
    def n_policies(self) -> int:
        return len(self.policies)

    @property
    def n_groups(self) -> int:
        return self.n_policies // self.n_inner

    @property
    def n_scenarios(self) -> int:
        return int(self.unit.shape[0])

    @property
    def n_experiments(self) -> int:
        return self.n_scenarios * self.n_policies

    @property
    def n_runs(self) -> int:
        return self.n_scenarios * self.n_groups

    def run(self, index: int) -> Run:
        """The run ``index`` (scenario-major)."""
        s, g = divmod(index, self.n_groups)
        sets, scales = {}, {}
        for j, unc in enumerate(self.spec.uncertainties):
            if unc.field is not None:
                sets[unc.field] = float(self.values[s, j])
            elif unc.scale_field is not None:
                scales[unc.scale_field] = scales.get(unc.scale_field, 1.0) * float(
                    self.values[s, j]
                )
        first = g * self.n_inner
        plan = {
            lv.path: self.policy_values[first][lv.path] for lv in self.levers if lv.kind == "plan"
        }
        return Run(
            index=index,
            scenario=s,
            group=g,
            params=self.scenario_params[s],
            set_fields=sets,
            scale_fields=scales,
            plan=plan,
            policies=tuple(self.policies[first : first + self.n_inner]),
            first_experiment=s * self.n_policies + first,
        )

    def runs(self) -> Iterator[Run]:
        for r in range(self.n_runs):
            yield self.run(r)


def sample_unit(spec: SweepSpec) -> np.ndarray:
    """Points of the unit hypercube ``(scenario, uncertainty)`` of the spec's sampler."""
    d = len(spec.uncertainties)
    if d == 0:
        return np.zeros((1, 0))
    sampler = spec.sampler
    seq = sweep_seed_sequence(spec.sweep.seed, SAMPLER_STREAM)
    if sampler.method == "full_factorial":
        q = [0.5] if sampler.levels == 1 else list(np.linspace(0.0, 1.0, sampler.levels))
        return np.array(list(itertools.product(q, repeat=d)), dtype=float)
    if sampler.method == "latin_hypercube":
        from scipy.stats import qmc

        rng = np.random.Generator(np.random.PCG64(seq))
        return qmc.LatinHypercube(d=d, rng=rng).random(int(sampler.samples or 1))
    from SALib.sample import sobol

    seed = int(seq.generate_state(1, np.uint32)[0])
    return sobol.sample(
        salib_problem(spec),
        int(sampler.samples or 1),
        calc_second_order=sampler.second_order,
        seed=seed,
    )


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem: one unit interval per uncertainty (values via inverse CDFs)."""
    names = [u.name for u in spec.uncertainties]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _scenario_params(spec: SweepSpec, values: np.ndarray, shown: str) -> list[dict[str, float]]:
    lib = load_library()
    out = []
    for s in range(values.shape[0]):
        params: dict[str, float] = {}
        for j, unc in enumerate(spec.uncertainties):
            if unc.parameter is not None:
                params[unc.parameter] = float(values[s, j])
        for j, unc in enumerate(spec.uncertainties):
            if unc.scale_parameters is not None:
                for name in unc.parameters():
                    base = params.get(name, float(lib[name]))
                    params[name] = base * float(values[s, j])
        try:
            lib.with_overrides(params, origin=f"{shown}: scenario {s}")
        except InputError as exc:
            raise InputError(
                f"{exc} (several uncertainties act on the same parameter)", problems=exc.problems
            ) from None
        out.append(params)
    return out


def _check_scaled_fields(spec: SweepSpec, proposals: Portfolio, shown: str) -> None:
    """A scaled field must stay valid on every proposal: try its extremes on the extreme ones."""
    for k, unc in enumerate(spec.uncertainties, start=1):
        if unc.scale_field is None:
            continue
        vals = np.asarray(proposals.columns[unc.scale_field], dtype=float)
        lo, hi = unc.dist().support()
        for i, factor in ((int(np.argmin(vals)), lo), (int(np.argmax(vals)), hi)):
            try:
                proposals.proposal(i).with_values({unc.scale_field: float(vals[i]) * factor})
            except InputError as exc:
                raise InputError(
                    f"{shown}: [[uncertainties]] #{k} scale_field = {unc.scale_field!r}: "
                    f"factor {factor:g} on proposal {proposals[i].id} "
                    f"({exc.problems[0].split(': ', 1)[1]})"
                ) from None


def build_design(
    spec: SweepSpec,
    proposals: Portfolio | list[Proposal] | None = None,
    *,
    sample: tuple[np.ndarray, np.ndarray] | None = None,
    force: bool = False,
) -> Design:
    """The design of ``spec``.

    The portfolio is loaded and validated unless ``proposals`` is given; the scenarios are drawn
    unless ``sample`` gives them as ``(unit, values)`` (a resumed sweep uses the stored ones, so
    a newer scipy or SALib cannot change a design half-way). A design larger than the limits
    (:meth:`DesignSize.check`) is refused before it is built unless ``force``.
    """
    shown = str(spec.source_path or "<data>")
    if not force and spec.portfolio.synthetic is not None:
        estimate_size(spec, spec.portfolio.synthetic).check(shown)  # before generating it
    proposals = load_portfolio_columns(spec) if proposals is None else as_portfolio(proposals)
    proposals = absolute_boundaries(proposals)  # found whatever the working folder
    if not force:
        estimate_size(spec, len(proposals)).check(shown)
    if len(proposals):
        _check_scaled_fields(spec, proposals, shown)
    levers = spec.ordered_levers()
    grid = lever_grid(spec)
    base = spec.base_policy_data()
    policy_paths = [lv.path for lv in levers if lv.kind == "policy"]
    policies = [
        build_policy(
            base, {k: values[k] for k in policy_paths}, f"{shown}: policy {p}", spec.policy_path()
        )
        for p, values in enumerate(grid)
    ]
    n_inner = int(np.prod([len(lv.grid()) for lv in levers if not lv.engine], dtype=np.int64))
    if sample is None:
        unit = sample_unit(spec)
        values = np.empty_like(unit)
        for j, unc in enumerate(spec.uncertainties):
            values[:, j] = unc.dist().ppf(unit[:, j])
    else:
        unit, values = sample
    return Design(
        spec=spec,
        proposals=proposals,
        levers=levers,
        policy_values=grid,
        policies=policies,
        n_inner=n_inner,
        unit=unit,
        values=values,
        scenario_params=_scenario_params(spec, values, shown),
    )
