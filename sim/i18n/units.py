"""Numbers as the reviewer writes them, in the current language (:func:`sim.i18n.use_lang`).

English keeps the project's forms (``15.10 M CNY``, ``15.5 ha``). Chinese follows the usage of
Hunan review documents: money in 万元 with two decimals, areas in 公顷 with 亩 in brackets
(1 ha = 15 亩), tonnages in 万t, volumes in 万m³, dates as YYYY年M月D日.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from sim.fmt import mcny, pct
from sim.i18n import current_lang

MU_PER_HA = 15.0


def zh() -> bool:
    """True when the current output is Chinese."""
    return current_lang() == "zh"


def money(cny: float | None, digits: int = 2, sign: bool = False) -> str:
    """An amount in CNY: ``15.10 M CNY`` or ``1510.00万元``."""
    if cny is None:
        return "n/a" if not zh() else "—"
    scale, shown_digits = (1e4, 2) if zh() else (1e6, digits)
    if round(cny / scale, shown_digits) == 0.0:
        cny = 0.0  # no "-0.00": a change that rounds to nothing has no sign
    if zh():
        return f"{cny / 1e4:{'+' if sign else ''}.2f}万元"
    return f"{cny / 1e6:+,.{digits}f} M CNY" if sign else mcny(cny, digits)


def money_bare(cny: float | None, digits: int = 2) -> str:
    """An amount whose unit the sentence gives once: ``15.10`` (M CNY) or ``1510.00万元``."""
    if cny is None or zh():
        return money(cny)
    return f"{cny / 1e6:,.{digits}f}"


def money_per_ha(cny_per_ha: float | None) -> str:
    """A unit cost: ``978,986 CNY/ha`` or ``97.90万元/公顷``."""
    if cny_per_ha is None:
        return money(None)
    return f"{cny_per_ha / 1e4:.2f}万元/公顷" if zh() else f"{cny_per_ha:,.0f} CNY/ha"


def area(ha: float | None, digits: int = 1, sign: bool = False) -> str:
    """An area: ``15.5 ha`` or ``15.50公顷（232.5亩）``."""
    if ha is None:
        return "n/a" if not zh() else "—"
    s = "+" if sign else ""
    if zh():
        return f"{ha:{s}.2f}公顷（{ha * MU_PER_HA:{s}.1f}亩）"
    return f"{ha:{s},.{digits}f} ha"


def tonnes(t: float) -> str:
    """A mass: ``250,000 t`` or ``25.00万t``."""
    return f"{t / 1e4:.2f}万t" if zh() else f"{t:,.0f} t"


def cubic_metres(m3: float) -> str:
    """A volume: ``120,000 m³`` or ``12.00万m³``."""
    return f"{m3 / 1e4:.2f}万m³" if zh() else f"{m3:,.0f} m³"


def date(d: dt.date) -> str:
    """A date: ``2026-12-07`` or ``2026年12月7日``."""
    return f"{d.year}年{d.month}月{d.day}日" if zh() else d.isoformat()


def share(x: float | None, digits: int = 1) -> str:
    """A share [-] in percent (the same in both languages)."""
    return pct(x, digits) if x is not None else ("—" if zh() else "n/a")


def iso_date(text: str | None) -> str | None:
    """An ISO date string written as :func:`date` (None and other text unchanged)."""
    try:
        return date(dt.date.fromisoformat(text)) if text else text
    except ValueError:
        return text


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` padded to ``columns`` terminal columns (right-aligned when ``right``)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


#: the parameter library's unit words as a Chinese reader writes them (symbols stay)
#: units that are a word on their own (``ha`` inside ``CNY/ha`` is handled by ``/ha``)
_ZH_BARE_UNITS = {"ha": "公顷", "yr": "年", "year": "年", "d": "天", "CNY": "元"}
_ZH_UNIT_WORDS = (
    ("CNY", "元"), ("/yr", "/年"), ("/ha", "/公顷"), ("m2", "m²"), ("m3", "m³"), ("deg", "°"),
)  # fmt: skip


def unit_text(unit: str) -> str:
    """A parameter's unit (``CNY/m2``, ``1/yr``) in the current language: ``元/m²``, ``1/年``."""
    if not zh():
        return unit
    if unit in _ZH_BARE_UNITS:
        return _ZH_BARE_UNITS[unit]
    for en, cn in _ZH_UNIT_WORDS:
        unit = unit.replace(en, cn)
    return unit


#: an output's registered unit (``sim.outputs_registry``) as the numbers above show it:
#: (English, Chinese); money at the scale of :func:`money`, areas as :func:`area`
_SHOWN_UNITS: dict[str, tuple[str, str]] = {
    "CNY": ("M CNY", "万元"),
    "CNY/ha": ("CNY/ha", "万元/公顷"),
    "ha": ("ha", "公顷"),
    "year": ("yr", "年"),
    "d": ("d", "天"),
    "1": ("", ""),
}


def shown_unit(unit: str) -> str:
    """An output's registered unit as a heading or axis shows it, in the current language:
    ``CNY`` is ``M CNY`` or ``万元`` (the scale of :func:`money`), ``year`` is ``yr`` or ``年``;
    a dimensionless ``1`` shows no unit (a share shown in percent says ``%`` itself);
    other units as :func:`unit_text`."""
    if unit in _SHOWN_UNITS:
        return _SHOWN_UNITS[unit][1 if zh() else 0]
    return unit_text(unit)


def money_unit_scale() -> tuple[float, str]:
    """Divisor from CNY and the unit of money shown on axes and in headings: ``(1e6, "M CNY")``
    or ``(1e4, "万元")``, the scale of :func:`money`."""
    return (1e4 if zh() else 1e6), shown_unit("CNY")
