"""Policy criteria -> verdict, margins and the conditions that would make a proposal pass.

Criteria and defaults follow model.md §6; thresholds and hardness come from the policy. The
verdict is computed from the engine's per-proposal summaries, never from raw draws. Conditions
for soft failures are stated in the restoration fund's terms (its accrual, a first deposit before
works begin; a bond only where the policy takes one) and use common random numbers (the same
seed and therefore the same draws): a monotone search over each money lever's whole range on a
cheap re-run of the fund, a closed form for the bond, and a bracketed bisection on the engine
for ``progressive_fraction``, which changes the physics. For hard failures that a plan change may
fix (gentler final walls, substrate amendment, imported topsoil) the engine is re-run and the
cheapest passing change and its cost are reported as *remedies* (a wall's slope by a scan of
every degree); the verdict stays ``reject``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from sim import engine, spatial
from sim.model import schedule
from sim.model.finance import fund_balances_cny
from sim.params import Library, load_library
from sim.proposal import is_hillside_pit
from sim.spatial.result import criterion

CRITERIA = (
    "licensed_area",
    "protected_overlap",
    "protected_distance",
    "boundary_area",
    "highwall_slope",
    "success_probability",
    "cost_to_revenue",
    "assurance",
    "unfunded_liability",
)


def _q(summary: xr.Dataset, var: str, q: float) -> float:
    return float(summary[var].sel(quantile=q))


def _money(x: float) -> str:
    return f"{x / 1e6:,.2f} M CNY"


def design_pit_check(proposal: Any, tolerance: float = 0.0) -> dict[str, Any]:
    """The stated reserves against the designed pit (model/SPEC.md §3a) of a proposal with the
    design geometry: ``volume_needed_m3`` (ore plus waste at the stripping ratio),
    ``pit_volume_m3`` (the plan's stated 境界内矿岩总量 ``[site] pit_volume_m3`` when given, else
    the pit the extent, depth and final slope describe; ``volume_stated`` says which),
    ``volume_allowed_m3`` (that volume × (1 + ``tolerance``)), ``area_needed_ha`` and
    ``area_allowed_ha`` (the extents a pit of the design's depth and slope needs to hold the
    needed and the allowed volume, on the basis of the held one, so that ``area_needed_ha <=
    area_allowed_ha`` exactly when ``volume_needed_m3 <= volume_allowed_m3``), ``pit_area_ha``,
    ``depth_m``, ``tolerance`` and ``hillside`` (the kind of pit)."""
    site, ex = proposal.site, proposal.extraction
    depth = site.pit_top_elevation_m - site.pit_bottom_elevation_m
    slope = site.mean_slope_deg
    hillside = is_hillside_pit(
        site.pit_type, slope, load_library()["schedule.hillside_min_slope_deg"]
    )
    beta = float(slope) if hillside and slope is not None else 0.0
    volume, _, _, _ = schedule.design_pit(
        site.pit_area_ha,
        depth,
        site.final_highwall_slope_deg,
        beta,
        site.bench_height_m or 0.0,
        site.bench_width_m or 0.0,
    )
    needed = ex.reserves_mt * (1.0 + ex.stripping_ratio) * 1e6 / ex.rock_density_t_per_m3
    stated = site.pit_volume_m3
    held = float(stated) if stated is not None else float(volume)
    to_shape = volume / held  # the plan's volumes in the idealised shape's terms

    def extent_ha(v: float) -> float:
        return float(
            schedule.design_area_for_volume_ha(
                v * to_shape, depth, site.final_highwall_slope_deg, beta
            )
        )

    return {
        "volume_needed_m3": float(needed),
        "pit_volume_m3": held,
        "volume_stated": stated is not None,
        "volume_allowed_m3": held * (1.0 + tolerance),
        "tolerance": float(tolerance),
        "area_needed_ha": extent_ha(needed),
        "area_allowed_ha": extent_ha(held * (1.0 + tolerance)),
        "pit_area_ha": float(site.pit_area_ha),
        "depth_m": float(depth),
        "hillside": bool(hillside),
    }


#: how far a boundary polygon's area may differ from ``licensed_area_ha`` and still confirm it
#: [E]: plans and licences state areas to four figures (0.1192 km², 11.92 ha, 24.80 ha), a
#: rounding of up to 0.05 %; 0.1 % allows for the pit's figure rounded too
AREA_ROUNDING = 1e-3


def licence_area_ha(stated_ha: float, polygon_ha: float | None) -> float:
    """The licence a pit is judged against [ha]: the boundary polygon's area when there is one
    (the polygon is the truth), but the stated ``licensed_area_ha`` when the polygon agrees with
    it to :data:`AREA_ROUNDING` (a stated area is rounded, a pit designed to fill it too)."""
    if polygon_ha is None or abs(polygon_ha - stated_ha) <= AREA_ROUNDING * stated_ha:
        return stated_ha
    return polygon_ha


def _design_licence(
    proposal: Any, pit90: float, licensed: float, against: str, c: Any
) -> dict[str, Any]:
    """``licensed_area`` on the design path: the designed extent lies inside the licence, and
    the stated ore and waste fit the designed pit. The binding one of the two comparisons
    (the smaller margin, in ha) is the criterion's value and threshold: the footprint against
    the licence, or the extent the reserves need against the designed extent."""
    d = design_pit_check(proposal, c.volume_tolerance)
    d["licence_ha"] = float(licensed)
    area, need, allowed = d["pit_area_ha"], d["area_needed_ha"], d["area_allowed_ha"]
    kind = "hillside cut" if d["hillside"] else "closed pit"
    fits = d["volume_needed_m3"] <= d["volume_allowed_m3"]
    holds = "holds (as the plan states)" if d["volume_stated"] else "holds at its final slopes"
    text = (
        f"Designed pit: {area:.2f} ha ({kind}, {d['depth_m']:.0f} m deep) against {against}; it "
        f"{holds} {d['pit_volume_m3'] / 1e6:,.2f} Mm³, and the stated reserves with their waste "
        f"are {d['volume_needed_m3'] / 1e6:,.2f} Mm³ "
        f"({d['volume_needed_m3'] / d['pit_volume_m3']:.0%} of it; the policy allows "
        f"{1.0 + d['tolerance']:.0%})"
    )
    text += (
        "."
        if fits
        else f": they do not fit; a pit of this depth and slope would need {need:.2f} ha."
    )
    d["binding"] = "licence" if licensed - pit90 <= allowed - need else "pit"
    value, threshold = (pit90, licensed) if d["binding"] == "licence" else (need, allowed)
    if d["binding"] == "pit":  # the row's numbers are not the licence's: say which they are
        text += (
            f" The binding comparison: the extent the stated reserves need, {need:.2f} ha, "
            f"against the designed extent with the policy's allowance, {allowed:.2f} ha."
        )
    return criterion("licensed_area", value, threshold, c.direction, c.hard, text, d)


def assess(
    proposal: Any, policy: Any, s: xr.Dataset, screening: spatial.Screening | None = None
) -> list[dict[str, Any]]:
    """Every criterion of the policy for one proposal's summary ``s`` (dims: quantile).

    ``screening`` (:func:`sim.spatial.screen`) gives the spatial criteria and the boundary
    polygon's area, which replaces ``licensed_area_ha`` in ``licensed_area``; without it the
    spatial criteria are not assessed.
    """
    crit = policy.criteria
    out = []

    def add(
        name: str,
        value: float | None,
        threshold: float | None,
        explanation: str,
        details: dict[str, float] | None = None,
    ) -> None:
        c = getattr(crit, name)
        out.append(criterion(name, value, threshold, c.direction, c.hard, explanation, details))

    pit90 = _q(s, "pit_footprint_ha", 0.9)
    enlarged = float(s["pit_enlarged_share"])
    note = (
        f" In {enlarged:.0%} of draws the pit had to be enlarged to hold its final walls and a "
        "40 m working floor."
        if enlarged > 0
        else ""
    )
    polygon_ha = screening.boundary_area_ha if screening is not None else None
    stated = proposal.proposal.licensed_area_ha
    licensed = licence_area_ha(stated, polygon_ha)
    if polygon_ha is not None and licensed == stated:
        # the polygon confirms the stated area to its rounding: a pit designed to fill the
        # licence as stated (0.1192 km², 11.92 ha) is not 0.00025 ha outside a polygon of
        # 11.91975 ha (a 大冶 quarry's corner table was rejected so)
        against = (
            f"a licensed mining area of {licensed:.2f} ha (the mining-right polygon's "
            f"{polygon_ha:.4f} ha agrees with it to its rounding)"
        )
    elif polygon_ha is not None:
        against = (
            f"the mining-right polygon's area of {licensed:.2f} ha (licensed_area_ha states "
            f"{stated:.2f} ha; the polygon is taken as the truth)"
        )
    else:
        against = f"a licensed mining area of {licensed:.2f} ha"
    if proposal.site.has_design:
        out.append(_design_licence(proposal, pit90, licensed, against, crit.licensed_area))
    else:
        add(
            "licensed_area",
            pit90,
            licensed,
            f"P90 pit footprint (floor + walls) is {pit90:.2f} ha against {against}.{note}",
        )
    if screening is None:
        screening = (
            spatial.unscreened(policy, "the spatial screening was not run for this assessment.")
            if proposal.location is not None
            else spatial.unscreened(policy)
        )
    out.extend(screening.criteria)
    slope = proposal.site.final_highwall_slope_deg
    add(
        "highwall_slope",
        slope,
        crit.highwall_slope.threshold,
        f"Final overall wall slope {slope:.1f}° against a limit of "
        f"{crit.highwall_slope.threshold:.1f}°; steeper walls cannot be reliably revegetated.",
    )
    sp = float(s["success_probability"])
    n = int(s["draws"])
    se = math.sqrt(max(sp * (1 - sp), 1.0 / n) / n)
    add(
        "success_probability",
        sp,
        crit.success_probability.threshold,
        f"In {sp:.1%} of {n} draws (± {se:.1%} Monte-Carlo standard error) at least "
        f"{policy.policy.required_success_area_share:.0%} of the restored area meets its land "
        f"use's cover criterion {policy.policy.success_horizon_years_after_closure} years after "
        f"closure; {float(s['rework_area_share']):.0%} of the area is expected to need rework.",
    )
    q_cost = float(crit.cost_to_revenue.quantile)
    pv_q, rev = _q(s, "pv_cost_cny", q_cost), _q(s, "pv_revenue_cny", 0.5)
    ratio = pv_q / rev if rev > 0 else math.inf
    add(
        "cost_to_revenue",
        ratio,
        crit.cost_to_revenue.threshold,
        f"P{q_cost * 100:.0f} present value of restoration cost {_money(pv_q)} is {ratio:.1%} of "
        f"the present value of revenue {_money(rev)}.",
    )
    ap = float(s["assurance_probability"])
    fund50, owed50 = _q(s, "fund_at_closure_cny", 0.5), _q(s, "liability_at_closure_cny", 0.5)
    add(
        "assurance",
        ap,
        crit.assurance.threshold,
        f"In {ap:.1%} of draws the fund balance at the end of extraction (with the bond, if one "
        f"is posted) covers every restoration bill still to come (final works, aftercare, "
        f"rework, price rises; "
        f"median fund {_money(fund50)} against a median {_money(owed50)} still to pay).",
        {"fund_at_closure_p50_cny": fund50, "liability_at_closure_p50_cny": owed50},
    )
    eu = float(s["expected_unfunded_liability_cny"])
    p90 = _q(s, "unfunded_liability_cny", 0.9)
    tail = (
        f"(P90 {_money(p90)})"
        if p90 > 0.0 or eu <= 0.0
        else "on average over all draws (at least 90% of draws leave nothing: the average comes "
        "from the draws in which the operator walks away with the fund short)"
    )
    add(
        "unfunded_liability",
        eu,
        crit.unfunded_liability.threshold,
        f"The operator walks away before restoration ends in {float(s['default_probability']):.1%}"
        f" of draws; the expected cost then left to the public, beyond the fund (and any bond), is "
        f"{_money(eu)} {tail}.",
    )
    return out


# ------------------------------------------------------------------------------------------
# levers


def with_field(proposal: Any, path: str, value: Any) -> Any:
    """A re-validated copy of a proposal with the field at dotted ``path`` set to ``value``."""
    return proposal.with_values({path: value})


class _FundModel:
    """Re-runs only the fund for other deposits, first deposits or bonds, on one proposal's raw
    draws (common random numbers)."""

    def __init__(self, raw: xr.Dataset, resolved: dict[str, Any]):
        r = raw.isel(proposal=0)
        h = int(resolved["horizon_years"])
        self.spend = r["spend_nominal_cny"].values[:, :h]
        self.walk = r["walkaway_liability_cny"].values[:, :h]
        self.basis = (
            r["revenue_cny"] if resolved["fund_basis_revenue"] else r["output_share"]
        ).values[:, :h]
        self.life = r["life_years"].values.astype(int)
        self.need = r["liability_at_closure_cny"].values
        self.year = r["default_year"].values.astype(int)
        self.growth = np.full(self.spend.shape[0], 1.0 + resolved["fund_interest_rate"])
        self.rows = np.arange(self.spend.shape[0])

    def fund(self, deposit_value: float, initial_cny: float) -> np.ndarray:
        """The fund of every draw with yearly deposits at ``deposit_value`` (rate of revenue or
        plan cost by output) and a first deposit ``initial_cny`` in year 0 (the engine's own
        stage, SPEC §7)."""
        out = np.empty(self.spend.shape)
        dep = deposit_value * self.basis
        dep[:, 0] += initial_cny
        fund_balances_cny(np.ascontiguousarray(dep), self.spend, self.growth, out)
        return out

    def gaps(self, deposit_value: float, initial_cny: float) -> tuple[np.ndarray, np.ndarray]:
        """Shortfall at closure and at default (nominal), before any bond."""
        b = self.fund(deposit_value, initial_cny)
        at_close = self.need - b[self.rows, self.life]
        d = self.year > 0
        idx = np.where(d, self.year - 1, 0)
        at_default = np.where(d, self.walk[self.rows, idx] - b[self.rows, idx], -np.inf)
        return at_close, at_default

    @staticmethod
    def assurance(at_close: np.ndarray, bond: float) -> float:
        return float(np.mean(at_close <= bond))

    @staticmethod
    def unfunded(at_default: np.ndarray, bond: float) -> float:
        return float(np.mean(np.maximum(0.0, at_default - bond)))


def _round_up(x: float, step: float) -> float:
    return float(math.ceil(x / step - 1e-9) * step)


def _min_bond_assurance(at_close: np.ndarray, threshold: float) -> float:
    g = np.sort(at_close)
    k = max(1, math.ceil(threshold * len(g) - 1e-9))
    return max(0.0, float(g[k - 1]))


def _min_bond_unfunded(at_default: np.ndarray, threshold: float) -> float:
    f = _FundModel.unfunded
    if f(at_default, 0.0) <= threshold:
        return 0.0
    hi = float(np.max(at_default[np.isfinite(at_default)]))
    lo = 0.0
    for _ in range(200):  # bisection on a convex, decreasing, piecewise-linear function
        mid = 0.5 * (lo + hi)
        if f(at_default, mid) <= threshold:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1.0:
            break
    return hi


def _bisect_increasing(ok: Callable[[float], bool], lo: float, hi: float, tol: float) -> float:
    """Smallest x in (lo, hi] with ok(x), given ok(hi) and not ok(lo) and ok monotone."""
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _smallest_passing(
    ok: Callable[[float], bool], now: float, cap: float, start: float, tol: float
) -> float | None:
    """Smallest x in (now, cap] with ok(x) for ``ok`` increasing in x (more money never fails
    where less passed), or None when even ``cap`` fails. The bracket doubles from ``start`` up to
    ``cap`` (which may be large) so the search covers the lever's whole range."""
    if cap <= now:
        return None
    lo, hi = now, min(cap, max(start, now + tol, 2.0 * now))
    while not ok(hi):
        if hi >= cap:
            return None
        lo, hi = hi, min(cap, 2.0 * hi)
    return _bisect_increasing(ok, lo, hi, tol)


#: the bond and fund searches hold every draw's yearly fund flows: they use at most this many
#: (the first ones, common random numbers), so their memory does not grow with ``draws``
MAX_RAW_DRAWS = 20_000

#: largest first deposit searched when the policy sets no limit: the field's own bound [CNY]
FIRST_DEPOSIT_CAP_CNY = 1e12


def condition_draws(draws: int) -> int:
    """Draws the bond and fund searches of :func:`conditions_for` use for a run of ``draws``."""
    return min(draws, MAX_RAW_DRAWS)


def conditions_for(
    proposal: Any,
    policy: Any,
    failing: list[str],
    *,
    draws: int,
    seed: int,
    lib: Library,
) -> tuple[list[dict[str, Any]], set[str]]:
    """Conditions that fix each failing soft criterion, and the criteria no lever can fix.

    The levers, each at the smallest value that passes (the cheapest change of that lever): the
    fund's accrual (the plan's cost accrued by output, or the rate of revenue), a first deposit
    into the fund before works begin, a bond only where the policy enables one
    (``[conditions] bond``), and progressive restoration. The fund and bond levers are searched
    on the first :func:`condition_draws` draws (their raw yearly flows are held in memory); the
    progressive-restoration search runs the engine on all ``draws``, whose memory is bounded by
    its chunks.
    """
    crit, bounds = policy.criteria, policy.conditions
    res = engine.run([proposal], policy, draws=condition_draws(draws), seed=seed, lib=lib, raw=True)
    resolved = res.prepared[0].resolved
    fm = _FundModel(res.raw, resolved)
    fin = proposal.finance
    revenue_basis = resolved["fund_basis_revenue"]
    dep_field = (
        "finance.fund_rate_of_revenue" if revenue_basis else "finance.plan_restoration_cost_cny"
    )
    dep_now = fin.fund_rate_of_revenue if revenue_basis else fin.plan_restoration_cost_cny
    cost90 = max(_q(res.summary.isel(proposal=0), "cost_cny", 0.9), 1.0)
    dep_max = bounds.max_fund_rate_of_revenue if revenue_basis else 20.0 * cost90
    first_now = fin.fund_initial_deposit_cny
    first_max = (
        bounds.max_fund_initial_deposit_cny
        if bounds.max_fund_initial_deposit_cny is not None
        else FIRST_DEPOSIT_CAP_CNY
    )
    bond_now = fin.bond_cny
    bond_max = bounds.max_bond_cny if bounds.max_bond_cny is not None else math.inf

    def passes(name: str, at_close, at_default, bond) -> bool:
        if name == "assurance":
            return fm.assurance(at_close, bond) >= crit.assurance.threshold
        return fm.unfunded(at_default, bond) <= crit.unfunded_liability.threshold

    out: list[dict[str, Any]] = []
    unfixable: set[str] = set()
    prog_cache: dict[tuple[float, int], xr.Dataset] = {}
    base_close, base_default = fm.gaps(dep_now, first_now)
    for name in failing:
        found = False

        # 1. the fund's accrual (monotone search on the fund re-run)
        def dep_ok(v: float, name: str = name) -> bool:
            c, d = fm.gaps(v, first_now)
            return passes(name, c, d, bond_now)

        if dep_ok(dep_max):
            v = _bisect_increasing(
                dep_ok, dep_now, dep_max, 1e-4 if revenue_basis else max(1_000.0, 1e-4 * dep_max)
            )
            v = _round_up(v, 1e-4) if revenue_basis else _round_up(v, 10_000.0)
            if dep_ok(v):
                what = (
                    "the fund rate of revenue"
                    if revenue_basis
                    else "the plan's restoration cost accrued to the fund"
                )
                shown = f"{v:.2%}" if revenue_basis else _money(v)
                now = f"{dep_now:.2%}" if revenue_basis else _money(dep_now)
                out.append(
                    {
                        "criterion": name,
                        "field": dep_field,
                        "value": v,
                        "change": f"raise {what} from {now} to {shown}",
                    }
                )
                found = True

        # 2. a first deposit into the fund before works begin (monotone: the whole range, by
        # doubling up to the policy's bound)
        def first_ok(v: float, name: str = name) -> bool:
            c, d = fm.gaps(dep_now, v)
            return passes(name, c, d, bond_now)

        f = _smallest_passing(first_ok, first_now, first_max, 0.1 * cost90, 1_000.0)
        if f is not None:
            f = min(first_max, _round_up(f, 10_000.0))
            if first_ok(f):
                out.append(
                    {
                        "criterion": name,
                        "field": "finance.fund_initial_deposit_cny",
                        "value": f,
                        "change": f"pay a first deposit of {_money(f)} into the restoration "
                        f"fund before works begin (now {_money(first_now)})",
                    }
                )
                found = True

        # 3. a bond, only where the policy takes one (closed form on the shortfall distribution)
        if bounds.bond:
            if name == "assurance":
                b = _min_bond_assurance(base_close, crit.assurance.threshold)
            else:
                b = _min_bond_unfunded(base_default, crit.unfunded_liability.threshold)
            b = _round_up(max(b, bond_now), 10_000.0)
            if b <= bond_max and passes(name, base_close, base_default, b):
                out.append(
                    {
                        "criterion": name,
                        "field": "finance.bond_cny",
                        "value": b,
                        "change": f"raise the bond from {_money(bond_now)} to {_money(b)}",
                    }
                )
                found = True

        # 4. progressive restoration (changes the physics: search on the engine)
        p = _progressive_search(
            proposal, name, prog_cache, policy=policy, draws=draws, seed=seed, lib=lib
        )
        if p is not None:
            out.append(
                {
                    "criterion": name,
                    "field": "restoration.progressive_fraction",
                    "value": p,
                    "change": f"restore {p:.0%} of the pit floor, benches and dumps while "
                    f"mining (now {proposal.restoration.progressive_fraction:.0%})",
                }
            )
            found = True
        if not found:
            unfixable.add(name)
    return out, unfixable


COARSE_DRAWS = 400
PROGRESSIVE_STEP = 0.1
PROGRESSIVE_TOL = 0.01


def smallest_passing_on_grid(
    ok: Callable[[float], bool],
    ok_coarse: Callable[[float], bool],
    now: float,
    top: float,
    step: float,
    tol: float,
) -> float | None:
    """Smallest value above ``now`` (a multiple of ``tol``, or a point of the ``step`` grid from
    ``now``), up to ``top``, that passes ``ok``.

    ``ok_coarse`` (a cheap, noisier test) brackets the answer on the ``step`` grid over the whole
    range; the bracket is then walked down on ``ok`` while the grid point below passes too (the
    coarse test may have missed it), and the last ``step`` below it is scanned on the ``tol``
    grid in ascending order, so the first passing value is returned even where passing is not
    monotone inside the bracket.
    """
    if top <= now + 1e-9:
        return None
    n = math.ceil((top - now) / step - 1e-9)
    grid = sorted({min(top, round(now + k * step, 9)) for k in range(1, n + 1)})
    hi = next((g for g in grid if ok_coarse(g)), top)
    while not ok(hi):  # the coarse bracket may be optimistic: step up on the full test
        if hi >= top:
            return None
        hi = min(top, round(hi + step, 9))
    while hi - step > now + 1e-9 and ok(round(hi - step, 9)):
        hi = round(hi - step, 9)
    lo = max(now, hi - step)
    first = math.floor(lo / tol + 1e-9) + 1
    for k in range(first, math.ceil(hi / tol - 1e-9)):  # multiples of tol in (lo, hi)
        x = round(k * tol, 9)
        if x > now + 1e-9 and ok(x):
            return x
    return hi


def _progressive_search(
    proposal: Any,
    name: str,
    cache: dict[tuple[float, int], xr.Dataset],
    *,
    policy: Any,
    draws: int,
    seed: int,
    lib: Library,
) -> float | None:
    """Smallest ``progressive_fraction`` (to 0.01) that makes criterion ``name`` pass.

    :func:`smallest_passing_on_grid`: a coarse grid over the lever's whole range on few draws
    brackets the answer, and the bracket is refined and scanned on the full draws (common random
    numbers); engine runs are cached across criteria.
    """
    crit, p_now = policy.criteria, proposal.restoration.progressive_fraction
    p_max = policy.conditions.max_progressive_fraction

    def summary(p: float, n: int) -> xr.Dataset:
        key = (round(p, 6), n)
        if key not in cache:
            cand = with_field(proposal, "restoration.progressive_fraction", key[0])
            res = engine.run([cand], policy, draws=n, seed=seed, lib=lib)
            cache[key] = res.summary.isel(proposal=0)
        return cache[key]

    def ok(p: float, n: int = draws) -> bool:
        s = summary(p, n)
        if name == "assurance":
            return float(s["assurance_probability"]) >= crit.assurance.threshold
        return float(s["expected_unfunded_liability_cny"]) <= crit.unfunded_liability.threshold

    coarse = min(draws, COARSE_DRAWS)
    return smallest_passing_on_grid(
        ok, lambda p: ok(p, coarse), p_now, p_max, PROGRESSIVE_STEP, PROGRESSIVE_TOL
    )


#: step of the slope remedy's scan [deg]
SLOPE_STEP_DEG = 1.0


def remedy_slopes_deg(start_deg: float, floor_deg: float) -> list[float]:
    """The final wall slopes a slope remedy tries: every whole degree from ``start_deg`` (rounded
    down) to ``floor_deg``, steepest first [deg]."""
    top = math.floor(start_deg + 1e-9)
    n = math.floor((top - floor_deg) / SLOPE_STEP_DEG + 1e-9)
    return [float(top - k * SLOPE_STEP_DEG) for k in range(max(n, -1) + 1)]


def cheapest_passing(
    candidates: list[tuple[Any, float, bool, int]],
) -> tuple[Any, float] | None:
    """The candidate to offer from ``(value, cost_p50_cny, passes, new_hard_failures)`` tuples:
    among those that pass, the fewest new hard failures first, then the lowest median cost, then
    the first listed (the nearest change); None when none passes."""
    ok = [
        (new, cost, i, value) for i, (value, cost, passed, new) in enumerate(candidates) if passed
    ]
    if not ok:
        return None
    _, cost, _, value = min(ok)
    return value, cost


def remedies_for(
    proposal: Any,
    policy: Any,
    failing_hard: list[str],
    summary: xr.Dataset,
    *,
    draws: int,
    seed: int,
    lib: Library,
) -> list[dict[str, Any]]:
    """Plan changes that would fix hard failures, with their effect on the median cost.

    Every candidate is re-run on the engine with the same seed (common random numbers). For each
    failing criterion and each kind of change the cheapest passing one is offered: a wall's slope
    remedy scans every degree from the limit (or the current slope) down to the policy's
    ``min_remedy_slope_deg`` and offers the slope with the lowest median cost among those that
    pass without adding a hard failure, since a flatter wall is not always dearer.
    """
    crit = policy.criteria
    out: list[dict[str, Any]] = []
    cost_now = _q(summary, "cost_cny", 0.5)
    floor_deg = float(policy.conditions.min_remedy_slope_deg)
    slope_now = float(proposal.site.final_highwall_slope_deg)
    runs: dict[tuple[str, Any], tuple[float, dict[str, dict[str, Any]]]] = {}

    def run(path: str, value: Any) -> tuple[float, dict[str, dict[str, Any]]]:
        if (path, value) not in runs:
            cand = with_field(proposal, path, value)
            s = engine.run([cand], policy, draws=draws, seed=seed, lib=lib).summary
            s = s.isel(proposal=0)
            runs[path, value] = (
                _q(s, "cost_cny", 0.5),
                {c["name"]: c for c in assess(cand, policy, s)},
            )
        return runs[path, value]

    def new_hard(crits: dict[str, dict[str, Any]]) -> int:
        return sum(
            1
            for n, c in crits.items()
            if c["hard"] and c["passed"] is False and n not in failing_hard
        )

    # (criterion, field, values to try, the change's wording)
    kinds: list[tuple[str, str, list[Any], Callable[[Any], str]]] = []
    if "highwall_slope" in failing_hard:
        kinds.append(
            (
                "highwall_slope",
                "site.final_highwall_slope_deg",
                remedy_slopes_deg(min(crit.highwall_slope.threshold, slope_now), floor_deg),
                lambda v: f"flatten the final walls to {v:.0f}°",
            )
        )
    if "success_probability" in failing_hard:
        substrate_toxic = bool(lib.substrates[proposal.site.substrate]["toxic"])
        if substrate_toxic and not proposal.restoration.substrate_amendment:
            kinds.append(
                (
                    "success_probability",
                    "restoration.substrate_amendment",
                    [True],
                    lambda v: "amend the toxic substrate (lime + clean cover)",
                )
            )
        if not proposal.restoration.import_topsoil:
            kinds.append(
                (
                    "success_probability",
                    "restoration.import_topsoil",
                    [True],
                    lambda v: "import soil to cover the topsoil deficit",
                )
            )
        start = slope_now - SLOPE_STEP_DEG if slope_now == math.floor(slope_now) else slope_now
        kinds.append(
            (
                "success_probability",
                "site.final_highwall_slope_deg",
                remedy_slopes_deg(start, floor_deg),
                lambda v: f"flatten the final walls to {v:.0f}°",
            )
        )
    if "licensed_area" in failing_hard and proposal.site.has_design:
        d = design_pit_check(proposal, crit.licensed_area.volume_tolerance)
        ex = proposal.extraction
        most_mt = d["volume_allowed_m3"] * ex.rock_density_t_per_m3 / (1.0 + ex.stripping_ratio)
        most_mt = math.floor(most_mt / 1e4) / 100.0  # Mt, rounded down to 10,000 t
        if 0.0 < most_mt < ex.reserves_mt:
            kinds.append(
                (
                    "licensed_area",
                    "extraction.reserves_mt",
                    [most_mt],
                    lambda v: f"reduce the reserves to be mined to {v:,.2f} Mt, the most the "
                    "designed pit holds with its waste",
                )
            )
    growth: dict[Any, dict[str, float]] = {}
    if not proposal.site.has_design:
        now = _nominal_pit(proposal, policy, lib)

        def outgrows(value: Any, crits: dict[str, dict[str, Any]]) -> bool:
            """Whether a flatter wall, keeping the floor, needs a pit beyond the licence:
            on the thickness path the footprint is the volume over the mined thickness
            whatever the slope (SPEC §3), so the walls' wider plan comes out of the floor."""
            lic = crits.get("licensed_area") or {}
            if lic.get("value") is None or lic.get("threshold") is None:
                return False
            then = _nominal_pit(with_field(proposal, "site.final_highwall_slope_deg", value),
                                policy, lib)  # fmt: skip
            more = then["wall_plan_ha"] - now["wall_plan_ha"]
            growth[value] = {
                "wall_plan_now_ha": now["wall_plan_ha"],
                "wall_plan_ha": then["wall_plan_ha"],
                "footprint_p90_ha": float(lic["value"]),
                "licence_ha": float(lic["threshold"]),
            }
            return more > 0.005 and float(lic["value"]) + more > float(lic["threshold"])

    for name, path, values, wording in kinds:
        tried = []
        for value in values:
            cost, crits = run(path, value)
            extra = int(
                path == "site.final_highwall_slope_deg"
                and not proposal.site.has_design
                and outgrows(value, crits)
            )
            tried.append((value, cost, bool(crits[name]["passed"]), new_hard(crits) + extra))
        best = cheapest_passing(tried)
        if best is None:
            continue
        offers = [(best, "cheapest" if len(values) > 1 else None)]
        nearest = nearest_passing(tried)
        if len(values) > 1 and nearest is not None and nearest[0] != best[0]:
            # the least change that passes first, then the cheapest (a reviewer asks for both)
            offers = [(nearest, "nearest"), (best, "cheapest")]
        for (value, cost), kind in offers:
            out.append(
                _remedy(proposal, name, path, value, cost - cost_now, wording, kind,
                        growth.get(value) if path == "site.final_highwall_slope_deg" else None)
            )  # fmt: skip
    return out


#: how a remedy was chosen among the passing values of a scan, as its wording says it
REMEDY_KINDS = {"nearest": "the least change that passes", "cheapest": "the cheapest that passes"}


def nearest_passing(
    candidates: list[tuple[Any, float, bool, int]],
) -> tuple[Any, float] | None:
    """The first candidate of a scan (the nearest change) that passes with the fewest new hard
    failures any passing candidate has; None when none passes."""
    ok = [new for _, _, passed, new in candidates if passed]
    if not ok:
        return None
    fewest = min(ok)
    value, cost, _, _ = next(c for c in candidates if c[2] and c[3] == fewest)
    return value, cost


def _remedy(
    proposal: Any,
    name: str,
    path: str,
    value: Any,
    delta: float,
    wording: Callable[[Any], str],
    kind: str | None,
    growth: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """One remedy: the change, its median cost change and, for a scan, which passing value it
    is (``kind``: ``nearest`` or ``cheapest``). A flatter wall also says what it does to the
    pit: a designed pit holds less; on the thickness path (SPEC §3) the footprint is the
    volume over the mined thickness whatever the slope, so the walls take more of it
    (``growth``: the walls' plan now and then at nominal thickness, the P90 footprint and
    the licence [ha])."""
    how = f" ({REMEDY_KINDS[kind]})" if kind else ""
    remedy: dict[str, Any] = {
        "criterion": name,
        "field": path,
        "value": value,
        "change": f"{wording(value)}{how}; median restoration cost changes by {_money(delta)}",
        "cost_change_p50_cny": delta,
    }
    if kind:
        remedy["kind"] = kind
    if path == "site.final_highwall_slope_deg" and proposal.site.has_design:
        # a flatter wall makes the designed pit hold less: say how much against the reserves
        d = design_pit_check(with_field(proposal, path, value))
        held, needed = d["pit_volume_m3"], d["volume_needed_m3"]
        remedy.update(pit_volume_m3=held, volume_needed_m3=needed)
        remedy["change"] += (
            f"; the designed pit then holds {held / 1e6:,.2f} million m³ against the "
            f"{needed / 1e6:,.2f} million m³ of ore and waste stated "
            f"({needed / held:.0%} of what it holds)"
        )
    elif growth and growth["wall_plan_ha"] > growth["wall_plan_now_ha"] + 0.005:
        remedy.update(growth)
        needed = growth["footprint_p90_ha"] + growth["wall_plan_ha"] - growth["wall_plan_now_ha"]
        remedy["change"] += (
            f"; at the plan's mined thickness the walls' plan grows from "
            f"{growth['wall_plan_now_ha']:,.2f} to {growth['wall_plan_ha']:,.2f} ha: the model "
            f"keeps the pit's footprint and tonnage, so keeping the floor needs a pit of up to "
            f"{needed:,.2f} ha (P90) against the {growth['licence_ha']:,.2f} ha licence, or less "
            f"ore mined"
        )
    return remedy


def _nominal_pit(proposal: Any, policy: Any, lib: Library) -> dict[str, float]:
    """The final pit at nominal thickness and output (``sim.breakdown.quantities``): its
    footprint and the plan area of its walls [ha]."""
    from sim.breakdown import quantities

    q = quantities(engine.prepare([proposal], policy, lib)[0].resolved)
    pit = q["total_disturbed_ha"] - q["dump_ha"] - q["infrastructure_ha"]
    return {"pit_ha": pit, "wall_plan_ha": pit - q["floor_ha"]}


def boundary_area_condition(proposal: Any, screening: spatial.Screening) -> dict[str, Any]:
    """The condition that fixes ``boundary_area``: state the boundary polygon's area (ha)."""
    area = float(screening.boundary_area_ha or 0.0)
    return {
        "criterion": "boundary_area",
        "field": "proposal.licensed_area_ha",
        "value": area,
        "change": f"correct the licensed area from {proposal.proposal.licensed_area_ha:,.2f} ha "
        f"to the mining-right polygon's {area:,.2f} ha (or correct the boundary)",
    }


def decide(criteria: list[dict[str, Any]], unfixable: set[str]) -> tuple[str, list[str]]:
    """Verdict and the deciding criteria."""
    hard = [c["name"] for c in criteria if c["passed"] is False and c["hard"]]
    soft = [c["name"] for c in criteria if c["passed"] is False and not c["hard"]]
    if hard:
        return "reject", hard + [n for n in soft if n in unfixable]
    if any(n in unfixable for n in soft):
        return "reject", [n for n in soft if n in unfixable]
    if soft:
        return "conditional", soft
    return "approve", []


# ------------------------------------------------------------------------------------------
# every proposal at once


@dataclass
class CriteriaTable:
    """Every criterion of every proposal of a summary, as array columns ``(proposal, criterion)``.

    The numbers of :func:`assess` without the explanations: ``value`` and ``threshold`` (NaN
    where :func:`assess` gives None, see ``has_value``/``has_threshold``), ``margin`` (NaN where
    None), ``assessed`` (``passed`` is not None), ``passed`` and ``hard``; ``names`` and
    ``directions`` in :func:`assess`'s order.
    """

    names: tuple[str, ...]
    directions: tuple[str, ...]
    value: np.ndarray
    threshold: np.ndarray
    has_value: np.ndarray
    has_threshold: np.ndarray
    margin: np.ndarray
    assessed: np.ndarray
    passed: np.ndarray
    hard: np.ndarray

    def __len__(self) -> int:
        return int(self.value.shape[0])

    def failing(self, i: int, hard: bool) -> list[str]:
        """Names of proposal ``i``'s failing hard (or soft) criteria, in :func:`assess`'s order."""
        mask = self.assessed[i] & ~self.passed[i] & (self.hard[i] == hard)
        return [n for n, m in zip(self.names, mask, strict=True) if m]

    def decide(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`decide` of every proposal with no condition search (no criterion unfixable):
        verdict codes (0 approve, 1 conditional, 2 reject) and deciding-criteria masks
        ``(proposal, criterion)``."""
        failed = self.assessed & ~self.passed
        hard_fail, soft_fail = failed & self.hard, failed & ~self.hard
        rejected = hard_fail.any(axis=1)
        verdict = np.where(rejected, 2, np.where(soft_fail.any(axis=1), 1, 0)).astype(np.int8)
        return verdict, np.where(rejected[:, None], hard_fail, soft_fail)


#: the design geometry's fields (``Site.has_design``)
_DESIGN_COLUMNS = ("pit_area_ha", "pit_top_elevation_m", "pit_bottom_elevation_m")


def _column(summary: Any, var: str, q: float | None = None) -> np.ndarray:
    """One summary variable over all proposals as floats (the quantile ``q`` if given), of a
    summary Dataset or of :class:`sim.engine.Summaries`."""
    if hasattr(summary, "column"):
        return summary.column(var, q)
    da = summary[var]
    if q is not None:
        da = da.sel(quantile=q)
    return np.asarray(da.values, dtype=float)


def assess_all(
    portfolio: Any,
    policy: Any,
    summary: Any,
    screenings: Mapping[int, spatial.Screening] | None = None,
) -> CriteriaTable:
    """:func:`assess` of every proposal of ``summary`` at once, as array operations.

    ``portfolio`` is the :class:`sim.portfolio.Portfolio` of the summary's proposals (its
    columns ``proposal.licensed_area_ha``, ``site.final_highwall_slope_deg`` and the design
    geometry are read); ``screenings`` gives the screening of the proposals that have one (by
    row), as :func:`assess`'s ``screening``: the others are assessed with none. Only screened
    rows and rows with the design geometry are visited one by one (their ``licensed_area`` and
    spatial criteria come from the geometry, through :func:`assess`'s own functions).
    """
    columns = portfolio.columns
    crit = policy.criteria
    screenings = screenings or {}
    n = int(summary.sizes["proposal"])
    names = CRITERIA
    c = len(names)
    col = {name: j for j, name in enumerate(names)}
    value = np.full((n, c), np.nan)
    threshold = np.full((n, c), np.nan)
    has_value = np.ones((n, c), dtype=bool)
    has_threshold = np.ones((n, c), dtype=bool)
    hard = np.empty((n, c), dtype=bool)
    directions = [getattr(crit, name).direction for name in names]
    for name, j in col.items():
        hard[:, j] = bool(getattr(crit, name).hard)
        t = getattr(getattr(crit, name), "threshold", None)
        if t is not None:
            threshold[:, j] = float(t)
        else:
            has_threshold[:, j] = False

    # licensed_area: the P90 pit footprint against the licence of assess (licence_area_ha)
    licensed = np.asarray(columns["proposal.licensed_area_ha"], dtype=float).copy()
    for i, s in screenings.items():
        licensed[i] = licence_area_ha(float(licensed[i]), s.boundary_area_ha)
    pit90 = _column(summary, "pit_footprint_ha", 0.9)
    value[:, col["licensed_area"]] = pit90
    threshold[:, col["licensed_area"]] = licensed
    has_threshold[:, col["licensed_area"]] = True
    design = ~np.isnan(
        np.stack([np.asarray(columns[f"site.{k}"], dtype=float) for k in _DESIGN_COLUMNS])
    ).any(axis=0)
    for i in np.flatnonzero(design):  # the design path: the binding one of two comparisons
        cr = _design_licence(
            portfolio.proposal(int(i)), float(pit90[i]), float(licensed[i]), "", crit.licensed_area
        )
        value[i, col["licensed_area"]], threshold[i, col["licensed_area"]] = (
            cr["value"],
            cr["threshold"],
        )
    # the spatial criteria: not assessed without a screening (threshold from the policy where
    # it has one), else the screening's own
    for name in ("protected_overlap", "protected_distance", "boundary_area"):
        has_value[:, col[name]] = False
    for i, s in screenings.items():
        for cr in s.criteria:
            j = col[cr["name"]]
            v, t = cr["value"], cr["threshold"]
            has_value[i, j], has_threshold[i, j] = v is not None, t is not None
            value[i, j] = np.nan if v is None else float(v)
            threshold[i, j] = np.nan if t is None else float(t)
            hard[i, j] = bool(cr["hard"])
    value[:, col["highwall_slope"]] = np.asarray(
        columns["site.final_highwall_slope_deg"], dtype=float
    )
    value[:, col["success_probability"]] = _column(summary, "success_probability")
    q_cost = float(crit.cost_to_revenue.quantile)
    pv_q = _column(summary, "pv_cost_cny", q_cost)
    rev = _column(summary, "pv_revenue_cny", 0.5)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf, as in Python
        value[:, col["cost_to_revenue"]] = np.where(rev > 0, pv_q / rev, math.inf)
    value[:, col["assurance"]] = _column(summary, "assurance_probability")
    value[:, col["unfunded_liability"]] = _column(summary, "expected_unfunded_liability_cny")

    # spatial.result.criterion, element-wise
    assessed = has_value & has_threshold
    finite = np.isfinite(value) & np.isfinite(threshold)
    le = np.array([d == "<=" for d in directions])
    with np.errstate(invalid="ignore", over="ignore"):
        raw_margin = np.where(le, threshold - value, value - threshold)
    margin = np.where(assessed & finite, raw_margin, np.nan)
    with np.errstate(invalid="ignore"):
        passed = assessed & finite & (raw_margin >= 0)
    return CriteriaTable(
        names=names,
        directions=tuple(directions),
        value=value,
        threshold=threshold,
        has_value=has_value,
        has_threshold=has_threshold,
        margin=margin,
        assessed=assessed,
        passed=passed,
        hard=hard,
    )
