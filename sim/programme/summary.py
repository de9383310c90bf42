"""The programme summary: completion on report dates, finish dates, utilisation, bottleneck.

**Bottleneck.** Each limited capacity has a waiting stage (:data:`sim.programme.model.QUEUES`):
``design_queue`` (design teams), ``funding_wait`` (the budget), ``works_queue`` (crews),
``inspector_queue`` (inspector teams). The bottleneck is the stage whose waiting stage holds the
most site-days over the simulated window (median over replications): where sites pile up.

The summary's values are registered in ``sim/outputs_registry.py`` (``PROGRAMME_SUMMARY``): the
text's column heads take their labels from there.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
import xarray as xr

from sim import outputs_registry as registry
from sim.i18n import NP_, _, current_lang, pgettext
from sim.i18n.units import area, iso_date, pad
from sim.programme.model import QUEUES
from sim.programme.scenario import UNLIMITED

QUANTILES = (0.1, 0.5, 0.9)


def _num(x: Any, digits: int = 6) -> float | None:
    x = float(x)
    return None if not math.isfinite(x) else float(f"{x:.{digits}g}")


def _date(start: datetime.date, day: float) -> str | None:
    if not math.isfinite(day):
        return None
    return (start + datetime.timedelta(days=int(day // 1))).isoformat()


def day_quantiles(days: np.ndarray) -> list[float]:
    """P10/P50/P90 of days, an unfinished replication (NaN) counting as later than any;
    each quantile is one replication's value (inverted CDF), ``inf`` if unfinished."""
    x = np.where(np.isnan(days), np.inf, days)
    return [float(v) for v in np.quantile(x, QUANTILES, method="inverted_cdf")]


def at_date(ds: xr.Dataset, date: np.datetime64) -> dict[str, Any]:
    """Completion (works finished) and acceptance on one report date, P10/P50/P90."""
    row: dict[str, Any] = {"date": str(np.datetime_as_string(date, unit="D"))}
    names = {
        "completion_by_area": "complete_fraction_area",
        "completion_by_count": "complete_fraction_count",
        "accepted_by_area": "accepted_fraction_area",
        "accepted_by_count": "accepted_fraction_count",
    }
    for key, var in names.items():
        qs = np.quantile(ds[var].sel(report_date=date).values, QUANTILES)
        for p, v in zip((10, 50, 90), qs, strict=True):
            row[f"{key}_p{p}"] = _num(v)
    return row


def bottleneck(ds: xr.Dataset) -> tuple[str, str, dict[str, float | None]]:
    """(stage, capacity, median waiting site-days of every waiting stage); ``"none"`` when no
    site ever waited."""
    waits = {
        stage: float(ds["site_days"].sel(stage=queue).median("replication"))
        for queue, (stage, _) in QUEUES.items()
    }
    stage = max(waits, key=lambda s: waits[s])
    capacity = {s: c for s, c in QUEUES.values()}[stage]
    if waits[stage] <= 0:  # nothing ever waited
        stage, capacity = "none", "none"
    return stage, capacity, {k: _num(v) for k, v in waits.items()}


def summarise(ds: xr.Dataset, scenario: Any) -> dict[str, Any]:
    """The JSON summary of a programme run (see ``restoresim programme --json``)."""
    start = scenario.programme.start
    deadline = np.datetime64(scenario.programme.deadline, "ns")
    report = [np.datetime64(d, "ns") for d in scenario.report.dates]
    finish = day_quantiles(ds["finish_days"].values)
    accept = day_quantiles(ds["acceptance_finish_days"].values)
    stage, capacity, waits = bottleneck(ds)
    deadline_day = (scenario.programme.deadline - start).days
    until = np.nan_to_num(ds["acceptance_finish_days"].values, nan=np.inf)
    util: dict[str, float | None] = {}
    times = (ds["time"].values - np.datetime64(start, "ns")) / np.timedelta64(1, "D")
    unlimited = {
        "design_teams": scenario.survey_design.teams,
        "crews": scenario.works.crews,
        "inspectors": scenario.city_acceptance.inspectors,
    }
    for res in ds["resource"].values:
        if unlimited.get(str(res)) == UNLIMITED:  # utilisation of no limit: not meaningful
            util[str(res)] = None
            continue
        u = ds["utilisation"].sel(resource=res).values  # (replication, time)
        active = times[None, :] < until[:, None]
        mean = np.where(active, u, np.nan)
        util[str(res)] = _num(np.nanmedian(np.nanmean(mean, axis=1)), 4)
    total_area = float(ds["site_area_ha"].isel(replication=0).sum())
    return {
        "scenario": scenario.programme.id,
        "name": scenario.programme.name,
        "sites": int(ds.sizes["site"]),
        "area_ha": _num(total_area),
        "start": start.isoformat(),
        "deadline": scenario.programme.deadline.isoformat(),
        "at_dates": [at_date(ds, d) for d in report],
        "at_deadline": at_date(ds, deadline),
        "finish_date_p10": _date(start, finish[0]),
        "finish_date_p50": _date(start, finish[1]),
        "finish_date_p90": _date(start, finish[2]),
        "finished_by_deadline_probability": _num(
            np.mean(np.nan_to_num(ds["finish_days"].values, nan=np.inf) <= deadline_day)
        ),
        "acceptance_finish_date_p50": _date(start, accept[1]),
        "bottleneck": stage,
        "bottleneck_capacity": capacity,
        "waiting_site_days_p50": waits,
        "utilisation_p50": util,
        "seed": int(ds.attrs["seed"]),
        "replications": int(ds.sizes["replication"]),
        "version": str(ds.attrs["version"]),
    }


#: names of the programme's stages and resources for people (the JSON keeps the identifiers)
NAMES = (
    NP_("programme", "survey_design"),
    NP_("programme", "funding"),
    NP_("programme", "works"),
    NP_("programme", "city_acceptance"),
    NP_("programme", "design_teams"),
    NP_("programme", "crews"),
    NP_("programme", "inspectors"),
    NP_("programme", "budget"),
)


def _name(key: str) -> str:
    return pgettext("programme", key)


def format_summary(s: dict[str, Any]) -> str:
    """A readable text block of the summary, in the current language (:func:`sim.i18n.use_lang`)."""
    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    later = _("not within the horizon")
    sep = "、" if current_lang() == "zh" else ", "
    col = 16 if current_lang() == "zh" else 12  # the date column (YYYY年M月D日 is wider)
    shown = registry.by_name(registry.PROGRAMME_SUMMARY)
    head = [
        _("date"),
        shown["completion_by_area"].heading("P10-P50-P90", unit="", capital=False),
        shown["completion_by_count"].heading(unit="", capital=False),
        shown["accepted_by_count"].heading("P50", unit="", capital=False),
    ]
    lines = [
        f"{s['scenario']}  {s['name']}",
        _(
            "{sites} sites, {area}; start {start}, deadline {deadline}",
            sites=s["sites"],
            area=area(s["area_ha"], 2),
            start=iso_date(s["start"]),
            deadline=iso_date(s["deadline"]),
        ),
        "",
        f"  {pad(head[0], col)} {pad(head[1], 32, True)} {pad(head[2], 24, True)} "
        f"{pad(head[3], 24, True)}",
    ]
    for row in [*s["at_dates"], {**s["at_deadline"], "date": s["at_deadline"]["date"] + "*"}]:
        lines.append(
            f"  {pad(iso_date(row['date'][:10]) + row['date'][10:], col)} "
            f"{pct(row['completion_by_area_p10']):>10} {pct(row['completion_by_area_p50']):>10} "
            f"{pct(row['completion_by_area_p90']):>10} "
            f"{pct(row['completion_by_count_p10']):>7} {pct(row['completion_by_count_p50']):>7} "
            f"{pct(row['completion_by_count_p90']):>7} {pct(row['accepted_by_count_p50']):>24}"
        )
    lines += [
        _("  (* the deadline; complete = restoration works finished)"),
        "",
        _(
            "works finished on every site, including works redone after a failed spot check: "
            "P50 {p50} (P10 {p10}, P90 {p90}); by the deadline in {share} of replications",
            p50=iso_date(s["finish_date_p50"]) or later,
            p10=iso_date(s["finish_date_p10"]) or later,
            p90=iso_date(s["finish_date_p90"]) or later,
            share=pct(s["finished_by_deadline_probability"]),
        ),
        _(
            "every site accepted: P50 {date}",
            date=iso_date(s["acceptance_finish_date_p50"]) or later,
        ),
        _("bottleneck: none (no site waited for design, funds, crews or inspectors)")
        if s["bottleneck"] == "none"
        else _(
            "bottleneck: {stage} ({capacity}); waiting site-days P50: {waiting}",
            stage=_name(s["bottleneck"]),
            capacity=_name(s["bottleneck_capacity"]),
            waiting=sep.join(
                f"{_name(k)} {v:,.0f}"
                for k, v in s["waiting_site_days_p50"].items()
                if v is not None
            ),
        ),
        _(
            "utilisation until all accepted (P50): {items}",
            items=sep.join(f"{_name(k)} {pct(v)}" for k, v in s["utilisation_p50"].items()),
        ),
        "",
        _(
            "seed {seed}, {replications} replications, restoresim {version}",
            seed=s["seed"],
            replications=s["replications"],
            version=s["version"],
        ),
    ]
    return "\n".join(lines)
