"""Everything the reviewer's report shows, computed once: :func:`analyse` -> :class:`ReportData`.

One call of :func:`sim.evaluate` with trajectories and raw draws gives the verdict and every
distribution; the cost breakdown comes from :mod:`sim.breakdown`, the bill by measure (ours
beside the applicant's) from :mod:`sim.bill` on the same draws; the sensitivity analysis
re-runs the evaluation at the low and high ends of the main uncertain parameters with the same
seed (common random numbers) and fewer draws.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sim import spatial
from sim.bill import percentile_label
from sim.breakdown import cost_by_measure_cny
from sim.i18n import N_, _, current_lang, gettext
from sim.i18n.units import money
from sim.model.cost import slope_class
from sim.params import Library, load_library
from sim.resolve import WALL_CLASSES, resolve
from sim.safeio import sha256_of
from sim.version import __version__

#: draws of each sensitivity run (fewer than the main run; same seed)
SENSITIVITY_DRAWS = 500


def input_files_sha256(proposal: Any, policy: Any) -> dict[str, str]:
    """SHA-256 of the bytes of every file an evaluation reads besides the proposal and policy:
    the boundary (with a Shapefile's sidecars), the bill of quantities' file and the policy's
    layer files, keyed by role and file name (not by folder, so that a moved application keeps
    its hash)."""
    from sim.spatial.files import parts_of

    named: list[tuple[str, Path]] = []
    if proposal.location is not None:
        named += [(f"boundary/{p.name}", p) for p in parts_of(proposal.boundary_path())]
    bill = getattr(proposal, "bill", None)
    if bill is not None and bill.file is not None:
        path = proposal.resolve_path(bill.file)
        named.append((f"bill/{path.name}", path))
    for i, layer in enumerate(policy.layers):
        named += [(f"layers/{i}/{p.name}", p) for p in parts_of(policy.resolve_path(layer.path))]
    return {key: sha256_of(p) for key, p in named}


def inputs_sha256(proposal: Any, policy: Any, lib: Library) -> str:
    """SHA-256 of the validated proposal, the policy, every parameter value and the bytes of
    the boundary and layer files (canonical JSON)."""
    doc = {
        "proposal": proposal.to_dict(),
        "policy": policy.to_dict(),
        "parameters": {k: p.value for k, p in sorted(lib.params.items())},
        "files": input_files_sha256(proposal, policy),
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def percentile_of(values: np.ndarray, x: float) -> float:
    """Share of ``values`` at or below ``x``, in percent [%]."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(100.0 * np.mean(v <= x)) if v.size else float("nan")


def applicant_statement(
    plan_cny: float, costs_cny: np.ndarray, nominal_costs_cny: np.ndarray | None = None
) -> str:
    """Where the applicant's own estimate lies on the simulated cost distribution, in words.

    ``costs_cny`` is our cost at year-0 prices; ``nominal_costs_cny``, when given, the same
    bills at the prices of the years they are paid (what a plan's dynamic total, 动态总投资, and
    the fund that accrues it must meet): the figure is placed on both.
    """
    text = _placed(plan_cny, costs_cny)
    if plan_cny > 0 and nominal_costs_cny is not None:
        text += ("" if current_lang() == "zh" else " ") + _(
            "At the prices of the years the bills fall due (the basis of a plan's dynamic total, "
            "which the fund accrues) it is at the {label} of ours.",
            label=percentile_label(percentile_of(nominal_costs_cny, plan_cny)),
        )
    return text


def _placed(plan_cny: float, costs_cny: np.ndarray) -> str:
    if plan_cny <= 0:
        return _("The application gives no restoration cost estimate of its own.")
    pct = percentile_of(costs_cny, plan_cny)
    figure = money(plan_cny)
    if pct <= 0:
        return _(
            "The applicant's figure ({figure}) is below every simulated draw (under the P1 of "
            "our estimate).",
            figure=figure,
        )
    if pct >= 100:
        return _(
            "The applicant's figure ({figure}) is above every simulated draw (over the P99 of "
            "our estimate).",
            figure=figure,
        )
    return _(
        "The applicant's figure ({figure}) is at the {label} of our estimate.",
        figure=figure,
        label=percentile_label(pct),
    )


@dataclass(frozen=True)
class SensitivityRow:
    """One parameter of the tornado chart: its range and the results at both ends."""

    name: str
    unit: str
    low: float
    high: float
    cost_p90_low_cny: float
    cost_p90_high_cny: float
    success_low: float
    success_high: float


@dataclass(frozen=True)
class Sensitivity:
    """Cost P90 and success probability at both ends of each parameter's plausible range."""

    draws: int
    base_cost_p90_cny: float
    base_success: float
    rows: list[SensitivityRow]


#: land uses (and the walls) as figures and labels name them
COVER_LABELS = {
    "forest": N_("Forest"),
    "grassland": N_("Grassland"),
    "shrub": N_("Shrub"),
    "farmland": N_("Farmland"),
    "wall": N_("Pit walls"),
}

#: readable names of the parameter library's entries, by pattern: ``{land_use}``,
#: ``{substrate}`` and ``{wall_class}`` stand for the last part of a name (shown after the
#: label), ``{region}`` for a region (not shown: a report concerns one region). Used by the
#: tornado and the assumptions appendix; every entry of the library has one (a test).
PARAM_LABELS: tuple[tuple[str, str], ...] = (
    ("cost.wall_greening.thick_layer", N_("thick-layer base spraying, price")),
    ("cost.wall_greening.hung_net", N_("hung-net spray seeding, price")),
    ("cost.wall_trough_unit_cost", N_("planting trough, price")),
    ("cost.regrade_unit_cost", N_("regrading, price")),
    ("cost.regrade_volume", N_("earth moved in regrading, per ha")),
    ("cost.topsoil_import_unit_cost", N_("imported soil, price")),
    ("cost.topsoil_respread_unit_cost", N_("re-spreading stripped topsoil, price")),
    ("cost.topsoil_handling_loss", N_("topsoil lost in handling and storage")),
    ("cost.planting.{land_use}", N_("planting, price per ha")),
    ("cost.aftercare_rate", N_("aftercare rate")),
    ("cost.other_fees_rate", N_("other fees rate")),
    ("cost.profit_rate", N_("contractor profit rate")),
    ("cost.tax_rate", N_("tax rate")),
    ("cost.contingency_rate", N_("contingency rate")),
    ("cost.common_factor_sigma", N_("cost uncertainty shared by all measures (log-sd)")),
    ("cost.measure_factor_sigma", N_("cost uncertainty of each measure (log-sd)")),
    ("cost.amendment_unit_cost", N_("substrate amendment, price")),
    ("cost.demolition_unit_cost", N_("demolition, price")),
    ("cost.drainage_unit_cost", N_("drainage works, price per ha")),
    ("cost.wall_bench_face_angle.{substrate}", N_("steepest bench face")),
    ("cost.wall_bench_height", N_("final bench height")),
    ("cost.wall_cutback_unit_cost", N_("wall cut-back, price")),
    ("cost.wall_scaling_unit_cost", N_("scaling loose rock, price")),
    ("cost.wall_ditch_length", N_("crest ditch per metre of final wall")),
    ("cost.wall_ditch_unit_cost", N_("intercepting ditch, price")),
    ("cost.wall_retaining_length", N_("retaining wall per metre of final wall")),
    ("cost.wall_retaining_unit_cost", N_("retaining wall, price")),
    ("cost.wall_slope_edges", N_("edges of the wall-slope classes")),
    ("cost.wall_soil_slope_max", N_("steepest wall regraded and planted as land")),
    ("cost.wall_spray_share.{substrate}", N_("share of bench faces sprayed")),
    ("cost.wall_thick_layer_above", N_("thick-layer spraying above this slope")),
    ("schedule.thickness_sigma", N_("mined thickness, spread")),
    ("schedule.swell_factor", N_("swell factor of waste")),
    ("schedule.output_spread", N_("annual output, spread")),
    ("schedule.ramp_share", N_("output share in ramp-up years")),
    ("schedule.wall_length_factor", N_("final wall length factor")),
    ("schedule.min_floor_width_m", N_("minimum pit floor width")),
    ("schedule.hillside_min_slope_deg", N_("ground slope of a hillside quarry")),
    ("regions.{region}.growth_rate", N_("vegetation growth rate")),
    ("regions.{region}.cover_max", N_("cover ceiling")),
    ("regions.{region}.drought_probability", N_("drought-year probability")),
    ("regions.{region}.success_cover.{land_use}", N_("acceptance cover")),
    ("recovery.failure_probability_drought", N_("planting failure, drought year")),
    ("recovery.failure_probability", N_("planting failure, normal year")),
    ("recovery.failure_cap", N_("planting failure, upper bound")),
    ("recovery.failure_multiplier_steep_wall", N_("failure multiplier on steep walls")),
    ("recovery.failure_multiplier_thin_soil", N_("failure multiplier on thin soil")),
    ("recovery.steep_wall_threshold", N_("slope above which walls count as steep")),
    ("recovery.thin_soil_depth", N_("soil depth below which it counts as thin")),
    ("recovery.required_soil_depth.{land_use}", N_("soil depth required")),
    ("recovery.precipitation_reference", N_("reference precipitation")),
    ("recovery.cover_initial", N_("cover at planting")),
    ("recovery.wall_cover_factor.{wall_class}", N_("cover ceiling on the walls, factor")),
    ("recovery.toxic_cover_factor_amended", N_("cover on amended toxic ground, factor")),
    ("recovery.toxic_cover_factor_unamended", N_("cover on toxic ground, factor")),
)

#: the substrates and wall-slope classes as a reviewer names them
SUBSTRATE_LABELS = {
    "carbonate": N_("carbonate rock"),
    "granite": N_("granite"),
    "sandstone": N_("sandstone"),
    "shale": N_("shale and mudstone"),
    "acid_sulfide": N_("sulfide-bearing rock"),
    "tailings": N_("tailings"),
}
WALL_CLASS_LABELS = {
    "gentle": N_("gentle walls"),
    "moderate": N_("moderate walls"),
    "steep": N_("steep walls"),
    "vertical": N_("near-vertical walls"),
}
_PART = {"land_use": r"(?P<land_use>[a-z_]+)", "substrate": r"(?P<substrate>[a-z_]+)",
         "wall_class": r"(?P<wall_class>[a-z_]+)", "region": r"[a-z_]+"}  # fmt: skip
_PARAM_PATTERNS = tuple(
    (re.compile(re.escape(pattern).replace(r"\{", "{").replace(r"\}", "}").format(**_PART) + "$"),
     label)
    for pattern, label in PARAM_LABELS
)  # fmt: skip


def land_use_name(land_use: str) -> str:
    """A land use (or the walls) in the current language."""
    label = {**COVER_LABELS, "water": N_("Water body")}.get(land_use)
    return gettext(label) if label else land_use


def param_label(name: str) -> str:
    """A parameter's readable name in the current language (its dotted name when none)."""
    for pattern, label in _PARAM_PATTERNS:
        found = pattern.match(name)
        if found is None:
            continue
        parts = found.groupdict()
        if "land_use" in parts:
            detail = land_use_name(parts["land_use"])
        elif "substrate" in parts:
            detail = gettext(SUBSTRATE_LABELS.get(parts["substrate"], parts["substrate"]))
        elif "wall_class" in parts:
            detail = gettext(WALL_CLASS_LABELS.get(parts["wall_class"], parts["wall_class"]))
        else:
            return gettext(label)
        return _("{what} ({land_use})", what=gettext(label), land_use=detail)
    return name


def sensitivity_parameters(proposal: Any, resolved: Mapping[str, Any], lib: Library) -> list[str]:
    """The main uncertain inputs of this proposal: unit costs it uses and recovery parameters."""
    region = f"regions.{proposal.proposal.region}"
    slope = np.array([resolved["final_highwall_slope_deg"]])
    wall = WALL_CLASSES[int(slope_class(slope, lib["cost.wall_slope_edges"])[0])]
    thick = resolved["wall_bench_face_deg"] > resolved["wall_thick_layer_above_deg"]
    spray = "thick_layer" if thick else "hung_net"
    shares = proposal.restoration.target_land_use
    names = [
        f"cost.wall_greening.{spray}",
        "cost.wall_trough_unit_cost",
        "cost.regrade_unit_cost",
        "cost.topsoil_import_unit_cost",
        *(f"cost.planting.{lu}" for lu, s in shares.items() if s >= 0.2),
        "cost.aftercare_rate",
        "cost.other_fees_rate",
        "schedule.thickness_sigma",
        "schedule.swell_factor",
        f"{region}.growth_rate",
        f"{region}.cover_max",
        f"{region}.drought_probability",
        "recovery.failure_probability",
        "recovery.failure_probability_drought",
        f"recovery.wall_cover_factor.{wall}",
    ]
    if resolved["substrate_amendment"]:
        names += ["cost.amendment_unit_cost", "recovery.toxic_cover_factor_amended"]
    elif float(resolved["toxic_cover_factor"]) < 1.0:
        names.append("recovery.toxic_cover_factor_unamended")
    if float(resolved["infrastructure_area_ha"]) > 0:
        names.append("cost.demolition_unit_cost")
    return [n for n in names if n in lib.params and lib.param(n).low < lib.param(n).high]


def run_sensitivity(
    proposal: Any,
    policy: Any,
    names: list[str],
    *,
    draws: int,
    seed: int,
    overrides: Mapping[str, float] | None = None,
) -> Sensitivity:
    """Re-evaluate with each parameter at the low and high end of its range (same seed)."""
    from sim.api import evaluate

    base_params = dict(overrides or {})
    lib = load_library(base_params)

    def key_numbers(params: Mapping[str, float]) -> tuple[float, float]:
        s = evaluate(
            [proposal], policy, draws=draws, seed=seed, params=params, conditions=False
        ).summary.isel(proposal=0)
        return float(s["cost_cny"].sel(quantile=0.9)), float(s["success_probability"])

    base_cost, base_success = key_numbers(base_params)
    rows = []
    for name in names:
        p = lib.param(name)
        lo = key_numbers({**base_params, name: p.low})
        hi = key_numbers({**base_params, name: p.high})
        rows.append(SensitivityRow(name, p.unit, p.low, p.high, lo[0], hi[0], lo[1], hi[1]))
    return Sensitivity(draws, base_cost, base_success, rows)


@dataclass
class ReportData:
    """One proposal's evaluation with everything its report shows."""

    proposal: Any
    policy: Any
    verdict: dict[str, Any]
    summary: xr.Dataset  # dims: quantile
    trajectories: xr.Dataset  # dims: year, quantile, area_class, cover_class
    raw: xr.Dataset  # dims: draw, year
    resolved: dict[str, Any]
    breakdown_cny: dict[str, float]
    sensitivity: Sensitivity | None
    library: Library
    overrides: dict[str, float]
    seed: int
    draws: int
    inputs_sha256: str
    screening: Any | None = None  # sim.spatial.Screening when a boundary is given
    bill: Any | None = None  # sim.bill.BillComparison: ours by measure, the applicant's beside
    version: str = __version__

    @property
    def horizon(self) -> int:
        """Years simulated, including year 0."""
        return int(self.resolved["horizon_years"])

    @property
    def years(self) -> np.ndarray:
        """Year indices 0 … horizon - 1."""
        return np.arange(self.horizon)

    @property
    def life_p50(self) -> int:
        """Median extraction life [yr]."""
        return int(self.verdict["metrics"]["life_years"])

    @property
    def closure_end(self) -> int:
        """Last year of final restoration at the median life."""
        return self.life_p50 + int(self.resolved["closure_years"])

    @property
    def success_deadline(self) -> int:
        """Year at which success is judged, at the median life."""
        return self.closure_end + int(self.resolved["success_horizon_years"])

    def per_draw(self, name: str) -> np.ndarray:
        """A per-draw scalar of the raw output, shape (draws,)."""
        return self.raw[name].values

    def yearly(self, name: str) -> np.ndarray:
        """A per-draw yearly raw output, shape (draws, horizon)."""
        return self.raw[name].values[:, : self.horizon]

    def unrestored_by_class_ha(self) -> xr.DataArray:
        """Mean disturbed-and-not-yet-restored area by area class (year, area_class) [ha]."""
        t = self.trajectories
        return (t["disturbed_by_class_ha"] - t["restored_by_class_ha"]).isel(
            year=slice(0, self.horizon)
        )

    def max_unrestored(self) -> tuple[int, float]:
        """Year and size [ha] of the largest mean unrestored area."""
        total = self.unrestored_by_class_ha().sum("area_class").values
        year = int(np.argmax(total))
        return year, float(total[year])

    def applicant_percentile(self) -> float | None:
        """Percentile of the applicant's estimate on the simulated cost [%], or None if absent."""
        plan = float(self.proposal.finance.plan_restoration_cost_cny)
        return percentile_of(self.per_draw("cost_cny"), plan) if plan > 0 else None

    def applicant_statement(self) -> str:
        """The applicant's estimate placed on the simulated cost distribution, in words."""
        return applicant_statement(
            float(self.proposal.finance.plan_restoration_cost_cny),
            self.per_draw("cost_cny"),
            self.raw["spend_nominal_cny"].values.sum(axis=1),
        )


def analyse(
    proposal: Any,
    policy: Any | None = None,
    *,
    draws: int = 1000,
    seed: int = 0,
    params: Mapping[str, float] | None = None,
    sensitivity_draws: int | None = SENSITIVITY_DRAWS,
    step: Callable[[str], None] | None = None,
) -> ReportData:
    """Evaluate one proposal for its report; ``sensitivity_draws=None`` skips the sensitivity.

    ``step(name)``, if given, is called as each part is done (``evaluation``, ``sensitivity``,
    ``bill``), for a progress bar: :data:`ANALYSIS_STEPS` of them.
    """
    step = step or _no_step
    from sim.api import bill_comparison, evaluate
    from sim.proposal import load_policy

    policy = policy if policy is not None else load_policy()
    overrides = dict(params or {})
    lib = load_library(overrides)
    ev = evaluate(
        [proposal], policy, draws=draws, seed=seed, params=overrides, trajectories=True, raw=True
    )
    resolved = resolve(proposal, policy, lib)
    screening = spatial.screen(proposal, policy) if proposal.location is not None else None
    verdict = ev.verdicts[0]  # with the search for conditions
    step("evaluation")
    sens = None
    if sensitivity_draws:
        sens = run_sensitivity(
            proposal,
            policy,
            sensitivity_parameters(proposal, resolved, lib),
            draws=min(draws, sensitivity_draws),
            seed=seed,
            overrides=overrides,
        )
    step("sensitivity")
    assert ev.trajectories is not None and ev.raw is not None
    bill = bill_comparison(proposal, policy, lib, draws, seed)
    step("bill")
    return ReportData(
        proposal=proposal,
        policy=policy,
        verdict=verdict,
        summary=ev.summary.isel(proposal=0),
        trajectories=ev.trajectories.isel(proposal=0),
        raw=ev.raw.isel(proposal=0),
        resolved=resolved,
        breakdown_cny=cost_by_measure_cny(resolved),
        sensitivity=sens,
        library=lib,
        overrides=overrides,
        seed=seed,
        draws=draws,
        inputs_sha256=inputs_sha256(proposal, policy, lib),
        screening=screening,
        bill=bill,
    )


#: the steps :func:`analyse` reports to its ``step`` callback
ANALYSIS_STEPS = 3


def _no_step(name: str) -> None:
    """No progress to show."""
