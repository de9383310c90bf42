"""The default parameter library, stored as data in ``sim/params/*.toml``.

Every number the model uses that is not an input of the proposal lives here with its unit,
plausible range, source tag ([S] stated, [D] derived, [E] estimate) and a description of its
evidence, in English (``description``) and in Chinese (``description_zh``, required: the Chinese
report shows it). The same tables feed the defaults, the validation of overrides and the report's
assumptions appendix.

Parameter names are dotted paths: ``cost.regrade_unit_cost``, ``cost.planting.forest``,
``regions.south_hilly.cover_max``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import _

PARAM_FILES = ("schedule", "cost", "recovery", "regions")
SOURCES = ("S", "D", "E")
DISTRIBUTIONS = ("triangular",)
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Param:
    """One parameter: value with unit, plausible range, source and the description of its
    evidence in English and in Chinese (the same numbers, documents and tags)."""

    name: str
    value: float | tuple[float, ...]
    unit: str
    low: float
    high: float
    source: str
    description: str
    description_zh: str
    distribution: str | None = None

    def as_row(self) -> dict[str, Any]:
        """Plain dict for tables and reports."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "range": [self.low, self.high],
            "distribution": self.distribution or "fixed",
            "source": self.source,
            "description": self.description,
            "description_zh": self.description_zh,
        }


@dataclass(frozen=True)
class Library:
    """The parameter library: parameters, minerals, substrates and regions."""

    params: Mapping[str, Param]
    minerals: Mapping[str, Mapping[str, Any]]
    substrates: Mapping[str, Mapping[str, Any]]
    regions: Mapping[str, str]

    def __getitem__(self, name: str) -> float:
        return self.param(name).value  # type: ignore[return-value]

    def param(self, name: str) -> Param:
        """The :class:`Param` called ``name``; an :class:`InputError` if there is none."""
        try:
            return self.params[name]
        except KeyError:
            raise InputError(
                _("parameter library: unknown parameter {name}", name=f"'{name}'")
                + did_you_mean(name, self.params)
            ) from None

    def with_overrides(self, overrides: Mapping[str, float] | None, origin: str = "overrides"):
        """A copy with some values replaced; each must lie in its parameter's plausible range."""
        if not overrides:
            return self
        params = dict(self.params)
        for name, value in overrides.items():
            p = self.param(name)
            if isinstance(p.value, list | tuple) != isinstance(value, list | tuple):
                listed = isinstance(p.value, list | tuple)
                shape = (
                    _("a list of {n} numbers", n=len(p.value)) if listed
                    else _("a single number")
                )  # fmt: skip
                raise InputError(
                    _(
                        "{origin}: {name} = {value}: the parameter is {shape}",
                        origin=origin, name=name, value=repr(value), shape=shape,
                    )
                    + (
                        _(
                            " (a list-valued parameter cannot be overridden by --param; change "
                            "it in the parameter library)"
                        )
                        if listed
                        else ""
                    )
                )
            params[name] = replace(p, value=_check_value(origin, name, value, p.low, p.high))
        return replace(self, params=params)

    def rows(self) -> list[dict[str, Any]]:
        """Every parameter as a plain dict, sorted by name (the assumptions appendix)."""
        return [self.params[k].as_row() for k in sorted(self.params)]


def _check_value(origin: str, name: str, value: Any, low: float, high: float):
    values = value if isinstance(value, list | tuple) else [value]
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(
                _(
                    "{origin}: {name} = {value}: expected a finite number",
                    origin=origin, name=name, value=repr(v),
                )
            )
        if not low <= v <= high:
            raise InputError(
                _(
                    "{origin}: {name} = {value} is outside its plausible range [{low}, {high}]",
                    origin=origin, name=name, value=repr(v), low=low, high=high,
                )
            )
        out.append(float(v))
    return tuple(out) if isinstance(value, list | tuple) else out[0]


_REQUIRED_KEYS = {"value", "unit", "range", "source", "description", "description_zh"}
_PARAM_KEYS = _REQUIRED_KEYS | {"distribution"}


def _walk(origin: str, prefix: str, table: Mapping[str, Any], out: dict[str, Param]) -> None:
    for key, entry in table.items():
        name = f"{prefix}.{key}"
        if not isinstance(entry, dict):
            if key == "description":
                continue
            raise InputError(f"{origin}: {name}: expected a table with value, unit, range, source")
        if "value" not in entry:
            _walk(origin, name, entry, out)
            continue
        unknown = set(entry) - _PARAM_KEYS
        missing = _REQUIRED_KEYS - set(entry)
        if unknown or missing:
            problems = [f"unknown keys {sorted(unknown)}"] if unknown else []
            problems += [f"missing keys {sorted(missing)}"] if missing else []
            raise InputError(f"{origin}: {name}: {'; '.join(problems)}")
        if not isinstance(entry["description_zh"], str) or not CJK.search(entry["description_zh"]):
            raise InputError(
                f"{origin}: {name}.description_zh = {entry['description_zh']!r}: expected the "
                "description in Chinese"
            )
        rng = entry["range"]
        if not (isinstance(rng, list) and len(rng) == 2 and rng[0] <= rng[1]):
            raise InputError(f"{origin}: {name}.range = {rng!r}: expected [low, high]")
        if entry["source"] not in SOURCES:
            raise InputError(
                f"{origin}: {name}.source = {entry['source']!r}: allowed {allowed_list(SOURCES)}"
            )
        dist = entry.get("distribution")
        if dist is not None and dist not in DISTRIBUTIONS:
            raise InputError(
                f"{origin}: {name}.distribution = {dist!r}: allowed {allowed_list(DISTRIBUTIONS)}"
            )
        value = _check_value(origin, name, entry["value"], float(rng[0]), float(rng[1]))
        out[name] = Param(
            name=name,
            value=value,
            unit=str(entry["unit"]),
            low=float(rng[0]),
            high=float(rng[1]),
            source=entry["source"],
            description=str(entry["description"]),
            description_zh=entry["description_zh"],
            distribution=dist,
        )


def _read(name: str) -> dict[str, Any]:
    text = resources.files("sim.params").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _default_library() -> Library:
    params: dict[str, Param] = {}
    for file in PARAM_FILES:
        _walk(f"sim/params/{file}.toml", file, _read(file), params)
    substrates = _read("substrates")
    minerals = _read("minerals")
    for key, m in minerals.items():
        origin = f"sim/params/minerals.toml: {key}"
        if m.get("substrate") not in substrates:
            raise InputError(
                f"{origin}: substrate {m.get('substrate')!r} is not in substrates.toml"
            )
        if not 0.5 <= float(m.get("density_t_per_m3", 0)) <= 8:
            raise InputError(f"{origin}: density_t_per_m3 must lie in [0.5, 8]")
        lo, hi = m.get("price_cny_per_t", [0, 0])
        if not 0 < lo < hi:
            raise InputError(f"{origin}: price_cny_per_t must be [low, high] with 0 < low < high")
    regions = {k: v.get("description", "") for k, v in _read("regions").items()}
    return Library(params=params, minerals=minerals, substrates=substrates, regions=regions)


@cache
def _table(file: str, prefix: str) -> dict[str, Param]:
    """Parameters of ``sim/params/FILE.toml`` by dotted name ``PREFIX.key``, checked like the
    library's (value, unit, range, source tag)."""
    out: dict[str, Param] = {}
    _walk(f"sim/params/{file}.toml", prefix, _read(file), out)
    return out


def input_defaults() -> dict[str, Param]:
    """Defaults of optional proposal fields by dotted field path (``finance.discount_rate``).

    Read from ``sim/params/finance_defaults.toml``, each with unit, range and source tag, like the
    library's parameters; they are not model parameters (``--param`` does not reach them): the
    value a proposal resolves to is stored in the validated proposal.
    """
    return _table("finance_defaults", "finance")


def monitor_params() -> dict[str, Param]:
    """Settings of the supervision by remote sensing (``sim/params/monitor.toml``), by dotted
    name (``monitor.ndvi_soil``); sourced like the library's parameters, not model parameters."""
    return _table("monitor", "monitor")


def load_library(overrides: Mapping[str, float] | None = None) -> Library:
    """The packaged parameter library, with optional per-run overrides by dotted name."""
    return _default_library().with_overrides(overrides)


def changed_params(lib: Library) -> dict[str, dict[str, Any]]:
    """The parameters of ``lib`` whose value differs from the packaged library's (a run's
    ``--param`` overrides), by name: ``{"value": ..., "library": ...}``."""
    base = _default_library().params
    return {
        name: {"value": p.value, "library": base[name].value}
        for name, p in sorted(lib.params.items())
        if name in base and p.value != base[name].value
    }
