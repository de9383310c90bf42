"""What-if sweep: finish date and completion at the deadline against crews, inspector teams
and the timing of budget tranches, one lever at a time around the scenario.

Case 0 is the **baseline**: the scenario as given. Every case runs the same replications with
the same seed (common random numbers: identical site areas, priorities and durations), so
differences between a case and the baseline are the lever's effect, not noise; a case equal to
the baseline (a lever at the scenario's own value) reuses its result. A progress bar over every
replication goes to stderr when it is a terminal.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim import outputs_registry as registry
from sim.i18n import NP_, _, pgettext
from sim.i18n.units import iso_date, pad
from sim.programme.model import Records
from sim.programme.run import (
    build_config,
    completion_at,
    latest,
    replicate,
    replication_rng,
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
BASELINE = "baseline"
#: the levers as people read them (pgettext "programme"; English: the scenario's keys)
LEVER_NAMES = (
    NP_("programme", "crews"),
    NP_("programme", "inspectors"),
    NP_("programme", "tranche_shift_days"),
)


def lever_label(lever: str) -> str:
    """A lever's name in the current language (the baseline: "baseline")."""
    return _("baseline") if lever == BASELINE else pgettext("programme", lever)


def _setting_label(setting: str) -> str:
    """The baseline's setting ("crews 120, inspectors 14, tranche_shift_days 0", as
    :func:`sweep` writes it) with its levers named in the current language."""
    parts = []
    for part in setting.split(", "):
        lever, _sep, value = part.partition(" ")
        shown = _("unlimited") if value == "unlimited" else value
        parts.append(f"{lever_label(lever)} {shown}" if lever in LEVERS else part)
    return _(", ").join(parts)

#: the what-if sweep's variables by case (the output registry's)
VARIABLES = registry.by_name(registry.PROGRAMME_WHATIF)


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


def _current(scenario: Scenario, lever: str) -> float:
    """The scenario's own value of a lever (inf for unlimited; 0 for the tranche shift)."""
    path = LEVERS[lever]
    if path is None:
        return 0.0
    section, name = path.split(".")
    value = getattr(getattr(scenario, section), name)
    return np.inf if value == UNLIMITED else float(value)


def _is_baseline(scenario: Scenario, lever: str, value: float) -> bool:
    return lever == BASELINE or value == _current(scenario, lever)


def sweep(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> xr.Dataset:
    """Run the baseline and the ``[sweep]`` cases; a Dataset with dim ``case`` (coords
    ``lever``, ``value``; case 0 is the baseline, lever ``"baseline"``, value NaN)."""
    cases = _cases(scenario)
    if not cases:
        from sim.errors import InputError

        raise InputError(
            _(
                "{source}: [sweep] is missing or lists no levers (crews, inspectors, "
                "tranche_shift_days)",
                source=scenario.source_path or "<data>",
            )
        )
    cases = [(BASELINE, np.nan), *cases]
    reps = replications or (scenario.sweep.replications if scenario.sweep else 50)
    sites = site_table(scenario, seed=seed)
    deadline = scenario.day(scenario.programme.deadline)
    rows: dict[str, list[float]] = {k: [] for k in VARIABLES}
    runs = [c for c in cases if c[0] == BASELINE or not _is_baseline(scenario, *c)]
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(
            total=len(runs) * reps, desc="what-if", unit="rep", file=sys.stderr, disable=None
        )
    baseline: dict[str, float] = {}
    try:
        for lever, value in cases:
            if lever != BASELINE and _is_baseline(scenario, lever, value):
                for k in VARIABLES:
                    rows[k].append(baseline[k])
                continue
            if bar is not None:
                shown = "as given" if lever == BASELINE else f"{lever}={value:g}"
                bar.set_postfix_str(shown, refresh=False)
            row = _case(scenario, sites, lever, value, reps, seed, deadline, bar)
            if lever == BASELINE:
                baseline = row
            for k in VARIABLES:
                rows[k].append(row[k])
    finally:
        if bar is not None:
            bar.close()
    data = {
        k: xr.Variable(VARIABLES[k].dims, np.where(np.isinf(v), np.nan, v), VARIABLES[k].attrs())
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
            "baseline": ", ".join(
                f"{lever} {_shown(_current(scenario, lever))}" for lever in LEVERS
            ),
            "note": "case 0 is the baseline (the scenario as given); NaN finish days: not "
            "finished within the simulated window in that quantile",
        }
    )
    return ds


def _shown(value: float) -> str:
    return "unlimited" if np.isinf(value) else f"{value:g}"


def _case(
    scenario: Scenario,
    sites: object,
    lever: str,
    value: float,
    reps: int,
    seed: int,
    deadline: float,
    bar: object,
) -> dict[str, float]:
    """One case's variables: the scenario with ``lever`` set to ``value`` (none: baseline)."""
    sc, shift = scenario, 0.0
    if lever == "tranche_shift_days":
        shift = value
    elif lever != BASELINE:
        sc = scenario.with_values({LEVERS[lever]: UNLIMITED if np.isinf(value) else int(value)})
    cfg = build_config(sc, sites, tranche_shift_days=shift)  # type: ignore[arg-type]
    recs = []
    for r in range(reps):
        recs.append(replicate(cfg, sites, replication_rng(seed, r)))  # type: ignore[arg-type]
        if bar is not None:
            bar.update(1)  # type: ignore[attr-defined]
    finish = np.array([_finish(r) for r in recs])
    accepted = np.array([_finish(r, accepted=True) for r in recs])
    fq = day_quantiles(finish)
    fr = completion_at(recs, [deadline])
    return {
        "finish_days_p10": fq[0],
        "finish_days_p50": fq[1],
        "finish_days_p90": fq[2],
        "acceptance_finish_days_p50": day_quantiles(accepted)[1],
        "complete_area_at_deadline_p50": float(np.median(fr["complete_fraction_area"][:, 0])),
        "complete_count_at_deadline_p50": float(np.median(fr["complete_fraction_count"][:, 0])),
        "accepted_count_at_deadline_p50": float(np.median(fr["accepted_fraction_count"][:, 0])),
    }


def _finish(rec: Records, *, accepted: bool = False) -> float:
    """Day works were finished (or acceptance passed) on the last site; NaN if not all were."""
    complete, accept, _ = site_times(rec, len(rec.area_ha))
    return latest(accept if accepted else complete)


def sweep_table(ds: xr.Dataset) -> list[dict[str, object]]:
    """The sweep as JSON-ready rows (finish dates as ISO dates), the baseline first (lever
    ``"baseline"``, value None, ``setting``: the scenario's own values, ``replications``: how
    many every case ran); every row has
    ``finish_change_days_p50``: its P50 finish minus the baseline's, in days (None when either
    is not finished)."""
    import datetime

    start = datetime.date.fromisoformat(ds.attrs["start"])
    levers = [str(x) for x in ds["lever"].values]
    base = levers.index(BASELINE) if BASELINE in levers else None
    base_finish = float(ds["finish_days_p50"].values[base]) if base is not None else np.nan
    rows = []
    for c in range(ds.sizes["case"]):
        value = float(ds["value"].values[c])
        row: dict[str, object] = {
            "lever": levers[c],
            "value": None if not np.isfinite(value) else value,
        }
        if c == base:
            row["setting"] = ds.attrs.get("baseline", "")
            row["replications"] = int(ds.attrs["replications"])
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
        change = float(ds["finish_days_p50"].values[c]) - base_finish
        row["finish_change_days_p50"] = int(change) if np.isfinite(change) else None
        rows.append(row)
    return rows


def format_sweep(rows: list[dict[str, object]]) -> str:
    """The sweep rows as a text table, the baseline first."""
    pct = lambda v: "n/a" if v is None else f"{v:.1%}"  # noqa: E731
    head = [
        _("lever"),
        _("value"),
        _("works finished"),
        _("change"),
        _("all accepted"),
        _("area@deadline"),
        _("count@deadline"),
        _("accepted@deadline"),
    ]
    reps = next(r["replications"] for r in rows if r["lever"] == BASELINE)
    lines = [
        _(
            "What-if (one lever at a time; P50 over {n} replications; change: works finished "
            "vs the baseline, + = later)",
            n=reps,
        ),
        f"  {pad(head[0], 20)} {pad(head[1], 9, True)} {pad(head[2], 15, True)} "
        f"{pad(head[3], 8, True)} {pad(head[4], 13, True)} {pad(head[5], 14, True)} "
        f"{pad(head[6], 15, True)} {pad(head[7], 18, True)}",
    ]
    later = _("later")
    setting = ""
    for r in rows:
        if r["lever"] == BASELINE:
            value, setting = _("as given"), str(r.get("setting", ""))
        else:
            value = _("unlimited") if r["value"] is None else f"{r['value']:g}"
        change = r.get("finish_change_days_p50")
        shown = (
            "n/a"
            if change is None
            else ("—" if r["lever"] == BASELINE else _("{days:+d} d", days=change))
        )
        lines.append(
            f"  {pad(lever_label(str(r['lever'])), 20)} {pad(value, 9, True)} "
            f"{pad(iso_date(r['finish_date_p50']) or later, 15, True)} {pad(shown, 8, True)} "
            f"{pad(iso_date(r['acceptance_finish_date_p50']) or later, 13, True)} "
            f"{pct(r['complete_area_at_deadline_p50']):>14} "
            f"{pct(r['complete_count_at_deadline_p50']):>15} "
            f"{pct(r['accepted_count_at_deadline_p50']):>18}"
        )
    if setting:
        lines.append(
            "  "
            + _("baseline: the scenario as given ({setting})", setting=_setting_label(setting))
        )
    return "\n".join(lines)
