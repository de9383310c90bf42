"""Supervision by remote sensing: observed recovery of approved mines against their projection.

After approval the province checks restoration from satellite imagery. ``restoresim monitor``
places every observed vegetation cover of a mine's restored land on the cover distribution the
engine projected at approval for that year (:mod:`sim.monitor.assess`), gives each mine a status
(``on_track``, ``watch``, ``behind``, ``no_data``) by rules that tolerate one dry year, and
updates the projection with the observations by importance weighting of the engine's draws
(:mod:`sim.monitor.update`): the success probability, years to the criterion and fund shortfall
after the observations. Observations come as a table (:mod:`sim.monitor.observations`) or as
NDVI/FVC rasters reduced by zonal statistics (:mod:`sim.monitor.rasters`).

Python::

    from sim import monitor
    res = monitor.run(proposals, "observations.csv", draws=1000, seed=0)
    res.records          # one dict per mine (the ``monitor --json`` objects), most urgent first
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import InputError, allowed_list
from sim.i18n import _

if TYPE_CHECKING:  # imported where used: the command line registers `monitor` without them
    from sim.monitor import update
    from sim.monitor.observations import Observation

__all__ = ["MonitorResult", "load_observations", "run"]


@dataclass
class MonitorResult:
    """Records (most urgent first), projections and posterior weights by mine, run info."""

    records: list[dict[str, Any]]
    projections: dict[str, update.Projection]
    weights: dict[str, Any]
    run_info: dict[str, Any]

    def figures(self) -> dict[str, bytes]:
        """PNG plot of each mine: observed points on the projected fan."""
        from sim.monitor import outputs
        from sim.report.figures import to_png

        return {
            r["proposal_id"]: to_png(
                outputs.plot(
                    r, self.projections[r["proposal_id"]], self.weights.get(r["proposal_id"])
                )
            )
            for r in self.records
        }


def load_observations(
    path: str | Path, proposals: Sequence[Any], policy: Any, settings: dict[str, float]
) -> list[Observation]:
    """An observation table, or a raster manifest (a ``raster`` column) reduced to one."""
    from sim.monitor import rasters
    from sim.monitor.observations import read_csv_rows, read_observations

    header, _rows = read_csv_rows(path)

    if not rasters.is_manifest(header):
        return read_observations(path)
    boundaries = {p.id: _boundary_lonlat(p, policy) for p in proposals}
    return rasters.read_manifest(
        path,
        boundaries,
        settings["monitor.ndvi_soil"],
        settings["monitor.ndvi_vegetation"],
        policy.spatial,
    )


def _boundary_lonlat(proposal: Any, policy: Any) -> Any:
    if proposal.location is None:
        return None
    import shapely

    from sim.spatial import read_boundary

    return shapely.union_all(read_boundary(proposal, policy.spatial).lonlat)


def settings_with(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """The monitoring settings (``sim/params/monitor.toml``), with checked overrides."""
    from sim.params import monitor_params

    params = monitor_params()
    out = {k: float(p.value) for k, p in params.items()}
    for k, v in (overrides or {}).items():
        if k not in params:
            raise InputError(
                _(
                    "unknown monitoring setting {key}; allowed: {allowed}",
                    key=repr(k), allowed=allowed_list(params),
                )
            )
        p = params[k]
        if not p.low <= v <= p.high:
            raise InputError(
                _(
                    "{key} = {value} is outside its plausible range [{low}, {high}]",
                    key=k, value=repr(v), low=p.low, high=p.high,
                )
            )
        out[k] = float(v)
    return out


def run(
    proposals: Sequence[Any],
    observations: str | Path | Sequence[Observation],
    *,
    policy: Any = None,
    draws: int = 1000,
    seed: int = 0,
    as_of: dt.date | None = None,
    settings: dict[str, float] | None = None,
    lib: Any = None,
) -> MonitorResult:
    """Assess every proposal against its observations (a file or a list of observations).

    ``as_of`` (default: the latest observation date) ignores later observations and dates the
    next inspections, so a run is reproducible and can replay a mine's history. Observations
    of mines not among ``proposals`` are left out and listed in ``run_info``.
    """
    from sim.monitor import assess, outputs, update
    from sim.params import load_library
    from sim.proposal import load_policy
    from sim.version import __version__

    policy = policy or load_policy()
    lib = lib or load_library()
    settings = settings or settings_with()
    obs = (
        load_observations(observations, proposals, policy, settings)
        if isinstance(observations, str | Path)
        else list(observations)
    )
    ids = {p.id for p in proposals}
    others = sorted({o.proposal_id for o in obs} - ids)
    if obs and not any(o.proposal_id in ids for o in obs):
        raise InputError(
            _(
                "none of the {n} observations is of a proposal given: they name {named}; the "
                "proposals are {ids} (check proposal_id against the applications' [proposal] id)",
                n=len(obs), named=", ".join(others[:10]), ids=", ".join(sorted(ids)[:10]),
            )
        )
    obs = [o for o in obs if o.proposal_id in ids]
    for p in proposals:
        assess.start_date(p)  # every proposal can be placed in time, before any run
    if as_of is None:
        as_of = max((o.date for o in obs), default=None)
        if as_of is None:
            raise InputError(_("no observations: give at least one, or --as-of DATE"))
    records, projections, weights = [], {}, {}
    for p in proposals:
        proj = update.project(p, policy, lib, draws, seed, settings["monitor.site_rate_sd_log"])
        mine = [o for o in obs if o.proposal_id == p.id]
        rec, weights[p.id] = assess.assess_mine(p, mine, proj, policy, settings, as_of)
        records.append(rec)
        projections[p.id] = proj
    info = {
        "as_of": as_of.isoformat(),
        "seed": seed,
        "draws": draws,
        "version": __version__,
        "other_mines_observed": others,
    }
    return MonitorResult(outputs.sorted_records(records), projections, weights, info)
