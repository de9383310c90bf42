"""Input contract: the Proposal and Policy models, TOML/JSON loading and validation messages.

A *proposal* is one mining-right application; a *policy* holds the reviewer's rules. Both are
TOML files (JSON with the same structure is accepted), with the sections, field names and bounds
of ``design/inputs.md``. Validation collects every problem of a file and raises one
:class:`~sim.errors.InputError` whose lines read::

    bad.toml: [extraction] reserves_mt = -5.0: must be > 0 (allowed range (0, 10000] Mt)

A user policy file is deep-merged over the packaged default ``sim/data/default-policy.toml``
(tables merged key by key, ``layers`` replaced as a whole) and then validated, so it only needs
to state what it changes.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from inspect import isclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from sim import plausibility, quantities
from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import N_, _, gettext, pgettext, use_lang
from sim.params import input_defaults, load_library
from sim.safeio import MAX_DOCUMENT_BYTES, MAX_NESTING, clean_document, inside, read_limited

__all__ = [
    "DEFAULT_POLICY_PATH",
    "SUFFIXES",
    "Bill",
    "BillItem",
    "Conditions",
    "Criteria",
    "Extraction",
    "Finance",
    "Layer",
    "Location",
    "Policy",
    "PolicySection",
    "Proposal",
    "ProposalSection",
    "Restoration",
    "Site",
    "Spatial",
    "default_policy_data",
    "load_policy",
    "load_proposal",
    "load_proposals",
    "parse_policy",
    "parse_proposal",
    "policy_schema",
    "proposal_schema",
    "read_document",
]

SUFFIXES: tuple[str, ...] = (".toml", ".json")
DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "data" / "default-policy.toml"
MAX_LIFE_YEARS = plausibility.MAX_LIFE_YEARS
LAND_USE_SUM_TOLERANCE = 1e-6
ID_PATTERN = r"^[A-Za-z0-9._-]+$"
_PATTERN_HINTS = {
    ID_PATTERN: N_(
        "must be non-empty and use only letters, digits, '.', '_' and '-' (no spaces)"
    )
}

FINANCE_DEFAULTED = (
    "fund_interest_rate",
    "discount_rate",
    "inflation_rate",
    "operator_default_hazard_per_year",
)
"""[finance] fields that default to sim/params/finance_defaults.toml when left out."""

LandUse = Literal["forest", "grassland", "shrub", "farmland", "water"]
"""Land-use keys of ``target_land_use``; the same names as :data:`sim.keys.LAND_USES`."""

FundBasis = Literal["plan_cost_by_output", "revenue_share"]
LayerRule = Literal["no_overlap", "min_distance"]


# --------------------------------------------------------------------------------------------
# Field helpers


def _fmt(x: float) -> str:
    """A bound for messages: ``10000`` rather than ``10000.0`` or ``1e+04``."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _range_text(
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> str:
    lo = f"({_fmt(gt)}" if gt is not None else f"[{_fmt(ge)}" if ge is not None else "(-inf"
    hi = f"{_fmt(lt)})" if lt is not None else f"{_fmt(le)}]" if le is not None else "inf)"
    return f"{lo}, {hi}"


#: composed description -> its plain text as catalogue messages (the text, then any note), so
#: that the template (sim.template) can say it in the reviewer's language without its unit and
#: range; the English description is their concatenation (see sim.contract.FieldSpec.text)
DESCRIPTION_TEXT: dict[str, tuple[str, ...]] = {}

WHOLE_NUMBER_NOTE = N_("; a whole number")


def _q(
    text: str,
    unit: str,
    default: Any = ...,
    *,
    note: str = "",
    plausible: bool = False,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> Any:
    """A numeric field whose description carries its unit and its allowed range (``text`` and
    ``note`` are catalogue messages, kept apart in :data:`DESCRIPTION_TEXT`)."""
    unit_text = f" [{unit}]" if unit else ""
    word = "plausible range" if plausible else "allowed range"
    description = f"{text}{note}{unit_text}; {word} {_range_text(gt, ge, lt, le)}."
    DESCRIPTION_TEXT[description] = (text, note) if note else (text,)
    extra: dict[str, Any] = {"unit": unit}
    if plausible:
        extra["plausible_range"] = True
    return Field(
        default, description=description, json_schema_extra=extra, gt=gt, ge=ge, lt=lt, le=le
    )


def _years(text: str, default: Any = ..., *, ge: int = 0, le: int = 100) -> Any:
    """A whole number of years (a plain integer: 1.5, "3" and true are refused)."""
    return _q(text, "yr", default, note=WHOLE_NUMBER_NOTE, plausible=True, ge=ge, le=le)


def _share(text: str, default: Any = ...) -> Any:
    return _q(text, "", default, ge=0.0, le=1.0)


class _Model(BaseModel):
    """Base of every input table: unknown keys, NaN/inf and type coercion are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    key_noun: ClassVar[tuple[str, str]] = ("key", "keys")
    key_hints: ClassVar[dict[str, str]] = {}


class _Quantities(_Model):
    """A proposal table whose quantity fields also take "NUMBER UNIT" strings in the units
    Chinese plans use (``"2180.9 万t"``; :mod:`sim.quantities`), converted on the way in."""

    @field_validator("*", mode="before")
    @classmethod
    def _with_unit(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or info.field_name is None:
            return value
        field = cls.model_fields[info.field_name]
        if _is_share(field):  # "30%": 0.3
            share = quantities.percent(value)
            if share is not None:
                return share
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        levels = _LEVELS.match(value.translate(quantities.HALF_WIDTH))
        if levels is not None and info.field_name.startswith("pit_") and "elevation" in (
            info.field_name
        ):  # 开采标高 as the licence writes it: +125m至+60m
            top, bottom = sorted((float(levels.group(1)), float(levels.group(2))), reverse=True)
            raise ValueError(
                _(
                    "{text} is the 开采标高 range: write its upper end as pit_top_elevation_m = "
                    "{top:g} and its lower end as pit_bottom_elevation_m = {bottom:g}",
                    text=repr(value), top=top, bottom=bottom,
                )
            )
        converted = quantities.convert(value, str(extra.get("unit", "")))
        return value if converted is None else converted


#: two levels as a licence or notice writes its 开采标高: +234.10米至+40米, 1330m-1290m
_LEVELS = re.compile(
    r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:m|米)?\s*(?:至|到|~|～|—|–|-)\s*([+-]?\d+(?:\.\d+)?)\s*(?:m|米)?"
    r"\s*(?:标高)?\s*$"
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_share(field: FieldInfo) -> bool:
    """Whether a field is a share or a yearly rate (at most 1), which may be written "30%"."""
    return any(isinstance(m, Le) and m.le == 1 for m in field.metadata)


class _Whole(ValueError):
    """A validator message that already names the field and the value."""


#: characters that every Chinese name of a mineral, rock or region may share (ore, rock,
#: stone, earth, region): a name close to another only by them is not a hint
_GENERIC_CHARACTERS = frozenset("矿岩石土区")


def _check_table_key(kind: str, value: str, table: Mapping[str, Any]) -> str:
    """``value`` if it is a key of ``table``; else a message listing the keys, each with its
    name in the reviewer's language (``'limestone'（石灰岩）``), and the closest one, also to
    a name written in Chinese (``石灰石`` → ``'limestone'``)."""
    if value not in table:
        names = {key: pgettext(kind, key) for key in table}  # kind: the catalogue's context
        allowed = ", ".join(
            f"'{key}'" + (f"（{name}）" if name != key else "")
            for key, name in names.items()
        )
        hint = did_you_mean(value, table)
        if not hint and not value.isascii():  # a Chinese name: the closest of the names
            with use_lang("zh"):
                by_name = {pgettext(kind, key): key for key in table}
            close = difflib.get_close_matches(value, list(by_name), n=1, cutoff=0.5)
            if close and not (set(value) & set(close[0])) - _GENERIC_CHARACTERS:
                close = []  # 钒矿 is not 锰矿: they share only the word for ore
            if close:
                hint = _(
                    "; did you mean '{word}' ({name})?", word=by_name[close[0]], name=close[0]
                )
        raise ValueError(
            _("unknown {kind}; allowed: {allowed}{hint}", kind=_(kind), allowed=allowed, hint=hint)
        )
    return value


# --------------------------------------------------------------------------------------------
# Proposal


class ProposalSection(_Quantities):
    """[proposal]: what is applied for, by which method, where, and on how much land."""

    id: str = Field(
        description=N_(
            "Application id, unique in a run; seeds the proposal's random stream. "
            "Letters, digits, '.', '_' and '-'."
        ),
        pattern=ID_PATTERN,
        max_length=128,
    )
    name: str = Field(description=N_("Human-readable name of the mine."), min_length=1)
    mineral: str = Field(
        description=N_(
            "A key of the parameter library's mineral table (sim/params/minerals.toml): "
            "gives the default rock density and substrate and the plausible price range."
        )
    )
    method: Literal["open_pit"] = Field(
        description=N_(
            "Mining method. Only 'open_pit' is modelled; 'underground' (subsidence) is "
            "refused, not approximated."
        )
    )
    region: str = Field(
        description=N_(
            "A key of the parameter library's region table (sim/params/regions.toml): "
            "success criteria and recovery parameters."
        )
    )
    licensed_area_ha: float = _q(
        N_("The delineated mining-right area; the pit must fit inside it"),
        "ha",
        plausible=True,
        gt=0.0,
        le=100_000.0,
    )
    start_date: datetime.date | None = Field(
        None,
        description=N_(
            "Optional ISO date (YYYY-MM-DD, a TOML date or a string): year 0 "
            "(construction) is the calendar year containing it. The evaluation does not use it; "
            "`restoresim monitor` needs it to place each satellite observation in the "
            "projection's years."
        ),
    )

    @field_validator("start_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            raise ValueError(_("expected a date (YYYY-MM-DD) without a time of day"))
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(
                    _("expected an ISO date YYYY-MM-DD, e.g. '2026-03-01'")
                ) from None
        return value

    @field_validator("start_date")
    @classmethod
    def _plausible_year(cls, value: datetime.date | None) -> datetime.date | None:
        if value is not None and not 1950 <= value.year <= 2150:
            raise ValueError(_("the year must lie in [1950, 2150]"))
        return value

    @field_validator("mineral")
    @classmethod
    def _known_mineral(cls, value: str) -> str:
        return _check_table_key(N_("mineral"), value, load_library().minerals)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return _check_table_key(N_("region"), value, load_library().regions)

    @field_validator("method", mode="before")
    @classmethod
    def _not_underground(cls, value: Any) -> Any:
        if value == "underground":
            raise _Whole(
                _(
                    "method = 'underground' is not modelled yet (subsidence); "
                    "only 'open_pit' is supported"
                )
            )
        return value


class Extraction(_Quantities):
    """[extraction]: reserves, output schedule and the geometry of the pit and waste dumps."""

    reserves_mt: float = _q(N_("Mineable reserves"), "Mt", plausible=True, gt=0.0, le=10_000.0)
    annual_output_mt: float = _q(
        N_("Design capacity (full output per year)"), "Mt/yr", plausible=True, gt=0.0, le=500.0
    )
    ramp_up_years: StrictInt = _years(N_("Years at half capacity before full output (may be 0)"))
    rock_density_t_per_m3: float | None = _q(
        N_(
            "In-situ rock density; optional, defaults to the mineral table's density "
            "(always set after validation)"
        ),
        "t/m3",
        None,
        plausible=True,
        ge=1.0,
        le=6.0,
    )
    mined_thickness_m: float | None = _q(
        N_(
            "Mean depth (or face height) mined over the pit footprint; required unless the design "
            "geometry ([site] pit_area_ha, pit_top_elevation_m, pit_bottom_elevation_m) is given, "
            "which then defines the pit and this field is not used"
        ),
        "m",
        None,
        plausible=True,
        ge=1.0,
        le=1000.0,
    )
    stripping_ratio: float = _q(
        N_("Waste tonnes per ore tonne (may be 0)"), "t/t", plausible=True, ge=0.0, le=100.0
    )
    dump_height_m: float = _q(
        N_(
            "Mean height of the waste dumps: their volume over their footprint, not the "
            "maximum height (the footprint is the dumped volume over this height)"
        ),
        "m",
        plausible=True,
        ge=1.0,
        le=300.0,
    )
    infrastructure_area_ha: float = _q(
        N_("Plant, roads and stockpiles (may be 0; may lie outside the licence)"),
        "ha",
        plausible=True,
        ge=0.0,
        le=100_000.0,
    )


#: the design geometry: all three or none (model/SPEC.md §3a)
_DESIGN_FIELDS = ("pit_area_ha", "pit_top_elevation_m", "pit_bottom_elevation_m")


def is_hillside_pit(pit_type: str | None, mean_slope_deg: float | None, min_deg: float) -> bool:
    """Whether a designed pit is a hillside cut (model/SPEC.md §3a): as the plan's ``pit_type``
    states (山坡露天 / 凹陷露天), else when the ground is at least ``min_deg`` steep."""
    if pit_type in ("hillside", "closed"):
        return pit_type == "hillside"
    return mean_slope_deg is not None and mean_slope_deg >= min_deg


def hillside_pits(pit_type: Any, mean_slope_deg: Any, min_deg: float) -> Any:
    """:func:`is_hillside_pit` of columns (blank ``pit_type``: None, NaN or "")."""
    import numpy as np

    kind = np.array([v if isinstance(v, str) else "" for v in pit_type], dtype=object)
    ground = np.asarray(mean_slope_deg, dtype=float)
    by_ground = np.isfinite(ground) & (ground >= min_deg)
    return np.where(kind == "hillside", True, np.where(kind == "closed", False, by_ground))


class Site(_Quantities):
    """[site]: natural ground, final pit walls, topsoil, climate and exposed substrate."""

    mean_slope_deg: float | None = _q(
        N_(
            "Mean slope of the natural ground; optional. With the design geometry, ground at "
            "least as steep as the parameter schedule.hillside_min_slope_deg (10°) makes the pit "
            "a hillside quarry (a face cut into the slope, no closed pit; model/SPEC.md §3a); it "
            "must then be gentler than the final walls"
        ),
        "deg",
        None,
        ge=0.0,
        lt=90.0,
    )
    pit_type: Literal["hillside", "closed"] | None = Field(
        None,
        description=N_(
            "The kind of open pit as the plan states it (开采方式): hillside "
            "(山坡露天, a face cut into the slope, one back wall) or closed (凹陷露天, walls all "
            "round); optional, with the design geometry. When absent, ground at least as steep "
            "as schedule.hillside_min_slope_deg (10°) makes a hillside pit. A hillside pit needs "
            "mean_slope_deg"
        ),
    )
    final_highwall_slope_deg: float = _q(
        N_("Overall slope of the final pit walls"), "deg", ge=5.0, lt=90.0
    )
    final_highwall_height_m: float | None = _q(
        N_(
            "Height of the final pit walls; required unless the design geometry is given, whose "
            "depth (pit_top_elevation_m - pit_bottom_elevation_m) is then the walls' height "
            "(always set after validation)"
        ),
        "m",
        None,
        plausible=True,
        gt=0.0,
        le=1000.0,
    )
    pit_area_ha: float | None = _q(
        N_(
            "Designed open-pit extent at the surface (开采境界/采场面积); with the two elevations "
            "it defines the pit, and mined_thickness_m may be left out"
        ),
        "ha",
        None,
        plausible=True,
        gt=0.0,
        le=100_000.0,
    )
    pit_top_elevation_m: float | None = _q(
        N_("Highest level mined (开采标高, upper), metres above datum"),
        "m",
        None,
        ge=-1000.0,
        le=9000.0,
    )
    pit_bottom_elevation_m: float | None = _q(
        N_("Lowest level mined (开采标高, lower), metres above datum; below pit_top_elevation_m"),
        "m",
        None,
        ge=-1000.0,
        le=9000.0,
    )
    pit_volume_m3: float | None = _q(
        N_(
            "Ore and waste inside the designed pit as the plan computes it from its sections "
            "(境界内矿岩总量, m³); optional, with the design geometry: replaces the volume of the "
            "idealised pit of model/SPEC.md §3a in the licence check and as the most ore recovered"
        ),
        "m3",
        None,
        plausible=True,
        gt=0.0,
        le=1e11,
    )
    bench_height_m: float | None = _q(
        N_("Height of the final benches (台阶高度); optional, with the design geometry"),
        "m",
        None,
        plausible=True,
        ge=1.0,
        le=100.0,
    )
    bench_width_m: float | None = _q(
        N_(
            "Width of the berms between final benches (安全/清扫平台宽度); optional, with "
            "bench_height_m"
        ),
        "m",
        None,
        plausible=True,
        ge=0.0,
        le=100.0,
    )
    soil_depth_cm: float = _q(
        N_("Natural topsoil available for stripping (may be 0)"),
        "cm",
        plausible=True,
        ge=0.0,
        le=500.0,
    )
    annual_precipitation_mm: float = _q(
        N_("Mean annual precipitation"), "mm/yr", plausible=True, gt=0.0, le=10_000.0
    )
    substrate: str | None = Field(
        None,
        description=N_(
            "Substrate exposed by mining: a key of the substrate table "
            "(sim/params/substrates.toml: carbonate, granite, sandstone, shale, acid_sulfide, "
            "tailings). Optional, defaults to the mineral table's substrate (always set after "
            "validation)."
        ),
    )

    @property
    def has_design(self) -> bool:
        """Whether the design geometry (pit area and both elevations) is given."""
        return None not in (
            self.pit_area_ha,
            self.pit_top_elevation_m,
            self.pit_bottom_elevation_m,
        )

    @model_validator(mode="after")
    def _consistent_design(self) -> Self:
        """The design geometry is whole and describes a pit (model/SPEC.md §3a)."""
        names = _DESIGN_FIELDS
        given = [n for n in names if getattr(self, n) is not None]
        if given and len(given) < len(names):
            missing = ", ".join(n for n in names if n not in given)
            raise _Whole(
                _(
                    "{given} given without {missing}: the design geometry needs all "
                    "three (the pit's extent and its highest and lowest levels)",
                    given=", ".join(given), missing=missing,
                )
            )
        if self.bench_width_m is not None and self.bench_height_m is None:
            raise _Whole(
                _(
                    "bench_width_m = {width:g} given without bench_height_m: the "
                    "berms lie between benches of a stated height",
                    width=self.bench_width_m,
                )
            )
        if not self.has_design:
            for n in ("bench_height_m", "bench_width_m", "pit_volume_m3"):
                if getattr(self, n) is not None:
                    raise _Whole(
                        _(
                            "{name} = {value:g} given without the design geometry "
                            "(pit_area_ha, pit_top_elevation_m, pit_bottom_elevation_m)",
                            name=n, value=getattr(self, n),
                        )
                    )
            if self.pit_type is not None:
                raise _Whole(
                    _(
                        "pit_type = {value} given without the design geometry "
                        "(pit_area_ha, pit_top_elevation_m, pit_bottom_elevation_m)",
                        value=repr(self.pit_type),
                    )
                )
            return self
        top, bottom = self.pit_top_elevation_m, self.pit_bottom_elevation_m
        assert top is not None and bottom is not None and self.pit_area_ha is not None
        if not top > bottom:
            raise _Whole(
                _(
                    "pit_top_elevation_m = {top:g} must lie above pit_bottom_elevation_m = "
                    "{bottom:g} (the highest and the lowest level mined)",
                    top=top, bottom=bottom,
                )
            )
        depth = top - bottom
        theta = math.radians(self.final_highwall_slope_deg)
        plan_m = depth / math.tan(theta)
        if self.bench_height_m is not None and self.bench_width_m is not None:
            n_berms = max(math.ceil(depth / self.bench_height_m - 1e-9) - 1, 0)
            if n_berms * self.bench_width_m >= plan_m:
                berms_m = n_berms * self.bench_width_m
                raise _Whole(
                    _(
                        "bench_width_m = {width:g}: {n_berms} berms of that width between "
                        "{height:g} m benches take {berms_m:g} m of the {plan_m:.1f} m that a "
                        "{depth:g} m wall at the overall {slope:g}° final slope spans in plan; "
                        "the berms must be narrower (or the overall slope gentler)",
                        width=self.bench_width_m, n_berms=n_berms, height=self.bench_height_m,
                        berms_m=berms_m, plan_m=plan_m, depth=depth,
                        slope=self.final_highwall_slope_deg,
                    )
                )
        hillside = load_library()["schedule.hillside_min_slope_deg"]
        slope = self.mean_slope_deg
        if self.pit_type == "hillside" and not slope:
            raise _Whole(
                _(
                    "pit_type = 'hillside' without mean_slope_deg: a hillside pit is cut into "
                    "ground whose slope the plan states (地形坡度)"
                )
            )
        if is_hillside_pit(self.pit_type, slope, hillside):
            assert slope is not None
            if slope >= self.final_highwall_slope_deg:
                raise _Whole(
                    _(
                        "mean_slope_deg = {slope:g} is not gentler than "
                        "final_highwall_slope_deg = {wall:g}: a hillside quarry's final wall "
                        "must be steeper than the natural ground it is cut into",
                        slope=slope, wall=self.final_highwall_slope_deg,
                    )
                )
        elif math.sqrt(self.pit_area_ha * 1e4) <= 2.0 * plan_m:
            need_ha = (2.0 * plan_m) ** 2 / 1e4
            raise _Whole(
                _(
                    "pit_area_ha = {area:g} is too small for a closed pit {depth:g} m deep: its "
                    "walls at {slope:g}° meet before the bottom level (it needs more than "
                    "{need_ha:.2f} ha); check the area, the elevations and the final slope, or "
                    "give the ground's slope (mean_slope_deg) and pit_type = 'hillside' for a "
                    "hillside quarry",
                    area=self.pit_area_ha, depth=depth, slope=self.final_highwall_slope_deg,
                    need_ha=need_ha,
                )
            )
        return self

    @field_validator("substrate")
    @classmethod
    def _known_substrate(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _check_table_key(N_("substrate"), value, load_library().substrates)


class Restoration(_Quantities):
    """[restoration]: target land uses and how, when and how fast the land is restored."""

    target_land_use: dict[LandUse, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        description=N_(
            "Shares of the pit floor, dump and infrastructure area restored to each land "
            "use (forest, grassland, shrub, farmland, water); missing keys are 0, each share in "
            "[0, 1], the shares sum to 1 (±1e-6). Walls are greened in place. After validation all "
            "five keys are present."
        )
    )
    progressive_fraction: float = _share(
        N_("Share of disturbed pit floor, final benches and dumps restored while mining continues")
    )
    progressive_lag_years: StrictInt = _years(
        N_("Years from disturbance to progressive restoration (may be 0)")
    )
    closure_years: StrictInt = _years(
        N_("Years of final restoration after extraction ends (at least 1)"), ge=1
    )
    monitoring_years: StrictInt = _years(
        N_("Years of aftercare and monitoring after each restoration")
    )
    topsoil_stripped: StrictBool = Field(
        description=N_("Topsoil stripped and stockpiled before disturbance (true/false).")
    )
    import_topsoil: StrictBool = Field(
        True,
        description=N_(
            "Import soil to cover a topsoil deficit (true, the default); if false the "
            "available topsoil is spread thinner than the land use requires."
        ),
    )
    substrate_amendment: StrictBool = Field(
        description=N_(
            "Neutralise or cap a toxic substrate (lime + clean cover); costs more, and "
            "without it toxic substrates recover poorly (true/false)."
        )
    )
    wall_spray_share: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=N_(
            "Share of the final walls' rock faces the plan sprays (hung-net or "
            "thick-layer spray seeding); the rest is left as stable bare rock, greened by climbers "
            "from the bench troughs. Optional: by default the parameter library's share for the "
            "site's rock (cost.wall_spray_share.<substrate>)."
        ),
    )

    @field_validator("target_land_use", mode="before")
    @classmethod
    def _percentages(cls, value: Any) -> Any:
        """Shares written as percentages ({ forest = "70%" }) as fractions."""
        if not isinstance(value, dict):
            return value
        read = {k: quantities.percent(v) for k, v in value.items() if isinstance(v, str)}
        return {k: v if read.get(k) is None else read[k] for k, v in value.items()}

    @field_validator("target_land_use")
    @classmethod
    def _shares_sum_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        total = sum(value.values())
        if abs(total - 1.0) > LAND_USE_SUM_TOLERANCE:
            raise ValueError(
                _("the shares sum to {total:.6g}; they must sum to 1 (±1e-6)", total=total)
            )
        return {lu: float(value.get(lu, 0.0)) for lu in get_args(LandUse)}


_DEFAULT_NOTE = N_(
    "; optional, defaults to the sourced value in sim/params/finance_defaults.toml (always set "
    "after validation)"
)


class Finance(_Quantities):
    """[finance]: ore price, the restoration fund and bond, and the economic environment."""

    ore_price_cny_per_t: float = _q(
        N_("Ore sale price at year-0 prices"), "CNY/t", plausible=True, gt=0.0, le=1e6
    )
    plan_restoration_cost_cny: float = _q(
        N_("The applicant's own restoration cost estimate in its plan (may be 0)"),
        "CNY",
        plausible=True,
        ge=0.0,
        le=1e12,
    )
    fund_basis: FundBasis = Field(
        description=N_(
            "How the restoration fund is accrued: 'plan_cost_by_output' (the plan's cost "
            "in proportion to output over the life, China's 2017 rule) or 'revenue_share' "
            "(fund_rate_of_revenue x revenue each year)."
        )
    )
    fund_rate_of_revenue: float | None = _share(
        N_(
            "Share of revenue paid into the fund each year (used when fund_basis = "
            "'revenue_share', where it is required; may be left out otherwise)"
        ),
        None,
    )
    bond_cny: float = _q(
        N_(
            "Up-front financial assurance (may be 0; 0 when left out: the deposit, 保证金, was "
            "abolished in 2017, 财建〔2017〕638号, and Hunan's instrument is the fund)"
        ),
        "CNY",
        0.0,
        plausible=True,
        ge=0.0,
        le=1e12,
    )
    fund_initial_deposit_cny: float = _q(
        N_(
            "First deposit into the restoration fund before works begin (year 0), on top of the "
            "yearly accrual (may be 0)"
        ),
        "CNY",
        0.0,
        plausible=True,
        ge=0.0,
        le=1e12,
    )
    fund_interest_rate: float | None = _q(
        N_("Interest earned by the fund"), "1/yr", None, note=_DEFAULT_NOTE, ge=0.0, le=1.0
    )
    discount_rate: float | None = _q(
        N_("Discount rate for present values"), "1/yr", None, note=_DEFAULT_NOTE, ge=0.0, le=1.0
    )
    inflation_rate: float | None = _q(
        N_("Inflation of restoration costs"), "1/yr", None, note=_DEFAULT_NOTE, ge=0.0, le=1.0
    )
    operator_default_hazard_per_year: float | None = _q(
        N_("Yearly chance that the operator fails and walks away"),
        "1/yr",
        None,
        note=_DEFAULT_NOTE,
        ge=0.0,
        le=1.0,
    )

    @model_validator(mode="after")
    def _rate_when_used(self) -> Self:
        if self.fund_rate_of_revenue is None:
            if self.fund_basis == "revenue_share":
                raise ValueError(
                    _(
                        "fund_rate_of_revenue is required when fund_basis = 'revenue_share' "
                        "(the share of revenue paid into the fund each year, 0 to 1)"
                    )
                )
            self.fund_rate_of_revenue = 0.0  # not used by plan_cost_by_output
        return self


class Location(_Model):
    """[location] (optional): the mining-right boundary polygon."""

    boundary: str = Field(
        description=N_(
            "Path of the mining-right polygon (GeoJSON, Shapefile or GeoPackage), or of "
            "its corner-coordinate table (拐点坐标: .csv, .txt or .xlsx rows 'point, X, Y' in "
            "CGCS2000 Gauss-Kruger, X northing, Y easting with or without the zone prefix), "
            "relative to the proposal file."
        ),
        min_length=1,
    )
    central_meridian_deg: float | None = _q(
        N_(
            "Central meridian of the corner table's Gauss-Kruger projection (中央经线), for a "
            "table whose Y carries no zone prefix: a multiple of 3 (3° zones; a 6° zone's "
            "meridian is one of them)"
        ),
        "deg",
        None,
        ge=75.0,
        le=135.0,
    )

    @field_validator("central_meridian_deg")
    @classmethod
    def _meridian(cls, value: float | None) -> float | None:
        if value is not None and abs(value / 3.0 - round(value / 3.0)) > 1e-9:
            raise ValueError(
                _(
                    "must be a multiple of 3 (the central meridians of CGCS2000 Gauss-Kruger "
                    "zones: 75, 78, … 135 °E)"
                )
            )
        return value


MoneyUnit = Literal["元", "万元"]


def _money_value(value: float | str | None) -> float | str | None:
    """A bill amount: a number (in the bill's money_unit) or a number with a money unit."""
    if isinstance(value, str):
        converted = quantities.convert(value, "CNY")  # ValueError: the units allowed
        if converted is None:
            raise ValueError(
                _(
                    "must be a number in the bill's money_unit or a number with a money unit "
                    "('12.5 万元', '125000 元')"
                )
            )
        if not 0.0 <= converted <= 1e12:
            raise ValueError(_("must be >= 0 (allowed range [0, 1e12] CNY)"))
    elif value is not None and not 0.0 <= float(value) <= 1e12:
        raise ValueError(_("must be >= 0 (allowed range [0, 1e12] in money_unit)"))
    return value


class BillItem(_Model):
    """One item of the applicant's bill of quantities (经费估算 / 工程量清单), as the plan states
    it: the amount, or the quantity and the all-in unit price (综合单价)."""

    key_noun: ClassVar[tuple[str, str]] = ("column", "columns")

    measure: str = Field(
        description=N_(
            "The item's name as the plan writes it (项目名称, e.g. '挂网喷播', '覆土'); "
            "mapped to a measure of the model by sim/data/bill-measures.toml, unknown names kept "
            "as 'not modelled'."
        ),
        min_length=1,
        max_length=200,
    )
    quantity: float | None = _q(N_("工程量 in its unit (optional)"), "", None, ge=0.0, le=1e12)
    unit: str | None = Field(
        None,
        description=N_(
            "Unit of the quantity as written (m², 亩, hm², m³, m, 株 …); areas are "
            "compared with ours."
        ),
        max_length=20,
    )
    unit_price_cny: float | None = _q(
        N_("All-in unit price (综合单价) per unit of the quantity (optional)"),
        "CNY",
        None,
        ge=0.0,
        le=1e9,
    )
    amount: float | str | None = Field(
        None,
        description=N_(
            "The item's amount (合价) in the bill's money_unit, or a number with its "
            "unit ('12.5 万元'); when left out, quantity x unit_price_cny."
        ),
    )
    maps_to: str | None = Field(
        None,
        description=N_(
            "The model's measure this item belongs to, overriding the name table "
            "(a key of sim.breakdown.ITEMS)."
        ),
    )

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: float | str | None) -> float | str | None:
        return _money_value(value)

    @field_validator("maps_to")
    @classmethod
    def _known_measure(cls, value: str | None) -> str | None:
        from sim.breakdown import ITEMS

        if value is not None:
            _check_table_key(N_("measure"), value, dict.fromkeys(ITEMS))
        return value

    @model_validator(mode="after")
    def _priced(self) -> Self:
        if self.amount is None and (self.quantity is None or self.unit_price_cny is None):
            raise ValueError(
                _(
                    "item {measure}: give its amount, or its quantity and unit_price_cny",
                    measure=repr(self.measure),
                )
            )
        return self


class Bill(_Model):
    """[bill] (optional): the applicant's bill of quantities (经费估算), item by item, in the
    table (``[[bill.items]]``) and/or a CSV/XLSX file."""

    money_unit: MoneyUnit = Field(
        description=N_(
            "Unit of the amounts, other_fees and contingency as the plan states them: "
            "'元' or '万元' (unit prices are always 元)."
        )
    )
    file: str | None = Field(
        None,
        description=N_(
            "A CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX table of the items, "
            "relative to the proposal file; columns 项目名称/measure, 工程量/quantity, 单位/unit, "
            "单价/unit_price_cny, 合价/amount (a header '合价(万元)' states the money unit)."
        ),
        min_length=1,
    )
    items: list[BillItem] = Field(
        default_factory=list, description=N_("The items ([[bill.items]]).")
    )
    other_fees: float | str | None = Field(
        None, description=N_("其他费用 in money_unit (optional).")
    )
    contingency: float | str | None = Field(
        None, description=N_("预备费 in money_unit (optional).")
    )

    @field_validator("other_fees", "contingency")
    @classmethod
    def _fee(cls, value: float | str | None) -> float | str | None:
        return _money_value(value)

    @model_validator(mode="after")
    def _some_items(self) -> Self:
        if not self.items and self.file is None:
            raise ValueError(
                _("give the items ([[bill.items]]) or a file of them (file = ...)")
            )
        return self


class _Document(_Model):
    """A validated input file: remembers where it came from (not part of equality)."""

    _source_path: Path | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        """The file this was loaded from (``None`` when built from data)."""
        return self._source_path

    def resolve_path(self, relative: str | Path) -> Path:
        """A path named in this file, resolved against the file's folder (or the cwd)."""
        path = Path(relative).expanduser()
        if path.is_absolute() or self._source_path is None:
            return path
        return self._source_path.parent / path

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the validated values (unset optional values left out)."""
        return self.model_dump(mode="json", exclude_none=True)

    def with_values(self, changes: Mapping[str, Any]) -> Self:
        """A re-validated copy with fields replaced by dotted path, e.g. ``finance.bond_cny``."""
        data = self.to_dict()
        source = f"{self._source_path or '<data>'} (modified)"
        for dotted, value in changes.items():
            *head, last = dotted.split(".")
            table = data
            for key in head:
                table = table.setdefault(key, {})
                if not isinstance(table, dict):
                    raise InputError(
                        _("{source}: {dotted}: '{key}' is not a table", source=source,
                          dotted=dotted, key=key)
                    )
            table[last] = value
        return _validate(type(self), data, source, self._source_path)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.model_dump() == other.model_dump()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]


class Proposal(_Document):
    """A mining-right application (one proposal file)."""

    key_noun: ClassVar[tuple[str, str]] = ("section", "sections")

    proposal: ProposalSection = Field(description=N_("What is applied for, and where."))
    extraction: Extraction = Field(description=N_("Reserves, output and pit/dump geometry."))
    site: Site = Field(description=N_("Ground, final walls, topsoil, climate, substrate."))
    restoration: Restoration = Field(description=N_("The restoration plan."))
    finance: Finance = Field(description=N_("Price, restoration fund, bond and rates."))
    location: Location | None = Field(None, description=N_("Optional mining-right boundary."))
    bill: Bill | None = Field(
        None, description="Optional: the applicant's bill of quantities (经费估算)."
    )

    @model_validator(mode="after")
    def _pit_given(self) -> Self:
        """A mined thickness and a wall height, or the design geometry that replaces them."""
        if self.site.has_design:
            if self.site.final_highwall_height_m is None:
                top, bottom = self.site.pit_top_elevation_m, self.site.pit_bottom_elevation_m
                assert top is not None and bottom is not None
                self.site = self.site.model_copy(update={"final_highwall_height_m": top - bottom})
            return self
        for section, name in (
            ("extraction", "mined_thickness_m"),
            ("site", "final_highwall_height_m"),
        ):
            if getattr(getattr(self, section), name) is None:
                raise ValueError(
                    _(
                        "[{section}] {name} is missing (required unless the design geometry "
                        "is given: [site] pit_area_ha, pit_top_elevation_m and "
                        "pit_bottom_elevation_m)",
                        section=section, name=name,
                    )
                )
        return self

    @model_validator(mode="after")
    def _mineral_defaults(self) -> Self:
        mineral = load_library().minerals[self.proposal.mineral]
        if self.extraction.rock_density_t_per_m3 is None:  # copies: never mutate shared input
            density = float(mineral["density_t_per_m3"])
            self.extraction = self.extraction.model_copy(update={"rock_density_t_per_m3": density})
        if self.site.substrate is None:
            self.site = self.site.model_copy(update={"substrate": str(mineral["substrate"])})
        defaults = input_defaults()
        unset = {
            name: float(defaults[f"finance.{name}"].value)
            for name in FINANCE_DEFAULTED
            if getattr(self.finance, name) is None
        }
        if unset:
            self.finance = self.finance.model_copy(update=unset)
        return self

    @property
    def id(self) -> str:
        """The proposal id (``[proposal] id``)."""
        return self.proposal.id

    def boundary_path(self) -> Path | None:
        """The boundary file resolved against the proposal file's folder, or ``None``."""
        return None if self.location is None else self.resolve_path(self.location.boundary)

    def bill_items(self) -> list[BillItem]:
        """The items of the bill: the table's, then those of its file (``[]`` without a bill)."""
        if self.bill is None:
            return []
        items = list(self.bill.items)
        if self.bill.file is not None:
            from sim.billfile import read_bill_file

            items += read_bill_file(self.resolve_path(self.bill.file), self.bill.file)
        return items

    def bill_problems(self, shown: str) -> list[str]:
        """Why the bill cannot be used: its file is outside the application's folder, missing,
        unreadable or has bad rows, or its amounts look like the other money unit (元/万元);
        ``[]`` when there is no bill or it reads."""
        from sim.bill import unit_slips

        if self.bill is None:
            return []
        if self.bill.file is not None:
            rel, path = self.bill.file, self.resolve_path(self.bill.file)
            folder = self.application_folder()
            label = f"{shown}: [bill] file = {rel!r}"
            if folder is not None and not inside(path, folder):
                return [
                    _(
                        "{label}: the file lies outside the application's folder {folder}",
                        label=label, folder=folder,
                    )
                ]
            if not path.is_file():
                return [_("{label}: file not found (looked for {path})", label=label, path=path)]
        try:
            items = self.bill_items()
        except InputError as exc:
            return [f"{shown}: [bill] file = {self.bill.file!r}: {p}" for p in exc.problems]
        return [f"{shown}: {p}" for p in unit_slips(self.bill, items)]

    def application_folder(self) -> Path | None:
        """The proposal file's folder, which must hold its boundary (``None``: built from data)."""
        return None if self._source_path is None else self._source_path.parent

    def boundary_problems(self, shown: str) -> list[str]:
        """Why the boundary named in ``[location]`` cannot be read: outside the application's
        folder (after following links) or missing; ``[]`` when it may be read."""
        if self.location is None:
            return []
        rel, path, folder = self.location.boundary, self.boundary_path(), self.application_folder()
        assert path is not None
        label = f"{shown}: [location] boundary = {rel!r}"
        if folder is not None and not inside(path, folder):
            return [
                _(
                    "{label}: the file lies outside the application's folder {folder} (after "
                    "following links); a boundary must be a file inside the application's "
                    "folder",
                    label=label, folder=folder,
                )
            ]
        if not path.exists():
            return [_("{label}: file not found (looked for {path})", label=label, path=path)]
        return []


# --------------------------------------------------------------------------------------------
# Policy


class PolicySection(_Model):
    """[policy]: name and the restoration success test."""

    name: str = Field(description="Name of the policy.", min_length=1)
    success_horizon_years_after_closure: StrictInt = _years(
        "Years after closure at which restoration success is judged"
    )
    required_success_area_share: float = _q(
        "A draw succeeds when this share of the restored area meets its land use's criterion "
        "by the horizon",
        "",
        gt=0.0,
        le=1.0,
    )
    language: Literal["en", "zh"] | None = Field(
        default=None,
        description="Default language of the outputs for people (en or zh); --lang and "
        "$RESTORESIM_LANG override it. Absent: English.",
    )


class Basis(_Model):
    """[basis.CRITERION]: the rule a criterion applies, as a review opinion cites it."""

    zh: str = Field(description="The basis in Chinese, with the document's name and number.")
    en: str = Field(description="The same basis in English.")


class _Criterion(_Model):
    direction: ClassVar[str] = "<="
    hard: StrictBool = Field(
        description="true: failing it rejects the proposal; false: failing it makes the verdict "
        "conditional (approval conditions are searched)."
    )


class LicensedAreaCriterion(_Criterion):
    """P90 pit footprint (floor + walls) <= the proposal's licensed_area_ha (no threshold); with
    the design geometry, also the stated ore and waste fit the designed pit."""

    key_hints: ClassVar[dict[str, str]] = {
        "threshold": N_(
            "licensed_area has no threshold: the limit is the proposal's "
            "[proposal] licensed_area_ha"
        )
    }
    volume_tolerance: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="Design path: the stated ore and waste may exceed the designed pit's volume "
        "by this fraction before the check fails. The idealised pit of model/SPEC.md §3a (a "
        "square frustum, or a wedge cut into a plane hillside) is not the plan's section-method "
        "volume on real terrain; 0.25 [E] covers that gap while a plan claiming twice what its "
        "pit holds still fails. When the plan states [site] pit_volume_m3 (境界内矿岩总量) that "
        "volume is used; set 0 to hold a plan to its own figure.",
    )


class ProtectedOverlapCriterion(_Criterion):
    """Hectares of the boundary inside 'no_overlap' layers <= threshold."""

    threshold: float = _q(
        "Largest allowed overlap with protected layers", "ha", ge=0.0, le=100_000.0
    )


class ProtectedDistanceCriterion(_Criterion):
    """Distance from the boundary to each 'min_distance' layer >= its min_distance_m."""

    direction: ClassVar[str] = ">="
    key_hints: ClassVar[dict[str, str]] = {
        "threshold": "protected_distance has no threshold: each [[layers]] table with "
        "rule = 'min_distance' gives its own min_distance_m"
    }


class BoundaryAreaCriterion(_Criterion):
    """|boundary polygon area - licensed_area_ha| / licensed_area_ha <= threshold."""

    threshold: float = _q(
        "Largest allowed relative difference between the boundary polygon's area and "
        "licensed_area_ha",
        "",
        ge=0.0,
        le=10.0,
    )


class HighwallSlopeCriterion(_Criterion):
    """Final overall wall slope <= threshold."""

    threshold: float = _q(
        "Steepest final wall slope that can be reliably revegetated", "deg", gt=0.0, lt=90.0
    )


class SuccessProbabilityCriterion(_Criterion):
    """Share of successful draws >= threshold."""

    direction: ClassVar[str] = ">="
    threshold: float = _q("Smallest allowed probability of restoration success", "", ge=0, le=1)


class CostToRevenueCriterion(_Criterion):
    """P50 (or P90) PV restoration cost / PV revenue <= threshold."""

    threshold: float = _q(
        "Largest allowed ratio of restoration cost to revenue (present values)",
        "",
        plausible=True,
        ge=0.0,
        le=10.0,
    )
    quantile: Literal[0.5, 0.9] = Field(
        0.9,
        description="Which quantile of the present value of restoration cost is set against "
        "the revenue: 0.5 (the expected economics; the packaged policy) or 0.9 (a risk margin on "
        "top, as policies written before 2026-12 meant it). The cost's spread is fitted to real "
        "sites (cost.common_factor_sigma), so a P90 test moves with that fit; a P50 test does "
        "not.",
    )


class AssuranceCriterion(_Criterion):
    """P(fund balance at closure + bond >= cost still to pay then) >= threshold."""

    direction: ClassVar[str] = ">="
    threshold: float = _q("Smallest allowed probability of assurance at closure", "", ge=0, le=1)


class UnfundedLiabilityCriterion(_Criterion):
    """Expected unfunded public liability if the operator walks away <= threshold."""

    threshold: float = _q(
        "Largest allowed expected unfunded liability", "CNY", plausible=True, ge=0.0, le=1e12
    )


class Criteria(_Model):
    """[criteria.<name>]: one table per criterion; thresholds and hardness are policy."""

    key_noun: ClassVar[tuple[str, str]] = ("criterion", "criteria")

    licensed_area: LicensedAreaCriterion = Field(description=LicensedAreaCriterion.__doc__)
    protected_overlap: ProtectedOverlapCriterion = Field(
        description=ProtectedOverlapCriterion.__doc__
    )
    protected_distance: ProtectedDistanceCriterion = Field(
        default_factory=lambda: ProtectedDistanceCriterion(hard=True),
        description=f"{ProtectedDistanceCriterion.__doc__} Default: hard = true.",
    )
    boundary_area: BoundaryAreaCriterion = Field(
        default_factory=lambda: BoundaryAreaCriterion(hard=False, threshold=0.05),
        description=f"{BoundaryAreaCriterion.__doc__} Default: threshold = 0.05, hard = false.",
    )
    highwall_slope: HighwallSlopeCriterion = Field(description=HighwallSlopeCriterion.__doc__)
    success_probability: SuccessProbabilityCriterion = Field(
        description=SuccessProbabilityCriterion.__doc__
    )
    cost_to_revenue: CostToRevenueCriterion = Field(description=CostToRevenueCriterion.__doc__)
    assurance: AssuranceCriterion = Field(description=AssuranceCriterion.__doc__)
    unfunded_liability: UnfundedLiabilityCriterion = Field(
        description=UnfundedLiabilityCriterion.__doc__
    )

    def items(self) -> list[tuple[str, _Criterion]]:
        """(name, criterion) pairs in the order of the contract."""
        return [(name, getattr(self, name)) for name in type(self).model_fields]


class Layer(_Model):
    """[[layers]]: a protected layer the boundary is checked against."""

    name: str = Field(description="Name of the layer (e.g. ecological protection red line).")
    path: str = Field(
        description="Path of the layer (GeoJSON, Shapefile or GeoPackage), relative to the policy "
        "file.",
        min_length=1,
    )
    rule: LayerRule = Field(
        description="'no_overlap': the boundary must not overlap the layer; 'min_distance': it "
        "must keep min_distance_m away from it."
    )
    min_distance_m: float | None = _q(
        "Required distance from the layer; required iff rule = 'min_distance'",
        "m",
        None,
        plausible=True,
        gt=0.0,
        le=100_000.0,
    )

    @model_validator(mode="after")
    def _distance_iff_rule(self) -> Self:
        if self.rule == "min_distance" and self.min_distance_m is None:
            raise _Whole(_("min_distance_m is missing (required when rule = 'min_distance')"))
        if self.rule != "min_distance" and self.min_distance_m is not None:
            raise _Whole(
                _(
                    "min_distance_m = {value}: only allowed with rule = 'min_distance' "
                    "(rule is {rule})",
                    value=repr(self.min_distance_m), rule=repr(self.rule),
                )
            )
        return self


class Spatial(_Model):
    """[spatial]: how boundary and layer files are read."""

    default_crs: str | None = Field(
        None,
        description="CRS of files that state none (a Shapefile without .prj, a GeoPackage layer "
        "without SRS, a GeoJSON without a 'crs' member whose coordinates are not lon/lat), e.g. "
        "'EPSG:4490' (CGCS2000 lon/lat) or 'EPSG:4546' (CGCS2000 / 3-degree Gauss-Kruger CM "
        "111E); omit to refuse such files.",
        min_length=1,
    )
    repair_invalid: StrictBool = Field(
        True,
        description="Repair invalid geometries (self-intersections) with a warning (true, the "
        "default); false refuses them.",
    )

    @field_validator("default_crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(value)
        except CRSError:
            raise ValueError(
                _(
                    "not a coordinate reference system pyproj knows; e.g. 'EPSG:4490' "
                    "(CGCS2000 lon/lat), 'EPSG:4326' (WGS 84) or 'EPSG:4546' (CGCS2000 / "
                    "3-degree Gauss-Kruger CM 111E)"
                )
            ) from None
        return value


class Conditions(_Model):
    """[conditions]: which levers are searched for a conditional approval, and their bounds.

    The restoration fund (accrual and first deposit) is the instrument by default, as in
    Hunan (湘自资规〔2022〕3号; the deposit, 保证金, was abolished in 2017, 财建〔2017〕638号); a
    bond is a lever only where the policy enables it (``bond = true``, other jurisdictions).
    """

    bond: bool = Field(
        False,
        description="Whether a condition may require a bond (finance.bond_cny): false where the "
        "restoration fund is the only instrument (Hunan; the deposit was abolished in 2017), true "
        "for jurisdictions that take a bond.",
    )
    max_bond_cny: float | None = _q(
        "Largest bond a condition may require when bond = true; omit for no limit",
        "CNY",
        None,
        plausible=True,
        gt=0.0,
        le=1e12,
    )
    max_fund_initial_deposit_cny: float | None = _q(
        "Largest first deposit into the fund (before works begin) a condition may require; omit "
        "for no limit (up to the field's own bound)",
        "CNY",
        None,
        plausible=True,
        ge=0.0,
        le=1e12,
    )
    max_fund_rate_of_revenue: float = _q(
        "Largest fund_rate_of_revenue a condition may require", "", 0.2, gt=0.0, le=1.0
    )
    max_progressive_fraction: float = _q(
        "Largest progressive_fraction a condition may require", "", 1.0, ge=0.0, le=1.0
    )
    min_remedy_slope_deg: float = _q(
        "Flattest final wall slope a remedy may propose: the slope remedy scans every degree "
        "from the policy's limit down to this one and offers the cheapest that passes",
        "deg",
        30.0,
        gt=0.0,
        lt=90.0,
    )


class Policy(_Document):
    """The reviewer's rules: success test, criteria, protected layers and condition bounds.

    A user policy file is deep-merged over the packaged default (tables merged key by key,
    ``layers`` replaced as a whole) before validation.
    """

    key_noun: ClassVar[tuple[str, str]] = ("section", "sections")

    policy: PolicySection = Field(description="Name and success test.")
    criteria: Criteria = Field(description="One table per criterion.")
    layers: list[Layer] = Field(
        default_factory=list, description="Protected layers ([[layers]]); none by default."
    )
    spatial: Spatial = Field(
        default_factory=Spatial, description="How boundary and layer files are read."
    )
    conditions: Conditions = Field(
        default_factory=Conditions, description="Bounds of the levers for approval conditions."
    )
    basis: dict[str, Basis] = Field(
        default_factory=dict,
        description="The rule each criterion applies ([basis.CRITERION] zh/en), cited in the "
        "report's review opinion.",
    )

    @field_validator("basis")
    @classmethod
    def _basis_names_criteria(cls, v: dict[str, Basis]) -> dict[str, Basis]:
        unknown = sorted(set(v) - set(Criteria.model_fields))
        if unknown:
            raise ValueError(
                _(
                    "[basis] names no criterion: {unknown}; criteria are {criteria}",
                    unknown=", ".join(unknown), criteria=", ".join(Criteria.model_fields),
                )
            )
        return v


# --------------------------------------------------------------------------------------------
# Error messages


_D = TypeVar("_D", bound="_Document")


class _JsonConstant:
    """Stand-in for a JSON NaN/Infinity, refused by every field with a clear message."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    for arg in get_args(annotation):
        found = _literal_values(arg)
        if found:
            return found
    return ()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, _JsonConstant):
        return _("the JSON constant {name}", name=value.name)
    for typ, name in (
        (datetime.date | datetime.time, N_("a date/time")),
        (bool, N_("a boolean")),
        (int, N_("an integer")),
        (float, N_("a number")),
        (str, N_("a string")),
        (dict, N_("a table")),
        (list, N_("an array")),
    ):
        if isinstance(value, typ):
            return gettext(name)
    return "null" if value is None else f"a {type(value).__name__}"


def _field_spec(section: Sequence[str | int], rest: Sequence[str | int]) -> Any:
    """The contract's :class:`~sim.contract.FieldSpec` of a proposal field, or None."""
    if not section or len(rest) != 1:
        return None
    from sim.contract import field_specs

    return field_specs().get(f"{section[-1]}.{rest[0]}")


def _term(section: Sequence[str | int], rest: Sequence[str | int]) -> str:
    """The field's name as the plans write it, in brackets, in Chinese output ('' otherwise)."""
    from sim.i18n import current_lang

    if current_lang() != "zh" or not section or not rest:
        return ""
    from sim.template import WHERE, where_text

    path = f"{section[-1]}.{rest[0]}"
    term = where_text(path)[0] if path in WHERE else ""
    return f"（{term}）" if term else ""


_EXPECTED = {
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "int_type": N_('expected a whole number (an integer such as 2, not 2.0 or "2")'),
    "int_parsing": N_('expected a whole number (an integer such as 2, not 2.0 or "2")'),
    "int_from_float": N_('expected a whole number (an integer such as 2, not 2.0 or "2")'),
    "bool_type": N_("expected true or false (a boolean, not a string or number)"),
    "bool_parsing": N_("expected true or false (a boolean, not a string or number)"),
    "string_type": N_("expected a string (text in quotes)"),
}
#: the nouns of :func:`_unknown_key` (``key_noun`` of the models), for the catalogue
_NOUNS = (
    N_("key"), N_("keys"), N_("column"), N_("columns"), N_("section"), N_("sections"),
    N_("criterion"), N_("criteria"),
)  # fmt: skip
_OPS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_CTX_KEYS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt"}


def _locate(
    root: type[BaseModel], loc: Sequence[str | int]
) -> tuple[list[str | int], type[BaseModel], list[str | int], FieldInfo | None]:
    """Split an error location into the TOML table it lies in and the path inside it."""
    cls: type[BaseModel] = root
    section: list[str | int] = []
    owner_field: FieldInfo | None = None
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, int):
            section.append(key)
            i += 1
            continue
        info = cls.model_fields.get(key)
        sub = _model_of(info.annotation) if info is not None else None
        if sub is None:
            break
        section.append(key)
        cls, owner_field = sub, info
        i += 1
    return section, cls, list(loc[i:]), owner_field


def _section_label(parts: Sequence[str | int]) -> str:
    names = [str(p) for p in parts if isinstance(p, str)]
    if not names:
        return ""
    index = [p for p in parts if isinstance(p, int)]
    if index:
        return f"[[{'.'.join(names)}]] #{index[-1] + 1}"
    return f"[{'.'.join(names)}]"


def _unknown_key(root: type[BaseModel], cls: type[BaseModel], key: str, label: str) -> str:
    noun, nouns = cls.key_noun if issubclass(cls, _Model) else ("key", "keys")
    allowed = list(cls.model_fields)
    shown = f"[{key}]" if noun == "section" else repr(key)
    text = _(
        "unknown {noun} {shown}; allowed {nouns}: {allowed}",
        noun=gettext(noun), shown=shown, nouns=gettext(nouns), allowed=allowed_list(allowed),
    )  # fmt: skip
    text += did_you_mean(key, allowed)
    if issubclass(cls, _Model) and key in cls.key_hints:
        text += f" ({gettext(cls.key_hints[key])})"
    if cls is not root and key in root.model_fields:
        text += _(" ([{key}] is a section: its header must come before its keys)", key=key)
    for name, info in root.model_fields.items():
        sub = _model_of(info.annotation)
        if sub is not None and sub is not cls and key in sub.model_fields:
            text += _(" ('{key}' belongs in [{name}])", key=key, name=name)
            break
    return f"{label} {text}" if label else text


def _bound_note(kind: str, info: FieldInfo | None) -> str:
    if info is None:
        return ""
    bounds: dict[str, float] = {}
    for meta in info.metadata:
        for typ, name in ((Gt, "gt"), (Ge, "ge"), (Lt, "lt"), (Le, "le")):
            if isinstance(meta, typ):
                bounds[name] = getattr(meta, name)
    if not bounds:
        return ""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = f" {extra['unit']}" if extra.get("unit") else ""
    rng = _range_text(**bounds)
    upper = kind in ("less_than", "less_than_equal")
    if extra.get("plausible_range") and upper:
        return _(" (implausibly large; plausible range {range}{unit})", range=rng, unit=unit)
    return _(" (allowed range {range}{unit})", range=rng, unit=unit)


#: the units a number too large for its field was likely meant in (the plans' own, smallest
#: first), by the field's unit: 4,300,000 "Mt" of reserves are 4,300,000 t
_SLIP_UNITS = {"Mt": ("t", "万t"), "Mt/yr": ("t/a", "万t/a"), "t/m3": ("kg/m³",), "ha": ("m²",)}


def _slip_reading(value: Any, info: FieldInfo) -> str:
    """'; did you mean 4300000 t = 4.3 Mt?' for a number above its field's range that lies in
    it when read in a smaller unit the plans use; '' if none does."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = str(extra.get("unit", ""))
    if not _is_number(value) or unit not in _SLIP_UNITS:
        return ""
    for written in _SLIP_UNITS[unit]:
        x = float(f"{value * quantities.UNITS[unit][written]:.12g}")
        if all(
            not isinstance(m, typ) or op(x, getattr(m, name))
            for m in info.metadata
            for typ, name, op in (
                (Gt, "gt", float.__gt__), (Ge, "ge", float.__ge__),
                (Lt, "lt", float.__lt__), (Le, "le", float.__le__),
            )
        ):  # fmt: skip
            return _(
                "; did you mean {value} {written} = {x:g} {unit}? (write the number with its "
                "unit: \"{value} {written}\")",
                value=_fmt(value), written=written, x=x, unit=unit,
            )
    return ""


def _not_filled(what: str, info: FieldInfo | None = None) -> str:
    """The message for the template's placeholder (nan) left in a field that needs ``what``;
    an optional field is told it may go instead."""
    text = _(
        "not filled in: {what} is needed here (nan is the blank of the `restoresim new` "
        "template)",
        what=gettext(what),
    )
    if info is not None and not info.is_required():
        text += _("; the field is optional: delete the line if the plan gives none")
    return text


def _describe(root: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One problem as ``[section] field = value: what is allowed``."""
    kind, value = err["type"], err.get("input")
    ctx = err.get("ctx") or {}
    section, cls, rest, owner = _locate(root, err["loc"])
    label = _section_label(section)
    head = f"{label} " if label else ""
    error = ctx.get("error")

    if kind == "extra_forbidden" and rest:
        return _unknown_key(root, cls, str(rest[-1]), label)
    if not rest:  # the error concerns a whole table
        desc = (owner.description or "").rstrip(".") if owner is not None else ""
        if kind == "missing":
            desc = gettext(desc + ".").rstrip("。.") if desc else desc
            return _("{head}section is missing (required; {desc})", head=head, desc=desc)
        if kind == "list_type":
            return _(
                "{head}must be an array of tables, got {kind} {value}",
                head=head, kind=_kind(value), value=_show(value),
            )  # fmt: skip
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            return _(
                "{head}must be a table of keys, got {kind} {value}",
                head=head, kind=_kind(value), value=_show(value),
            )  # fmt: skip
        if error is not None:
            return f"{head}{error}"
        return _("{head}is invalid ({kind})", head=head, kind=kind)

    info = cls.model_fields.get(str(rest[0]))
    if rest[-1] == "[key]":  # a key of a table-valued field, e.g. target_land_use
        field = ".".join(str(p) for p in rest[:-2])
        allowed = _literal_values(info.annotation) if info is not None else ()
        key = str(rest[-2])
        return _(
            "{head}{field}: unknown key {key}; allowed keys: {allowed}{hint}",
            head=head, field=field, key=repr(key), allowed=allowed_list(allowed),
            hint=did_you_mean(key, allowed),
        )  # fmt: skip
    field = ".".join(str(p) for p in rest)
    term = _term(section, rest)
    if kind == "missing":
        desc = (info.description or "").rstrip(".") if info is not None and len(rest) == 1 else ""
        spec = _field_spec(section, rest)
        if spec is not None and desc:
            desc = spec.describe()  # in the reader's language
        return _(
            "{head}{field}{term} is missing (required; {desc})",
            head=head, field=field, term=term, desc=desc,
        )  # fmt: skip
    if isinstance(error, _Whole):
        return f"{head}{error}"
    prefix = f"{head}{field}{term} = {_show(value)}: "
    if error is not None:
        return prefix + str(error)
    if isinstance(value, _JsonConstant):
        return prefix + _(
            "the JSON constant {name} is not allowed; expected a finite number", name=value.name
        )
    if kind in ("float_type", "float_parsing") and type(value) is int and value != 0:
        return prefix + _("the number is too large (beyond the range of a 64-bit float)")
    if kind in _EXPECTED:
        if isinstance(value, float) and math.isnan(value):
            return prefix + _not_filled(N_("a whole number"), info if len(rest) == 1 else None)
        text = _("{expected}, got {kind}", expected=gettext(_EXPECTED[kind]), kind=_kind(value))
        number = value.replace(",", "").strip() if isinstance(value, str) else ""
        if kind.startswith("float") and re.fullmatch(r"[+-]?\d+(?:\.\d+)?", number):
            text += _(
                "; write the number without quotes or separators: {number}", number=number
            )
        spec = _field_spec(section, rest)
        if kind.startswith("bool") and spec is not None:
            from sim.contract import BOOL_FIELDS

            if spec.path in BOOL_FIELDS:  # these also take 是/否 (sim.contract)
                text += _('; "是" or "否" may be written instead')
        return prefix + text
    if kind == "finite_number":
        if isinstance(value, float) and math.isnan(value):
            return prefix + _not_filled(N_("a finite number"), info if len(rest) == 1 else None)
        return prefix + _("must be a finite number (NaN and infinity are not allowed)")
    if kind in _OPS:
        bound = ctx.get(_CTX_KEYS.get(kind, "le"))
        note = _bound_note(kind, info if len(rest) == 1 else None)
        if kind in ("less_than", "less_than_equal") and info is not None and len(rest) == 1:
            note += _slip_reading(value, info)
        if kind == "less_than_equal" and bound == 1 and _is_number(value) and 1 < value <= 100:
            note += _(
                "; did you mean {value:g}% = {share:g}? (a share or rate is written as a "
                "fraction, or as a percentage in quotes: \"{value:g}%\")",
                value=value, share=float(f"{value / 100:.12g}"),
            )
        return prefix + _(
            "must be {op} {bound}{note}", op=_OPS[kind], bound=_fmt(bound), note=note
        )
    if kind == "literal_error":
        allowed = _literal_values(info.annotation) if info is not None else ()
        return prefix + _(
            "allowed values: {allowed}{hint}",
            allowed=allowed_list(allowed),
            hint=did_you_mean(value, allowed),
        )
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if pattern in _PATTERN_HINTS:
            return prefix + gettext(_PATTERN_HINTS[pattern])
        return prefix + _("must match {pattern}", pattern=pattern)
    if kind == "string_too_short":
        return prefix + _("must not be empty")
    if kind == "string_too_long":
        return prefix + _("must be at most {n} characters", n=ctx.get("max_length"))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return prefix + _("expected a table, got {kind}", kind=_kind(value))
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return prefix + (
            _("needs at least one item") if n == 1 else _("needs at least {n} items", n=n)
        )
    if kind == "too_long":
        return prefix + _("allows at most {n} items", n=ctx.get("max_length"))
    return prefix + _("invalid value ({kind})", kind=kind)


def _validate(model: type[_D], data: Any, source: str, path: str | Path | None = None) -> _D:
    if not isinstance(data, dict):
        raise InputError(
            _(
                "{source}: expected a table of sections at the top level, got {kind}",
                source=source, kind=_kind(data),
            )
        )
    data = clean_document(data, source)
    if isclass(model) and issubclass(model, Proposal):
        data = _canonical_names(data)
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{source}: {_describe(model, e)}" for e in exc.errors(include_url=False)]
        raise InputError("\n".join(problems), problems=problems) from None
    obj._source_path = Path(path) if path is not None else None
    if isinstance(obj, Proposal):
        slips = plausibility.check(plausibility_columns([obj]))
        if slips:
            problems = [f"{source}: {msg}" for _, _, msg in slips]
            raise InputError("\n".join(problems), problems=problems)
    return obj


def _canonical_names(data: dict[str, Any]) -> dict[str, Any]:
    """The document with Chinese names of allowed values (``石灰岩``, ``山坡露天``, ``按产量``)
    replaced by the values they name (:func:`sim.contract.chinese_names`); a copy."""
    from sim.contract import LAND_USE_NAMES, NAMED_VALUE_FIELDS, canonical_value

    out = dict(data)
    for path in NAMED_VALUE_FIELDS:
        section, name = path.split(".")
        table = out.get(section)
        if isinstance(table, dict) and name in table:
            out[section] = {**table, name: canonical_value(path, table[name])}
    restoration = out.get("restoration")
    shares = restoration.get("target_land_use") if isinstance(restoration, dict) else None
    if isinstance(shares, dict) and any(k in LAND_USE_NAMES for k in shares):  # 林地 = 0.6
        named = [LAND_USE_NAMES.get(k, k) for k in shares]
        if len(set(named)) == len(named):  # two names of one land use: left to the contract
            renamed = dict(zip(named, shares.values(), strict=True))
            out["restoration"] = {**restoration, "target_land_use": renamed}
    return out


def design_screen(cols: Mapping[str, Any]) -> Any:
    """Rows (bool array) that break the design-geometry rules of :meth:`Site._consistent_design`
    and :meth:`Proposal._pit_given`, in column form for :class:`sim.portfolio.Portfolio`; float
    columns by dotted path, blanks as NaN."""
    import numpy as np

    def col(path: str) -> Any:
        return np.asarray(cols[path], dtype=float)

    def col_text(path: str) -> Any:
        return np.asarray(cols[path], dtype=object)

    area, top, bottom = (col(f"site.{k}") for k in _DESIGN_FIELDS)
    given = np.isfinite(area).astype(int) + np.isfinite(top) + np.isfinite(bottom)
    design = given == 3
    bench_h, bench_w = col("site.bench_height_m"), col("site.bench_width_m")
    wall, ground = col("site.final_highwall_slope_deg"), col("site.mean_slope_deg")
    steep = load_library()["schedule.hillside_min_slope_deg"]
    with np.errstate(invalid="ignore", divide="ignore"):
        depth = top - bottom
        plan = depth / np.tan(np.radians(wall))
        n_berms = np.maximum(np.ceil(depth / bench_h - 1e-9) - 1, 0)
        hillside = hillside_pits(col_text("site.pit_type"), ground, steep)
        bad = (given > 0) & (given < 3)
        bad |= np.isfinite(bench_w) & np.isnan(bench_h)
        bad |= ~design & (np.isfinite(bench_h) | np.isfinite(bench_w))
        bad |= ~design & np.isfinite(col("site.pit_volume_m3"))
        bad |= ~design & np.isnan(col("extraction.mined_thickness_m"))
        bad |= ~design & np.isnan(col("site.final_highwall_height_m"))
        bad |= design & ~(top > bottom)
        bad |= design & np.isfinite(bench_h) & np.isfinite(bench_w) & (n_berms * bench_w >= plan)
        bad |= design & hillside & ~(ground > 0)  # a hillside pit needs the ground's slope
        bad |= ~design & (col_text("site.pit_type") == "hillside")
        bad |= ~design & (col_text("site.pit_type") == "closed")
        bad |= design & hillside & (ground >= wall)
        bad |= design & ~hillside & ~(np.sqrt(area * 1e4) > 2.0 * plan)
    return bad


def plausibility_columns(proposals: Sequence[Proposal]) -> dict[str, Any]:
    """The columns :mod:`sim.plausibility` reads, from validated proposals."""
    import numpy as np

    out: dict[str, Any] = {}
    for path in plausibility.FIELDS:
        section, name = path.split(".")
        out[path] = np.array([getattr(getattr(p, section), name) for p in proposals])
    return out


# --------------------------------------------------------------------------------------------
# Reading files


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _too_deep(shown: str) -> InputError:
    return InputError(
        _(
            "{shown}: tables or arrays nested too deeply to read (at most {n} levels)",
            shown=shown, n=MAX_NESTING,
        )
    )


def _syntax_error(language: str, shown: str, detail: str) -> str:
    """The parser's message framed in the reader's language; its own words (tomllib's, json's)
    stay as it wrote them, its position is translated."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", detail, flags=re.S)
    if found is None:
        return _(
            "{shown}: {language} syntax error: {detail}",
            shown=shown, language=language, detail=detail,
        )
    return _(
        "{shown}: {language} syntax error at line {line}, column {column}: {detail}",
        shown=shown, language=language, line=found[2], column=found[3], detail=found[1],
    )


#: full-width punctuation and digits and curly quotes, as a Chinese input method types them,
#: to the ASCII that TOML needs
_ASCII_OF_WIDE = quantities.HALF_WIDTH | str.maketrans("“”‘’、", "\"\"'',")


def read_document(path: str | Path) -> dict[str, Any]:
    """The raw table of a ``.toml`` or ``.json`` file; an :class:`InputError` naming the file."""
    path = Path(path)
    shown = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            _(
                "{shown}: unsupported file type {suffix}; allowed suffixes: {allowed}",
                shown=shown, suffix=repr(path.suffix or _("(no suffix)")),
                allowed=allowed_list(SUFFIXES),
            )
        )
    raw = read_limited(path, shown, MAX_DOCUMENT_BYTES)
    if not raw.strip():
        raise InputError(_("{shown}: the file is empty", shown=shown))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16's byte-order marks
        raise InputError(
            _(
                "{shown}: the file is UTF-16 (Windows Notepad's 'Unicode'); save it as UTF-8",
                shown=shown,
            )
        )
    if b"\x00" in raw:
        raise InputError(
            _("{shown}: binary file (contains NUL bytes); expected UTF-8 text", shown=shown)
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            _(
                "{shown}: not UTF-8 text (byte {byte} at offset {offset}); save it as UTF-8 "
                "(an editor saving in GBK or GB18030 writes such bytes)",
                shown=shown, byte=f"0x{raw[exc.start]:02x}", offset=exc.start,
            )
        ) from None
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = _syntax_error("TOML", shown, str(exc))
            found = re.search(r"at line (\d+)", str(exc))
            lines = text.splitlines()
            if found and 0 < int(found[1]) <= len(lines):
                line = lines[int(found[1]) - 1]
                bare = re.search(r"(?:^|[{,])\s*([^\s\x00-\x7f][^=]*?)\s*=", line)
                value = re.match(r"\s*([A-Za-z0-9_.-]+)\s*=\s*([^\s\"'\[{].*?)\s*(?:#.*)?$", line)
                column = re.search(r"column (\d+)", str(exc))
                at = int(column[1]) - 1 if column else -1
                wide = line[at] if 0 <= at < len(line) else ""
                if "＝" in line:  # a full-width equals sign (Chinese input method)
                    message += _("; use the ASCII '=' (the full-width '＝' is not TOML)")
                elif wide and wide.translate(_ASCII_OF_WIDE) != wide:  # ，“ ２ of an IME
                    message += _(
                        "; the full-width '{wide}' is not TOML: write the ASCII '{ascii}' (switch "
                        "the input method to half-width)",
                        wide=wide, ascii=wide.translate(_ASCII_OF_WIDE),
                    )
                elif re.match(r"\s*\[+[^\]=]*[^\x00-\x7f][^\]=]*\]+\s*(?:#.*)?$", line):  # [财务]
                    message += _(
                        "; section names are the English ones of the template, e.g. [finance] "
                        "(`restoresim new` writes them all)"
                    )
                elif bare:  # a Chinese key (林地 = 0.6) must be quoted in TOML
                    message += _(
                        "; a key in Chinese must be in quotes: \"{key}\" = …", key=bare[1]
                    )
                elif value and not value[2].isascii():  # 否, 2026年3月1日 without quotes
                    message += _(
                        "; a text value must be in quotes: {key} = \"{value}\"",
                        key=value[1], value=value[2],
                    )
            raise InputError(message) from None
        except RecursionError:
            raise _too_deep(shown) from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_JsonConstant)
    except RecursionError:
        raise _too_deep(shown) from None
    except _DuplicateKey as exc:
        raise InputError(
            _(
                "{shown}: duplicate key '{key}' in a JSON object (each key may appear once)",
                shown=shown, key=exc.args[0],
            )
        ) from None
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} (at line {exc.lineno}, column {exc.colno})"
        raise InputError(_syntax_error("JSON", shown, where)) from None
    if not isinstance(data, dict):
        raise InputError(
            _(
                "{shown}: expected a JSON object at the top level, got {kind}",
                shown=shown, kind=_kind(data),
            )
        )
    data.pop("$schema", None)  # editors' schema hint, not an input
    return data


def _missing_files(doc: _Document, shown: str, named: Iterable[tuple[str, str]]) -> list[str]:
    problems = []
    for label, rel in named:
        resolved = doc.resolve_path(rel)
        if not resolved.is_file():
            problems.append(
                _(
                    "{label}: file not found (looked for {path})",
                    label=f"{shown}: {label} = {rel!r}", path=resolved,
                )
            )
    return problems


# --------------------------------------------------------------------------------------------
# Public API


def parse_proposal(
    data: Mapping[str, Any], source: str = "<data>", *, path: str | Path | None = None
) -> Proposal:
    """Validate a proposal given as a dict; ``source`` names it in messages, ``path`` is kept."""
    if isinstance(data, Mapping):
        data = copy.deepcopy(dict(data))
    return _validate(Proposal, data, source, path)


def load_proposal(path: str | Path) -> Proposal:
    """Read and validate one proposal file (``.toml`` or ``.json``).

    A boundary named in ``[location]`` must exist inside the proposal file's folder.
    """
    shown = str(path)
    proposal = parse_proposal(read_document(path), shown, path=path)
    problems = proposal.boundary_problems(shown) + proposal.bill_problems(shown)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return proposal


def load_proposals(paths: Iterable[str | Path]) -> list[Proposal]:
    """Load several proposals; every file is validated before one InputError lists all problems.

    Proposal ids must be unique across the files.
    """
    proposals: list[Proposal] = []
    problems: list[str] = []
    first_file: dict[str, str] = {}
    for path in paths:
        try:
            proposal = load_proposal(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if proposal.id in first_file:
            problems.append(
                f"{path}: [proposal] id = {proposal.id!r}: duplicate proposal id, also used by "
                f"{first_file[proposal.id]} (ids must be unique in a run)"
            )
        else:
            first_file[proposal.id] = str(path)
        proposals.append(proposal)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return proposals


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: tables merged key by key, everything else (arrays) replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def default_policy_data() -> dict[str, Any]:
    """The raw table of the packaged default policy."""
    return read_document(DEFAULT_POLICY_PATH)


def parse_policy(
    data: Mapping[str, Any],
    source: str = "<data>",
    *,
    path: str | Path | None = None,
    merge_default: bool = True,
) -> Policy:
    """Validate a policy dict, deep-merged over the packaged default unless ``merge_default``
    is false."""
    if not isinstance(data, Mapping):
        return _validate(Policy, data, source, path)
    merged = _deep_merge(default_policy_data(), data) if merge_default else dict(data)
    return _validate(Policy, merged, source, path)


def load_policy(path: str | Path | None = None) -> Policy:
    """The packaged default policy (``path=None``) or a user policy file merged over it.

    The layer files of ``[[layers]]`` must exist (relative to the policy file).
    """
    if path is None:
        return parse_policy(
            default_policy_data(),
            str(DEFAULT_POLICY_PATH),
            path=DEFAULT_POLICY_PATH,
            merge_default=False,
        )
    shown = str(path)
    policy = parse_policy(read_document(path), shown, path=path)
    named = [(f"[[layers]] #{i + 1} path", layer.path) for i, layer in enumerate(policy.layers)]
    problems = _missing_files(policy, shown, named)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return policy


def _add_enum(prop: dict[str, Any], values: Iterable[str]) -> None:
    branches = prop.get("anyOf", [prop])
    for branch in branches:
        if branch.get("type") == "string":
            branch["enum"] = list(values)


def proposal_schema() -> dict[str, Any]:
    """JSON Schema of a proposal file (mineral, region and substrate enums from the library)."""
    schema = Proposal.model_json_schema()
    lib = load_library()
    defs = schema["$defs"]
    _add_enum(defs["ProposalSection"]["properties"]["mineral"], lib.minerals)
    _add_enum(defs["ProposalSection"]["properties"]["region"], lib.regions)
    _add_enum(defs["Site"]["properties"]["substrate"], lib.substrates)
    schema["title"] = "restoresim proposal"
    return schema


def _optional_everywhere(node: Any) -> None:
    """Drop ``required`` lists in a JSON Schema (in place)."""
    if isinstance(node, dict):
        node.pop("required", None)
        for v in node.values():
            _optional_everywhere(v)
    elif isinstance(node, list):
        for v in node:
            _optional_everywhere(v)


def policy_schema() -> dict[str, Any]:
    """JSON Schema of a policy *file*: every table and key may be left out, because a file is
    merged over the packaged default before the merged policy is validated in full."""
    schema = Policy.model_json_schema()
    _optional_everywhere(schema)
    schema["title"] = "restoresim policy"
    schema["description"] = (
        "A restoresim policy file. Every table and key is optional: the file is merged over the "
        "packaged default policy, and the merged result must be valid."
    )
    return schema
