"""Each approved mine against its projection: percentiles, status, posterior and action.

**Status rules** (``monitor.low_percentile`` = p, default 10):

- ``no_data``: no observation of restored land yet (none, or all before the approval
  projection restores any land; those are listed but not used).
- A year's reading is the median percentile of that year's observations on the approval
  projection; a year is *low* when its reading is below p.
- ``behind``: the two most recent observed years are both low (one dry year is tolerated, two
  in a row are not).
- ``watch``: the most recent observed year is low (possibly a drought), or high (above
  100 − p: vegetation outside the restored land, a misregistered parcel or a wrong date is more
  likely than recovery faster than every draw), or the posterior success probability is below
  the policy's ``success_probability`` threshold, or the observations lie outside the projected
  fan (effective sample size below ``MIN_ESS``).
- ``on_track``: otherwise.

The next inspection is ``as_of`` plus ``INSPECT_AFTER_DAYS[status]``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.i18n import _
from sim.i18n.message import Listing, Message
from sim.monitor import update
from sim.monitor.observations import Observation

#: statuses from the most to the least urgent (the supervision list's order)
STATUSES = ("behind", "watch", "no_data", "on_track")
INSPECT_AFTER_DAYS = {"behind": 30, "watch": 182, "no_data": 91, "on_track": 365}
#: an effective sample size below this means the observations lie outside the projected fan
MIN_ESS = 20.0
ACTIONS = {
    "behind": Message(
        "listed follow-up (督办): inspect on site within 30 days, require a rework plan and "
        "check that the fund can pay for it"
    ),
    "watch": Message("check the next growing-season image; inspect on site if it is low again"),
    "watch_high": Message(
        "check the image before relying on it: the parcel outline (vegetation outside the "
        "restored land), the date and clouds; inspect on site if the next image is as high"
    ),
    "no_data": Message("obtain a growing-season image of the restored land"),
    "on_track": Message("routine yearly check"),
}


def year_index(start: dt.date, date: dt.date) -> int:
    """Year of the projection that contains ``date`` (year 0 contains the start date)."""
    return date.year - start.year


def start_date(proposal: Any) -> dt.date:
    """The proposal's ``start_date``; monitoring cannot place observations without it."""
    start = getattr(proposal.proposal, "start_date", None)
    if start is None:
        src = proposal.source_path or f"<proposal {proposal.id}>"
        raise InputError(
            _(
                "{src}: proposal.start_date is not given; monitoring needs it to place the "
                "observations in the projection's years (year 0 is the year containing it), "
                'e.g. start_date = "2026-03-01"',
                src=src,
            )
        )
    return start


def assess_mine(
    proposal: Any,
    observations: Sequence[Observation],
    proj: update.Projection,
    policy: Any,
    settings: dict[str, float],
    as_of: dt.date,
) -> tuple[dict[str, Any], np.ndarray]:
    """The supervision record of one mine (the ``monitor --json`` object without run info) and
    the posterior weights of the projection's (phi, draw) pairs."""
    start = start_date(proposal)
    obs = sorted((o for o in observations if o.date <= as_of), key=lambda o: o.date)
    n_years = proj.n_years
    threshold = float(policy.criteria.success_probability.threshold)
    low_p = settings["monitor.low_percentile"]
    restored = np.median(proj.restored_ha[proj.approval_index], axis=0)

    rows, used, used_years = [], [], []
    for o in obs:
        t = year_index(start, o.date)
        if t < 0:
            raise InputError(
                _(
                    "observation of {id} on {date}: before the start date {start} "
                    "(proposal.start_date)",
                    id=o.proposal_id, date=o.date, start=start,
                )
            )
        t = min(t, n_years - 1)  # after the horizon the projection stays where it ended
        kind = update.kind_of(o)
        row: dict[str, Any] = {
            "date": o.date.isoformat(),
            "year": t,
            "kind": kind,
            "cover": o.cover,
            "area_class": o.area_class,
            "land_use": o.land_use,
            "source": o.source,
        }
        if restored[t] > 0:
            q10, q50, q90 = update.fan(proj, kind, (0.1, 0.5, 0.9))[:, t]
            row |= {
                "used": True,
                "percentile": round(update.percentile(proj, kind, t, o.cover), 1),
                "projected_p10": float(q10),
                "projected_p50": float(q50),
                "projected_p90": float(q90),
            }
            used.append(o)
            used_years.append(t)
        else:
            row |= {"used": False, "percentile": None, "note": "before any land is restored"}
        rows.append(row)

    prior_success = float(proj.success[proj.approval_index].mean())
    approval_w = np.zeros(proj.success.shape)
    approval_w[proj.approval_index] = 1.0 / proj.success.shape[1]
    record: dict[str, Any] = {
        "proposal_id": proposal.id,
        "name": proposal.proposal.name,
        "start_date": start.isoformat(),
        "as_of": as_of.isoformat(),
        "observations": rows,
        "success_threshold": threshold,
        "low_percentile": low_p,
        "success_probability_before": prior_success,
        "recovery_years_before_p50": update.weighted_quantile(proj.recovery_years, approval_w, 0.5),
    }
    if not used:
        status, reasons = "no_data", [Message("no observation of restored land yet")]
        action = "no_data"
        w = approval_w
        t_now = min(year_index(start, as_of), n_years - 1)
        ess = math.nan
    else:
        ll = update.log_likelihood(proj, used, used_years, settings["monitor.cover_observation_sd"])
        w = update.posterior_weights(proj, ll)
        ess = float(1.0 / np.sum(w**2))
        t_now = max(used_years)
        status, reasons, action = _status(
            rows, low_p, float((w * proj.success).sum()), threshold, ess
        )
    shortfall = np.maximum(0.0, proj.liability_cny[:, :, t_now] - proj.fund_cny[:, :, t_now])
    record |= {
        "status": status,
        "reasons": reasons,
        "success_probability_after": float((w * proj.success).sum()),
        "recovery_years_after_p50": update.weighted_quantile(proj.recovery_years, w, 0.5),
        "recovery_years_after_p90": update.weighted_quantile(proj.recovery_years, w, 0.9),
        "site_rate_factor_p50": update.weighted_quantile(
            np.broadcast_to(proj.phi[:, None], w.shape), w, 0.5
        ),
        "effective_sample_size": None if math.isnan(ess) else round(ess, 1),
        "at_year": int(t_now),
        "cost_to_finish_p50_cny": update.weighted_quantile(proj.liability_cny[:, :, t_now], w, 0.5),
        "fund_shortfall_mean_cny": float((w * shortfall).sum()),
        "fund_shortfall_p90_cny": update.weighted_quantile(shortfall, w, 0.9),
        "action": ACTIONS[action],
        "next_inspection": (as_of + dt.timedelta(days=INSPECT_AFTER_DAYS[status])).isoformat(),
    }
    return record, w


def percentile_text(p: float) -> str:
    """A percentile reading: ``P37``; beyond every draw ``<P1`` or ``>P99``."""
    return "<P1" if p < 0.5 else ">P99" if p > 99.5 else f"P{p:.0f}"


def _status(
    rows: Sequence[dict[str, Any]], low_p: float, success: float, threshold: float, ess: float
) -> tuple[str, list[str], str]:
    """Status, its reasons and the key of its action (:data:`ACTIONS`) from the used
    observations' yearly readings (module docstring)."""
    by_year: dict[int, list[float]] = {}
    for r in rows:
        if r["used"]:
            by_year.setdefault(r["year"], []).append(r["percentile"])
    years = sorted(by_year)
    reading = {t: float(np.median(by_year[t])) for t in years}
    low = [t for t in years if reading[t] < low_p]
    reasons = [
        Message(
            "year {year}: observed cover at the {reading} of the projection (below P{low:g})",
            year=t,
            reading=percentile_text(reading[t]),
            low=low_p,
        )
        for t in low[-2:]
    ]
    if len(years) >= 2 and years[-1] in low and years[-2] in low:
        reasons.append(Message("two observed years in a row below the projection"))
        return "behind", reasons, "behind"
    high_p = 100.0 - low_p
    high = years[-1] if reading[years[-1]] > high_p else None
    watch = []
    if years[-1] in low:
        watch.append(
            Message("the latest observed year is low; one low year is tolerated (a drought?)")
        )
    if success < threshold:
        watch.append(
            Message(
                "success probability after the observations {success:.0%} is below the "
                "policy's {threshold:.0%}",
                success=success,
                threshold=threshold,
            )
        )
    if high is not None:
        watch.append(
            Message(
                "year {year}: observed cover at the {reading} of the projection (above "
                "P{high:g}): higher than recovery in almost every draw",
                year=high,
                reading=percentile_text(reading[high]),
                high=high_p,
            )
        )
    if ess < MIN_ESS:
        watch.append(
            Message(
                "the observations lie outside the projected fan (effective sample {ess:.0f})",
                ess=ess,
            )
        )
    if watch:
        only_high = high is not None and years[-1] not in low and success >= threshold
        return "watch", [*reasons, *watch], "watch_high" if only_high else "watch"
    outside = [t for t in years[:-1] if not low_p <= reading[t] <= high_p]
    if outside:  # an earlier year out of the band (a parcel, a date or a drought), not the last
        listed = Listing(
            Message("year {year} ({reading})", year=t, reading=percentile_text(reading[t]))
            for t in outside
        )
        return (
            "on_track",
            [
                Message(
                    "the latest observed year, {year}, is within the projected fan ({reading}); "
                    "earlier years outside the P{low:g}-P{high:g} band: {outside}",
                    year=years[-1],
                    reading=percentile_text(reading[years[-1]]),
                    low=low_p,
                    high=high_p,
                    outside=listed,
                )
            ],
            "on_track",
        )
    return "on_track", [Message("observed cover within the projected fan")], "on_track"


def risk_key(record: dict[str, Any]) -> tuple[int, float, float, str]:
    """Sort key of the supervision list: status, then failure probability, then shortfall."""
    return (
        STATUSES.index(record["status"]),
        -(1.0 - record["success_probability_after"]),
        -record["fund_shortfall_mean_cny"],
        record["proposal_id"],
    )
