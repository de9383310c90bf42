"""``restoresim sweep-report``: the policy comparison against a baseline, then sensitivity.

From a complete store it writes (every file to a temporary name, then renamed):

- ``summary.md``: one table per question, each policy a row named by its rule, against the
  baseline (:mod:`sim.sweep.summary`);
- ``comparison.csv``: per policy, every quantity of the comparison (counts, shares, liability,
  area, cost) with mean and P10/P50/P90 across scenarios and its change from the baseline
  (:mod:`sim.sweep.compare`);
- ``changes.csv``: every application whose verdict differs from the baseline's, per policy and
  change, with the deciding criteria and in how many scenarios;
- ``experiments.csv``: the design with every outcome, one row per experiment;
- ``policies.csv``: each outcome's mean and P10/P50/P90 across scenarios, one row per policy,
  and ``distributions.png``;
- ``frontier.csv`` / ``frontier.png``: share granted against the liability the granted
  applications leave, one point per policy labelled by its rule, the baseline marked;
- ``deciding.csv``: mean number of rejections and conditional approvals by deciding criterion;
- ``tornado.csv`` / ``tornado.png``: for each uncertainty, the mean outcome over the scenarios
  in its lowest and highest third (by sampled quantile), per policy; the chart shows the
  baseline. Works with every sampler;
- ``sobol.csv`` (and ``sobol_second_order.csv``): Sobol' indices with bootstrap confidence
  intervals (SALib, Saltelli's estimators), when the design is ``sampler.method = 'sobol'``.

Every user-visible text is in :mod:`sim.sweep.labels`.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sim.errors import InputError
from sim.i18n import _
from sim.outputs import atomic_write, atomic_write_text
from sim.sweep import compare, figures
from sim.sweep.compare import by_policy as _by_policy
from sim.sweep.compare import rule_labels
from sim.sweep.labels import shown_unit, t
from sim.sweep.portfolio import sweep_seed_sequence
from sim.sweep.store import BY_CRITERION, OUTCOMES, open_results
from sim.sweep.summary import summary_markdown

SOBOL_STREAM = 3
SOBOL_RESAMPLES = 200
#: outcomes analysed for sensitivity (Sobol and tornado)
SENSITIVITY_OUTCOMES: tuple[str, ...] = (
    "approval_rate",
    "grant_rate",
    "unfunded_liability_cny",
    "unfunded_liability_before_conditions_cny",
    "restoration_cost_cny",
    "restoration_cost_p90_sum_cny",
    "mean_success_probability",
    "restored_area_ha",
)
FILES = (
    "comparison.csv",
    "changes.csv",
    "experiments.csv",
    "policies.csv",
    "frontier.csv",
    "deciding.csv",
    "tornado.csv",
    "sobol.csv",
    "sobol_second_order.csv",
    "frontier.png",
    "tornado.png",
    "distributions.png",
    "summary.md",
)


def policy_labels(ds: xr.Dataset, lang: str = "en") -> list[str]:
    """Each policy's rule in words (see :func:`sim.sweep.compare.rule_label`)."""
    return rule_labels(ds, lang)


def experiments_table(ds: xr.Dataset) -> pd.DataFrame:
    """The design and every outcome, one row per experiment."""
    s = ds["experiment_scenario"].values
    p = ds["experiment_policy"].values
    table: dict[str, Any] = {"experiment": ds["experiment"].values, "scenario": s, "policy": p}
    for j, name in enumerate(str(u) for u in ds["uncertainty"].values):
        table[name] = ds["scenario_value"].values[s, j]
    for j, name in enumerate(str(lv) for lv in ds["lever"].values):
        table[name] = ds["policy_lever"].values[p, j]
    for name in OUTCOMES:
        table[name] = ds[name].values
    for name in BY_CRITERION:
        for j, crit in enumerate(str(c) for c in ds["criterion"].values):
            table[f"{name}_{crit}"] = ds[name].values[:, j]
    return pd.DataFrame(table)


def policies_table(ds: xr.Dataset) -> pd.DataFrame:
    """Each outcome's distribution across scenarios, one row per policy."""
    rows = []
    for p, label in enumerate(policy_labels(ds)):
        row: dict[str, Any] = {"policy": p, "policy_label": label}
        for j, lv in enumerate(str(x) for x in ds["lever"].values):
            row[lv] = ds["policy_lever"].values[p, j]
        for name in OUTCOMES:
            x = _by_policy(ds, name)[p]
            row[f"{name}_mean"] = float(np.mean(x))
            for q in (10, 50, 90):
                row[f"{name}_p{q}"] = float(np.percentile(x, q))
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_table(ds: xr.Dataset) -> pd.DataFrame:
    """Share granted against the expected unfunded liability the granted applications leave as
    applied for, one row per policy (means across scenarios), with the liability once their
    conditions are met (an upper bound) and the share approved outright; ``efficient``: no other
    policy grants at least as many with at most as much liability and is better in one."""
    grant = _by_policy(ds, "grant_rate").mean(axis=1)
    liab = _by_policy(ds, "unfunded_liability_before_conditions_cny")
    mean_liab = liab.mean(axis=1)
    efficient = [
        not any(
            (grant[q] >= grant[p] and mean_liab[q] <= mean_liab[p])
            and (grant[q] > grant[p] or mean_liab[q] < mean_liab[p])
            for q in range(len(grant))
        )
        for p in range(len(grant))
    ]
    base, _, _ = compare.baseline_of(ds)
    return pd.DataFrame(
        {
            "policy": np.arange(len(grant)),
            "policy_label": policy_labels(ds),
            "baseline": np.arange(len(grant)) == base,
            "grant_rate": grant,
            "approval_rate": _by_policy(ds, "approval_rate").mean(axis=1),
            "unfunded_liability_as_applied_cny": mean_liab,
            "unfunded_liability_as_applied_p90_across_scenarios_cny": np.percentile(
                liab, 90, axis=1
            ),
            "unfunded_liability_conditions_met_at_most_cny": _by_policy(
                ds, "unfunded_liability_cny"
            ).mean(axis=1),
            "efficient": efficient,
        }
    )


def deciding_table(ds: xr.Dataset) -> pd.DataFrame:
    """Mean number of proposals decided by each criterion, per policy and verdict."""
    rows = []
    for name, verdict in (("rejected_by", "reject"), ("conditional_by", "conditional")):
        x = ds[name].values.reshape(ds.sizes["scenario"], ds.sizes["policy"], -1).mean(axis=0)
        for p in range(ds.sizes["policy"]):
            for j, crit in enumerate(str(c) for c in ds["criterion"].values):
                rows.append({"policy": p, "verdict": verdict, "criterion": crit, "mean": x[p, j]})
    return pd.DataFrame(rows)


def tornado_table(ds: xr.Dataset) -> pd.DataFrame:
    """Mean outcome over the scenarios in each uncertainty's lowest and highest third."""
    unit = ds["scenario_unit"].values
    rows = []
    for name in SENSITIVITY_OUTCOMES:
        y = _by_policy(ds, name)
        for p in range(ds.sizes["policy"]):
            base = float(np.mean(y[p]))
            for j, unc in enumerate(str(u) for u in ds["uncertainty"].values):
                lo, hi = unit[:, j] <= 1 / 3, unit[:, j] >= 2 / 3
                if not lo.any() or not hi.any():
                    continue
                low, high = float(np.mean(y[p, lo])), float(np.mean(y[p, hi]))
                rows.append(
                    {
                        "outcome": name,
                        "policy": p,
                        "uncertainty": unc,
                        "mean": base,
                        "low_third": low,
                        "high_third": high,
                        "swing": high - low,
                    }
                )
    return pd.DataFrame(rows, columns=TORNADO_COLUMNS)


#: the columns of :func:`tornado_table` (also when a sweep samples no uncertainty)
TORNADO_COLUMNS = ("outcome", "policy", "uncertainty", "mean", "low_third", "high_third", "swing")


def sobol_tables(ds: xr.Dataset) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """First-order and total Sobol' indices with 95 % bootstrap intervals (and second order),
    per outcome and policy; None unless the design is Saltelli's."""
    from SALib.analyze import sobol

    if ds.attrs.get("sampler") != "sobol" or ds.sizes["uncertainty"] == 0:
        return None
    names = [str(u) for u in ds["uncertainty"].values]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    second = bool(ds.attrs.get("second_order"))
    seed = int(sweep_seed_sequence(int(ds.attrs["seed"]), SOBOL_STREAM).generate_state(1)[0])
    first_rows, second_rows = [], []
    for name in SENSITIVITY_OUTCOMES:
        y = _by_policy(ds, name)
        for p in range(ds.sizes["policy"]):
            if not np.all(np.isfinite(y[p])) or np.var(y[p]) == 0:
                continue  # a constant outcome has no variance to apportion
            with warnings.catch_warnings():
                # An uncertainty that does not move the outcome makes SALib's f(AB_j) equal
                # f(A) and it warns "Constant values encountered"; its indices are then exactly
                # 0, which is the right answer, so that one warning is not a problem here.
                warnings.filterwarnings(
                    "ignore", message="Constant values encountered", category=UserWarning
                )
                res = sobol.analyze(
                    problem,
                    y[p],
                    calc_second_order=second,
                    num_resamples=SOBOL_RESAMPLES,
                    conf_level=0.95,
                    seed=seed,
                )
            for j, unc in enumerate(names):
                first_rows.append(
                    {
                        "outcome": name,
                        "policy": p,
                        "uncertainty": unc,
                        "S1": res["S1"][j],
                        "S1_conf": res["S1_conf"][j],
                        "ST": res["ST"][j],
                        "ST_conf": res["ST_conf"][j],
                    }
                )
            if second:
                for j in range(len(names)):
                    for k in range(j + 1, len(names)):
                        second_rows.append(
                            {
                                "outcome": name,
                                "policy": p,
                                "uncertainty_1": names[j],
                                "uncertainty_2": names[k],
                                "S2": res["S2"][j, k],
                                "S2_conf": res["S2_conf"][j, k],
                            }
                        )
    return pd.DataFrame(first_rows), pd.DataFrame(second_rows)


def _ranges(ds: xr.Dataset) -> dict[str, str]:
    """Each uncertainty's sampled range, for the tornado's labels."""
    values = np.asarray(ds["scenario_value"].values, dtype=float)
    return {
        str(u): f"{values[:, j].min():.3g}–{values[:, j].max():.3g}"
        for j, u in enumerate(ds["uncertainty"].values)
    }


def write_report(
    store: str | Path,
    out: str | Path,
    *,
    force: bool = False,
    lang: str = "en",
    progress: bool = False,
) -> list[Path]:
    """Write the report files of a complete sweep store into folder ``out`` (``lang``: the
    language of :mod:`sim.sweep.labels`; CSV column names stay English). ``progress``: a bar
    of the files written on stderr, if it is a terminal."""
    store, out = Path(store), Path(out)
    ds = open_results(store)
    if not int(ds.attrs.get("complete", 0)):
        raise InputError(
            _(
                "{store}: the sweep is not complete; continue it with restoresim sweep {spec} "
                "--out {store} --resume",
                store=store, spec=ds.attrs.get("spec_path") or "SPEC",
            )
        )
    if out.exists() and not out.is_dir():
        raise InputError(_("--out {out}: exists and is not a folder", out=out))
    clash = [f for f in FILES if (out / f).exists()]
    if clash and not force:
        raise InputError(
            _(
                "--out {out}: {names} already exist; use --force to overwrite",
                out=out, names=_(", ").join(clash),
            )
        )
    keep = [*OUTCOMES, *BY_CRITERION, "experiment_scenario", "experiment_policy", "policy_lever",
            "scenario_value", "scenario_unit", "verdict", "deciding", "policy_group",
            "policy_conditional_exact", "assurance_probability",
            "expected_unfunded_liability_cny"]  # fmt: skip
    ds = ds[keep].load()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    from tqdm import tqdm

    sobol_files = (
        (1 + int(ds.attrs.get("second_order", 0)))
        if ds.attrs.get("sampler") == "sobol" and ds.sizes["uncertainty"]
        else 0
    )
    bar = tqdm(
        total=9 + 2 * bool(ds.sizes["uncertainty"]) + sobol_files, desc=t("progress", lang),
        unit="file", leave=False, file=sys.stderr, mininterval=0, dynamic_ncols=True,
        disable=not progress or not sys.stderr.isatty(),
    )  # fmt: skip
    try:
        return _write_files(ds, store, out, lang, written, bar)
    finally:
        bar.close()


def _write_files(
    ds: xr.Dataset, store: Path, out: Path, lang: str, written: list[Path], bar: Any
) -> list[Path]:
    """The files of :func:`write_report`, each one a step of ``bar``."""

    def put(name: str, data: str | bytes) -> None:
        bar.set_postfix_str(name)
        path = out / name
        if isinstance(data, str):
            atomic_write_text(path, data)
        else:
            atomic_write(path, lambda tmp: tmp.write_bytes(data))
        written.append(path)
        bar.update()

    base, _, _ = compare.baseline_of(ds)
    labels = policy_labels(ds, lang)
    comp = compare.comparison_table(ds, lang)
    changes = compare.verdict_changes(ds, lang)
    tornado = tornado_table(ds)
    put("comparison.csv", comp.to_csv(index=False))
    put("changes.csv", changes.to_csv(index=False))
    put("experiments.csv", experiments_table(ds).to_csv(index=False))
    put("policies.csv", policies_table(ds).to_csv(index=False))
    put("frontier.csv", frontier_table(ds).to_csv(index=False))
    put("deciding.csv", deciding_table(ds).to_csv(index=False))
    put("frontier.png", figures.frontier_figure(comp, lang))
    put(
        "distributions.png",
        figures.distributions_figure(
            labels,
            base,
            {
                "rejected_share": (compare.quantity(ds, "rejected_share"), 100.0, "unit.pct"),
                "unfunded_liability_before_conditions_cny": (
                    compare.quantity(ds, "liability_granted_as_applied_cny"),
                    *shown_unit("unfunded_liability_before_conditions_cny", lang),
                ),
            },
            lang,
        ),
    )
    notes = []
    if len(tornado):
        put("tornado.csv", tornado.to_csv(index=False))
        put("tornado.png", figures.tornado_figure(tornado, base, labels[base], _ranges(ds), lang))
    else:
        notes.append(t("no_tornado", lang))
    sob = sobol_tables(ds)
    if sob is not None:
        put("sobol.csv", sob[0].to_csv(index=False))
        if len(sob[1]):
            put("sobol_second_order.csv", sob[1].to_csv(index=False))
    else:
        notes.append(t("no_sobol", lang))
    counts = compare.change_counts(ds, changes)
    text = summary_markdown(
        ds, store, comp, counts, tornado, None if sob is None else sob[0], written, notes, lang
    )
    put("summary.md", text)
    return written
