"""The sweep's results store: one chunked Zarr group (format 2), readable with xarray.

Written in three steps:

1. :func:`create_store` writes the **design** (experiments, policies with their lever values,
   scenarios with their sampled values, runs, the validated portfolio as two tables, its
   numbers ``portfolio_number (proposal, number_field)`` and texts ``portfolio_text (proposal,
   text_field)``, the spec) and the empty result arrays, with Zarr directly (one array per
   variable, nothing computed), into a temporary folder renamed into place, so a store either
   does not exist or holds its whole design;
2. tasks fill the **per-proposal results** (summaries by run, verdicts and deciding criteria by
   experiment); each task owns whole chunks and marks ``task_done`` last;
3. :func:`finalize` sums the **portfolio outcomes** of each experiment from the per-proposal
   results (in proposal order over the whole portfolio, so they do not depend on the chunking)
   and sets the ``complete`` attribute.

Missing results read as NaN (floats) or -1 (verdict, deciding). The per-proposal summaries are
stored as one array ``summary (run, proposal, metric)`` (one write per task) and the outcomes
as ``outcomes (experiment, outcome)`` and ``outcomes_by_criterion (experiment,
criterion_outcome, criterion)`` (one write each); :func:`open_results` splits them into one
variable per metric and outcome. ``task_done`` is bookkeeping: it
depends on the chunking, and :func:`open_results` leaves it out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sim import outputs_registry as registry
from sim.errors import InputError
from sim.i18n import _
from sim.outputs import prepare_folder, temp_path
from sim.portfolio import SPECS, as_portfolio
from sim.sweep.design import Design
from sim.sweep.portfolio import from_stored, stored_columns
from sim.sweep.spec import baseline_policy
from sim.sweep.tasks import CRITERIA, SUMMARY_FIELDS, VERDICTS
from sim.version import __version__

KIND = "restoresim-sweep"
ZARR_FORMAT = 2
BOOKKEEPING = ("task_done",)  # depends on the chunking; not part of the results
#: 2: the portfolio as two tables and the outcomes packed (1, before: per-proposal JSON and one
#: array per outcome; :func:`open_results` reads both, a sweep resumes only its own)
LAYOUT = 2
#: memory for the per-proposal results that :func:`finalize` reads at once (a block of runs)
FINALIZE_BLOCK_BYTES = 64 * 2**20

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
    "portfolio_number",
    "portfolio_text",
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


def field_unit(path: str) -> str:
    """The unit of a stored portfolio field, as the input contract gives it ("1" for a
    share, a count or a boolean)."""
    return SPECS[path].unit or "1"


def field_long_name(path: str) -> str:
    """A stored portfolio field's description in the input contract, up to its first ';'
    (without the unit in brackets: that is :func:`field_unit`)."""
    head = SPECS[path].description.split(";")[0].strip()
    unit = SPECS[path].unit
    return head.removesuffix(f"[{unit}]").strip() if unit else head


def _attrs(units: str, long_name: str, **extra: Any) -> dict[str, Any]:
    return {"units": units, "long_name": long_name, **extra}


@dataclass(frozen=True)
class _Var:
    """One array of the store: its dimensions, attributes and either its data or, for a result
    array the tasks fill, its shape, chunks, dtype and fill value (nothing is written: a missing
    chunk reads as the fill value)."""

    dims: tuple[str, ...]
    attrs: dict[str, Any]
    data: np.ndarray | None = None
    shape: tuple[int, ...] = ()
    chunks: tuple[int, ...] = ()
    dtype: Any = None
    fill: Any = None


def _empty(
    dims: tuple[str, ...], attrs: dict[str, Any], shape: tuple[int, ...],
    chunks: tuple[int, ...], dtype: Any, fill: Any,
) -> _Var:  # fmt: skip
    return _Var(dims, attrs, None, shape, chunks, dtype, fill)


def _variables(design: Design, chunk_proposals: int) -> tuple[dict[str, _Var], dict[str, Any]]:
    """The store's arrays (coordinates first) and the group's attributes."""
    spec = design.spec
    portfolio = as_portfolio(design.proposals)
    n, p, e, s, r = (
        len(portfolio),
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
    number_fields, numbers, text_fields, texts = stored_columns(portfolio)
    metrics = list(SUMMARY_FIELDS)
    out: dict[str, _Var] = {
        name: _Var((name,), {}, np.asarray(values))
        for name, values in {
            "experiment": np.arange(e),
            "scenario": np.arange(s),
            "policy": np.arange(p),
            "run": np.arange(r),
            "proposal": np.array(portfolio.ids, dtype=object),
            "criterion": np.array(CRITERIA, dtype=object),
            "uncertainty": np.array([u.name for u in uncs], dtype=object),
            "lever": np.array(lever_names, dtype=object),
            "metric": np.array(metrics, dtype=object),
            "outcome": np.array(list(OUTCOMES), dtype=object),
            "criterion_outcome": np.array(list(BY_CRITERION), dtype=object),
            "number_field": np.array(number_fields, dtype=object),
            "text_field": np.array(text_fields, dtype=object),
        }.items()
    }
    out.update({
        "experiment_scenario": _Var(
            ("experiment",), _attrs("1", "scenario id"),
            np.repeat(np.arange(s), p).astype(np.int32),
        ),
        "experiment_policy": _Var(
            ("experiment",), _attrs("1", "policy id"), np.tile(np.arange(p), s).astype(np.int32)
        ),
        "policy_group": _Var(
            ("policy",),
            _attrs("1", "engine group: policies that share an engine run"),
            (np.arange(p) // k).astype(np.int32),
        ),
        "policy_lever": _Var(
            ("policy", "lever"),
            _attrs(
                "1",
                "value of each lever (booleans as 0/1)",
                lever_kind=json.dumps([lv.kind for lv in design.levers]),
            ),
            lever_values,
        ),
        "policy_conditional_exact": _Var(
            ("policy",),
            _attrs(
                "1",
                "whether 'conditional' is exact for the policy (see conditional_exact); "
                "otherwise it is an upper bound on approvals with conditions",
            ),
            np.array([conditional_exact(pol) for pol in design.policies], dtype=bool),
        ),
        "scenario_value": _Var(
            ("scenario", "uncertainty"),
            _attrs(
                "1",
                "sampled value of each uncertainty",
                distribution=json.dumps([u.dist().describe() for u in uncs]),
                target=json.dumps([{u.target: getattr(u, u.target)} for u in uncs]),
            ),
            design.values.reshape(s, len(uncs)),
        ),
        "scenario_unit": _Var(
            ("scenario", "uncertainty"),
            _attrs("1", "the scenario's point of the unit hypercube (quantile of each value)"),
            design.unit.reshape(s, len(uncs)),
        ),
        "run_scenario": _Var(
            ("run",), _attrs("1", "scenario of the run"), (np.arange(r) // gr).astype(np.int32)
        ),
        "run_group": _Var(
            ("run",), _attrs("1", "engine group of the run"), (np.arange(r) % gr).astype(np.int32)
        ),
        "portfolio_number": _Var(
            ("proposal", "number_field"),
            _attrs(
                "see field_units",
                "the validated portfolio's numeric fields, in the units of the input contract "
                "(booleans as 0/1; NaN where the proposal gives none)",
                field_units=json.dumps([field_unit(f) for f in number_fields]),
                field_long_names=json.dumps([field_long_name(f) for f in number_fields]),
            ),
            numbers,
        ),
        "portfolio_text": _Var(
            ("proposal", "text_field"),
            _attrs(
                "1",
                "the validated portfolio's text fields (\"\" where the proposal gives none; "
                "boundary paths absolute)",
                field_long_names=json.dumps([field_long_name(f) for f in text_fields]),
            ),
            texts,
        ),
        "summary": _empty(
            ("run", "proposal", "metric"),
            _attrs(
                "see metric_units",
                "per-proposal summaries of each run (open_results splits them by metric)",
                metric_units=json.dumps([SUMMARY_ATTRS[m][0] for m in metrics]),
                metric_long_names=json.dumps([SUMMARY_ATTRS[m][1] for m in metrics]),
            ),
            (r, n, len(metrics)), (1, cp, len(metrics)), np.float64, np.nan,
        ),
        "verdict": _empty(
            ("experiment", "proposal"),
            _DECISIONS["verdict"].attrs()
            | {"flag_values": list(range(len(VERDICTS))), "flag_meanings": " ".join(VERDICTS)},
            (e, n), (k, cp), np.int8, -1,
        ),
        "deciding": _empty(
            ("experiment", "proposal"),
            _DECISIONS["deciding"].attrs()
            | {
                "flag_masks": [1 << i for i in range(len(CRITERIA))],
                "flag_meanings": " ".join(CRITERIA),
            },
            (e, n), (k, cp), np.int16, -1,
        ),
        "task_done": _empty(
            ("run", "proposal_chunk"),
            _attrs("1", "1 when the task (run, proposal chunk) is written", chunk_proposals=cp),
            (r, n_chunks), (1, 1), np.int8, 0,
        ),
        "outcomes": _empty(
            ("experiment", "outcome"),
            _attrs(
                "see outcome_units",
                "portfolio outcomes of each experiment (open_results splits them by outcome)",
                outcome_units=json.dumps([u for u, _ in OUTCOMES.values()]),
                outcome_long_names=json.dumps([ln for _, ln in OUTCOMES.values()]),
            ),
            (e, len(OUTCOMES)), (e, len(OUTCOMES)), np.float64, np.nan,
        ),
        "outcomes_by_criterion": _empty(
            ("experiment", "criterion_outcome", "criterion"),
            _attrs(
                "see outcome_units",
                "portfolio outcomes of each experiment by criterion (open_results splits them)",
                outcome_units=json.dumps([u for u, _ in BY_CRITERION.values()]),
                outcome_long_names=json.dumps([ln for _, ln in BY_CRITERION.values()]),
            ),
            (e, len(BY_CRITERION), len(CRITERIA)), (e, len(BY_CRITERION), len(CRITERIA)),
            np.float64, np.nan,
        ),
    })  # fmt: skip
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
        "layout": LAYOUT,
        # where the spec was read from, to say how to continue the sweep ("" for a spec given
        # as data)
        "spec_path": str(spec.source_path.resolve()) if spec.source_path is not None else "",
    }
    return out, attrs


def _write_group(path: Path, variables: dict[str, _Var], attrs: dict[str, Any]) -> None:
    """A Zarr group (format 2) of ``variables`` as xarray reads it (``_ARRAY_DIMENSIONS``); a
    result array's chunks are not written (they read as its fill value)."""
    import zarr

    g = zarr.open_group(str(path), mode="w", zarr_format=ZARR_FORMAT, attributes=attrs)
    for name, v in variables.items():
        data = v.data
        shape = v.shape if data is None else data.shape
        chunks = v.chunks if data is None else shape
        dtype = v.dtype if data is None else data.dtype
        fill = v.fill
        if data is not None and data.dtype == object:  # text: variable-length UTF-8
            dtype, fill = str, None
        elif data is not None and data.dtype.kind == "f":
            fill = np.nan
        arr = g.create_array(
            name,
            shape=shape,
            chunks=tuple(max(1, c) for c in chunks),
            dtype=dtype,
            fill_value=fill,
            attributes={**v.attrs, "_ARRAY_DIMENSIONS": list(v.dims)},
        )
        if data is not None and data.size:
            arr[...] = data


def create_store(design: Design, path: Path, chunk_proposals: int) -> None:
    """Write the design and the empty results to ``path`` (via a temporary folder)."""
    if not len(design.proposals):
        raise InputError(
            _("{source}: the portfolio is empty", source=design.spec.source_path)
        )
    variables, attrs = _variables(design, chunk_proposals)
    prepare_folder(path.parent)
    tmp = temp_path(path, directory=True)
    try:
        _write_group(tmp, variables, attrs)
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
    outcomes = np.full((e, len(OUTCOMES)), np.nan)
    by_criterion = np.full((e, len(BY_CRITERION), len(CRITERIA)), np.nan)
    summary, verdicts, deciding = g["summary"], g["verdict"], g["deciding"]
    n = summary.shape[1]
    # runs read a block at a time (one read per array and block, not per run), at most
    # FINALIZE_BLOCK_BYTES of summaries, verdicts and deciding criteria in memory
    per_run = n * (len(SUMMARY_FIELDS) * 8 + k * 3)
    step = max(1, min(n_runs, FINALIZE_BLOCK_BYTES // max(1, per_run)))
    for r0 in range(0, n_runs, step):
        r1 = min(n_runs, r0 + step)
        blocks = np.asarray(summary[r0:r1, :, :], dtype=float)
        v_block = np.asarray(verdicts[r0 * k : r1 * k, :])
        d_block = np.asarray(deciding[r0 * k : r1 * k, :])
        for r in range(r0, r1):
            x = {name: blocks[r - r0, :, j] for j, name in enumerate(SUMMARY_FIELDS)}
            rows = slice(r * k, (r + 1) * k)
            local = slice((r - r0) * k, (r - r0 + 1) * k)
            cap = thresholds[np.arange(r * k, (r + 1) * k) % n_policies]
            out = _outcomes(x, v_block[local], d_block[local], cap)
            for j, name in enumerate(OUTCOMES):
                outcomes[rows, j] = out[name]
            for j, name in enumerate(BY_CRITERION):
                by_criterion[rows, j, :] = out[name]
    g["outcomes"][...] = outcomes
    g["outcomes_by_criterion"][...] = by_criterion
    g.attrs["complete"] = 1


def open_results(path: str | Path) -> xr.Dataset:
    """The results as an xarray Dataset (lazy, dask-backed), without bookkeeping variables.

    Verdict and deciding stay integers (-1 where missing); every float is NaN where missing.
    """
    path = Path(path)
    open_group(path)
    ds = xr.open_zarr(path, consolidated=False, mask_and_scale=False, zarr_format=ZARR_FORMAT)
    split, packs = {}, []
    for packed, dim, names in (
        ("summary", "metric", SUMMARY_ATTRS),
        ("outcomes", "outcome", OUTCOMES),  # layout 1: one array per outcome
        ("outcomes_by_criterion", "criterion_outcome", BY_CRITERION),
    ):
        if packed not in ds:
            continue
        packs += [packed, dim]
        for name, (units, long_name) in names.items():
            da = ds[packed].sel({dim: name}, drop=True)
            da.attrs = {"units": units, "long_name": long_name, "_FillValue": np.float64(np.nan)}
            split[name] = da
    return ds.assign(split).drop_vars([*BOOKKEEPING, *packs])


def stored_portfolio(g: Any, start: int, stop: int, source: str) -> Any:
    """Proposals ``start … stop-1`` of the store's group ``g`` as a validated
    :class:`~sim.portfolio.Portfolio` (:func:`sim.sweep.portfolio.from_stored`)."""
    return from_stored(
        [str(x) for x in np.asarray(g["number_field"][...])],
        np.asarray(g["portfolio_number"][start:stop]),
        [str(x) for x in np.asarray(g["text_field"][...])],
        np.asarray(g["portfolio_text"][start:stop]),
        source,
    )


def progress_of(path: Path) -> tuple[int, int]:
    """Tasks done and tasks in all."""
    g = open_group(path)
    done = np.asarray(g["task_done"][...])
    return int((done == 1).sum()), int(done.size)
