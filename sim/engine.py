"""The Monte-Carlo engine: P proposals x D draws x T years, in chunks with bounded memory.

Each proposal draws from its own random stream, derived from the run seed and a SHA-256 hash of
its id through :class:`numpy.random.SeedSequence`, so its results are the same whatever the chunk
size, the number of worker threads, or which other proposals share the run. Chunks of
(proposal, draw) rows stream through :func:`sim.core.simulate_rows`; per-proposal summaries are
made as soon as a proposal's rows are done, so no (proposal, draw, year) array is ever held.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from sim.core import simulate_rows
from sim.keys import AREA_CLASSES, RESOLVED_KEYS
from sim.model.draws import sample_draws
from sim.params import Library, load_library
from sim.resolve import draw_settings, resolve
from sim.version import __version__

QUANTILES = (0.1, 0.5, 0.9)
DEFAULT_CHUNK_PAIRS = 16_384

#: units and long names of every output variable (CF-style attrs)
VARIABLES: dict[str, tuple[str, str]] = {
    "life_years": ("year", "extraction life"),
    "horizon_years": ("year", "years simulated, including year 0"),
    "draws": ("1", "Monte-Carlo draws"),
    "pit_footprint_ha": ("ha", "final pit footprint (floor + walls)"),
    "pit_enlarged_share": ("1", "share of draws whose pit was enlarged to hold walls and floor"),
    "total_disturbed_area_ha": ("ha", "total area disturbed over the life"),
    "peak_disturbed_area_ha": ("ha", "largest area disturbed and not yet restored at once"),
    "cost_cny": ("CNY", "undiscounted restoration cost at year-0 prices"),
    "cost_per_ha_cny": ("CNY/ha", "undiscounted restoration cost per disturbed hectare"),
    "pv_cost_cny": ("CNY", "present value of restoration cost"),
    "pv_revenue_cny": ("CNY", "present value of ore revenue"),
    "success_probability": ("1", "probability that restoration meets the success criteria"),
    "success_area_share": ("1", "share of restored area meeting its criterion by the deadline"),
    "rework_area_share": ("1", "expected share of restored area needing rework"),
    "recovery_years": (
        "year",
        "area-weighted years from planting until restored land meets its criterion",
    ),
    "assurance_probability": ("1", "probability that fund + bond cover the cost left at closure"),
    "default_probability": ("1", "probability that the operator walks away before the end"),
    "expected_unfunded_liability_cny": ("CNY", "expected unfunded public liability (nominal)"),
    "unfunded_liability_cny": ("CNY", "unfunded public liability (nominal)"),
    "fund_at_closure_cny": ("CNY", "restoration fund balance at the end of extraction (nominal)"),
    "liability_at_closure_cny": (
        "CNY",
        "restoration cost still to pay after extraction, valued at closure (nominal)",
    ),
    # trajectories
    "disturbed_area_ha": ("ha", "cumulative disturbed area"),
    "restored_area_ha": ("ha", "cumulative restored area"),
    "unrestored_area_ha": ("ha", "disturbed area not yet restored"),
    "disturbed_by_class_ha": ("ha", "mean cumulative disturbed area by area class"),
    "restored_by_class_ha": ("ha", "mean cumulative restored area by area class"),
    "cost_yearly_cny": ("CNY", "restoration spend per year at year-0 prices"),
    "cost_cumulative_cny": ("CNY", "cumulative restoration spend at year-0 prices"),
    "fund_balance_cny": ("CNY", "restoration fund balance at year end (nominal)"),
    "walkaway_liability_cny": (
        "CNY",
        "cost left to the public if the operator walked away (nominal)",
    ),
    "coverage_probability": ("1", "probability that fund + bond cover the walk-away liability"),
    "cover": ("1", "area-weighted fractional vegetation cover of restored land, by land use"),
}

_Q_SCALARS = {
    "life_years": "life_years",
    "pit_footprint_ha": "pit_footprint_ha",
    "total_disturbed_area_ha": "total_disturbed_ha",
    "peak_disturbed_area_ha": "peak_unrestored_ha",
    "cost_cny": "cost_cny",
    "cost_per_ha_cny": "cost_per_ha_cny",
    "pv_cost_cny": "pv_cost_cny",
    "pv_revenue_cny": "pv_revenue_cny",
    "success_area_share": "success_area_share",
    "recovery_years": "recovery_years",
    "unfunded_liability_cny": "unfunded_liability_cny",
    "fund_at_closure_cny": "fund_at_closure_cny",
    "liability_at_closure_cny": "liability_at_closure_cny",
}
_CLASS_KEYS = {
    "pit_floor": "pit_floor",
    "pit_wall": "pit_wall",
    "dump": "dump",
    "infrastructure": "infrastructure",
}


def proposal_seed_sequence(seed: int, proposal_id: str) -> np.random.SeedSequence:
    """The seed sequence of one proposal's stream: run seed + SHA-256 of the id (stable)."""
    digest = hashlib.sha256(proposal_id.encode("utf-8")).digest()
    key = tuple(int(w) for w in np.frombuffer(digest[:16], dtype="<u4"))
    return np.random.SeedSequence(entropy=int(seed), spawn_key=key)


def proposal_rng(seed: int, proposal_id: str) -> np.random.Generator:
    """The random generator of one proposal in a run with ``seed``."""
    return np.random.Generator(np.random.PCG64(proposal_seed_sequence(seed, proposal_id)))


@dataclass
class Prepared:
    """One proposal made ready for the engine."""

    proposal_id: str
    resolved: dict[str, Any]
    settings: dict[str, Any]

    @property
    def horizon(self) -> int:
        return int(self.resolved["horizon_years"])

    def draws(self, seed: int, n_draws: int) -> dict[str, np.ndarray]:
        """All random inputs of this proposal's ``n_draws`` draws."""
        return sample_draws(
            proposal_rng(seed, self.proposal_id), n_draws, self.horizon, **self.settings
        )


def prepare(proposals: Sequence[Any], policy: Any, lib: Library) -> list[Prepared]:
    """Resolve every proposal; ids must be unique."""
    seen: set[str] = set()
    out = []
    for p in proposals:
        pid = p.proposal.id
        if pid in seen:
            from sim.errors import InputError

            raise InputError(f"proposal id '{pid}' appears twice in one run; ids must be unique")
        seen.add(pid)
        out.append(Prepared(pid, resolve(p, policy, lib), draw_settings(p, lib)))
    return out


@dataclass
class EngineResult:
    """What the engine returns: summaries always, trajectories and raw draws on request."""

    summary: xr.Dataset
    trajectories: xr.Dataset | None = None
    raw: xr.Dataset | None = None
    prepared: list[Prepared] = field(default_factory=list)


def _chunks(n_props: int, n_draws: int, chunk_pairs: int) -> Iterator[list[tuple[int, int, int]]]:
    cur: list[tuple[int, int, int]] = []
    size = 0
    for i in range(n_props):
        start = 0
        while start < n_draws:
            take = min(n_draws - start, chunk_pairs - size)
            cur.append((i, start, start + take))
            size += take
            start += take
            if size >= chunk_pairs:
                yield cur
                cur, size = [], 0
    if cur:
        yield cur


def _run_chunk(blocks, prepared, seed, n_draws, yearly):
    n_years = max(prepared[i].horizon for i, _, _ in blocks)
    counts = [b - a for _, a, b in blocks]
    inp = {
        k: np.repeat(np.array([prepared[i].resolved[k] for i, _, _ in blocks]), counts)
        for k in RESOLVED_KEYS
    }
    parts: dict[str, list[np.ndarray]] = {}
    for i, a, b in blocks:
        d = prepared[i].draws(seed, n_draws)
        for k, v in d.items():
            v = v[a:b]
            if v.ndim == 2 and k != "cost_factor" and v.shape[1] < n_years:
                v = np.pad(v, ((0, 0), (0, n_years - v.shape[1])), constant_values=1.0)
            parts.setdefault(k, []).append(v)
    draws = {k: np.concatenate(v) for k, v in parts.items()}
    out = simulate_rows(inp, draws, n_years, yearly=yearly)
    return blocks, out


class _Collector:
    """Gathers each proposal's rows and summarises it once complete."""

    def __init__(self, prepared, n_draws, trajectories, raw):
        self.prepared, self.n_draws = prepared, n_draws
        self.want_traj, self.want_raw = trajectories, raw
        self.pending: dict[int, list[tuple[int, dict[str, np.ndarray]]]] = {}
        self.summary_rows: list[dict[str, Any]] = []
        self.traj_rows: list[dict[str, np.ndarray]] = []
        self.raw_rows: list[dict[str, np.ndarray]] = []

    def add(self, blocks, out):
        row = 0
        for i, a, b in blocks:
            n = b - a
            h = self.prepared[i].horizon
            piece = {
                k: (v[row : row + n, :h] if v.ndim == 2 else v[row : row + n])
                for k, v in out.items()
            }
            row += n
            self.pending.setdefault(i, []).append((a, piece))
            if sum(len(p["cost_cny"]) for _, p in self.pending[i]) == self.n_draws:
                parts = sorted(self.pending.pop(i), key=lambda x: x[0])
                full = {k: np.concatenate([p[k] for _, p in parts]) for k in parts[0][1]}
                self._finish(i, full)

    def _finish(self, i: int, r: dict[str, np.ndarray]) -> None:
        prep = self.prepared[i]
        s: dict[str, Any] = {"horizon_years": prep.horizon, "draws": self.n_draws}
        for name, key in _Q_SCALARS.items():
            s[name] = _quantiles(r[key].astype(float))
        s["success_probability"] = float(np.mean(r["success"]))
        s["assurance_probability"] = float(np.mean(r["assured"]))
        s["default_probability"] = float(np.mean(r["defaulted"]))
        s["expected_unfunded_liability_cny"] = float(np.mean(r["unfunded_liability_cny"]))
        s["pit_enlarged_share"] = float(np.mean(r["pit_enlarged"]))
        s["rework_area_share"] = float(np.mean(r["rework_area_share"]))
        self.summary_rows.append(s)
        if self.want_traj:
            self.traj_rows.append(_trajectory(r, prep.resolved["bond_cny"]))
        if self.want_raw:
            self.raw_rows.append(r)


def _quantiles(x: np.ndarray) -> np.ndarray:
    """P10/P50/P90 over draws, ignoring NaN (no restored area); NaN when nothing is finite."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.full(len(QUANTILES), np.nan)
    return np.quantile(finite, QUANTILES)


COVER_CLASSES = ("forest", "grassland", "shrub", "farmland", "wall")


def _nanquantile_cols(x: np.ndarray) -> np.ndarray:
    """Quantiles over draws (axis 0) per year, ignoring NaN; NaN for years with none."""
    out = np.full((len(QUANTILES), x.shape[1]), np.nan)
    cols = np.isfinite(x).any(axis=0)
    if cols.any():
        out[:, cols] = np.nanquantile(x[:, cols], QUANTILES, axis=0)
    return out


def _trajectory(r: dict[str, np.ndarray], bond_cny: float) -> dict[str, np.ndarray]:
    dist = {c: r[f"disturbed_{c}_ha"] for c in AREA_CLASSES}
    rest = {c: r[f"restored_{c}_ha"] for c in AREA_CLASSES}
    dist_total = sum(dist.values())
    rest_total = sum(rest.values())
    spend = r["spend_cny"]
    qs = np.array(QUANTILES)
    cover = np.stack([_nanquantile_cols(r[f"cover_{c}"]) for c in COVER_CLASSES], axis=-1)
    return {
        "cover": cover,
        "disturbed_area_ha": np.quantile(dist_total, qs, axis=0),
        "restored_area_ha": np.quantile(rest_total, qs, axis=0),
        "unrestored_area_ha": np.quantile(dist_total - rest_total, qs, axis=0),
        "cost_yearly_cny": np.quantile(spend, qs, axis=0),
        "cost_cumulative_cny": np.quantile(np.cumsum(spend, axis=1), qs, axis=0),
        "fund_balance_cny": np.quantile(r["fund_balance_cny"], qs, axis=0),
        "walkaway_liability_cny": np.quantile(r["walkaway_liability_cny"], qs, axis=0),
        "coverage_probability": np.mean(
            r["fund_balance_cny"] + bond_cny >= r["walkaway_liability_cny"], axis=0
        ),
        "disturbed_by_class_ha": np.stack([dist[c].mean(axis=0) for c in AREA_CLASSES]),
        "restored_by_class_ha": np.stack([rest[c].mean(axis=0) for c in AREA_CLASSES]),
    }


def _attrs(var: str) -> dict[str, str]:
    units, long_name = VARIABLES.get(var, ("1", var.replace("_", " ")))
    return {"units": units, "long_name": long_name}


def run(
    proposals: Sequence[Any],
    policy: Any,
    *,
    draws: int = 1000,
    seed: int = 0,
    lib: Library | None = None,
    trajectories: bool = False,
    raw: bool = False,
    chunk_pairs: int = DEFAULT_CHUNK_PAIRS,
    workers: int = 1,
    progress: bool = False,
) -> EngineResult:
    """Run the engine; see :func:`sim.evaluate` for the public entry point."""
    if draws < 1:
        from sim.errors import InputError

        raise InputError(f"--draws = {draws}: must be a positive integer")
    lib = lib or load_library()
    prepared = prepare(proposals, policy, lib)
    yearly = trajectories or raw
    collector = _Collector(prepared, draws, trajectories, raw)
    chunks = list(_chunks(len(prepared), draws, max(1, int(chunk_pairs))))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chunks), unit="chunk", desc="evaluating", leave=False)
    if workers <= 1:
        for blocks in chunks:
            collector.add(*_run_chunk(blocks, prepared, seed, draws, yearly))
            if bar:
                bar.update()
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            window = 2 * workers
            futures = []
            for blocks in chunks:
                futures.append(pool.submit(_run_chunk, blocks, prepared, seed, draws, yearly))
                if len(futures) >= window:
                    collector.add(*futures.pop(0).result())
                    if bar:
                        bar.update()
            for fut in futures:
                collector.add(*fut.result())
                if bar:
                    bar.update()
    if bar:
        bar.close()
    ids = [p.proposal_id for p in prepared]
    summary = _summary_dataset(ids, collector.summary_rows)
    traj = _trajectory_dataset(ids, prepared, collector.traj_rows) if trajectories else None
    raw_ds = _raw_dataset(ids, prepared, collector.raw_rows) if raw else None
    common = {
        "seed": int(seed),
        "draws": int(draws),
        "version": __version__,
        "policy": json.dumps(policy.to_dict(), sort_keys=True),
        "parameter_overrides": json.dumps(_overrides(lib), sort_keys=True),
        "parameters": json.dumps({k: v.value for k, v in lib.params.items()}, sort_keys=True),
        "inputs": json.dumps([p.to_dict() for p in proposals], sort_keys=True),
        "Conventions": "CF-1.10",
        "source": f"restoresim {__version__}",
    }
    for ds in (summary, traj, raw_ds):
        if ds is not None:
            ds.attrs.update(common)
    return EngineResult(summary=summary, trajectories=traj, raw=raw_ds, prepared=prepared)


def _overrides(lib: Library) -> dict[str, Any]:
    base = load_library()
    return {k: p.value for k, p in lib.params.items() if p.value != base.params[k].value}


def _summary_dataset(ids: list[str], rows: list[dict[str, Any]]) -> xr.Dataset:
    data = {}
    for name in rows[0] if rows else []:
        vals = np.array([r[name] for r in rows])
        dims = ("proposal", "quantile") if vals.ndim == 2 else ("proposal",)
        data[name] = xr.Variable(dims, vals, attrs=_attrs(name))
    return xr.Dataset(data, coords={"proposal": ids, "quantile": list(QUANTILES)})


def _pad(a: np.ndarray, n_years: int, axis: int = -1) -> np.ndarray:
    pad = [(0, 0)] * a.ndim
    pad[axis] = (0, n_years - a.shape[axis])
    return np.pad(a.astype(float), pad, constant_values=np.nan)


def _trajectory_dataset(ids, prepared, rows) -> xr.Dataset:
    n_years = max(p.horizon for p in prepared)
    data = {}
    for name in rows[0]:
        if name == "cover":
            dims: tuple[str, ...] = ("proposal", "quantile", "year", "cover_class")
        elif name.endswith("by_class_ha"):
            dims = ("proposal", "area_class", "year")
        elif rows[0][name].ndim == 1:
            dims = ("proposal", "year")
        else:
            dims = ("proposal", "quantile", "year")
        axis = dims.index("year") - 1
        vals = np.stack([_pad(r[name], n_years, axis) for r in rows])
        data[name] = xr.Variable(dims, vals, attrs=_attrs(name))
    ds = xr.Dataset(
        data,
        coords={
            "proposal": ids,
            "year": np.arange(n_years),
            "quantile": list(QUANTILES),
            "area_class": list(AREA_CLASSES),
            "cover_class": list(COVER_CLASSES),
        },
    )
    return ds.transpose("proposal", "year", ...)


def _raw_dataset(ids, prepared, rows) -> xr.Dataset:
    n_years = max(p.horizon for p in prepared)
    data = {}
    for name in rows[0]:
        vals = np.stack([_pad(r[name], n_years) if r[name].ndim == 2 else r[name] for r in rows])
        dims = ("proposal", "draw", "year") if vals.ndim == 3 else ("proposal", "draw")
        data[name] = xr.Variable(dims, vals, attrs=_attrs(name))
    return xr.Dataset(data, coords={"proposal": ids, "year": np.arange(n_years)})
