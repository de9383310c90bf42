"""``summary.md`` of ``restoresim sweep-report``: one table per question, every policy a row named
by its rule, against the baseline; then why applications are conditional, which change verdict,
and what drives the outcome, in words. Every text comes from :mod:`sim.sweep.labels`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sim.sweep import compare
from sim.sweep.figures import TORNADO_OUTCOMES
from sim.sweep.labels import money_scale, outcome_head, shown_unit, t
from sim.sweep.tasks import CRITERIA


def _range(row: pd.Series, name: str, scale: float, digits: int, sign: bool = False) -> str:
    """``mean [P10–P90]`` of a quantity (its change when ``name`` ends in ``_change``)."""
    stem, change = (name[: -len("_change")], True) if name.endswith("_change") else (name, False)
    keys = ("change_mean", "change_p10", "change_p90") if change else ("mean", "p10", "p90")
    m, lo, hi = (float(row[f"{stem}_{k}"]) * scale for k in keys)
    f = f"{{:{'+' if sign else ''},.{digits}f}}"

    def show(x: float) -> str:
        text = f.format(x)  # a change that rounds to zero is 0.00, not -0.00 or +0.00
        return text[1:] if text[0] in "+-" and float(text[1:].replace(",", "")) == 0 else text

    return f"{show(m)} [{show(lo)}–{show(hi)}]"


def _row_label(row: pd.Series, lang: str) -> str:
    label = str(row["policy_label"])
    return f"**{label}{t('baseline_mark', lang)}**" if row["baseline"] else label


def _table(columns: str, rows: list[list[str]]) -> list[str]:
    n = columns.count("|") + 1
    return [f"| {columns} |", "|" + "---|" * n, *(f"| {' | '.join(r)} |" for r in rows)]


def _counts(row: pd.Series, name: str) -> str:
    share = float(row[f"{name}_share_mean"])
    return f"{_range(row, name, 1, 1)} · {share:.1%}"


def _drivers(tornado: pd.DataFrame, sobol: pd.DataFrame | None, base: int, lang: str) -> list[str]:
    out = []
    for name in TORNADO_OUTCOMES:
        scale, unit = shown_unit(name, lang)
        tb = tornado[(tornado.outcome == name) & (tornado.policy == base)]
        if tb.empty:
            continue
        tb = tb.assign(size=tb["swing"].abs()).sort_values("size", ascending=False)
        top = tb.iloc[0]
        shown = t(unit, lang)

        def fmt(x: float, shown: str = shown, scale: float = scale) -> str:
            v = x * scale
            return f"{v:,.0f} {shown}" if abs(v) >= 100 else f"{v:,.3g} {shown}"

        tiny = 1e-9 * max(1.0, abs(float(top["mean"])))
        if top["size"] <= tiny:
            outcome = t(f"outcome.{name}", lang)
            out.append(f"- {t('q6.flat', lang, outcome=outcome, mean=fmt(top['mean']))}")
            continue

        text = t(
            "q6.tornado",
            lang,
            outcome=t(f"outcome.{name}", lang),
            first=top["uncertainty"],
            lo=fmt(top["low_third"]),
            hi=fmt(top["high_third"]),
            mean=fmt(top["mean"]),
        )
        zh = lang == "zh"  # Chinese brackets and separators in a Chinese report
        left, right, semicolon = ("（", "）", "；") if zh else (" (", ")", "; ")
        others = [
            f"{r['uncertainty']}{left}{fmt(r['low_third'])} → {fmt(r['high_third'])}{right}"
            for _, r in tb.iloc[1:3].iterrows()
            if r["size"] > tiny
        ]
        if others:
            text += t("q6.next", lang, others=semicolon.join(others))
        if sobol is not None and len(sobol):
            s = sobol[(sobol.outcome == name) & (sobol.policy == base)]
            s = s[s.uncertainty == top["uncertainty"]]
            if len(s):
                s1, st = float(s.S1.iloc[0]), float(s.ST.iloc[0])
                text += t(
                    "q6.sobol",
                    lang,
                    first=top["uncertainty"],
                    s1=s1,
                    s1c=float(s.S1_conf.iloc[0]),
                    st=st,
                    stc=float(s.ST_conf.iloc[0]),
                )
                if not (0 <= s1 <= 1 and 0 <= st <= 1):
                    text += t("q6.sobol_few", lang)
        out.append(f"- {text}")
    return out or [f"- {t('q6.none', lang)}"]


def summary_markdown(
    ds: xr.Dataset,
    store: Path,
    comp: pd.DataFrame,
    counts: pd.DataFrame,
    tornado: pd.DataFrame,
    sobol: pd.DataFrame | None,
    written: list[Path],
    notes: list[str],
    lang: str = "en",
) -> str:
    """The summary: headline tables against the baseline, then the explanations."""
    spec = json.loads(ds.attrs["spec"])
    cny = money_scale(lang)  # CNY to the shown money unit (M CNY, or 万元 in Chinese)
    base, defaulted, known = compare.baseline_of(ds)
    n, s = ds.sizes["proposal"], ds.sizes["scenario"]
    lines = [
        f"# {t('title', lang, name=spec['sweep']['name'])}",
        "",
        t(
            "intro",
            lang,
            n=f"{n:,}",
            p=ds.sizes["policy"],
            s=s,
            sampler=t(f"sampler.{ds.attrs['sampler']}", lang),
            seed=ds.attrs["seed"],
            draws=ds.attrs["draws"],
            version=ds.attrs["version"],
            store=store,
        ),
        "",
        t("baseline_line", lang, label=comp["policy_label"].iloc[base], id=base),
    ]
    if defaulted:
        lines.append(t("baseline_defaulted", lang, levers=", ".join(defaulted)))
    if not known:
        lines.append(t("baseline_unknown", lang))
    lines += ["", t("stat_note", lang, s=s, n=f"{n:,}"), "", t("fixed_policy", lang,
              rules=compare.fixed_rules(ds, lang)), ""]  # fmt: skip
    dash = "—"
    # 1. verdicts and avoided liability
    rows = []
    for _, r in comp.iterrows():
        first = r["baseline"]
        rows.append(
            [
                _row_label(r, lang),
                _counts(r, "approved"),
                _counts(r, "conditional"),
                _counts(r, "rejected"),
                dash if first else _range(r, "rejected_change", 1, 1, sign=True),
                _range(r, "liability_avoided_cny", cny, 2),
                dash if first else _range(r, "liability_avoided_cny_change", cny, 2, sign=True),
            ]
        )
    cell = t("cell_note", lang, s=s, extra=t("cell_note.counts", lang, n=f"{n:,}")
             + t("cell_note.changes", lang))  # fmt: skip
    avoided = "avoided_unfunded_liability_cny"
    cols = t(
        "q1.cols",
        lang,
        avoided=outcome_head(avoided, lang),
        avoided_change=outcome_head(avoided, lang, t("vs_baseline", lang)),
    )
    lines += [f"## {t('q1', lang)}", "", cell, "", *_table(cols, rows), "",
              t("q1.note", lang)]  # fmt: skip
    # 2. liability left
    rows = [
        [
            _row_label(r, lang),
            _range(r, "liability_approved_cny", cny, 2),
            _range(r, "liability_conditional_as_applied_cny", cny, 2),
            _range(r, "liability_granted_as_applied_cny", cny, 2),
            "≤ " + _range(r, "liability_granted_conditions_met_at_most_cny", cny, 2),
            "≥ " + _range(r, "liability_secured_by_conditions_at_least_cny", cny, 2),
            dash
            if r["baseline"]
            else _range(r, "liability_granted_as_applied_cny_change", cny, 2, sign=True),
        ]
        for _, r in comp.iterrows()
    ]
    cell = t("cell_note", lang, s=s, extra=t("cell_note.changes", lang))
    lines += ["", f"## {t('q2', lang)}", "", cell, "", *_table(t("q2.cols", lang), rows), "",
              t("q2.note", lang)]  # fmt: skip
    # 3. restoration and conditions
    rows = []
    for p, (_, r) in enumerate(comp.iterrows()):
        by = compare.deciding_means(ds, p)
        conds = "; ".join(
            f"{t(f'criterion.{c}', lang)} {v['conditional_by']:,.1f} "
            f"[{v['conditional_by_p10']:,.1f}–{v['conditional_by_p90']:,.1f}]"
            for c, v in by.iterrows()
            if v["conditional_by"] > 0
        ) or t("none", lang)
        rows.append(
            [
                _row_label(r, lang),
                _range(r, "restored_area_ha", 1, 0),
                _range(r, "disturbed_area_ha", 1, 0),
                _range(r, "restoration_cost_cny", cny, 0),
                conds,
            ]
        )
    note = t("q3.note", lang)
    restored, disturbed = comp["restored_area_ha_mean"], comp["disturbed_area_ha_mean"]
    if np.allclose(restored, disturbed, rtol=1e-3):
        note += t("q3.all_restored", lang)
    cell = t("cell_note", lang, s=s, extra="")
    cols = t(
        "q3.cols",
        lang,
        restored=outcome_head("restored_area_ha", lang),
        disturbed=outcome_head("disturbed_area_ha", lang),
        cost=outcome_head("restoration_cost_cny", lang),
    )
    lines += ["", f"## {t('q3', lang)}", "", cell, "", *_table(cols, rows), "", note]
    # 4. why conditional
    why = compare.why_conditional(ds)
    dec = compare.deciding_means(ds, base)
    rows = [
        [
            t(f"criterion.{c}", lang),
            f"{dec.loc[c, 'conditional_by']:,.1f}",
            f"{dec.loc[c, 'rejected_by']:,.1f}",
        ]
        for c in CRITERIA
        if dec.loc[c].sum() > 0
    ]
    text = t("q4.text", lang, **why)
    if why["assurance_share"] > 0:
        text += t("q4.assurance", lang, **why)
        if spec["portfolio"].get("synthetic") is not None:
            text += t("q4.synthetic", lang)
    lines += ["", f"## {t('q4', lang)}", "", text, ""]
    lines += _table(t("q4.cols", lang), rows)
    # 5. verdict changes
    lines += ["", f"## {t('q5', lang)}", ""]
    if counts.empty:
        lines.append(t("q5.none", lang))
    else:
        rows = []
        for _, r in counts.iterrows():
            a, b = str(r["change"]).split(" -> ")
            change = f"{t('verdict.' + a, lang)} → {t('verdict.' + b, lang)}"
            crits = ", ".join(t(f"criterion.{c}", lang) for c in str(r["deciding"]).split())
            if r["resolved"]:
                was = ", ".join(t(f"criterion.{c}", lang) for c in str(r["resolved"]).split())
                crits = t("q5.resolved", lang, criteria=was)
            rows.append([str(r["policy_label"]), change, crits or dash, f"{r['mean']:,.1f}"])
        lines += [*_table(t("q5.cols", lang), rows), "", t("q5.note", lang)]
    # 6. drivers
    lines += ["", f"## {t('q6', lang)}", "", *_drivers(tornado, sobol, base, lang), ""]
    lines += [t("figures", lang), "", t("files", lang, files=("、" if lang == "zh" else ", ").join(
        [p.name for p in written] + ["summary.md"]))]  # fmt: skip
    inexact = [
        str(comp["policy_label"].iloc[p])
        for p in np.flatnonzero(~np.asarray(ds["policy_conditional_exact"].values, dtype=bool))
    ]
    if inexact:
        notes = [*notes, t("inexact", lang, labels="; ".join(inexact))]
    lines += ["", *(f"- {x}" for x in notes)]
    return "\n".join(lines).rstrip() + "\n"
