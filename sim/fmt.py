"""Number formatting shared by the CLI and the report: money, shares, criteria in their units."""

from __future__ import annotations

from typing import Any

from sim.i18n import current_lang

#: criteria whose value is a share [-] (shown in %, margins in percentage points)
SHARE_CRITERIA = ("success_probability", "assurance", "cost_to_revenue", "boundary_area")


def mcny(x: float | None, digits: int = 2) -> str:
    """An amount in CNY as ``"14.97 M CNY"``."""
    return "n/a" if x is None else f"{x / 1e6:,.{digits}f} M CNY"


def pct(x: float | None, digits: int = 1) -> str:
    """A share [-] as ``"99.7%"``."""
    return "n/a" if x is None else f"{100.0 * x:.{digits}f}%"


def criterion_value(name: str, v: float | None, margin: bool = False) -> str:
    """A criterion's value, threshold or (``margin=True``) signed margin in its own unit, in the
    current language (:func:`sim.i18n.use_lang`: 公顷, 米, 个百分点, 万元 in Chinese)."""
    zh = current_lang() == "zh"
    if v is None:
        return "—" if zh else "n/a"
    if name in SHARE_CRITERIA:
        return f"{_signed(100.0 * v, 1)}{'个百分点' if zh else ' pts'}" if margin else pct(v)
    sign = "+" if margin else ""
    if name in ("licensed_area", "protected_overlap"):
        text = _signed(v, 2) if margin else f"{v:,.2f}"
        return f"{text}{'公顷' if zh else ' ha'}"
    if name == "protected_distance":
        return f"{v:{sign},.0f}{'米' if zh else ' m'}"
    if name == "highwall_slope":
        return f"{_signed(v, 1) if margin else f'{v:.1f}'}°"
    if name == "unfunded_liability":
        return f"{v / 1e4:{sign}.2f}万元" if zh else f"{v / 1e6:{sign},.2f} M CNY"
    return f"{v:{sign}.4g}"


def _signed(x: float, digits: int) -> str:
    """A signed margin to ``digits`` decimals, or to two significant figures when those show
    it as zero: a failing margin of -0.00025 ha read '-0.00 公顷, 不达标'."""
    text = f"{x:+,.{digits}f}"
    return f"{x:+.2g}" if x != 0.0 and float(text.replace(",", "")) == 0.0 else text


def number(v: float | list[float] | tuple[float, ...]) -> str:
    """A parameter value: compact, thousands separated, lists joined."""
    if isinstance(v, list | tuple):
        return ", ".join(number(x) for x in v)
    if float(v).is_integer() and abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}"


def unit_suffix(unit: str) -> str:
    """`` CNY/ha`` for a unit, nothing for the dimensionless ``1``."""
    return "" if unit in ("1", "") else f" {unit}"


def value_text(x: Any) -> str:
    """An input value as a file takes it: booleans as TOML writes them (``true``, not Python's
    ``True``), large numbers with thousands separators."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | float) and abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:g}" if isinstance(x, int | float) else str(x)
