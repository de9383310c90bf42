"""The report's first page: a review opinion (评审意见) the reviewer can paste and sign.

It states the conclusion (予以通过 / 附条件通过 / 不予通过), each deciding problem with its
value and threshold, the changes the applicant must make, the basis of every criterion in the
rules (from the policy's ``[basis]``) and a block for the reviewer's name, opinion and date.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from sim.fmt import criterion_value
from sim.i18n import N_, _, gettext
from sim.i18n.units import area, zh
from sim.i18n.verdict import (
    basis,
    change,
    explanation,
    fund_condition_note,
    kind_word,
    label,
    policy_name,
    verdict_word,
)
from sim.report.analysis import ReportData

#: what the conclusion means for the application, by verdict
CONSEQUENCE = {
    "approve": N_(
        "The restoration of the land this mine would disturb is technically and economically "
        "feasible under the policy's criteria."
    ),
    "conditional": N_(
        "The application may pass once the applicant meets one of the conditions below for "
        "each listed problem; the revised application is to be re-evaluated."
    ),
    "reject": N_("The restoration is not shown to be feasible; the application is returned."),
}


NO_REMEDY = {
    "licensed_area": N_(
        "the pit must fit the licence and hold the stated reserves: fewer reserves, a deeper "
        "designed pit (or a thicker mined section), or a larger delineated mining area."
    ),
    "cost_to_revenue": N_(
        "restoration is too costly for what the mine earns; a cheaper restoration design "
        "(gentler walls greened more cheaply, less waste) must be shown."
    ),
    "success_probability": N_(
        "no modelled plan change (substrate amendment, imported soil, gentler walls) lifts the "
        "success probability to the threshold."
    ),
    "highwall_slope": N_("the final walls must be designed at or below the slope limit."),
    "protected_overlap": N_(
        "the mining-right area must be redrawn to keep clear of the protected layers."
    ),
    "protected_distance": N_(
        "the mining-right area must be redrawn to keep the required distance."
    ),
}


def no_remedy(name: str) -> str:
    """Why no modelled plan change fixes the hard failure ``name``."""
    return _("No modelled plan change fixes it: {why}", why=gettext(NO_REMEDY.get(name, "")))


def _problem(c: dict[str, Any], v: dict[str, Any], policy: Any) -> str:
    name = c["name"]
    head = _(
        "{label}: {value} against the threshold {direction} {threshold} ({kind}, fails by "
        "{margin}).",
        label=label(name),
        value=criterion_value(name, c["value"]),
        direction={"<=": "≤", ">=": "≥"}[c["direction"]] if zh() else c["direction"],
        threshold=criterion_value(name, c["threshold"]),
        kind=kind_word(c["hard"]),
        margin=criterion_value(name, c["margin"], margin=True),
    )
    return f"<li>{escape(head)} {escape(explanation(c, v, policy))}</li>"


def _changes(v: dict[str, Any], failing: list[dict[str, Any]]) -> list[str]:
    out = []
    hard_failure = any(c["hard"] for c in failing)
    for c in failing:
        name = c["name"]
        pool = v["remedies"] if c["hard"] else v["conditions"]
        items = [x for x in pool if x["criterion"] == name]
        if items:
            joined = _(" or ").join(change(x) for x in items)
            text = _("{label}: {changes}.", label=label(name), changes=joined)
        elif c["hard"]:
            text = _("{names}: {text}", names=label(name), text=no_remedy(name))
        elif hard_failure:  # a rejected application gets no conditions (sim.api)
            text = _(
                "{label}: its conditions are set once the plan fixes the hard failures.",
                label=label(name),
            )
        elif v["verdict"] == "reject" and name not in v["deciding_criteria"]:
            # fixable, but another soft failure no lever fixes rejects (sim.api lists none)
            text = _(
                "{label}: no condition is listed, as the application is rejected on a criterion "
                "no lever fixes.",
                label=label(name),
            )
        else:
            text = _("{label}: no lever within the policy's bounds fixes it.", label=label(name))
        out.append(f"<li>{escape(text)}</li>")
    return out


def _fund_note(v: dict[str, Any], failing: list[dict[str, Any]]) -> str:
    """How the fund conditions are sized, under the required changes (or nothing)."""
    note = fund_condition_note(v)
    if note and any(c["name"] == "assurance" for c in failing):
        return f'<p class="note">{escape(note)}</p>'
    return ""


def _unassessed(v: dict[str, Any], policy: Any) -> str:
    """Under the conclusion, the criteria it could not assess (the spatial ones without a
    boundary), why, and that the conclusion holds only once they pass; '' when all were."""
    missing = [c for c in v["criteria"] if c["passed"] is None]
    if not missing:
        return ""
    prefix = re.compile(r"^(?:Not assessed|未评估)[:：]\s*")  # each explanation starts so
    why = {prefix.sub("", explanation(c, v, policy)) for c in missing}
    if v["verdict"] == "reject":  # nothing they give can lift a rejection
        text = _(
            "Not assessed: {names} ({why}); the rejection stands whatever they give.",
            names=_(", ").join(label(c["name"]) for c in missing),
            why=_("; ").join(sorted(w.rstrip("。.") for w in why)),
        )
        return f'<p class="caveat" id="not-assessed">{escape(text)}</p>'
    text = _(
        "Not assessed: {names} ({why}). This conclusion holds only once they are assessed and "
        "pass.",
        names=_(", ").join(label(c["name"]) for c in missing),
        why=_("; ").join(sorted(w.rstrip("。.") for w in why)),
    )
    hard = [c for c in missing if c["hard"]]
    if hard:
        text += ("" if zh() else " ") + _(
            "{names}: hard criteria, whose failure rejects the application.",
            names=_(", ").join(label(c["name"]) for c in hard),
        )
    return f'<p class="caveat" id="not-assessed">{escape(text)}</p>'


def opinion(d: ReportData) -> str:
    """The review-opinion page of one analysed proposal, in the current language."""
    v, policy = d.verdict, d.policy
    p = d.proposal.proposal
    failing = [c for c in v["criteria"] if c["passed"] is False]
    failing.sort(key=lambda c: c["name"] not in v["deciding_criteria"])
    word = v["verdict"]
    facts = [
        (_("Application"), f"{p.id} {p.name}"),
        (_("Mining-right area"), area(p.licensed_area_ha, 2)),
        (
            _("Assessment"),
            _(
                "policy “{policy}”, {draws} Monte-Carlo draws, seed {seed}",
                policy=policy_name(policy.policy.name),
                draws=d.draws,
                seed=d.seed,
            ),
        ),
    ]
    if v.get("params"):  # --param overrides: the opinion holds only with them
        facts.append(
            (
                _("Parameters changed"),
                _("; ").join(
                    _("{name} = {value:g} (library {library:g})", name=k, **c)
                    for k, c in v["params"].items()
                ),
            )
        )
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(x)}</dd>" for k, x in facts)
    parts = [
        f'<dl class="facts">{dl}</dl>',
        "<h3>" + escape(_("1. Conclusion")) + "</h3>",
        f'<p class="conclusion {word}" id="conclusion">'
        + _(
            "{word}. {consequence}",
            word=f"<b>{escape(verdict_word(word))}</b>",
            consequence=escape(gettext(CONSEQUENCE[word])),
        )
        + "</p>",
        _unassessed(v, policy),
        "<h3>" + escape(_("2. Main problems")) + "</h3>",
        (
            '<ol class="problems">' + "".join(_problem(c, v, policy) for c in failing) + "</ol>"
            if failing
            else "<p>" + escape(_("None: every assessed criterion passes.")) + "</p>"
        ),
        "<h3>" + escape(_("3. Required changes")) + "</h3>",
        (
            '<ol class="changes">' + "".join(_changes(v, failing)) + "</ol>"
            + _fund_note(v, failing)
            if failing
            else "<p>" + escape(_("None.")) + "</p>"
        ),
        "<h3>" + escape(_("4. Basis")) + "</h3>",
    ]
    rows = [
        f"<tr><th>{escape(label(c['name']))}</th><td>{escape(basis(policy, c['name']))}</td></tr>"
        for c in v["criteria"]
        if basis(policy, c["name"])
    ]
    parts.append(
        f'<table class="basis"><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else "<p>" + escape(_("The policy gives no basis for its criteria ([basis]).")) + "</p>"
    )
    parts.append(
        '<div class="signature">'
        "<p>" + escape(_("Reviewer (signature):")) + "<span class='line'></span></p>"
        "<p>" + escape(_("Review opinion:")) + "<span class='line wide'></span></p>"
        "<p class='blank'></p>"
        "<p>" + escape(_("Date:")) + "<span class='line'></span></p>"
        "</div>"
    )
    return "".join(parts)
