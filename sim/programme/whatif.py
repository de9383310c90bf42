"""What-if sweep: finish date and completion at the deadline against crews, inspector teams
and the timing of budget tranches, one lever at a time around the scenario.

Every case runs the same replications with the same seed (common random numbers: identical
site areas, priorities and durations), so differences between cases are the levers' effects,
not noise.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.i18n import _
from sim.i18n.units import iso_date, pad
from sim.programme.model import Records
from sim.programme.run import (
    build_config,
    completion_at,
    latest,
    run_replications,
    site_table,
    site_times,
)
from sim.programme.scenario import UNLIMITED, Scenario
from sim.programme.summary import day_quantiles
from sim.version import __version__

LEVERS = {
    "crews": "works.crews",
    "inspectors": "city_acceptance.inspectors",
    "tranche_shift_days": None,  # shifts every tranche date
}

VARIABLES = {
    "finish_days_p10": ("d", "days until works are finished on every site, P10"),
    "finish_days_p50": ("d", "days until works are finished on every site, P50"),
    "finish_days_p90": ("d", "days until works are finished on every site, P90"),
    "acceptance_finish_days_p50": ("d", "days until every site is accepted, P50"),
    "complete_area_at_deadline_p50": ("1", "share of area with works finished at the deadline"),
    "complete_count_at_deadline_p50": ("1", "share of sites with works finished at the deadline"),
    "accepted_count_at_deadline_p50": ("1", "share of sites accepted at the deadline"),
}


def _cases(scenario: Scenario) -> list[tuple[str, float]]:
    sw = scenario.sweep
    if sw is None:
        return []
    cases: list[tuple[str, float]] = []
    for lever, values in (
        ("crews", sw.crews),
        ("inspectors", sw.inspectors),
        ("tranche_shift_days", sw.tranche_shift_days),
    ):
        for v in values:
            cases.append((lever, np.inf if v == UNLIMITED else float(v)))
    return cases


def sweep(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> xr.Dataset:
    """Run the ``[sweep]`` cases; a Dataset with dim ``case`` (coords ``lever``, ``value``)."""
    cases = _cases(scenario)
    if not cases:
        from sim.errors import InputError

        raise InputError(
            f"{scenario.source_path or '<data>'}: [sweep] is missing or lists no levers "
            "(crews, inspectors, tranche_shift_days)"
        )
    reps = replications or (scenario.sweep.replications if scenario.sweep else 50)
    sites = site_table(scenario, seed=seed)
    deadline = scenario.day(scenario.programme.deadline)
    rows: dict[str, list[float]] = {k: [] for k in VARIABLES}
    it = cases
    if progress:
        import sys

        from tqdm import tqdm

        it = tqdm(cases, desc="sweep", unit="case", file=sys.stderr, leave=False, disable=None)
    for lever, value in it:
        sc, shift = scenario, 0.0
        if lever == "tranche_shift_days":
            shift = value
        else:
            sc = scenario.with_values({LEVERS[lever]: UNLIMITED if np.isinf(value) else int(value)})
        recs = run_replications(
            build_config(sc, sites, tranche_shift_days=shift),
            sites,
            replications=reps,
            seed=seed,
        )
        finish = np.array([_finish(r) for r in recs])
        accepted = np.array([_finish(r, accepted=True) for r in recs])
        fq = day_quantiles(finish)
        fr = completion_at(recs, [deadline])
        rows["finish_days_p10"].append(fq[0])
        rows["finish_days_p50"].append(fq[1])
        rows["finish_days_p90"].append(fq[2])
        rows["acceptance_finish_days_p50"].append(day_quantiles(accepted)[1])
        rows["complete_area_at_deadline_p50"].append(
            float(np.median(fr["complete_fraction_area"][:, 0]))
        )
        rows["complete_count_at_deadline_p50"].append(
            float(np.median(fr["complete_fraction_count"][:, 0]))
        )
        rows["accepted_count_at_deadline_p50"].append(
            float(np.median(fr["accepted_fraction_count"][:, 0]))
        )
    data = {
        k: xr.Variable(
            ("case",),
            np.where(np.isinf(v), np.nan, v),
            {"units": VARIABLES[k][0], "long_name": VARIABLES[k][1]},
        )
        for k, v in ((k, np.array(v, dtype=float)) for k, v in rows.items())
    }
    ds = xr.Dataset(
        data,
        coords={
            "case": np.arange(len(cases)),
            "lever": ("case", [c[0] for c in cases]),
            "value": ("case", [c[1] for c in cases]),
        },
    )
    ds.attrs.update(
        {
            "title": f"restoresim programme what-if sweep: {scenario.programme.name}",
            "seed": int(seed),
            "replications": int(reps),
            "version": __version__,
            "start": scenario.programme.start.isoformat(),
            "deadline": scenario.programme.deadline.isoformat(),
            "note": "NaN finish days: not finished within the simulated window in that quantile",
        }
    )
    return ds


def _finish(rec: Records, *, accepted: bool = False) -> float:
    """Day works were finished (or acceptance passed) on the last site; NaN if not all were."""
    complete, accept, _ = site_times(rec, len(rec.area_ha))
    return latest(accept if accepted else complete)


def sweep_table(ds: xr.Dataset) -> list[dict[str, object]]:
    """The sweep as JSON-ready rows (finish dates as ISO dates)."""
    import datetime

    start = datetime.date.fromisoformat(ds.attrs["start"])
    rows = []
    for c in range(ds.sizes["case"]):
        row: dict[str, object] = {
            "lever": str(ds["lever"].values[c]),
            "value": None if np.isinf(ds["value"].values[c]) else float(ds["value"].values[c]),
        }
        for k in VARIABLES:
            v = float(ds[k].values[c])
            if k.endswith("days_p10") or k.endswith("days_p50") or k.endswith("days_p90"):
                key = k.replace("_days_", "_date_")
                row[key] = (
                    None
                    if not np.isfinite(v)
                    else (start + datetime.timedelta(days=int(v))).isoformat()
                )
            else:
                row[k] = None if not np.isfinite(v) else round(v, 6)
        rows.append(row)
    return rows


def format_sweep(rows: list[dict[str, object]]) -> str:
    """The sweep rows as a text table."""
    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    head = [
        _("lever"),
        _("value"),
        _("works finished"),
        _("all accepted"),
        _("area@deadline"),
        _("count@deadline"),
        _("accepted@deadline"),
    ]
    lines = [
        _("What-if (one lever at a time; P50 over replications)"),
        f"  {pad(head[0], 20)} {pad(head[1], 8, True)} {pad(head[2], 15, True)} "
        f"{pad(head[3], 13, True)} {pad(head[4], 14, True)} {pad(head[5], 15, True)} "
        f"{pad(head[6], 18, True)}",
    ]
    later = _("later")
    for r in rows:
        value = _("unlimited") if r["value"] is None else f"{r['value']:g}"
        lines.append(
            f"  {r['lever']:<20} {pad(value, 8, True)} "
            f"{pad(iso_date(r['finish_date_p50']) or later, 15, True)} "
            f"{pad(iso_date(r['acceptance_finish_date_p50']) or later, 13, True)} "
            f"{pct(r['complete_area_at_deadline_p50']):>14} "
            f"{pct(r['complete_count_at_deadline_p50']):>15} "
            f"{pct(r['accepted_count_at_deadline_p50']):>18}"
        )
    return "\n".join(lines)
