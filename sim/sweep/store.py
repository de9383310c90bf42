"""The sweep's results store: one chunked Zarr group (format 2), readable with xarray.

Written in three steps:

1. :func:`create_store` writes the **design** (experiments, policies with their lever values,
   scenarios with their sampled values, runs, the portfolio as canonical JSON, the spec) and
   the empty result arrays, into a temporary folder renamed into place, so a store either does
   not exist or holds its whole design;
2. tasks fill the **per-proposal results** (summaries by run, verdicts and deciding criteria by
   experiment); each task owns whole chunks and marks ``task_done`` last;
3. :func:`finalize` sums the **portfolio outcomes** of each experiment from the per-proposal
   results (in proposal order over the whole portfolio, so they do not depend on the chunking)
   and sets the ``complete`` attribute.

Missing results read as NaN (floats) or -1 (verdict, deciding). The per-proposal summaries are
stored as one array ``summary (run, proposal, metric)`` (one write per task);
:func:`open_results` splits it into one variable per metric. ``task_done`` is bookkeeping: it
depends on the chunking, and :func:`open_results` leaves it out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sim import outputs_registry as registry
from sim.errors import InputError
from sim.i18n import _
from sim.outputs import prepare_folder, temp_path
from sim.portfolio import as_portfolio
from sim.sweep.design import Design
from sim.sweep.spec import baseline_policy
from sim.sweep.tasks import CRITERIA, SUMMARY_FIELDS, VERDICTS
from sim.version import __version__

KIND = "restoresim-sweep"
ZARR_FORMAT = 2
BOOKKEEPING = ("task_done",)  # depends on the chunking; not part of the results

#: units and long names of the stored per-proposal summaries (by run): the output registry's
#: sweep metrics
SUMMARY_ATTRS: dict[str, tuple[str, str]] = {
    m.name: (m.unit, registry.metric_long_name(m))
    for m in registry.METRICS
    if m.name in SUMMARY_FIELDS
}

#: portfolio outcomes by experiment, and by experiment and criterion (the output registry's)
OUTCOMES: dict[str, tuple[str, str]] = {
    o.name: (o.unit, o.long_name) for o in registry.SWEEP_OUTCOMES
}
BY_CRITERION: dict[str, tuple[str, str]] = {
    o.name: (o.unit, o.long_name) for o in registry.SWEEP_BY_CRITERION
}
_DECISIONS = registry.by_name(registry.SWEEP_DECISIONS)
#: the store's design variables (inputs of the sweep, not outputs: not in the registry)
DESIGN_VARIABLES: tuple[str, ...] = (
    "experiment_scenario",
    "experiment_policy",
    "policy_group",
    "policy_lever",
    "policy_conditional_exact",
    "scenario_value",
    "scenario_unit",
    "run_scenario",
    "run_group",
    "proposal_json",
)
assert not set(OUTCOMES) & set(SUMMARY_FIELDS), "outcome and summary names must differ"


#: soft criteria whose failure a condition always fixes when an unlimited money lever is open: a
#: large enough first deposit into the fund (or, where the policy takes one, bond) covers any
#: shortfall (assurance, unfunded liability); stating the polygon's area fixes boundary_area
ALWAYS_FIXABLE = ("assurance", "unfunded_liability", "boundary_area")


def conditional_exact(policy: Any) -> bool:
    """Whether counting every soft failure as 'conditional' is exact under ``policy``: a money
    lever without a limit (the first deposit into the fund, or an enabled bond), and every
    criterion other than :data:`ALWAYS_FIXABLE` hard."""
    soft = [name for name, crit in policy.criteria.items() if not crit.hard]
    cond = policy.conditions
    unlimited = cond.max_fund_initial_deposit_cny is None or (
        cond.bond and cond.max_bond_cny is None
    )
    return unlimited and set(soft) <= set(ALWAYS_FIXABLE)


def _attrs(units: str, long_name: str, **extra: Any) -> dict[str, Any]:
    return {"units": units, "long_name": long_name, **extra}


def _lazy(shape: tuple[int, ...], chunks: tuple[int, ...], dtype: Any, fill: Any) -> Any:
    import dask.array as da

    return da.full(shape, fill, dtype=dtype, chunks=chunks)


def _dataset(design: Design, chunk_proposals: int) -> tuple[xr.Dataset, dict[str, Any]]:
    spec = design.spec
    n, p, e, s, r = (
        len(design.proposals),
        design.n_policies,
        design.n_experiments,
        design.n_scenarios,
        design.n_runs,
    )
    k, gr = design.n_inner, design.n_groups
    cp = max(1, min(chunk_proposals, n))
    n_chunks = -(-n // cp)
    lever_names = [lv.path for lv in design.levers]
    uncs = spec.uncertainties
    lever_values = np.array(
        [[float(row[name]) for name in lever_names] for row in design.policy_values], dtype=float
    ).reshape(p, len(lever_names))
    data: dict[str, xr.Variable] = {
        "experiment_scenario": xr.Variable(
            "experiment", np.repeat(np.arange(s), p).astype(np.int32), _attrs("1", "scenario id")
        ),
        "experiment_policy": xr.Variable(
            "experiment", np.tile(np.arange(p), s).astype(np.int32), _attrs("1", "policy id")
        ),
        "policy_group": xr.Variable(
            "policy",
            (np.arange(p) // k).astype(np.int32),
            _attrs("1", "engine group: policies that share an engine run"),
        ),
        "policy_lever": xr.Variable(
            ("policy", "lever"),
            lever_values,
            _attrs(
                "1",
                "value of each lever (booleans as 0/1)",
                lever_kind=json.dumps([lv.kind for lv in design.levers]),
            ),
        ),
        "policy_conditional_exact": xr.Variable(
            "policy",
            np.array([conditional_exact(pol) for pol in design.policies], dtype=bool),
            _attrs(
                "1",
                "whether 'conditional' is exact for the policy (see conditional_exact); "
                "otherwise it is an upper bound on approvals with conditions",
            ),
        ),
        "scenario_value": xr.Variable(
            ("scenario", "uncertainty"),
            design.values.reshape(s, len(uncs)),
            _attrs(
                "1",
                "sampled value of each uncertainty",
                distribution=json.dumps([u.dist().describe() for u in uncs]),
                target=json.dumps([{u.target: getattr(u, u.target)} for u in uncs]),
            ),
        ),
        "scenario_unit": xr.Variable(
            ("scenario", "uncertainty"),
            design.unit.reshape(s, len(uncs)),
            _attrs("1", "the scenario's point of the unit hypercube (quantile of each value)"),
        ),
        "run_scenario": xr.Variable(
            "run", (np.arange(r) // gr).astype(np.int32), _attrs("1", "scenario of the run")
        ),
        "run_group": xr.Variable(
            "run", (np.arange(r) % gr).astype(np.int32), _attrs("1", "engine group of the run")
        ),
        "proposal_json": xr.Variable(
            "proposal",
            np.array(design.proposal_json(), dtype=object),
            _attrs("1", "the validated proposal as JSON (the portfolio of the design)"),
        ),
    }
    encoding: dict[str, Any] = {}
    metrics = list(SUMMARY_FIELDS)
    data["summary"] = xr.Variable(
        ("run", "proposal", "metric"),
        _lazy((r, n, len(metrics)), (1, cp, len(metrics)), float, np.nan),
        _attrs(
            "see metric_units",
            "per-proposal summaries of each run (open_results splits them by metric)",
            metric_units=json.dumps([SUMMARY_ATTRS[m][0] for m in metrics]),
            metric_long_names=json.dumps([SUMMARY_ATTRS[m][1] for m in metrics]),
        ),
    )
    encoding["summary"] = {"_FillValue": np.nan}
    data["verdict"] = xr.Variable(
        ("experiment", "proposal"),
        _lazy((e, n), (k, cp), np.int8, -1),
        _DECISIONS["verdict"].attrs()
        | {"flag_values": list(range(len(VERDICTS))), "flag_meanings": " ".join(VERDICTS)},
    )
    data["deciding"] = xr.Variable(
        ("experiment", "proposal"),
        _lazy((e, n), (k, cp), np.int16, -1),
        _DECISIONS["deciding"].attrs()
        | {
            "flag_masks": [1 << i for i in range(len(CRITERIA))],
            "flag_meanings": " ".join(CRITERIA),
        },
    )
    encoding["verdict"] = {"_FillValue": -1}
    encoding["deciding"] = {"_FillValue": -1}
    data["task_done"] = xr.Variable(
        ("run", "proposal_chunk"),
        _lazy((r, n_chunks), (1, 1), np.int8, 0),
        _attrs("1", "1 when the task (run, proposal chunk) is written", chunk_proposals=cp),
    )
    encoding["task_done"] = {"_FillValue": 0}
    oc = max(1, min(e, 65_536))
    for name, (units, long_name) in OUTCOMES.items():
        data[name] = xr.Variable(
            "experiment", _lazy((e,), (oc,), float, np.nan), _attrs(units, long_name)
        )
        encoding[name] = {"_FillValue": np.nan}
    for name, (units, long_name) in BY_CRITERION.items():
        data[name] = xr.Variable(
            ("experiment", "criterion"),
            _lazy((e, len(CRITERIA)), (oc, len(CRITERIA)), float, np.nan),
            _attrs(units, long_name),
        )
        encoding[name] = {"_FillValue": np.nan}
    canonical = spec.canonical()
    baseline, _, defaulted = baseline_policy(spec)
    attrs = {
        "title": f"restoresim sweep {spec.sweep.name}",
        "kind": KIND,
        "description": spec.sweep.description,
        "spec": canonical,
        "spec_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "seed": spec.sweep.seed,
        "draws": spec.sweep.draws,
        "sampler": spec.sampler.method,
        "second_order": int(spec.sampler.second_order),
        "n_inner": k,
        "baseline_policy": baseline,
        "baseline_defaulted": json.dumps(defaulted),
        "policies": json.dumps([pol.to_dict() for pol in design.policies], sort_keys=True),
        "version": __version__,
        "Conventions": "CF-1.10",
        "source": f"restoresim {__version__}",
        "complete": 0,
    }
    ds = xr.Dataset(
        data,
        coords={
            "experiment": np.arange(e),
            "scenario": np.arange(s),
            "policy": np.arange(p),
            "run": np.arange(r),
            "proposal": np.array(as_portfolio(design.proposals).ids, dtype=object),
            "criterion": np.array(CRITERIA, dtype=object),
            "uncertainty": np.array([u.name for u in uncs], dtype=object),
            "lever": np.array(lever_names, dtype=object),
            "metric": np.array(metrics, dtype=object),
        },
        attrs=attrs,
    )
    return ds, encoding


def create_store(design: Design, path: Path, chunk_proposals: int) -> None:
    """Write the design and the empty results to ``path`` (via a temporary folder)."""
    if not len(design.proposals):
        raise InputError(
            _("{source}: the portfolio is empty", source=design.spec.source_path)
        )
    ds, encoding = _dataset(design, chunk_proposals)
    prepare_folder(path.parent)
    tmp = temp_path(path, directory=True)
    try:
        ds.to_zarr(
            tmp,
            mode="a",
            compute=False,
            consolidated=False,
            zarr_format=ZARR_FORMAT,
            encoding=encoding,
        )
        try:
            os.rename(tmp, path)
        except OSError:
            if not path.exists():
                raise
            raise InputError(
                _(
                    "--out {path}: another sweep created this store meanwhile; run one sweep per "
                    "store (continue it with --resume once the other has stopped)",
                    path=path,
                )
            ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_group(path: Path, mode: str = "r") -> Any:
    """The store's Zarr group; an InputError when ``path`` is not a sweep store."""
    import zarr

    try:
        g = zarr.open_group(str(path), mode=mode, zarr_format=ZARR_FORMAT)  # type: ignore[arg-type]
    except (FileNotFoundError, ValueError, KeyError, OSError) as exc:
        raise InputError(
            _("{path}: not a restoresim sweep store ({why})", path=path, why=exc)
        ) from None
    if g.attrs.get("kind") != KIND:
        raise InputError(
            _(
                "{path}: not a restoresim sweep store (no kind = {kind} attribute)",
                path=path, kind=repr(KIND),
            )
        )
    return g


def remove_partial_files(path: Path) -> int:
    """Delete chunk files a killed writer left half-written (``*.partial``); returns how many."""
    n = 0
    for f in path.rglob("*.partial"):
        f.unlink(missing_ok=True)
        n += 1
    return n


def stored_sample(g: Any) -> tuple[np.ndarray, np.ndarray]:
    """The stored scenarios ``(unit, values)``."""
    return np.asarray(g["scenario_unit"][...]), np.asarray(g["scenario_value"][...])


def _outcomes(
    x: dict[str, np.ndarray], verdict: np.ndarray, deciding: np.ndarray, cap: np.ndarray
) -> dict[str, np.ndarray]:
    """Portfolio outcomes of experiments ``(k,)`` from their verdicts ``(k, n)``, the run's
    per-proposal summaries ``(n,)`` and the policies' unfunded-liability thresholds ``(k,)``."""
    n = verdict.shape[1]
    approved, cond, rej = verdict == 0, verdict == 1, verdict == 2
    granted = approved | cond

    def total(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.sum(np.where(mask, values if values.ndim == 2 else values[None, :], 0.0), axis=1)

    eu = x["expected_unfunded_liability_cny"]
    restored = x["total_disturbed_area_ha"] * x["success_area_share"]
    n_granted = granted.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_success = total(granted, x["success_probability"]) / n_granted
    out = {
        "approved": approved.sum(axis=1).astype(float),
        "conditional": cond.sum(axis=1).astype(float),
        "rejected": rej.sum(axis=1).astype(float),
        "approval_rate": approved.sum(axis=1) / n,
        "grant_rate": n_granted / n,
        "unfunded_liability_cny": total(approved, eu) + total(cond, np.minimum(eu, cap[:, None])),
        "unfunded_liability_before_conditions_cny": total(granted, eu),
        "unfunded_liability_p90_sum_cny": total(granted, x["unfunded_liability_p90_cny"]),
        "unfunded_liability_approved_cny": total(approved, eu),
        "avoided_unfunded_liability_cny": total(rej, eu),
        "disturbed_area_ha": total(granted, x["total_disturbed_area_ha"]),
        "restored_area_ha": total(
            granted & np.isfinite(restored)[None, :], np.nan_to_num(restored)
        ),
        "mean_success_probability": np.where(n_granted > 0, mean_success, np.nan),
        "restoration_cost_cny": total(granted, x["cost_p50_cny"]),
        "restoration_cost_p90_sum_cny": total(granted, x["cost_p90_cny"]),
    }
    bits = 1 << np.arange(len(CRITERIA))
    hit = (deciding[:, :, None] & bits[None, None, :]) > 0
    out["rejected_by"] = (hit & rej[:, :, None]).sum(axis=1).astype(float)
    out["conditional_by"] = (hit & cond[:, :, None]).sum(axis=1).astype(float)
    return out


def finalize(path: Path) -> None:
    """Compute every experiment's portfolio outcomes and mark the store complete."""
    g = open_group(path, "r+")
    done = np.asarray(g["task_done"][...])
    if not (done == 1).all():
        raise RuntimeError(f"{path}: {int((done != 1).sum())} tasks are not done")
    k = int(g.attrs["n_inner"])
    thresholds = np.array(
        [
            pol["criteria"]["unfunded_liability"]["threshold"]
            for pol in json.loads(g.attrs["policies"])
        ],
        dtype=float,
    )
    n_policies = len(thresholds)
    n_runs = g["run_scenario"].shape[0]
    e = g["experiment_scenario"].shape[0]
    results = {name: np.full(e, np.nan) for name in OUTCOMES}
    results.update({name: np.full((e, len(CRITERIA)), np.nan) for name in BY_CRITERION})
    for r in range(n_runs):
        block = np.asarray(g["summary"][r, :, :], dtype=float)
        x = {name: block[:, j] for j, name in enumerate(SUMMARY_FIELDS)}
        rows = slice(r * k, (r + 1) * k)
        cap = thresholds[np.arange(r * k, (r + 1) * k) % n_policies]
        out = _outcomes(
            x, np.asarray(g["verdict"][rows, :]), np.asarray(g["deciding"][rows, :]), cap
        )
        for name, values in out.items():
            results[name][rows] = values
    for name, values in results.items():
        g[name][...] = values
    g.attrs["complete"] = 1


def open_results(path: str | Path) -> xr.Dataset:
    """The results as an xarray Dataset (lazy, dask-backed), without bookkeeping variables.

    Verdict and deciding stay integers (-1 where missing); every float is NaN where missing.
    """
    path = Path(path)
    open_group(path)
    ds = xr.open_zarr(path, consolidated=False, mask_and_scale=False, zarr_format=ZARR_FORMAT)
    split = {
        name: ds["summary"]
        .sel(metric=name, drop=True)
        .assign_attrs(units=SUMMARY_ATTRS[name][0], long_name=SUMMARY_ATTRS[name][1])
        for name in SUMMARY_FIELDS
    }
    return ds.assign(split).drop_vars([*BOOKKEEPING, "summary", "metric"])


def progress_of(path: Path) -> tuple[int, int]:
    """Tasks done and tasks in all."""
    g = open_group(path)
    done = np.asarray(g["task_done"][...])
    return int((done == 1).sum()), int(done.size)
