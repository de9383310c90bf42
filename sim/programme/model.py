"""The discrete-event model of one replication of a regional restoration programme (SimPy).

Each site is a SimPy process (a generator) that walks the stages of :data:`STAGES`::

    pending → design_queue → survey_design → funding_wait → tender → works_queue → works
      → county_acceptance → batch_wait → inspector_queue → city_acceptance → spot_check
      → aftercare → closed          (a failed spot check goes back to works_queue)

Shared capacity is owned by small classes: :class:`Pool` (design teams, crews, inspectors: a
``simpy.PriorityResource`` that logs units in use and queue length at every change) and
:class:`Budget` (funds released in tranches, committed to waiting sites in priority order).
City acceptance runs in batches (model.md §7: "complete a batch, accept a batch, report a batch,
spot-check a batch"): every ``batch_interval_days`` the sites that passed county acceptance form
batches of at most ``batch_max_sites``; an inspector team takes a batch, the batch is reported
to the province, which spot-checks a sampled share.

**Why completion by area runs ahead of completion by count** (model.md §7, Hunan 2020-10-10:
89.31 % by area, 85.9 % by count). Design teams, funds and crews serve waiting sites in the
order of a priority score ``size_weight · ln(area / mean area) + noise_sd · z`` (``z`` standard
normal: visibility from the river, clustering into blocks, county readiness). Large, visible and
clustered sites are surveyed, funded, tendered and worked first; scattered small sites come
later, so the sites still unfinished near the deadline are the smaller ones. A first-come queue
with durations growing with area gives the opposite order.

All randomness is drawn up front per replication from the ``numpy.random.Generator`` passed in
(:func:`draw_sites`), in a fixed order and shape, so the same seed gives the same site areas,
priorities and durations whatever the crews, inspectors or budget (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.programme.resources import Budget, CountingEnvironment, Pool, WorkCalendar

STAGES: tuple[str, ...] = (
    "pending",
    "design_queue",
    "survey_design",
    "funding_wait",
    "tender",
    "works_queue",
    "works",
    "county_acceptance",
    "batch_wait",
    "inspector_queue",
    "city_acceptance",
    "spot_check",
    "aftercare",
    "closed",
)
S = {name: i for i, name in enumerate(STAGES)}
COMPLETE_FROM = S["county_acceptance"]
"""Stages from here on have their restoration works finished ("complete", as reported)."""
ACCEPTED_FROM = S["aftercare"]
"""Stages from here on have passed city acceptance and the provincial spot check."""

#: waiting stages -> (the stage they wait for, the capacity that limits it)
QUEUES: dict[str, tuple[str, str]] = {
    "design_queue": ("survey_design", "design_teams"),
    "funding_wait": ("funding", "budget"),
    "works_queue": ("works", "crews"),
    "inspector_queue": ("city_acceptance", "inspectors"),
}
RESOURCES: tuple[str, ...] = ("design_teams", "crews", "inspectors")
SPOT_ROUNDS = 6
"""Spot-check rounds drawn up front per site; later rounds draw from the generator."""


def lognormal_factor(z: np.ndarray, cv: float) -> np.ndarray:
    """Mean-one lognormal multipliers with coefficient of variation ``cv`` from normals ``z``."""
    if cv == 0:
        return np.ones_like(z)
    sigma = math.sqrt(math.log1p(cv * cv))
    return np.exp(sigma * z - 0.5 * sigma * sigma)


@dataclass(frozen=True)
class Config:
    """The numbers of one programme run (plain data: sweeps and calibration copy and modify).

    Durations are in days [d], money in CNY, areas in hectares [ha]; capacities are unit
    counts (an unlimited capacity is stored as the number of sites, which never queues).
    """

    design_teams: int
    design_days: float
    design_cv: float
    tender_days: float
    tender_cv: float
    crews: int
    works_base_days: float
    works_days_per_ha: float
    works_cv: float
    rework_fraction: float
    county_days: float
    county_cv: float
    inspectors: int
    batch_interval_days: float
    batch_max_sites: int
    batch_setup_days: float
    inspect_days_per_site: float
    spot_share: float
    recheck_share: float
    failure_rate: float
    report_days: float
    check_days: float
    aftercare_days: float
    size_weight: float
    noise_sd: float
    horizon_days: float
    calendar: WorkCalendar
    #: (day, amount [CNY]) of each tranche, or () for unconstrained funds
    tranches: tuple[tuple[float, float], ...] = ()
    cost_per_ha_cny: float = 0.0


@dataclass(frozen=True)
class SiteTable:
    """The sites: fixed areas (inventory, portfolio) or a count and total to draw from."""

    ids: tuple[str, ...]
    area_ha: np.ndarray | None
    total_area_ha: float
    area_log_sd: float = 0.8
    priority: np.ndarray | None = None
    release_day: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class SiteDraws:
    """Everything random about one replication's sites, drawn before the simulation."""

    area_ha: np.ndarray
    rank: np.ndarray  # 0 = highest priority
    release_day: np.ndarray
    design_days: np.ndarray
    tender_days: np.ndarray
    works_days: np.ndarray  # effective (dry-season) working days
    county_days: np.ndarray
    spot_u: np.ndarray  # (site, round) uniforms: sampled in a spot check?
    fail_u: np.ndarray  # (site, round) uniforms: failed when sampled?


def draw_sites(sites: SiteTable, cfg: Config, rng: np.random.Generator) -> SiteDraws:
    """Draw one replication's site areas, priorities and durations (fixed order and shapes)."""
    n = sites.n
    z_area = rng.standard_normal(n)
    z_prio = rng.standard_normal(n)
    z = rng.standard_normal((4, n))
    spot_u = rng.random((n, SPOT_ROUNDS))
    fail_u = rng.random((n, SPOT_ROUNDS))
    if sites.area_ha is None:
        raw = np.exp(sites.area_log_sd * z_area)
        area = raw * (sites.total_area_ha / raw.sum())
    else:
        area = np.asarray(sites.area_ha, dtype=float)
    mean = area.mean()
    score = cfg.size_weight * np.log(area / mean) + cfg.noise_sd * z_prio
    if sites.priority is not None:
        score = score + sites.priority
    order = np.argsort(-score, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    release = np.zeros(n) if sites.release_day is None else np.asarray(sites.release_day, float)
    works = (cfg.works_base_days + cfg.works_days_per_ha * area) * lognormal_factor(
        z[2], cfg.works_cv
    )
    return SiteDraws(
        area_ha=area,
        rank=rank,
        release_day=release,
        design_days=cfg.design_days * lognormal_factor(z[0], cfg.design_cv),
        tender_days=cfg.tender_days * lognormal_factor(z[1], cfg.tender_cv),
        works_days=works,
        county_days=cfg.county_days * lognormal_factor(z[3], cfg.county_cv),
        spot_u=spot_u,
        fail_u=fail_u,
    )


@dataclass
class Records:
    """What one replication recorded: every stage transition and every resource change."""

    area_ha: np.ndarray
    rank: np.ndarray
    t: np.ndarray  # transition times [d]
    site: np.ndarray  # site index of each transition
    stage: np.ndarray  # new stage of each transition
    prev: np.ndarray  # previous stage of each transition
    pools: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]]  # t, busy, queue, capacity
    budget: tuple[np.ndarray, np.ndarray] | None
    events: int
    end_day: float
    extra: dict[str, float] = field(default_factory=dict)


class Programme:
    """One replication: the environment, the shared capacity and one process per site."""

    def __init__(self, cfg: Config, draws: SiteDraws, rng: np.random.Generator) -> None:
        self.cfg, self.d, self.rng = cfg, draws, rng
        n = len(draws.area_ha)
        self.env = env = CountingEnvironment()
        self.designers = Pool(env, "design_teams", cfg.design_teams)
        self.crews = Pool(env, "crews", cfg.crews)
        self.inspectors = Pool(env, "inspectors", cfg.inspectors)
        self.budget = Budget(env, cfg.tranches) if cfg.tranches else None
        self.cost_cny = np.floor(draws.area_ha * cfg.cost_per_ha_cny)  # whole CNY: fits budget
        self.cur = [S["pending"]] * n
        self.checks = [0] * n
        self._t: list[float] = []
        self._site: list[int] = []
        self._stage: list[int] = []
        self._prev: list[int] = []
        self.awaiting: list[tuple[int, simpy.Event]] = []
        self.unaccepted = n
        for i in range(n):
            env.process(self.site(i))
        env.process(self.batcher())

    def mark(self, i: int, stage: int) -> None:
        """Record that site ``i`` enters ``stage`` now."""
        self._t.append(self.env.now)
        self._site.append(i)
        self._stage.append(stage)
        self._prev.append(self.cur[i])
        self.cur[i] = stage

    def site(self, i: int):
        """The life of site ``i`` from release to closure (a SimPy process)."""
        env, d, cfg, mark = self.env, self.d, self.cfg, self.mark
        rank = int(d.rank[i])
        if d.release_day[i] > 0:
            yield env.timeout(float(d.release_day[i]))
        mark(i, 1)  # design_queue
        req = self.designers.request(rank)
        yield req
        self.designers.granted()
        mark(i, 2)  # survey_design
        yield env.timeout(float(d.design_days[i]))
        self.designers.release(req)
        if self.budget is not None:
            mark(i, 3)  # funding_wait
            yield self.budget.request(rank, float(self.cost_cny[i]))
        mark(i, 4)  # tender
        yield env.timeout(float(d.tender_days[i]))
        work, priority = float(d.works_days[i]), rank
        while True:
            mark(i, 5)  # works_queue
            req = self.crews.request(priority)
            yield req
            self.crews.granted()
            mark(i, 6)  # works
            yield env.timeout(cfg.calendar.finish(env.now, work) - env.now)
            self.crews.release(req)
            mark(i, 7)  # county_acceptance
            yield env.timeout(float(d.county_days[i]))
            mark(i, 8)  # batch_wait
            verdict = env.event()
            self.awaiting.append((i, verdict))
            passed = yield verdict
            if passed:
                break
            work, priority = float(d.works_days[i]) * cfg.rework_fraction, -1  # rework first
        self.unaccepted -= 1
        mark(i, 12)  # aftercare
        yield env.timeout(cfg.aftercare_days)
        mark(i, 13)  # closed

    def batcher(self):
        """Every batch interval, the sites awaiting city acceptance are reported in batches:
        reworked sites first (re-inspection of rectified sites), then by priority."""
        env, cfg = self.env, self.cfg
        while self.unaccepted > 0 and env.now < cfg.horizon_days:
            yield env.timeout(cfg.batch_interval_days)
            waiting, self.awaiting = self.awaiting, []
            waiting.sort(key=lambda item: (self.checks[item[0]] == 0, self.d.rank[item[0]]))
            for k in range(0, len(waiting), cfg.batch_max_sites):
                env.process(self.batch(waiting[k : k + cfg.batch_max_sites]))

    def _fails(self, i: int) -> bool:
        k = self.checks[i]
        self.checks[i] += 1
        share = self.cfg.spot_share if k == 0 else self.cfg.recheck_share
        if k < SPOT_ROUNDS:
            u_spot, u_fail = self.d.spot_u[i, k], self.d.fail_u[i, k]
        else:
            u_spot, u_fail = self.rng.random(2)
        return bool(u_spot < share and u_fail < self.cfg.failure_rate)

    def batch(self, sites: list[tuple[int, simpy.Event]]):
        """Accept a batch (an inspector team), report it, spot-check a sampled share."""
        env, cfg, mark = self.env, self.cfg, self.mark
        for i, _ in sites:
            mark(i, 9)  # inspector_queue
        req = self.inspectors.request(0 if self.checks[sites[0][0]] else 1)  # re-checks first
        yield req
        self.inspectors.granted()
        for i, _ in sites:
            mark(i, 10)  # city_acceptance
        yield env.timeout(cfg.batch_setup_days + cfg.inspect_days_per_site * len(sites))
        self.inspectors.release(req)
        for i, _ in sites:
            mark(i, 11)  # spot_check (reported to the province)
        yield env.timeout(cfg.report_days + cfg.check_days)
        for i, verdict in sites:
            verdict.succeed(not self._fails(i))

    def run(self) -> Records:
        """Run to the horizon (or until nothing is left to happen) and return the records."""
        self.env.run(until=self.cfg.horizon_days)
        pools = {
            p.name: (
                np.asarray(p.log_t),
                np.asarray(p.log_busy, dtype=float),
                np.asarray(p.log_queue, dtype=float),
                p.capacity,
            )
            for p in (self.designers, self.crews, self.inspectors)
        }
        budget = (
            (np.asarray(self.budget.log_t), np.asarray(self.budget.log_level))
            if self.budget is not None
            else None
        )
        return Records(
            area_ha=self.d.area_ha,
            rank=self.d.rank,
            t=np.asarray(self._t, dtype=float),
            site=np.asarray(self._site, dtype=np.int64),
            stage=np.asarray(self._stage, dtype=np.int64),
            prev=np.asarray(self._prev, dtype=np.int64),
            pools=pools,
            budget=budget,
            events=self.env.events_processed,
            end_day=float(self.cfg.horizon_days),
        )


def replicate(cfg: Config, sites: SiteTable, rng: np.random.Generator) -> Records:
    """One replication: draw the sites from ``rng``, simulate, return the records."""
    return Programme(cfg, draw_sites(sites, cfg, rng), rng).run()
