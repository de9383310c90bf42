"""The programme scenario file: a validated pydantic model with the proposal file's messages.

A scenario is a TOML (or JSON) file with the tables below; every quantity carries its unit in its
name. Validation reuses the helpers of :mod:`sim.proposal`, so a bad value is reported as::

    hunan.toml: [works] crews = 0: must be a whole number >= 1 or 'unlimited'

Times are calendar dates; inside the model they become days since ``[programme] start``.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, StrictInt, field_validator, model_validator

from sim.errors import InputError
from sim.proposal import (
    ID_PATTERN,
    _Document,
    _fmt,
    _missing_files,
    _Model,
    _q,
    _share,
    _validate,
    _Whole,
    read_document,
)

__all__ = [
    "UNLIMITED",
    "Scenario",
    "load_scenario",
    "parse_scenario",
]

UNLIMITED = "unlimited"
MAX_SITES = 100_000
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def _date(value: Any) -> Any:
    """Accept a TOML date or an ISO ``YYYY-MM-DD`` string (JSON); refuse anything else."""
    if isinstance(value, datetime.datetime):
        raise ValueError("expected a date such as 2020-10-10, got a date-time")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("expected a date such as 2020-10-10 (TOML date or ISO string)")


Date = Annotated[datetime.date, BeforeValidator(_date)]


def _capacity(value: Any) -> Any:
    if value == UNLIMITED:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SITES:
        raise ValueError(f"must be a whole number in [1, {MAX_SITES}] or '{UNLIMITED}'")
    return value


Capacity = Annotated[int | Literal["unlimited"], BeforeValidator(_capacity)]


def _days(text: str, default: Any = ..., *, gt: float | None = None, ge: float | None = 0.0) -> Any:
    return _q(text, "d", default, plausible=True, gt=gt, ge=None if gt is not None else ge, le=3650)


def _cv(text: str, default: Any = 0.0) -> Any:
    return _q(f"Coefficient of variation of {text} (lognormal; 0: fixed)", "", default, ge=0, le=3)


class ProgrammeSection(_Model):
    """[programme]: name and calendar."""

    id: str = Field(description="Scenario id (letters, digits, '.', '_', '-').", pattern=ID_PATTERN)
    name: str = Field(description="Human-readable name.", min_length=1)
    start: Date = Field(description="Day 0: the programme notice [date].")
    deadline: Date = Field(description="The programme's completion deadline [date].")
    horizon_end: Date | None = Field(
        None, description="Last simulated day [date]; default three years after the deadline."
    )
    time_step_days: StrictInt = _q("Spacing of the output time axis", "d", 7, ge=1, le=92)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.deadline <= self.start:
            raise _Whole(f"deadline = {self.deadline}: must come after start = {self.start}")
        if self.horizon_end is not None and self.horizon_end < self.deadline:
            raise _Whole(
                f"horizon_end = {self.horizon_end}: must not come before deadline = {self.deadline}"
            )
        return self

    @property
    def horizon(self) -> datetime.date:
        """Last simulated day (``horizon_end`` or three years after the deadline)."""
        if self.horizon_end is not None:
            return self.horizon_end
        return self.deadline + datetime.timedelta(days=3 * 365)


class PortfolioEntry(_Model):
    """[[sites.portfolio]]: an approved proposal and the year its mining right was granted."""

    proposal: str = Field(description="Path of the proposal file, relative to the scenario.")
    approval_year: StrictInt = _q(
        "Year the right is granted (engine year 0)", "yr", ge=1900, le=2200
    )


class Sites(_Model):
    """[sites]: where the sites come from (generated, an inventory CSV, or a portfolio)."""

    source: Literal["generated", "inventory", "portfolio"] = Field(
        description="'generated': count sites with lognormal areas scaled to total_area_ha; "
        "'inventory': a CSV with columns id, area_ha and optional priority, release_date; "
        "'portfolio': restoration work of approved proposals, from the engine."
    )
    count: StrictInt | None = _q("Number of sites (generated)", "", None, ge=1, le=MAX_SITES)
    total_area_ha: float | None = _q(
        "Total area of the sites (generated)", "ha", None, plausible=True, gt=0, le=1e7
    )
    area_log_sd: float = _q(
        "Shape (log-space sd) of the lognormal site areas (generated)", "", 0.8, ge=0, le=3
    )
    inventory: str | None = Field(None, description="CSV inventory, relative to the scenario.")
    portfolio: list[PortfolioEntry] | None = Field(None, description="Approved proposals.")
    portfolio_draws: StrictInt = _q(
        "Engine draws per proposal (portfolio)", "", 200, ge=1, le=100000
    )

    @model_validator(mode="after")
    def _source_fields(self) -> Self:
        need = {
            "generated": ("count", "total_area_ha"),
            "inventory": ("inventory",),
            "portfolio": ("portfolio",),
        }[self.source]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise _Whole(f"source = '{self.source}' needs {', '.join(missing)} (missing)")
        if self.source == "portfolio" and not self.portfolio:
            raise _Whole("source = 'portfolio' needs at least one [[sites.portfolio]] entry")
        return self


class Priority(_Model):
    """[priority]: the order in which sites are surveyed, funded, tendered and worked.

    score = size_weight · ln(area / mean area) + noise_sd · N(0, 1) (+ an inventory's own
    ``priority`` column). Higher scores go first: large, visible and clustered sites lead,
    scattered small sites follow — why completion by area runs ahead of completion by count.
    """

    size_weight: float = _q(
        "Weight of the site's log-area in its priority score", "", 1.0, ge=0, le=10
    )
    noise_sd: float = _q(
        "Spread of everything else (visibility, clustering, county readiness) in the score",
        "",
        ge=0,
        le=10,
    )


class Monitoring(_Model):
    """[monitoring]: the supervision statuses of approved mines (``restoresim monitor``).

    Sites whose mine is ``behind`` (or on ``watch``) are surveyed, funded, tendered and worked
    first: their status adds to the priority score. A site matches a mine by its id, or, for
    portfolio work packages (``ID/yN``), by the proposal id before the slash.
    """

    file: str = Field(description="monitor.json written by `restoresim monitor --out`.")
    behind_priority: float = _q(
        "Added to the priority score of the sites of mines that are behind", "", 5.0, ge=0, le=100
    )
    watch_priority: float = _q(
        "Added to the priority score of the sites of mines on watch", "", 2.0, ge=0, le=100
    )


class SurveyDesign(_Model):
    """[survey_design]: survey and design of each site by design teams (a Resource)."""

    teams: Capacity = Field(description="Design teams working at once (or 'unlimited').")
    days_mean: float = _days("Mean team-days to survey and design one site")
    days_cv: float = _cv("the design time")


class Tranche(_Model):
    """[[funding.tranches]]: a release of funds."""

    date: Date = Field(description="Date the tranche is released [date].")
    share: float = _q("Share of the budget released", "", gt=0, le=1)


class Funding(_Model):
    """[funding] (optional; absent: funds never hold a site up)."""

    budget_cny: float = _q("Programme budget", "CNY", plausible=True, gt=0, le=1e13)
    cost_per_ha_cny: float | None = _q(
        "Cost per hectare; default budget / total area",
        "CNY/ha",
        None,
        plausible=True,
        gt=0,
        le=1e8,
    )
    tranches: list[Tranche] = Field(min_length=1, description="Releases of the budget.")

    @model_validator(mode="after")
    def _shares(self) -> Self:
        total = sum(t.share for t in self.tranches)
        if total > 1 + 1e-9:
            raise _Whole(f"tranches: the shares sum to {total:.6g}; they must not exceed 1")
        return self


class Tender(_Model):
    """[tender]: public tender of the works contract."""

    days_mean: float = _days("Mean days from funding to a signed contract")
    days_cv: float = _cv("the tender time")


class Works(_Model):
    """[works]: restoration works by crews (a Resource); duration grows with area."""

    crews: Capacity = Field(description="Works crews at once (or 'unlimited').")
    base_days: float = _days("Working days of a site regardless of its size")
    days_per_ha: float = _q("Working days per hectare", "d/ha", ge=0, le=365)
    days_cv: float = _cv("the works time")
    rework_fraction: float = _q(
        "Rework after a failed spot check, as a share of the original works", "", 0.3, gt=0, le=1
    )
    rainy_season_start: str = Field("04-01", description="First day of the rainy season (MM-DD).")
    rainy_season_end: str = Field("06-30", description="Last day of the rainy season (MM-DD).")
    rainy_productivity: float = _q(
        "Work done per calendar day in the rainy season, relative to the dry season",
        "",
        1.0,
        gt=0,
        le=1,
    )

    @field_validator("rainy_season_start", "rainy_season_end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        m = _MONTH_DAY.match(value)
        ok = m is not None
        if ok:
            try:
                datetime.date(2001, int(m.group(1)), int(m.group(2)))
            except ValueError:
                ok = False
        if not ok:
            raise ValueError("expected a month and day 'MM-DD' such as '04-01'")
        return value


class CountyAcceptance(_Model):
    """[county_acceptance]: the county's self-check and initial acceptance."""

    days_mean: float = _days("Mean days of the county acceptance")
    days_cv: float = _cv("the county acceptance time")


class CityAcceptance(_Model):
    """[city_acceptance]: expert acceptance by inspector teams (a Resource), in batches."""

    inspectors: Capacity = Field(description="Expert inspection teams at once (or 'unlimited').")
    batch_interval_days: float = _days("Days between batch reports (a batch is formed)", gt=0)
    batch_max_sites: StrictInt = _q("Largest batch one team inspects", "", ge=1, le=MAX_SITES)
    setup_days: float = _days("Team-days per batch (travel, meeting, report)")
    days_per_site: float = _days("Team-days per site in a batch")


class SpotCheck(_Model):
    """[spot_check]: the province's spot check of a sampled share of each reported batch."""

    share: float = _share("Share of a batch's sites that the province samples")
    failure_rate: float = _share("Chance that a sampled site fails and goes back to works")
    recheck_share: float = _share("Share of reworked sites that are sampled again", 1.0)
    report_days: float = _days("Days from city acceptance to the batch's report to the province")
    check_days: float = _days("Days the province takes to spot-check the sampled sites")


class Aftercare(_Model):
    """[aftercare]: maintenance after acceptance, until the site is closed."""

    days: float = _q("Aftercare period", "d", 365.0, ge=0, le=36500)


class Report(_Model):
    """[report]: dates at which completion is reported."""

    dates: list[Date] = Field(default_factory=list, description="Report dates [date].")


class Sweep(_Model):
    """[sweep]: what-if levers, varied one at a time around the scenario."""

    crews: list[Capacity] = Field(default_factory=list, description="Crew numbers to try.")
    inspectors: list[Capacity] = Field(default_factory=list, description="Inspector teams to try.")
    tranche_shift_days: list[StrictInt] = Field(
        default_factory=list, description="Shifts of every tranche date [d] (negative: earlier)."
    )
    replications: StrictInt = _q("Replications per case", "", 50, ge=1, le=10000)


class Target(_Model):
    """[[calibration.targets]]: a reported completion."""

    date: Date = Field(description="Report date [date].")
    completion_by_area: float = _share("Reported completion by area")
    completion_by_count: float = _share("Reported completion by count")
    tolerance: float = _q("Accepted distance of the simulated median", "", 0.03, gt=0, le=1)


class Bound(_Model):
    """[calibration.search.<param>]: the search range of one calibrated parameter."""

    low: float = Field(description="Smallest value searched.")
    high: float = Field(description="Largest value searched.")
    prior: float = Field(description="Central engineering estimate (the penalty's centre).")
    prior_sd: float = _q("Spread of the prior (penalty scale)", "", gt=0, le=1e6)
    grid: list[float] | None = Field(None, description="Values searched (integers): a grid.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.prior <= self.high:
            raise _Whole(
                f"prior = {_fmt(self.prior)}: must lie in [low, high] = "
                f"[{_fmt(self.low)}, {_fmt(self.high)}]"
            )
        return self


class Calibration(_Model):
    """[calibration]: targets, search ranges and the result of the last calibration."""

    targets: list[Target] = Field(min_length=1, description="Reported completions.")
    seed: StrictInt = _q("Seed of the calibration runs", "", 2019, ge=0, le=2**63 - 1)
    replications: StrictInt = _q("Replications per evaluation", "", 24, ge=1, le=10000)
    search: dict[str, Bound] = Field(description="Calibrated parameters by dotted path.")
    result_objective: float | None = Field(None, description="Objective at the result.")
    result_area_p50: float | None = Field(None, description="Median completion by area.")
    result_count_p50: float | None = Field(None, description="Median completion by count.")


class Scenario(_Document):
    """A regional restoration programme scenario (one scenario file)."""

    programme: ProgrammeSection = Field(description="Name and calendar.")
    sites: Sites = Field(description="The sites.")
    priority: Priority = Field(description="Priority of sites.")
    monitoring: Monitoring | None = Field(
        None, description="Supervision statuses that move mines behind to the front."
    )
    survey_design: SurveyDesign = Field(description="Survey and design.")
    funding: Funding | None = Field(None, description="Budget and tranches.")
    tender: Tender = Field(description="Tender.")
    works: Works = Field(description="Works.")
    county_acceptance: CountyAcceptance = Field(description="County acceptance.")
    city_acceptance: CityAcceptance = Field(description="City expert acceptance.")
    spot_check: SpotCheck = Field(description="Provincial spot check.")
    aftercare: Aftercare = Field(default_factory=Aftercare, description="Aftercare.")
    report: Report = Field(default_factory=Report, description="Report dates.")
    sweep: Sweep | None = Field(None, description="What-if levers.")
    calibration: Calibration | None = Field(None, description="Calibration targets and result.")

    @model_validator(mode="after")
    def _dates_in_window(self) -> Self:
        start, end = self.programme.start, self.programme.horizon
        for d in self.report.dates:
            if not start <= d <= end:
                raise _Whole(
                    f"[report] dates: {d} lies outside the simulated window {start} to {end}"
                )
        return self

    def day(self, date: datetime.date) -> float:
        """Days from ``[programme] start`` to ``date`` [d]."""
        return float((date - self.programme.start).days)

    def date(self, day: float) -> datetime.date:
        """The calendar date of day ``day`` since the start (rounded down)."""
        return self.programme.start + datetime.timedelta(days=int(day // 1))


def parse_scenario(
    data: Any, source: str = "<data>", *, path: str | Path | None = None
) -> Scenario:
    """Validate a scenario given as a dict; ``source`` names it in messages."""
    return _validate(Scenario, data, source, path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file (``.toml`` or ``.json``); files it names must exist."""
    shown = str(path)
    scenario = parse_scenario(read_document(path), shown, path=path)
    named: list[tuple[str, str]] = []
    if scenario.sites.source == "inventory" and scenario.sites.inventory:
        named.append(("[sites] inventory", scenario.sites.inventory))
    if scenario.sites.source == "portfolio":
        named += [
            (f"[[sites.portfolio]] #{i + 1} proposal", e.proposal)
            for i, e in enumerate(scenario.sites.portfolio or [])
        ]
    problems = _missing_files(scenario, shown, named)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return scenario
