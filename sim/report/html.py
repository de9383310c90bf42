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

import numpy as np

from sim.breakdown import ITEMS, LABELS
from sim.fmt import criterion_value, mcny, number, pct, unit_suffix
from sim.report.analysis import ReportData
from sim.report.appendix import assumptions, inputs, reproducibility
from sim.report.figures import sensitive_rows
from sim.report.markup import codes, figure, table, value_text

SECTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "Verdict and criteria"),
    ("spatial", "Spatial screening"),
    ("disturbance", "Disturbance ledger"),
    ("cost", "Restoration cost"),
    ("applicant", "The applicant's estimate"),
    ("recovery", "Vegetation recovery"),
    ("assurance", "Financial assurance"),
    ("conditions", "Conditions and remedies"),
    ("sensitivity", "Sensitivity"),
    ("inputs", "The application's inputs"),
    ("assumptions", "Assumptions appendix"),
    ("reproducibility", "Reproducibility"),
)

RESULT = {True: ("pass", "pass"), False: ("FAIL", "fail"), None: ("not assessed", "na")}

NO_REMEDY = {
    "licensed_area": "the pit must fit the licence: fewer reserves, a thicker mined section, or "
    "a larger delineated mining area.",
    "cost_to_revenue": "restoration is too costly for what the mine earns; a cheaper "
    "restoration design (gentler walls greened more cheaply, less waste) must be shown.",
    "success_probability": "no modelled plan change (substrate amendment, imported soil, "
    "gentler walls) lifts the success probability to the threshold.",
    "highwall_slope": "the final walls must be designed at or below the slope limit.",
}


def script_json(data: object) -> str:
    """JSON to embed in a ``<script>`` element: ``<``, ``>`` and ``&`` written as ``\\u003c``,
    ``\\u003e``, ``\\u0026`` (still the same JSON), so no text can end the element or open
    an HTML comment inside it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _section(key: str, body: str, cls: str = "") -> str:
    title = dict(SECTIONS)[key]
    extra = f' class="{cls}"' if cls else ""
    return f'<section id="{key}"{extra}><h2>{escape(title)}</h2>{body}</section>'


def _verdict(d: ReportData) -> str:
    v = d.verdict
    word = v["verdict"]
    deciding = v["deciding_criteria"]
    crits = {c["name"]: c for c in v["criteria"]}
    why = (
        "Deciding criteria: " + ", ".join(f"<b>{escape(n)}</b>" for n in deciding) + "."
        if deciding
        else "Every assessed criterion passes."
    )
    reasons = "".join(f"<p>{escape(crits[n]['explanation'])}</p>" for n in deciding if n in crits)
    banner = (
        f'<div class="banner {word}" id="verdict-banner" data-verdict="{word}">'
        f'<div class="word">{escape(word.upper())}</div><p>{why}</p>{reasons}</div>'
    )
    rows, attrs = [], []
    for c in v["criteria"]:
        label, cls = RESULT[c["passed"]]
        rows.append(
            [
                f"<code>{escape(c['name'])}</code>",
                escape(criterion_value(c["name"], c["value"])),
                escape(c["direction"]),
                escape(criterion_value(c["name"], c["threshold"])),
                escape(criterion_value(c["name"], c["margin"], margin=True)),
                "hard" if c["hard"] else "soft",
                f'<span class="{cls}">{label}</span>',
                f'<span class="explain">{escape(c["explanation"])}</span>',
            ]
        )
        attrs.append({k: c[k] for k in ("name", "value", "threshold", "margin", "passed", "hard")})
    criteria = table(
        ["criterion", "value", "", "threshold", "margin", "kind", "result", "explanation"],
        rows,
        cls="criteria",
        num=(1, 3, 4),
        row_attrs=attrs,
    )
    m = v["metrics"]
    metrics = [
        ("Extraction life", f"{m['life_years']} years (simulated horizon {m['horizon_years']})"),
        (
            "Disturbed area",
            f"{m['total_disturbed_area_ha']:,.1f} ha (peak unrestored "
            f"{m['peak_disturbed_area_ha']:,.1f} ha, P50)",
        ),
        (
            "Restoration cost, undiscounted",
            f"P50 {mcny(m['cost_p50_cny'])} (P10 {mcny(m['cost_p10_cny'])} – P90 "
            f"{mcny(m['cost_p90_cny'])}); {m['cost_per_ha_p50_cny']:,.0f} CNY/ha",
        ),
        (
            "Present value of cost",
            f"P50 {mcny(m['pv_cost_p50_cny'])}, P90 {mcny(m['pv_cost_p90_cny'])} "
            f"(revenue {mcny(m['pv_revenue_cny'], 1)})",
        ),
        (
            "Restoration success",
            f"{pct(m['success_probability'])} (rework on {pct(m['rework_area_share'], 0)} "
            "of the area)",
        ),
        (
            "Financial assurance",
            f"{pct(m['assurance_probability'])}; operator default "
            f"{pct(m['default_probability'])}; expected unfunded liability "
            f"{mcny(m['expected_unfunded_liability_cny'])}",
        ),
    ]
    notes = "".join(f"<li>{escape(n)}</li>" for n in v.get("notes", []))
    return (
        banner
        + criteria
        + "<h3>Key metrics</h3>"
        + table(["metric", "value"], ([escape(a), escape(b)] for a, b in metrics))
        + (f'<h3>Notes</h3><ul class="notes">{notes}</ul>' if notes else "")
    )


def _spatial(d: ReportData, figures: Mapping[str, bytes]) -> str:
    names = ("protected_overlap", "protected_distance", "boundary_area")
    crits = [c for c in d.verdict["criteria"] if c["name"] in names]
    text = "".join(
        f"<p><code>{escape(c['name'])}</code>: {escape(c['explanation'])}</p>" for c in crits
    )
    if "map" not in figures:
        return text or "<p>No spatial criteria in this policy.</p>"
    return text + figure(
        figures,
        "map",
        "Map of the mining-right boundary against the protected layers",
        "The mining-right boundary against the policy's protected layers: overlaps and "
        "minimum-distance zones (local transverse Mercator, metres).",
    )


def _disturbance(d: ReportData, figures: Mapping[str, bytes]) -> str:
    year, ha = d.max_unrestored()
    t = d.trajectories
    last = d.horizon - 1
    dist = float(t["disturbed_by_class_ha"].isel(year=last).sum())
    return (
        f"<p>Over its {d.life_p50}-year life (P50) the mine disturbs {dist:,.1f} ha (mean of "
        f"draws). The largest area disturbed and not yet restored, <b>{ha:,.1f} ha, falls in "
        f"year {year}</b> (dashed line); final restoration ends in year {d.closure_end} at the "
        "median life.</p>"
        + figure(
            figures,
            "disturbance",
            "Stacked areas of disturbed, unrestored and restored land by year and area class",
            "Disturbed, not-yet-restored and restored area by year, stacked by area class "
            "(means over draws; pit walls as plan area). Dashed: the year of maximum "
            "unrestored area.",
        )
    )


def _cost(d: ReportData, figures: Mapping[str, bytes]) -> str:
    b = d.breakdown_cny
    total = sum(b.values())
    p50 = d.verdict["metrics"]["cost_p50_cny"]
    rows = [[escape(LABELS[k]), mcny(b[k]), pct(b[k] / total, 1)] for k in ITEMS if b[k] > 0]
    rows.append(["<b>Total (median factors)</b>", f"<b>{mcny(total)}</b>", "100.0%"])
    return (
        figure(
            figures,
            "cost-fan",
            "Fan charts of yearly and cumulative restoration cost, undiscounted and present value",
            "Yearly (top) and cumulative (bottom) restoration cost: P50 line and P10–P90 band over "
            "draws. Left: undiscounted at year-0 prices, what a third party would be paid; "
            "right: present value at the application's discount rate, which hides long-tail "
            "care. Grey: extraction life (P50).",
        )
        + "<h3>Cost by measure</h3>"
        + f'<p class="callout" id="breakdown-statement">At median factors (every cost factor 1, '
        f"nominal mined thickness and output, no establishment failure) restoration costs "
        f"<b>{mcny(total)}</b>; the items below add up to it exactly. The simulated P50 "
        f"({mcny(p50)}) also includes rework after failed plantings and the skew of the cost "
        "factors.</p>"
        + figure(
            figures,
            "cost-breakdown",
            "Bar chart of restoration cost by measure",
            "Undiscounted restoration cost at year-0 prices by measure, median factors.",
        )
        + table(["measure", "cost", "share"], rows, cls="breakdown", num=(1, 2))
    )


def _applicant(d: ReportData, figures: Mapping[str, bytes]) -> str:
    return (
        f'<p class="callout" id="applicant-statement">{escape(d.applicant_statement())}</p>'
        + figure(
            figures,
            "applicant",
            "Histogram of the simulated restoration cost with the applicant's estimate",
            "Simulated undiscounted restoration cost (histogram, left axis; the x-axis stops at "
            "the P99.5, the line on the right axis shows the whole distribution) with the "
            "applicant's own estimate (<code>plan_restoration_cost_cny</code>).",
        )
    )


def _recovery(d: ReportData, figures: Mapping[str, bytes]) -> str:
    m = d.verdict["metrics"]
    pol = d.policy.policy
    return (
        f"<p>Restoration succeeds in <b>{pct(m['success_probability'])}</b> of draws: in every "
        f"area class at least {pol.required_success_area_share:.0%} of the restored area meets "
        f"its land use's cover criterion {pol.success_horizon_years_after_closure} years after "
        f"closure (year {d.success_deadline} at the median life). "
        f"<b>{pct(m['rework_area_share'], 0)}</b> of the restored area is expected to need "
        "rework after failed establishment.</p>"
        + figure(
            figures,
            "cover",
            "Vegetation cover trajectories per land use with success thresholds",
            "Area-weighted cover of the land restored so far, per land use: P50 and P10–P90 over "
            "draws, against the success threshold (dashed). Dips mark new bare cohorts joining "
            "the restored area and failed plantings restarting. Dotted: the year success is "
            "judged.",
        )
        + figure(
            figures,
            "recovery",
            "Histograms of years to reach the criterion and of the share of area reworked",
            "Left: area-weighted years from planting until restored land meets its criterion, per "
            "draw (censored at the end of the simulated horizon). Right: share of restored area "
            "whose first planting failed and was reworked.",
        )
    )


def _assurance(d: ReportData, figures: Mapping[str, bytes]) -> str:
    m = d.verdict["metrics"]
    cover = d.trajectories["coverage_probability"].values[: d.closure_end + 1]
    worst = int(np.argmin(cover[1:])) + 1 if cover.size > 1 else 0
    return (
        f"<p>Fund plus bond cover every restoration bill still to come at closure in "
        f"<b>{pct(m['assurance_probability'])}</b> of draws. During the life and final "
        f"restoration the probability that they cover the walk-away liability is lowest in "
        f"year {worst} ({pct(float(cover[worst]), 0)}). The operator walks away before "
        f"restoration ends in {pct(m['default_probability'])} of draws; the <b>expected unfunded "
        f"public liability is {mcny(m['expected_unfunded_liability_cny'])}</b> (P90 "
        f"{mcny(m['unfunded_liability_p90_cny'])}).</p>"
        + figure(
            figures,
            "assurance",
            "Fund plus bond against the walk-away liability by year, and the cover probability",
            "Top: restoration fund balance plus bond against the cost left to the public if the "
            "operator walked away at the end of each year (nominal; P50 and P10–P90). Bottom: "
            "the probability that fund + bond cover it; the assurance criterion itself is judged "
            "at the end of extraction, against every bill still to come.",
        )
    )


def _conditions(d: ReportData) -> str:
    v = d.verdict
    failing = [c for c in v["criteria"] if c["passed"] is False]
    if not failing:
        return "<p>Every assessed criterion passes: no condition is needed.</p>"
    parts = []
    for c in failing:
        name = c["name"]
        kind = "hard" if c["hard"] else "soft"
        items = [
            x for x in (v["remedies"] if c["hard"] else v["conditions"]) if x["criterion"] == name
        ]
        parts.append(f"<h3><code>{escape(name)}</code> ({kind} failure)</h3>")
        if items and not c["hard"]:
            rows = [
                [
                    escape(x["change"]),
                    f"<code>{escape(x['field'])}</code>",
                    escape(value_text(x["value"])),
                ]
                for x in items
            ]
            parts.append("<p>Any one of these changes makes it pass (same random draws):</p>")
            parts.append(table(["condition", "field", "value"], rows, cls="conditions", num=(2,)))
        elif items:
            rows = [
                [
                    escape(x["change"].split(";")[0]),
                    f"<code>{escape(x['field'])}</code> = {escape(value_text(x['value']))}",
                    _signed_mcny(x.get("cost_change_p50_cny")),
                ]
                for x in items
            ]
            parts.append("<p>A plan change that would fix it, and what it costs:</p>")
            parts.append(
                table(
                    ["plan change", "field", "median cost change"], rows, cls="remedies", num=(2,)
                )
            )
        elif c["hard"]:
            parts.append(
                f"<p>No modelled plan change fixes it: {escape(NO_REMEDY.get(name, ''))}</p>"
            )
        else:
            parts.append("<p>No lever within the policy's bounds fixes it, so it rejects.</p>")
    return "".join(parts)


def _signed_mcny(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e6:+,.2f} M CNY"


def _sensitivity(d: ReportData, figures: Mapping[str, bytes]) -> str:
    s = d.sensitivity
    if s is None:
        return "<p>Not run.</p>"
    rows = [
        [
            f"<code>{escape(r.name)}</code>",
            f"{number(r.low)} – {number(r.high)}{escape(unit_suffix(r.unit))}",
            mcny(r.cost_p90_low_cny),
            mcny(r.cost_p90_high_cny),
            pct(r.success_low),
            pct(r.success_high),
        ]
        for r in s.rows
    ]
    moved = {r.name for r in sensitive_rows(s, "cost_p90_low_cny", "cost_p90_high_cny")}
    moved |= {r.name for r in sensitive_rows(s, "success_low", "success_high")}
    none = [r.name for r in s.rows if r.name not in moved]
    return (
        f"<p>Each parameter was set to the low and then the high end of its plausible range, all "
        f"else at its default, and the application re-evaluated with the same seed (common "
        f"random numbers) on {s.draws} draws: base cost P90 {mcny(s.base_cost_p90_cny)}, base "
        f"success probability {pct(s.base_success)}.</p>"
        + figure(
            figures,
            "tornado",
            "Tornado charts of cost P90 and success probability",
            "Change of the cost P90 (top) and the success probability (bottom) with each "
            "parameter at the ends of its range; largest effect on top. Parameters without "
            "effect on a metric are left out of its panel.",
        )
        + table(
            ["parameter", "range", "cost P90 low", "cost P90 high", "success low", "success high"],
            rows,
            cls="sensitivity",
            num=(2, 3, 4, 5),
        )
        + (f"<p>No effect on either metric: {codes(none)}.</p>" if none else "")
    )


def render(d: ReportData, figures: Mapping[str, bytes]) -> str:
    """The complete HTML page of one proposal's report."""
    p = d.proposal.proposal
    css = resources.files("sim.report").joinpath("report.css").read_text("utf-8")
    toc = "".join(f'<li><a href="#{k}">{escape(t)}</a></li>' for k, t in SECTIONS)
    verdict_json = script_json(d.verdict)
    body = "".join(
        [
            _section("verdict", _verdict(d)),
            _section("spatial", _spatial(d, figures)),
            _section("disturbance", _disturbance(d, figures)),
            _section("cost", _cost(d, figures)),
            _section("applicant", _applicant(d, figures)),
            _section("recovery", _recovery(d, figures)),
            _section("assurance", _assurance(d, figures)),
            _section("conditions", _conditions(d)),
            _section("sensitivity", _sensitivity(d, figures)),
            _section("inputs", inputs(d), "appendix"),
            _section("assumptions", assumptions(d), "appendix"),
            _section("reproducibility", reproducibility(d)),
        ]
    )
    title = f"{p.id} — {p.name}: restoration feasibility review"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="restoresim {escape(d.version)}">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{css}</style>
<script type="application/json" id="verdict-json">{verdict_json}</script>
</head>
<body>
<main>
<header>
<h1>{escape(p.id)} — {escape(p.name)}</h1>
<p>Restoration feasibility review: {escape(p.mineral)} open pit, region {escape(p.region)},
licensed mining area {p.licensed_area_ha:,.2f} ha. Policy “{escape(d.policy.policy.name)}”,
{d.draws} Monte-Carlo draws, seed {d.seed}, restoresim {escape(d.version)}.</p>
<nav class="toc"><ol>{toc}</ol></nav>
</header>
{body}
<footer>Generated by restoresim {escape(d.version)}. Money in CNY; areas in hectares; years
from the application year (year 0: construction).</footer>
</main>
</body>
</html>
"""
