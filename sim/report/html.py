"""The report as one self-contained HTML page: figures embedded as PNG data URIs, no script.

Sections, in order: verdict, disturbance, cost, applicant's estimate, recovery, financial
assurance, conditions, sensitivity, the application's inputs, the assumptions appendix and the
reproducibility block. Tables carry machine-readable ``data-*`` attributes and the verdict JSON
is embedded (``<script type="application/json" id="verdict-json">``), so the page explains itself
to people and to programs alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from sim.bill import FLAG_WORDS, UNIT_SIGNS
from sim.bill import label as bill_label
from sim.breakdown import ITEMS, LABELS, quantities
from sim.fmt import criterion_value, number, pct, unit_suffix, value_text
from sim.i18n import N_, _, current_lang, gettext
from sim.i18n.message import localise
from sim.i18n.units import area, money, money_per_ha, unit_text
from sim.i18n.verdict import (
    change,
    consequence,
    explanation,
    kind_word,
    label,
    mineral,
    policy_name,
    region,
    result_word,
    verdict_word,
)
from sim.report.analysis import ReportData, percentile_label
from sim.report.appendix import assumptions, inputs, reproducibility
from sim.report.appendix import metrics as metrics_appendix
from sim.report.figures import out, sensitive_rows
from sim.report.markup import codes, figure, table
from sim.report.opinion import no_remedy, opinion

SECTIONS: tuple[tuple[str, str], ...] = (
    ("opinion", N_("Review opinion")),
    ("verdict", N_("Verdict and criteria")),
    ("spatial", N_("Spatial screening")),
    ("disturbance", N_("Disturbance ledger")),
    ("cost", N_("Restoration cost")),
    ("applicant", N_("The applicant's estimate")),
    ("recovery", N_("Vegetation recovery")),
    ("assurance", N_("Financial assurance")),
    ("conditions", N_("Conditions and remedies")),
    ("sensitivity", N_("Sensitivity")),
    ("inputs", N_("The application's inputs")),
    ("metrics", N_("Metrics and their units")),
    ("assumptions", N_("Assumptions appendix")),
    ("reproducibility", N_("Reproducibility")),
)

RESULT_CLASS = {True: "pass", False: "fail", None: "na"}


def script_json(data: object) -> str:
    """JSON to embed in a ``<script>`` element: ``<``, ``>`` and ``&`` written as ``\\u003c``,
    ``\\u003e``, ``\\u0026`` (still the same JSON), so no text can end the element or open
    an HTML comment inside it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _section(key: str, body: str, cls: str = "") -> str:
    title = gettext(dict(SECTIONS)[key])
    extra = f' class="{cls}"' if cls else ""
    return f'<section id="{key}"{extra}><h2>{escape(title)}</h2>{body}</section>'


def _verdict(d: ReportData) -> str:
    v = d.verdict
    word = v["verdict"]
    deciding = v["deciding_criteria"]
    crits = {c["name"]: c for c in v["criteria"]}
    policy = d.policy
    why = (
        _(
            "Deciding criteria: {names}.",
            names=_(", ").join(f"<b>{escape(label(n))}</b>" for n in deciding),
        )
        if deciding
        else escape(_("Every assessed criterion passes."))
    )
    reasons = "".join(
        f"<p>{escape(explanation(crits[n], v, policy))}</p>" for n in deciding if n in crits
    )
    banner = (
        f'<div class="banner {word}" id="verdict-banner" data-verdict="{word}">'
        f'<div class="word">{escape(verdict_word(word))}</div><p>{why}</p>{reasons}</div>'
    )
    rows, attrs = [], []
    for c in v["criteria"]:
        rows.append(
            [
                f"<code>{escape(label(c['name']))}</code>",
                escape(criterion_value(c["name"], c["value"])),
                escape(c["direction"]),
                escape(criterion_value(c["name"], c["threshold"])),
                escape(criterion_value(c["name"], c["margin"], margin=True)),
                escape(kind_word(c["hard"])),
                f'<span class="{RESULT_CLASS[c["passed"]]}">{escape(result_word(c["passed"]))}'
                "</span>",
                f'<span class="explain">{escape(explanation(c, v, policy))}</span>',
            ]
        )
        attrs.append({k: c[k] for k in ("name", "value", "threshold", "margin", "passed", "hard")})
    criteria = table(
        [
            _("criterion"),
            _("value"),
            "",
            _("threshold"),
            _("margin"),
            _("kind"),
            _("result"),
            _("explanation"),
        ],
        rows,
        cls="criteria",
        num=(1, 3, 4),
        row_attrs=attrs,
    )
    m = v["metrics"]
    metrics = [
        (
            out("draw", "life_years").heading(unit=""),
            _(
                "P50 {life} years (simulated horizon {horizon})",
                life=m["life_years"],
                horizon=m["horizon_years"],
            ),
        ),
        (
            out("draw", "total_disturbed_ha").heading(unit=""),
            _(
                "P50 {total} (peak unrestored P50 {peak})",
                total=area(m["total_disturbed_area_ha"]),
                peak=area(m["peak_disturbed_area_ha"]),
            ),
        ),
        (
            out("draw", "cost_cny").heading(_("undiscounted"), unit=""),
            _(
                "P50 {p50} (P10 {p10} – P90 {p90}); P50 {per_ha}",
                p50=money(m["cost_p50_cny"]),
                p10=money(m["cost_p10_cny"]),
                p90=money(m["cost_p90_cny"]),
                per_ha=money_per_ha(m["cost_per_ha_p50_cny"]),
            ),
        ),
        (
            out("draw", "pv_cost_cny").heading(unit=""),
            _(
                "P50 {p50}, P90 {p90} (revenue P50 {revenue})",
                p50=money(m["pv_cost_p50_cny"]),
                p90=money(m["pv_cost_p90_cny"]),
                revenue=money(m["pv_revenue_cny"], 1),
            ),
        ),
        (
            out("summary", "success_probability").heading(unit=""),
            _(
                "probability {success} (rework on {rework} of the area, mean of draws)",
                success=pct(m["success_probability"]),
                rework=pct(m["rework_area_share"], 0),
            ),
        ),
        (
            _("Financial assurance"),
            _(
                "probability {assurance}; operator default {default}; expected (mean) unfunded "
                "liability {unfunded}",
                assurance=pct(m["assurance_probability"]),
                default=pct(m["default_probability"]),
                unfunded=money(m["expected_unfunded_liability_cny"]),
            ),
        ),
    ]
    notes = "".join(f"<li>{escape(localise(n))}</li>" for n in v.get("notes", []))
    return (
        banner
        + criteria
        + "<h3>"
        + escape(_("Key metrics"))
        + "</h3>"
        + table([_("metric"), _("value")], ([escape(a), escape(b)] for a, b in metrics))
        + (
            "<h3>" + escape(_("Notes")) + '</h3><ul class="notes">' + notes + "</ul>"
            if notes
            else ""
        )
    )


def _spatial(d: ReportData, figures: Mapping[str, bytes]) -> str:
    names = ("protected_overlap", "protected_distance", "boundary_area")
    crits = [c for c in d.verdict["criteria"] if c["name"] in names]
    text = "".join(  # 名称：说明 in Chinese (an ASCII ': ' stood between them)
        "<p>"
        + _(
            "{names}: {text}",
            names=f"<code>{escape(label(c['name']))}</code>",
            text=escape(explanation(c, d.verdict, d.policy)),
        )
        + "</p>"
        for c in crits
    )
    if "map" not in figures:
        return text or "<p>" + escape(_("No spatial criteria in this policy.")) + "</p>"
    return text + figure(
        figures,
        "map",
        _("Map of the mining-right boundary against the protected layers"),
        _(
            "The mining-right boundary against the policy's protected layers: overlaps and "
            "minimum-distance zones (local transverse Mercator, metres)."
        ),
    )


def _disturbance(d: ReportData, figures: Mapping[str, bytes]) -> str:
    year, ha = d.max_unrestored()
    t = d.trajectories
    last = d.horizon - 1
    dist = float(t["disturbed_by_class_ha"].isel(year=last).sum())
    return (
        "<p>"
        + _(
            "Over its {life}-year life (P50) the mine disturbs {dist} (mean of draws; P50 "
            "{p50}). The largest area disturbed and not yet restored (mean of draws), "
            "<b>{peak}, falls in year {year}</b> (dashed line); final restoration ends in year "
            "{end} at the median life.",
            life=d.life_p50,
            dist=area(dist),
            p50=area(d.verdict["metrics"]["total_disturbed_area_ha"]),
            peak=area(ha),
            year=year,
            end=d.closure_end,
        )
        + "</p>"
        + figure(
            figures,
            "disturbance",
            _("Stacked areas of disturbed, unrestored and restored land by year and area class"),
            _(
                "Disturbed, not-yet-restored and restored area by year, stacked by area "
                "class (means over draws; pit walls as plan area). Dashed: the year of "
                "maximum unrestored area."
            ),
        )
    )


def _cost(d: ReportData, figures: Mapping[str, bytes]) -> str:
    b = d.breakdown_cny
    total = sum(b.values())
    p50 = d.verdict["metrics"]["cost_p50_cny"]
    rows = [
        [escape(gettext(LABELS[k])), money(b[k]), pct(b[k] / total, 1)] for k in ITEMS if b[k] > 0
    ]
    rows.append(
        ["<b>" + escape(_("Total (median factors)")) + "</b>", f"<b>{money(total)}</b>", "100.0%"]
    )
    return (
        figure(
            figures,
            "cost-fan",
            _(
                "Fan charts of yearly and cumulative restoration cost, undiscounted and present "
                "value"
            ),
            _(
                "Yearly (top) and cumulative (bottom) restoration cost: P50 line and P10–P90 "
                "band over draws. Left: undiscounted at year-0 prices, what a third party "
                "would be paid; right: present value at the application's discount rate, "
                "which hides long-tail care. Grey: extraction life (P50)."
            ),
        )
        + "<h3>"
        + escape(_("Cost by measure"))
        + "</h3>"
        + '<p class="callout" id="breakdown-statement">'
        + _(
            "At median factors (every cost factor 1, nominal mined thickness and output, no "
            "establishment failure) restoration costs <b>{total}</b>; the items below add up to "
            "it exactly. The simulated P50 ({p50}) also includes rework after failed plantings "
            "and the skew of the cost factors.",
            total=money(total),
            p50=money(p50),
        )
        + "</p>"
        + _wall_treatment(d)
        + figure(
            figures,
            "cost-breakdown",
            _("Bar chart of restoration cost by measure"),
            _("Undiscounted restoration cost at year-0 prices by measure, median factors."),
        )
        + table(
            [
                _("measure"),
                out("report", "cost_by_measure_cny").heading(
                    _("median factors"), unit="", capital=False
                ),
                _("share"),
            ],
            rows,
            cls="breakdown",
            num=(1, 2),
        )
    )


SPRAY_METHODS = {
    True: N_("thick-layer base spraying (厚层基材喷播)"),
    False: N_("hung-net spray seeding (挂网喷播)"),
}


def _wall_treatment(d: ReportData) -> str:
    """How the final wall is treated (SPEC §5), and that the rule changes at the soil-slope
    limit: a reviewer comparing slopes sees which treatment each is priced with."""
    r = d.resolved
    q = quantities(r)
    if q["wall_length_m"] <= 0.0:
        return ""
    common = {
        "slope": f"{float(r['final_highwall_slope_deg']):g}",
        "height": f"{float(r['final_highwall_height_m']):g}",
        "length": f"{q['wall_length_m']:,.0f}",
        "limit": f"{float(r['wall_soil_slope_max_deg']):g}",
    }
    if q["wall_soil_slope"]:
        text = _(
            "The final wall ({slope}°, {height} m high, about {length} m long) is no steeper "
            "than {limit}°: it is priced as a soil slope, regraded, soil-covered and planted "
            "as land. A wall steeper than {limit}° is priced as benched rock instead (planting "
            "troughs, part of the faces sprayed, the rest left as bare rock, scaling).",
            **common,
        )
    else:
        thick = float(r["wall_bench_face_deg"]) > float(r["wall_thick_layer_above_deg"])
        face = f"{float(r['wall_bench_face_deg']):g}"
        cut = (
            _(
                "{cutback} m³ cut back to the {face}° face the rock stands",
                cutback=f"{q['cutback_m3']:,.0f}",
                face=face,
            )
            if q["cutback_m3"] > 0.0
            else _(  # "0 m³ cut back" beside a cut-back-and-scaling cost read as a contradiction
                "no cut-back (the wall is no steeper than the {face}° face the rock stands)",
                face=face,
            )
        )
        text = _(
            "The final wall ({slope}°, {height} m high, about {length} m long) is priced as "
            "benched rock: {troughs} m of planting troughs with soil and climbers, {sprayed} m² "
            "of rock face sprayed by {method} and {bare} m² left as stable bare rock, {platform} "
            "of platforms restored as land, {cut}, and scaling. A wall of {limit}° or less would "
            "be priced as a soil slope (regraded, soil-covered, planted as land).",
            troughs=f"{q['wall_trough_m']:,.0f}",
            sprayed=f"{q['wall_sprayed_m2']:,.0f}",
            method=gettext(SPRAY_METHODS[thick]),
            bare=f"{q['wall_bare_rock_m2']:,.0f}",
            platform=area(q["wall_platform_ha"]),
            cut=cut,
            **common,
        )
    return '<p id="wall-treatment">' + text + "</p>"


def _applicant(d: ReportData, figures: Mapping[str, bytes]) -> str:
    return (
        f'<p class="callout" id="applicant-statement">{escape(d.applicant_statement())}</p>'
        + figure(
            figures,
            "applicant",
            _("Histogram of the simulated restoration cost with the applicant's estimate"),
            _(
                "Simulated undiscounted restoration cost (histogram, left axis; the x-axis stops "
                "at the P99.5, the line on the right axis shows the whole distribution) with the "
                "applicant's own estimate ({field}).",
                field="<code>plan_restoration_cost_cny</code>",
            ),
        )
    )


def _list_sep() -> str:
    return "；" if current_lang() == "zh" else "; "


def _gap() -> str:
    """After a heading's colon: nothing after a Chinese full-width colon, else a space."""
    return "" if current_lang() == "zh" else " "


def _quantity_cell(rows) -> str:
    """The applicant's quantities of a measure against ours, one line each; — without one."""
    return "<br>".join(_quantity_text(q) for q in rows) or "—"


def _quantity_text(q) -> str:
    def show(x: float) -> str:
        return area(x, 2) if q.unit == "ha" else f"{x:,.0f} {UNIT_SIGNS.get(q.unit, q.unit)}"

    if q.fixed:
        return escape(
            _(
                "{applicant} (ours {ours}, the same in every draw)",
                applicant=show(q.applicant),
                ours=show(q.ours_p50),
            )
        )
    return escape(
        _(
            "{applicant} (at our {label}; ours P50 {ours})",
            applicant=show(q.applicant),
            label=percentile_label(q.percentile),
            ours=show(q.ours_p50),
        )
    )


def _bill(d: ReportData, figures: Mapping[str, bytes]) -> str:
    """The bill by measure: ours (P05, P50, P95 of the run's draws) beside the applicant's."""
    c = d.bill
    if c is None:
        return ""
    head = [_("measure"), _("ours P05"), _("ours P50"), _("ours P95")]
    if c.has_bill:
        head += [_("applicant's items"), _("applicant"), _("at our"), _("quantity"), _("result")]
    rows, attrs = [], []
    for r in c.rows:
        if r.ours_p95_cny <= 0 and not r.applicant_cny:
            continue
        cells = [
            escape(bill_label(r.measure)),
            money(r.ours_p05_cny),
            money(r.ours_p50_cny),
            money(r.ours_p95_cny),
        ]
        if c.has_bill:
            if r.applicant_cny is None:
                cells += ["—", "—", "—", "—", escape(_("left out of the bill"))]
            else:
                cls = "pass" if r.flag == "within" else "fail"
                cells += [
                    escape("、".join(r.items)),
                    money(r.applicant_cny),
                    percentile_label(r.percentile),
                    _quantity_cell(r.quantities),
                    f'<span class="{cls}">{escape(gettext(FLAG_WORDS[r.flag]))}</span>',
                ]
        rows.append(cells)
        attrs.append(
            {"measure": r.measure, "flag": r.flag, "percentile": r.percentile}
            if r.applicant_cny is not None
            else {"measure": r.measure, "left-out": r.measure in c.left_out}
        )
    total = [
        "<b>" + escape(_("Total")) + "</b>",
        money(c.total_ours_p05_cny),
        money(c.total_ours_p50_cny),
        money(c.total_ours_p95_cny),
    ]
    if c.has_bill:
        total += [
            "",
            f"<b>{money(c.total_applicant_cny or 0.0)}</b>",
            percentile_label(c.total_percentile or 0.0),
            "",
            "",
        ]
    rows.append(total)
    attrs.append({"measure": "total"})
    if c.has_bill:
        intro = _(
            "The applicant's bill of quantities (<code>[bill]</code>) item by item beside ours: "
            "items are summed by the measure they belong to and placed on the distribution of "
            "that measure's cost over this run's draws (our quantities at each draw's thickness, "
            "its cost factor for the measure). Prices are all-in unit prices (with profit and "
            "tax); fees are other fees and contingency."
        )
    else:
        intro = _(
            "The application gives no bill of quantities (<code>[bill]</code>); our bill by "
            "measure over this run's draws is shown for checking the plan's cost chapter "
            "item by item. Prices are all-in unit prices (with profit and tax); fees are other "
            "fees and contingency."
        )
    extra = ""
    if c.has_bill and c.left_out:
        extra += (
            '<p id="bill-left-out">'
            + escape(_("Measures we price that the bill leaves out:"))
            + _gap()
            + escape(
                _list_sep().join(
                    _(
                        "{measure} (ours P50 {p50})",
                        measure=bill_label(m),
                        p50=money(c.row(m).ours_p50_cny),
                    )
                    for m in c.left_out
                )
            )
            + "</p>"
        )
    if c.not_modelled:
        extra += (
            '<p id="bill-not-modelled">'
            + escape(_("Items of the bill the model does not price (kept, not compared):"))
            + _gap()
            + escape(
                _list_sep().join(
                    _(
                        "{item} ({amount})",
                        item=x.name,
                        amount=money(x.amount_cny),
                    )
                    for x in c.not_modelled
                )
            )
            + "</p>"
        )
    if c.notes:
        extra += (
            '<ul id="bill-notes">'
            + "".join(f"<li>{escape(localise(n))}</li>" for n in c.notes)
            + "</ul>"
        )
    return (
        "<h3>"
        + escape(_("Bill of quantities by measure"))
        + "</h3>"
        + f'<p class="callout" id="bill-statement">{intro}</p>'
        + figure(
            figures,
            "bill",
            _("Our cost by measure beside the applicant's bill"),
            _(
                "Cost by measure over the draws (bar: P05–P95, tick: P50; log scale) and the "
                "applicant's amount for it (diamond; red when outside our P05–P95)."
            ),
        )
        + table(
            head,
            rows,
            cls="bill",
            num=tuple(range(1, 4)) + ((5, 6) if c.has_bill else ()),
            row_attrs=attrs,
        )
        + extra
    )


def _recovery(d: ReportData, figures: Mapping[str, bytes]) -> str:
    m = d.verdict["metrics"]
    pol = d.policy.policy
    return (
        "<p>"
        + _(
            "Restoration succeeds in <b>{success}</b> of draws: in every area class at least "
            "{share} of the restored area meets its land use's cover criterion {years} years "
            "after closure (year {deadline} at the median life). <b>{rework}</b> of the restored "
            "area is expected (mean of draws) to need rework after failed establishment.",
            success=pct(m["success_probability"]),
            share=f"{pol.required_success_area_share:.0%}",
            years=pol.success_horizon_years_after_closure,
            deadline=d.success_deadline,
            rework=pct(m["rework_area_share"], 0),
        )
        + "</p>"
        + figure(
            figures,
            "cover",
            _("Vegetation cover trajectories per land use with success thresholds"),
            _(
                "Area-weighted cover of the land restored so far, per land use: P50 and "
                "P10–P90 over draws, against the success threshold (dashed). Dips mark new "
                "bare cohorts joining the restored area and failed plantings restarting. "
                "Dotted: the year success is judged."
            ),
        )
        + figure(
            figures,
            "recovery",
            _("Histograms of years to reach the criterion and of the share of area reworked"),
            _(
                "Left: area-weighted years from planting until restored land meets its "
                "criterion, per draw (censored at the end of the simulated horizon). Right: "
                "share of restored area whose first planting failed and was reworked."
            ),
        )
    )


def _assurance(d: ReportData, figures: Mapping[str, bytes]) -> str:
    m = d.verdict["metrics"]
    cover = d.trajectories["coverage_probability"].values[: d.closure_end + 1]
    worst = int(np.argmin(cover[1:])) + 1 if cover.size > 1 else 0
    values = {
        "assurance": pct(m["assurance_probability"]),
        "worst": worst,
        "low": pct(float(cover[worst]), 0),
        "default": pct(m["default_probability"]),
        "unfunded": money(m["expected_unfunded_liability_cny"]),
        "p90": money(m["unfunded_liability_p90_cny"]),
    }
    # a bond is named only where one is posted (Hunan's instrument is the fund alone)
    if float(d.resolved["bond_cny"]) > 0:
        text = _(
            "Fund plus bond cover every restoration bill still to come at closure in "
            "<b>{assurance}</b> of draws. During the life and final restoration the probability "
            "that they cover the walk-away liability is lowest in year {worst} ({low}). The "
            "operator walks away before restoration ends in {default} of draws; the <b>expected "
            "(mean) unfunded public liability is {unfunded}</b> (P90 {p90}).",
            **values,
        )
        title = _(
            "Fund plus bond against the walk-away liability by year, and the cover probability"
        )
        caption = _(
            "Top: restoration fund balance plus bond against the cost left to the public "
            "if the operator walked away at the end of each year (nominal; P50 and "
            "P10–P90). Bottom: the probability that fund + bond cover it; the assurance "
            "criterion itself is judged at the end of extraction, against every bill "
            "still to come."
        )
    else:
        text = _(
            "The restoration fund covers every restoration bill still to come at closure in "
            "<b>{assurance}</b> of draws. During the life and final restoration the probability "
            "that it covers the walk-away liability is lowest in year {worst} ({low}). The "
            "operator walks away before restoration ends in {default} of draws; the <b>expected "
            "(mean) unfunded public liability is {unfunded}</b> (P90 {p90}).",
            **values,
        )
        title = _(
            "The restoration fund against the walk-away liability by year, and the cover "
            "probability"
        )
        caption = _(
            "Top: restoration fund balance against the cost left to the public if the "
            "operator walked away at the end of each year (nominal; P50 and P10–P90). "
            "Bottom: the probability that the fund covers it; the assurance criterion itself "
            "is judged at the end of extraction, against every bill still to come."
        )
    if m["unfunded_liability_p90_cny"] == 0 and m["expected_unfunded_liability_cny"] > 0:
        text += (" " if current_lang() != "zh" else "") + _(
            "In more than 90 % of draws nothing is left to the public (hence the P90 of 0); the "
            "mean comes from the draws in which the operator walks away."
        )
    return "<p>" + text + "</p>" + figure(figures, "assurance", title, caption)


def _field_value(path: str, value: Any) -> str:
    """A condition's value as the file takes it, with the field's unit (``59,800,000 元``)."""
    from sim.contract import field_specs

    spec = field_specs().get(path)
    unit = unit_text(spec.unit) if spec is not None and spec.unit else ""
    return f"{value_text(value)} {unit}".strip()


def _conditions(d: ReportData) -> str:
    v = d.verdict
    failing = [c for c in v["criteria"] if c["passed"] is False]
    if not failing:
        return (
            "<p>" + escape(_("Every assessed criterion passes: no condition is needed.")) + "</p>"
        )
    parts = []
    hard_failure = any(c["hard"] for c in failing)
    for c in failing:
        name = c["name"]
        items = [
            x for x in (v["remedies"] if c["hard"] else v["conditions"]) if x["criterion"] == name
        ]
        parts.append(
            "<h3>"
            + _(
                "{name} ({kind} failure)",
                name=f"<code>{escape(label(name))}</code>",
                kind=escape(kind_word(c["hard"])),
            )
            + "</h3>"
        )
        if items and not c["hard"]:
            rows = [
                [
                    escape(change(x)),
                    f"<code>{escape(x['field'])}</code>",
                    escape(_field_value(x["field"], x["value"])),
                ]
                for x in items
            ]
            parts.append(
                "<p>"
                + escape(_("Any one of these changes makes it pass (same random draws):"))
                + "</p>"
            )
            parts.append(
                table([_("condition"), _("field"), _("value")], rows, cls="conditions", num=(2,))
            )
        elif items:
            bare = ("cost_change_p50_cny", "pit_volume_m3", "wall_plan_ha")
            rows = [
                [
                    escape(change({**x, **dict.fromkeys(bare)}).split("; ")[0]),
                    f"<code>{escape(x['field'])}</code> = {escape(value_text(x['value']))}",
                    _signed_money(x.get("cost_change_p50_cny")),
                ]
                for x in items
            ]
            parts.append("<p>" + _("A plan change that would fix it, and what it costs:") + "</p>")
            parts.append(
                table(
                    [_("plan change"), _("field"), _("median cost change")],
                    rows,
                    cls="remedies",
                    num=(2,),
                )
            )
            for x in items:  # what a flatter wall does to the pit, under the table
                if text := consequence(x):
                    head = escape(change({**x, **dict.fromkeys(bare)}).split("; ")[0])
                    parts.append(f'<p class="caveat">{head}: {escape(text)}</p>')
        elif c["hard"]:
            parts.append(f"<p>{escape(no_remedy(name))}</p>")
        elif hard_failure:  # conditions are searched only once the hard failures are fixed
            parts.append(
                "<p>"
                + _(
                    "Conditions for it are set once the plan fixes the hard failures; none is "
                    "listed now, as none would make this application pass."
                )
                + "</p>"
            )
        else:
            parts.append(
                "<p>" + _("No lever within the policy's bounds fixes it, so it rejects.") + "</p>"
            )
            parts.append("</p>")
    return "".join(parts)


def _signed_money(x: float | None) -> str:
    return "n/a" if x is None else money(x, sign=True)


def _sensitivity(d: ReportData, figures: Mapping[str, bytes]) -> str:
    s = d.sensitivity
    if s is None:
        return "<p>" + escape(_("Not run.")) + "</p>"
    rows = [
        [
            f"<code>{escape(r.name)}</code>",
            f"{number(r.low)} – {number(r.high)}{escape(unit_suffix(unit_text(r.unit)))}",
            money(r.cost_p90_low_cny),
            money(r.cost_p90_high_cny),
            pct(r.success_low),
            pct(r.success_high),
        ]
        for r in s.rows
    ]
    moved = {r.name for r in sensitive_rows(s, "cost_p90_low_cny", "cost_p90_high_cny")}
    moved |= {r.name for r in sensitive_rows(s, "success_low", "success_high")}
    none = [r.name for r in s.rows if r.name not in moved]
    return (
        "<p>"
        + _(
            "Each parameter was set to the low and then the high end of its plausible range, all "
            "else at its default, and the application re-evaluated with the same seed (common "
            "random numbers) on {draws} draws: base cost P90 on these {draws} draws {p90}, "
            "base success probability {success} (the verdict's figures, on {verdict_draws} "
            "draws: cost P90 {verdict_p90}, success probability {verdict_success}).",
            draws=s.draws,
            p90=money(s.base_cost_p90_cny),
            success=pct(s.base_success),
            verdict_draws=d.draws,
            verdict_p90=money(d.verdict["metrics"]["cost_p90_cny"]),
            verdict_success=pct(d.verdict["metrics"]["success_probability"]),
        )
        + "</p>"
        + figure(
            figures,
            "tornado",
            _("Tornado charts of cost P90 and success probability"),
            _(
                "Change of the cost P90 (top) and the success probability (bottom) with each "
                "parameter at the ends of its range; largest effect on top. Parameters "
                "without effect on a metric are left out of its panel."
            ),
        )
        + table(
            [
                _("parameter"),
                _("range"),
                *(
                    o.heading(end, unit="", capital=False)
                    for o in (out("metric", "cost_p90_cny"), out("summary", "success_probability"))
                    for end in (_("parameter low"), _("parameter high"))
                ),
            ],
            rows,
            cls="sensitivity",
            num=(2, 3, 4, 5),
        )
        + (
            "<p>" + _("No effect on either metric: {names}.", names=codes(none)) + "</p>"
            if none
            else ""
        )
    )


def render(d: ReportData, figures: Mapping[str, bytes]) -> str:
    """The complete HTML page of one proposal's report, in the current language."""
    p = d.proposal.proposal
    css = resources.files("sim.report").joinpath("report.css").read_text("utf-8")
    toc = "".join(
        f'<li><a href="#{k}">{escape(gettext(t))}</a><span class="page" data-toc="{k}"></span></li>'
        for k, t in SECTIONS
    )
    verdict_json = script_json(d.verdict)
    toc = (
        '<nav class="toc"><h2 class="toc-title">'
        + escape(_("Contents"))
        + f"</h2><ol>{toc}</ol></nav>"
    )
    body = "".join(
        [
            _section("opinion", opinion(d), "opinion"),
            toc,
            _section("verdict", _verdict(d)),
            _section("spatial", _spatial(d, figures)),
            _section("disturbance", _disturbance(d, figures)),
            _section("cost", _cost(d, figures)),
            _section("applicant", _applicant(d, figures) + _bill(d, figures)),
            _section("recovery", _recovery(d, figures)),
            _section("assurance", _assurance(d, figures)),
            _section("conditions", _conditions(d)),
            _section("sensitivity", _sensitivity(d, figures)),
            _section("inputs", inputs(d), "appendix"),
            _section("metrics", metrics_appendix(d), "appendix"),
            _section("assumptions", assumptions(d), "appendix"),
            _section("reproducibility", reproducibility(d)),
        ]
    )
    title = _("{id} — {name}: restoration feasibility review", id=p.id, name=p.name)
    lang = current_lang()
    pages = _('"Page " counter(page) " of " counter(pages)')
    intro = _(
        "Restoration feasibility review: {mineral} open pit, region {region}, licensed mining "
        "area {area}. Policy “{policy}”, {draws} Monte-Carlo draws, seed {seed}, restoresim "
        "{version}.",
        mineral=escape(mineral(p.mineral)),
        region=escape(region(p.region)),
        area=area(p.licensed_area_ha, 2),
        policy=escape(policy_name(d.policy.policy.name)),
        draws=d.draws,
        seed=d.seed,
        version=escape(d.version),
    )
    footer = _(
        "Generated by restoresim {version}. Money in CNY; areas in hectares; years from the "
        "application year (year 0: construction).",
        version=escape(d.version),
    )
    running = _("{id} · restoration feasibility review", id=p.id)
    running = "".join(ch for ch in running if ch not in '"\\<')  # a CSS string
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="restoresim {escape(d.version)}">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{css}
@page {{ @top-left {{ content: "{running}"; font-size: 8pt; color: #5b6670; }}
  @bottom-center {{ content: {pages}; font-size: 8pt; color: #5b6670; }} }}</style>
<script type="application/json" id="verdict-json">{verdict_json}</script>
</head>
<body>
<main>
<header>
<h1>{escape(p.id)} — {escape(p.name)}</h1>
<p>{intro}</p>
</header>
{body}
<footer>{footer}</footer>
</main>
</body>
</html>
"""
