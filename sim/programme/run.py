"""Replications of the programme model -> an xarray Dataset and the summary.

Replication ``r`` of a run with seed ``s`` draws from its own stream
``SeedSequence(entropy=s, spawn_key=(PROGRAMME_KEY, r))``: independent of the number of
replications, of the other replications and of the resources (common random numbers across a
sweep's cases).
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sim import outputs_registry as registry
from sim.programme.model import (
    ACCEPTED_FROM,
    COMPLETE_FROM,
    RESOURCES,
    STAGES,
    Config,
    Records,
    SiteTable,
    replicate,
)
from sim.programme.resources import WorkCalendar
from sim.programme.scenario import UNLIMITED, Scenario
from sim.version import __version__

PROGRAMME_KEY = 0x70726F67  # "prog": keeps programme streams apart from the engine's
QUANTILES = (0.1, 0.5, 0.9)

#: the Dataset's variables: dims, CF units and long names (the output registry's)
VARIABLES = registry.by_name(registry.PROGRAMME)


def replication_rng(seed: int, replication: int) -> np.random.Generator:
    """The generator of one replication (independent child stream of the run seed)."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(PROGRAMME_KEY, int(replication)))
    return np.random.Generator(np.random.PCG64(ss))


def horizon_days(scenario: Scenario) -> int:
    """Days simulated: from ``start`` to ``horizon_end`` [d]."""
    return int(scenario.day(scenario.programme.horizon))


def _capacity(value: int | str, n_sites: int) -> int:
    return max(1, n_sites) if value == UNLIMITED else int(value)


def build_config(
    scenario: Scenario, sites: SiteTable, *, tranche_shift_days: float = 0.0
) -> Config:
    """The model's numbers from a scenario (capacities, durations, tranches in days and CNY)."""
    n, h = sites.n, horizon_days(scenario)
    total = float(sites.total_area_ha if sites.area_ha is None else np.sum(sites.area_ha))
    w, ca, sc = scenario.works, scenario.city_acceptance, scenario.spot_check
    tranches: tuple[tuple[float, float], ...] = ()
    cost_per_ha = 0.0
    if scenario.funding is not None:
        f = scenario.funding
        tranches = tuple(
            (max(0.0, scenario.day(t.date) + tranche_shift_days), t.share * f.budget_cny)
            for t in f.tranches
        )
        cost_per_ha = f.cost_per_ha_cny or f.budget_cny / total
    calendar = WorkCalendar(
        np.datetime64(scenario.programme.start, "D"),
        h + 3650,
        w.rainy_season_start,
        w.rainy_season_end,
        w.rainy_productivity,
    )
    return Config(
        design_teams=_capacity(scenario.survey_design.teams, n),
        design_days=scenario.survey_design.days_mean,
        design_cv=scenario.survey_design.days_cv,
        tender_days=scenario.tender.days_mean,
        tender_cv=scenario.tender.days_cv,
        crews=_capacity(w.crews, n),
        works_base_days=w.base_days,
        works_days_per_ha=w.days_per_ha,
        works_cv=w.days_cv,
        rework_fraction=w.rework_fraction,
        county_days=scenario.county_acceptance.days_mean,
        county_cv=scenario.county_acceptance.days_cv,
        inspectors=_capacity(ca.inspectors, n),
        batch_interval_days=ca.batch_interval_days,
        batch_max_sites=ca.batch_max_sites,
        batch_setup_days=ca.setup_days,
        inspect_days_per_site=ca.days_per_site,
        spot_share=sc.share,
        recheck_share=sc.recheck_share,
        failure_rate=sc.failure_rate,
        report_days=sc.report_days,
        check_days=sc.check_days,
        aftercare_days=scenario.aftercare.days,
        size_weight=scenario.priority.size_weight,
        noise_sd=scenario.priority.noise_sd,
        horizon_days=float(h),
        calendar=calendar,
        tranches=tranches,
        cost_per_ha_cny=cost_per_ha,
    )


def site_table(scenario: Scenario, *, seed: int = 0) -> SiteTable:
    """The scenario's sites (generated, from the inventory or a portfolio), with the priority
    that ``[monitoring]`` statuses add."""
    sites = _sources(scenario, seed)
    if scenario.monitoring is None:
        return sites
    from dataclasses import replace

    from sim.programme.sources import monitoring_priority

    boost = monitoring_priority(scenario, sites.ids)
    base = sites.priority if sites.priority is not None else np.zeros(sites.n)
    return replace(sites, priority=base + boost)


def _sources(scenario: Scenario, seed: int) -> SiteTable:
    s = scenario.sites
    if s.source == "generated":
        assert s.count is not None and s.total_area_ha is not None
        ids = tuple(f"S{i + 1:0{len(str(s.count))}d}" for i in range(s.count))
        return SiteTable(ids, None, s.total_area_ha, s.area_log_sd)
    from sim.programme.sources import inventory_sites, portfolio_sites

    if s.source == "inventory":
        return inventory_sites(scenario)
    return portfolio_sites(scenario, seed=seed)


def run_replications(
    cfg: Config,
    sites: SiteTable,
    *,
    replications: int,
    seed: int,
    progress: bool = False,
) -> list[Records]:
    """Run ``replications`` independent replications (serial; tqdm on stderr if asked)."""
    reps = range(replications)
    if progress:
        from tqdm import tqdm

        reps = tqdm(
            reps, desc="replications", unit="rep", file=sys.stderr, leave=False, disable=None
        )
    return [replicate(cfg, sites, replication_rng(seed, r)) for r in reps]


# ------------------------------------------------------------------------------------------
# records -> arrays


def occupancy(rec: Records, at_days: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Sites (or ``weights``, e.g. hectares) in each stage at each of ``at_days`` (stage, time).

    Every transition moves a site's weight from its previous stage to its new one; the
    occupancy on day ``t`` sums the moves made at or before ``t`` (all sites start pending).
    """
    n_q, n_s = len(at_days), len(STAGES)
    w_site = np.ones(len(rec.area_ha)) if weights is None else weights
    w = w_site[rec.site]
    idx = np.searchsorted(at_days, rec.t, side="left")  # moves at t <= at_days[k] count at k
    size = n_s * (n_q + 1)
    delta = np.bincount(rec.stage * (n_q + 1) + idx, w, size) - np.bincount(
        rec.prev * (n_q + 1) + idx, w, size
    )
    occ = np.cumsum(delta.reshape(n_s, n_q + 1), axis=1)[:, :n_q]
    occ[0] += w_site.sum()
    return occ


def step_average(t: np.ndarray, v: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Time-average of the step function ``v`` (changing at ``t``) over each interval of
    ``edges`` (value held after the last change)."""
    dt = np.diff(t)
    cum = np.concatenate([[0.0], np.cumsum(v[:-1] * dt)])
    j = np.clip(np.searchsorted(t, edges, side="right") - 1, 0, len(t) - 1)
    at = cum[j] + v[j] * (edges - t[j])
    return np.diff(at) / np.diff(edges)


def site_times(rec: Records, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per site: last day works finished, day accepted (NaN if never), and site-days by stage."""
    order = np.argsort(rec.site, kind="stable")
    ts, ss, st, pv = rec.t[order], rec.site[order], rec.stage[order], rec.prev[order]
    first = np.r_[True, ss[1:] != ss[:-1]] if len(ss) else np.zeros(0, bool)
    before = np.where(first, 0.0, np.r_[0.0, ts[:-1]]) if len(ss) else ts
    days = np.bincount(pv, ts - before, len(STAGES))
    last = np.r_[ss[1:] != ss[:-1], True] if len(ss) else np.zeros(0, bool)
    days += np.bincount(st[last], rec.end_day - ts[last], len(STAGES))
    days[0] += rec.end_day * (n - len(np.unique(ss)))  # never released
    final = np.zeros(n, dtype=np.int64)
    final[ss[last]] = st[last]
    complete = np.full(n, np.nan)
    sel = st == COMPLETE_FROM
    complete[ss[sel]] = ts[sel]  # chronological per site: the last entry wins
    complete[final < COMPLETE_FROM] = np.nan
    accepted = np.full(n, np.nan)
    sel = st == ACCEPTED_FROM
    accepted[ss[sel]] = ts[sel]
    return complete, accepted, days


def latest(x: np.ndarray) -> float:
    """The largest day, or NaN if any is NaN (not every site got there)."""
    return float(np.max(x)) if np.all(np.isfinite(x)) else float("nan")


@dataclass
class Run:
    """The result of :func:`simulate`: the Dataset, the site table, every replication's
    records (each stage transition and resource change) and timing."""

    dataset: xr.Dataset
    sites: SiteTable
    seconds: float
    events: int
    records: list[Records]

    def transitions(self, replication: int = 0) -> pd.DataFrame:
        """Every stage transition of one replication: site, stage entered, stage left, day."""
        rec = self.records[replication]
        start = np.datetime64(self.dataset.attrs["start"], "D")
        return pd.DataFrame(
            {
                "site": np.asarray(self.sites.ids)[rec.site],
                "stage": np.asarray(STAGES)[rec.stage],
                "from_stage": np.asarray(STAGES)[rec.prev],
                "day": rec.t,
                "date": start + np.floor(rec.t).astype("timedelta64[D]"),
            }
        )

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("nan")


def report_days(scenario: Scenario) -> list[datetime.date]:
    """The report dates: ``[report] dates`` and the deadline, in order, without repeats."""
    return sorted({*scenario.report.dates, scenario.programme.deadline})


def completion_at(records: Sequence[Records], days: Sequence[float]) -> dict[str, np.ndarray]:
    """Complete/accepted fractions by count and area on each day: arrays (replication, day)."""
    out: dict[str, list[np.ndarray]] = {k: [] for k in _FRACTIONS}
    q = np.asarray(days, dtype=float)
    for rec in records:
        cnt = occupancy(rec, q)
        area = occupancy(rec, q, rec.area_ha)
        n, total = cnt.sum(axis=0), area.sum(axis=0)
        out["complete_fraction_count"].append(cnt[COMPLETE_FROM:].sum(axis=0) / n)
        out["complete_fraction_area"].append(area[COMPLETE_FROM:].sum(axis=0) / total)
        out["accepted_fraction_count"].append(cnt[ACCEPTED_FROM:].sum(axis=0) / n)
        out["accepted_fraction_area"].append(area[ACCEPTED_FROM:].sum(axis=0) / total)
    return {k: np.array(v) for k, v in out.items()}


_FRACTIONS = (
    "complete_fraction_count",
    "complete_fraction_area",
    "accepted_fraction_count",
    "accepted_fraction_area",
)


def to_dataset(
    scenario: Scenario, sites: SiteTable, records: Sequence[Records], *, seed: int
) -> xr.Dataset:
    """Stack the replications' records into the programme Dataset (replication, time, stage)."""
    h = horizon_days(scenario)
    step = scenario.programme.time_step_days
    grid = np.arange(0, h + 1, step, dtype=float)
    edges = np.append(grid, grid[-1] + step)
    n = sites.n
    per: dict[str, list[np.ndarray]] = {}

    def put(name: str, value: np.ndarray | float) -> None:
        per.setdefault(name, []).append(np.asarray(value))

    for rec in records:
        cnt, area = occupancy(rec, grid), occupancy(rec, grid, rec.area_ha)
        put("sites", cnt.T)
        put("area_ha", area.T)
        put("complete_sites", cnt[COMPLETE_FROM:].sum(axis=0))
        put("complete_area_ha", area[COMPLETE_FROM:].sum(axis=0))
        put("accepted_sites", cnt[ACCEPTED_FROM:].sum(axis=0))
        put("accepted_area_ha", area[ACCEPTED_FROM:].sum(axis=0))
        busy = np.stack([step_average(*rec.pools[r][:2], edges) for r in RESOURCES], axis=-1)
        queue = np.stack(
            [step_average(rec.pools[r][0], rec.pools[r][2], edges) for r in RESOURCES], axis=-1
        )
        cap = np.array([rec.pools[r][3] for r in RESOURCES], dtype=float)
        put("in_use", busy)
        put("utilisation", busy / cap)
        put("queue_length", queue)
        put("capacity", cap)
        if rec.budget is not None:
            bt, bl = rec.budget
            put("funds_unallocated_cny", bl[np.searchsorted(bt, grid, side="right") - 1])
        complete, accepted, days = site_times(rec, n)
        put("site_days", days)
        put("finish_days", latest(complete))
        put("acceptance_finish_days", latest(accepted))
        put("events", rec.events)
        put("site_area_ha", rec.area_ha)
        put("site_rank", rec.rank)
        put("site_complete_days", complete)
        put("site_accepted_days", accepted)
    data = {
        name: xr.Variable(VARIABLES[name].dims, np.stack(values), VARIABLES[name].attrs())
        for name, values in per.items()
    }
    dates = report_days(scenario)
    fr = completion_at(records, [scenario.day(d) for d in dates])
    for name, values in fr.items():
        data[name] = xr.Variable(VARIABLES[name].dims, values, VARIABLES[name].attrs())
    start = np.datetime64(scenario.programme.start, "D")
    coords = {
        "replication": np.arange(len(records)),
        "time": (start + grid.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "stage": list(STAGES),
        "resource": list(RESOURCES),
        "site": list(sites.ids),
        "report_date": np.array([np.datetime64(d, "ns") for d in dates]),
    }
    ds = xr.Dataset(data, coords=coords)
    ds["time"].attrs["long_name"] = "date"
    ds["report_date"].attrs["long_name"] = "report date"
    ds.attrs.update(
        {
            "title": f"restoresim programme: {scenario.programme.name}",
            "scenario_id": scenario.programme.id,
            "start": scenario.programme.start.isoformat(),
            "deadline": scenario.programme.deadline.isoformat(),
            "seed": int(seed),
            "replications": len(records),
            "version": __version__,
            "scenario": json.dumps(scenario.to_dict(), sort_keys=True),
            "complete_means": "works finished (stage county_acceptance or later)",
            "accepted_means": "city acceptance and spot check passed (aftercare or closed)",
            "Conventions": "CF-1.10",
            "source": f"restoresim {__version__}",
        }
    )
    return ds


def simulate(
    scenario: Scenario,
    *,
    replications: int = 100,
    seed: int = 0,
    progress: bool = False,
    sites: SiteTable | None = None,
    tranche_shift_days: float = 0.0,
) -> Run:
    """Run the scenario's programme ``replications`` times and collect the Dataset."""
    sites = sites if sites is not None else site_table(scenario, seed=seed)
    cfg = build_config(scenario, sites, tranche_shift_days=tranche_shift_days)
    t0 = time.perf_counter()
    records = run_replications(cfg, sites, replications=replications, seed=seed, progress=progress)
    seconds = time.perf_counter() - t0
    ds = to_dataset(scenario, sites, records, seed=seed)
    return Run(ds, sites, seconds, int(sum(r.events for r in records)), records)
