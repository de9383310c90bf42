"""The applicant's bill of quantities (经费估算) compared, measure by measure, with ours.

Pure functions, no I/O: the items come validated from the proposal (:class:`sim.proposal.Bill`,
a file read by :mod:`sim.billfile`), our cost by measure from :mod:`sim.breakdown` (the model's
own stages), the draws from the engine's streams (:meth:`sim.engine.Prepared.draws`).

**Names.** Each item's name maps to a measure by the data table ``sim/data/bill-measures.toml``
(the longest listed name contained in the item's name; a reviewer may set ``maps_to``). A name
that maps to no measure of the model is kept as *not modelled* with its amount, never dropped.

**Our distribution of a measure** ``m`` in draw ``d``: the breakdown at that draw's mined
thickness and output (:func:`sim.breakdown.cost_by_measure_cny`, every factor 1) times the draw's
cost factor ``φ_m`` (SPEC §5: ``φ_m`` multiplies measure m's unit cost), on the applicant's
basis: plans price items at all-in unit prices (综合单价, with profit and tax, 土地开发整理项目
预算定额), so works carry ``(1 + profit)(1 + tax)``; aftercare carries none; the rest of the fees
(other fees, contingency) is the item ``fees`` (其他费用 + 预备费). The items then add up to
``m_w Σ works + m_a aftercare``, the model's cost without rework. Aftercare is scaled by its own
factor only (in the model it also follows the planting factors): a close approximation.
Measures without a draw factor (added after the draws' 8) take factor 1.

**Comparison.** Items mapped to one measure are summed and the sum placed at its percentile of
our draws (share of draws at or below it); below our P05 it is flagged ``below_p05`` (likely
under-costed), above our P95 ``above_p95``. Measures we price (P50 > 0) that the bill leaves out
are listed with our P50. An item's area is compared with the quantity the model prices its
measure by (:data:`QUANTITY_UNITS`: the sprayed share of the rock face for wall greening, not the
whole face), noted ``below`` or ``above`` when it lies outside our P05-P95 by more than
:data:`QUANTITY_TOLERANCE`; a quantity the same in every draw is given as one number. The bill's
total is checked against the restoration cost the plan states (:func:`plan_cost_note`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from sim import breakdown, quantities
from sim.i18n import N_, _
from sim.i18n.message import Message, Money
from sim.keys import MEASURES
from sim.model import cost

__all__ = [
    "BillComparison",
    "BillLine",
    "MeasureRow",
    "OurBill",
    "bill_lines",
    "compare",
    "match_name",
    "measure_for",
    "our_bill",
    "percentile_of",
    "quantity_in",
    "unit_slips",
]

#: percentiles of our distribution outside which an applicant's figure is flagged
LOW_PCT, HIGH_PCT = 5.0, 95.0
#: the applicant's money units (bill-level ``money_unit``) -> CNY
MONEY_UNITS: dict[str, float] = {"元": 1.0, "万元": 1e4}
#: comparable quantities, each the quantity the model prices one measure by (a test checks
#: that the measure's cost is this quantity times its unit price): name -> unit of comparison
QUANTITY_UNITS: dict[str, str] = {
    "restored_land_ha": "ha",  # revegetation: mined land, infrastructure, wall platforms
    "regraded_ha": "ha",  # regrading: mined land not under water, wall platforms
    "infrastructure_ha": "ha",  # demolition
    "wall_sprayed_m2": "m2",  # wall greening: the sprayed share of the rock face
    # the wall measures priced by two quantities each: a measure's cost is the sum over them
    "cutback_m3": "m3",  # cut-back: the wedge cut off walls steeper than their rock stands
    "scaled_m2": "m2",  # cut-back: the face scaled of loose rock
    "wall_trough_m": "m",  # bench planting troughs, along the benches
    "wall_ditch_m": "m",  # wall drains: the crest ditch
    "wall_retaining_m": "m",  # wall drains: the retaining wall at the toe
}
#: the measure each comparable quantity prices
QUANTITY_MEASURES: dict[str, str] = {
    "restored_land_ha": "revegetation",
    "regraded_ha": "regrading",
    "infrastructure_ha": "demolition",
    "wall_sprayed_m2": "wall_greening",
    "cutback_m3": "cutback",
    "scaled_m2": "cutback",
    "wall_trough_m": "wall_benches",
    "wall_ditch_m": "wall_drains",
    "wall_retaining_m": "wall_drains",
}
#: what each comparable quantity is, in the notes
QUANTITY_LABELS: dict[str, str] = {
    "restored_land_ha": N_("area planted (mined land, industrial sites, wall platforms)"),
    "regraded_ha": N_("area regraded (mined land not under water, wall platforms)"),
    "infrastructure_ha": N_("area of industrial sites and roads cleared"),
    "wall_sprayed_m2": N_("sprayed rock face of the final walls"),
    "cutback_m3": N_("volume cut back from the final walls"),
    "scaled_m2": N_("rock face scaled of loose rock"),
    "wall_trough_m": N_("length of planting troughs on the benches"),
    "wall_ditch_m": N_("length of the crest ditch along the walls"),
    "wall_retaining_m": N_("length of retaining wall along the walls"),
}
#: relative difference between an amount and quantity x unit price that is noted
PRICE_TOLERANCE = 0.02
#: relative margin beyond our P05-P95 of a quantity (or beyond our quantity, when it is the
#: same in every draw) within which the bill's quantity agrees with ours [E]: ours is the
#: idealised geometry of model/SPEC.md §3-3a (plane bench faces, the library's spray share
#: unless the plan states it), the plan's is measured on its design drawings
QUANTITY_TOLERANCE = 0.10
#: relative difference between the bill's total and the restoration cost the plan states
#: (``finance.plan_restoration_cost_cny``) beyond which it is noted [E]: both come from the
#: same plan's cost chapter (工程量清单 and 投资估算汇总表), so they agree within rounding, or
#: differ by an item the plan states beside the bill (a contingency); a wider gap is an item
#: left out of one of them, or a unit slip, for the reviewer to ask about
PLAN_COST_TOLERANCE = 0.10
#: how each comparable quantity sums the keys of :func:`sim.breakdown.quantities` (a key the
#: breakdown no longer gives makes that quantity NaN: not compared)
QUANTITY_SOURCES: dict[str, tuple[str, ...]] = {
    "restored_land_ha": ("mined_land_ha", "infrastructure_ha", "wall_platform_ha"),
    "regraded_ha": ("regraded_ha",),
    "infrastructure_ha": ("infrastructure_ha",),
    "wall_sprayed_m2": ("wall_sprayed_m2",),
    "cutback_m3": ("cutback_m3",),
    "scaled_m2": ("scaled_m2",),
    "wall_trough_m": ("wall_trough_m",),
    "wall_ditch_m": ("wall_ditch_m",),
    "wall_retaining_m": ("wall_retaining_m",),
}
_AREA_HA = quantities.UNITS["ha"]
#: a bill's units of volume and length -> m3 and m (延米 / 延长米: metres along a line)
_VOLUME_M3 = {
    "m3": 1.0, "m³": 1.0, "立方米": 1.0, "方": 1.0, "万m3": 1e4, "万m³": 1e4, "万立方米": 1e4,
    "万方": 1e4,
}  # fmt: skip
_LENGTH_M = {**quantities.UNITS["m"], "延米": 1.0, "延长米": 1.0, "公里": 1e3}
#: the unit of comparison -> (the written units it reads, factor of the table's unit to it)
_DIMENSIONS: dict[str, tuple[dict[str, float], float]] = {
    "ha": (_AREA_HA, 1.0),
    "m2": (_AREA_HA, 1e4),
    "m3": (_VOLUME_M3, 1.0),
    "m": (_LENGTH_M, 1.0),
}
_NUMBERING = re.compile(r"^\s*(?:[(（]?[0-9一二三四五六七八九十]+[)）.、．]|[0-9.]+\s)\s*")


#: the words of the flags (:func:`flag_of`)
FLAG_WORDS: dict[str, str] = {
    "within": N_("within our P05–P95"),
    "below_p05": N_("below our P05: likely under-costed"),
    "above_p95": N_("above our P95"),
}


def percentile_label(pct: float) -> str:
    """``"P23"``; ``"<P1"`` below every draw and ``">P99"`` above every draw."""
    if pct <= 0:
        return "<P1"
    if pct >= 100:
        return ">P99"
    return f"P{max(1, min(99, round(pct)))}"


#: labels of the bill that differ from the breakdown's: on the applicant's basis profit and tax
#: are in the unit prices, so the fees item is other fees and contingency only
BILL_LABELS: dict[str, str] = {"fees": N_("Other fees and contingency")}


def label(measure: str) -> str:
    """The label of a measure in the bill, in the current language (its key if it has none)."""
    from sim.i18n import gettext

    text = BILL_LABELS.get(measure) or breakdown.LABELS.get(measure)
    return gettext(text) if text else measure


@cache
def name_table() -> dict[str, dict[str, Any]]:
    """The name table ``sim/data/bill-measures.toml``: normalised name -> entry."""
    text = resources.files("sim.data").joinpath("bill-measures.toml").read_text("utf-8")
    return {normalise(k): v for k, v in tomllib.loads(text)["names"].items()}


def normalise(name: str) -> str:
    """An item name without numbering ("1、", "(2)"), spaces and case."""
    return re.sub(r"\s+", "", _NUMBERING.sub("", name)).lower()


@dataclass(frozen=True)
class NameMatch:
    """The table entry an item name matched: its key, candidate measures and quantity kind."""

    key: str | None
    candidates: tuple[str, ...]
    quantity: tuple[str, ...] = ()  # the quantity kinds it may compare with, best first


def match_name(name: str) -> NameMatch:
    """The entry whose name is the longest contained in ``name`` (first in the table on a tie)."""
    norm = normalise(name)
    best = max((k for k in name_table() if k in norm), key=len, default=None)
    if best is None:
        return NameMatch(None, ())
    entry = name_table()[best]
    return NameMatch(best, tuple(entry["measures"]), entry_kinds(entry))


def entry_kinds(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """The quantity kinds of a name-table entry (``quantity`` is one kind or a list)."""
    q = entry.get("quantity")
    return () if q is None else (q,) if isinstance(q, str) else tuple(q)


def measure_for(candidates: Iterable[str], items: Sequence[str] = breakdown.ITEMS) -> str | None:
    """The first candidate that is an item of the model's breakdown, else None."""
    return next((c for c in candidates if c in items), None)


def quantity_in(value: float, unit: str | None, kind: str) -> float | None:
    """``value`` written in ``unit`` converted to the unit of comparison of ``kind`` (ha, m2,
    m3 or m: :data:`QUANTITY_UNITS`); None when the unit is not of that dimension."""
    if unit is None:
        return None
    table, scale = _DIMENSIONS[QUANTITY_UNITS[kind]]
    factor = table.get(unit.strip().replace(" ", ""))
    if factor is None:
        return None
    return value * factor * scale


def kind_for(kinds: Sequence[str], unit: str | None) -> str | None:
    """The first of an item's candidate quantity ``kinds`` its ``unit`` can be compared in
    (危岩清理 in m2 is the scaled face, in m3 not comparable), else None."""
    return next((k for k in kinds if quantity_in(1.0, unit, k) is not None), None)


def money_cny(value: float | str, money_unit: str) -> float:
    """An amount as the bill states it (a number in ``money_unit``, or "12.5 万元") in CNY."""
    if isinstance(value, str):
        converted = quantities.convert(value, "CNY")
        if converted is None:
            raise ValueError(_("{value} is not a number with a money unit", value=repr(value)))
        return converted
    return float(value) * MONEY_UNITS[money_unit]


def unit_slips(bill: Any, bill_items: Iterable[Any]) -> list[str]:
    """Items whose amount is 10,000 times (or 1/10,000 of) quantity x unit price: the amounts
    are then in the other money unit; one message per item, with the reading spelled out."""
    out = []
    for it in bill_items:
        if isinstance(it.amount, str) or it.amount is None or not it.quantity:
            continue
        if not it.unit_price_cny:
            continue
        ratio = money_cny(it.amount, bill.money_unit) / (it.quantity * it.unit_price_cny)
        for factor, other in ((1e4, "元"), (1e-4, "万元")):
            if abs(ratio / factor - 1.0) < 0.2:
                out.append(
                    _(
                        "[bill] item {measure}: amount = {amount:g} in {unit} is {ratio:g} times "
                        "quantity x unit price ({quantity:g} x {price:g} 元); did you mean "
                        'money_unit = "{other}"?',
                        measure=repr(it.measure), amount=it.amount, unit=bill.money_unit,
                        ratio=ratio, quantity=it.quantity, price=it.unit_price_cny, other=other,
                    )
                )
    return out


@dataclass(frozen=True)
class BillLine:
    """One item of the applicant's bill, in CNY, with the measure it maps to."""

    name: str
    measure: str | None  # an item of sim.breakdown.ITEMS, or None (not modelled)
    target: str | None  # the first candidate measure (what it will map to once modelled)
    amount_cny: float
    quantity: float | None = None
    unit: str | None = None
    unit_price_cny: float | None = None
    quantity_kind: str | None = None


def _kinds_of_measure(measure: str) -> tuple[str, ...]:
    """The quantity kinds that price ``measure`` (an item mapped by ``maps_to``)."""
    return tuple(k for k, m in QUANTITY_MEASURES.items() if m == measure)


def bill_lines(
    bill: Any, bill_items: Iterable[Any], items: Sequence[str] = breakdown.ITEMS
) -> list[BillLine]:
    """The lines of a validated bill (:class:`sim.proposal.Bill`): its items ``bill_items``
    (:class:`sim.proposal.BillItem`, those of the table and of its file) and its ``other_fees``
    and ``contingency`` as ``fees`` lines, each in CNY and mapped to a measure of ``items``."""
    out = []
    for it in bill_items:
        if it.maps_to:
            m = NameMatch(it.maps_to, (it.maps_to,), _kinds_of_measure(it.maps_to))
        else:
            m = match_name(it.measure)
        if it.amount is not None:
            amount = money_cny(it.amount, bill.money_unit)
        else:
            amount = float(it.quantity) * float(it.unit_price_cny)
        out.append(
            BillLine(
                name=it.measure,
                measure=measure_for(m.candidates, items),
                target=m.candidates[0] if m.candidates else None,
                amount_cny=amount,
                quantity=it.quantity,
                unit=it.unit,
                unit_price_cny=it.unit_price_cny,
                quantity_kind=kind_for(m.quantity, it.unit),
            )
        )
    for name, value in (("其他费用", bill.other_fees), ("预备费", bill.contingency)):
        if value is not None:
            amount = money_cny(value, bill.money_unit)
            out.append(BillLine(name, "fees", "fees", amount))
    return out


# ------------------------------------------------------------------------------------------
# ours


@dataclass(frozen=True)
class OurBill:
    """Our cost by item of :data:`sim.breakdown.ITEMS` per draw on the applicant's basis
    (``cost_cny[item]`` shape (draws,)), and our comparable quantities per draw."""

    cost_cny: dict[str, np.ndarray]
    quantity: dict[str, np.ndarray]

    @property
    def total_cny(self) -> np.ndarray:
        """Sum of the items per draw [CNY]."""
        return np.sum([v for v in self.cost_cny.values()], axis=0)

    def quantile(self, item: str, q: float) -> float:
        """Quantile ``q`` (0-1) of an item over draws [CNY]."""
        return float(np.quantile(self.cost_cny[item], q))


def our_bill(resolved: Mapping[str, Any], draws: Mapping[str, np.ndarray]) -> OurBill:
    """Our cost by measure for each draw (see the module docstring), from the breakdown.

    ``resolved``: the proposal's resolved inputs; ``draws``: its random inputs
    (:meth:`sim.engine.Prepared.draws`), of which the thickness, output and cost factors are used.
    """
    thick = np.asarray(draws["thickness_factor"], dtype=float)
    out_f = np.asarray(draws["output_factor"], dtype=float)
    phi = np.asarray(draws["cost_factor"], dtype=float)
    n = thick.size
    k_price, _ = cost.fee_multiplier_pair(
        float(resolved["profit_rate"]), float(resolved["tax_rate"]), 0.0, 0.0
    )
    m_w, m_a = cost.fee_multiplier_pair(
        float(resolved["profit_rate"]),
        float(resolved["tax_rate"]),
        float(resolved["other_fees_rate"]),
        float(resolved["contingency_rate"]),
    )
    measures = [m for m in breakdown.ITEMS if m != "fees"]
    costs = {m: np.zeros(n) for m in breakdown.ITEMS}
    qty = {k: np.zeros(n) for k in QUANTITY_UNITS}
    for d in range(n):
        r = dict(resolved)
        r["mined_thickness_m"] = float(resolved["mined_thickness_m"]) * thick[d]
        r["annual_output_mt"] = float(resolved["annual_output_mt"]) * out_f[d]
        items = breakdown.cost_by_measure_cny(r)
        works = care = 0.0
        for m in measures:
            j = MEASURES.index(m) if m in MEASURES else -1
            f = phi[d, j] if 0 <= j < phi.shape[1] else 1.0
            direct = items[m] * f
            if m == "aftercare":
                care += direct
                costs[m][d] = direct
            else:
                works += direct
                costs[m][d] = direct * k_price
        costs["fees"][d] = (m_w - k_price) * works + (m_a - 1.0) * care
        q = breakdown.quantities(r)
        for kind, parts in QUANTITY_SOURCES.items():
            qty[kind][d] = sum(q.get(k, np.nan) for k in parts)
    return OurBill(costs, qty)


# ------------------------------------------------------------------------------------------
# comparison


def percentile_of(values: np.ndarray, x: float) -> float:
    """Share of ``values`` at or below ``x``, in percent [%] (NaN when there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(100.0 * np.mean(v <= x)) if v.size else float("nan")


def flag_of(pct: float) -> str:
    """``below_p05`` (likely under-costed), ``above_p95`` or ``within``."""
    if pct < LOW_PCT:
        return "below_p05"
    if pct > HIGH_PCT:
        return "above_p95"
    return "within"


@dataclass(frozen=True)
class QuantityRow:
    """The applicant's quantity of a measure (the sum over its ``items`` whose quantity is
    comparable) against our distribution of the quantity we price that measure by (``kind``)."""

    items: tuple[str, ...]
    kind: str
    unit: str
    applicant: float
    ours_p05: float
    ours_p50: float
    ours_p95: float
    percentile: float

    @property
    def fixed(self) -> bool:
        """Our quantity is the same in every draw (a designed pit's walls): one number, no
        range."""
        return self.ours_p95 - self.ours_p05 <= 1e-9 * max(abs(self.ours_p95), 1.0)

    @property
    def flag(self) -> str:
        """``below`` or ``above`` our P05-P95 by more than :data:`QUANTITY_TOLERANCE` of it,
        else ``within``."""
        if self.applicant < self.ours_p05 * (1.0 - QUANTITY_TOLERANCE):
            return "below"
        if self.applicant > self.ours_p95 * (1.0 + QUANTITY_TOLERANCE):
            return "above"
        return "within"

    def note(self, measure: str) -> Message | None:
        """The note on a quantity that is not ``within``, in the words of its direction."""
        if self.flag == "within":
            return None
        values = {
            "measure": _Label(measure),
            "what": _Words(QUANTITY_LABELS[self.kind]),
            "applicant": _qty(self.applicant, self.unit),
            "unit": UNIT_SIGNS.get(self.unit, self.unit),
            "tol": QUANTITY_TOLERANCE,
        }
        if self.fixed:
            ours = self.ours_p50
            dev = abs(self.applicant - ours) / ours if ours > 0 else float("inf")
            if not np.isfinite(dev) and self.kind == "cutback_m3":
                return Message(
                    "The bill gives {applicant} {unit} for {measure}; our {what} is 0 {unit}: "
                    "the model cuts back only walls steeper than their rock's stable bench "
                    "face, which these are not. Ask what the plan's cut-back is for.",
                    **values,
                )
            if not np.isfinite(dev):
                return Message(
                    "The bill gives {applicant} {unit} for {measure}; our {what} is 0 {unit}.",
                    **values,
                )
            values |= {"ours": _qty(ours, self.unit), "dev": dev}
            if self.flag == "below":
                return Message(
                    "The bill's quantity for {measure} ({applicant} {unit}) is {dev:.0%} below "
                    "our {what} ({ours} {unit}, the same in every draw), more than the {tol:.0%} "
                    "a measured and a modelled quantity may differ.",
                    **values,
                )
            return Message(
                "The bill's quantity for {measure} ({applicant} {unit}) is {dev:.0%} above "
                "our {what} ({ours} {unit}, the same in every draw), more than the {tol:.0%} "
                "a measured and a modelled quantity may differ.",
                **values,
            )
        values |= {"p05": _qty(self.ours_p05, self.unit), "p95": _qty(self.ours_p95, self.unit)}
        if self.flag == "below":
            return Message(
                "The bill's quantity for {measure} ({applicant} {unit}) is below our P05-P95 "
                "of the {what} ({p05}-{p95} {unit}) by more than {tol:.0%}.",
                **values,
            )
        return Message(
            "The bill's quantity for {measure} ({applicant} {unit}) is above our P05-P95 "
            "of the {what} ({p05}-{p95} {unit}) by more than {tol:.0%}.",
            **values,
        )


@dataclass(frozen=True)
class MeasureRow:
    """One measure: our distribution [CNY] and, when the bill prices it, the applicant's."""

    measure: str
    ours_p05_cny: float
    ours_p50_cny: float
    ours_p95_cny: float
    items: tuple[str, ...] = ()
    applicant_cny: float | None = None
    percentile: float | None = None
    flag: str | None = None
    quantities: tuple[QuantityRow, ...] = ()

    @property
    def quantity(self) -> QuantityRow | None:
        """The first of :attr:`quantities` (None without one)."""
        return self.quantities[0] if self.quantities else None


@dataclass
class BillComparison:
    """Our bill by measure, and the applicant's beside it when the application gives one."""

    rows: list[MeasureRow]
    total_ours_p05_cny: float
    total_ours_p50_cny: float
    total_ours_p95_cny: float
    has_bill: bool = False
    total_applicant_cny: float | None = None
    total_percentile: float | None = None
    not_modelled: list[BillLine] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, measure: str) -> MeasureRow:
        """The row of ``measure``."""
        return next(r for r in self.rows if r.measure == measure)

    def to_json(self) -> dict[str, Any]:
        """The ``bill`` object of the JSON verdict (CNY; percentiles in %)."""

        def num(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else float(f"{x:.10g}")

        def qrow(q: QuantityRow | None) -> dict[str, Any] | None:
            if q is None:
                return None
            return {
                "items": list(q.items),
                "kind": q.kind,
                "unit": q.unit,
                "applicant": num(q.applicant),
                "ours_p05": num(q.ours_p05),
                "ours_p50": num(q.ours_p50),
                "ours_p95": num(q.ours_p95),
                "percentile": num(q.percentile),
                "flag": q.flag,
                "fixed": q.fixed,
            }

        return {
            "basis": "all-in unit prices (with profit and tax); fees = other fees + contingency",
            "measures": [
                {
                    "measure": r.measure,
                    "items": list(r.items),
                    "applicant_cny": num(r.applicant_cny),
                    "ours_p05_cny": num(r.ours_p05_cny),
                    "ours_p50_cny": num(r.ours_p50_cny),
                    "ours_p95_cny": num(r.ours_p95_cny),
                    "percentile": num(r.percentile),
                    "flag": r.flag,
                    "quantity": qrow(r.quantity),
                    "quantities": [qrow(q) for q in r.quantities],
                }
                for r in self.rows
                if r.applicant_cny is not None
            ],
            "left_out": [
                {
                    "measure": m,
                    "ours_p50_cny": num(self.row(m).ours_p50_cny),
                    "share_of_ours_p50": num(self.row(m).ours_p50_cny / self.total_ours_p50_cny)
                    if self.total_ours_p50_cny > 0
                    else None,
                }
                for m in self.left_out
            ],
            "not_modelled": [
                {"item": x.name, "amount_cny": num(x.amount_cny), "maps_to": x.target}
                for x in self.not_modelled
            ],
            "total": {
                "applicant_cny": num(self.total_applicant_cny),
                "ours_p05_cny": num(self.total_ours_p05_cny),
                "ours_p50_cny": num(self.total_ours_p50_cny),
                "ours_p95_cny": num(self.total_ours_p95_cny),
                "percentile": num(self.total_percentile),
            },
            "notes": list(self.notes),
        }


def _quantity_rows(lines: Sequence[BillLine], ours: OurBill) -> tuple[QuantityRow, ...]:
    """The items of one measure whose quantity is comparable with one of ours, one row per
    quantity (the items of a kind summed; kinds in the order the bill first gives them)."""
    found: dict[str, list[tuple[str, float]]] = {}
    for x in lines:
        if x.quantity_kind is None or x.quantity is None:
            continue
        value = quantity_in(float(x.quantity), x.unit, x.quantity_kind)
        if value is not None:
            found.setdefault(x.quantity_kind, []).append((x.name, value))
    rows = []
    for kind, items in found.items():
        q = ours.quantity[kind]
        if not np.all(np.isfinite(q)):
            continue
        applicant = float(sum(v for _, v in items))
        p05, p50, p95 = (float(x) for x in np.quantile(q, [0.05, 0.5, 0.95]))
        rows.append(
            QuantityRow(
                tuple(n for n, _ in items),
                kind,
                QUANTITY_UNITS[kind],
                applicant,
                p05,
                p50,
                p95,
                percentile_of(q, applicant),
            )
        )
    return tuple(rows)


def compare(
    lines: Sequence[BillLine] | None, ours: OurBill, plan_cny: float | None = None
) -> BillComparison:
    """Our bill by measure with the applicant's ``lines`` beside it (None: no bill given);
    with ``plan_cny``, the restoration cost the plan states, the bill's total is checked
    against it (:func:`plan_cost_note`)."""
    total = ours.total_cny
    lines = list(lines or [])
    by_measure: dict[str, list[BillLine]] = {}
    for x in lines:
        if x.measure is not None:
            by_measure.setdefault(x.measure, []).append(x)
    rows = []
    for m in breakdown.ITEMS:
        v = ours.cost_cny[m]
        p05, p50, p95 = (float(x) for x in np.quantile(v, [0.05, 0.5, 0.95]))
        mine = by_measure.get(m)
        if mine:
            amount = float(sum(x.amount_cny for x in mine))
            pct = percentile_of(v, amount)
            rows.append(
                MeasureRow(
                    m,
                    p05,
                    p50,
                    p95,
                    tuple(x.name for x in mine),
                    amount,
                    pct,
                    flag_of(pct),
                    _quantity_rows(mine, ours),
                )
            )
        else:
            rows.append(MeasureRow(m, p05, p50, p95))
    t05, t50, t95 = (float(x) for x in np.quantile(total, [0.05, 0.5, 0.95]))
    out = BillComparison(rows, t05, t50, t95, has_bill=bool(lines))
    if not lines:
        return out
    out.total_applicant_cny = float(sum(x.amount_cny for x in lines))
    out.total_percentile = percentile_of(total, out.total_applicant_cny)
    out.not_modelled = [x for x in lines if x.measure is None]
    out.left_out = [r.measure for r in rows if r.applicant_cny is None and r.ours_p50_cny > 0]
    for x in lines:
        if x.quantity and x.unit_price_cny:
            product = float(x.quantity) * float(x.unit_price_cny)
            if product > 0 and abs(x.amount_cny / product - 1.0) > PRICE_TOLERANCE:
                out.notes.append(
                    Message(
                        "The bill's item {item}: its amount ({amount}) differs from quantity x "
                        "unit price ({product}).",
                        item=x.name,
                        amount=Money(x.amount_cny),
                        product=Money(product),
                    )
                )
    for r in rows:
        if r.flag == "below_p05":
            out.notes.append(
                Message(
                    "The bill's {measure} ({amount}) is below our P05 ({p05}): likely "
                    "under-costed.",
                    measure=_Label(r.measure),
                    amount=Money(r.applicant_cny or 0.0),
                    p05=Money(r.ours_p05_cny),
                )
            )
        for q in r.quantities:
            if (note := q.note(r.measure)) is not None:
                out.notes.append(note)
    if plan_cny is not None and (note := plan_cost_note(out.total_applicant_cny, plan_cny)):
        out.notes.append(note)
    return out


def plan_cost_note(bill_cny: float, plan_cny: float) -> Message | None:
    """The note when the bill's total ``bill_cny`` and the restoration cost the plan states
    ``plan_cny`` differ by more than :data:`PLAN_COST_TOLERANCE` of the stated cost."""
    if plan_cny <= 0:
        if bill_cny <= 0:
            return None
        return Message(
            "The plan states no restoration cost (finance.plan_restoration_cost_cny = 0), yet its "
            "bill of quantities totals {bill}.",
            bill=Money(bill_cny),
        )
    dev = (bill_cny - plan_cny) / plan_cny
    if abs(dev) <= PLAN_COST_TOLERANCE:
        return None
    values = {
        "bill": Money(bill_cny),
        "plan": Money(plan_cny),
        "dev": abs(dev),
        "tol": PLAN_COST_TOLERANCE,
    }
    if dev < 0:
        return Message(
            "The bill of quantities totals {bill}, {dev:.0%} below the restoration cost the plan "
            "states ({plan}, finance.plan_restoration_cost_cny); the two are the same cost "
            "chapter and should agree within {tol:.0%}: ask which items the bill leaves out.",
            **values,
        )
    return Message(
        "The bill of quantities totals {bill}, {dev:.0%} above the restoration cost the plan "
        "states ({plan}, finance.plan_restoration_cost_cny); the two are the same cost chapter "
        "and should agree within {tol:.0%}: ask which of the two is the plan's cost.",
        **values,
    )


#: how the units of comparison are written
UNIT_SIGNS = {"m2": "m²", "m3": "m³"}


def _qty(value: float, unit: str) -> str:
    """A quantity for text: ``60,000`` m2 (m3, m), ``18.40`` ha."""
    return f"{value:,.2f}" if unit == "ha" else f"{value:,.0f}"


class _Words(str):
    """Catalogue-marked words that format in the current language."""

    def __format__(self, spec: str) -> str:
        from sim.i18n import gettext

        return gettext(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Words, (str(self),))


class _Label(str):
    """A measure key that formats as its label in the current language."""

    def __format__(self, spec: str) -> str:
        return label(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Label, (str(self),))
