"""One registry of every output restoresim emits: name, dims, unit, long name, description and
how it is summarised.

The engine's datasets (per-draw ``raw``, per-proposal ``summary``, per-year ``trajectories``),
the JSON verdict's ``metrics``, the sweep store and the programme's datasets all take their
variables' names, dims, CF ``units`` and ``long_name`` attributes from here, and the compiled
kernel's output layout (:data:`sim.kernel.OUT_SCALARS`, :data:`sim.kernel.OUT_YEARLY`) is the
order of :data:`DRAW` and :data:`DRAW_YEARLY`. The values of the programme summary
(:data:`PROGRAMME_SUMMARY`), the monitor's supervision records (:data:`MONITOR`,
:data:`MONITOR_OBSERVATION`) and what the report derives (:data:`REPORT`) are registered too.
``tests/test_outputs_registry.py`` checks that every variable emitted is registered here and
every entry is emitted (parity).

What people read takes its words from here as well: every figure axis, legend entry and table
head that names an output is :meth:`Output.heading` (or :meth:`Output.short_label`) of its entry,
found with :func:`lookup` (the report's ``out(table, name)``): the short ``label`` (the long
name when none), the unit as the numbers show it (:func:`sim.i18n.units.shown_unit`: money in
M CNY or 万元) and the figure's own context, composed by the catalogue's
``"{label} [{unit}, {context}]"`` ("生态修复费用［万元，未折现，申请年价格］"). Renaming a
label or unit here renames it in the report, the batch summary, the monitor's list and the
programme's text and plots; the tests check that each ``out``/``lookup`` of the figure and table
code resolves and that a renamed entry reaches the figures.

Units are CF/UDUNITS strings that pint and xarray read (``"CNY"`` is a currency, not a UDUNITS
unit: pint needs it defined once, ``ureg.define("CNY = [currency]")``). Long names are
English and are the gettext catalogue's message ids, so :meth:`Output.title` gives them in
the reviewer's language (``sim/i18n``); descriptions add what the long name leaves out.

How to add an output (one entry here):

- a per-draw number the kernel computes: one :class:`Output` in :data:`DRAW` (or
  :data:`DRAW_YEARLY`, before the ``cover_*`` entries, which stay last), then write it in the
  kernel (``out[oc.NAME, row]`` / ``yr.NAME``); ``reference=True`` when ``sim/reference.py``
  computes it too (the engine–reference test then compares them);
- its summary over draws: one entry in :data:`SUMMARY` with ``summary="quantiles"`` or
  ``"mean"`` and ``source`` the draw output's name; the engine builds it from that;
- a JSON metric or a sweep column: one entry in :data:`METRICS` (``source`` a summary
  variable, ``quantile`` or None, ``uses`` ``{"json", "sweep"}``);
- a value of the programme summary or the monitor's records: one entry in
  :data:`PROGRAMME_SUMMARY` or :data:`MONITOR` / :data:`MONITOR_OBSERVATION` (the parity tests
  fail until it is there);
- shown in a figure or table: give it a short ``label`` (a message id, lower case, no unit)
  and name it there with ``lookup(table, name).heading(context)`` (``out(...)`` in the
  report), never a second copy of its name or unit;
- then run the pybabel commands of the README so the long name and label get their Chinese.

The kernel's compiled output rows come from :data:`DRAW` and :data:`DRAW_YEARLY`: numba's cache
is stamped with their names in order (``sim.model._compile.output_layout_stamp``), so adding,
removing or moving a per-draw output recompiles the kernel; editing a unit, long name or
description does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sim.i18n import N_
from sim.keys import AREA_CLASSES, LAND_USES

#: how an output is summarised (the ``summary`` of an :class:`Output`)
SUMMARIES: dict[str, str] = {
    "per_draw": "not summarised: one value per Monte-Carlo draw (and year)",
    "quantiles": "P10, P50 and P90 over the draws of `source` (NaN draws left out)",
    "mean": "mean over the draws of `source` (a probability for a 0/1 output)",
    "quantile": "one quantile (`quantile`) of the summary variable `source`",
    "value": "the value itself (one per proposal, or per proposal and year)",
    "quantiles_by_year": "P10, P50 and P90 over the draws, year by year",
    "mean_by_year": "mean over the draws, year by year",
    "share_by_year": "share of the draws, year by year",
    "portfolio": "over the proposals of one experiment of a sweep",
    "replications": "one value per replication of the programme simulation",
    "median_of_replications": "a quantile over the replications of each what-if case",
    "quantiles_of_replications": (
        "P10, P50 and P90 over the replications, each its own key: `name`_p10, _p50, _p90"
    ),
    "quantile_of_replications": "one quantile (`quantile`) over the replications",
}

#: the classes of vegetation cover given by year: each land use but water, and greened walls
COVER_CLASSES: tuple[str, ...] = (*(lu for lu in LAND_USES if lu != "water"), "wall")


@dataclass(frozen=True)
class Output:
    """One output variable."""

    name: str
    dims: tuple[str, ...]
    #: CF-style unit string ("CNY", "ha", "year", "d", "CNY/ha", "1" for counts and shares)
    unit: str
    #: English long name, the catalogue's message id (:meth:`title` translates it)
    long_name: str
    #: how it is summarised: a key of :data:`SUMMARIES`
    summary: str
    description: str = ""
    #: the output it is computed from (summaries and metrics)
    source: str = ""
    #: the quantile of ``source`` (a metric), or None
    quantile: float | None = None
    #: value type: "float", "int", "bool" or "date" (an ISO 8601 date, unit "")
    kind: str = "float"
    #: a short label for figures and tables (a message id, no unit: :meth:`heading` adds it);
    #: the long name when empty
    label: str = ""
    #: the member of a family of outputs (an area or cover class), appended to the long name
    member: str = ""
    #: the family a member belongs to (the reference's name for it)
    family: str = ""
    #: computed by the scalar reference too (per-draw outputs)
    reference: bool = False
    #: where a metric appears: "json" (the verdict's metrics), "sweep" (the sweep's columns)
    uses: frozenset[str] = field(default_factory=frozenset)

    @property
    def full_long_name(self) -> str:
        """The English long name with its member (the ``long_name`` attribute)."""
        return f"{self.long_name}: {self.member}" if self.member else self.long_name

    def attrs(self) -> dict[str, str]:
        """CF attributes of the variable: ``units``, ``long_name`` and (if any) ``description``."""
        a = {"units": self.unit, "long_name": self.full_long_name}
        if self.description:
            a["description"] = self.description
        return a

    def title(self) -> str:
        """The long name in the current output language (:func:`sim.i18n.use_lang`)."""
        from sim.i18n import gettext

        text = gettext(self.long_name)
        return f"{text}: {self.member}" if self.member else text

    def short_label(self) -> str:
        """The short label (or the long name) in the current output language."""
        from sim.i18n import gettext

        return gettext(self.label) if self.label else self.title()

    def heading(self, context: str = "", unit: str | None = None, capital: bool = True) -> str:
        """An axis label or column head in the current output language: the short label, its
        unit as the numbers show it and any ``context`` the figure adds, e.g. "Restoration cost
        [M CNY, undiscounted, year-0 prices]" or "生态修复费用［万元，未折现，申请年价格］".

        ``unit`` defaults to the registered unit as :func:`sim.i18n.units.shown_unit` writes
        it (money in M CNY or 万元); pass it where the axis shows another scale ("%" for a
        share in percent). No brackets when there is neither unit nor context.
        """
        from sim.i18n import _
        from sim.i18n.units import shown_unit

        name = self.short_label()
        if capital:
            name = name[:1].upper() + name[1:]
        shown = shown_unit(self.unit) if unit is None else unit
        if shown and context:
            return _("{label} [{unit}, {context}]", label=name, unit=shown, context=context)
        if shown:
            return _("{label} [{unit}]", label=name, unit=shown)
        if context:
            return _("{label} ({context})", label=name, context=context)
        return name


def _draw(
    name: str, unit: str, long_name: str, kind: str = "float", reference: bool = True, **kw
) -> Output:
    """A per-draw scalar (by default one the reference computes too)."""
    return Output(
        name,
        ("proposal", "draw"),
        unit,
        long_name,
        "per_draw",
        kind=kind,
        reference=reference,
        **kw,
    )


def _yearly(name: str, unit: str, long_name: str, **kw) -> Output:
    return Output(name, ("proposal", "draw", "year"), unit, long_name, "per_draw", **kw)


def _by(
    family: str, members: Iterable[str], pattern: str, unit: str, long_name: str, **kw
) -> tuple[Output, ...]:
    return tuple(
        _yearly(pattern.format(m), unit, long_name, member=m, family=family, **kw) for m in members
    )


#: per-draw scalars, in the order of the kernel's output rows (``sim.kernel.OUT_SCALARS``)
DRAW: tuple[Output, ...] = (
    _draw("life_years", "year", N_("extraction life"), "int"),
    _draw("pit_footprint_ha", "ha", N_("final pit footprint (floor + walls)")),
    _draw(
        "pit_enlarged",
        "1",
        N_("pit enlarged to hold its final walls and floor"),
        "bool",
        description=(
            "the volume-derived pit was smaller than the area its final walls and minimum floor "
            "need (SPEC §3)"
        ),
    ),
    _draw(
        "total_disturbed_ha",
        "ha",
        N_("total area disturbed over the life"),
        label=N_("disturbed area"),
        description="pit footprint, dumps and infrastructure disturbed over the life (SPEC §3)",
    ),
    _draw(
        "peak_unrestored_ha",
        "ha",
        N_("largest area disturbed and not yet restored at once"),
        description=(
            "largest yearly sum over area classes of disturbed minus restored area (SPEC §4)"
        ),
    ),
    _draw(
        "cost_cny",
        "CNY",
        N_("undiscounted restoration cost at year-0 prices"),
        label=N_("restoration cost"),
        description=(
            "sum of the yearly spend at year-0 prices: works, rework and aftercare with fees "
            "(SPEC §5)"
        ),
    ),
    _draw(
        "cost_per_ha_cny",
        "CNY/ha",
        N_("undiscounted restoration cost per disturbed hectare"),
        description="cost_cny divided by the total disturbed area (SPEC §5)",
    ),
    _draw(
        "pv_cost_cny",
        "CNY",
        N_("present value of restoration cost"),
        label=N_("present value of cost"),
        description="nominal spend discounted at the proposal's discount rate (SPEC §5)",
    ),
    _draw(
        "pv_revenue_cny",
        "CNY",
        N_("present value of ore revenue"),
        description="nominal ore revenue discounted at the proposal's discount rate (SPEC §7)",
    ),
    _draw(
        "success",
        "1",
        N_("restoration meets the success criteria"),
        "bool",
        description=(
            "in every area class with restored area, the share meeting its criterion at the "
            "deadline is at least required_success_area_share (SPEC §6)"
        ),
    ),
    _draw(
        "success_area_share",
        "1",
        N_("share of restored area meeting its criterion by the deadline"),
        description="area-weighted over every restored cohort, at the deadline (SPEC §6)",
    ),
    _draw(
        "rework_area_share",
        "1",
        N_("expected share of restored area needing rework"),
        label=N_("share of restored area needing rework"),
        description="share of restored area whose first planting failed and was redone (SPEC §6)",
    ),
    _draw(
        "recovery_years",
        "year",
        N_("area-weighted years from planting until restored land meets its criterion"),
        label=N_("years from planting to the criterion"),
        description="NaN when no area is restored",
    ),
    _draw(
        "fund_at_closure_cny",
        "CNY",
        N_("restoration fund balance at the end of extraction (nominal)"),
        description="restoration fund balance at the end of the last extraction year (SPEC §7)",
    ),
    _draw(
        "liability_at_closure_cny",
        "CNY",
        N_("restoration cost still to pay after extraction, valued at closure (nominal)"),
        description=(
            "later nominal spend discounted to the end of extraction at the fund's interest rate "
            "(SPEC §7)"
        ),
    ),
    _draw(
        "assured",
        "1",
        N_("fund + bond cover the cost left at closure"),
        "bool",
        description="fund at closure plus bond >= liability at closure (SPEC §7)",
    ),
    _draw(
        "defaulted",
        "1",
        N_("operator walks away before the end"),
        "bool",
        description="the default year falls within extraction and closure (SPEC §7)",
    ),
    _draw(
        "unfunded_liability_cny",
        "CNY",
        N_("unfunded public liability (nominal)"),
        description=(
            "walk-away liability less fund and bond in the year before default; 0 without default"
            " (SPEC §7)"
        ),
    ),
    _draw(
        "default_year",
        "year",
        N_("year the operator walks away"),
        "int",
        reference=False,
        description="-1 when the operator does not default",
    ),
)

#: per-draw yearly values, in the order of the kernel's yearly record (``sim.kernel.OUT_YEARLY``);
#: the cover entries stay last (the kernel stores them as one sub-array)
DRAW_YEARLY: tuple[Output, ...] = (
    _yearly(
        "spend_cny",
        "CNY",
        N_("restoration spend per year at year-0 prices"),
        label=N_("restoration cost per year"),
        reference=True,
    ),
    _yearly("spend_nominal_cny", "CNY", N_("restoration spend per year (nominal)")),
    _yearly("revenue_cny", "CNY", N_("ore revenue per year (nominal)")),
    _yearly("output_share", "1", N_("share of the reserves extracted in the year")),
    _yearly(
        "fund_balance_cny",
        "CNY",
        N_("restoration fund balance at year end (nominal)"),
        label=N_("restoration fund"),
        reference=True,
    ),
    _yearly(
        "walkaway_liability_cny",
        "CNY",
        N_("cost left to the public if the operator walked away (nominal)"),
        label=N_("walk-away liability"),
        reference=True,
    ),
    *_by(
        "disturbed_ha",
        AREA_CLASSES,
        "disturbed_{}_ha",
        "ha",
        N_("cumulative disturbed area"),
        reference=True,
    ),
    *_by(
        "restored_ha",
        AREA_CLASSES,
        "restored_{}_ha",
        "ha",
        N_("cumulative restored area"),
        reference=True,
    ),
    *_by(
        "cover",
        COVER_CLASSES,
        "cover_{}",
        "1",
        N_("area-weighted fractional vegetation cover of restored land"),
        description="NaN in years with no restored land of the class",
    ),
)

#: per-draw outputs the scalar reference computes too (``sim.reference``), compared with the
#: kernel's by the tests: scalars, yearly values, and yearly values by area class
DRAW_OUTPUT_SCALARS: tuple[str, ...] = tuple(o.name for o in DRAW if o.reference)
DRAW_OUTPUT_YEARLY: tuple[str, ...] = tuple(
    o.name for o in DRAW_YEARLY if o.reference and not o.family
)
DRAW_OUTPUT_YEARLY_BY_CLASS: tuple[str, ...] = tuple(
    dict.fromkeys(o.family for o in DRAW_YEARLY if o.reference and o.member in AREA_CLASSES)
)


def _q(name: str, source: str, **kw) -> Output:
    """P10/P50/P90 over draws of the per-draw output ``source``: its unit and long name."""
    src = next(o for o in DRAW if o.name == source)
    kw.setdefault("description", src.description)
    kw.setdefault("label", src.label)
    return Output(
        name, ("proposal", "quantile"), src.unit, src.long_name, "quantiles", source=source, **kw
    )


def _mean(name: str, source: str, long_name: str, unit: str = "1", **kw) -> Output:
    """The mean over draws of the per-draw output ``source`` (with its description)."""
    kw.setdefault("description", next(o for o in DRAW if o.name == source).description)
    return Output(name, ("proposal",), unit, long_name, "mean", source=source, **kw)


#: the engine's per-proposal summary (``sim.evaluate(...).summary``), in its order
SUMMARY: tuple[Output, ...] = (
    Output(
        "horizon_years",
        ("proposal",),
        "year",
        N_("years simulated, including year 0"),
        "value",
        kind="int",
    ),
    Output("draws", ("proposal",), "1", N_("Monte-Carlo draws"), "value", kind="int"),
    _q("life_years", "life_years"),
    _q("pit_footprint_ha", "pit_footprint_ha"),
    _q("total_disturbed_area_ha", "total_disturbed_ha"),
    _q("peak_disturbed_area_ha", "peak_unrestored_ha"),
    _q(
        "cost_cny",
        "cost_cny",
        description="what a third party would be paid to restore the land, at year-0 prices",
    ),
    _q("cost_per_ha_cny", "cost_per_ha_cny"),
    _q("pv_cost_cny", "pv_cost_cny"),
    _q("pv_revenue_cny", "pv_revenue_cny"),
    _q("success_area_share", "success_area_share"),
    _q("recovery_years", "recovery_years"),
    _q("unfunded_liability_cny", "unfunded_liability_cny"),
    _q("fund_at_closure_cny", "fund_at_closure_cny"),
    _q("liability_at_closure_cny", "liability_at_closure_cny"),
    _mean(
        "success_probability",
        "success",
        N_("probability that restoration meets the success criteria"),
        label=N_("success probability"),
    ),
    _mean(
        "assurance_probability",
        "assured",
        N_("probability that fund + bond cover the cost left at closure"),
    ),
    _mean(
        "default_probability",
        "defaulted",
        N_("probability that the operator walks away before the end"),
    ),
    _mean(
        "expected_unfunded_liability_cny",
        "unfunded_liability_cny",
        N_("expected unfunded public liability (nominal)"),
        unit="CNY",
    ),
    _mean(
        "pit_enlarged_share",
        "pit_enlarged",
        N_("share of draws whose pit was enlarged to hold walls and floor"),
    ),
    _mean(
        "rework_area_share",
        "rework_area_share",
        N_("expected share of restored area needing rework"),
    ),
    Output(
        "resolved_inputs",
        ("proposal", "input"),
        "1",
        N_("resolved model inputs (sim/keys.py PARAM_KEYS)"),
        "value",
        description="each input in its own unit, named by its key (coordinate input)",
    ),
)


def _traj(name: str, unit: str, long_name: str, summary: str = "quantiles_by_year", **kw):
    dims = {
        "quantiles_by_year": ("proposal", "year", "quantile"),
        "share_by_year": ("proposal", "year"),
        "mean_by_year": ("proposal", "year", "area_class"),
    }[summary]
    return Output(name, dims, unit, long_name, summary, **kw)


def _traj_of(name: str, source: str) -> Output:
    """P10/P50/P90 by year of the per-draw yearly output ``source``: its unit and long name."""
    src = next(o for o in DRAW_YEARLY if o.name == source)
    return _traj(name, src.unit, src.long_name, source=source, label=src.label)


#: the engine's per-year trajectories (``sim.evaluate(..., trajectories=True).trajectories``)
TRAJECTORY: tuple[Output, ...] = (
    Output(
        "cover",
        ("proposal", "year", "quantile", "cover_class"),
        "1",
        N_("area-weighted fractional vegetation cover of restored land, by land use"),
        "quantiles_by_year",
        source="cover",
        label=N_("vegetation cover"),
    ),
    _traj("disturbed_area_ha", "ha", N_("cumulative disturbed area"), source="disturbed_ha"),
    _traj("restored_area_ha", "ha", N_("cumulative restored area"), source="restored_ha"),
    _traj(
        "unrestored_area_ha",
        "ha",
        N_("disturbed area not yet restored"),
        label=N_("not yet restored"),
    ),
    _traj_of("cost_yearly_cny", "spend_cny"),
    _traj(
        "cost_cumulative_cny",
        "CNY",
        N_("cumulative restoration spend at year-0 prices"),
        source="spend_cny",
        label=N_("cumulative restoration cost"),
    ),
    _traj_of("fund_balance_cny", "fund_balance_cny"),
    _traj_of("walkaway_liability_cny", "walkaway_liability_cny"),
    _traj(
        "coverage_probability",
        "1",
        N_("probability that fund + bond cover the walk-away liability"),
        "share_by_year",
        label=N_("probability the liability is covered"),
    ),
    _traj(
        "disturbed_by_class_ha",
        "ha",
        N_("mean cumulative disturbed area by area class"),
        "mean_by_year",
        source="disturbed_ha",
        label=N_("disturbed (cumulative)"),
    ),
    _traj(
        "restored_by_class_ha",
        "ha",
        N_("mean cumulative restored area by area class"),
        "mean_by_year",
        source="restored_ha",
        label=N_("restored (cumulative)"),
    ),
)

#: the engine datasets' coordinates
COORDINATES: tuple[Output, ...] = tuple(
    Output(name, (name,), unit, long_name, "value")
    for name, unit, long_name in (
        ("proposal", "1", N_("proposal id")),
        ("quantile", "1", N_("quantile over Monte-Carlo draws")),
        ("year", "year", N_("years from the application year (year 0: construction)")),
        ("draw", "1", N_("Monte-Carlo draw")),
        ("area_class", "1", N_("area class")),
        ("cover_class", "1", N_("land use of restored land (or greened walls)")),
        ("input", "1", N_("resolved model input (sim/keys.py)")),
    )
)

JSON = frozenset({"json"})
SWEEP = frozenset({"sweep"})
BOTH = JSON | SWEEP


def _metric(
    name: str,
    source: str,
    quantile: float | None,
    uses: frozenset[str],
    kind: str = "float",
    label: str = "",
) -> Output:
    """A per-proposal number of the verdict or the sweep: a summary variable (at a quantile);
    its unit comes from the summary variable, its long name is the summary's with the
    quantile in front."""
    src = next(o for o in SUMMARY if o.name == source)
    return Output(
        name,
        ("proposal",),
        src.unit,
        src.long_name,
        "quantile" if quantile is not None else "value",
        source=source,
        quantile=quantile,
        kind=kind,
        uses=uses,
        label=label,
    )


#: per-proposal metrics: the JSON verdict's ``metrics`` (in this order) and the sweep's columns
METRICS: tuple[Output, ...] = (
    _metric("life_years", "life_years", 0.5, BOTH, "int", N_("life P50")),
    _metric("peak_disturbed_area_ha", "peak_disturbed_area_ha", 0.5, JSON),
    _metric(
        "total_disturbed_area_ha",
        "total_disturbed_area_ha",
        0.5,
        BOTH,
        label=N_("disturbed P50"),
    ),
    _metric("pit_footprint_p90_ha", "pit_footprint_ha", 0.9, BOTH),
    _metric("cost_p10_cny", "cost_cny", 0.1, JSON),
    _metric("cost_p50_cny", "cost_cny", 0.5, BOTH, label=N_("cost P50")),
    _metric("cost_p90_cny", "cost_cny", 0.9, BOTH, label=N_("cost P90")),
    _metric("cost_per_ha_p50_cny", "cost_per_ha_cny", 0.5, JSON),
    _metric("pv_cost_p50_cny", "pv_cost_cny", 0.5, JSON),
    _metric("pv_cost_p90_cny", "pv_cost_cny", 0.9, BOTH),
    _metric("pv_revenue_cny", "pv_revenue_cny", 0.5, BOTH),
    _metric("success_probability", "success_probability", None, BOTH, label=N_("success")),
    _metric("success_area_share", "success_area_share", 0.5, SWEEP),
    _metric("rework_area_share", "rework_area_share", None, JSON),
    _metric("recovery_years_p50", "recovery_years", 0.5, JSON),
    _metric("recovery_years_p90", "recovery_years", 0.9, JSON),
    _metric("assurance_probability", "assurance_probability", None, BOTH, label=N_("assurance")),
    _metric("default_probability", "default_probability", None, JSON),
    _metric(
        "expected_unfunded_liability_cny",
        "expected_unfunded_liability_cny",
        None,
        BOTH,
        label=N_("exp. unfunded"),
    ),
    _metric("unfunded_liability_p90_cny", "unfunded_liability_cny", 0.9, BOTH),
    _metric("horizon_years", "horizon_years", None, JSON, "int"),
)


def metric_long_name(m: Output, translate: bool = False) -> str:
    """A metric's long name: the summary's, after its quantile ("P90 unfunded …")."""
    text = m.title() if translate else m.long_name
    return f"P{round(100 * m.quantile)} {text}" if m.quantile is not None else text


def _outcome(name: str, unit: str, long_name: str, label: str = "", **kw) -> Output:
    return Output(name, ("experiment",), unit, long_name, "portfolio", label=label, **kw)


#: portfolio outcomes of a sweep, by experiment. "Granted" = approve or conditional (the right
#: is granted, with conditions for the latter); liabilities of conditional proposals are before
#: their conditions (an upper bound).
SWEEP_OUTCOMES: tuple[Output, ...] = (
    _outcome("approved", "1", N_("number of proposals approved"), N_("approved")),
    _outcome(
        "conditional", "1", N_("number of proposals approved with conditions"), N_("conditional")
    ),
    _outcome("rejected", "1", N_("number of proposals rejected"), N_("rejected")),
    _outcome(
        "approval_rate",
        "1",
        N_("share of proposals approved (without conditions)"),
        N_("approved outright"),
    ),
    _outcome(
        "grant_rate",
        "1",
        N_("share of proposals approved or approved with conditions"),
        N_("granted (approved or conditional)"),
    ),
    _outcome(
        "unfunded_liability_cny",
        "CNY",
        N_(
            "expected unfunded public liability of granted proposals after their conditions "
            "(upper bound: a conditional proposal's is capped at the policy's "
            "unfunded-liability threshold, which its conditions must meet)"
        ),
        N_("unfunded liability of granted, conditions met (at most)"),
    ),
    _outcome(
        "unfunded_liability_before_conditions_cny",
        "CNY",
        N_("expected unfunded public liability of granted proposals, as applied for"),
        N_("unfunded liability of granted, as applied for"),
    ),
    _outcome(
        "unfunded_liability_p90_sum_cny",
        "CNY",
        N_("sum of the granted proposals' P90 unfunded public liabilities (before conditions)"),
        N_("unfunded liability of granted, sum of P90s"),
    ),
    _outcome(
        "unfunded_liability_approved_cny",
        "CNY",
        N_("expected unfunded public liability of proposals approved without conditions"),
        N_("unfunded liability of approved outright"),
    ),
    _outcome(
        "avoided_unfunded_liability_cny",
        "CNY",
        N_("expected unfunded public liability of rejected proposals (avoided by rejecting them)"),
        N_("liability avoided by rejections"),
    ),
    _outcome(
        "disturbed_area_ha",
        "ha",
        N_("area disturbed by granted proposals (sum of P50s)"),
        N_("disturbed area"),
    ),
    _outcome(
        "restored_area_ha",
        "ha",
        N_(
            "area of granted proposals restored to its land use's criterion by the deadline "
            "(sum of P50 disturbed area x P50 success area share)"
        ),
        N_("restored area"),
    ),
    _outcome(
        "mean_success_probability",
        "1",
        N_("mean probability of restoration success, granted"),
        N_("mean restoration success probability"),
    ),
    _outcome(
        "restoration_cost_cny",
        "CNY",
        N_("restoration cost of granted proposals (sum of P50s)"),
        N_("restoration cost of granted, sum of P50s"),
    ),
    _outcome(
        "restoration_cost_p90_sum_cny",
        "CNY",
        N_("restoration cost of granted proposals (sum of P90s)"),
        N_("restoration cost of granted, sum of P90s"),
    ),
)

#: outcomes the sweep report derives from the stored ones (by policy and scenario)
SWEEP_REPORT: tuple[Output, ...] = (
    Output(
        "rejected_share",
        ("policy", "scenario"),
        "1",
        N_("share of the applications rejected"),
        "portfolio",
        label=N_("rejected"),
        description="rejected / number of proposals (sim.sweep.compare)",
    ),
)

#: sweep outcomes by experiment and criterion
SWEEP_BY_CRITERION: tuple[Output, ...] = tuple(
    Output(name, ("experiment", "criterion"), "1", long_name, "portfolio")
    for name, long_name in (
        ("rejected_by", N_("number of rejections decided by the criterion")),
        ("conditional_by", N_("number of conditional approvals decided by the criterion")),
    )
)


#: per-proposal decisions of a sweep, by experiment (integer codes, -1 where missing)
SWEEP_DECISIONS: tuple[Output, ...] = (
    Output(
        "verdict",
        ("experiment", "proposal"),
        "1",
        N_("verdict (soft failures count as conditional; no condition search)"),
        "value",
        kind="int",
    ),
    Output(
        "deciding",
        ("experiment", "proposal"),
        "1",
        N_("deciding criteria as a bit mask: bit i is criterion i"),
        "value",
        kind="int",
    ),
)


def _prog(name: str, dims: tuple[str, ...], unit: str, long_name: str, label: str = "") -> Output:
    return Output(name, ("replication", *dims), unit, long_name, "replications", label=label)


#: the programme simulation's dataset (``restoresim programme``)
PROGRAMME: tuple[Output, ...] = (
    _prog("sites", ("time", "stage"), "1", N_("sites in each stage"), N_("sites in stage")),
    _prog("area_ha", ("time", "stage"), "ha", N_("site area in each stage"), N_("area in stage")),
    _prog("complete_sites", ("time",), "1", N_("sites whose restoration works are finished")),
    _prog("complete_area_ha", ("time",), "ha", N_("area whose restoration works are finished")),
    _prog(
        "accepted_sites",
        ("time",),
        "1",
        N_("sites accepted (city acceptance and spot check passed)"),
    ),
    _prog(
        "accepted_area_ha",
        ("time",),
        "ha",
        N_("area accepted (city acceptance and spot check passed)"),
    ),
    _prog(
        "in_use",
        ("time", "resource"),
        "1",
        N_("units of the resource in use, averaged over the time step"),
    ),
    _prog(
        "utilisation",
        ("time", "resource"),
        "1",
        N_("share of the resource's capacity in use, averaged over the time step"),
        N_("utilisation"),
    ),
    _prog(
        "queue_length",
        ("time", "resource"),
        "1",
        N_("requests waiting for the resource, averaged over the time step"),
        N_("requests waiting"),
    ),
    _prog(
        "capacity",
        ("resource",),
        "1",
        N_("units of the resource (the site count stands for 'unlimited')"),
    ),
    _prog(
        "funds_unallocated_cny",
        ("time",),
        "CNY",
        N_("released funds not yet committed to a site"),
    ),
    _prog(
        "site_days",
        ("stage",),
        "d",
        N_("site-days spent in each stage over the simulated window"),
    ),
    _prog(
        "complete_fraction_count",
        ("report_date",),
        "1",
        N_("share of sites with works finished on the report date"),
    ),
    _prog(
        "complete_fraction_area",
        ("report_date",),
        "1",
        N_("share of area with works finished on the report date"),
    ),
    _prog(
        "accepted_fraction_count",
        ("report_date",),
        "1",
        N_("share of sites accepted on the report date"),
    ),
    _prog(
        "accepted_fraction_area",
        ("report_date",),
        "1",
        N_("share of area accepted on the report date"),
    ),
    _prog(
        "finish_days",
        (),
        "d",
        N_("days from the start until works are finished on every site"),
    ),
    _prog(
        "acceptance_finish_days",
        (),
        "d",
        N_("days from the start until every site is accepted"),
    ),
    _prog("events", (), "1", N_("discrete events processed by the simulation")),
    _prog("site_area_ha", ("site",), "ha", N_("area of each site")),
    _prog("site_rank", ("site",), "1", N_("priority rank of each site (0 first)")),
    _prog(
        "site_complete_days",
        ("site",),
        "d",
        N_("days from the start until the site's works are finished"),
    ),
    _prog(
        "site_accepted_days",
        ("site",),
        "d",
        N_("days from the start until the site is accepted"),
    ),
)


def _case(name: str, unit: str, long_name: str, q: float, label: str = "") -> Output:
    return Output(
        name, ("case",), unit, long_name, "median_of_replications", quantile=q, label=label
    )


#: the programme's what-if sweep (``restoresim programme`` with a ``[sweep]``), by case
PROGRAMME_WHATIF: tuple[Output, ...] = (
    _case("finish_days_p10", "d", N_("days until works are finished on every site, P10"), 0.1),
    _case(
        "finish_days_p50",
        "d",
        N_("days until works are finished on every site, P50"),
        0.5,
        N_("works finished, P50"),
    ),
    _case("finish_days_p90", "d", N_("days until works are finished on every site, P90"), 0.9),
    _case(
        "acceptance_finish_days_p50",
        "d",
        N_("days until every site is accepted, P50"),
        0.5,
        N_("all accepted, P50"),
    ),
    _case(
        "complete_area_at_deadline_p50",
        "1",
        N_("share of area with works finished at the deadline"),
        0.5,
        N_("complete by area"),
    ),
    _case(
        "complete_count_at_deadline_p50",
        "1",
        N_("share of sites with works finished at the deadline"),
        0.5,
        N_("complete by count"),
    ),
    _case(
        "accepted_count_at_deadline_p50",
        "1",
        N_("share of sites accepted at the deadline"),
        0.5,
        N_("accepted by count"),
    ),
)


def _mon(name: str, unit: str, long_name: str, kind: str = "float", **kw) -> Output:
    return Output(name, ("proposal",), unit, long_name, "value", kind=kind, **kw)


#: one approved mine's supervision record (``restoresim monitor``: the objects of
#: ``monitor.json`` and ``--json``, the columns of ``supervision.csv``): its values, the
#: identifiers and texts (``proposal_id``, ``status``, ``reasons`` …) left out
MONITOR: tuple[Output, ...] = (
    _mon(
        "success_threshold",
        "1",
        N_("the policy's threshold of the success probability"),
        description="criteria.success_probability.threshold of the policy, as applied",
    ),
    _mon(
        "low_percentile",
        "percent",
        N_("percentile of the projection below which an observed year is low"),
        description="monitor.low_percentile of the parameter library",
    ),
    _mon(
        "success_probability_before",
        "1",
        N_("probability of restoration success projected at approval"),
        label=N_("success probability"),
    ),
    _mon(
        "success_probability_after",
        "1",
        N_("probability of restoration success updated by the observations"),
        label=N_("success probability"),
    ),
    _mon(
        "recovery_years_before_p50",
        "year",
        N_("years from planting to the criterion projected at approval, P50"),
    ),
    _mon(
        "recovery_years_after_p50",
        "year",
        N_("years from planting to the criterion updated by the observations, P50"),
    ),
    _mon(
        "recovery_years_after_p90",
        "year",
        N_("years from planting to the criterion updated by the observations, P90"),
    ),
    _mon(
        "site_rate_factor_p50",
        "1",
        N_("the site's growth-rate factor updated by the observations, P50"),
    ),
    _mon(
        "effective_sample_size",
        "1",
        N_("effective sample size of the draws weighted by the observations"),
        description=(
            "null when no observation is used; below 20 the observations lie outside the fan"
        ),
    ),
    _mon(
        "at_year",
        "year",
        N_("year of the projection the money figures are taken at (latest observed year)"),
        kind="int",
    ),
    _mon(
        "cost_to_finish_p50_cny",
        "CNY",
        N_("walk-away liability in that year (nominal), P50"),
    ),
    _mon(
        "fund_shortfall_mean_cny",
        "CNY",
        N_("expected shortfall of the restoration fund against the walk-away liability (nominal)"),
        label=N_("fund shortfall"),
    ),
    _mon(
        "fund_shortfall_p90_cny",
        "CNY",
        N_("shortfall of the restoration fund against the walk-away liability (nominal), P90"),
    ),
    _mon(
        "latest_percentile",
        "percent",
        N_("percentile of the latest observed cover on the approval projection"),
        label=N_("percentile"),
        description="a column of supervision.csv: the latest used observation's percentile",
    ),
)


def _obs(name: str, unit: str, long_name: str, kind: str = "float", **kw) -> Output:
    return Output(name, ("proposal", "observation"), unit, long_name, "value", kind=kind, **kw)


#: each observation of a mine's record (``observations`` of a ``monitor.json`` object): its
#: values, the date and the texts (``kind``, ``area_class``, ``land_use``, ``source``) left out
MONITOR_OBSERVATION: tuple[Output, ...] = (
    _obs("year", "year", N_("year of the projection the observation falls in"), "int"),
    _obs(
        "cover",
        "1",
        N_("observed fractional vegetation cover"),
        label=N_("vegetation cover (FVC)"),
    ),
    _obs("used", "1", N_("observation compared with the projection"), "bool"),
    _obs(
        "percentile",
        "percent",
        N_("percentile of the observed cover on the approval projection of its year"),
        label=N_("percentile"),
        description="null when the projection has restored no land by then",
    ),
    _obs("projected_p10", "1", N_("cover projected at approval for the year, P10")),
    _obs("projected_p50", "1", N_("cover projected at approval for the year, P50")),
    _obs("projected_p90", "1", N_("cover projected at approval for the year, P90")),
)


def _psum(
    name: str, dims: tuple[str, ...], unit: str, long_name: str, summary: str, **kw
) -> Output:
    return Output(name, dims, unit, long_name, summary, **kw)


_QR = "quantiles_of_replications"

#: the programme summary (``restoresim programme --json``, ``summary.json``): its values, the
#: identifiers, texts and run information (``scenario``, ``bottleneck``, ``seed`` …) left out;
#: ``at_dates`` rows (``report_date``) and ``at_deadline`` hold the ``completion_*`` and
#: ``accepted_*`` entries
PROGRAMME_SUMMARY: tuple[Output, ...] = (
    _psum("sites", (), "1", N_("sites in the programme"), "value", kind="int"),
    _psum("area_ha", (), "ha", N_("area of the programme's sites"), "value"),
    _psum(
        "completion_by_area",
        ("report_date",),
        "1",
        N_("share of area with works finished on the date"),
        _QR,
        label=N_("complete by area"),
    ),
    _psum(
        "completion_by_count",
        ("report_date",),
        "1",
        N_("share of sites with works finished on the date"),
        _QR,
        label=N_("complete by count"),
    ),
    _psum(
        "accepted_by_area",
        ("report_date",),
        "1",
        N_("share of area accepted on the date"),
        _QR,
        label=N_("accepted by area"),
    ),
    _psum(
        "accepted_by_count",
        ("report_date",),
        "1",
        N_("share of sites accepted on the date"),
        _QR,
        label=N_("accepted by count"),
    ),
    _psum(
        "finish_date",
        (),
        "",
        N_("date works are finished on every site"),
        _QR,
        kind="date",
        description="null when not within the simulated window",
    ),
    _psum(
        "finished_by_deadline_probability",
        (),
        "1",
        N_("share of replications with works finished on every site by the deadline"),
        "mean",
    ),
    _psum(
        "acceptance_finish_date_p50",
        (),
        "",
        N_("date every site is accepted, P50"),
        "quantile_of_replications",
        quantile=0.5,
        kind="date",
        description="null when not within the simulated window",
    ),
    _psum(
        "waiting_site_days_p50",
        ("stage",),
        "d",
        N_("site-days spent waiting for each limited capacity, P50"),
        "quantile_of_replications",
        quantile=0.5,
    ),
    _psum(
        "utilisation_p50",
        ("resource",),
        "1",
        N_("share of each resource's capacity in use until every site is accepted, P50"),
        "quantile_of_replications",
        quantile=0.5,
        description="null for a resource without a limit",
    ),
)


#: what the report derives from the engine's outputs and shows in its figures and tables
REPORT: tuple[Output, ...] = (
    Output(
        "cost_by_measure_cny",
        ("measure",),
        "CNY",
        N_("restoration cost by measure at year-0 prices"),
        "value",
        label=N_("cost by measure"),
        description=(
            "at median factors (sim.breakdown: the bars and table of the cost section), or "
            "P05/P50/P95 over the draws (sim.bill: ours beside the applicant's bill)"
        ),
    ),
)

#: every table of the registry by the name of the output it describes
TABLES: dict[str, tuple[Output, ...]] = {
    "draw": DRAW,
    "draw_yearly": DRAW_YEARLY,
    "summary": SUMMARY,
    "trajectory": TRAJECTORY,
    "coordinate": COORDINATES,
    "metric": METRICS,
    "sweep_outcome": SWEEP_OUTCOMES,
    "sweep_by_criterion": SWEEP_BY_CRITERION,
    "sweep_decision": SWEEP_DECISIONS,
    "sweep_report": SWEEP_REPORT,
    "programme": PROGRAMME,
    "programme_whatif": PROGRAMME_WHATIF,
    "programme_summary": PROGRAMME_SUMMARY,
    "report": REPORT,
    "monitor": MONITOR,
    "monitor_observation": MONITOR_OBSERVATION,
}


def by_name(table: Iterable[Output]) -> dict[str, Output]:
    """A table's entries by name."""
    return {o.name: o for o in table}


def lookup(table: str, name: str) -> Output:
    """The entry ``name`` of ``table`` (a key of :data:`TABLES`)."""
    return by_name(TABLES[table])[name]


def _check() -> None:
    for key, entries in TABLES.items():
        names = [o.name for o in entries]
        assert len(set(names)) == len(names), f"duplicate output name in {key}"
        for o in entries:
            assert o.summary in SUMMARIES, (key, o.name, o.summary)
            assert o.kind in ("float", "int", "bool", "date"), (key, o.name, o.kind)
    assert all(o.family == "cover" for o in DRAW_YEARLY[-len(COVER_CLASSES) :])


_check()
