"""Calibration of a scenario's unknown parameters to reported completion figures.

The routine (deterministic for a given ``[calibration] seed``):

1. Parameters under ``[calibration.search]`` with a ``grid`` are integers (crews, inspector
   teams) searched on that grid; the others are continuous, searched in ``[low, high]``.
2. Objective (penalised least squares, a MAP estimate under weak normal priors)::

       J(θ) = Σ_targets [((A50 − A*) / (tol/3))² + ((N50 − N*) / (tol/3))²]
              + Σ_params ((θ_i − prior_i) / prior_sd_i)²

   where A50, N50 are the median completion by area and by count on the target date over
   ``replications`` replications run with the calibration seed (common random numbers: the same
   site areas, priorities and durations for every θ). The prior term keeps parameters that the
   targets cannot separate (crews against days per hectare; inspectors, which barely touch
   completion) at their stated engineering estimates instead of drifting.
3. Search: for each integer parameter in turn, every grid value is tried with the continuous
   parameters re-optimised by Nelder–Mead (scipy.optimize.minimize, bounded, from the priors);
   the best value is kept; cycles repeat until no integer changes (at most three).
4. The continuous results are rounded to four significant digits, the objective and the
   achieved medians are re-evaluated at the rounded values, and everything is written into the
   scenario file in place (comments kept): ``python -m sim.programme calibrate SCENARIO``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from sim.errors import InputError
from sim.outputs import atomic_write_text
from sim.programme.run import build_config, completion_at, run_replications, site_table
from sim.programme.scenario import Scenario


@dataclass
class CalibrationResult:
    """The calibrated values, the objective and the achieved medians on each target date."""

    values: dict[str, float | int]
    objective: float
    achieved: list[dict[str, float]]
    evaluations: int
    trace: list[tuple[dict[str, float | int], float]] = field(default_factory=list)


def evaluate_targets(scenario: Scenario, *, replications: int, seed: int) -> list[dict[str, float]]:
    """Median completion by area and count on each calibration target date."""
    cal = scenario.calibration
    if cal is None:
        raise InputError("the scenario has no [calibration] table")
    sites = site_table(scenario, seed=seed)
    records = run_replications(
        build_config(scenario, sites), sites, replications=replications, seed=seed
    )
    days = [scenario.day(t.date) for t in cal.targets]
    fr = completion_at(records, days)
    area = np.median(fr["complete_fraction_area"], axis=0)
    count = np.median(fr["complete_fraction_count"], axis=0)
    return [
        {"date": t.date.isoformat(), "area_p50": float(a), "count_p50": float(c)}
        for t, a, c in zip(cal.targets, area, count, strict=True)
    ]


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def calibrate(
    scenario: Scenario,
    *,
    replications: int | None = None,
    maxfev: int = 50,
    log: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Search the ``[calibration.search]`` parameters; see the module docstring."""
    cal = scenario.calibration
    if cal is None:
        raise InputError(f"{scenario.source_path}: no [calibration] table to calibrate against")
    reps = replications or cal.replications
    grids = {k: [int(v) for v in b.grid] for k, b in cal.search.items() if b.grid}
    cont = [k for k, b in cal.search.items() if not b.grid]
    cache: dict[tuple, tuple[float, list[dict[str, float]]]] = {}
    trace: list[tuple[dict[str, float | int], float]] = []

    def objective(values: Mapping[str, float | int]) -> tuple[float, list[dict[str, float]]]:
        key = tuple(sorted((k, round(float(v), 12)) for k, v in values.items()))
        if key not in cache:
            achieved = evaluate_targets(
                scenario.with_values(values), replications=reps, seed=cal.seed
            )
            j = 0.0
            for t, a in zip(cal.targets, achieved, strict=True):
                s = t.tolerance / 3
                j += ((a["area_p50"] - t.completion_by_area) / s) ** 2
                j += ((a["count_p50"] - t.completion_by_count) / s) ** 2
            for k, v in values.items():
                b = cal.search[k]
                j += ((float(v) - b.prior) / b.prior_sd) ** 2
            cache[key] = (j, achieved)
            trace.append((dict(values), j))
        return cache[key]

    def fit(ints: Mapping[str, int]) -> tuple[dict[str, float | int], float]:
        if not cont:
            return dict(ints), objective(ints)[0]
        lo = np.array([cal.search[k].low for k in cont])
        span = np.array([cal.search[k].high for k in cont]) - lo
        x0 = (np.array([cal.search[k].prior for k in cont]) - lo) / span

        def f(x: np.ndarray) -> float:
            vals = {**ints, **{k: float(lo[i] + span[i] * x[i]) for i, k in enumerate(cont)}}
            return objective(vals)[0]

        res = minimize(
            f,
            x0,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(cont),
            options={"maxfev": maxfev, "xatol": 1e-3, "fatol": 1e-2},
        )
        best = {**ints, **{k: _round(lo[i] + span[i] * res.x[i]) for i, k in enumerate(cont)}}
        return best, objective(best)[0]

    ints = {k: min(g, key=lambda v, k=k: abs(v - cal.search[k].prior)) for k, g in grids.items()}
    best, j_best = fit(ints)
    for cycle in range(3):
        changed = False
        for k, grid in grids.items():
            for v in grid:
                cand, j = fit({**{n: int(best[n]) for n in grids}, k: v})
                if log:
                    log(f"cycle {cycle + 1}: {k} = {v}: J = {j:.4g} at {cand}")
                if j < j_best - 1e-12:
                    best, j_best, changed = cand, j, True
        if not changed:
            break
    j_best, achieved = objective(best)
    return CalibrationResult(best, j_best, achieved, len(cache), trace)


# ------------------------------------------------------------------------------------------
# writing the result into the scenario file

_HEADER = re.compile(r"^\s*\[{1,2}\s*([^\]]+?)\s*\]{1,2}\s*(#.*)?$")


def _format(v: float | int) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"cannot write {v!r} into a scenario file")
    text = repr(_round(v)) if v != 0 else "0.0"
    return text if ("." in text or "e" in text) else text + ".0"


def set_values(text: str, values: Mapping[str, float | int]) -> str:
    """``text`` (TOML) with ``section.key = value`` lines replaced; comments are kept.

    Every dotted name must already be present as a ``key = value`` line in its table.
    """
    lines = text.splitlines(keepends=True)
    todo = dict(values)
    section = ""
    for n, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            section = m.group(1).strip()
            continue
        for dotted in list(todo):
            table, _, key = dotted.rpartition(".")
            if table != section:
                continue
            km = re.match(rf"^(\s*{re.escape(key)}\s*=\s*)([^#\n]*?)(\s*(#.*)?)(\r?\n)?$", line)
            if km:
                head, old, tail = km.group(1), km.group(2), km.group(3)
                value = _format(todo.pop(dotted))
                if km.group(4):  # keep the comment's column where there is room
                    column = len(head) + len(old) + len(tail) - len(tail.lstrip())
                    tail = " " * max(1, column - len(head) - len(value)) + tail.lstrip()
                lines[n] = f"{head}{value}{tail}{km.group(5) or ''}"
    if todo:
        raise InputError(
            "cannot write the calibration result: no line for "
            + ", ".join(sorted(todo))
            + " in the scenario file (add them with any value)"
        )
    return "".join(lines)


def write_result(path: str | Path, result: CalibrationResult) -> None:
    """Write the calibrated values and the achieved medians into the scenario file (atomic)."""
    path = Path(path)
    values: dict[str, float | int] = dict(result.values)
    values["calibration.result_objective"] = result.objective
    values["calibration.result_area_p50"] = result.achieved[0]["area_p50"]
    values["calibration.result_count_p50"] = result.achieved[0]["count_p50"]
    atomic_write_text(path, set_values(path.read_text("utf-8"), values))


def describe(result: CalibrationResult) -> dict[str, Any]:
    """JSON-ready description of a calibration result."""
    return {
        "values": result.values,
        "objective": result.objective,
        "achieved": result.achieved,
        "evaluations": result.evaluations,
    }
