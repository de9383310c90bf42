"""The sweep spec (``scenarios/sweeps/*.toml``): portfolio, levers, uncertainties, sampler.

Validated like the proposal files: one :class:`~sim.errors.InputError` lists every problem as
``file: [section] field = value: what is allowed``. See ``scenarios/sweeps/README.md`` for the
format; :func:`load_spec` reads a file, :func:`parse_spec` a dict.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, ClassVar, Literal, Self, get_args

import numpy as np
from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import N_, _, gettext
from sim.params import load_library
from sim.proposal import (
    ID_PATTERN,
    Criteria,
    Finance,
    PolicySection,
    Restoration,
    Site,
    _Document,
    _Model,
    _validate,
    parse_policy,
    read_document,
)
from sim.sweep.distributions import CONTINUOUS, Distributed

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_DRAWS = 1_000_000
MAX_PROPOSALS = 1_000_000


def _plain(annotation: Any) -> Any:
    """``float | None`` (an optional field with a default) as ``float``."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if isinstance(annotation, UnionType) and len(args) == 1 else annotation


def _leaf_fields(prefix: str, model: type, types: tuple[type, ...]) -> dict[str, type]:
    return {
        f"{prefix}.{name}": _plain(info.annotation)
        for name, info in model.model_fields.items()
        if _plain(info.annotation) in types
    }


def policy_lever_paths() -> dict[str, type]:
    """Policy fields a lever may set, with their types: the success test and the criteria."""
    out = _leaf_fields("policy", PolicySection, (float, int, bool))
    for name, info in Criteria.model_fields.items():
        out.update(_leaf_fields(f"criteria.{name}", info.annotation, (float, int, bool)))
    return out


def plan_lever_paths() -> dict[str, type]:
    """Proposal fields a plan lever may set on every proposal: the restoration and finance plan
    and the final wall slope."""
    out = _leaf_fields("restoration", Restoration, (float, int, bool))
    out.update(_leaf_fields("finance", Finance, (float, int, bool)))
    out["site.final_highwall_slope_deg"] = float
    return out


def uncertain_field_paths() -> dict[str, type]:
    """Proposal fields an uncertainty may set or scale on every proposal (real numbers)."""
    out = _leaf_fields("site", Site, (float,))
    out.update(_leaf_fields("restoration", Restoration, (float,)))
    out.update(_leaf_fields("finance", Finance, (float,)))
    return out


def _known(kind: str, value: str, allowed: Mapping[str, Any] | list[str]) -> None:
    if value not in allowed:
        raise ValueError(
            _(
                "{kind} = {value}: unknown; allowed: {allowed}",
                kind=kind, value=repr(value), allowed=allowed_list(allowed),
            )
            + did_you_mean(value, allowed)
        )


# --------------------------------------------------------------------------------------------
# Sections


class SweepSection(_Model):
    """[sweep]: name, seed, draws and the base policy."""

    name: str = Field(description="Name of the sweep.", pattern=ID_PATTERN, max_length=128)
    description: str = Field("", description="What the sweep asks.")
    seed: StrictInt = Field(
        description="The one seed: engine draws (the same for every scenario: common random "
        "numbers), the synthetic portfolio and the sampler derive from it.",
        ge=0,
        le=2**63 - 1,
    )
    draws: StrictInt = Field(
        description="Monte-Carlo draws per proposal and run.", ge=1, le=MAX_DRAWS
    )
    policy: str | None = Field(
        None,
        description="Base policy file, relative to the spec (merged over the packaged default); "
        "omit for the packaged default.",
        min_length=1,
    )


class SyntheticField(Distributed):
    """[[portfolio.fields]]: the distribution of one field of the synthetic portfolio."""

    name: str = Field(
        description="A generator variable (see sim/data/hunan-portfolio.toml) or a proposal field "
        "by dotted path, which then overrides what the generator would derive."
    )
    note: str = Field("", description="Where the distribution comes from.")


class PortfolioSection(_Model):
    """[portfolio]: exactly one of synthetic, files, folder, csv."""

    synthetic: StrictInt | None = Field(
        None, description="Number of synthetic proposals (model.md §8).", ge=1, le=MAX_PROPOSALS
    )
    id_prefix: str = Field(
        "SYN", description="Id prefix of synthetic proposals.", pattern=ID_PATTERN, max_length=32
    )
    fields: list[SyntheticField] = Field(
        default_factory=list,
        description="Distributions replacing the generator's defaults ([[portfolio.fields]]).",
    )
    files: list[str] | None = Field(
        None, description="Proposal files or glob patterns, relative to the spec.", min_length=1
    )
    folder: str | None = Field(
        None, description="A folder of proposal files (*.toml, *.json).", min_length=1
    )
    csv: str | None = Field(
        None,
        description="A CSV queue: one proposal per row, columns named by dotted field path.",
        min_length=1,
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [k for k in ("synthetic", "files", "folder", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                _(
                    "give exactly one of 'synthetic', 'files', 'folder', 'csv' (got {given})",
                    given=", ".join(repr(g) for g in given) or _("none"),
                )
            )
        if self.synthetic is None and self.fields:
            raise ValueError(
                _("fields ([[portfolio.fields]]) only apply to a synthetic portfolio")
            )
        names = [f.name for f in self.fields]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(
                _("[[portfolio.fields]] name {name} appears more than once", name=repr(dup[0]))
            )
        return self


def _plain_values(value: Any) -> Any:
    """``value`` if it is a list of numbers and booleans, else the first item that is not."""
    if not isinstance(value, list):
        return value
    for i, v in enumerate(value):
        if (kind := _not_plain(v)) is not None:
            raise ValueError(
                _(
                    "item {i} is the {kind} {value}: give numbers, or true/false for a "
                    "'.hard' lever, without quotes",
                    i=i + 1, kind=kind, value=repr(v),
                )
            )
    return value


def _not_plain(v: Any) -> str | None:
    """The kind of ``v`` (``string``, ``list`` …) when it is no number or boolean, else None."""
    if isinstance(v, bool | int | float):
        return None
    kinds = {str: N_("string"), list: N_("list"), dict: N_("table")}
    return gettext(kinds[type(v)]) if type(v) in kinds else type(v).__name__


class Lever(_Model):
    """[[levers]]: values of one policy field, or of one plan field set on every proposal."""

    policy: str | None = Field(
        None, description="Dotted policy field, e.g. 'criteria.assurance.threshold'."
    )
    plan: str | None = Field(
        None, description="Dotted proposal field, e.g. 'restoration.progressive_fraction'."
    )
    values: list[StrictBool | float] | None = Field(
        None, description="The values (a grid).", min_length=1
    )
    low: float | None = Field(None, description="First value of an even range.")
    high: float | None = Field(None, description="Last value of an even range.")
    num: StrictInt | None = Field(None, description="Number of values of the range.", ge=2, le=1000)

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        """A value that is neither a number nor true/false is one problem, said once (not once
        per type the field allows)."""
        return _plain_values(value)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.policy is None) == (self.plan is None):
            raise ValueError(_("give exactly one of 'policy' (a policy field) or 'plan'"))
        paths = policy_lever_paths() if self.policy is not None else plan_lever_paths()
        key = "policy" if self.policy is not None else "plan"
        _known(key, self.path, paths)
        ranged = [k for k in ("low", "high", "num") if getattr(self, k) is not None]
        if not (
            (self.values is not None and not ranged) or (self.values is None and len(ranged) == 3)
        ):
            raise ValueError(_("give either values = [...] or all of low, high and num"))
        if ranged and self.low >= self.high:  # type: ignore[operator]
            raise ValueError(
                _(
                    "low = {low:g}, high = {high:g}: low must be < high (a range runs from low "
                    "up to high; list values = [...] for any other order)",
                    low=self.low, high=self.high,
                )
            )
        typ = paths[self.path]
        for v in self.grid_raw():
            if (typ is bool) != isinstance(v, bool):
                want = _("true or false") if typ is bool else _("numbers")
                raise ValueError(
                    _(
                        "{key} = {path} takes {want}; got {value}",
                        key=key, path=repr(self.path), want=want, value=repr(v),
                    )
                )
            if typ is int and not float(v).is_integer():
                raise ValueError(
                    _(
                        "{key} = {path} takes whole numbers; got {value}",
                        key=key, path=repr(self.path), value=repr(v),
                    )
                )
        grid = self.grid_raw()
        if len(set(grid)) != len(grid):
            raise ValueError(
                _("values = {grid}: a value appears more than once", grid=repr(grid))
            )
        return self

    @property
    def path(self) -> str:
        """The dotted field path."""
        return str(self.policy if self.policy is not None else self.plan)

    @property
    def kind(self) -> str:
        """'policy' or 'plan'."""
        return "policy" if self.policy is not None else "plan"

    @property
    def engine(self) -> bool:
        """Whether the lever changes the engine's results (plan levers and the success test)."""
        return self.kind == "plan" or self.path.startswith("policy.")

    def grid_raw(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        return [float(x) for x in np.linspace(self.low, self.high, int(self.num))]  # type: ignore[arg-type]

    def grid(self) -> list[Any]:
        """The lever's values, typed like the field (bool, int or float)."""
        paths = policy_lever_paths() if self.kind == "policy" else plan_lever_paths()
        typ = paths[self.path]
        return [v if typ is bool else typ(v) for v in self.grid_raw()]


class Uncertainty(Distributed):
    """[[uncertainties]]: a distribution over a model parameter or an input of every proposal.

    Exactly one target: ``parameter`` (set a parameter of the library), ``scale_parameters``
    (multiply parameters, glob patterns allowed, by the sampled factor), ``field`` (set a
    proposal field on every proposal) or ``scale_field`` (multiply it).
    """

    kinds: ClassVar[tuple[str, ...]] = CONTINUOUS
    TARGETS: ClassVar[tuple[str, ...]] = ("parameter", "scale_parameters", "field", "scale_field")

    name: str = Field(description="Column name of the scenario table.", pattern=NAME_PATTERN)
    parameter: str | None = Field(None, description="Dotted parameter name to set.")
    scale_parameters: list[str] | None = Field(
        None, description="Parameter names or glob patterns to multiply.", min_length=1
    )
    field: str | None = Field(None, description="Dotted proposal field to set.")
    scale_field: str | None = Field(None, description="Dotted proposal field to multiply.")

    @model_validator(mode="after")
    def _target(self) -> Self:
        given = [k for k in self.TARGETS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                _(
                    "give exactly one target of {targets} (got {given})",
                    targets=allowed_list(self.TARGETS),
                    given=", ".join(repr(g) for g in given) or _("none"),
                )
            )
        lo, hi = self.dist().support()
        if self.parameter is not None or self.scale_parameters is not None:
            lib = load_library()
            scale = self.scale_parameters is not None
            for name in self.parameters():
                p = lib.params[name]
                if not isinstance(p.value, int | float):
                    raise ValueError(
                        _("parameter {name} is not a single number", name=repr(name))
                    )
                a, b = (lo * p.value, hi * p.value) if scale else (lo, hi)
                if not (p.low <= a and b <= p.high):
                    what = (
                        f"{p.value:g} x [{lo:g}, {hi:g}] = [{a:g}, {b:g}]"
                        if scale
                        else _("the support [{lo:g}, {hi:g}]", lo=lo, hi=hi)
                    )
                    raise ValueError(
                        _(
                            "{name}: {what} leaves the parameter's plausible range "
                            "[{low:g}, {high:g}]",
                            name=name, what=what, low=p.low, high=p.high,
                        )
                    )
        else:
            path = str(self.field if self.field is not None else self.scale_field)
            _known(
                "field" if self.field is not None else "scale_field", path, uncertain_field_paths()
            )
            if self.scale_field is not None and lo <= 0:
                raise ValueError(_("low = {low}: a scale factor must be > 0", low=repr(lo)))
        return self

    def parameters(self) -> list[str]:
        """The library parameters this uncertainty sets or scales (globs expanded)."""
        lib = load_library()
        if self.parameter is not None:
            _known("parameter", self.parameter, lib.params)
            return [self.parameter]
        out: list[str] = []
        for pattern in self.scale_parameters or []:
            hits = sorted(fnmatch.filter(lib.params, pattern))
            if not hits:
                raise ValueError(
                    _("scale_parameters: {pattern} matches no parameter", pattern=repr(pattern))
                    + did_you_mean(pattern, lib.params)
                )
            out.extend(h for h in hits if h not in out)
        return out

    @property
    def target(self) -> str:
        """How the sampled value is applied: one of :attr:`TARGETS`."""
        return next(k for k in self.TARGETS if getattr(self, k) is not None)


class Sampler(_Model):
    """[sampler]: how scenarios are drawn from the uncertainties."""

    method: Literal["full_factorial", "latin_hypercube", "sobol"] = Field(
        "latin_hypercube",
        description="full_factorial (levels per uncertainty at evenly spaced quantiles, "
        "including the bounds), latin_hypercube (scipy.stats.qmc) or sobol (Saltelli's scheme, "
        "SALib: samples x (D + 2) scenarios, or x (2D + 2) with second_order).",
    )
    samples: StrictInt | None = Field(
        None,
        description="latin_hypercube: number of scenarios; sobol: base sample (a power of 2).",
        ge=1,
        le=1_000_000,
    )
    levels: StrictInt = Field(
        3, description="full_factorial: values per uncertainty.", ge=1, le=101
    )
    second_order: StrictBool = Field(False, description="sobol: also second-order indices.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.method == "full_factorial" and self.samples is not None:
            raise ValueError(
                _("samples is not used by method = 'full_factorial' (it uses levels)")
            )
        if self.method == "sobol" and self.samples is not None:
            n = self.samples
            if n < 2 or n & (n - 1):
                raise ValueError(
                    _(
                        "samples = {n}: method = 'sobol' needs a power of 2 (e.g. 64, 128, 256)",
                        n=n,
                    )
                )
        return self


class SweepSpec(_Document):
    """A sweep: portfolio x policy levers x uncertainties, and the sampler."""

    key_noun: ClassVar[tuple[str, str]] = ("section", "sections")

    sweep: SweepSection = Field(description="Name, seed, draws, base policy.")
    portfolio: PortfolioSection = Field(description="The proposals.")
    levers: list[Lever] = Field(default_factory=list, description="Policy and plan levers.")
    uncertainties: list[Uncertainty] = Field(
        default_factory=list, description="Distributions over parameters and inputs."
    )
    sampler: Sampler = Field(default_factory=Sampler, description="How scenarios are drawn.")
    baseline: dict[str, StrictBool | float] | None = Field(
        None,
        description="The policy every other is compared with, by lever value ({lever path: "
        "value}, each value one of the lever's grid); a lever left out takes the base policy's "
        "value if the grid has it, else its first value. Default: the base policy (the packaged "
        "one unless [sweep] policy names a file).",
    )

    @field_validator("baseline", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Dotted keys written unquoted in TOML arrive as nested tables: flatten them."""

        def flat(table: Mapping[str, Any], prefix: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, v in table.items():
                path = f"{prefix}{key}"
                out.update(flat(v, f"{path}.") if isinstance(v, Mapping) else {path: v})
            return out

        if not isinstance(value, Mapping):
            return value
        table = flat(value, "")
        for key, v in table.items():  # one problem per value, not one per type allowed
            if (kind := _not_plain(v)) is not None:
                raise ValueError(
                    _(
                        "{key} is the {kind} {value}: give one of the lever's values, a number "
                        "or true/false without quotes",
                        key=repr(key), kind=kind, value=repr(v),
                    )
                )
        return table

    @model_validator(mode="after")
    def _unique(self) -> Self:
        paths = [lv.path for lv in self.levers]
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ValueError(
                _("[[levers]]: the field {field} is levered more than once", field=repr(dup[0]))
            )
        names = [u.name for u in self.uncertainties]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(
                _("[[uncertainties]]: the name {name} appears more than once", name=repr(dup[0]))
            )
        if self.uncertainties and self.sampler.method != "full_factorial":
            if self.sampler.samples is None:
                raise ValueError(
                    _(
                        "[sampler] samples is missing (required by method = {method} when there "
                        "are uncertainties)",
                        method=repr(self.sampler.method),
                    )
                )
        return self

    # ----------------------------------------------------------------------------------------

    def canonical(self) -> str:
        """The validated spec as canonical JSON (stored in the results; compared on resume)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def policy_path(self) -> Path | None:
        """The base policy file, resolved against the spec's folder."""
        return None if self.sweep.policy is None else self.resolve_path(self.sweep.policy)

    def base_policy_data(self) -> dict[str, Any]:
        """The base policy as a dict (packaged default, or the file merged over it)."""
        from sim.proposal import load_policy

        path = self.policy_path()
        return load_policy(path).to_dict() if path is not None else load_policy().to_dict()

    def ordered_levers(self) -> list[Lever]:
        """Levers that change the engine first (they are the outer loops of the policy grid)."""
        return [lv for lv in self.levers if lv.engine] + [lv for lv in self.levers if not lv.engine]

    def n_policies(self) -> int:
        """Number of policies: the product of the levers' grid sizes."""
        return math.prod(len(lv.grid()) for lv in self.levers)


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for key in head:
        data = data.setdefault(key, {})
    data[last] = value


def build_policy(
    base: Mapping[str, Any], changes: Mapping[str, Any], source: str, path: Path | None = None
) -> Any:
    """The policy ``base`` with dotted ``changes`` applied, validated (an InputError names
    ``source``); ``path`` is the base policy's file (its layer paths are relative to it)."""
    data = copy.deepcopy(dict(base))
    for dotted, value in changes.items():
        _set_path(data, dotted, value)
    return parse_policy(data, source, path=path, merge_default=False)


def _check_levers(spec: SweepSpec, shown: str) -> list[str]:
    """Every lever value applied alone to the base policy or to the packaged example."""
    from sim.examples import example_path
    from sim.proposal import load_proposal

    problems: list[str] = []
    try:
        base = spec.base_policy_data()
    except InputError as exc:
        return [f"{shown}: [sweep] policy = {spec.sweep.policy!r}: {p}" for p in exc.problems]
    example = load_proposal(example_path())
    for k, lever in enumerate(spec.levers, start=1):
        where = f"{shown}: [[levers]] #{k} {lever.kind} = {lever.path!r}"
        for value in lever.grid():
            try:
                if lever.kind == "policy":
                    build_policy(base, {lever.path: value}, where, spec.policy_path())
                else:
                    example.with_values({lever.path: value})
            except InputError as exc:
                text = exc.problems[0]
                problems.append(
                    f"{where}: {text.split(': ', 1)[1]}" if lever.kind == "plan" else text
                )
                break
    for k, unc in enumerate(spec.uncertainties, start=1):
        if unc.field is None:
            continue
        for value in unc.dist().support():
            try:
                example.with_values({unc.field: value})
            except InputError as exc:
                msg = exc.problems[0].split(": ", 1)[1]
                problems.append(f"{shown}: [[uncertainties]] #{k} field = {unc.field!r}: {msg}")
                break
    return problems


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _check_baseline(spec: SweepSpec, shown: str) -> list[str]:
    """Every ``[baseline]`` entry names a lever and one of its grid values."""
    problems: list[str] = []
    levers = {lv.path: lv for lv in spec.levers}
    for path, value in (spec.baseline or {}).items():
        where = f"{shown}: [baseline] {path!r} = {value!r}"
        if not levers:
            problems.append(
                _(
                    "{where}: this sweep has no [[levers]], so there is nothing to compare; "
                    "remove [baseline] (the baseline is then the base policy)",
                    where=where,
                )
            )
        elif path not in levers:
            problems.append(
                _(
                    "{where}: not a lever of this sweep; allowed: {allowed}",
                    where=where, allowed=allowed_list(levers),
                )
                + did_you_mean(path, levers)
            )
        elif not any(_same(value, g) for g in levers[path].grid()):
            grid = ", ".join(repr(g) for g in levers[path].grid())
            problems.append(
                _("{where}: not one of the lever's values; allowed: {grid}", where=where, grid=grid)
            )
    return problems


def baseline_policy(spec: SweepSpec) -> tuple[int, dict[str, Any], list[str]]:
    """The baseline's policy id in :func:`lever_grid` order, its lever values, and a note per
    lever whose value was not given and is not the base policy's (it took the first value)."""
    base = spec.base_policy_data()
    given = spec.baseline or {}
    values: dict[str, Any] = {}
    notes: list[str] = []
    for lv in spec.ordered_levers():
        grid = lv.grid()
        if lv.path in given:
            values[lv.path] = next(g for g in grid if _same(given[lv.path], g))
            continue
        current: Any = base
        for key in lv.path.split("."):
            current = current.get(key) if isinstance(current, dict) else None
        if lv.kind == "policy" and current is not None and any(_same(current, g) for g in grid):
            values[lv.path] = next(g for g in grid if _same(current, g))
        else:
            values[lv.path] = grid[0]
            notes.append(lv.path)
    index = next(
        i for i, row in enumerate(lever_grid(spec)) if all(_same(row[k], values[k]) for k in values)
    )
    return index, values, notes


def parse_spec(data: Mapping[str, Any], source: str = "<data>", *, path: Path | None = None):
    """Validate a sweep spec given as a dict (``source`` names it in messages)."""
    spec = _validate(SweepSpec, copy.deepcopy(dict(data)), source, path)
    problems = _check_levers(spec, source) + _check_baseline(spec, source)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return spec


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file (``.toml`` or ``.json``)."""
    return parse_spec(read_document(path), str(path), path=Path(path))


def lever_grid(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every policy of the sweep as ``{path: value}``, engine levers outermost (stable order)."""
    levers = spec.ordered_levers()
    return [
        dict(zip([lv.path for lv in levers], combo, strict=True))
        for combo in itertools.product(*(lv.grid() for lv in levers))
    ]
