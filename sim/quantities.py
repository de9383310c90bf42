"""Numbers written with their unit, as a plan states them: ``reserves_mt = "2180.9 万t"``.

A quantity field of a proposal (one whose unit is Mt, Mt/yr, ha, CNY, CNY/t, m, cm, mm/yr,
t/m3, deg, yr or t/t) also takes a string "NUMBER UNIT" in the units Chinese plans use — 万t,
万吨, 亿t, 万t/a, 亩, km², 公顷, m², 万元, 亿元, 元/t, 米, 厘米, 毫米, g/cm³, 度, ×10⁴t … —
converted to the field's unit on the way in (the validated proposal, and every output, holds
the converted number). A known number with an unknown or incompatible unit is refused with the
units allowed; a volume (万 m³) for a tonnage is refused with the conversion to make (it needs
the density). The tables are plain factors: no unit library is needed for a dozen units, and
none knows 万 or 亩.
"""

from __future__ import annotations

import difflib
import re

from sim.i18n import _

__all__ = ["HALF_WIDTH", "UNITS", "convert", "percent"]

_MASS_T = {
    "t": 1.0, "吨": 1.0, "kt": 1e3, "千吨": 1e3, "万t": 1e4, "万吨": 1e4, "Mt": 1e6,
    "百万吨": 1e6, "亿t": 1e8, "亿吨": 1e8,
}  # fmt: skip
_PER_YEAR = ("/a", "/yr", "/年", "/y", "每年")
_AREA_HA = {
    "ha": 1.0, "公顷": 1.0, "hm²": 1.0, "hm2": 1.0, "亩": 1 / 15, "km²": 100.0, "km2": 100.0,
    "平方公里": 100.0, "平方千米": 100.0, "m²": 1e-4, "m2": 1e-4, "平方米": 1e-4,
    # licences and notices also write the kilometre with a capital: 矿区面积 0.1192Km2
    "Km²": 100.0, "Km2": 100.0, "KM²": 100.0, "KM2": 100.0,
}  # fmt: skip
_MONEY_CNY = {
    "元": 1.0, "CNY": 1.0, "RMB": 1.0, "千元": 1e3, "万元": 1e4, "百万元": 1e6, "亿元": 1e8,
    "万": 1e4, "亿": 1e8,  # "600万" in a money field: 600万元, as plans and reviewers write it
}  # fmt: skip
_LENGTH_M = {"m": 1.0, "米": 1.0, "km": 1e3, "千米": 1e3, "cm": 1e-2, "厘米": 1e-2, "mm": 1e-3,
             "毫米": 1e-3}  # fmt: skip
_DENSITY = {"t/m3": 1.0, "t/m³": 1.0, "g/cm3": 1.0, "g/cm³": 1.0, "kg/m3": 1e-3, "kg/m³": 1e-3}
_ANGLE = {"deg": 1.0, "°": 1.0, "度": 1.0}
_YEARS = {"yr": 1.0, "a": 1.0, "年": 1.0, "years": 1.0, "year": 1.0}


def _scaled(table: dict[str, float], by: float) -> dict[str, float]:
    return {k: v * by for k, v in table.items()}


def _per_year(table: dict[str, float]) -> dict[str, float]:
    return {f"{k}{s}": v for k, v in table.items() for s in _PER_YEAR}


#: field unit -> {written unit: factor to the field unit}
UNITS: dict[str, dict[str, float]] = {
    "Mt": _scaled(_MASS_T, 1e-6),
    "Mt/yr": _scaled(_per_year(_MASS_T), 1e-6),
    "ha": _AREA_HA,
    "CNY": _MONEY_CNY,
    "CNY/t": {f"{k}/{t}": v for k, v in _MONEY_CNY.items() for t in ("t", "吨")},
    "m": _LENGTH_M,
    "cm": _scaled(_LENGTH_M, 100.0),
    "mm/yr": _scaled({**_LENGTH_M, **_per_year(_LENGTH_M)}, 1000.0),
    "t/m3": _DENSITY,
    "deg": _ANGLE,
    "yr": _YEARS,
    "t/t": {"t/t": 1.0, "吨/吨": 1.0},  # 剥采比 in tonnes of waste a tonne of ore
}
_VOLUMES = ("m3", "m³", "方", "立方米")
#: full-width forms (a Chinese input method's ２１８０.９万ｔ, ０.２４８ ｋｍ²) to their ASCII
#: letters, digits and signs, and the ideographic space to a space
HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d[\d,_]*)?\.?\d+(?:[eE][+-]?\d+)?)\s*([^\d\s.,_+-].*?)\s*$")


#: a power of ten before the unit, as geological reports write 万: 303.7×10⁴t, 103.3×10^4m³
_POWER = re.compile(r"^[×xX*·]10(?:\^|\*\*)?([⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d+)")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_PERCENT = re.compile(r"^\s*([+-]?(?:\d[\d,_]*)?\.?\d+(?:[eE][+-]?\d+)?)\s*%\s*$")


#: a range as plans print one: 43~48°, 43-48°, 43–48°, 15至25°
_NUMBER_AND_UNIT = r"\d[\d,]*(?:\.\d+)?\s*[^\d\s.,eE]*"  # 43, 43°, 5万t (not 1.5e-3)
_RANGE = re.compile(rf"^\s*{_NUMBER_AND_UNIT}\s*(?:-|~|–|—|至|到)\s*\d[\d,]*(?:\.\d+)?\s*\D*$")


def percent(text: str) -> float | None:
    """A percentage as a share: "30%" (or "３０％") is 0.3; None when ``text`` is not one.

    Shares and yearly rates (0-1) are written as percentages in the plans (边开采边治理 30%,
    折现率 8%); the field holds the fraction."""
    match = _PERCENT.match(text.translate(HALF_WIDTH))
    if match is None:
        return None
    return float(f"{float(match.group(1).replace(',', '').replace('_', '')) / 100:.12g}")


def convert(text: str, unit: str) -> float | int | None:
    """``text`` ("2180.9 万t") in ``unit`` (Mt), or None when it is not "NUMBER UNIT"; a whole
    number of years ("3年") is the integer 3 (3.5年 stays a float, which a whole-years field
    refuses).

    Raises :class:`ValueError` (the message says what is allowed) for a unit that does not fit.
    """
    match = _QUANTITY.match(text.translate(HALF_WIDTH))
    table = UNITS.get(unit)
    if table is not None and _RANGE.match(text.translate(HALF_WIDTH)):
        raise ValueError(
            _(
                "{text} is a range; the field takes one number: write the plan's design value "
                "(where the plan gives only a range, the end less favourable to restoration, "
                "e.g. the steeper slope)",
                text=repr(text),
            )
        )
    if match is None or table is None:
        return None
    number = float(match.group(1).replace(",", "").replace("_", ""))
    written = original = match.group(2).replace(" ", "")
    power = _POWER.match(written)
    if power is not None:  # 303.7×10⁴t, as geological reports write 万 t
        number *= 10.0 ** int(power.group(1).translate(_SUPERSCRIPTS))
        written = written[power.end() :]
    if "?" in written and written not in table:  # Excel's GBK "CSV" writes ² and ³ as '?'
        readings = {written.replace("?", s) for s in "²³"} & table.keys()
        if len(readings) == 1:
            written = readings.pop()
    if written in table:
        value = float(f"{number * table[written]:.12g}")  # no binary noise: 2180.9万t = 21.809
        return int(value) if unit == "yr" and value.is_integer() else value
    if unit == "Mt" and any(written.endswith(v) for v in _VOLUMES):
        raise ValueError(
            _(
                "{written} is a volume, the field a tonnage: multiply by the ore's density "
                "(万 m³ x t/m³ = 万 t) and write the tonnage, e.g. '2180.9 万t'",
                written=repr(original),
            )
        )
    if unit == "t/t" and "/" in written and all(
        any(side.endswith(v) for v in _VOLUMES) for side in written.split("/", 1)
    ):
        # 平均剥采比 0.69 m³/m³, as pits are designed in volumes
        raise ValueError(
            _(
                "{written} is a ratio of volumes, the field of tonnes: multiply by the waste's "
                "density and divide by the ore's (m³/m³ x t/m³ ÷ t/m³ = t/t)",
                written=repr(original),
            )
        )
    if unit == "Mt/yr" and any(written.endswith(v + s) for v in _VOLUMES for s in _PER_YEAR):
        # 生产规模 220万立方米/年 (building stone is often planned in m³): not '万吨/年'
        raise ValueError(
            _(
                "{written} is a volume a year, the field a tonnage a year: multiply by the "
                "ore's density (万 m³/a x t/m³ = 万 t/a) and write the tonnage, e.g. '200 万t/a'",
                written=repr(original),
            )
        )
    names = [u for u in table if u == u.lower() or u.lower() not in table]  # km², not Km²
    shown = ", ".join(names) if len(names) <= 16 else ", ".join(names[:16]) + ", …"
    close = difflib.get_close_matches(written, list(table), n=5, cutoff=0.6)
    close.sort(key=lambda u: "/a" not in u)  # of equals, the plans' own way: 万t/a
    hint = _("; did you mean '{word}'?", word=close[0]) if close else ""
    if "?" in written:
        hint += _(
            " (Excel writes '?' for a character its GBK code page lacks, such as ² and ³, when "
            "it saves \"CSV\": write km2, m3 or 平方公里, or save as \"CSV UTF-8\")"
        )
    raise ValueError(
        _(
            "unknown unit {written} for a field in {unit}; allowed units: {shown}",
            written=repr(original), unit=unit, shown=shown,
        )
        + hint
    )
