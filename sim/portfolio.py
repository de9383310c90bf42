"""Columnar portfolios: many proposals as one validated table.

A :class:`Portfolio` holds proposals as columns named by the field paths of the input contract
(``extraction.reserves_mt``, ``restoration.target_land_use.forest``, ``proposal.region`` …), so
the engine can resolve and stream 100,000 applications without building 100,000 pydantic
objects (≈ 6.5 KB and 170 µs each).

One contract: the columns are checked by the rules of the proposal files, generated from the same
declaration (:func:`sim.contract.field_specs` reads the proposal models' fields: required or
optional, type, bounds, pattern, allowed values, defaults) plus the same cross-field rules
(land-use shares, :mod:`sim.plausibility`). Every row the column-wise screen finds bad is
re-validated as a proposal file would be, so its message is the file's message, prefixed with
the source, the row and the id. Portfolios of up to :data:`CONVERT_ALL` rows are converted to
proposals row by row during validation (each row once, then cached), so nothing can fail after
validation; larger ones are converted on demand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from annotated_types import Ge, Gt, Le, Lt

from sim import plausibility, quantities
from sim.contract import NAMED_VALUE_FIELDS, FieldSpec, canonical_value, field_specs
from sim.errors import InputError, did_you_mean
from sim.i18n import _
from sim.keys import LAND_USES
from sim.params import input_defaults, load_library
from sim.proposal import (
    FINANCE_DEFAULTED,
    LAND_USE_SUM_TOLERANCE,
    design_screen,
    parse_proposal,
)

SHARE_FIELDS = tuple(f"restoration.target_land_use.{lu}" for lu in LAND_USES)
MAX_PROBLEMS = 20
CONVERT_ALL = 1000
OPTIONAL_FROM_MINERAL = {
    "extraction.rock_density_t_per_m3": "density_t_per_m3",
    "site.substrate": "substrate",
}
SPECS: dict[str, FieldSpec] = field_specs()
TEXT_FIELDS = tuple(k for k, f in SPECS.items() if f.kind in ("str", "literal", "date"))
NUMERIC = {k: f for k, f in SPECS.items() if f.kind in ("float", "int", "bool")}


def _is_blank(x: Any) -> bool:
    """A cell that gives no value: None, NaN or an empty string."""
    if x is None:
        return True
    if isinstance(x, float | np.floating):
        return bool(np.isnan(x))
    return isinstance(x, str) and not x.strip()


def _blank(col: np.ndarray) -> np.ndarray:
    """Blank cells of a column (vectorised for numeric columns)."""
    if col.dtype.kind == "f":
        return np.isnan(col)
    if col.dtype.kind in "biu":
        return np.zeros(len(col), dtype=bool)
    values = col.tolist()
    types = set(map(type, values))
    if types <= {bool, int}:
        return np.zeros(len(col), dtype=bool)
    if types == {str}:
        return np.char.str_len(np.char.strip(np.array(values, dtype=str))) == 0
    return np.array([_is_blank(x) for x in values], dtype=bool)


def _cell(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


class Portfolio:
    """Proposals as validated columns (see the module docstring).

    Parameters
    ----------
    columns : field path -> values (one per proposal). Required fields need a column and a value
        in every row; a missing optional column, or a blank cell (None, NaN, "") of an optional
        field, takes the contract's documented default (density and substrate from the mineral
        table, finance rates from sim/params/finance_defaults.toml).
    source : name used in error messages (a file name, "<synthetic>" …).
    validate : set False only for columns taken from already validated proposals.
    """

    proposals: list[Any] | None = None

    def __init__(
        self, columns: Mapping[str, Any], source: str = "<portfolio>", *, validate: bool = True
    ) -> None:
        self.source = source
        cols = {k: np.asarray(v) for k, v in columns.items()}
        n = {len(v) for v in cols.values()}
        if len(n) > 1:
            raise InputError(
                _("{source}: columns have different lengths {n}", source=source, n=sorted(n))
            )
        self.n = n.pop() if n else 0
        self.columns = cols
        self._converted: dict[int, Any] = {}
        if validate:
            self._check_and_fill()

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_proposals(cls, proposals: Sequence[Any]) -> Portfolio:
        """Columns of validated :class:`~sim.proposal.Proposal` objects (no re-validation)."""
        cols: dict[str, Any] = {}
        for path, spec in SPECS.items():
            if path in SHARE_FIELDS or path == "location.boundary":
                continue
            section, name = path.split(".")
            values = [getattr(getattr(p, section), name, None) for p in proposals]  # no [location]
            if spec.kind == "float":
                values = [np.nan if v is None else v for v in values]
            cols[path] = np.asarray(values, dtype=object if path in TEXT_FIELDS else None)
        for lu, path in zip(LAND_USES, SHARE_FIELDS, strict=True):
            cols[path] = np.asarray(
                [float(p.restoration.target_land_use.get(lu, 0.0)) for p in proposals]
            )
        cols["location.boundary"] = np.asarray(
            [(p.location.boundary if p.location is not None else "") for p in proposals],
            dtype=object,
        )
        out = cls(cols, validate=False)
        out.proposals = list(proposals)
        return out

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]], source: str) -> Portfolio:
        """Columns of proposals given as the dicts of validated proposals
        (:meth:`~sim.proposal.Proposal.to_dict`, e.g. read back from a store), typed as
        validation types them, without re-validating or building proposal objects."""
        n = len(records)
        cols: dict[str, np.ndarray] = {}
        for path, spec in SPECS.items():
            section, name, *rest = path.split(".")
            values = [_get(r, section, name, rest) for r in records]
            if path in SHARE_FIELDS:
                cols[path] = np.array([0.0 if v is None else v for v in values], dtype=float)
            elif path == "location.boundary":
                cols[path] = np.array(["" if v is None else v for v in values], dtype=object)
            elif spec.kind in ("float", "int"):
                cols[path] = np.array([np.nan if v is None else v for v in values], dtype=float)
            elif spec.kind == "bool":
                cols[path] = np.array(values, dtype=bool)
            else:
                cols[path] = np.array(values, dtype=object)
        out = cls(cols, source, validate=False)
        out.n = n
        return out

    # -- access -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in self.columns["proposal.id"]]

    def slice(self, start: int, stop: int) -> Portfolio:
        """Rows ``start … stop-1`` (views; no re-validation)."""
        out = Portfolio(
            {k: v[start:stop] for k, v in self.columns.items()}, self.source, validate=False
        )
        if self.proposals is not None:
            out.proposals = self.proposals[start:stop]
        else:
            out._converted = {
                i - start: p for i, p in self._converted.items() if start <= i < stop
            }
        return out

    def record(self, i: int, columns: Mapping[str, np.ndarray] | None = None) -> dict[str, Any]:
        """Row ``i`` as a nested mapping in the input-file structure (blank cells left out,
        except an empty text of a required field, which the contract refuses as empty)."""
        data: dict[str, Any] = {}
        for path, values in (self.columns if columns is None else columns).items():
            spec = SPECS.get(path)
            v = _cell(values[i])
            if spec is None or (_is_blank(v) and not (spec.required and v == "")):
                continue
            section, name, *rest = path.split(".")
            if path == "location.boundary":
                data.setdefault("location", {})["boundary"] = v
                continue
            if rest:  # a land-use share
                if v:
                    data.setdefault(section, {}).setdefault(name, {})[rest[0]] = v
                continue
            if spec.kind == "int" and isinstance(v, float) and v.is_integer():
                v = int(v)
            elif spec.kind == "bool" and not isinstance(v, bool) and v in (0, 1):
                v = bool(v)
            elif spec.kind == "float" and isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            data.setdefault(section, {})[name] = v
        data.setdefault("restoration", {}).setdefault("target_land_use", {})
        return data

    def _label(self, i: int) -> str:
        pid = self.columns.get("proposal.id")
        if pid is None:
            return _("{source}: row {i}", source=self.source, i=i)
        return _("{source}: row {i} (id {id})", source=self.source, i=i, id=_cell(pid[i]))

    def proposal(self, i: int) -> Any:
        """Row ``i`` as a validated :class:`~sim.proposal.Proposal` (converted once, cached)."""
        if self.proposals is not None:
            return self.proposals[i]
        if i not in self._converted:
            self._converted[i] = parse_proposal(self.record(i), self._label(i))
        return self._converted[i]

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.n):
            yield self.proposal(i)

    # -- validation ---------------------------------------------------------------------------
    def _check_and_fill(self) -> None:
        cols, n, src = self.columns, self.n, self.source
        raw = dict(cols)  # as given, for the messages
        missing = [
            _(
                "{src}: column {path} is missing (required; {desc})",
                src=src, path=path, desc=spec.description,
            )
            for path, spec in SPECS.items()
            if spec.required and path not in cols
        ]
        unknown = [k for k in cols if k not in SPECS]
        missing += [
            _(
                "{src}: column {k} is not a field of the input contract "
                "(columns are named by dotted field paths, e.g. extraction.reserves_mt)",
                src=src, k=k,
            )
            + did_you_mean(k, SPECS)
            for k in unknown
        ]
        if missing:
            raise InputError("\n".join(missing), problems=missing)
        for path in NAMED_VALUE_FIELDS:  # "石灰岩", "山坡露天": named as the files name them
            col = cols.get(path)
            if col is not None and col.dtype == object:
                cols[path] = np.array([canonical_value(path, x) for x in col], dtype=object)
        for path, spec in SPECS.items():  # "2180.9 万t": converted as the files convert it
            col = cols.get(path)
            if col is not None and col.dtype == object and spec.unit in quantities.UNITS:
                cols[path] = np.array([_with_unit(x, spec.unit) for x in col], dtype=object)
            elif col is not None and col.dtype == object and _is_share(spec):  # "30%": 0.3
                cols[path] = np.array([_percent(x) for x in col], dtype=object)
        bad = np.zeros(n, dtype=bool)
        for path, spec in SPECS.items():
            if path in cols:
                bad |= _screen(spec, cols[path])
        if any(p in cols for p in SHARE_FIELDS):
            shares = np.stack([_floats(cols.get(p, np.zeros(n))) for p in SHARE_FIELDS], axis=1)
            with np.errstate(invalid="ignore"):
                total = np.nansum(shares, axis=1)
            bad |= np.abs(total - 1.0) > LAND_USE_SUM_TOLERANCE
        else:
            bad |= True  # target_land_use is required
        ids = cols["proposal.id"].astype(str)
        uniq, counts = np.unique(ids, return_counts=True)
        self._fill_defaults()
        bad |= design_screen(cols)
        # as the files do: with the design geometry the walls' height is the design's depth
        depth = cols["site.pit_top_elevation_m"] - cols["site.pit_bottom_elevation_m"]
        height = cols["site.final_highwall_height_m"]
        cols["site.final_highwall_height_m"] = np.where(
            np.isnan(height) & np.isfinite(depth), depth, height
        )
        ok_rows = np.flatnonzero(~bad)
        if ok_rows.size:
            sub = {k: cols[k][ok_rows] for k in plausibility.FIELDS}
            for row, _field, _msg in plausibility.check(sub):
                bad[ok_rows[row]] = True
        problems: list[str] = []
        for i in np.flatnonzero(bad)[:MAX_PROBLEMS]:
            try:  # the file contract's own message
                parse_proposal(self.record(int(i), raw), self._label(int(i)))
            except InputError as exc:
                problems.extend(exc.problems)
            else:  # the screen is stricter than the file: never expected
                problems.append(
                    _("{label}: refused by the column screen", label=self._label(int(i)))
                )
        n_bad = int(bad.sum())
        if n_bad > MAX_PROBLEMS:
            problems.append(
                _("{src}: … and {n} more rows with problems", src=src, n=n_bad - MAX_PROBLEMS)
            )
        for dup in uniq[counts > 1][:MAX_PROBLEMS]:
            rows = np.flatnonzero(ids == dup)
            problems.append(
                _(
                    "{label}: [proposal] id = {id}: duplicate proposal id, also used by row "
                    "{first} (ids must be unique in a run; it appears {n} times)",
                    label=self._label(int(rows[1])), id=repr(str(dup)), first=int(rows[0]),
                    n=len(rows),
                )
            )
        if problems:
            raise InputError("\n".join(problems), problems=problems)
        if n <= CONVERT_ALL:  # small: convert every row now, so nothing fails later
            for i in range(n):
                self.proposal(i)

    def _fill_defaults(self) -> None:
        """Fill missing optional columns and blank optional cells with the contract's defaults."""
        cols, n = self.columns, self.n
        lib = load_library()
        minerals = cols["proposal.mineral"].astype(str)
        finance = input_defaults()
        for path, spec in SPECS.items():
            if spec.required:
                continue
            col = cols.get(path)
            blank = np.ones(n, dtype=bool) if col is None else _blank(col)
            if path in OPTIONAL_FROM_MINERAL:
                key = OPTIONAL_FROM_MINERAL[path]
                default: Any = np.array(
                    [lib.minerals[m][key] if m in lib.minerals else np.nan for m in minerals],
                    dtype=object,
                )
            elif path.startswith("finance.") and path.split(".")[1] in FINANCE_DEFAULTED:
                default = np.full(n, float(finance[path].value))
            elif path in SHARE_FIELDS:
                default = np.zeros(n)
            elif path == "location.boundary":
                default = np.full(n, "", dtype=object)
            elif spec.default is not None:
                default = np.full(n, spec.default)
            else:
                default = np.full(n, None, dtype=object)
                if spec.kind == "float":
                    default = np.full(n, np.nan)
            if col is None:
                cols[path] = default
            elif blank.any():
                cols[path] = np.where(blank, default, col)
        for path, spec in SPECS.items():
            if spec.kind == "float":
                cols[path] = _floats(cols[path])
            elif spec.kind == "int":
                cols[path] = _floats(cols[path])
            elif spec.kind == "bool":
                cols[path] = np.asarray(cols[path]).astype(bool)
            elif spec.kind in ("str", "literal", "date"):
                cols[path] = np.asarray(cols[path], dtype=object)


def _get(record: Mapping[str, Any], section: str, name: str, rest: list[str]) -> Any:
    """The value at ``section.name[.rest]`` of a proposal dict (None when absent)."""
    v = (record.get(section) or {}).get(name)
    return v.get(rest[0]) if rest and v is not None else v


def _with_unit(x: Any, unit: str) -> Any:
    """A cell "NUMBER UNIT" in the field's unit (:mod:`sim.quantities`); others unchanged."""
    if not isinstance(x, str):
        return x
    try:
        converted = quantities.convert(x, unit)
    except ValueError:
        return x  # refused by the screen, explained by the file contract's message
    return x if converted is None else converted


def _is_share(spec: Any) -> bool:
    """Whether a field is a share or a yearly rate (at most 1), which may be written "30%"."""
    return any(isinstance(c, Le) and c.le == 1 for c in spec.constraints)


def _percent(x: Any) -> Any:
    """A cell "30%" as 0.3 (:func:`sim.quantities.percent`); others unchanged."""
    share = quantities.percent(x) if isinstance(x, str) else None
    return x if share is None else share


def _floats(col: np.ndarray) -> np.ndarray:
    """A column as floats; cells that are not numbers become NaN."""
    try:
        return np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        out = np.full(len(col), np.nan)
        for i, x in enumerate(col):
            if isinstance(x, int | float | np.number) and not isinstance(x, bool | np.bool_):
                out[i] = float(x)
        return out


def _screen(spec: FieldSpec, col: np.ndarray) -> np.ndarray:
    """Rows whose cell breaks the field's rules (blank cells of optional fields are fine)."""
    n = len(col)
    blank = _blank(col) if col.dtype == object else None
    if spec.kind in ("float", "int", "bool"):
        types = set(map(type, col.tolist())) if col.dtype == object else set()
        if types and types <= {bool, int, float} and (spec.kind == "bool" or bool not in types):
            typed = np.ones(n, dtype=bool)  # plain numbers (NaN is blank): every cell typed
        elif col.dtype == object:
            typed = np.array(
                [
                    _is_blank(x)
                    or (
                        isinstance(x, int | float | np.number)
                        and (spec.kind == "bool" or not isinstance(x, bool | np.bool_))
                    )
                    for x in col
                ]
            )
        elif col.dtype.kind in "biuf":
            typed = np.ones(n, dtype=bool) if spec.kind == "bool" or col.dtype.kind != "b" else (
                np.zeros(n, dtype=bool)
            )
        else:
            typed = np.zeros(n, dtype=bool)
        v = _floats(col)
        nan = np.isnan(v)
        if blank is None:
            blank = nan
        bad = ~typed
        bad |= nan & (~blank | spec.required)
        bad |= ~np.isfinite(v) & ~nan
        good = ~bad & ~nan
        if spec.kind == "int":
            bad |= good & (v != np.round(v))
        if spec.kind == "bool":
            bad |= good & ~np.isin(v, (0.0, 1.0))
        with np.errstate(invalid="ignore"):
            for c in spec.constraints:
                if isinstance(c, Gt):
                    bad |= good & ~(v > c.gt)
                elif isinstance(c, Ge):
                    bad |= good & ~(v >= c.ge)
                elif isinstance(c, Lt):
                    bad |= good & ~(v < c.lt)
                elif isinstance(c, Le):
                    bad |= good & ~(v <= c.le)
        return bad
    out = np.zeros(n, dtype=bool)
    allowed = spec.allowed()
    verdicts: dict[tuple[type, Any], bool] = {}  # by distinct cell: mineral, region, ...
    for i, x in enumerate(col.tolist()):
        x = _cell(x)
        key = (type(x), x)
        try:
            known = verdicts.get(key)
        except TypeError:  # unhashable: checked alone
            key, known = None, None
        if known is None:
            known = spec.required if _is_blank(x) else not spec.accepts(x, allowed)
            if key is not None:
                verdicts[key] = known
        out[i] = known
    return out


def as_portfolio(proposals: Portfolio | Sequence[Any] | Any) -> Portfolio:
    """A portfolio from a portfolio, one proposal, or a sequence of proposals."""
    if isinstance(proposals, Portfolio):
        return proposals
    if not isinstance(proposals, list | tuple):
        proposals = [proposals]
    return Portfolio.from_proposals(proposals)
