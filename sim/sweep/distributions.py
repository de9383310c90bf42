"""Distributions of a sweep spec as explicit objects: each parameter has one fixed meaning.

A distribution is written flat in its table::

    distribution = "triangular"
    low = 0.8
    mode = 1.0
    high = 1.3

``low`` and ``high`` are always the bounds of the support, ``mode`` the most likely value,
``mu``/``sigma`` the mean and standard deviation of the normal *before* truncation to
``[low, high]``, ``values``/``weights`` the outcomes of a discrete choice and ``value`` a
constant. No parameter changes meaning with the distribution's kind or with another field
(there is no ``loc``/``scale``). Every continuous distribution is bounded, so any point of the
unit hypercube maps to a finite value (:meth:`Distribution.ppf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
from pydantic import Field, model_validator
from scipy import stats

from sim.errors import allowed_list
from sim.proposal import _Model

Kind = Literal["uniform", "triangular", "loguniform", "truncnormal", "choice", "constant"]
CONTINUOUS: tuple[str, ...] = ("uniform", "triangular", "loguniform", "truncnormal")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "loguniform": ("low", "high"),
    "truncnormal": ("mu", "sigma", "low", "high"),
    "choice": ("values",),
    "constant": ("value",),
}
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {"choice": ("weights",)}
PARAMETER_KEYS: tuple[str, ...] = (
    "low",
    "high",
    "mode",
    "mu",
    "sigma",
    "values",
    "weights",
    "value",
)


@dataclass(frozen=True)
class Distribution:
    """A validated distribution: plain data with an inverse CDF."""

    kind: str
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mu: float | None = None
    sigma: float | None = None
    values: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()
    value: Any = None

    def _frozen(self) -> Any:
        lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.kind == "uniform":
            return stats.uniform(loc=lo, scale=hi - lo)
        if self.kind == "triangular":
            return stats.triang(c=(float(self.mode) - lo) / (hi - lo), loc=lo, scale=hi - lo)  # type: ignore[arg-type]
        if self.kind == "loguniform":
            return stats.loguniform(lo, hi)
        mu, sigma = float(self.mu), float(self.sigma)  # type: ignore[arg-type]
        return stats.truncnorm((lo - mu) / sigma, (hi - mu) / sigma, loc=mu, scale=sigma)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at the quantiles ``u`` in [0, 1] (object array for ``choice``)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "constant":
            return np.full(u.shape, self.value, dtype=object)
        if self.kind == "choice":
            w = np.asarray(self.weights or [1.0] * len(self.values), dtype=float)
            edges = np.cumsum(w) / w.sum()
            idx = np.minimum(np.searchsorted(edges, u, side="right"), len(self.values) - 1)
            out = np.empty(u.shape, dtype=object)
            out[...] = [self.values[i] for i in idx.ravel()] if u.ndim else self.values[int(idx)]
            return out
        x = np.asarray(self._frozen().ppf(u), dtype=float)
        return np.clip(x, self.low, self.high)  # the support's ends exactly, despite rounding

    def support(self) -> tuple[float, float]:
        """Smallest and largest value (numeric distributions)."""
        if self.kind == "constant":
            return float(self.value), float(self.value)
        if self.kind == "choice":
            nums = [float(v) for v in self.values]
            return min(nums), max(nums)
        return float(self.low), float(self.high)  # type: ignore[arg-type]

    def describe(self) -> str:
        """One-line text, e.g. ``triangular(low=0.8, mode=1, high=1.3)``."""
        keys = KIND_KEYS[self.kind] + OPTIONAL_KEYS.get(self.kind, ())
        parts = [f"{k}={getattr(self, k)!r}" for k in keys if getattr(self, k) not in (None, ())]
        return f"{self.kind}({', '.join(parts)})"


class Distributed(_Model):
    """Base of a table that carries a distribution in flat keys (see the module docstring)."""

    kinds: ClassVar[tuple[str, ...]] = tuple(KIND_KEYS)

    distribution: Kind = Field(
        description="Kind of distribution: uniform (low, high), triangular (low, mode, high), "
        "loguniform (low, high; low > 0), truncnormal (mu, sigma, low, high: a normal with mean "
        "mu and standard deviation sigma truncated to [low, high]), choice (values, optional "
        "weights) or constant (value)."
    )
    low: float | None = Field(None, description="Lower bound of the support.")
    high: float | None = Field(None, description="Upper bound of the support.")
    mode: float | None = Field(None, description="Most likely value (triangular).")
    mu: float | None = Field(None, description="Mean of the normal before truncation.")
    sigma: float | None = Field(None, description="Standard deviation before truncation.", gt=0)
    values: list[Any] | None = Field(None, description="Outcomes of a choice.", min_length=1)
    weights: list[float] | None = Field(
        None, description="Relative weights of a choice's values (default: equal)."
    )
    value: Any = Field(None, description="The value of a constant.")

    @model_validator(mode="after")
    def _keys_of_kind(self) -> Self:
        kind = self.distribution
        if kind not in self.kinds:
            raise ValueError(
                f"distribution = {kind!r} is not allowed here; allowed: {allowed_list(self.kinds)}"
            )
        need = KIND_KEYS[kind]
        takes = need + OPTIONAL_KEYS.get(kind, ())
        missing = [k for k in need if getattr(self, k) is None]
        extra = [k for k in PARAMETER_KEYS if k not in takes and getattr(self, k) is not None]
        if missing or extra:
            what = []
            if missing:
                what.append(f"{', '.join(missing)} missing")
            if extra:
                what.append(f"{', '.join(extra)} not used by it")
            raise ValueError(
                f"distribution = {kind!r} takes {', '.join(takes)} ({'; '.join(what)})"
            )
        if kind in CONTINUOUS:
            lo, hi = self.low, self.high
            if not lo < hi:  # type: ignore[operator]
                raise ValueError(f"low = {lo!r}, high = {hi!r}: low must be < high")
            if kind == "triangular" and not lo <= self.mode <= hi:  # type: ignore[operator]
                raise ValueError(f"mode = {self.mode!r}: must lie in [low, high] = [{lo}, {hi}]")
            if kind == "loguniform" and lo <= 0:  # type: ignore[operator]
                raise ValueError(f"low = {lo!r}: a loguniform distribution needs low > 0")
        if self.weights is not None:
            if len(self.weights) != len(self.values or []):
                raise ValueError(
                    f"weights has {len(self.weights)} entries for {len(self.values or [])} values"
                )
            if min(self.weights) < 0 or sum(self.weights) <= 0:
                raise ValueError(f"weights = {self.weights!r}: must be >= 0 with a positive sum")
        return self

    def dist(self) -> Distribution:
        """The plain :class:`Distribution` of this table."""
        return Distribution(
            kind=self.distribution,
            low=self.low,
            high=self.high,
            mode=self.mode,
            mu=self.mu,
            sigma=self.sigma,
            values=tuple(self.values or ()),
            weights=tuple(self.weights or ()),
            value=self.value,
        )
