"""The report's figures: matplotlib, object-oriented (no pyplot, no global backend), print-ready.

Each function takes a :class:`~sim.report.analysis.ReportData` and returns a
:class:`matplotlib.figure.Figure`; :func:`render_all` turns them into PNG bytes. Axes carry their
units, years are integer years from the application (year 0: construction).

Every output a figure names (axis labels, panel titles, legend entries) takes its label and unit
from the output registry (:func:`out`, ``sim/outputs_registry.py``), composed with what the
figure adds (:meth:`~sim.outputs_registry.Output.heading`): renaming an output there renames it
here.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim import outputs_registry as registry
from sim.breakdown import ITEMS, LABELS
from sim.fmt import number, unit_suffix
from sim.fonts import figure_lang, font_rc
from sim.i18n import N_, _, current_lang, gettext, use_lang
from sim.i18n.units import money_unit_scale, shown_unit, unit_text
from sim.keys import AREA_CLASSES
from sim.report.analysis import COVER_LABELS, ReportData, param_label, percentile_label

WIDTH_IN = 7.5
DPI = 150
QS = (0.1, 0.5, 0.9)

STYLE = {
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "savefig.dpi": DPI,
}

# Okabe-Ito colours (distinguishable with colour-vision deficiencies and in greyscale print)
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#8c8c8c",
)
CLASS_COLOURS = {
    "pit_floor": ORANGE,
    "pit_wall": GREY,
    "dump": VERMILLION,
    "infrastructure": BLUE,
}
CLASS_LABELS = {
    "pit_floor": N_("pit floor"),
    "pit_wall": N_("pit walls (plan area)"),
    "dump": N_("waste dumps"),
    "infrastructure": N_("infrastructure"),
}


def out(table: str, name: str) -> registry.Output:
    """The registered output ``name`` of the registry's ``table`` that a figure shows."""
    return registry.lookup(table, name)


def money_scale() -> tuple[float, str]:
    """Divisor and unit of money on the figures' axes: M CNY (en) or 万元 (zh)."""
    return money_unit_scale()


def _m() -> str:
    """The short money suffix after a number: `` M`` (en) or ``万元`` (zh)."""
    return "万元" if current_lang() == "zh" else " M"


def styled(make: Callable[[ReportData], Any]) -> Callable[[ReportData], Any]:
    """Make a figure function draw with the report's style (:data:`STYLE`), wherever called."""

    @functools.wraps(make)
    def wrapper(d: ReportData) -> Any:
        lang = figure_lang(current_lang())
        with use_lang(lang), mpl.rc_context({**STYLE, **font_rc(lang)}):
            return make(d)

    return wrapper


def _years_axis(ax: Axes, horizon: int, pad: float = 0.0) -> None:
    ax.set_xlim(-pad, horizon - 1 + pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("Year from application"))


def _mark_phases(ax: Axes, d: ReportData, label: bool = False) -> None:
    """Shade the extraction life and mark the end of final restoration (median life)."""
    ax.axvspan(
        1,
        d.life_p50,
        color=GREY,
        alpha=0.08,
        lw=0,
        label=_("extraction (P50 life)") if label else None,
    )
    ax.axvline(
        d.closure_end,
        color=GREY,
        lw=0.8,
        ls=":",
        label=_("end of final restoration") if label else None,
    )


def _fan(ax: Axes, years: np.ndarray, q: np.ndarray, colour: str, label: str) -> None:
    """P10–P90 band and P50 line; ``q`` has shape (3, years)."""
    ax.fill_between(years, q[0], q[2], color=colour, alpha=0.22, lw=0, label=f"{label} P10–P90")
    ax.plot(years, q[1], color=colour, lw=1.8, label=f"{label} P50")


@styled
def disturbance(d: ReportData) -> Figure:
    """Disturbed, not-yet-restored and restored area by year, stacked by area class."""
    t = d.trajectories.isel(year=slice(0, d.horizon))
    disturbed = out("trajectory", "disturbed_by_class_ha")
    panels = {
        disturbed.heading(unit=""): t["disturbed_by_class_ha"],
        out("trajectory", "unrestored_area_ha").heading(unit=""): d.unrestored_by_class_ha(),
        out("trajectory", "restored_by_class_ha").heading(unit=""): t["restored_by_class_ha"],
    }
    peak_year, peak_ha = d.max_unrestored()
    fig = Figure(figsize=(WIDTH_IN, 3.1), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (title, da) in zip(axes, panels.items(), strict=True):
        stacks = [da.sel(area_class=c).values for c in AREA_CLASSES]
        ax.stackplot(
            d.years,
            stacks,
            colors=[CLASS_COLOURS[c] for c in AREA_CLASSES],
            labels=[gettext(CLASS_LABELS[c]) for c in AREA_CLASSES],
            alpha=0.85,
            lw=0,
        )
        ax.axvline(peak_year, color="black", lw=1, ls="--")
        ax.set_title(title)
        _years_axis(ax, d.horizon)
    axes[0].set_ylabel(_("Area [{unit}] (mean of draws)", unit=shown_unit(disturbed.unit)))
    axes[1].annotate(
        _("max {peak} ha\nin year {year}", peak=f"{peak_ha:,.1f}", year=peak_year),
        xy=(peak_year, peak_ha),
        xytext=(0.97, 0.97),
        textcoords="axes fraction",
        ha="right",
        va="top",
        fontsize=8,
        arrowprops={"arrowstyle": "->", "lw": 0.8},
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": GREY, "lw": 0.5},
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    return fig


@styled
def cost_fan(d: ReportData) -> Figure:
    """Yearly and cumulative restoration cost, undiscounted and present value, P10/P50/P90."""
    spend = d.yearly("spend_cny")
    rate = float(d.resolved["discount_rate"])
    pv = d.yearly("spend_nominal_cny") / (1.0 + rate) ** d.years
    fig = Figure(figsize=(WIDTH_IN, 5.0), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey="row")
    div = money_scale()[0]
    columns = {
        _("Undiscounted, year-0 prices"): spend,
        _("Present value at {rate}/yr", rate=f"{rate:.0%}"): pv,
    }
    for j, (title, x) in enumerate(columns.items()):
        for i, series in enumerate((x, np.cumsum(x, axis=1))):
            ax = axes[i, j]
            q = np.quantile(series, QS, axis=0) / div
            _fan(ax, d.years, q, BLUE if j == 0 else PURPLE, _("cost"))
            _mark_phases(ax, d, label=(i == 0 and j == 0))
            _years_axis(ax, d.horizon)
            if i == 0:
                ax.set_title(title)
                ax.set_xlabel("")
            else:
                total = np.quantile(series[:, -1], QS) / div
                ax.text(
                    0.03,
                    0.95,
                    _(
                        "total P50 {p50}{m}\nP10 {p10} – P90 {p90}{m}",
                        p50=f"{total[1]:,.2f}",
                        p10=f"{total[0]:,.2f}",
                        p90=f"{total[2]:,.2f}",
                        m=_m(),
                    ),
                    transform=ax.transAxes,
                    va="top",
                    fontsize=8,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": GREY, "lw": 0.5},
                )
    axes[0, 0].set_ylabel(out("draw_yearly", "spend_cny").heading())
    axes[1, 0].set_ylabel(out("trajectory", "cost_cumulative_cny").heading())
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    return fig


@styled
def cost_breakdown(d: ReportData) -> Figure:
    """Cost by measure at median factors (horizontal bars summing to the median-factor total)."""
    items = [k for k in ITEMS if d.breakdown_cny[k] > 0]
    div, unit = money_scale()
    values = np.array([d.breakdown_cny[k] for k in items]) / div
    total = values.sum()
    fig = Figure(figsize=(WIDTH_IN, 0.32 * len(items) + 1.1), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(items))[::-1]
    ax.barh(y, values, color=[GREEN if k != "fees" else GREY for k in items], height=0.65)
    ax.set_yticks(y, [gettext(LABELS[k]) for k in items])
    ax.grid(axis="y", visible=False)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v:,.2f}{_m()} ({v / total:.0%})", va="center", fontsize=8)
    ax.set_xlim(0, values.max() * 1.3)
    ax.set_xlabel(out("draw", "cost_cny").heading(_("undiscounted, year-0 prices")))
    ax.set_title(
        _(
            "Median-factor total {total} {unit} = sum of the bars (no rework)",
            total=f"{total:,.2f}",
            unit=unit,
        )
    )
    return fig


@styled
def bill(d: ReportData) -> Figure | None:
    """Our cost by measure (P05-P95 bar, P50 tick) beside the applicant's bill (diamonds; the
    items the model does not price as grey diamonds, the measures left out marked)."""
    from sim.bill import label

    c = d.bill
    if c is None:
        return None
    rows = [r for r in c.rows if r.ours_p95_cny > 0 or r.applicant_cny]
    extra = list(c.not_modelled)
    n = len(rows) + len(extra)
    if n == 0:
        return None
    div = money_scale()[0]
    fig = Figure(figsize=(WIDTH_IN, 0.36 * n + 1.3), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)[::-1].astype(float)
    ym, yx = y[: len(rows)], y[len(rows) :]
    lo = np.array([r.ours_p05_cny for r in rows]) / div
    mid = np.array([r.ours_p50_cny for r in rows]) / div
    hi = np.array([r.ours_p95_cny for r in rows]) / div
    ax.barh(ym, hi - lo, left=lo, height=0.5, color=GREEN, alpha=0.45, label=_("ours P05–P95"))
    ax.scatter(mid, ym, marker="|", s=220, color=GREEN, linewidths=2, label=_("ours P50"), zorder=3)
    values = [*lo[lo > 0], *hi[hi > 0]]
    if c.has_bill:
        priced = [(yi, r) for yi, r in zip(ym, rows, strict=True) if r.applicant_cny]
        xs = [r.applicant_cny / div for _, r in priced]
        colours = [VERMILLION if r.flag != "within" else BLUE for _, r in priced]
        ax.scatter(
            xs, [yi for yi, _ in priced], marker="D", s=36, c=colours, zorder=4,
            label=_("applicant's bill"),
        )  # fmt: skip
        values += xs
        for yi, r in zip(ym, rows, strict=True):
            if r.measure in c.left_out:
                ax.text(hi[list(ym).index(yi)] * 1.08, yi, _("left out of the bill"),
                        va="center", fontsize=8, color=VERMILLION)  # fmt: skip
        if extra:
            ex = [x.amount_cny / div for x in extra]
            ax.scatter(ex, yx, marker="D", s=36, color=GREY, zorder=4,
                       label=_("item not modelled"))  # fmt: skip
            values += ex
    labels = [label(r.measure) for r in rows] + [
        _("{item} (not modelled)", item=x.name) for x in extra
    ]
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 1.6, max(values) * 3.0)
    ax.set_xlabel(out("report", "cost_by_measure_cny").heading(_("log scale, year-0 prices")))
    ax.legend(loc="lower right")
    ax.set_title(
        _("Ours beside the applicant's bill (red: outside our P05–P95)")
        if c.has_bill
        else _("Our bill by measure (the application gives no bill of quantities)")
    )
    return fig


@styled
def applicant_estimate(d: ReportData) -> Figure:
    """Simulated cost distribution with P10/P50/P90 and the applicant's own estimate."""
    div = money_scale()[0]
    cost = d.per_draw("cost_cny") / div
    plan = float(d.proposal.finance.plan_restoration_cost_cny) / div
    fig = Figure(figsize=(WIDTH_IN, 3.0), layout="constrained")
    ax = fig.subplots()
    lo, hi = float(cost.min()), float(np.quantile(cost, 0.995))  # the far tail is in the ECDF
    if plan > 0:
        lo, hi = min(lo, plan), max(hi, plan)
    ax.hist(cost, bins=np.linspace(lo, hi, 40), color=SKY, alpha=0.8, label=_("simulated draws"))
    ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
    for p, v in zip(("P10", "P50", "P90"), np.quantile(cost, QS), strict=True):
        ax.axvline(v, color=BLUE, ls="--", lw=1)
        ax.annotate(
            p, (v, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", color=BLUE
        )
    if plan > 0:
        rank = percentile_label(d.applicant_percentile() or 0.0)
        label = _("applicant's estimate {plan}{m} ({rank})", plan=f"{plan:,.2f}", m=_m(), rank=rank)
        ax.axvline(plan, color=VERMILLION, lw=2.2, label=label)
    ax.set_xlabel(out("draw", "cost_cny").heading(_("undiscounted, year-0 prices")))
    ax.set_ylabel(_("Draws"))
    ecdf = ax.twinx()
    xs = np.sort(cost)
    ecdf.plot(
        xs,
        np.arange(1, xs.size + 1) / xs.size,
        color=BLUE,
        lw=1,
        alpha=0.6,
        label=_("share of draws at or below"),
    )
    ecdf.set_ylim(0, 1.02)
    ecdf.yaxis.set_major_formatter(PercentFormatter(1.0))
    ecdf.set_ylabel(_("Share of draws at or below"))
    ecdf.grid(False)
    ecdf.spines["right"].set_visible(True)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ecdf.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right")
    return fig


@styled
def cover(d: ReportData) -> Figure:
    """Cover of restored land per land use (P10–P90, P50) against its success threshold."""
    shares = d.proposal.restoration.target_land_use
    classes = [c for c in COVER_LABELS if c == "wall" or shares.get(c, 0.0) > 0]
    t = d.trajectories["cover"].isel(year=slice(0, d.horizon))
    fig = Figure(figsize=(WIDTH_IN, 2.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(classes), sharey=True))
    for ax, c in zip(axes, classes, strict=True):
        q = t.sel(cover_class=c).transpose("quantile", "year").values
        _fan(ax, d.years, q, GREEN, _("cover"))
        thr = float(d.resolved[f"success_cover_{c}"])
        ax.axhline(thr, color=VERMILLION, lw=1.2, ls="--", label=_("success threshold"))
        ax.axvline(d.success_deadline, color="black", lw=0.8, ls=":", label=_("success judged"))
        name = gettext(COVER_LABELS[c])
        title = name if c == "wall" else f"{name} ({shares[c]:.0%})"
        ax.set_title(title)
        _years_axis(ax, d.horizon)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes[0].set_ylabel(out("trajectory", "cover").heading(unit="%"))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    return fig


@styled
def recovery(d: ReportData) -> Figure:
    """Distribution of the years to reach the criterion and of the share of area reworked."""
    years = d.per_draw("recovery_years")
    rework = d.per_draw("rework_area_share")
    fig = Figure(figsize=(WIDTH_IN, 2.7), layout="constrained")
    a, b = fig.subplots(1, 2)
    yrs = years[np.isfinite(years)]
    a.hist(yrs, bins=30, color=GREEN, alpha=0.8)
    a.axvline(
        np.median(yrs),
        color="black",
        lw=1,
        ls="--",
        label=_("P50 {years} yr", years=f"{np.median(yrs):.1f}"),
    )
    a.set_xlabel(out("draw", "recovery_years").heading(_("area-weighted")))
    a.set_ylabel(_("Draws"))
    a.set_title(_("Time to reach the success criterion"))
    a.legend(loc="upper right")
    b.hist(rework, bins=30, color=ORANGE, alpha=0.8)
    b.axvline(
        rework.mean(),
        color="black",
        lw=1,
        ls="--",
        label=_("expected {share}", share=f"{rework.mean():.0%}"),
    )
    b.xaxis.set_major_formatter(PercentFormatter(1.0))
    b.set_xlabel(out("draw", "rework_area_share").heading(unit="%"))
    b.set_ylabel(_("Draws"))
    b.set_title(_("Establishment failures"))
    b.legend(loc="upper right")
    return fig


@styled
def assurance(d: ReportData) -> Figure:
    """Fund (+ bond, when one is posted) against the walk-away liability by year, and the
    probability of cover."""
    bond = float(d.resolved["bond_cny"])
    fund = d.yearly("fund_balance_cny") + bond
    walk = d.yearly("walkaway_liability_cny")
    cover_p = d.trajectories["coverage_probability"].values[: d.horizon]
    thr = float(d.policy.criteria.assurance.threshold)
    fig = Figure(figsize=(WIDTH_IN, 4.9), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1.2))
    div, unit = money_scale()
    # a bond is named only where one is posted (Hunan's instrument is the fund alone)
    held = _("fund + bond") if bond > 0 else out("draw_yearly", "fund_balance_cny").short_label()
    _fan(top, d.years, np.quantile(fund, QS, axis=0) / div, GREEN, held)
    walk_label = out("draw_yearly", "walkaway_liability_cny").short_label()
    _fan(top, d.years, np.quantile(walk, QS, axis=0) / div, VERMILLION, walk_label)
    _mark_phases(top, d, label=True)
    top.set_ylabel(_("{unit} (nominal)", unit=unit))
    if bond > 0:
        title = _(
            "Fund + bond (bond {bond} {unit}) against the walk-away liability",
            bond=f"{bond / div:,.2f}",
            unit=unit,
        )
    else:
        title = _("Restoration fund against the walk-away liability")
    top.set_title(title)
    bottom.bar(d.years, cover_p, color=BLUE, alpha=0.75, width=0.8)
    bottom.axhline(thr, color=VERMILLION, ls="--", lw=1)
    _mark_phases(bottom, d)
    bottom.set_ylim(0, 1.05)
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0))
    bottom.set_ylabel(out("trajectory", "coverage_probability").heading(unit="%"))
    if bond > 0:
        cover_title = _(
            "P(fund + bond ≥ walk-away liability); dashed: {threshold} threshold",
            threshold=f"{thr:.0%}",
        )
    else:
        cover_title = _(
            "P(fund ≥ walk-away liability); dashed: {threshold} threshold",
            threshold=f"{thr:.0%}",
        )
    bottom.set_title(cover_title)
    _years_axis(bottom, d.horizon, pad=0.5)  # whole bars at both ends
    top.set_xlabel("")
    handles, labels = top.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    return fig


@styled
def tornado(d: ReportData) -> Figure | None:
    """Cost P90 and success probability at both ends of each main parameter's range.

    Parameters with no effect on a metric are left out of its panel (the report lists them).
    """
    s = d.sensitivity
    if s is None:
        return None
    div = money_scale()[0]
    panels = [
        (title, name, scale, base, lo_key, hi_key, rows)
        for title, name, scale, base, lo_key, hi_key in (
            (
                out("metric", "cost_p90_cny").heading(),
                out("metric", "cost_p90_cny").heading(unit=""),
                1.0 / div,
                s.base_cost_p90_cny,
                "cost_p90_low_cny",
                "cost_p90_high_cny",
            ),
            (
                out("summary", "success_probability").heading(unit="%"),
                out("summary", "success_probability").heading(unit=""),
                100.0,
                s.base_success,
                "success_low",
                "success_high",
            ),
        )
        if (rows := sensitive_rows(s, lo_key, hi_key))
    ]
    if not panels:
        return None
    n = sum(len(p[-1]) for p in panels)
    fig = Figure(figsize=(WIDTH_IN, 0.26 * n + 1.3 * len(panels) + 0.4), layout="constrained")
    axes = np.atleast_1d(
        fig.subplots(len(panels), 1, height_ratios=[len(p[-1]) + 2 for p in panels])
    )
    for ax, (title, name, scale, base, lo_key, hi_key, rows) in zip(axes, panels, strict=True):
        y = np.arange(len(rows))
        b = base * scale
        lo = np.array([getattr(r, lo_key) for r in rows]) * scale
        hi = np.array([getattr(r, hi_key) for r in rows]) * scale
        ax.barh(
            y,
            lo - b,
            left=b,
            color=SKY,
            height=0.7,
            label=_("parameter at the low end of its range"),
        )
        ax.barh(y, hi - b, left=b, color=ORANGE, height=0.7, alpha=0.85, label=_("at the high end"))
        ax.axvline(b, color="black", lw=1)
        labels = [
            f"{param_label(r.name)}  "
            f"[{number(r.low)}–{number(r.high)}{unit_suffix(unit_text(r.unit))}]"
            for r in rows
        ]
        ax.set_yticks(y, labels, fontsize=7.5)
        ax.grid(axis="y", visible=False)
        span = 1.25 * float(np.max(np.abs(np.r_[lo, hi] - b)))
        left, right = b - span, b + span
        if scale == 100.0:
            left, right = max(0.0, left), min(100.0, right)
            if right - left < 4:
                left, right = max(0.0, b - 4), min(100.0, b + 4)
        ax.set_xlim(left, right)
        ax.set_xlabel(title)
        ax.set_title(
            _(
                "{name}: base {base} ({draws} draws, same seed)",
                name=name,
                base=f"{b:,.1f}" + (" %" if scale == 100.0 else _m()),
                draws=s.draws,
            )
        )
        ax.legend(loc="lower right", fontsize=7.5)
    return fig


def sensitive_rows(s: Any, lo_key: str, hi_key: str) -> list[Any]:
    """Rows with an effect on a metric, smallest swing first (so the largest is on top)."""
    rows = [r for r in s.rows if getattr(r, lo_key) != getattr(r, hi_key)]
    return sorted(rows, key=lambda r: abs(getattr(r, hi_key) - getattr(r, lo_key)))


def screening_map(d: ReportData) -> Figure | None:
    """The boundary against the protected layers (sim.spatial's map), when a boundary is given."""
    if d.screening is None or d.screening.boundary is None:
        return None
    from sim.spatial import draw_map

    return draw_map(d.screening)


FIGURES: dict[str, Callable[[ReportData], Figure | None]] = {
    "map": screening_map,
    "disturbance": disturbance,
    "cost-fan": cost_fan,
    "cost-breakdown": cost_breakdown,
    "applicant": applicant_estimate,
    "bill": bill,
    "cover": cover,
    "recovery": recovery,
    "assurance": assurance,
    "tornado": tornado,
}


def to_png(fig: Figure) -> bytes:
    """PNG bytes of a figure at the report's resolution."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def render_all(d: ReportData, step: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """PNG bytes of every figure of the report, by figure id (absent figures are left out);
    ``step(figure_id)``, if given, is called as each of :data:`FIGURES` is done."""
    out = {}
    for key, make in FIGURES.items():
        fig = make(d)
        if fig is not None:
            out[key] = to_png(fig)
        if step is not None:
            step(key)
    return out
