"""Every user-visible string of ``restoresim sweep-report``, in one place.

The English texts are the message ids of the translation catalogues (:mod:`sim.i18n`, the
``.po`` files under ``sim/i18n/locale/``): :func:`t` gives a label in the requested language,
English where a catalogue has no translation. Field names of CSV
files stay English (they are the data contract), as criterion names do in the JSON verdict.
"""

from __future__ import annotations

from typing import Any

from sim.i18n import N_, gettext, use_lang
from sim.outputs_registry import SWEEP_OUTCOMES, SWEEP_REPORT, TABLES, Output, by_name

#: every label by key, in English (the catalogue's message ids)
LABELS: dict[str, str] = {
    "criterion.licensed_area": N_("pit within licence"),
    "criterion.protected_overlap": N_("overlap with protected land"),
    "criterion.protected_distance": N_("distance to protected features"),
    "criterion.boundary_area": N_("boundary area mismatch"),
    "criterion.highwall_slope": N_("final wall slope"),
    "criterion.success_probability": N_("restoration success"),
    "criterion.cost_to_revenue": N_("cost / revenue"),
    "criterion.assurance": N_("assurance"),
    "criterion.unfunded_liability": N_("unfunded liability"),
    "field.restoration.progressive_fraction": N_("progressive restoration"),
    "field.finance.fund_rate_of_revenue": N_("fund rate of revenue"),
    "field.finance.bond_cny": N_("bond"),
    "field.finance.fund_initial_deposit_cny": N_("first fund deposit"),
    "field.site.final_highwall_slope_deg": N_("final wall slope {value:g}°"),
    "field.restoration.import_topsoil": N_("imported topsoil"),
    "field.policy.success_horizon_years_after_closure": N_(
        "success judged {value:g} years after closure"
    ),
    "field.policy.required_success_area_share": N_("success needs {value:.0%} of the area"),
    "hard": N_("hard"),
    "soft": N_("soft"),
    "baseline": N_("baseline"),
    "baseline_mark": N_(" (baseline)"),
    "verdict.approve": N_("approved"),
    "verdict.conditional": N_("conditional"),
    "verdict.reject": N_("rejected"),
    "none": N_("none"),
    "yes": N_("yes"),
    "no": N_("no"),
    "title": N_("Sweep report: {name}"),
    "intro": N_(
        "{n} applications under {p} policies in {s} scenarios of the uncertainties "
        "({sampler}); seed {seed}, {draws} Monte-Carlo draws per application; "
        "restoresim {version}. Store `{store}`."
    ),
    "baseline_line": N_(
        "**Baseline:** {label} (policy {id}); every change below is the policy minus "
        "the baseline in the same scenario (common random numbers), so it is the "
        "rule's effect, not noise."
    ),
    "baseline_defaulted": N_(
        "The baseline's {levers} was not given in [baseline] and the base policy's "
        "value is not on the grid: it takes the lever's first value."
    ),
    "baseline_unknown": N_("This store predates the baseline: policy 0 is taken as the baseline."),
    "stat_note": N_(
        "Numbers are the **mean over the {s} scenarios** with the **P10–P90 across "
        "scenarios** in brackets; shares are of the {n} applications."
    ),
    "cell_note": N_("*Each cell: mean over the {s} scenarios [P10–P90 across scenarios]{extra}.*"),
    "cell_note.counts": N_("; counts · share of the {n} applications"),
    "cell_note.changes": N_("; a change is the policy minus the baseline, scenario by scenario"),
    "q1": N_(
        "1. How many applications would each policy approve, make conditional, and "
        "reject, and how much public liability would its rejections avoid?"
    ),
    "q1.cols": N_(
        "policy | approved | conditional | rejected | rejected vs baseline | {avoided} | "
        "{avoided_change}"
    ),
    "vs_baseline": N_("change vs baseline"),
    "q1.note": N_(
        "Liability is the expected unfunded public liability (nominal, in the unit of the "
        "table): the restoration bill left to the public when the operator walks away and the "
        "fund plus bond do not cover it, averaged over the Monte-Carlo draws. "
        "*Avoided by rejections*: that of the rejected applications. A **hard** "
        "criterion rejects an application that fails it; a **soft** one makes it "
        "*conditional*: it is approved only once the operator meets the condition "
        "(for assurance: a larger fund accrual or first deposit), so a soft rule avoids "
        "liability by "
        "conditions, not by rejections (table 2). To compare against another policy, "
        "name it in the spec's `[baseline]` and run the sweep again."
    ),
    "q2": N_("2. How much public liability would the granted applications leave?"),
    "q2.cols": N_(
        "policy | approved outright | conditional, as applied for | all granted, as "
        "applied for | all granted, conditions met (at most) | secured by conditions "
        "(at least) | as applied vs baseline"
    ),
    "q2.note": N_(
        "Expected unfunded public liability, M CNY. *As applied for*: the operators' "
        "plans as submitted, exact. *Conditions met (at most)*: a conditional "
        "application must meet the unfunded-liability threshold before it is "
        "approved, so its liability is counted at most at that threshold; an upper "
        "bound (the sweep does not search the conditions), which is why a higher "
        "threshold can show more liability for the same approvals. The truth once "
        "conditions are met lies between *approved outright* and this bound; "
        "*secured by conditions* is the difference between as applied for and the "
        "bound, the least the conditions take off the public (a soft rule's "
        "counterpart of the liability a hard rule avoids by rejecting)."
    ),
    "q3": N_("3. What would be restored, and what would operators have to provide?"),
    "q3.cols": N_(
        "policy | {restored} | {disturbed} | {cost} | conditions the conditional applications "
        "must meet"
    ),
    "q3.note": N_(
        "Over granted applications (approved or conditional). *Restored*: area "
        "meeting its land use's success criterion by the policy's deadline (sum over "
        "applications of the P50 disturbed area x P50 share succeeding). The "
        "conditions are counted by deciding criterion; an application can face "
        "several. In expectation they must secure the liability of table 2's "
        "*conditional, as applied for*; the bond or fund each one needs is not "
        "computed by the sweep (no condition search): `restoresim evaluate` gives it "
        "per application."
    ),
    "q3.all_restored": N_(
        " Restored equals disturbed here: in every granted application's median draw "
        "all its area meets the criterion in time (the success probability, a "
        "criterion of its own, says how surely)."
    ),
    "q4": N_("4. What makes applications conditional or rejected under the baseline?"),
    "q4.text": N_(
        "Under the baseline {approved:.0%} of the applications are approved "
        "outright, {conditional:.0%} conditionally and {rejected:.0%} rejected "
        "(means over scenarios); the table counts the deciding criteria."
    ),
    "q4.assurance": N_(
        " {assurance_share:.0%} of the conditional ones fail **assurance**: the fund "
        "at the end of extraction (with any bond) covers every restoration bill still "
        "to come in only {assurance_median:.0%} of draws for the median one "
        "(threshold {threshold:.0%})."
    ),
    "q4.synthetic": N_(
        " In the synthetic portfolio (`sim/data/hunan-portfolio.toml`) operators "
        "post no bond (Hunan's instrument is the fund) and many plans budget less than "
        "the simulated cost, so a soft assurance criterion makes them conditional and a "
        "hard one rejects them."
    ),
    "q4.cols": N_("criterion | conditional, decided by it | rejected, decided by it"),
    "q5": N_("5. Which applications change verdict against the baseline, and why?"),
    "q5.cols": N_("policy | change | deciding criteria under the policy | applications"),
    "q5.resolved": N_("no longer fails: {criteria}"),
    "q5.note": N_(
        "Mean number of applications per scenario. Every application and scenario: "
        "`changes.csv` (one row per policy, application and change; filter by "
        "`policy_label`, `change`, `deciding`)."
    ),
    "q5.none": N_("No application changes verdict."),
    "q6": N_("6. What drives the outcome?"),
    "q6.tornado": N_(
        "Under the baseline, **{outcome}** moves most with **{first}**: {lo} on "
        "average in the scenarios in the lowest third of its range, {hi} in the "
        "highest third (all scenarios: {mean})."
    ),
    "q6.next": N_(" Next: {others}."),
    "q6.sobol": N_(
        " Sobol' indices: {first} alone explains about {s1:.0%} ± {s1c:.0%} of its "
        "variance across scenarios, {st:.0%} ± {stc:.0%} with its interactions (95 % "
        "intervals; `sobol.csv`)."
    ),
    "q6.sobol_few": N_(" (An estimate outside 0–100 % means too few Sobol' samples.)"),
    "q6.flat": N_(
        "Under the baseline, **{outcome}** does not move with any uncertainty: "
        "{mean} in every third of every range."
    ),
    "q6.none": N_("No drivers: the sweep has no uncertainties (or too few scenarios)."),
    "files": N_("Files: {files}."),
    "figures": N_(
        "Figures: `frontier.png` (each policy by its rule; the baseline marked), "
        "`tornado.png` (what moves the baseline's outcomes), `distributions.png` "
        "(each outcome across scenarios by policy)."
    ),
    "progress": N_("sweep report"),
    "sampler.full_factorial": N_("full factorial design"),
    "sampler.latin_hypercube": N_("Latin hypercube sample"),
    "sampler.sobol": N_("Saltelli (Sobol') sample"),
    "no_tornado": N_("No tornado: the sweep has no uncertainties (or too few scenarios)."),
    "no_sobol": N_(
        "No Sobol' indices: they need a Saltelli design ([sampler] method = 'sobol') "
        "with at least one uncertainty."
    ),
    "fixed_policy": N_("Criteria not on a lever keep the base policy's rule: {rules}."),
    "inexact": N_(
        "Policy {labels}: a soft criterion other than assurance, unfunded liability "
        "and boundary area, or a limit on the first fund deposit (with no unlimited "
        "bond), may leave a soft failure unfixable, so its conditional count is an "
        "upper bound (some would be rejections)."
    ),
    "fig.frontier.title": N_(
        "Each policy: share of applications granted against the public liability they leave"
    ),
    "fig.frontier.x": N_("mean over scenarios"),
    "fig.frontier.as_applied": N_("as applied for"),
    "fig.frontier.range": N_("down to: conditions met (at most)"),
    "fig.tornado.title": N_("What moves the outcome under the baseline ({label})"),
    "fig.tornado.low": N_("lowest third of the uncertainty's range"),
    "fig.tornado.high": N_("highest third"),
    "fig.tornado.mean": N_("all scenarios"),
    "fig.dist.title": N_("Each outcome across scenarios (box: quartiles; whiskers: P10–P90)"),
    "unit.mcny": N_("M CNY"),
    "unit.pct": N_("%"),
    "unit.ha": N_("ha"),
}
#: the outcomes' labels (stored, and derived by the report): the output registry's short labels
LABELS.update({f"outcome.{o.name}": o.label for o in (*SWEEP_OUTCOMES, *SWEEP_REPORT) if o.label})

#: how a value in a registered unit is shown: (scale, label key of the shown unit)
SHOWN_UNITS: dict[str, tuple[float, str]] = {
    "CNY": (1e-6, "unit.mcny"),
    "1": (100.0, "unit.pct"),
    "ha": (1.0, "unit.ha"),
}


def money_scale(lang: str = "en") -> float:
    """CNY to the money unit the sweep report shows (``unit.mcny``): M CNY in English, 万元 in
    Chinese (Hunan review documents count money in 万元)."""
    return 1e-4 if lang == "zh" else 1e-6


def shown_unit(outcome: str, lang: str = "en") -> tuple[float, str]:
    """(scale, unit label key) to show the stored outcome ``outcome`` in its registered unit."""
    unit = outcome_entry(outcome).unit
    scale, key = SHOWN_UNITS[unit]
    return (money_scale(lang), key) if unit == "CNY" else (scale, key)


def outcome_entry(name: str) -> Output:
    """The output registry's entry of an outcome the sweep report shows (stored or derived)."""
    return by_name((*TABLES["sweep_outcome"], *TABLES["sweep_report"]))[name]


def outcome_head(name: str, lang: str = "en", context: str = "") -> str:
    """The column head or axis label of the outcome ``name``: its label in the output registry
    with its unit as the report shows it (:func:`shown_unit`: M CNY or 万元, %, ha or 公顷) and
    any ``context``."""
    unit = t(shown_unit(name, lang)[1], lang)
    with use_lang(lang):
        return outcome_entry(name).heading(context, unit=unit, capital=False)


def t(key: str, lang: str = "en", **values: Any) -> str:
    """The label ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    with use_lang(lang):
        text = gettext(LABELS[key])
    return text.format(**values) if values else text
