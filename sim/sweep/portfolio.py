"""The portfolio of a sweep: proposal files, a folder, a CSV queue or a synthetic generator.

Every proposal is validated before anything runs (one InputError lists the problems). The
synthetic generator (model.md §8) draws each variable's uniforms from the variable's own stream,
derived through :class:`numpy.random.SeedSequence` from the sweep seed and a SHA-256 of the
variable's name, so proposal ``i`` is the same in portfolios of any size and replacing one
distribution changes only that variable. Its default distributions are data:
``sim/data/hunan-portfolio.toml``.
"""

from __future__ import annotations

import glob
import hashlib
import math
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import numpy as np
from pydantic import Field

from sim.batch import field_type, read_queue, said_once
from sim.errors import InputError, allowed_list, did_you_mean
from sim.i18n import _
from sim.keys import LAND_USES
from sim.params import load_library
from sim.portfolio import MAX_PROBLEMS, SPECS, Portfolio
from sim.proposal import (
    Proposal,
    _Document,
    _validate,
    load_proposals,
    read_document,
)
from sim.sweep.spec import SweepSpec, SyntheticField

SWEEP_KEY = 0x5357_4545  # "SWEE": first word of every spawn key of the sweep's own streams
PORTFOLIO_STREAM = 1
GENERATOR_TABLE = "hunan-portfolio.toml"
GENERATOR_VARIABLES: tuple[str, ...] = (
    "term_years",
    "wall_height_ratio",
    "licence_headroom",
    "price_position",
    "plan_cost_per_ha",
    "bond_share_of_plan",
    "amendment_if_toxic",
)


def name_key(name: str) -> int:
    """A stable 32-bit key of a name (SHA-256; never Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")


def sweep_seed_sequence(seed: int, *key: int) -> np.random.SeedSequence:
    """A stream of the sweep (not the engine's): run seed + (SWEEP_KEY, *key)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(SWEEP_KEY, *key))


# --------------------------------------------------------------------------------------------
# field paths of a proposal


def field_paths() -> list[str]:
    """Every proposal field a synthetic spec may set, by dotted path (land use as a table)."""
    out = []
    for section, info in Proposal.model_fields.items():
        model = next(
            (
                a
                for a in (info.annotation, *get_args(info.annotation))
                if hasattr(a, "model_fields")
            ),
            None,
        )
        out.extend(f"{section}.{name}" for name in getattr(model, "model_fields", {}))
    return [p for p in out if p != "proposal.id"]


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for key in head:
        data = data.setdefault(key, {})
    data[last] = value


# --------------------------------------------------------------------------------------------
# synthetic


class GeneratorTable(_Document):
    """The generator's default distributions (``sim/data/hunan-portfolio.toml``)."""

    fields: list[SyntheticField] = Field(description="One table per variable.")


def default_fields() -> list[SyntheticField]:
    """The packaged default distributions of the synthetic generator."""
    path = Path(str(resources.files("sim.data").joinpath(GENERATOR_TABLE)))
    return _validate(GeneratorTable, read_document(path), str(path), path).fields


def _py(x: Any, typ: type | None) -> Any:
    if isinstance(x, np.generic):
        x = x.item()
    if typ is int and isinstance(x, float):
        return round(x)
    if typ is float and isinstance(x, int) and not isinstance(x, bool):
        return float(x)
    return x


def _each(f: Any, *columns: np.ndarray) -> np.ndarray:
    """``f`` of Python floats, row by row (``round``, ``math.tan``, ``**``: exactly as Python
    computes one proposal, which numpy's vector versions need not match to the last bit)."""
    return np.array(list(map(f, *(c.tolist() for c in columns))), dtype=float)


def _numbers(v: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Variable ``name`` of every row as floats; a row that is not a number is NaN."""
    col = np.asarray(v[name])
    try:
        return np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        return np.array(
            [float(x) if isinstance(x, int | float) else np.nan for x in col.tolist()]
        )


def _derive(v: dict[str, np.ndarray], lib: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Proposal fields derived from the generator variables (see the data file's header), a
    column each, and the rows they cannot be derived for (an unknown mineral, a zero or a
    value that is not a number where one divides)."""
    minerals = [str(m) for m in np.asarray(v["proposal.mineral"]).tolist()]
    table = {m: lib.minerals.get(m) for m in set(minerals)}
    known = np.array([table[m] is not None for m in minerals], dtype=bool)
    row = [table[m] or {} for m in minerals]
    m_density = np.array([r.get("density_t_per_m3", np.nan) for r in row], dtype=float)
    lo = np.array([r["price_cny_per_t"][0] if r else np.nan for r in row], dtype=float)
    hi = np.array([r["price_cny_per_t"][1] if r else np.nan for r in row], dtype=float)
    toxic = np.array(
        [bool(r) and bool(lib.substrates[r["substrate"]]["toxic"]) for r in row], dtype=bool
    )
    stated = (
        _numbers(v, "extraction.rock_density_t_per_m3")
        if "extraction.rock_density_t_per_m3" in v
        else np.zeros(len(minerals))
    )
    density = np.where(np.isnan(stated) | (stated == 0), m_density, stated)
    output = _numbers(v, "extraction.annual_output_mt")
    sr = _numbers(v, "extraction.stripping_ratio")
    thickness = _numbers(v, "extraction.mined_thickness_m")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reserves = _each(lambda x: round(x, 3), output * _numbers(v, "term_years"))
        height = _each(lambda x: round(x, 1), _numbers(v, "wall_height_ratio") * thickness)
        tan = _each(
            lambda x: math.tan(math.radians(x)) if math.isfinite(x) else math.nan,
            _numbers(v, "site.final_highwall_slope_deg"),
        )
        floor_ha = reserves * (1 + sr) * 1e6 / density / thickness / 1e4
        wall_ha = 2 * np.sqrt(floor_ha * 1e4) * height / tan / 1e4
        footprint = floor_ha + wall_ha
        dump_ha = reserves * sr * 1e6 / density * lib["schedule.swell_factor"] / 1e4
        dump_ha /= _numbers(v, "extraction.dump_height_m")
        disturbed = footprint + dump_ha + _numbers(v, "extraction.infrastructure_area_ha")
        plan = _each(lambda x: round(x, -4), _numbers(v, "plan_cost_per_ha") * disturbed)
        out = {
            "extraction.reserves_mt": reserves,
            "site.final_highwall_height_m": height,
            "proposal.licensed_area_ha": _each(
                lambda x: round(x, 2), _numbers(v, "licence_headroom") * footprint
            ),
            "finance.ore_price_cny_per_t": _each(
                lambda a, b, q: round(a * (b / a) ** q, 1) if a > 0 else math.nan,
                lo, hi, _numbers(v, "price_position"),
            ),
            "finance.plan_restoration_cost_cny": plan,
            "finance.bond_cny": _each(
                lambda x: round(x, -4), _numbers(v, "bond_share_of_plan") * plan
            ),
        }  # fmt: skip
    bad = ~known
    for col in out.values():
        bad |= ~np.isfinite(col)
    amend = np.array([bool(x) for x in np.asarray(v["amendment_if_toxic"]).tolist()], dtype=bool)
    out["restoration.substrate_amendment"] = toxic & amend
    return out, bad


def synthetic_portfolio(spec: SweepSpec, source: str) -> Portfolio:
    """The synthetic portfolio of ``spec`` as validated columns (no proposal objects: the rows
    are screened by the input contract column-wise, and a bad row is explained by the proposal
    file's own message)."""
    section = spec.portfolio
    settable = field_paths()
    types = {path: field_type(path.split(".")) for path in settable}
    table = {f.name: f for f in default_fields()}
    problems = []
    for k, f in enumerate(section.fields, start=1):
        known = [*table, *(p for p in settable if p not in table)]
        if f.name not in known:
            problems.append(
                f"{source}: [[portfolio.fields]] #{k} name = {f.name!r}: unknown variable; "
                f"allowed: {allowed_list(known)}{did_you_mean(f.name, known)}"
            )
        table[f.name] = f
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    n = int(section.synthetic or 0)
    draws = {}
    for name, f in table.items():
        rng = np.random.Generator(
            np.random.PCG64(sweep_seed_sequence(spec.sweep.seed, PORTFOLIO_STREAM, name_key(name)))
        )
        draws[name] = f.dist().ppf(rng.random(n))
    lib = load_library()
    width = max(6, len(str(n)))
    ids = [f"{section.id_prefix}-{i:0{width}d}" for i in range(n)]
    # column by column, in the order a proposal's fields are set: fixed values, then derived
    # ones, then the drawn fields (a field named in the spec overrides what would be derived)
    minerals = [str(m) for m in np.asarray(draws["proposal.mineral"]).tolist()]
    columns: dict[str, np.ndarray] = {
        "proposal.id": np.array(ids, dtype=object),
        "proposal.name": np.array(
            [f"Synthetic {m} quarry {i}" for i, m in enumerate(minerals)], dtype=object
        ),
        "proposal.method": np.full(n, "open_pit", dtype=object),
        "proposal.region": np.full(n, "south_hilly", dtype=object),
        "restoration.import_topsoil": np.ones(n, dtype=bool),
    }
    derived, bad = _derive(draws, lib)
    reasons: dict[str, list[str]] = {}  # one message per reason, naming its first rows
    for i in np.flatnonzero(bad).tolist():
        why = (
            f"unknown mineral {minerals[i]!r}"
            if minerals[i] not in lib.minerals
            else "a variable it divides by is zero or not a number"
        )
        reasons.setdefault(why, []).append(ids[i])
    for why, rows in reasons.items():
        more = f" and {len(rows) - 3:,} more" if len(rows) > 3 else ""
        problems.append(
            f"{source}: synthetic proposals {', '.join(rows[:3])}{more}: cannot derive fields "
            f"({why})"
        )
    columns.update(derived)
    for path, values in draws.items():
        if path not in settable:
            continue
        if path != "restoration.target_land_use":
            columns[path] = _drawn_column(path, values, types.get(path))
            continue
        shares = {f"{path}.{lu}": np.zeros(n) for lu in LAND_USES}
        by_choice: dict[int, list[int]] = {}  # a choice's rows share its one table
        cells = np.asarray(values).tolist()
        for i, value in enumerate(cells):
            by_choice.setdefault(id(value), []).append(i)
        for rows in by_choice.values():
            value = cells[rows[0]]
            for lu, share in (value if isinstance(value, dict) else {}).items():
                key = f"{path}.{lu}"
                if key not in shares:
                    problems.append(
                        f"{source}: synthetic proposal {ids[rows[0]]}: {path}: unknown land use "
                        f"{lu!r}"
                    )
                    continue
                shares[key][rows] = share
        columns.update(shares)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return Portfolio(columns, f"{source}: synthetic portfolio")


def _drawn_column(path: str, a: np.ndarray, typ: type | None) -> np.ndarray:
    """A drawn column in the field's type: a float draw of an integer field rounded (half to
    even, as ``round``), a choice's values as Python values (:func:`_py`)."""
    if a.dtype.kind == "f":
        return np.rint(a) if typ is int else a
    return _column(path, _values(a, typ))


def _values(a: np.ndarray, typ: type | None) -> list[Any]:
    """Drawn values as Python values of the field's type (:func:`_py`, a column at a time)."""
    if a.dtype == object:
        return [_py(x, typ) for x in a.tolist()]
    values = a.tolist()
    if typ is int and a.dtype.kind == "f":
        return [round(x) for x in values]
    if typ is float and a.dtype.kind in "iu":
        return [float(x) for x in values]
    return values


def _column(path: str, values: list[Any]) -> np.ndarray:
    """A column of generated values (None where the generator gives none)."""
    if SPECS[path].kind in ("float", "int") and set(map(type, values)) <= {
        float, int, type(None)
    }:
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return np.array(values, dtype=object)


def absolute_boundaries(portfolio: Portfolio) -> Portfolio:
    """``portfolio`` with every boundary path absolute ("" where there is none), resolved as its
    proposal reads it: against the proposal file's (or CSV queue's) folder; a row without a
    proposal object against the cwd. A task re-makes a changed row from the columns, without its
    file, and a resumed sweep reads the store's: both must find the boundary whatever folder the
    sweep is started from."""
    col = portfolio.columns.get("location.boundary")
    if col is None:
        return portfolio
    if portfolio.proposals is not None:
        cells = [
            "" if (b := p.boundary_path()) is None else str(b.resolve())
            for p in portfolio.proposals
        ]
    else:
        resolved: dict[str, str] = {}
        cells = [
            resolved.setdefault(v, str(Path(v).resolve())) if v else ""
            for v in ("" if v is None else str(v) for v in col.tolist())
        ]
    if cells == col.tolist():
        return portfolio
    out = Portfolio(
        {**portfolio.columns, "location.boundary": np.array(cells, dtype=object)},
        portfolio.source,
        validate=False,
    )
    out.proposals = portfolio.proposals
    return out


#: the kinds of field stored in the number table (booleans as 0/1) and in the text table
NUMBER_KINDS = ("float", "int", "bool")


def stored_columns(portfolio: Portfolio) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Validated columns as the store keeps them: ``(number_fields, numbers, text_fields,
    texts)``, numbers ``(proposal, number_field)`` as floats (booleans 0/1, a blank cell NaN) and
    texts ``(proposal, text_field)`` as strings (a blank cell ""; dates as ISO 8601; the
    boundary's path made absolute, resolved against the proposal file's folder as the proposal
    reads it, so the store explains itself anywhere). Every field of the
    input contract, in its order; :func:`from_stored` reads them back."""
    number_fields = [k for k, f in SPECS.items() if f.kind in NUMBER_KINDS]
    text_fields = [k for k in SPECS if k not in number_fields]
    n = len(portfolio)
    numbers = np.empty((n, len(number_fields)))
    for j, path in enumerate(number_fields):
        numbers[:, j] = np.asarray(portfolio.columns[path], dtype=float)
    texts = np.empty((n, len(text_fields)), dtype=object)
    columns = absolute_boundaries(portfolio).columns
    for j, path in enumerate(text_fields):
        texts[:, j] = ["" if v is None else str(v) for v in columns[path].tolist()]
    return number_fields, numbers, text_fields, texts


def from_stored(
    number_fields: list[str],
    numbers: np.ndarray,
    text_fields: list[str],
    texts: np.ndarray,
    source: str,
) -> Portfolio:
    """The portfolio of :func:`stored_columns`' tables, typed as validation types it (no
    re-validation: the store holds validated columns). A field the tables lack is refused: the
    store was written by a restoresim whose contract differs."""
    missing = [k for k in SPECS if k not in number_fields and k not in text_fields]
    if missing:
        raise InputError(
            _(
                "{source}: the stored portfolio lacks the fields {fields}; it was written by "
                "another version of restoresim",
                source=source, fields=", ".join(missing),
            )
        )
    cols: dict[str, np.ndarray] = {}
    for j, path in enumerate(number_fields):
        col = np.asarray(numbers[:, j], dtype=float)
        cols[path] = col.astype(bool) if SPECS[path].kind == "bool" else col
    for j, path in enumerate(text_fields):
        cells = [str(v) for v in np.asarray(texts[:, j]).tolist()]
        if path != "location.boundary":  # there "" is the contract's own "no boundary"
            cells = [v if v else None for v in cells]  # type: ignore[misc]
        cols[path] = np.array(cells, dtype=object)
    out = Portfolio({k: cols[k] for k in SPECS}, source, validate=False)
    return out


# --------------------------------------------------------------------------------------------
# files, folder, CSV


def _expand(patterns: Iterable[str], base: Path, source: str) -> list[Path]:
    paths: list[Path] = []
    problems = []
    for pattern in patterns:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base / full
        hits = sorted(Path(h) for h in glob.glob(str(full)))
        if not hits:
            what = "file not found" if glob.escape(str(full)) == str(full) else "matches no file"
            problems.append(f"{source}: [portfolio] files: {pattern!r}: {what} (looked for {full})")
        paths.extend(h for h in hits if h not in paths)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return paths


def load_portfolio(spec: SweepSpec) -> list[Proposal]:
    """Every proposal of the sweep, validated, in a stable order."""
    portfolio = load_portfolio_columns(spec)
    return portfolio.proposals if portfolio.proposals is not None else list(portfolio)


def load_portfolio_columns(spec: SweepSpec) -> Portfolio:
    """Every proposal of the sweep, validated, in a stable order, as columns (a synthetic
    portfolio never becomes proposal objects)."""
    section = spec.portfolio
    if section.synthetic is not None:
        return synthetic_portfolio(spec, str(spec.source_path or "<data>"))
    return Portfolio.from_proposals(_load_proposals(spec))


def _load_proposals(spec: SweepSpec) -> list[Proposal]:
    """The proposals of a portfolio of files, a folder or a CSV queue, validated."""
    shown = str(spec.source_path or "<data>")
    section = spec.portfolio
    if section.files is not None:
        base = spec.source_path.parent if spec.source_path is not None else Path.cwd()
        return load_proposals(_expand(section.files, base, shown))
    key, rel = ("csv", section.csv) if section.csv is not None else ("folder", section.folder)
    path = spec.resolve_path(str(rel))
    if (key == "csv" and not path.is_file()) or (key == "folder" and not path.is_dir()):
        raise InputError(
            _(
                "{shown}: [portfolio] {key} = {rel}: {key} not found (looked for {path})",
                shown=shown, key=key, rel=repr(rel), path=path,
            )
        )
    apps = read_queue(path)
    problems = _row_problems(apps, str(path.name))
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return [a.proposal for a in apps if a.proposal is not None]


def _row_problems(apps: Iterable[Any], shown: str) -> list[str]:
    """The problems of a queue's rows, each said once (:func:`sim.batch.said_once`), at most
    :data:`sim.portfolio.MAX_PROBLEMS` lines."""
    bad = [(a.source, str(a.error)) for a in apps if a.error is not None]
    said = [line for lines in said_once(bad) for line in lines]
    if len(said) > MAX_PROBLEMS:
        left = len(said) - MAX_PROBLEMS
        said = [*said[:MAX_PROBLEMS], _("{src}: … and {n} more problems", src=shown, n=left)]
    return said
