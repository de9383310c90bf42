"""Figures of a programme run: sites and hectares by stage over time (P10/P50/P90 bands),
resource utilisation and queues, and the what-if sweep. Each function returns a matplotlib
Figure (created without pyplot, so no GUI backend is needed). Axis labels and legend entries
that name an output take their label and unit from the output registry
(``sim/outputs_registry.py``: ``PROGRAMME``, ``PROGRAMME_WHATIF``)."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from sim import outputs_registry as registry
from sim.fonts import figure_lang, font_rc
from sim.i18n import N_, _, current_lang, gettext, pgettext, use_lang
from sim.programme.whatif import lever_label

#: stage groups drawn in the progress figure
GROUPS: dict[str, tuple[str, ...]] = {
    N_("not started"): ("pending", "design_queue"),
    N_("survey & design"): ("survey_design",),
    N_("funding & tender"): ("funding_wait", "tender"),
    N_("works"): ("works_queue", "works"),
    N_("acceptance"): (
        "county_acceptance",
        "batch_wait",
        "inspector_queue",
        "city_acceptance",
        "spot_check",
    ),
    N_("accepted"): ("aftercare", "closed"),
}


def _styled(make: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw with a CJK-capable font in the current language (:mod:`sim.fonts`)."""

    @functools.wraps(make)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        lang = figure_lang(current_lang())
        with use_lang(lang), mpl.rc_context(font_rc(lang)):
            return make(*args, **kwargs)

    return wrapper


def _band(ax, t, x: np.ndarray, label: str, color=None) -> None:
    lo, mid, hi = np.quantile(x, [0.1, 0.5, 0.9], axis=0)
    (line,) = ax.plot(t, mid, label=label, color=color, lw=1.5)
    ax.fill_between(t, lo, hi, color=line.get_color(), alpha=0.2, lw=0)


def _marks(ax, ds: xr.Dataset) -> None:
    deadline = np.datetime64(ds.attrs["deadline"])
    ax.axvline(deadline, color="k", ls="--", lw=0.8, label=_("deadline"))
    first = True
    for d in ds["report_date"].values:
        if d != deadline:
            ax.axvline(d, color="0.5", ls=":", lw=0.8, label=_("report date") if first else None)
            first = False


def _active_window(ax, ds: xr.Dataset) -> None:
    """Limit the time axis to the programme's activity (until every site is closed, P90)."""
    t = ds["time"].values
    closed = ds["sites"].sel(stage=[s for s in ("aftercare", "closed") if s in ds["stage"]])
    done = closed.sum("stage").values >= ds["sites"].isel(time=0).sum("stage").values[:, None]
    last = t[-1]
    if done.any(axis=1).all():
        ends = [t[np.argmax(row)] for row in done]
        last = min(
            t[-1],
            np.quantile(np.array(ends, dtype="datetime64[D]").astype(float), 0.9).astype(
                "datetime64[D]"
            )
            + np.timedelta64(90, "D"),
        )
    deadline = np.datetime64(ds.attrs["deadline"]) + np.timedelta64(60, "D")
    ax.set_xlim(t[0], max(last, deadline))
    ax.set_xlabel(_("date"))
    ax.tick_params(axis="x", labelrotation=30)


@_styled
def progress_figure(ds: xr.Dataset) -> Figure:
    """Sites and hectares by stage group over time (P50 lines, P10–P90 bands), with the
    cumulative completion (works finished); dashed: deadline, dotted: report dates."""
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    t = ds["time"].values
    for col, var in enumerate(("sites", "area_ha")):
        ax = axes[0, col]
        for name, stages in GROUPS.items():
            _band(ax, t, ds[var].sel(stage=list(stages)).sum("stage").values, gettext(name))
        ax.set_ylabel(registry.lookup("programme", var).heading(capital=False))
        ax.set_title(
            _("Sites by stage (P50, P10–P90 band)")
            if col == 0
            else _("Hectares by stage (P50, P10–P90 band)")
        )
        _marks(ax, ds)
        ax = axes[1, col]
        total = ds[var].isel(time=0).sum("stage").values[:, None]
        prefix = "sites" if col == 0 else "area_ha"
        _band(ax, t, ds[f"complete_{prefix}"].values / total, _("works finished (complete)"))
        _band(ax, t, ds[f"accepted_{prefix}"].values / total, _("accepted"))
        ax.set_ylabel(_("share of sites") if col == 0 else _("share of area"))
        ax.set_ylim(0, 1.02)
        ax.set_title(_("Completion by count") if col == 0 else _("Completion by area"))
        _marks(ax, ds)
    axes[0, 1].legend(loc="center right", fontsize=8)
    axes[1, 1].legend(loc="lower right", fontsize=8)
    for ax in axes[1]:
        _active_window(ax, ds)
    # the title as to_dataset() writes it: "restoresim programme: NAME"
    name = str(ds.attrs.get("title", "")).partition(": ")[2]
    fig.suptitle(_("Programme: {name}", name=name) if name else _("Programme"))
    return fig


@_styled
def utilisation_figure(ds: xr.Dataset) -> Figure:
    """Utilisation (share of capacity in use) and queue length of each resource over time."""
    fig = Figure(figsize=(11, 6), layout="constrained")
    ax_u, ax_q = fig.subplots(2, 1, sharex=True)
    t = ds["time"].values
    for res in ds["resource"].values:
        name = pgettext("programme", str(res))
        _band(ax_u, t, ds["utilisation"].sel(resource=res).values, name)
        _band(ax_q, t, ds["queue_length"].sel(resource=res).values, name)
    ax_q.plot(
        t,
        np.median(ds["sites"].sel(stage="funding_wait").values, axis=0),
        label=_("funds (sites waiting)"),
        color="k",
        lw=1,
    )
    ax_u.set_ylabel(registry.lookup("programme", "utilisation").heading(capital=False))
    ax_u.set_ylim(0, 1.02)
    ax_q.set_ylabel(registry.lookup("programme", "queue_length").heading(capital=False))
    ax_u.legend(fontsize=8)
    ax_q.legend(fontsize=8)
    for ax in (ax_u, ax_q):
        _marks(ax, ds)
    _active_window(ax_q, ds)
    ax_u.set_title(_("Resource utilisation and queues (P50, P10–P90 band)"))
    return fig


@_styled
def sweep_figure(sw: xr.Dataset) -> Figure:
    """Finish date (P10–P90) and completion at the deadline against each lever."""
    whatif = registry.by_name(registry.PROGRAMME_WHATIF)
    levers = [x for x in dict.fromkeys(sw["lever"].values.tolist()) if x != "baseline"]
    base = sw.where(sw["lever"] == "baseline", drop=True)
    fig = Figure(figsize=(4 * len(levers), 6.5), layout="constrained")
    axes = fig.subplots(2, len(levers), squeeze=False)
    start = datetime.date.fromisoformat(sw.attrs["start"])
    deadline_day = (datetime.date.fromisoformat(sw.attrs["deadline"]) - start).days
    for j, lever in enumerate(levers):
        sel = sw.where(sw["lever"] == lever, drop=True).sortby("value")
        x = sel["value"].values
        ax = axes[0, j]
        ax.plot(x, sel["finish_days_p50"], "o-", label=whatif["finish_days_p50"].short_label())
        ax.fill_between(x, sel["finish_days_p10"], sel["finish_days_p90"], alpha=0.2, lw=0)
        accepted = whatif["acceptance_finish_days_p50"].short_label()
        ax.plot(x, sel["acceptance_finish_days_p50"], "s--", label=accepted)
        ax.axhline(deadline_day, color="k", ls="--", lw=0.8, label=_("deadline"))
        if base.sizes["case"]:
            ax.axhline(float(base["finish_days_p50"][0]), color="C3", ls=":", lw=1,
                       label=_("baseline (as given), P50"))  # fmt: skip
        ax.set_ylabel(_("days from {start}", start=start))
        ax.set_title(lever_label(lever))
        ax = axes[1, j]
        for name, style in (
            ("complete_area_at_deadline_p50", "o-"),
            ("complete_count_at_deadline_p50", "o-"),
            ("accepted_count_at_deadline_p50", "s--"),
        ):
            ax.plot(x, sel[name], style, label=whatif[name].short_label())
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(_("share at the deadline (P50)"))
        ax.set_xlabel(lever_label(lever))
    axes[0, 0].legend(fontsize=8)
    axes[1, 0].legend(fontsize=8)
    # the title as sweep() writes it: "restoresim programme what-if sweep: NAME"
    name = str(sw.attrs.get("title", "")).partition(": ")[2]
    fig.suptitle(_("What-if: {name}", name=name) if name else _("What-if"))
    return fig
