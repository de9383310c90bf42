"""Cross-checks of the quantities a plan states, and the unit slips they reveal.

Chinese mining plans (开发利用方案, 矿山生态保护修复方案) state reserves and output in 万 t, volumes
in 万 m³, money in 万元 and areas in 亩 or km²; the contract's fields are in Mt, CNY and ha. A
number copied without converting is off by a fixed factor (100, 10,000, 15), and a single field
looks harmless: 2180.9 Mt of reserves is within the field's bounds. Checked *against each other*
the quantities are physically impossible, and the factor that makes them possible is the slip.

Every rule below is a physical or observed bound, not fitted to examples:

``reserves_depth``
    The ore volume ``reserves_mt · 10⁶ / density`` spread over the licence is a mean depth. The
    deepest open pits reach about 1,200 m at their deepest point (Bingham Canyon; Chuquicamata
    about 1,000 m); a pit's walls make its mean depth over its footprint at most half its deepest
    point (a cone holds a third of its cylinder), so a mean depth over the whole licence above
    :data:`MAX_MEAN_DEPTH_M` = 600 m cannot be mined from it. Hunan quarries as published
    (real-cases.md §5) lie at 30–65 m.
``sinking_rate``
    The yearly output's volume spread over the licence is the yearly mean deepening of the pit
    over the whole licence. Benches are 10–15 m high (china_domain.md §6) and a pit sinks by one
    to three benches a year [E]; more than :data:`MAX_SINKING_M_PER_YR` = 50 m a year (over four
    benches, over the whole licence) is not an open pit. Hunan quarries lie at 1.5–3.5 m/yr.
``life``
    ``reserves_mt / annual_output_mt`` above :data:`MAX_LIFE_YEARS` = 200 years (the contract's
    bound; licences run 5–22 years, china_domain.md §6).
``plan_cost_per_ha``
    A stated (non-zero) restoration estimate below :data:`MIN_PLAN_COST_CNY_PER_HA` CNY per ha
    of licence is a tenth of the cheapest restoration observed (sowing and planting only, no
    earthworks: 3.6万 CNY/ha, real-cases.md §1 site 4), so it cannot restore even a tenth of the
    licence; a figure in 万元 is 10,000× too small. Above :data:`MAX_PLAN_COST_CNY_PER_HA` =
    1,200万 CNY/ha, ten times the dearest restoration observed (a high wall cut back and greened,
    116万 CNY/ha, real-cases.md §1 site 3), it is refused too: that bound is what rules out
    reading other fields so that a 万元 figure would fit.

``precipitation``
    ``annual_precipitation_mm`` below :data:`MIN_PRECIPITATION_MM` = 5 mm a year is drier than
    any weather station in China (托克逊, Turpan basin, the driest, averages about 7 mm [S:
    widely published station normal]); a rainfall in metres (1.4 for 1,400 mm) is.
``soil_depth``
    A topsoil thinner than :data:`MIN_SOIL_DEPTH_CM` = 1 cm but not 0 is no layer anyone strips
    (plans strip 10-50 cm, china_domain.md §6); a depth in metres (0.3 for 30 cm) is.
``pit_volume``
    The plan's ore and waste inside its designed pit (``pit_volume_m3``) cannot exceed the block
    of the pit's extent times its depth (``pit_area_ha`` · 10⁴ · (top − bottom)), and no pit with
    walls steeper than 5° holds less than :data:`MIN_PIT_FILL` = 1 % of that block; a volume in
    万 m³ (10,000× too small) does.
``infrastructure_area``
    ``infrastructure_area_ha`` (工业场地, roads, stockpiles) above :data:`MAX_INFRA_RATIO` = 10
    times the larger of the licence and the designed pit. A quarry's 工业场地 is a fraction of
    its licence: 77,436 m² (7.7 ha) beside a 33.75 ha licence (临湘胜龙) and 22,800 m² (2.28 ha)
    beside a 18.1 ha 开采范围 (永州羊轱岭), 0.13-0.23 of it [S: real-cases.md §5]; ten times the
    licence is some fifty times what is observed [E]. A figure in m² (10,000× too large, 28500
    for 2.85 ha) or in 亩 (15×) is refused with the reading that fits.

When a rule fails, every reading of the fields involved in another unit (万 t, 万 m³, 万 t/a,
km², 万元) that makes *all* rules pass — alone or together with readings of other fields — is
spelled out, and the value is refused (exit 2).

One slip cannot be refused: a licence typed in 亩 (15× its area in ha) only looks too large, and
a generous licence is not impossible. :func:`notes` flags a licence at least 15× the plan area
that the reserves and waste occupy at the stated mined thickness — what a licence drawn around
its pit (real-cases.md §5) looks like when its area is in 亩 — with the 亩 reading; the verdict
lists it among its notes. The same slip in the other areas gives notes too, each with its 亩
reading:

* an ``infrastructure_area_ha`` larger than the licence (but within ``infrastructure_area``):
  the observed 工业场地 are 0.13-0.23 of their licence [S: real-cases.md §5], so one larger than
  the licence is suspect, yet possible (it may lie outside the licence);
* a ``pit_area_ha`` at least 15× the licence: the designed pit (开采境界) lies inside the licence
  (矿区范围), so a pit 15 times its licence reads as a pit in 亩 (the licence criterion then
  fails, and this says why);
* a designed pit whose block (``pit_area_ha`` × depth) the reserves and their waste fill to
  less than :data:`MIN_DESIGN_FILL` = 5 %. The rock inside a designed pit *is* its ore and waste
  (境界内矿岩总量), so a pit is designed around what it mines: the packaged designs, from the
  published plans, fill 29 % (攸县下湖, a hillside cut) and 72 % (临湘胜龙) of their block [D];
  an area in 亩 divides the fill by 15 (1.9 % and 4.8 %). Below a twentieth, six times under the
  lowest seen, the pit is designed far larger than its reserves need, or its area is in 亩 [E];
  a plan that mines only a first stage of a larger pit may do so, hence a note.

* an ``annual_precipitation_mm`` below half the driest rainfall its region receives
  (:data:`REGION_PRECIPITATION_MM`; Hunan 1,200-1,700 mm) and below the recovery's reference,
  where it cuts the cover ceiling and growth: 145 mm for 1,450 (a digit dropped) cut a Hunan
  site's cover to 18 % and rejected it. A note, not a refusal: the region is the applicant's
  choice, and a dry site wrongly placed is possible.

When the reserves and waste exceed the block of the designed pit, the note names the stripping
ratio (with its reading as a percentage, 5 for 5 % = 0.05) when the reserves alone fit the block,
and the reserves (with their 万 t and 万 m³ readings) otherwise.

The rules work on columns (dotted field path -> array, one row per proposal), so the proposal
files and the columnar :class:`sim.portfolio.Portfolio` use the very same checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.i18n import _, pgettext

__all__ = [
    "FIELDS",
    "MAX_INFRA_RATIO",
    "MAX_LIFE_YEARS",
    "MAX_MEAN_DEPTH_M",
    "MAX_PLAN_COST_CNY_PER_HA",
    "MAX_SINKING_M_PER_YR",
    "MIN_DESIGN_FILL",
    "MIN_PLAN_COST_CNY_PER_HA",
    "MU_PER_HA",
    "check",
    "notes",
]

MAX_MEAN_DEPTH_M = 600.0
MAX_SINKING_M_PER_YR = 50.0
MAX_LIFE_YEARS = 200.0
MIN_PLAN_COST_CNY_PER_HA = 3_600.0
MAX_PLAN_COST_CNY_PER_HA = 12_000_000.0
MU_PER_HA = 15.0  # 1 ha = 15 亩
MIN_PRECIPITATION_MM = 5.0
MIN_SOIL_DEPTH_CM = 1.0
MIN_PIT_FILL = 0.01
#: a section-method volume may exceed the block by rounding only
MAX_PIT_FILL = 1.05
#: the annual precipitation each region receives, mm (low, high): a stated figure below half the
#: low and below the recovery's reference (sim/params/recovery.toml) gets a note. Hunan 1200-1700
#: [S: m.kfkhr.com/1/666798.html; 1300-1600 zbk007.com/baike/120929432.html]; the rest [E] from
#: the zones' published climate (Guizhou-Guangxi karst 1100-2000, Yunnan's 800-1200; the North
#: China plain 500-900; the Loess Plateau 200-700; the northeast 400-1000)
REGION_PRECIPITATION_MM = {
    "south_hilly": (1200.0, 1700.0),
    "southwest_karst": (800.0, 2000.0),
    "north_china_plain": (500.0, 900.0),
    "loess_plateau": (200.0, 700.0),
    "northeast": (400.0, 1000.0),
}
#: infrastructure area / the larger of licence and designed pit (observed 0.13-0.23)
MAX_INFRA_RATIO = 10.0
#: reserves and waste / block of the designed pit below which a note asks for 亩 (seen 0.29-0.72)
MIN_DESIGN_FILL = 0.05

RESERVES = "extraction.reserves_mt"
OUTPUT = "extraction.annual_output_mt"
DENSITY = "extraction.rock_density_t_per_m3"
THICKNESS = "extraction.mined_thickness_m"
STRIPPING = "extraction.stripping_ratio"
LICENCE = "proposal.licensed_area_ha"
PLAN_COST = "finance.plan_restoration_cost_cny"
MINERAL = "proposal.mineral"
REGION = "proposal.region"
PIT_AREA = "site.pit_area_ha"
PIT_TOP = "site.pit_top_elevation_m"
PIT_BOTTOM = "site.pit_bottom_elevation_m"
PIT_VOLUME = "site.pit_volume_m3"
PRECIPITATION = "site.annual_precipitation_mm"
SOIL = "site.soil_depth_cm"
HEIGHT = "site.final_highwall_height_m"
RAMP_YEARS = "extraction.ramp_up_years"
INFRA = "extraction.infrastructure_area_ha"
DUMP_HEIGHT = "extraction.dump_height_m"

#: the columns the rules read
FIELDS = (
    RESERVES,
    OUTPUT,
    DENSITY,
    THICKNESS,
    STRIPPING,
    LICENCE,
    PLAN_COST,
    MINERAL,
    REGION,
    PIT_AREA,
    PIT_TOP,
    PIT_BOTTOM,
    PIT_VOLUME,
    PRECIPITATION,
    SOIL,
    HEIGHT,
    RAMP_YEARS,
    INFRA,
    DUMP_HEIGHT,
)

Cols = Mapping[str, np.ndarray]


def _label(path: str) -> str:
    section, name = path.split(".", 1)
    return f"[{section}] {name}"


def _g(x: float, digits: int = 6) -> str:
    """A number for messages: at most ``digits`` significant digits, thousands separated."""
    x = float(x)
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _d(x: float) -> str:
    """A derived quantity for messages (4 significant digits)."""
    return _g(x, 4)


# -- readings: the units a person may have typed a number in ---------------------------------


@dataclass(frozen=True)
class Reading:
    """A field's value read in another unit: ``convert`` gives the contract's value."""

    field: str
    convert: Callable[[np.ndarray, Cols], np.ndarray]
    text: Callable[[float, Cols, int], str]


READINGS: tuple[Reading, ...] = (
    Reading(
        RESERVES,
        lambda v, c: v / 100.0,
        lambda v, c, i: f"{_g(v)}万 t = {_g(v / 100)} Mt",
    ),
    Reading(
        RESERVES,
        lambda v, c: v * c[DENSITY] / 100.0,
        lambda v, c, i: _(
            "{v}万 m³ = {mt} Mt at {rho} t/m³",
            v=_g(v),
            mt=_d(v * c[DENSITY][i] / 100),
            rho=_g(c[DENSITY][i]),
        ),
    ),
    Reading(
        OUTPUT,
        lambda v, c: v / 100.0,
        lambda v, c, i: f"{_g(v)}万 t/a = {_g(v / 100)} Mt/yr",
    ),
    Reading(
        LICENCE,
        lambda v, c: v * 100.0,
        lambda v, c, i: _("licensed_area_ha = {v} in km² = {ha} ha", v=_g(v), ha=_g(v * 100)),
    ),
    Reading(
        PLAN_COST,
        lambda v, c: v * 1e4,
        lambda v, c, i: f"{_g(v)}万元 = {_g(v * 1e4)} CNY",
    ),
    Reading(
        PRECIPITATION,
        lambda v, c: v * 1000.0,
        lambda v, c, i: _("{v} m = {mm} mm a year", v=_g(v), mm=_g(v * 1000)),
    ),
    Reading(
        SOIL,
        lambda v, c: v * 100.0,
        lambda v, c, i: f"{_g(v)} m = {_g(v * 100)} cm",
    ),
    Reading(
        PIT_VOLUME,
        lambda v, c: v * 1e4,
        lambda v, c, i: f"{_g(v)}万 m³ = {_g(v * 1e4)} m³",
    ),
    Reading(  # a figure in 元 written with 万元
        PLAN_COST,
        lambda v, c: v / 1e4,
        lambda v, c, i: _(
            "{cny} CNY = {wan}万元 (a figure in 元 marked 万元)", cny=_g(v / 1e4), wan=_g(v / 1e8)
        ),
    ),
    Reading(
        INFRA,
        lambda v, c: v / 1e4,
        lambda v, c, i: _("{v} m² = {ha} ha", v=_g(v), ha=_g(v / 1e4)),
    ),
    Reading(
        INFRA,
        lambda v, c: v / MU_PER_HA,
        lambda v, c, i: _("{v} 亩 = {ha} ha", v=_g(v), ha=_d(v / MU_PER_HA)),
    ),
)


# -- rules ------------------------------------------------------------------------------------


def _volume_m3(c: Cols, key: str) -> np.ndarray:
    return c[key] * 1e6 / c[DENSITY]


def _depth(c: Cols) -> np.ndarray:
    return _volume_m3(c, RESERVES) / (c[LICENCE] * 1e4)


def _sinking(c: Cols) -> np.ndarray:
    return _volume_m3(c, OUTPUT) / (c[LICENCE] * 1e4)


def _life(c: Cols) -> np.ndarray:
    return c[RESERVES] / c[OUTPUT]


def _cost_per_ha(c: Cols) -> np.ndarray:
    return np.where(c[PLAN_COST] > 0, c[PLAN_COST] / c[LICENCE], np.inf)


@dataclass(frozen=True)
class Rule:
    """A bound on a quantity computed from several fields; ``subject`` is the field named."""

    name: str
    subject: str
    fields: tuple[str, ...]
    bad: Callable[[Cols], np.ndarray]
    explain: Callable[[Cols, int], str]


def _explain_depth(c: Cols, i: int) -> str:
    r, rho, a, t = (c[k][i] for k in (RESERVES, DENSITY, LICENCE, THICKNESS))
    vol = r * 1e6 / rho
    pit = (
        _("a ~{ha} ha pit at the stated {t} m mined thickness, ", ha=_d(vol / t / 1e4), t=_g(t))
        if np.isfinite(t)
        else ""
    )
    return _(
        "{r} Mt of {mineral} at {rho} t/m³ is {mm3} million m³: {pit}a mean depth of {depth} m "
        "over the {a} ha licence; at most {most} m is possible (the deepest open pits reach "
        "~1,200 m)",
        r=_g(r), mineral=pgettext("mineral", str(c[MINERAL][i])), rho=_g(rho),
        mm3=_d(vol / 1e6), pit=pit,
        depth=_d(vol / (a * 1e4)), a=_g(a), most=_g(MAX_MEAN_DEPTH_M),
    )  # fmt: skip


def _explain_sinking(c: Cols, i: int) -> str:
    q, rho, a = (c[k][i] for k in (OUTPUT, DENSITY, LICENCE))
    return _(
        "{q} Mt a year at {rho} t/m³ would deepen a pit filling the whole {a} ha licence by "
        "{m} m a year; at most {most} m/yr is possible (benches are 10-15 m high)",
        q=_g(q), rho=_g(rho), a=_g(a), m=_d(q * 1e6 / rho / (a * 1e4)),
        most=_g(MAX_SINKING_M_PER_YR),
    )  # fmt: skip


def _explain_life(c: Cols, i: int) -> str:
    r, q = c[RESERVES][i], c[OUTPUT][i]
    return _(
        "reserves_mt / annual_output_mt = {r} / {q} = {years} years of extraction: implausible "
        "life, must be <= {most} years",
        r=_g(r), q=_g(q), years=f"{r / q:.0f}", most=_g(MAX_LIFE_YEARS),
    )  # fmt: skip


def _explain_cost(c: Cols, i: int) -> str:
    cost, a = c[PLAN_COST][i], c[LICENCE][i]
    if cost / a > MAX_PLAN_COST_CNY_PER_HA:
        return _(
            "{cost} CNY for a {a} ha licence is {per} CNY/ha, above {most} CNY/ha, ten times "
            "the dearest restoration observed (a high wall cut back and greened, 116万 CNY/ha)",
            cost=_g(cost), a=_g(a), per=_d(cost / a), most=_g(MAX_PLAN_COST_CNY_PER_HA),
        )  # fmt: skip
    return _(
        "{cost} CNY for a {a} ha licence is {per} CNY/ha, below {least} CNY/ha, a tenth of the "
        "cheapest restoration observed (sowing and planting only, 3.6万 CNY/ha)",
        cost=_g(cost), a=_g(a), per=_d(cost / a), least=_g(MIN_PLAN_COST_CNY_PER_HA),
    )  # fmt: skip


def _block_m3(c: Cols) -> np.ndarray:
    return c[PIT_AREA] * 1e4 * (c[PIT_TOP] - c[PIT_BOTTOM])


def _pit_fill(c: Cols) -> np.ndarray:
    """The stated pit volume as a share of its block (NaN without one)."""
    return c[PIT_VOLUME] / _block_m3(c)


def _explain_precipitation(c: Cols, i: int) -> str:
    return _(
        "{v} mm a year is drier than any weather station in China (托克逊, the driest, has "
        "about 7 mm); at least {least} mm",
        v=_g(c[PRECIPITATION][i]), least=_g(MIN_PRECIPITATION_MM),
    )  # fmt: skip


def _explain_soil(c: Cols, i: int) -> str:
    return _(
        "a topsoil {v} cm thick is no layer anyone strips (plans strip 10-50 cm); give 0 for "
        "none, else at least {least} cm",
        v=_g(c[SOIL][i]), least=_g(MIN_SOIL_DEPTH_CM),
    )  # fmt: skip


def _explain_pit_volume(c: Cols, i: int) -> str:
    return _(
        "{v} m³ is {share} of the {block} m³ block of the designed extent ({a} ha) times its "
        "depth ({d} m); a pit holds between {least} and all of it",
        v=_g(c[PIT_VOLUME][i]), share=f"{_pit_fill(c)[i]:.2%}", block=_g(_block_m3(c)[i]),
        a=_g(c[PIT_AREA][i]), d=_g(c[PIT_TOP][i] - c[PIT_BOTTOM][i]),
        least=f"{MIN_PIT_FILL:.0%}",
    )  # fmt: skip


def _infra_bound_ha(c: Cols) -> np.ndarray:
    """The largest infrastructure area possible: 10× the larger of licence and designed pit."""
    return MAX_INFRA_RATIO * np.fmax(c[LICENCE], c[PIT_AREA])


def _explain_infra(c: Cols, i: int) -> str:
    v, a, pit = c[INFRA][i], c[LICENCE][i], c[PIT_AREA][i]
    values = dict(
        v=_g(v), ratio=_d(v / max(a, pit) if np.isfinite(pit) else v / a), a=_g(a),
        most=_g(MAX_INFRA_RATIO),
    )  # fmt: skip
    if np.isfinite(pit):
        return _(
            "{v} ha of 工业场地, roads and stockpiles is {ratio}x the larger of the {a} ha "
            "licence and the {pit} ha designed pit; at most {most}x is possible (a Hunan "
            "quarry's 工业场地 is 0.13-0.23 of its licence: 7.7 ha beside 33.75 ha, 2.28 ha "
            "beside 18.1 ha)",
            pit=_g(pit),
            **values,
        )
    return _(
        "{v} ha of 工业场地, roads and stockpiles is {ratio}x the {a} ha licence; at most "
        "{most}x is possible (a Hunan quarry's 工业场地 is 0.13-0.23 of its licence: 7.7 ha "
        "beside 33.75 ha, 2.28 ha beside 18.1 ha)",
        **values,
    )


RULES: tuple[Rule, ...] = (
    Rule("life", RESERVES, (RESERVES, OUTPUT), lambda c: _life(c) > MAX_LIFE_YEARS, _explain_life),
    Rule(
        "reserves_depth",
        RESERVES,
        (RESERVES, LICENCE),
        lambda c: _depth(c) > MAX_MEAN_DEPTH_M,
        _explain_depth,
    ),
    Rule(
        "sinking_rate",
        OUTPUT,
        (OUTPUT, LICENCE),
        lambda c: _sinking(c) > MAX_SINKING_M_PER_YR,
        _explain_sinking,
    ),
    Rule(
        "plan_cost_per_ha",
        PLAN_COST,
        (PLAN_COST, LICENCE),
        lambda c: (
            (_cost_per_ha(c) < MIN_PLAN_COST_CNY_PER_HA)
            | (np.isfinite(_cost_per_ha(c)) & (_cost_per_ha(c) > MAX_PLAN_COST_CNY_PER_HA))
        ),
        _explain_cost,
    ),
    Rule(
        "precipitation",
        PRECIPITATION,
        (PRECIPITATION,),
        lambda c: c[PRECIPITATION] < MIN_PRECIPITATION_MM,
        _explain_precipitation,
    ),
    Rule(
        "soil_depth",
        SOIL,
        (SOIL,),
        lambda c: (c[SOIL] > 0.0) & (c[SOIL] < MIN_SOIL_DEPTH_CM),
        _explain_soil,
    ),
    Rule(
        "pit_volume",
        PIT_VOLUME,
        (PIT_VOLUME,),
        lambda c: (_pit_fill(c) < MIN_PIT_FILL) | (_pit_fill(c) > MAX_PIT_FILL),
        _explain_pit_volume,
    ),
    Rule(
        "infrastructure_area",
        INFRA,
        (INFRA, LICENCE, PIT_AREA),
        lambda c: c[INFRA] > _infra_bound_ha(c),
        _explain_infra,
    ),
)


#: columns a caller may leave out (without the design geometry, or checking only the
#: quantities): absent reads as blank, and a blank passes every rule
OPTIONAL = (
    PIT_AREA, PIT_TOP, PIT_BOTTOM, PIT_VOLUME, PRECIPITATION, SOIL, HEIGHT, RAMP_YEARS, INFRA,
    REGION, DUMP_HEIGHT,
)  # fmt: skip


def _floats(cols: Cols) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    n = len(cols[RESERVES])
    for k in FIELDS:
        v = np.asarray(cols[k]) if k in cols or k not in OPTIONAL else np.full(n, np.nan)
        out[k] = v if k in (MINERAL, REGION) else v.astype(float)
    return out


def _bad(c: Cols) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return {rule.name: np.asarray(rule.bad(c), dtype=bool) for rule in RULES}


def check(cols: Cols) -> list[tuple[int, str, str]]:
    """Every failed rule as ``(row, field path, message)``; the message names the field and value.

    ``cols`` maps the dotted paths of :data:`FIELDS` to arrays (one row per proposal, values
    already valid field by field, density resolved). Extreme values (1e-308) overflow in the
    explanations' arithmetic without a warning: they show as inf.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _check(cols)


def _check(cols: Cols) -> list[tuple[int, str, str]]:
    c = _floats(cols)
    bad = _bad(c)
    failing = np.zeros(len(c[RESERVES]), dtype=bool)
    for b in bad.values():
        failing |= b
    if not failing.any():
        return []
    # every combination of readings (each field as written or in one other unit) that passes
    by_field: dict[str, list[Reading | None]] = {}
    for reading in READINGS:
        by_field.setdefault(reading.field, [None]).append(reading)
    fields = list(by_field)
    passing: list[tuple[dict[str, Reading | None], np.ndarray]] = []
    for combo in itertools.product(*(by_field[f] for f in fields)):
        chosen = dict(zip(fields, combo, strict=True))
        if all(r is None for r in combo):
            continue
        alt = dict(c)
        for f, r in chosen.items():
            if r is not None:
                alt[f] = r.convert(c[f], c)
        alt_bad = _bad(alt)
        ok = np.ones(len(c[RESERVES]), dtype=bool)
        for b in alt_bad.values():
            ok &= ~b
        passing.append((chosen, ok))
    passing.sort(key=lambda item: sum(r is not None for r in item[0].values()))  # fewest first

    # a combination explains a row when it passes and no smaller one inside it does
    def changed(chosen: dict[str, Reading | None]) -> set[tuple[str, int]]:
        return {(f, id(r)) for f, r in chosen.items() if r is not None}

    out: list[tuple[int, str, str]] = []
    for i in np.flatnonzero(failing):
        explaining: list[dict[str, Reading | None]] = []
        for chosen, ok in passing:
            if ok[i] and not any(changed(e) <= changed(chosen) for e in explaining):
                explaining.append(chosen)
        subjects: dict[str, list[Rule]] = {}
        for rule in RULES:
            if bad[rule.name][i]:
                subjects.setdefault(rule.subject, []).append(rule)
        for subject, rules in subjects.items():
            involved = {f for rule in rules for f in rule.fields}
            own: list[str] = []
            other: list[str] = []
            for chosen in explaining:
                for f, r in chosen.items():
                    if r is None or f not in involved:
                        continue
                    text = r.text(float(c[f][i]), c, int(i))
                    bucket = own if f == subject else other
                    if text not in bucket:
                        bucket.append(text)
            why = _("; ").join(rule.explain(c, int(i)) for rule in rules)
            msg = f"{_label(subject)} = {float(c[subject][i])!r}: {why}"
            either = _(", or ")
            if own:
                msg += _("; did you mean {readings}?", readings=either.join(own))
            if other:
                msg += (
                    _(" (or is {readings}?)", readings=either.join(other))
                    if own
                    else _("; is {readings}?", readings=either.join(other))
                )
            if not own and not other:
                msg += _("; check the field's unit")
            out.append((int(i), subject, msg))
    return out


def notes(cols: Cols) -> list[tuple[int, str]]:
    """Warnings that do not refuse ``(row, text)``, as catalogue messages: a licence, an
    infrastructure area or a designed pit that looks like it was typed in 亩; stated reserves
    and waste that no pit of the designed extent and depth can hold (naming the stripping ratio
    when the reserves alone fit, else the reserves, with the readings that would fit); a ramp-up
    that outlasts the reserves; waste dumps larger than the licence; on the design path, a stated
    wall height or mined thickness the design replaces."""
    from sim.i18n.message import Alternatives, Message, Term
    from sim.params import load_library

    ramp_share = load_library()["schedule.ramp_share"]
    c = _floats(cols)
    design = np.isfinite(c[PIT_AREA]) & np.isfinite(c[PIT_TOP]) & np.isfinite(c[PIT_BOTTOM])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ore_m3 = c[RESERVES] * 1e6 / c[DENSITY]
        needed_m3 = ore_m3 * (1.0 + c[STRIPPING])
        pit_ha = np.where(design, c[PIT_AREA], needed_m3 / c[THICKNESS] / 1e4)
        ratio = c[LICENCE] / pit_ha
        prism_m3 = _block_m3(c)
        depth_m = c[PIT_TOP] - c[PIT_BOTTOM]
        ramp_mt = c[RAMP_YEARS] * c[OUTPUT] * ramp_share  # output in the ramp-up years
        pit_in_mu = design & (c[PIT_AREA] >= MU_PER_HA * c[LICENCE])
        fill = needed_m3 / prism_m3
    out: list[tuple[int, str]] = []
    for i in np.flatnonzero(ratio >= MU_PER_HA):
        a = c[LICENCE][i]
        if design[i]:
            pit = Message("designed {ha} ha pit (pit_area_ha)", ha=_d(pit_ha[i]))
        else:
            pit = Message(
                "{ha} ha that the reserves and waste occupy at the stated {t} m mined thickness",
                ha=_d(pit_ha[i]), t=_g(c[THICKNESS][i]),
            )  # fmt: skip
        out.append((int(i), Message(
            "[proposal] licensed_area_ha = {a} is {ratio}x the {pit}; licences are drawn around "
            "their pit: if {a} is in 亩 the licence is {ha} ha.",
            a=_g(a), ratio=f"{ratio[i]:.0f}", pit=pit, ha=_d(a / MU_PER_HA),
        )))  # fmt: skip
    for i in np.flatnonzero(c[INFRA] > c[LICENCE]):
        v = c[INFRA][i]
        out.append((int(i), Message(
            "[extraction] infrastructure_area_ha = {v} is larger than the {a} ha licence; a "
            "quarry's 工业场地 is a fraction of its licence (7.7 ha beside 33.75 ha, 2.28 ha "
            "beside 18.1 ha): if {v} is in 亩 it is {ha} ha.",
            v=_g(v), a=_g(c[LICENCE][i]), ha=_d(v / MU_PER_HA),
        )))  # fmt: skip
    for i in np.flatnonzero(pit_in_mu):
        v = c[PIT_AREA][i]
        out.append((int(i), Message(
            "[site] pit_area_ha = {v} is {ratio}x the {a} ha licence; the designed pit (开采境界) "
            "lies inside its licence (矿区范围): if {v} is in 亩 the pit is {ha} ha.",
            v=_g(v), ratio=f"{v / c[LICENCE][i]:.0f}", a=_g(c[LICENCE][i]),
            ha=_d(v / MU_PER_HA),
        )))  # fmt: skip
    for i in np.flatnonzero(design & ~pit_in_mu & (fill < MIN_DESIGN_FILL)):
        v, a = c[PIT_AREA][i], c[LICENCE][i]
        values = dict(
            v=_g(v), need=_d(needed_m3[i] / 1e6), share=f"{fill[i]:.1%}",
            block=_d(prism_m3[i] / 1e6), d=_g(depth_m[i]), least=f"{MIN_DESIGN_FILL:.0%}",
            ha=_d(v / MU_PER_HA),
        )  # fmt: skip
        if a >= v:  # a licence drawn around a pit in 亩 is likely in 亩 too
            text = Message(
                "[site] pit_area_ha = {v}: the reserves with their waste ({need} million m³) "
                "fill {share} of the {block} million m³ of a {v} ha × {d} m block; a pit is "
                "designed around the rock it mines (境界内矿岩总量), and designed pits fill "
                "29-72% of their block, not less than {least}: if pit_area_ha is in 亩 the pit "
                "is {ha} ha, and if licensed_area_ha = {a} is too, the licence is {aha} ha.",
                a=_g(a), aha=_d(a / MU_PER_HA), **values,
            )  # fmt: skip
        else:
            text = Message(
                "[site] pit_area_ha = {v}: the reserves with their waste ({need} million m³) "
                "fill {share} of the {block} million m³ of a {v} ha × {d} m block; a pit is "
                "designed around the rock it mines (境界内矿岩总量), and designed pits fill "
                "29-72% of their block, not less than {least}: if pit_area_ha is in 亩 the pit "
                "is {ha} ha.",
                **values,
            )
        out.append((int(i), text))
    too_big = design & (needed_m3 > prism_m3)
    by_stripping = too_big & (c[STRIPPING] > 0) & (ore_m3 <= prism_m3)
    for i in np.flatnonzero(by_stripping):
        sr = c[STRIPPING][i]
        values = dict(
            s=_g(sr), r=_g(c[RESERVES][i]), ore=_d(ore_m3[i] / 1e6),
            need=_d(needed_m3[i] / 1e6), block=_d(prism_m3[i] / 1e6), a=_g(c[PIT_AREA][i]),
            d=_g(depth_m[i]),
        )  # fmt: skip
        if ore_m3[i] * (1.0 + sr / 100.0) <= prism_m3[i]:
            text = Message(
                "[extraction] stripping_ratio = {s}: the {r} Mt of reserves alone ({ore} "
                "million m³) fit the {block} million m³ of a {a} ha × {d} m block, but with {s} "
                "t of waste a tonne they are {need} million m³, more than any pit of the "
                "designed extent and depth can hold whatever its slopes; did you mean {s}% = "
                "{pct}?",
                pct=_g(sr / 100.0), **values,
            )  # fmt: skip
        else:
            text = Message(
                "[extraction] stripping_ratio = {s}: the {r} Mt of reserves alone ({ore} "
                "million m³) fit the {block} million m³ of a {a} ha × {d} m block, but with {s} "
                "t of waste a tonne they are {need} million m³, more than any pit of the "
                "designed extent and depth can hold whatever its slopes; check the stripping "
                "ratio.",
                **values,
            )
        out.append((int(i), text))
    for i in np.flatnonzero(too_big & ~by_stripping):
        r, rho = c[RESERVES][i], c[DENSITY][i]
        readings = []
        if needed_m3[i] / 100.0 <= prism_m3[i]:
            readings.append(f"{_g(r)}万 t = {_g(r / 100)} Mt")
        if needed_m3[i] * rho / 100.0 <= prism_m3[i]:
            readings.append(Message(
                "{v}万 m³ = {mt} Mt at {rho} t/m³", v=_g(r), mt=_d(r * rho / 100), rho=_g(rho)
            ))  # fmt: skip
        values = dict(
            r=_g(r), need=_d(needed_m3[i] / 1e6), block=_d(prism_m3[i] / 1e6),
            a=_g(c[PIT_AREA][i]), d=_g(depth_m[i]),
        )  # fmt: skip
        if readings:
            text = Message(
                "[extraction] reserves_mt = {r} with its waste is {need} million m³, more than "
                "the {block} million m³ of a {a} ha × {d} m block, which no pit of the designed "
                "extent and depth can exceed whatever its slopes; did you mean {readings}?",
                readings=Alternatives(readings),
                **values,
            )
        else:
            text = Message(
                "[extraction] reserves_mt = {r} with its waste is {need} million m³, more than "
                "the {block} million m³ of a {a} ha × {d} m block, which no pit of the designed "
                "extent and depth can exceed whatever its slopes.",
                **values,
            )
        out.append((int(i), text))
    # waste dumps larger than the licence: a quarry's 排土场 is a fraction of it (临湘胜龙 2.42 ha
    # beside 33.75 ha, real-cases.md §5), so the stripping ratio likely counts stripped
    # material that is sold or used (综合利用: 残坡积层、风化层 as 机制砂), or the height is the
    # dumps' slope height rather than their mean
    swell = load_library()["schedule.swell_factor"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dump_m3 = c[STRIPPING] * c[RESERVES] * 1e6 / c[DENSITY] * swell
        dump_ha = dump_m3 / c[DUMP_HEIGHT] / 1e4
    for i in np.flatnonzero((dump_ha > c[LICENCE]) & ~too_big):  # else named above
        out.append((int(i), Message(
            "[extraction] stripping_ratio = {s} with dump_height_m = {h}: {w} million m³ of "
            "waste (swollen by {swell}) needs {ha} ha of dumps, {ratio}x the {a} ha licence; a "
            "quarry's 排土场 is a fraction of its licence (2.42 ha beside 33.75 ha): if the "
            "stripped material is sold or used (综合利用), count in the stripping ratio only what "
            "is dumped; else check both against the plan's 排土场 (容积 ÷ 占地面积).",
            s=_g(c[STRIPPING][i]), h=_g(c[DUMP_HEIGHT][i]), w=_d(dump_m3[i] / 1e6),
            swell=_g(swell), ha=_d(dump_ha[i]), ratio=f"{dump_ha[i] / c[LICENCE][i]:.1f}",
            a=_g(c[LICENCE][i]),
        )))  # fmt: skip
    for i in np.flatnonzero(ramp_mt >= c[RESERVES]):
        out.append((int(i), Message(
            "[extraction] ramp_up_years = {n}: at {share} of the {q} Mt/yr design output "
            "(schedule.ramp_share) the {r} Mt of reserves are mined out within the ramp-up "
            "({years} years), so the mine never reaches its design output; check the ramp-up "
            "(达产期) against the life.",
            n=_g(c[RAMP_YEARS][i]), share=f"{ramp_share:.0%}", q=_g(c[OUTPUT][i]),
            r=_g(c[RESERVES][i]), years=_d(c[RESERVES][i] / (ramp_share * c[OUTPUT][i])),
        )))  # fmt: skip
    for i in np.flatnonzero(design & (np.abs(c[HEIGHT] - depth_m) > 0.5)):
        out.append((int(i), Message(
            "[site] final_highwall_height_m = {h} is not used: with the design geometry the "
            "final walls are as high as the pit is deep, {d} m (pit_top_elevation_m - "
            "pit_bottom_elevation_m); leave it out, or check the elevations.",
            h=_g(c[HEIGHT][i]), d=_g(depth_m[i]),
        )))  # fmt: skip
    reference_mm = load_library()["recovery.precipitation_reference"]
    for i, region in enumerate(c[REGION]):
        low, high = REGION_PRECIPITATION_MM.get(str(region), (0.0, np.inf))
        v = c[PRECIPITATION][i]
        if v < min(low / 2.0, reference_mm):
            out.append((int(i), Message(
                "[site] annual_precipitation_mm = {v}: the region {region} receives {low}-{high} "
                "mm a year, and below {ref} mm the model cuts the cover ceiling and growth to "
                "{share} of their value (P / {ref}); check the figure (a digit dropped: {ten} mm) "
                "or the region.",
                v=_g(v), region=Term("region", str(region)), low=_g(low), high=_g(high),
                ref=_g(reference_mm), share=f"{v / reference_mm:.0%}", ten=_g(10.0 * v),
            )))  # fmt: skip
    for i in np.flatnonzero(design & np.isfinite(c[THICKNESS])):
        out.append((int(i), Message(
            "[extraction] mined_thickness_m = {t} is not used: the design geometry (pit area "
            "and elevations) defines the pit; leave it out.",
            t=_g(c[THICKNESS][i]),
        )))  # fmt: skip
    return out
