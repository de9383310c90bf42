"""``restoresim sweep-report``: sensitivity, tornado, policy frontier and distributions.

From a complete store it writes (every file to a temporary name, then renamed):

- ``experiments.csv``: the design with every outcome, one row per experiment;
- ``policies.csv``: each outcome's mean and P10/P50/P90 across scenarios, one row per policy
  (the outcome distributions per policy), and ``distributions.png``;
- ``frontier.csv`` / ``frontier.png``: approval rate against expected unfunded liability (means
  across scenarios), one point per policy, with the Pareto-efficient policies flagged;
- ``deciding.csv``: mean number of rejections and conditional approvals by deciding criterion;
- ``tornado.csv`` / ``tornado.png``: for each uncertainty, the mean outcome over the scenarios
  in its lowest and highest third (by sampled quantile), per policy; the chart shows the cost
  tail and the unfunded liability under policy 0. Works with every sampler;
- ``sobol.csv`` (and ``sobol_second_order.csv``): Sobol' indices with bootstrap confidence
  intervals (SALib, Saltelli's estimators), when the design is ``sampler.method = 'sobol'``;
- ``summary.md``: what was written and the headline numbers.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sim.errors import InputError
from sim.outputs import atomic_write, atomic_write_text
from sim.sweep.portfolio import sweep_seed_sequence
from sim.sweep.store import BY_CRITERION, OUTCOMES, open_results

SOBOL_STREAM = 3
SOBOL_RESAMPLES = 200
#: outcomes analysed for sensitivity (Sobol and tornado)
SENSITIVITY_OUTCOMES: tuple[str, ...] = (
    "approval_rate",
    "grant_rate",
    "unfunded_liability_cny",
    "restoration_cost_cny",
    "restoration_cost_p90_sum_cny",
    "mean_success_probability",
    "restored_area_ha",
)
TORNADO_OUTCOMES = ("restoration_cost_p90_sum_cny", "unfunded_liability_cny")
FILES = (
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


def _short(lever: str) -> str:
    parts = lever.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else lever


def policy_labels(ds: xr.Dataset) -> list[str]:
    """A short label per policy: ``#id lever=value, ...``."""
    levers = [str(x) for x in ds["lever"].values]
    values = ds["policy_lever"].values
    out = []
    for p in range(ds.sizes["policy"]):
        parts = [f"{_short(lv)}={values[p, j]:g}" for j, lv in enumerate(levers)]
        out.append(f"#{p} " + ", ".join(parts) if parts else f"#{p}")
    return out


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


def _by_policy(ds: xr.Dataset, name: str) -> np.ndarray:
    """Outcome ``name`` as ``(policy, scenario)``."""
    x = ds[name].values
    return x.reshape(ds.sizes["scenario"], ds.sizes["policy"]).T


def policies_table(ds: xr.Dataset) -> pd.DataFrame:
    """Each outcome's distribution across scenarios, one row per policy."""
    rows = []
    for p, label in enumerate(policy_labels(ds)):
        row: dict[str, Any] = {"policy": p, "label": label}
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
    """Approval rate against expected unfunded liability, one row per policy (scenario means);
    ``efficient``: no other policy approves at least as many with at most as much liability and
    is better in one."""
    approval = _by_policy(ds, "approval_rate").mean(axis=1)
    grant = _by_policy(ds, "grant_rate").mean(axis=1)
    liab = _by_policy(ds, "unfunded_liability_cny")
    mean_liab = liab.mean(axis=1)
    efficient = [
        not any(
            (approval[q] >= approval[p] and mean_liab[q] <= mean_liab[p])
            and (approval[q] > approval[p] or mean_liab[q] < mean_liab[p])
            for q in range(len(approval))
        )
        for p in range(len(approval))
    ]
    return pd.DataFrame(
        {
            "policy": np.arange(len(approval)),
            "label": policy_labels(ds),
            "approval_rate": approval,
            "grant_rate": grant,
            "unfunded_liability_cny": mean_liab,
            "unfunded_liability_p90_across_scenarios_cny": np.percentile(liab, 90, axis=1),
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
    return pd.DataFrame(rows)


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


# --------------------------------------------------------------------------------------------
# figures (matplotlib's object API: no pyplot state)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def frontier_figure(front: pd.DataFrame) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5))
    ax = fig.add_subplot()
    x = front["unfunded_liability_cny"] / 1e6
    ax.scatter(x, front["approval_rate"] * 100, label="approved", zorder=3)
    ax.scatter(x, front["grant_rate"] * 100, marker="o", facecolors="none", edgecolors="C1",
               label="approved or conditional", zorder=3)  # fmt: skip
    eff = front[front["efficient"]].sort_values("unfunded_liability_cny")
    ax.plot(eff["unfunded_liability_cny"] / 1e6, eff["approval_rate"] * 100, "C0--", lw=1,
            label="efficient frontier")  # fmt: skip
    for _, row in front.iterrows():
        ax.annotate(f"#{row['policy']}", (row["unfunded_liability_cny"] / 1e6,
                    row["approval_rate"] * 100), textcoords="offset points", xytext=(4, 3),
                    fontsize=7)  # fmt: skip
    ax.set_xlabel("expected unfunded public liability of granted proposals [M CNY]")
    ax.set_ylabel("share of the portfolio [%]")
    ax.set_title("Policy frontier (means across scenarios; one point per policy)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


#: readable axis labels of the outcomes shown in figures
OUTCOME_LABELS = {
    "restoration_cost_p90_sum_cny": "restoration cost, sum of P90s",
    "unfunded_liability_cny": "expected unfunded public liability",
    "approval_rate": "approval rate",
}


def tornado_figure(tornado: pd.DataFrame, label: str) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(
        figsize=(7.5, 2.2 + 0.9 * len(TORNADO_OUTCOMES) * max(1, tornado.uncertainty.nunique()) / 3)
    )
    axes = fig.subplots(len(TORNADO_OUTCOMES), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, TORNADO_OUTCOMES, strict=True):
        t = tornado[(tornado.outcome == name) & (tornado.policy == 0)].copy()
        t["abs"] = t["swing"].abs()
        t = t.sort_values("abs")
        y = np.arange(len(t))
        base = float(t["mean"].iloc[0]) / 1e6 if len(t) else 0.0
        lo, hi = t["low_third"].to_numpy() / 1e6, t["high_third"].to_numpy() / 1e6
        ax.barh(y, lo - base, left=base, color="C0", label="lowest third")
        ax.barh(y, hi - base, left=base, color="C3", label="highest third")
        ax.axvline(base, color="k", lw=0.8)
        ax.set_yticks(y, t["uncertainty"].tolist())
        ax.set_xlabel(f"{OUTCOME_LABELS.get(name, name)} [M CNY]")
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_title(f"Tornado: mean outcome by uncertainty third, policy {label}", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def distributions_figure(ds: xr.Dataset) -> bytes:
    from matplotlib.figure import Figure

    p = ds.sizes["policy"]
    fig = Figure(figsize=(max(6.0, 0.5 * p + 2), 6))
    axes = fig.subplots(2, 1, sharex=True)
    for ax, (name, scale, unit) in zip(
        axes,
        (("approval_rate", 100, "%"), ("unfunded_liability_cny", 1e-6, "M CNY")),
        strict=True,
    ):
        y = _by_policy(ds, name) * scale
        ax.boxplot(
            list(y), tick_labels=[f"#{i}" for i in range(p)], whis=(10, 90), showfliers=False
        )
        ax.set_ylabel(f"{OUTCOME_LABELS.get(name, name)} [{unit}]")
        ax.grid(alpha=0.3)
    axes[0].set_title("Outcomes across scenarios by policy (box: quartiles, whiskers: P10-P90)")
    axes[1].set_xlabel("policy")
    return _png(fig)


# --------------------------------------------------------------------------------------------


def write_report(store: str | Path, out: str | Path, *, force: bool = False) -> list[Path]:
    """Write the report files of a complete sweep store into folder ``out``."""
    store, out = Path(store), Path(out)
    ds = open_results(store)
    if not int(ds.attrs.get("complete", 0)):
        raise InputError(
            f"{store}: the sweep is not complete; continue it with restoresim sweep SPEC --out "
            f"{store} --resume"
        )
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    clash = [f for f in FILES if (out / f).exists()]
    if clash and not force:
        raise InputError(f"--out {out}: {', '.join(clash)} already exist; use --force to overwrite")
    keep = [*OUTCOMES, *BY_CRITERION, "experiment_scenario", "experiment_policy", "policy_lever",
            "scenario_value", "scenario_unit"]  # fmt: skip
    ds = ds[keep].load()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, data: str | bytes) -> None:
        path = out / name
        if isinstance(data, str):
            atomic_write_text(path, data)
        else:
            atomic_write(path, lambda tmp: tmp.write_bytes(data))
        written.append(path)

    front = frontier_table(ds)
    tornado = tornado_table(ds)
    put("experiments.csv", experiments_table(ds).to_csv(index=False))
    put("policies.csv", policies_table(ds).to_csv(index=False))
    put("frontier.csv", front.to_csv(index=False))
    put("deciding.csv", deciding_table(ds).to_csv(index=False))
    put("frontier.png", frontier_figure(front))
    put("distributions.png", distributions_figure(ds))
    notes = []
    if len(tornado):
        put("tornado.csv", tornado.to_csv(index=False))
        put("tornado.png", tornado_figure(tornado, policy_labels(ds)[0]))
    else:
        notes.append("No tornado: the sweep has no uncertainties (or too few scenarios).")
    sob = sobol_tables(ds)
    if sob is not None:
        put("sobol.csv", sob[0].to_csv(index=False))
        if len(sob[1]):
            put("sobol_second_order.csv", sob[1].to_csv(index=False))
    else:
        notes.append(
            "No Sobol' indices: they need a Saltelli design ([sampler] method = 'sobol') "
            "with at least one uncertainty."
        )
    put("summary.md", _summary(ds, store, front, written, notes))
    return written


def _summary(
    ds: xr.Dataset, store: Path, front: pd.DataFrame, written: list[Path], notes: list[str]
) -> str:
    spec = json.loads(ds.attrs["spec"])
    lines = [
        f"# Sweep report: {spec['sweep']['name']}",
        "",
        f"Store `{store}`; {ds.sizes['experiment']} experiments = {ds.sizes['scenario']} "
        f"scenarios x {ds.sizes['policy']} policies; sampler {ds.attrs['sampler']}; seed "
        f"{ds.attrs['seed']}, {ds.attrs['draws']} draws; restoresim {ds.attrs['version']}.",
        "",
        "| policy | approval rate | approved or conditional | expected unfunded liability "
        "[M CNY] | efficient |",
        "|---|---|---|---|---|",
    ]
    for _, r in front.iterrows():
        lines.append(
            f"| {r['label']} | {r['approval_rate']:.1%} | {r['grant_rate']:.1%} | "
            f"{r['unfunded_liability_cny'] / 1e6:,.2f} | {'yes' if r['efficient'] else ''} |"
        )
    lines += ["", "Files: " + ", ".join(p.name for p in written) + ", summary.md.", ""]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"
