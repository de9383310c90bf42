"""One task of a sweep: a run (scenario x engine group) on one chunk of proposals.

A policy's thresholds and hardness do not change the engine's physics, so each task runs the
engine once (with the group's first policy: every policy of a group has the same success test
and plan) and applies all the group's policies to the same summaries:

1. :func:`sim.feasibility.assess_all` gives every criterion's value, direction and (for
   criteria whose limit is not a policy threshold, such as ``licensed_area``) threshold of
   every proposal at once, on the columns of the stored proposals (no proposal objects: the
   run's field changes are made column-wise and screened by the input contract);
2. :func:`apply_policies` re-thresholds those values for every policy at once (numpy) and
   decides like :func:`sim.feasibility.decide` with no condition search: a soft failure counts
   as ``conditional``. That is exact while the policy leaves a money lever unlimited (the
   fund's first deposit, or an enabled bond) and its soft criteria are those a condition
   always fixes (:func:`sim.sweep.store.conditional_exact`);
   otherwise it is an upper bound on conditional approvals;
3. the first proposal of the first scenario's run of every group of policies is re-assessed
   and re-decided through :mod:`sim.feasibility` for every policy, and any disagreement is an
   internal error, so the fast path cannot drift from the reviewer's verdict.

The task's summaries and verdicts are written into chunks that belong to it alone, then the
task is marked done; each chunk is written atomically (write to a temporary file, rename). On
a cluster the task writes them itself (:func:`run_task`); locally the sweep's thread writes them
(:func:`write_result`) while the workers compute the next tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from sim import engine, feasibility, plausibility, spatial
from sim import outputs_registry as registry
from sim.params import load_library
from sim.portfolio import SPECS, Portfolio, _screen, as_portfolio
from sim.sweep.design import Run

CRITERIA: tuple[str, ...] = tuple(feasibility.CRITERIA)
VERDICTS: tuple[str, ...] = ("approve", "conditional", "reject")

#: per-proposal summaries kept for every run (the output registry's sweep metrics):
#: name -> (engine variable, quantile or None)
SUMMARY_FIELDS: dict[str, tuple[str, float | None]] = {
    m.name: (m.source, m.quantile) for m in registry.METRICS if "sweep" in m.uses
}


class _Value:
    """One variable of one proposal's summary: ``.sel(quantile=q)``, ``float()``, ``int()``."""

    __slots__ = ("data", "quantiles")

    def __init__(self, data: Any, quantiles: list[float] | None) -> None:
        self.data, self.quantiles = data, quantiles

    def sel(self, quantile: float) -> _Value:
        return _Value(self.data[self.quantiles.index(quantile)], None)  # type: ignore[union-attr]

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)


class _Row:
    """A fast read-only view of one proposal of a summary Dataset, for ``feasibility.assess``
    (checked against the real Dataset row on the first proposal of every task)."""

    def __init__(self, arrays: dict[str, np.ndarray], quantiles: list[float], i: int) -> None:
        self.arrays, self.quantiles, self.i = arrays, quantiles, i

    def __getitem__(self, name: str) -> _Value:
        return _Value(self.arrays[name][self.i], self.quantiles)


@dataclass
class CriteriaTable:
    """Every criterion of every proposal of a chunk, as assessed once (policy-independent)."""

    names: list[str]
    directions: list[str]
    values: np.ndarray  # (proposal, criterion), NaN where not assessed
    assessed: np.ndarray  # (proposal, criterion) bool: value and threshold both present
    thresholds: np.ndarray  # (proposal, criterion) the assessed thresholds


def criteria_table(
    proposals: Portfolio | Sequence[Any],
    policy: Any,
    summary: xr.Dataset | engine.Summaries,
    screenings: Sequence[Any] | Mapping[int, Any],
) -> CriteriaTable:
    """Assess every proposal once under ``policy`` (any policy of the run's group), all at once
    (:func:`sim.feasibility.assess_all`); ``screenings`` by row (a sequence, or a mapping of
    the rows that have a boundary)."""
    by_row = screenings if isinstance(screenings, Mapping) else dict(enumerate(screenings))
    table = feasibility.assess_all(as_portfolio(proposals), policy, summary, by_row)
    return CriteriaTable(
        names=list(table.names),
        directions=list(table.directions),
        values=np.where(table.has_value, table.value, np.nan),
        assessed=table.assessed,
        thresholds=table.threshold,
    )


def apply_policies(
    table: CriteriaTable, policies: tuple[Any, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Verdict codes (0 approve, 1 conditional, 2 reject) and deciding-criteria bit masks
    (bit ``CRITERIA.index(name)``), both ``(policy, proposal)``."""
    n, c = table.values.shape
    verdict = np.empty((len(policies), n), dtype=np.int8)
    deciding = np.empty((len(policies), n), dtype=np.int16)
    bits = np.array([1 << CRITERIA.index(name) for name in table.names], dtype=np.int16)
    le = np.array([d == "<=" for d in table.directions])
    for k, policy in enumerate(policies):
        thr = table.thresholds.copy()
        hard = np.empty(c, dtype=bool)
        for j, name in enumerate(table.names):
            crit = getattr(policy.criteria, name)
            hard[j] = bool(crit.hard)
            if hasattr(crit, "threshold"):
                thr[:, j] = float(crit.threshold)
        with np.errstate(invalid="ignore"):
            margin = np.where(le, thr - table.values, table.values - thr)
            failed = table.assessed & ~(margin >= 0)
        hard_fail = failed & hard
        soft_fail = failed & ~hard
        rejected = hard_fail.any(axis=1)
        verdict[k] = np.where(rejected, 2, np.where(soft_fail.any(axis=1), 1, 0))
        deciding[k] = np.where(rejected[:, None], hard_fail, soft_fail).astype(np.int16) @ bits
    return verdict, deciding


def summary_columns(summary: engine.Summaries) -> np.ndarray:
    """The sweep's per-proposal summaries (:data:`SUMMARY_FIELDS`) of an engine run, as a
    ``(proposal, metric)`` array."""
    out = np.empty((summary.sizes["proposal"], len(SUMMARY_FIELDS)))
    for j, (var, q) in enumerate(SUMMARY_FIELDS.values()):
        out[:, j] = summary.column(var, q)
    return out


def decode_deciding(mask: int) -> list[str]:
    """Criterion names of a deciding bit mask, in :data:`CRITERIA` order."""
    return [name for i, name in enumerate(CRITERIA) if mask >= 0 and mask & (1 << i)]


def _check_reference(
    proposal: Any,
    policies: tuple[Any, ...],
    summary: engine.Summaries,
    screening: Any,
    verdict: np.ndarray,
    deciding: np.ndarray,
) -> None:
    """The fast path must agree with :mod:`sim.feasibility` (assess + decide, no conditions)
    on the first proposal of the run: the fast row view of the arrays against the summary
    Dataset's row, then every policy's verdict."""
    row = summary.dataset().isel(proposal=0)
    fast = _Row(summary.values, [float(q) for q in row["quantile"].values], 0)
    reference = feasibility.assess(proposal, policies[0], row, screening)
    quick = feasibility.assess(proposal, policies[0], fast, screening)  # type: ignore[arg-type]
    if repr(reference) != repr(quick):  # repr: NaN equals NaN
        raise RuntimeError("sweep: the fast summary view disagrees with the Dataset row")
    for k, policy in enumerate(policies):
        if k and proposal.location is not None:  # the screening's hardness is the policy's
            screening = spatial.screen_proposals([proposal], policy)[0]
        crits = feasibility.assess(proposal, policy, fast, screening)  # type: ignore[arg-type]
        expect, names = feasibility.decide(crits, set())
        got = (VERDICTS[int(verdict[k])], decode_deciding(int(deciding[k])))
        if got[0] != expect or sorted(got[1]) != sorted(names):
            raise RuntimeError(
                f"sweep: verdict of {proposal.id} under policy {k} of the run is {got}, but "
                f"sim.feasibility gives {(expect, names)}; the sweep's fast path is out of date"
            )


@dataclass(frozen=True)
class Task:
    """Everything one task needs (small and picklable: it travels to dask workers)."""

    store: str
    run: Run
    chunk: int
    chunk_proposals: int
    n_proposals: int
    draws: int
    seed: int
    #: the design's portfolio when the task runs in the process that made it (else None: the
    #: proposals are read from the store)
    portfolio: Portfolio | None = field(default=None, compare=False, repr=False)
    #: the store's arrays (:func:`open_arrays`), opened once for the tasks run in the process
    #: that made the store (else None: the task opens them)
    arrays: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> Any:  # travels to other processes without portfolio and arrays
        return (
            Task,
            (self.store, self.run, self.chunk, self.chunk_proposals, self.n_proposals,
             self.draws, self.seed),
        )  # fmt: skip

    @property
    def key(self) -> str:
        return f"sweep-task-{self.run.index}-{self.chunk}"


def _changed(portfolio: Portfolio, run: Run, source: str) -> Portfolio:
    """The portfolio with the run's field changes (:meth:`Run.changes`) made column-wise.

    Changed columns are screened by the input contract; a row that breaks it is re-made through
    :meth:`~sim.proposal.Proposal.with_values`, which raises the proposal file's own message.
    """
    if not (run.plan or run.set_fields or run.scale_fields):
        return portfolio
    cols = dict(portfolio.columns)
    n = len(portfolio)
    for path, value in {**run.plan, **run.set_fields}.items():
        cols[path] = np.full(n, value, dtype=cols[path].dtype)
    for path, factor in run.scale_fields.items():
        cols[path] = np.asarray(cols[path], dtype=float) * factor
    changed = {*run.plan, *run.set_fields, *run.scale_fields}
    bad = np.zeros(n, dtype=bool)
    for path in changed:
        bad |= _screen(SPECS[path], cols[path])
    if changed & set(plausibility.FIELDS):
        for row, _, _ in plausibility.check({k: cols[k] for k in plausibility.FIELDS}):
            bad[row] = True
    for i in np.flatnonzero(bad):  # raises the file contract's message
        p = portfolio.proposal(int(i))
        p.with_values(run.changes(p))
    out = Portfolio(cols, source, validate=False)
    out.n = n
    return out


#: the arrays a task reads or writes (and the group, for the stored portfolio)
TASK_ARRAYS = ("task_done", "summary", "verdict", "deciding")


def open_arrays(store: str) -> dict[str, Any]:
    """The store's group (key ``""``) and :data:`TASK_ARRAYS`, opened for writing."""
    import zarr

    g = zarr.open_group(store, mode="r+", zarr_format=2)
    return {"": g, **{name: g[name] for name in TASK_ARRAYS}}


@dataclass(frozen=True)
class TaskResult:
    """What a task computed, to be written into the store's chunks that belong to it."""

    run: int
    chunk: int
    start: int  # its proposals: start … stop - 1
    stop: int
    first_experiment: int
    summary: np.ndarray  # (proposal, metric)
    verdict: np.ndarray  # (policy of the run's group, proposal)
    deciding: np.ndarray
    proposal_draw_years: int


def compute_task(task: Task) -> TaskResult | None:
    """A task's results, computed but not written (None when the store marks it done already:
    a cluster may run a task twice, a worker lost then found). The first task of a run of the
    first scenario checks the fast verdicts against :mod:`sim.feasibility`
    (:func:`_check_reference`): every group of policies once."""
    run, c = task.run, task.chunk
    arrays = task.arrays
    if arrays is None:  # not listed as pending by this process: read the store
        arrays = open_arrays(task.store)
        if int(arrays["task_done"][run.index, c]) == 1:
            return None
    a = c * task.chunk_proposals
    b = min(task.n_proposals, a + task.chunk_proposals)
    source = f"{task.store}: proposals {a}–{b - 1}"
    # validated when the design was made: columns straight from memory or from the store
    if task.portfolio is not None:
        stored = task.portfolio.slice(a, b)
    else:
        from sim.sweep.store import stored_portfolio

        stored = stored_portfolio(arrays[""], a, b, source)
    portfolio = _changed(stored, run, source)
    lib = load_library(run.params)
    policy = run.policies[0]
    # one thread: the sweep's workers run the tasks in parallel
    summary = engine.summaries(
        portfolio, policy, draws=task.draws, seed=task.seed, lib=lib, workers=1
    )
    bounded = np.flatnonzero(portfolio.columns["location.boundary"].astype(str) != "")
    screened = spatial.screen_proposals([portfolio.proposal(int(i)) for i in bounded], policy)
    screenings = dict(zip(bounded.tolist(), screened, strict=True))
    table = criteria_table(portfolio, policy, summary, screenings)
    verdict, deciding = apply_policies(table, run.policies)
    if c == 0 and run.scenario == 0:
        _check_reference(
            portfolio.proposal(0),
            run.policies,
            summary,
            screenings.get(0, spatial.unscreened(policy)),
            verdict[:, 0],
            deciding[:, 0],
        )
    return TaskResult(
        run=run.index,
        chunk=c,
        start=a,
        stop=b,
        first_experiment=run.first_experiment,
        summary=summary_columns(summary),
        verdict=verdict,
        deciding=deciding,
        proposal_draw_years=int(summary.horizons.sum()) * task.draws,
    )


def write_result(arrays: Mapping[str, Any], res: TaskResult | None) -> tuple[int, int]:
    """Write a task's results into its chunks, then mark it done; returns the number of
    proposals evaluated and of proposal-draw-years simulated (0, 0 for None)."""
    if res is None:
        return 0, 0
    a, b, e0 = res.start, res.stop, res.first_experiment
    arrays["summary"][res.run, a:b, :] = res.summary
    arrays["verdict"][e0 : e0 + res.verdict.shape[0], a:b] = res.verdict
    arrays["deciding"][e0 : e0 + res.deciding.shape[0], a:b] = res.deciding
    arrays["task_done"][res.run, res.chunk] = 1
    return b - a, res.proposal_draw_years


def run_task(task: Task) -> tuple[int, int]:
    """Run one task unless already done, and write it (:func:`compute_task`,
    :func:`write_result`): how a cluster's worker runs it."""
    res = compute_task(task)
    return write_result(task.arrays or open_arrays(task.store), res) if res else (0, 0)
