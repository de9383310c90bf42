"""The verdict as the terminal prints it, in the current language (:func:`sim.i18n.use_lang`).

Every number says which statistic it is (P50, P90, mean of draws, probability).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

from sim import outputs_registry as registry
from sim.fmt import criterion_value, value_text
from sim.i18n import _, current_lang, gettext
from sim.i18n.message import localise
from sim.i18n.units import (
    area,
    money,
    money_bare,
    money_per_ha,
    pad,
    share,
    width,
)
from sim.i18n.verdict import (
    change,
    explanation,
    fund_condition_note,
    kind_word,
    label,
    result_word,
    verdict_word,
)

#: a run of Latin letters, digits and number signs is never broken across lines
_TOKEN = re.compile(r"[A-Za-z0-9.,%+\-_°=\[\]]+|.", re.S)
#: Chinese punctuation that never starts a line
_NO_START = set("，。；：、）》”！？")


def _wrap(text: str, first: str, rest: str, columns: int = 98) -> list[str]:
    if current_lang() != "zh":
        return textwrap.wrap(text, width=columns, initial_indent=first, subsequent_indent=rest)
    lines, line = [], first
    for token in _TOKEN.findall(text):
        if width(line) + width(token) > columns and line.strip() and token not in _NO_START:
            lines.append(line)
            line = rest
        line += token
    return [*lines, line]


def _list_sep() -> str:
    return "；" if current_lang() == "zh" else "; "


def _gap() -> str:
    """After a heading's colon: nothing after a Chinese full-width colon, else a space."""
    return "" if current_lang() == "zh" else " "


def bill_lines(b: dict[str, Any], noted: Sequence[Any] = ()) -> list[str]:
    """The applicant's bill by measure at its percentile of ours (``bill`` of the verdict),
    without the notes that the verdict's Notes also give (``noted``)."""
    from sim.bill import FLAG_WORDS, label, percentile_label

    lines = [_("Bill of quantities: the applicant's by measure, at the percentile of our draws")]
    head = [_("measure"), _("applicant"), _("ours P50"), _("at our")]
    rows = [
        [
            label(m["measure"]),
            money(m["applicant_cny"]),
            money(m["ours_p50_cny"]),
            percentile_label(m["percentile"]),
            gettext(FLAG_WORDS[m["flag"]]),
        ]
        for m in b["measures"]
    ]
    t = b["total"]
    rows.append(
        [_("Total"), money(t["applicant_cny"]), money(t["ours_p50_cny"]),
         percentile_label(t["percentile"]), ""]
    )  # fmt: skip
    cols = [max(width(r[i]) for r in [*rows, [*head, ""]]) for i in range(4)]
    line = "  " + pad(head[0], cols[0]) + "".join(
        "  " + pad(h, c, right=True) for h, c in zip(head[1:], cols[1:], strict=True)
    )
    lines.append(line)
    for r in rows:
        lines.append(
            "  "
            + pad(r[0], cols[0])
            + "".join("  " + pad(x, c, right=True) for x, c in zip(r[1:4], cols[1:], strict=True))
            + (f"  {r[4]}" if r[4] else "")
        )
    if b["left_out"]:
        text = _list_sep().join(
            _(
                "{measure} (ours P50 {p50})",
                measure=label(x["measure"]),
                p50=money(x["ours_p50_cny"]),
            )
            for x in b["left_out"]
        )
        lines.extend(_wrap(_("Measures we price that the bill leaves out:") + _gap() + text,
                           "  ", "    "))  # fmt: skip
    if b["not_modelled"]:
        text = _list_sep().join(
            _("{item} ({amount})", item=x["item"], amount=money(x["amount_cny"]))
            for x in b["not_modelled"]
        )
        lines.extend(
            _wrap(_("Items of the bill the model does not price (kept, not compared):") + _gap()
                  + text, "  ", "    ")
        )  # fmt: skip
    elsewhere = {localise(n) for n in noted}
    for note in b.get("notes", []):
        if localise(note) not in elsewhere:  # the bill's total against the plan's cost
            lines.extend(_wrap(localise(note), "  - ", "    "))
    return lines


def format_verdict(v: dict[str, Any], policy: Any = None) -> str:
    """A reviewer-readable text block for one verdict."""
    lines = [f"{v['proposal_id']}  {v['name']}", ""]
    deciding = (
        _("  (deciding: {names})", names=_(", ").join(label(n) for n in v["deciding_criteria"]))
        if v["deciding_criteria"]
        else ""
    )
    lines.append(_("Verdict: {word}", word=verdict_word(v["verdict"])) + deciding)
    lines.append("")
    name_w = max([20, *(width(label(c["name"])) for c in v["criteria"])])
    words = [_("criterion"), _("value"), _("threshold"), _("margin"), _("result")]
    head = (
        f"  {pad(words[0], name_w)} {pad(words[1], 14, True)} {'':2} "
        f"{pad(words[2], 14, True)} {pad(words[3], 14, True)}  {'':4}  {words[4]}"
    )
    lines.append(head)
    lines.append("  " + "-" * (width(head) - 2))
    for c in v["criteria"]:
        name = c["name"]
        lines.append(
            f"  {pad(label(name), name_w)} {pad(criterion_value(name, c['value']), 14, True)} "
            f"{c['direction']:2} {pad(criterion_value(name, c['threshold']), 14, True)} "
            f"{pad(criterion_value(name, c['margin'], margin=True), 14, True)}  "
            f"{pad(kind_word(c['hard']), 4)}  {result_word(c['passed'])}"
        )
    lines.append("")
    explained: dict[str, list[str]] = {}  # one line for criteria sharing an explanation
    for c in v["criteria"]:
        # failing and unassessed criteria, and the designed pit's check, whose two areas are
        # neither the pit's nor the licence's (what the reserves need, what the design allows)
        designed = "volume_needed_m3" in (c.get("details") or {})
        if c["passed"] is not True or designed:
            explained.setdefault(explanation(c, v, policy), []).append(label(c["name"]))
    sep = "、" if current_lang() == "zh" else ", "
    for text, names in explained.items():
        lines.extend(_wrap(_("{names}: {text}", names=sep.join(names), text=text), "  ", "    "))
    m = v["metrics"]
    metrics = [  # (what: a registered output's label, or a group of them; the values)
        (
            registry.lookup("draw", "life_years").heading(unit="", capital=False),
            _(
                "P50 {life} years (simulated horizon {horizon} years)",
                life=m["life_years"],
                horizon=m["horizon_years"],
            ),
        ),
        (
            registry.lookup("draw", "total_disturbed_ha").heading(unit="", capital=False),
            _(
                "P50 {total} (peak unrestored P50 {peak})",
                total=area(m["total_disturbed_area_ha"]),
                peak=area(m["peak_disturbed_area_ha"]),
            ),
        ),
        (
            registry.lookup("draw", "cost_cny").heading(unit="", capital=False),
            _(
                "P50 {p50} (P10 {p10} – P90 {p90} M), {per_ha} (P50), undiscounted at year-0 "
                "prices",
                p50=money(m["cost_p50_cny"]),
                p10=money_bare(m["cost_p10_cny"]),
                p90=money_bare(m["cost_p90_cny"]),
                per_ha=money_per_ha(m["cost_per_ha_p50_cny"]),
            ),
        ),
        (
            registry.lookup("draw", "pv_cost_cny").heading(unit="", capital=False),
            _(
                "P50 {p50} M, P90 {p90} M CNY (revenue P50 {revenue} M CNY)",
                p50=money_bare(m["pv_cost_p50_cny"]),
                p90=money_bare(m["pv_cost_p90_cny"]),
                revenue=money_bare(m["pv_revenue_cny"], 1),
            ),
        ),
        (
            registry.lookup("summary", "success_probability").heading(unit="", capital=False),
            _(
                "{success} (rework on {rework} of the area, mean of draws)",
                success=share(m["success_probability"]),
                rework=share(m["rework_area_share"], 0),
            ),
        ),
        (
            _("financial assurance"),
            _(
                "probability {assurance}; operator default {default}; expected (mean) "
                "unfunded liability {unfunded}",
                assurance=share(m["assurance_probability"]),
                default=share(m["default_probability"]),
                unfunded=money(m["expected_unfunded_liability_cny"]),
            ),
        ),
    ]
    column = 20 if current_lang() == "zh" else 27  # the names' column, as it always was
    name_w = max(column, *(width(what) + 2 for what, _values in metrics))
    lines += ["", _("Key metrics"), *(f"  {pad(what, name_w)}{x}" for what, x in metrics)]
    if v["conditions"]:
        lines += ["", _("Conditions (any one of these fixes its criterion)")]
        for c in v["conditions"]:
            item = _("{names}: {text}", names=label(c["criterion"]), text=change(c))
            lines.append(f"  {item}  [{c['field']} = {value_text(c['value'])}]")
        se = 100.0 * (0.9 * 0.1 / v["draws"]) ** 0.5
        lines.extend(
            _wrap(
                _(
                    "Each value is the smallest that passes on these {draws} draws; a "
                    "probability near 90 % carries a Monte-Carlo error of about ±{se} points, "
                    "so re-check with more draws (or add a margin) before imposing it.",
                    draws=v["draws"],
                    se=f"{se:.1f}",
                ),
                "  ",
                "  ",
            )
        )
        note = fund_condition_note(v)
        if note:
            lines.extend(_wrap(note, "  ", "  "))
        if "condition_draws" in v:
            lines.extend(
                _wrap(
                    _(
                        "The bond and the fund deposit were searched on the first {n} draws "
                        "(memory stays bounded); re-check them on the full run.",
                        n=v["condition_draws"],
                    ),
                    "  ",
                    "  ",
                )
            )
    if v["remedies"]:
        lines += ["", _("Plan changes that would fix a hard failure")]
        for c in v["remedies"]:
            item = _("{names}: {text}", names=label(c["criterion"]), text=change(c))
            lines.append(f"  {item}  [{c['field']} = {value_text(c['value'])}]")
    if v.get("bill"):
        lines += ["", *bill_lines(v["bill"], v.get("notes", ()))]
    if v.get("notes"):
        lines += ["", _("Notes")]
        for note in v["notes"]:
            lines.extend(_wrap(localise(note), "  - ", "    "))
    lines += [
        "",
        _(
            "seed {seed}, {draws} draws, restoresim {version}",
            seed=v["seed"],
            draws=v["draws"],
            version=v["version"],
        ),
    ]
    if v.get("params"):  # --param overrides: the verdict holds only with them
        changes = _("; ").join(
            _("{name} = {value:g} (library {library:g})", name=k, **p)
            for k, p in v["params"].items()
        )
        text = _("parameters changed from the library: {changes}", changes=changes)
        lines += _wrap(text, "", "  ")
    return "\n".join(lines)
