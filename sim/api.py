"""The Python API: ``sim.evaluate`` and the verdict documents it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from sim import engine, feasibility, plausibility, spatial
from sim import outputs_registry as registry
from sim.i18n.message import Area, Message, Money, Term, Terms
from sim.params import changed_params, load_library
from sim.proposal import plausibility_columns
from sim.version import __version__


class Evaluation:
    """Result of :func:`evaluate`: datasets at once, verdicts computed on first access.

    ``summary`` (dims proposal, quantile), ``trajectories`` (proposal, year, quantile) or None,
    ``raw`` (proposal, draw[, year]) or None, and ``verdicts``: one JSON-ready dict per proposal.
    Verdicts (with their search for approval conditions) are made when first asked for, so a
    sweep or a benchmark that needs only the summaries does not pay for them.
    """

    def __init__(
        self,
        summary: xr.Dataset,
        trajectories: xr.Dataset | None,
        verdicts: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]],
        raw: xr.Dataset | None = None,
    ) -> None:
        self.summary, self.trajectories, self.raw = summary, trajectories, raw
        self._verdicts = verdicts

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        if callable(self._verdicts):
            self._verdicts = self._verdicts()
        return self._verdicts

    def __repr__(self) -> str:
        n = self.summary.sizes.get("proposal", 0)
        return f"<Evaluation of {n} proposals, {int(self.summary.attrs.get('draws', 0))} draws>"


def _num(x: float | None, digits: int = 10) -> float | None:
    if x is None or not np.isfinite(float(x)):
        return None
    return float(f"{float(x):.{digits}g}")


#: the verdict's metrics (the output registry's, in its order) and their CF units
JSON_METRICS = tuple(m for m in registry.METRICS if "json" in m.uses)
METRIC_UNITS: dict[str, str] = {m.name: m.unit for m in JSON_METRICS}


def metrics(s: xr.Dataset) -> dict[str, Any]:
    """The JSON metrics of one proposal's summary (dims: quantile): each registered metric's
    summary variable, at its quantile; integers rounded."""
    res: dict[str, Any] = {}
    for m in JSON_METRICS:
        v = s[m.source] if m.quantile is None else s[m.source].sel(quantile=m.quantile)
        res[m.name] = round(float(v)) if m.kind == "int" else _num(v)
    return res


def _clean(c: dict[str, Any]) -> dict[str, Any]:
    """A criterion's numbers as JSON takes them (its details' too)."""
    return {
        k: _num(v) if isinstance(v, float) else _clean(v) if isinstance(v, dict) else v
        for k, v in c.items()
    }


def _notes(p: Any, s: xr.Dataset, lib: Any) -> list[str]:
    """Plain-language warnings a reviewer should see next to the verdict."""
    notes = []
    lo, hi = lib.minerals[p.proposal.mineral]["price_cny_per_t"]
    price = p.finance.ore_price_cny_per_t
    if not lo <= price <= hi:
        notes.append(
            Message(
                "The ore price {price:g} CNY/t lies outside the typical range {lo:g}-{hi:g} "
                "CNY/t for {mineral}; revenue-based criteria depend on it.",
                price=price,
                lo=lo,
                hi=hi,
                mineral=Term("mineral", p.proposal.mineral),
            )
        )
        if lo <= price * 1e4 <= hi:  # 0.006 万元/t written as 元/t
            notes.append(
                Message(
                    "Read in 万元/t, {price:g} is {cny:g} CNY/t, inside that range: if the plan "
                    "states it in 万元/t, write ore_price_cny_per_t = \"{price:g} 万元/t\".",
                    price=price,
                    cny=float(f"{price * 1e4:.12g}"),
                )
            )
    enlarged = float(s["pit_enlarged_share"])
    if enlarged > 0:
        notes.append(
            Message(
                "In {share:.0%} of draws the volume-derived pit was too small to hold its final "
                "walls and a 40 m working floor and was enlarged.",
                share=enlarged,
            )
        )
    notes += [text for _, text in plausibility.notes(plausibility_columns([p]))]
    life = float(s["life_years"].sel(quantile=0.5))
    if p.restoration.progressive_fraction == 0 and life >= 1 + p.restoration.progressive_lag_years:
        # new mining rights in Hunan are auctioned on "边开采、边治理" (restoration while
        # mining) [S] 88cc88.com/mining-rights-transfer/show-8847.html (domain/sources/
        # china_domain.md §1.1); a life this long leaves room for it after the stated lag
        notes.append(
            Message(
                "The plan restores nothing while the mine works "
                "(restoration.progressive_fraction = 0): all {disturbed} it disturbs stay "
                "unrestored until closure, {life} years of mining (P50). New mining rights in "
                "Hunan are granted on 边开采、边治理 (restoration while mining): ask the "
                "applicant for a progressive restoration schedule.",
                disturbed=Area(float(s["total_disturbed_area_ha"].sel(quantile=0.5))),
                life=f"{life:.0f}",
            )
        )
    plan = p.finance.plan_restoration_cost_cny
    p10 = float(s["cost_cny"].sel(quantile=0.1))
    p90 = float(s["cost_cny"].sel(quantile=0.9))
    if plan > p90:
        notes.append(
            Message(
                "The applicant's restoration estimate ({plan}) is above the simulated P90 cost "
                "({p90}): a generous estimate feeds the fund, but check what it includes (works "
                "beyond restoration, a unit slip).",
                plan=Money(plan),
                p90=Money(p90),
            )
        )
    if 0 < plan < p10:
        notes.append(
            Message(
                "The applicant's restoration estimate ({plan}) is below the simulated P10 cost "
                "({p10}).",
                plan=Money(plan),
                p10=Money(p10),
            )
        )
    if p.bill is not None:
        from sim import bill

        total = sum(x.amount_cny for x in bill.bill_lines(p.bill, p.bill_items()))
        if (note := bill.plan_cost_note(total, plan)) is not None:
            notes.append(note)
    return notes


def _close_calls(crits: Sequence[Mapping[str, Any]], s: xr.Dataset, policy: Any) -> list[Any]:
    """A note for each hard criterion estimated from the draws (success_probability,
    cost_to_revenue) whose margin lies within twice its Monte-Carlo standard error: the
    南康 kaolin passed cost_to_revenue at 1,000 draws (6.2 % against 6.3 %) and failed it at 300
    (6.5 %), with nothing to say that the verdict rested on the noise of the draws.

    The success share's error is binomial; the cost quantile's, that of a sample quantile of a
    lognormal fitted to the P10 and P90 (``sqrt(q(1-q)/n) · σ / φ(z_q)`` in log space, the
    revenue's spread neglected: its P10-P90 is a few per cent)."""
    from statistics import NormalDist

    n = int(s["draws"])
    out: list[Any] = []
    for c in crits:
        if not c["hard"] or c["passed"] is None or c["value"] is None:
            continue
        value, threshold = float(c["value"]), float(c["threshold"])
        if c["name"] == "success_probability":
            se = (max(value * (1.0 - value), 1.0 / n) / n) ** 0.5
        elif c["name"] == "cost_to_revenue" and np.isfinite(value):
            q = float(policy.criteria.cost_to_revenue.quantile)
            p10, p90 = (float(s["pv_cost_cny"].sel(quantile=x)) for x in (0.1, 0.9))
            if not 0.0 < p10 < p90:
                continue
            unit = NormalDist()
            sigma = (np.log(p90) - np.log(p10)) / (2.0 * unit.inv_cdf(0.9))
            se = value * (q * (1.0 - q) / n) ** 0.5 * sigma / unit.pdf(unit.inv_cdf(q))
        else:
            continue
        if abs(value - threshold) < 2.0 * se:
            out.append(Message(
                "{name}: {value} against {threshold} lies within twice its Monte-Carlo standard "
                "error (about ±{se} points at {n} draws), so another seed or more draws may "
                "turn the verdict on it: re-run with --draws {more} before deciding.",
                name=Term("criterion", c["name"]), value=f"{value:.1%}",
                threshold=f"{threshold:.1%}", se=f"{100.0 * se:.2f}", n=n, more=4 * n,
            ))  # fmt: skip
    return out


def evaluate(
    proposals: Sequence[Any] | Any,
    policy: Any | None = None,
    *,
    draws: int = 1000,
    seed: int = 0,
    trajectories: bool = False,
    raw: bool = False,
    params: Mapping[str, float] | None = None,
    conditions: bool = True,
    chunk_pairs: int | None = None,
    workers: int | None = None,
    progress: bool = False,
    layers: Iterable[Any] = (),
) -> Evaluation:
    """Evaluate proposals under a policy: summaries, optional trajectories, and verdicts.

    Parameters
    ----------
    proposals : one validated :class:`sim.proposal.Proposal`, a sequence of them, or a
        :class:`sim.portfolio.Portfolio` (columns; for large portfolios).
    policy : a :class:`sim.proposal.Policy`; the packaged default when None.
    draws : Monte-Carlo draws per proposal.
    seed : run seed; each proposal's stream derives from it and the proposal id.
    trajectories : also return per-year quantiles (dims proposal, year, quantile).
    raw : also return per-draw arrays (dims proposal, draw[, year]); for few proposals.
    params : parameter-library overrides by dotted name (``{"cost.regrade_unit_cost": 18}``).
    conditions : search approval conditions for soft failures and remedies for hard ones.
    chunk_pairs : (proposal, draw) rows per chunk of work; by default sized to the run (at most
        65,536, at least 4,096, about four chunks per worker). Results do not depend on it.
    workers : threads running chunks (default: one per CPU). Results do not depend on it.
    progress : show a progress bar on a terminal.
    layers : protected layers added to the policy's ``[[layers]]``: paths (``"x.geojson"``, rule
        no_overlap, or ``"x.geojson:min_distance=1000"``), :class:`sim.spatial.LayerSpec` or
        :class:`sim.proposal.Layer`; relative paths are taken from the working directory.

    Every boundary is screened against the layers (:func:`sim.spatial.screen`) before the
    engine runs, so bad geometry or files raise :class:`sim.errors.InputError` first.
    """
    from sim.portfolio import as_portfolio
    from sim.proposal import load_policy

    portfolio = as_portfolio(proposals)
    policy = policy if policy is not None else load_policy()
    lib = load_library(params)
    # boundaries are screened before the engine runs, so bad geometry fails first
    bounded = np.flatnonzero(portfolio.columns["location.boundary"].astype(str) != "")
    screened = (
        spatial.screen_proposals([portfolio.proposal(i) for i in bounded], policy, layers)
        if bounded.size
        else []
    )
    screenings = dict(zip(bounded.tolist(), screened, strict=True))
    unscreened = spatial.unscreened(policy)
    res = engine.run(
        portfolio,
        policy,
        draws=draws,
        seed=seed,
        lib=lib,
        trajectories=trajectories,
        raw=raw,
        chunk_pairs=chunk_pairs,
        workers=workers,
        progress=progress,
    )

    def make_verdicts() -> list[dict[str, Any]]:
        # every criterion of every proposal at once: which ones fail (and so which proposals
        # need a search for conditions or remedies) is known before any proposal is visited
        table = feasibility.assess_all(portfolio, policy, res.summary, screenings)
        return [
            _verdict(
                portfolio.proposal(i),
                res.summary.isel(proposal=i),
                screenings.get(i, unscreened),
                policy,
                lib,
                draws,
                seed,
                conditions,
                (table.failing(i, hard=False), table.failing(i, hard=True)),
            )
            for i in range(len(portfolio))
        ]

    return Evaluation(
        summary=res.summary, trajectories=res.trajectories, verdicts=make_verdicts, raw=res.raw
    )


def bill_comparison(p: Any, policy: Any, lib: Any, draws: int, seed: int) -> Any:
    """Our bill by measure from this run's draws (same seed and streams as the engine), with
    the applicant's bill beside it when the application gives one (:mod:`sim.bill`)."""
    from sim import bill

    prep = engine.prepare([p], policy, lib)[0]
    ours = bill.our_bill(prep.resolved, prep.draws(seed, draws))
    lines = bill.bill_lines(p.bill, p.bill_items()) if p.bill is not None else None
    return bill.compare(lines, ours, p.finance.plan_restoration_cost_cny)


def _verdict(p, s, screening, policy, lib, draws, seed, conditions, failing) -> dict[str, Any]:
    """The JSON verdict of one proposal from its summary ``s`` (dims: quantile); ``failing``
    gives its failing soft and hard criteria (:func:`sim.feasibility.assess_all`)."""
    crits = feasibility.assess(p, policy, s, screening)  # the criteria with their explanations
    soft, hard = failing
    conds: list[dict[str, Any]] = []
    remedies: list[dict[str, Any]] = []
    unfixable: set[str] = set()
    # a rejected application gets no conditions: none would make it pass (its soft failures
    # are named in a note and conditioned once the plan fixes the hard ones)
    levers = [n for n in soft if n != "boundary_area"] if not hard else []
    if conditions and levers:
        conds, unfixable = feasibility.conditions_for(
            p, policy, levers, draws=draws, seed=seed, lib=lib
        )
    if conditions and "boundary_area" in soft and not hard:
        conds.append(feasibility.boundary_area_condition(p, screening))
    if conditions and hard:
        remedies = feasibility.remedies_for(p, policy, hard, s, draws=draws, seed=seed, lib=lib)
    # without the search, a soft failure stays conditional (as in sweeps): no lever was ruled out
    verdict, deciding = feasibility.decide(crits, unfixable)
    # a soft failure no lever fixes rejects too: then no condition is listed, as none would make
    # the application pass (the batch summary and report would show them as if they did)
    rejected_soft = [n for n in soft if n not in unfixable] if verdict == "reject" else []
    if verdict == "reject":
        conds = []
    not_assessed = [c["name"] for c in crits if c["passed"] is None]
    return {
        "proposal_id": p.proposal.id,
        "name": p.proposal.name,
        "verdict": verdict,
        "deciding_criteria": deciding,
        "criteria": [_clean(c) for c in crits],
        "metrics": metrics(s),
        "metric_units": dict(METRIC_UNITS),
        "conditions": [_clean(c) for c in conds],
        "remedies": [_clean(c) for c in remedies],
        "notes": _notes(p, s, lib)
        + _close_calls(crits, s, policy)
        + (
            [
                Message(
                    "Soft criteria also failing: {names}. Conditions for them are set once the "
                    "plan fixes the hard failures; none is listed now, as none would make this "
                    "application pass.",
                    names=Terms("criterion", soft),
                )
            ]
            if hard and soft
            else []
        )
        + (
            [
                Message(
                    "No condition is listed for {names}: {unfixable} cannot be fixed by any lever "
                    "within the policy's bounds, so no condition would make this application pass.",
                    names=Terms("criterion", rejected_soft),
                    unfixable=Terms("criterion", sorted(unfixable)),
                )
            ]
            if not hard and rejected_soft
            else []
        )
        + (
            [
                Message(
                    "Not assessed: {names}. This verdict holds only once the site clears them "
                    "(give the mining-right boundary, [location] boundary or its corner "
                    "coordinates, and the policy's spatial layers).",
                    names=Terms("criterion", not_assessed),
                )
            ]
            if not_assessed and verdict != "reject"
            else []
        )
        + list(screening.warnings),
        "seed": int(seed),
        "draws": int(draws),
        "version": __version__,
    } | ({"params": changed} if (changed := changed_params(lib)) else {}) | (
        {"bill": bill_comparison(p, policy, lib, draws, seed).to_json()}
        if p.bill is not None
        else {}
    ) | (
        {"condition_draws": feasibility.condition_draws(draws)}
        if conditions and levers and feasibility.condition_draws(draws) < draws
        else {}
    )
