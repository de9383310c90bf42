"""One task of a sweep: a run (scenario x engine group) on one chunk of proposals.

A policy's thresholds and hardness do not change the engine's physics, so each task runs the
engine once (with the group's first policy: every policy of a group has the same success test
and plan) and applies all the group's policies to the same summaries:

1. :func:`sim.feasibility.assess` once per proposal gives every criterion's value, direction and
   (for criteria whose limit is not a policy threshold, such as ``licensed_area``) threshold;
2. :func:`apply_policies` re-thresholds those values for every policy at once (numpy) and
   decides like :func:`sim.feasibility.decide` with no condition search: a soft failure counts
   as ``conditional``. That is exact while the policy leaves a money lever unlimited (the
   fund's first deposit, or an enabled bond) and its soft criteria are those a condition
   always fixes (:func:`sim.sweep.store.conditional_exact`);
   otherwise it is an upper bound on conditional approvals;
3. the first proposal of every task is re-assessed and re-decided through
   :mod:`sim.feasibility` for every policy, and any disagreement is an internal error, so the
   fast path cannot drift from the reviewer's verdict.

The task writes its summaries and verdicts into chunks that belong to it alone, then marks
itself done; each chunk is written atomically (write to a temporary file, rename).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from sim import engine, feasibility, spatial
from sim.params import load_library
from sim.proposal import Proposal, _validate
from sim.sweep.design import Run

CRITERIA: tuple[str, ...] = tuple(feasibility.CRITERIA)
VERDICTS: tuple[str, ...] = ("approve", "conditional", "reject")

#: per-proposal summaries kept for every run: name -> (engine variable, quantile or None)
SUMMARY_FIELDS: dict[str, tuple[str, float | None]] = {
    "success_probability": ("success_probability", None),
    "assurance_probability": ("assurance_probability", None),
    "expected_unfunded_liability_cny": ("expected_unfunded_liability_cny", None),
    "unfunded_liability_p90_cny": ("unfunded_liability_cny", 0.9),
    "cost_p50_cny": ("cost_cny", 0.5),
    "cost_p90_cny": ("cost_cny", 0.9),
    "pv_cost_p90_cny": ("pv_cost_cny", 0.9),
    "pv_revenue_cny": ("pv_revenue_cny", 0.5),
    "total_disturbed_area_ha": ("total_disturbed_area_ha", 0.5),
    "success_area_share": ("success_area_share", 0.5),
    "pit_footprint_p90_ha": ("pit_footprint_ha", 0.9),
    "life_years": ("life_years", 0.5),
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
    """A fast read-only view of one proposal of a summary Dataset, for ``feasibility.assess``.

    Indexing a Dataset per proposal costs ~0.8 ms; this view costs microseconds. Its results
    are checked against the real Dataset row on the first proposal of every task.
    """

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
    proposals: list[Any], policy: Any, summary: xr.Dataset, screenings: list[Any]
) -> CriteriaTable:
    """Assess every proposal once under ``policy`` (any policy of the run's group)."""
    arrays = {k: v.values for k, v in summary.data_vars.items()}
    quantiles = [float(q) for q in summary["quantile"].values]
    rows = [
        feasibility.assess(p, policy, _Row(arrays, quantiles, i), screenings[i])  # type: ignore[arg-type]
        for i, p in enumerate(proposals)
    ]
    names = [c["name"] for c in rows[0]]
    unknown = [n for n in names if n not in CRITERIA]
    if unknown or any([c["name"] for c in r] != names for r in rows):
        raise RuntimeError(
            f"sweep: unexpected criteria from feasibility.assess: {unknown or names}"
        )

    def grid(key: str) -> np.ndarray:
        return np.array(
            [[np.nan if c[key] is None else float(c[key]) for c in r] for r in rows], dtype=float
        )

    assessed = np.array([[c["passed"] is not None for c in r] for r in rows], dtype=bool)
    return CriteriaTable(
        names=names,
        directions=[c["direction"] for c in rows[0]],
        values=grid("value"),
        assessed=assessed.reshape(len(rows), len(names)),
        thresholds=grid("threshold"),
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


def decode_deciding(mask: int) -> list[str]:
    """Criterion names of a deciding bit mask, in :data:`CRITERIA` order."""
    return [name for i, name in enumerate(CRITERIA) if mask >= 0 and mask & (1 << i)]


def _check_reference(
    proposal: Any,
    policies: tuple[Any, ...],
    summary: xr.Dataset,
    screening: Any,
    verdict: np.ndarray,
    deciding: np.ndarray,
) -> None:
    """The fast path must agree with :mod:`sim.feasibility` (assess + decide, no conditions)
    on the first proposal of the chunk: the fast row view against the real Dataset row, then
    every policy's verdict."""
    row = summary.isel(proposal=0)
    arrays = {k: v.values for k, v in summary.data_vars.items()}
    fast = _Row(arrays, [float(q) for q in summary["quantile"].values], 0)
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

    @property
    def key(self) -> str:
        return f"sweep-task-{self.run.index}-{self.chunk}"


def run_task(task: Task) -> tuple[int, int]:
    """Run one task unless already done.

    Returns the number of proposals evaluated and of proposal-draw-years simulated (both 0 when
    the task was already done).
    """
    import zarr

    g = zarr.open_group(task.store, mode="r+", zarr_format=2)
    run, c = task.run, task.chunk
    if int(g["task_done"][run.index, c]) == 1:
        return 0, 0
    a = c * task.chunk_proposals
    b = min(task.n_proposals, a + task.chunk_proposals)
    texts = g["proposal_json"][a:b]
    proposals = [  # fresh dicts from JSON: no need for parse_proposal's defensive deep copy
        _validate(Proposal, json.loads(str(t)), f"{task.store}: proposal_json[{a + i}]")
        for i, t in enumerate(texts)
    ]
    if run.plan or run.set_fields or run.scale_fields:
        proposals = [p.with_values(run.changes(p)) for p in proposals]
    lib = load_library(run.params)
    policy = run.policies[0]
    res = engine.run(proposals, policy, draws=task.draws, seed=task.seed, lib=lib)
    summary = res.summary
    screenings = spatial.screen_proposals(proposals, policy)
    table = criteria_table(proposals, policy, summary, screenings)
    verdict, deciding = apply_policies(table, run.policies)
    _check_reference(
        proposals[0], run.policies, summary, screenings[0], verdict[:, 0], deciding[:, 0]
    )
    g["summary"][run.index, a:b, :] = np.stack(
        [
            np.asarray((summary[var] if q is None else summary[var].sel(quantile=q)).values, float)
            for var, q in SUMMARY_FIELDS.values()
        ],
        axis=1,
    )
    e0 = run.first_experiment
    g["verdict"][e0 : e0 + len(run.policies), a:b] = verdict
    g["deciding"][e0 : e0 + len(run.policies), a:b] = deciding
    g["task_done"][run.index, c] = 1
    return b - a, int(summary["horizon_years"].values.sum()) * task.draws
