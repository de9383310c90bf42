"""The approval projection of cover, and its update from observations (importance weighting).

**Prior.** The engine's draws for the mine are the parameter library's prior over recovery
(cover ceiling, growth rate, establishment failure, droughts). Because one mine may recover
faster or slower than the regional distribution allows (a stall on toxic spoil, failed
planting), the prior is extended by a site recovery-rate factor ``phi`` multiplying the growth
rate of every draw: log ``phi`` ~ Normal(0, ``monitor.site_rate_sd_log``), on a fixed grid of
``PHI_GRID`` values. The engine runs once per grid value on the same random numbers (only the
growth rate changes), so the prior is a sample of (phi, draw) pairs with weights
``prior(phi) / draws``. The approval projection is the ``phi = 1`` run.

**Likelihood.** An observed cover ``y`` at year ``t`` of the restored land of some kind
(the whole site, an area class or a land use) is ``Normal(c(t), sd)`` about that draw's
area-weighted mean cover ``c(t)`` of that land, with ``sd = monitor.cover_observation_sd``;
observations are independent given the draw. Where a draw has no restored land of that kind in
that year, ``c`` is the cover at planting (``recovery.cover_initial``).

**Posterior.** Importance weights ``w ∝ prior × likelihood`` over the (phi, draw) pairs give the
posterior success probability (the engine's success test of each pair, weighted), the years to
the criterion, the cost still to pay and the fund shortfall, and the effective sample size
``1 / Σ w²`` (small when the observations lie outside the projected fan).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.keys import AREA_CLASSES
from sim.monitor.observations import COVER_LAND_USES, Observation

#: site recovery-rate factors (multiplying the growth rate of every draw): 2^(k/4) for
#: k = -16 … 4, evenly spaced in log phi from 1/16 to 2; 1 (k = 0) is the approval projection
PHI_GRID = 2.0 ** (np.arange(-16, 5) / 4.0)
#: covers closer than this are equal (a raster's float32 mean of a bare site is F0 to 1e-8)
TIE = 1e-6
LAND_CLASSES = tuple(c for c in AREA_CLASSES if c != "pit_wall")
RESTORED = {c: f"restored_{c}_ha" for c in AREA_CLASSES}


def phi_prior(phi: np.ndarray, sd_log: float) -> np.ndarray:
    """Prior weights of grid values evenly spaced in log phi: the normal density of log phi
    (mean 0, standard deviation ``sd_log``), normalised to 1 over the grid."""
    w = np.exp(-0.5 * (np.log(phi) / sd_log) ** 2)
    return w / w.sum()


def restored_cover(
    raw: Any, shares: dict[str, float], cover_initial: float
) -> dict[str, np.ndarray]:
    """Area-weighted mean cover of the restored land by kind, per draw and year (draw, year).

    Kinds: ``site`` (all restored land with vegetation: land uses other than water, and greened
    walls), ``land`` (the land uses of floor, dumps and infrastructure), ``wall`` and each land
    use. Where a draw has none of that land restored in a year the cover is ``cover_initial``.
    """
    land_ha = sum(raw[RESTORED[c]].values[0] for c in LAND_CLASSES)
    wall_ha = raw[RESTORED["pit_wall"]].values[0]
    parts = {"wall": (wall_ha, raw["cover_wall"].values[0])}
    for lu in COVER_LAND_USES:
        if shares.get(lu, 0.0) > 0:
            parts[lu] = (land_ha * shares[lu], raw[f"cover_{lu}"].values[0])

    def weighted(names: Sequence[str]) -> np.ndarray:
        num = np.zeros_like(land_ha)
        den = np.zeros_like(land_ha)
        for n in names:
            area, cover = parts[n]
            ok = np.isfinite(cover) & (area > 0)
            num += np.where(ok, area * np.nan_to_num(cover), 0.0)
            den += np.where(ok, area, 0.0)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), cover_initial)

    out = {name: weighted([name]) for name in parts}
    out["land"] = weighted([n for n in parts if n != "wall"])
    out["site"] = weighted(list(parts))
    for lu in COVER_LAND_USES:  # land uses the plan does not have: never observed as such
        out.setdefault(lu, np.full_like(land_ha, cover_initial))
    return out


def kind_of(obs: Observation) -> str:
    """Which restored land an observation measures (a key of :func:`restored_cover`)."""
    if obs.area_class == "pit_wall":
        return "wall"
    if obs.land_use:
        return obs.land_use
    return "land" if obs.area_class else "site"


@dataclass(frozen=True)
class Projection:
    """Per (phi, draw): cover of restored land by kind and year, and the engine's outcomes."""

    proposal_id: str
    phi: np.ndarray  # (J,)
    prior: np.ndarray  # (J,), sums to 1
    cover: dict[str, np.ndarray]  # kind -> (J, D, T)
    success: np.ndarray  # (J, D) bool
    recovery_years: np.ndarray  # (J, D)
    liability_cny: np.ndarray  # (J, D, T) walk-away liability (nominal)
    fund_cny: np.ndarray  # (J, D, T) fund balance (nominal)
    restored_ha: np.ndarray  # (J, D, T) restored area, all classes (cumulative)
    approval_index: int  # index of phi = 1

    @property
    def n_years(self) -> int:
        """Years of the projection (year 0 is the construction year)."""
        return int(self.cover["site"].shape[2])


def scaled_growth(lib: Any, region: str, phi: float) -> Any:
    """The library with the region's growth-rate distribution (mode and range) times ``phi``."""
    name = f"regions.{region}.growth_rate"
    p = lib.param(name)
    scaled = replace(p, value=float(p.value) * phi, low=p.low * phi, high=p.high * phi)
    return replace(lib, params={**lib.params, name: scaled})


def project(
    proposal: Any, policy: Any, lib: Any, draws: int, seed: int, sd_log: float
) -> Projection:
    """Run the engine for every site factor of :data:`PHI_GRID` on common random numbers."""
    from sim import engine

    shares = dict(proposal.restoration.target_land_use)
    f0 = float(lib["recovery.cover_initial"])
    covers: dict[str, list[np.ndarray]] = {}
    success, years, liability, fund, restored = [], [], [], [], []
    for phi in PHI_GRID:
        run = engine.run(
            [proposal],
            policy,
            draws=draws,
            seed=seed,
            raw=True,
            lib=scaled_growth(lib, proposal.proposal.region, float(phi)),
        )
        raw = run.raw
        for kind, c in restored_cover(raw, shares, f0).items():
            covers.setdefault(kind, []).append(c)
        success.append(raw["success"].values[0].astype(bool))
        years.append(raw["recovery_years"].values[0])
        liability.append(raw["walkaway_liability_cny"].values[0])
        fund.append(raw["fund_balance_cny"].values[0])
        restored.append(sum(raw[RESTORED[c]].values[0] for c in AREA_CLASSES))
    return Projection(
        proposal_id=proposal.id,
        phi=PHI_GRID.copy(),
        prior=phi_prior(PHI_GRID, sd_log),
        cover={k: np.stack(v) for k, v in covers.items()},
        success=np.stack(success),
        recovery_years=np.stack(years),
        liability_cny=np.stack(liability),
        fund_cny=np.stack(fund),
        restored_ha=np.stack(restored),
        approval_index=int(np.flatnonzero(PHI_GRID == 1.0)[0]),
    )


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (inverse of the weighted CDF)."""
    v = values.ravel()
    w = weights.ravel()
    ok = np.isfinite(v) & (w > 0)
    if not ok.any():
        return math.nan
    order = np.argsort(v[ok], kind="stable")
    cdf = np.cumsum(w[ok][order])
    return float(v[ok][order][np.searchsorted(cdf, q * cdf[-1])])


def log_likelihood(
    proj: Projection, obs: Sequence[Observation], year_of: Sequence[int], sd: float
) -> np.ndarray:
    """Sum over observations of the normal log density (without constants), shape (J, D)."""
    ll = np.zeros(proj.success.shape)
    for o, t in zip(obs, year_of, strict=True):
        c = proj.cover[kind_of(o)][:, :, t]
        ll += -0.5 * ((o.cover - c) / sd) ** 2
    return ll


def posterior_weights(proj: Projection, ll: np.ndarray) -> np.ndarray:
    """Normalised weights of the (phi, draw) pairs: prior(phi) / D times the likelihood."""
    n_draws = proj.success.shape[1]
    logw = np.log(proj.prior)[:, None] - math.log(n_draws) + ll
    w = np.exp(logw - logw.max())
    return w / w.sum()


def fan(proj: Projection, kind: str, quantiles: Sequence[float]) -> np.ndarray:
    """Quantiles over the approval draws of a kind's cover by year, shape (len(q), T)."""
    return np.quantile(proj.cover[kind][proj.approval_index], quantiles, axis=0)


def percentile(proj: Projection, kind: str, year: int, value: float) -> float:
    """Mid-rank percentile (0-100) of ``value`` among the approval draws' cover that year."""
    c = proj.cover[kind][proj.approval_index, :, year]
    tie = np.abs(c - value) <= TIE
    below = (c < value) & ~tie
    return float(100.0 * (np.sum(below) + 0.5 * np.sum(tie)) / c.size)


def posterior_fan(proj: Projection, w: np.ndarray, kind: str, q: float) -> np.ndarray:
    """A weighted quantile of a kind's cover for every year (posterior projection)."""
    c = proj.cover[kind]
    return np.array([weighted_quantile(c[:, :, t], w, q) for t in range(c.shape[2])])
