"""The verdict in the reviewer's language: criterion labels, explanations, changes, basis.

Everything here works from the verdict JSON (and the proposal and policy when at hand), so a
verdict read back from ``verdicts/ID.json`` is written in Chinese as well as a fresh one. In
English the engine's own texts are returned unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.fmt import criterion_value
from sim.i18n import N_, NP_, _, current_lang, gettext, pgettext
from sim.i18n.units import area, cubic_metres, money, share, tonnes

#: the verdict words as a review opinion states them
VERDICT_WORDS = {
    "approve": N_("APPROVE"),
    "conditional": N_("CONDITIONAL"),
    "reject": N_("REJECT"),
    "invalid": N_("INVALID"),
}

#: explanations that are fixed texts (spatial criteria not assessed), translated whole
FIXED_EXPLANATIONS = (
    N_("Not assessed: the application gives no mining-right boundary ([location] boundary)."),
    N_("Not assessed: the spatial screening was not run for this assessment."),
    N_(
        "Not assessed: the policy names no protected layer with rule = 'no_overlap' "
        "([[layers]] or --layers)."
    ),
    N_(
        "Not assessed: the policy names no protected layer with rule = 'min_distance' "
        "([[layers]] or --layers PATH:min_distance=M)."
    ),
    N_("Not assessed: the min_distance layers contain no features."),
)

#: every criterion name (the English contract); its Chinese term is in the catalogue
CRITERIA = (
    NP_("criterion", "licensed_area"),
    NP_("criterion", "protected_overlap"),
    NP_("criterion", "protected_distance"),
    NP_("criterion", "boundary_area"),
    NP_("criterion", "highwall_slope"),
    NP_("criterion", "success_probability"),
    NP_("criterion", "cost_to_revenue"),
    NP_("criterion", "assurance"),
    NP_("criterion", "unfunded_liability"),
)


def label(name: str) -> str:
    """A criterion's name for people: the identifier in English, its Chinese term in zh."""
    return pgettext("criterion", name)


def verdict_word(verdict: str) -> str:
    """``APPROVE``/``CONDITIONAL``/``REJECT`` or 予以通过/附条件通过/不予通过."""
    return gettext(VERDICT_WORDS.get(verdict, verdict))


def result_word(passed: bool | None) -> str:
    """A criterion's result: pass, FAIL or not assessed."""
    return gettext({True: N_("pass"), False: N_("FAIL"), None: N_("not assessed")}[passed])


def kind_word(hard: bool) -> str:
    """hard (rejects) or soft (conditions)."""
    return gettext(N_("hard") if hard else N_("soft"))


def basis(policy: Any, name: str) -> str:
    """The policy's basis of criterion ``name`` in the current language ('' when none)."""
    b = getattr(policy, "basis", {}).get(name) if policy is not None else None
    if b is None:
        return ""
    return b.zh if current_lang() == "zh" else b.en


def explanation(c: Mapping[str, Any], v: Mapping[str, Any], policy: Any = None) -> str:
    """Criterion ``c`` of verdict ``v`` explained in the current language."""
    text = str(c["explanation"])
    if current_lang() == "en":
        return text
    if text in FIXED_EXPLANATIONS:
        return gettext(text)
    name, m = c["name"], v["metrics"]
    value = criterion_value(name, c["value"])
    limit = criterion_value(name, c["threshold"])
    if c["passed"] is None:
        return _("Not assessed.")
    if name == "licensed_area" and "volume_needed_m3" in (c.get("details") or {}):
        d = c["details"]
        args = {
            "pit": area(d["pit_area_ha"], 2),
            "kind": gettext(N_("hillside cut") if d["hillside"] else N_("closed pit")),
            "depth": f"{d['depth_m']:.0f}",
            "licence": area(d["licence_ha"], 2),
            "holds": cubic_metres(d["pit_volume_m3"]),
            "needed": cubic_metres(d["volume_needed_m3"]),
            "fill": share(d["volume_needed_m3"] / d["pit_volume_m3"], 0),
            "allowed": share(1.0 + d["tolerance"], 0),
            "basis": gettext(
                N_("as the plan states") if d["volume_stated"] else N_("at its final slopes")
            ),
        }
        binding = (
            _(
                " The binding comparison: the extent the stated reserves need, {need}, against "
                "the designed extent with the policy's allowance, {allowed_area}.",
                need=area(d["area_needed_ha"], 2),
                allowed_area=area(d["area_allowed_ha"], 2),
            )
            if d.get("binding") == "pit"
            else ""
        )
        if d["volume_needed_m3"] <= d["volume_allowed_m3"]:
            return _(
                "Designed pit {pit} ({kind}, {depth} m deep) against the mining-right area "
                "{licence}; it holds {holds} {basis}, and the stated reserves with their waste "
                "are {needed} ({fill} of it; the policy allows {allowed}).",
                **args,
            ) + binding
        return _(
            "Designed pit {pit} ({kind}, {depth} m deep) against the mining-right area "
            "{licence}; it holds {holds} {basis}, but the stated reserves with their waste are "
            "{needed} ({fill} of it; the policy allows {allowed}): they do not fit; a pit of "
            "this depth and slope would need {needed_area}.",
            needed_area=area(d["area_needed_ha"], 2),
            **args,
        ) + binding
    if name == "licensed_area":
        return _(
            "P90 pit footprint (floor + walls) {value} against the mining-right area {limit}.",
            value=area(c["value"]),
            limit=area(c["threshold"]),
        )
    if name == "protected_overlap":
        parts = "; ".join(
            _(
                "{layer}: overlap {area}",
                layer=d["layer"],
                area=criterion_value(name, d["overlap_ha"]),
            )
            + (
                ""
                if d.get("reaches_site", True)
                else _(
                    " (nearest {distance} away, and the layer's extent does not reach the site: "
                    "check that it is the layer of the site's own area, or its 'no overlap' "
                    "proves nothing)",
                    distance=criterion_value("protected_distance", d["distance_m"]),
                )
            )
            for d in c.get("details") or []
        )
        if c["value"] > 0:
            return _(
                "{value} of the mining-right area lie inside protected no-overlap layers: {parts}.",
                value=area(c["value"]),
                parts=parts,
            )
        return _(
            "The mining-right area does not overlap any protected no-overlap layer: {parts}.",
            parts=parts,
        )
    if name == "protected_distance":
        details = [d for d in c.get("details") or [] if d["distance_m"] is not None]
        parts = "; ".join(
            _(
                "{layer} {distance} away (required {required})",
                layer=d["layer"],
                distance=criterion_value(name, d["distance_m"]),
                required=criterion_value(name, d["min_distance_m"]),
            )
            for d in details
        )
        worst = min(details, key=lambda d: d["margin_m"])["layer"] if details else ""
        return _(
            "Distances from the mining-right area: {parts}; the layer with the smallest margin "
            "decides: {layer}.",
            parts=parts,
            layer=worst,
        )
    if name == "boundary_area":
        d = c.get("details") or {}
        return _(
            "The mining-right boundary encloses {polygon}, {value} off the stated mining area "
            "{stated}; the boundary is taken as the truth.",
            polygon=area(d.get("boundary_area_ha")),
            value=value,
            stated=area(d.get("licensed_area_ha")),
        )
    if name == "highwall_slope":
        return _(
            "Final overall wall slope {value} against a limit of {limit}; steeper walls cannot "
            "be reliably revegetated.",
            value=value,
            limit=limit,
        )
    if name == "success_probability":
        pol = getattr(policy, "policy", None)
        return _(
            "In {value} of {draws} draws at least {share} of the restored area meets its land "
            "use's cover criterion {years} years after closure; {rework} of the area is "
            "expected to need rework.",
            value=value,
            draws=v["draws"],
            share=share(getattr(pol, "required_success_area_share", 0.95), 0),
            years=getattr(pol, "success_horizon_years_after_closure", 5),
            rework=share(m["rework_area_share"], 0),
        )
    if name == "cost_to_revenue":
        crit = getattr(getattr(policy, "criteria", None), "cost_to_revenue", None)
        q = float(getattr(crit, "quantile", 0.9))
        return _(
            "P{q} present value of restoration cost {cost} is {value} of the present value of "
            "revenue {revenue}.",
            q=f"{q * 100:.0f}",
            cost=money(m["pv_cost_p50_cny" if q == 0.5 else "pv_cost_p90_cny"]),
            value=value,
            revenue=money(m["pv_revenue_cny"]),
        )
    if name == "assurance":
        d = c.get("details") or {}
        if "fund_at_closure_p50_cny" in d:
            return _(
                "In {value} of draws the fund balance at the end of extraction (with the bond, "
                "if one is posted) covers every restoration bill still to come (final works, "
                "aftercare, rework, price rises; median fund {fund} against a median {owed} "
                "still to pay).",
                value=value,
                fund=money(d["fund_at_closure_p50_cny"]),
                owed=money(d["liability_at_closure_p50_cny"]),
            )
        return _(
            "In {value} of draws the fund balance at the end of extraction (with the bond, if "
            "one is posted) covers every restoration bill still to come (final works, "
            "aftercare, rework, price rises).",
            value=value,
        )
    if name == "unfunded_liability":
        p90 = m.get("unfunded_liability_p90_cny")
        if p90 is not None and p90 <= 0.0 and (c["value"] or 0.0) > 0.0:
            return _(
                "The operator walks away before restoration ends in {default} of draws; the "
                "expected cost then left to the public, beyond the fund (and any bond), is "
                "{value} on average over all draws (at least 90% of draws leave nothing: the "
                "average comes from the draws in which the operator walks away with the fund "
                "short).",
                default=share(m["default_probability"]),
                value=money(c["value"]),
            )
        return _(
            "The operator walks away before restoration ends in {default} of draws; the "
            "expected cost then left to the public, beyond the fund (and any bond), is {value} "
            "(P90 {p90}).",
            default=share(m["default_probability"]),
            value=money(c["value"]),
            p90=money(p90),
        )
    return text


#: the change a condition or remedy asks for, by the field it sets
CHANGES = {
    "finance.bond_cny": N_("raise the bond to {value}"),
    "finance.plan_restoration_cost_cny": N_(
        "raise the plan's restoration cost accrued to the fund to {value}"
    ),
    "finance.fund_rate_of_revenue": N_("raise the fund rate of revenue to {value}"),
    "finance.fund_initial_deposit_cny": N_(
        "pay a first deposit of {value} into the restoration fund before works begin"
    ),
    "restoration.progressive_fraction": N_(
        "restore {value} of the pit floor, benches and dumps while mining"
    ),
    "site.final_highwall_slope_deg": N_("flatten the final walls to {value}"),
    "extraction.reserves_mt": N_(
        "reduce the reserves to be mined to {value}, the most the designed pit holds with its "
        "waste"
    ),
    "restoration.substrate_amendment": N_("amend the toxic substrate (lime + clean cover)"),
    "restoration.import_topsoil": N_("import soil to cover the topsoil deficit"),
    "proposal.licensed_area_ha": N_(
        "correct the stated mining area to the mining-right boundary's {value} "
        "(or correct the boundary)"
    ),
}


#: which passing value of a scan a remedy is (``kind`` of sim.feasibility's remedies)
REMEDY_KIND_WORDS = {
    "nearest": N_(" (the least change that passes)"),
    "cheapest": N_(" (the cheapest that passes)"),
}


def consequence(x: Mapping[str, Any]) -> str:
    """What a remedy's change does besides its cost (a flatter wall's pit), in the current
    language, for a line of its own; '' when nothing."""
    if current_lang() == "en":
        parts = str(x["change"]).split("; ")
        at = next((i for i, t in enumerate(parts) if t.startswith("median restoration cost")), -1)
        return "; ".join(parts[at + 1 :]) if at >= 0 else ""
    return _pit_note(x).lstrip("；; ")


def change(x: Mapping[str, Any]) -> str:
    """What condition or remedy ``x`` asks the applicant to do, in the current language."""
    if current_lang() == "en" or x["field"] not in CHANGES:
        return str(x["change"])
    field, value = x["field"], x["value"]
    if field.endswith("_cny"):
        shown = money(value)
    elif field.endswith("_ha"):
        shown = area(value)
    elif field.endswith("_deg"):
        shown = f"{value:.0f}°"
    elif field == "extraction.reserves_mt":
        shown = tonnes(value * 1e6)
    elif isinstance(value, float):
        shown = share(value, 0 if field == "restoration.progressive_fraction" else 2)
    else:
        shown = str(value)
    text = _(CHANGES[field], value=shown)
    if x.get("kind") in REMEDY_KIND_WORDS:
        text += gettext(REMEDY_KIND_WORDS[x["kind"]])
    delta = x.get("cost_change_p50_cny")
    if delta is not None:
        text += _("; median restoration cost changes by {delta}", delta=money(delta, sign=True))
    return text + _pit_note(x)


def _pit_note(x: Mapping[str, Any]) -> str:
    """What a flatter wall does to the pit (a remedy's ``pit_volume_m3`` or ``wall_plan_ha``),
    as the '; …' that follows its cost in the current language; '' without either."""
    text = ""
    if x.get("pit_volume_m3") is not None:
        held, needed = x["pit_volume_m3"], x["volume_needed_m3"]
        text += _(
            "; the designed pit then holds {held} million m³ against the {needed} million m³ "
            "of ore and waste stated ({share} of what it holds)",
            held=f"{held / 1e6:,.2f}", needed=f"{needed / 1e6:,.2f}", share=f"{needed / held:.0%}",
        )
    if x.get("wall_plan_ha") is not None:
        more = x["wall_plan_ha"] - x["wall_plan_now_ha"]
        text += _(
            "; at the plan's mined thickness the walls' plan grows from {now} to {then}: the "
            "model keeps the pit's footprint and tonnage, so keeping the floor needs a pit of up "
            "to {needed} (P90) against the {licence} licence, or less ore mined",
            now=area(x["wall_plan_now_ha"], 2), then=area(x["wall_plan_ha"], 2),
            needed=area(x["footprint_p90_ha"] + more, 2), licence=area(x["licence_ha"], 2),
        )
    return text


#: the minerals of the parameter library (sim/params/minerals.toml), named in the report
MINERALS = (
    NP_("mineral", "limestone"),
    NP_("mineral", "dolomite"),
    NP_("mineral", "granite"),
    NP_("mineral", "sandstone"),
    NP_("mineral", "aggregate"),
    NP_("mineral", "clay"),
    NP_("mineral", "manganese"),
    NP_("mineral", "lead_zinc"),
    NP_("mineral", "coal"),
    NP_("mineral", "rare_earth"),
    NP_("mineral", "tungsten"),
    NP_("mineral", "antimony"),
    NP_("mineral", "iron"),
    NP_("mineral", "shale"),
    NP_("mineral", "silica"),
    NP_("mineral", "marble"),
    NP_("mineral", "kaolin"),
    NP_("mineral", "fluorite"),
    NP_("mineral", "phosphate"),
    NP_("mineral", "vanadium"),
    NP_("mineral", "gold"),
    NP_("mineral", "copper"),
    NP_("mineral", "tin"),
)


#: the regions of the parameter library (sim/params/regions.toml)
REGIONS = (
    NP_("region", "south_hilly"),
    NP_("region", "southwest_karst"),
    NP_("region", "north_china_plain"),
    NP_("region", "loess_plateau"),
    NP_("region", "northeast"),
)


def region(name: str) -> str:
    """A region's name for people (the identifier in English)."""
    return pgettext("region", name)


def verdict_name(verdict: str) -> str:
    """The verdict as a short status line gives it: its identifier in English, 不予通过 in zh."""
    return verdict if current_lang() == "en" else verdict_word(verdict)


def mineral(name: str) -> str:
    """A mineral's name for people (the identifier in English)."""
    return pgettext("mineral", name)


#: the packaged policy's name, as a reader sees it
NP_("policy", "default")


def policy_name(name: str) -> str:
    """A policy's name for people: the packaged ``default`` in the reader's language (默认审查
    政策 in zh), any other name as its file gives it."""
    return pgettext("policy", name) if name == "default" else name


#: the condition fields that size the restoration fund
FUND_FIELDS = ("finance.plan_restoration_cost_cny", "finance.fund_initial_deposit_cny")


def fund_condition_note(v: Mapping[str, Any]) -> str | None:
    """Why a fund condition of verdict ``v`` asks for more than the cost's P90 (None when no
    condition sizes the fund): the fund must cover, in the policy's share of draws, the cost
    still to pay at closure at that year's prices, while it earns only the fund's interest."""
    fields = {c["field"] for c in v.get("conditions", ()) if c["criterion"] == "assurance"}
    if not fields & set(FUND_FIELDS):
        return None
    crit = next((c for c in v["criteria"] if c["name"] == "assurance"), None)
    if crit is None or crit["threshold"] is None:
        return None
    return _(
        "The fund conditions size the fund so that, in {threshold} of draws, its balance at the "
        "end of extraction covers the cost still to pay then (final works, aftercare, rework) "
        "at that year's prices. They can exceed the cost's P90 at year-0 prices ({p90}): prices "
        "are taken to rise faster than the fund earns interest, so every amount accrued loses "
        "value until it is spent.",
        threshold=share(crit["threshold"], 0),
        p90=money(v["metrics"]["cost_p90_cny"]),
    )
