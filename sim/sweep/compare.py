"""Policy comparisons against a baseline: the tables ``sweep-report`` leads with.

Every number is computed per scenario first and then summarised across scenarios (mean, P10,
P50, P90); a change from the baseline is the difference in the **same** scenario (common random
numbers: the same draws, the same sampled uncertainties), summarised the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sim.proposal import Criteria
from sim.sweep.labels import LABELS, money_scale, t
from sim.sweep.spec import plan_lever_paths, policy_lever_paths
from sim.sweep.tasks import CRITERIA, VERDICTS, decode_deciding

#: quantities of the comparison: name -> the stored outcomes it sums ("-x": minus x);
#: ``rejected_share`` is ``rejected`` over the number of applications
QUANTITIES: dict[str, tuple[str, ...]] = {
    "approved": ("approved",),
    "conditional": ("conditional",),
    "rejected": ("rejected",),
    "approved_share": ("approval_rate",),
    "conditional_share": ("grant_rate", "-approval_rate"),
    "rejected_share": ("rejected",),
    "liability_avoided_cny": ("avoided_unfunded_liability_cny",),
    "liability_approved_cny": ("unfunded_liability_approved_cny",),
    "liability_conditional_as_applied_cny": (
        "unfunded_liability_before_conditions_cny",
        "-unfunded_liability_approved_cny",
    ),
    "liability_granted_as_applied_cny": ("unfunded_liability_before_conditions_cny",),
    "liability_granted_conditions_met_at_most_cny": ("unfunded_liability_cny",),
    "liability_secured_by_conditions_at_least_cny": (
        "unfunded_liability_before_conditions_cny",
        "-unfunded_liability_cny",
    ),
    "restored_area_ha": ("restored_area_ha",),
    "disturbed_area_ha": ("disturbed_area_ha",),
    "restoration_cost_cny": ("restoration_cost_cny",),
}
STATS = ("mean", "p10", "p50", "p90")
CHANGES = ("change_mean", "change_p10", "change_p90")
PERCENT_CRITERIA = ("assurance", "success_probability", "cost_to_revenue", "boundary_area")


def by_policy(ds: xr.Dataset, name: str) -> np.ndarray:
    """Experiment outcome ``name`` as ``(policy, scenario)``."""
    x = np.asarray(ds[name].values, dtype=float)
    return x.reshape(ds.sizes["scenario"], ds.sizes["policy"]).T


def quantity(ds: xr.Dataset, name: str) -> np.ndarray:
    """A quantity of :data:`QUANTITIES` as ``(policy, scenario)``."""
    if name == "rejected_share":
        return by_policy(ds, "rejected") / ds.sizes["proposal"]
    out = np.zeros((ds.sizes["policy"], ds.sizes["scenario"]))
    for term in QUANTITIES[name]:
        sign = -1.0 if term.startswith("-") else 1.0
        out = out + sign * by_policy(ds, term.lstrip("-"))
    return out


# --------------------------------------------------------------------------------------------
# baseline and rule labels


def baseline_of(ds: xr.Dataset) -> tuple[int, list[str], bool]:
    """The baseline policy id, the levers it took by default (first value), and whether the
    store records it (stores written before the baseline existed: policy 0)."""
    if "baseline_policy" not in ds.attrs:
        return 0, [], False
    return int(ds.attrs["baseline_policy"]), json.loads(ds.attrs["baseline_defaulted"]), True


def _number(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _threshold(criterion: str, value: float, lang: str) -> str:
    if criterion in PERCENT_CRITERIA:
        return f"{value * 100:.4g} %"
    if criterion == "unfunded_liability":
        return f"{value * money_scale(lang):.4g} {t('unit.mcny', lang)}"
    if criterion == "highwall_slope":
        return f"{value:.4g}°"
    if criterion == "protected_overlap":
        return f"{value:.4g} {t('unit.ha', lang)}"
    return _number(value)


def _field_rule(path: str, value: float, lang: str) -> str:
    key = f"field.{path}"
    known = LABELS.get(key)
    typ = {**policy_lever_paths(), **plan_lever_paths()}.get(path, float)
    words = t(key, lang) if known else path.split(".")[-1].replace("_", " ")
    if typ is bool:
        return f"{words} = {t('yes' if value else 'no', lang)}"
    if known and "{value" in known:
        return t(key, lang, value=value)
    if path.endswith(("fraction", "share", "rate_of_revenue")):
        return f"{words} {value * 100:.4g} %"
    if path.endswith("_cny"):
        return f"{words} {value * money_scale(lang):.4g} {t('unit.mcny', lang)}"
    return f"{words} {_number(value)}"


def rule_label(levers: dict[str, float], lang: str = "en") -> str:
    """A policy's lever values in words: ``assurance ≥ 95 %, hard; unfunded liability ≤ 2 M
    CNY`` (levers on one criterion together, in the order given)."""
    parts: dict[str, list[str]] = {}
    for path, value in levers.items():
        bits = path.split(".")
        if bits[0] == "criteria" and len(bits) == 3:
            name, field = bits[1], bits[2]
            words = t(f"criterion.{name}", lang)
            if field == "hard":
                parts.setdefault(words, []).append(t("hard" if value else "soft", lang))
            elif field == "threshold":
                direction = Criteria.model_fields[name].annotation.direction  # type: ignore[union-attr]
                sign = "≤" if direction == "<=" else "≥"
                parts.setdefault(words, []).insert(0, f"{sign} {_threshold(name, value, lang)}")
            else:
                parts.setdefault(words, []).append(f"{field} {_number(value)}")
        else:
            parts.setdefault(_field_rule(path, value, lang), [])
    zh = lang == "zh"  # Chinese punctuation: "资金保障概率 ≥ 95 %，否决项；…"
    comma, semicolon = ("，", "；") if zh else (", ", "; ")
    out = []
    for words, bits in parts.items():
        if bits and bits[0][:1] in "≤≥":
            out.append(f"{words} {bits[0]}" + "".join(f"{comma}{b}" for b in bits[1:]))
        elif bits and zh:
            out.append(comma.join([words, *bits]))
        else:
            out.append(" ".join([words, *bits]))
    return semicolon.join(out)


def rule_labels(ds: xr.Dataset, lang: str = "en") -> list[str]:
    """Every policy's rule in words (:func:`rule_label`), by policy id."""
    levers = [str(x) for x in ds["lever"].values]
    values = np.asarray(ds["policy_lever"].values, dtype=float)
    return [
        rule_label(dict(zip(levers, values[p], strict=True)), lang) or t("baseline", lang)
        for p in range(ds.sizes["policy"])
    ]


def fixed_rules(ds: xr.Dataset, lang: str = "en") -> str:
    """The base policy's criteria that no lever changes, in words."""
    policies = json.loads(ds.attrs["policies"])
    levered = {str(x).split(".")[1] for x in ds["lever"].values if str(x).startswith("criteria.")}
    rules = []
    for name, crit in policies[0]["criteria"].items():
        if name in levered:
            continue
        values = {f"criteria.{name}.threshold": crit["threshold"]} if "threshold" in crit else {}
        values[f"criteria.{name}.hard"] = crit["hard"]
        rules.append(rule_label(values, lang))
    return ("；" if lang == "zh" else "; ").join(rules)


# --------------------------------------------------------------------------------------------
# tables


def comparison_table(ds: xr.Dataset, lang: str = "en", baseline: int | None = None) -> pd.DataFrame:
    """One row per policy: every quantity's mean and P10/P50/P90 across scenarios, and its
    change from the baseline (paired by scenario): mean and P10/P90. ``baseline``: compare
    with that policy id instead of the store's baseline."""
    base = baseline_of(ds)[0] if baseline is None else int(baseline)
    labels = rule_labels(ds, lang)
    table: dict[str, Any] = {
        "policy": np.arange(ds.sizes["policy"]),
        "policy_label": labels,
        "baseline": np.arange(ds.sizes["policy"]) == base,
    }
    for name in QUANTITIES:
        x = quantity(ds, name)
        d = x - x[base]
        table[f"{name}_mean"] = x.mean(axis=1)
        for q in (10, 50, 90):
            table[f"{name}_p{q}"] = np.percentile(x, q, axis=1)
        table[f"{name}_change_mean"] = d.mean(axis=1)
        table[f"{name}_change_p10"] = np.percentile(d, 10, axis=1)
        table[f"{name}_change_p90"] = np.percentile(d, 90, axis=1)
    return pd.DataFrame(table)


def _verdicts(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Verdict codes and deciding masks as ``(scenario, policy, proposal)``."""
    s, p = ds.sizes["scenario"], ds.sizes["policy"]
    v = np.asarray(ds["verdict"].values).reshape(s, p, -1)
    d = np.asarray(ds["deciding"].values).reshape(s, p, -1)
    return v, d


def _runs(ds: xr.Dataset, policy: int) -> np.ndarray:
    """Run index of each scenario's engine run for ``policy``."""
    groups = int(ds.sizes["run"]) // ds.sizes["scenario"]
    return np.arange(ds.sizes["scenario"]) * groups + int(ds["policy_group"].values[policy])


def verdict_changes(ds: xr.Dataset, lang: str = "en", baseline: int | None = None) -> pd.DataFrame:
    """One row per (policy, application, change of verdict from the baseline): in how many
    scenarios it happens, the deciding criteria under the baseline and under the policy (the
    most frequent in those scenarios), and the application's assurance probability and
    expected unfunded liability (medians over those scenarios' runs of the policy).
    ``baseline``: compare with that policy id instead of the store's baseline."""
    base = baseline_of(ds)[0] if baseline is None else int(baseline)
    v, d = _verdicts(ds)
    labels = rule_labels(ds, lang)
    ids = [str(x) for x in ds["proposal"].values]
    s = ds.sizes["scenario"]
    rows: list[dict[str, Any]] = []
    for p in range(ds.sizes["policy"]):
        if p == base:
            continue
        runs = _runs(ds, p)
        assurance = np.asarray(ds["assurance_probability"].values)[runs]  # (scenario, proposal)
        liability = np.asarray(ds["expected_unfunded_liability_cny"].values)[runs]
        changed = v[:, p] != v[:, base]
        for i in np.flatnonzero(changed.any(axis=0)):
            pairs = Counter(
                (int(v[k, base, i]), int(v[k, p, i])) for k in np.flatnonzero(changed[:, i])
            )
            for (a, b), n in sorted(pairs.items()):
                hit = (v[:, base, i] == a) & (v[:, p, i] == b)
                deciding = Counter(int(x) for x in d[hit, p, i]).most_common(1)[0][0]
                before = Counter(int(x) for x in d[hit, base, i]).most_common(1)[0][0]
                rows.append(
                    {
                        "policy": p,
                        "policy_label": labels[p],
                        "proposal": ids[i],
                        "baseline_verdict": VERDICTS[a],
                        "verdict": VERDICTS[b],
                        "change": f"{VERDICTS[a]} -> {VERDICTS[b]}",
                        "scenarios": n,
                        "share_of_scenarios": n / s,
                        "deciding_baseline": " ".join(decode_deciding(before)),
                        "deciding": " ".join(decode_deciding(deciding)),
                        "assurance_probability_p50": float(np.median(assurance[hit, i])),
                        "expected_unfunded_liability_cny_p50": float(np.median(liability[hit, i])),
                    }
                )
    columns = [
        "policy", "policy_label", "proposal", "baseline_verdict", "verdict", "change",
        "scenarios", "share_of_scenarios", "deciding_baseline", "deciding",
        "assurance_probability_p50", "expected_unfunded_liability_cny_p50",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def change_counts(ds: xr.Dataset, changes: pd.DataFrame) -> pd.DataFrame:
    """Mean number of applications per scenario by policy, change and why: the deciding
    criteria under the policy, or for a change to approval, the baseline's (what no longer
    fails, column ``resolved``)."""
    keys = ["policy", "policy_label", "change", "deciding", "resolved"]
    if changes.empty:
        return pd.DataFrame(columns=[*keys, "mean"])
    changes = changes.assign(
        deciding=changes["deciding"].fillna(""),
        resolved=np.where(
            changes["verdict"] == "approve", changes["deciding_baseline"].fillna(""), ""
        ),
    )
    g = changes.groupby(keys, as_index=False)
    out = g["scenarios"].sum()
    out["mean"] = out.pop("scenarios") / ds.sizes["scenario"]
    return out.sort_values(["policy", "mean"], ascending=[True, False], kind="stable")


def deciding_means(ds: xr.Dataset, policy: int) -> pd.DataFrame:
    """Number of conditional approvals and rejections decided by each criterion: the mean over
    scenarios (columns ``conditional_by``, ``rejected_by``) and the P10 and P90 across them
    (``..._p10``, ``..._p90``)."""
    s, p = ds.sizes["scenario"], ds.sizes["policy"]
    out = {}
    for name in ("conditional_by", "rejected_by"):
        x = np.asarray(ds[name].values, dtype=float).reshape(s, p, len(CRITERIA))[:, policy]
        out[name] = x.mean(axis=0)
        out[f"{name}_p10"] = np.percentile(x, 10, axis=0)
        out[f"{name}_p90"] = np.percentile(x, 90, axis=0)
    return pd.DataFrame(out, index=list(CRITERIA))


def why_conditional(ds: xr.Dataset) -> dict[str, float]:
    """The baseline's verdict shares and what makes its applications conditional: the share
    of conditional ones that fail assurance, their median assurance probability and the
    baseline's assurance threshold."""
    base, _, _ = baseline_of(ds)
    v, d = _verdicts(ds)
    n = ds.sizes["proposal"]
    bit = 1 << CRITERIA.index("assurance")
    cond = v[:, base] == 1
    by_assurance = cond & ((d[:, base] & bit) > 0)
    assurance = np.asarray(ds["assurance_probability"].values)[_runs(ds, base)]
    policy = json.loads(ds.attrs["policies"])[base]
    return {
        "approved": float((v[:, base] == 0).sum() / v.shape[0] / n),
        "conditional": float(cond.sum() / v.shape[0] / n),
        "rejected": float((v[:, base] == 2).sum() / v.shape[0] / n),
        "assurance_share": float(by_assurance.sum() / max(1, cond.sum())),
        "assurance_median": float(np.median(assurance[by_assurance]))
        if by_assurance.any()
        else float("nan"),
        "threshold": float(policy["criteria"]["assurance"]["threshold"]),
    }
