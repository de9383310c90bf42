"""Columnar portfolios: many proposals as one validated table.

A :class:`Portfolio` holds proposals as columns named by the field paths of the input contract
(``extraction.reserves_mt``, ``restoration.target_land_use.forest``, ``proposal.region`` …), so
the engine can resolve and stream 100,000 applications without building 100,000 pydantic
objects (≈ 6.5 KB and 170 µs each). The checks are those of :mod:`sim.proposal`, applied to
whole columns: bounds read from the proposal models' own field constraints, allowed categories
from the parameter library, land-use shares summing to 1, the plausible life, unique ids; a bad
value is reported with its row, id, field, value and what is allowed. Any row can be turned back
into a validated :class:`sim.proposal.Proposal` (:meth:`Portfolio.proposal`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from annotated_types import Ge, Gt, Le, Lt

from sim.errors import InputError, allowed_list
from sim.keys import LAND_USES
from sim.params import load_library
from sim.proposal import (
    LAND_USE_SUM_TOLERANCE,
    MAX_LIFE_YEARS,
    Extraction,
    Finance,
    ProposalSection,
    Restoration,
    Site,
    parse_proposal,
)

SECTIONS = {"extraction": Extraction, "site": Site, "restoration": Restoration, "finance": Finance}
TEXT_FIELDS = (
    "proposal.id",
    "proposal.name",
    "proposal.mineral",
    "proposal.method",
    "proposal.region",
    "site.substrate",
    "finance.fund_basis",
)
SHARE_FIELDS = tuple(f"restoration.target_land_use.{lu}" for lu in LAND_USES)
MAX_PROBLEMS = 20


def _numeric_fields() -> dict[str, tuple[type, list[Any], Any]]:
    """Field path -> (kind, constraints, default) for every numeric or boolean field."""
    out: dict[str, tuple[type, list[Any], Any]] = {}
    lic = ProposalSection.model_fields["licensed_area_ha"]
    out["proposal.licensed_area_ha"] = (float, list(lic.metadata), lic.default)
    for section, model in SECTIONS.items():
        for name, info in model.model_fields.items():
            ann = info.annotation
            text = str(ann)
            if ann is bool or "bool" in text:
                kind: type = bool
            elif ann is int or text == "<class 'int'>":
                kind = int
            elif ann is float or ("float" in text and "dict" not in text):
                kind = float
            else:
                continue
            out[f"{section}.{name}"] = (kind, list(info.metadata), info.default)
    return out


NUMERIC = _numeric_fields()
OPTIONAL_FROM_MINERAL = {
    "extraction.rock_density_t_per_m3": "density_t_per_m3",
    "site.substrate": "substrate",
}


class Portfolio:
    """Proposals as validated columns (see the module docstring).

    Parameters
    ----------
    columns : field path -> values (one per proposal); missing optional fields take the
        contract's documented defaults (density and substrate from the mineral table).
    source : name used in error messages (a file name, "<synthetic>" …).
    validate : set False only for columns taken from already validated proposals.
    """

    def __init__(
        self, columns: Mapping[str, Any], source: str = "<portfolio>", *, validate: bool = True
    ) -> None:
        self.source = source
        cols = {k: np.asarray(v) for k, v in columns.items()}
        n = {len(v) for v in cols.values()}
        if len(n) > 1:
            raise InputError(f"{source}: columns have different lengths {sorted(n)}")
        self.n = n.pop() if n else 0
        self.columns = cols
        if validate:
            self._fill_and_check()

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_proposals(cls, proposals: Sequence[Any]) -> Portfolio:
        """Columns of validated :class:`~sim.proposal.Proposal` objects (no re-validation)."""
        cols: dict[str, Any] = {}
        for path in (*TEXT_FIELDS, *NUMERIC):
            section, name = path.split(".")
            cols[path] = [getattr(getattr(p, section), name) for p in proposals]
        for lu, path in zip(LAND_USES, SHARE_FIELDS, strict=True):
            cols[path] = [float(p.restoration.target_land_use.get(lu, 0.0)) for p in proposals]
        cols["location.boundary"] = [
            (p.location.boundary if p.location is not None else "") for p in proposals
        ]
        out = cls(
            {
                k: np.asarray(
                    v, dtype=object if k in TEXT_FIELDS or k.startswith("location") else None
                )
                for k, v in cols.items()
            },
            validate=False,
        )
        out.proposals = list(proposals)
        return out

    proposals: list[Any] | None = None

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
        return out

    def record(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a nested mapping in the input-file structure."""
        data: dict[str, Any] = {
            "proposal": {},
            "extraction": {},
            "site": {},
            "restoration": {},
            "finance": {},
        }
        for path, values in self.columns.items():
            parts = path.split(".")
            v = values[i]
            v = v.item() if hasattr(v, "item") else v
            if parts[0] == "location":
                if v:
                    data["location"] = {"boundary": v}
                continue
            if len(parts) == 3:
                if v:
                    data["restoration"].setdefault("target_land_use", {})[parts[2]] = v
                continue
            kind = NUMERIC.get(path, (None,))[0]
            if kind is int:
                v = int(v)
            elif kind is bool:
                v = bool(v)
            data[parts[0]][parts[1]] = v
        return data

    def proposal(self, i: int) -> Any:
        """Row ``i`` as a validated :class:`~sim.proposal.Proposal`."""
        if self.proposals is not None:
            return self.proposals[i]
        return parse_proposal(self.record(i), f"{self.source} row {i}")

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.n):
            yield self.proposal(i)

    # -- validation ---------------------------------------------------------------------------
    def _fill_and_check(self) -> None:
        lib = load_library()
        cols, n, src = self.columns, self.n, self.source
        problems: list[str] = []
        ids = cols.get("proposal.id")

        def where(rows: np.ndarray) -> list[int]:
            return list(np.flatnonzero(rows)[:MAX_PROBLEMS])

        def row_name(i: int) -> str:
            return f"row {i}" + (f" (id {ids[i]})" if ids is not None else "")

        def label(path: str) -> str:
            parts = path.split(".")
            return f"[{parts[0]}] {'.'.join(parts[1:])}"

        for path in ("proposal.id", "proposal.mineral", "proposal.region"):
            if path not in cols:
                problems.append(f"{src}: column {path} is missing (required)")
        cols.setdefault("proposal.name", np.array(cols["proposal.id"], dtype=object))
        cols.setdefault("proposal.method", np.array(["open_pit"] * n, dtype=object))
        cols.setdefault("finance.fund_basis", np.array(["plan_cost_by_output"] * n, dtype=object))
        cols.setdefault("location.boundary", np.array([""] * n, dtype=object))
        if problems:
            raise InputError("\n".join(problems), problems=problems)
        minerals = cols["proposal.mineral"].astype(str)
        for path, key in OPTIONAL_FROM_MINERAL.items():
            default = np.array(
                [lib.minerals[m][key] if m in lib.minerals else np.nan for m in minerals],
                dtype=object,
            )
            if path not in cols:
                cols[path] = default
            else:
                v = cols[path]
                missing = np.array(
                    [x is None or (isinstance(x, float) and np.isnan(x)) or x == "" for x in v]
                )
                cols[path] = np.where(missing, default, v)
        cols["extraction.rock_density_t_per_m3"] = cols["extraction.rock_density_t_per_m3"].astype(
            float
        )
        for path in SHARE_FIELDS:
            cols.setdefault(path, np.zeros(n))

        allowed = {
            "proposal.mineral": list(lib.minerals),
            "proposal.region": list(lib.regions),
            "site.substrate": list(lib.substrates),
            "proposal.method": ["open_pit"],
            "finance.fund_basis": ["plan_cost_by_output", "revenue_share"],
        }
        for path, ok in allowed.items():
            vals = cols[path].astype(str)
            for i in where(~np.isin(vals, ok)):
                hint = (
                    " (underground mining is not modelled yet)" if vals[i] == "underground" else ""
                )
                problems.append(
                    f"{src}: {row_name(i)}: {label(path)} = {vals[i]!r}: "
                    f"allowed {allowed_list(ok)}{hint}"
                )
        for path, (kind, constraints, default) in NUMERIC.items():
            if path in OPTIONAL_FROM_MINERAL:
                pass
            elif path not in cols:
                if default is None or repr(default) == "PydanticUndefined":
                    problems.append(f"{src}: column {path} is missing (required)")
                    continue
                cols[path] = np.full(n, default)
            try:
                v = cols[path].astype(float)
            except (TypeError, ValueError):
                problems.append(f"{src}: {label(path)}: expected numbers")
                continue
            bad = ~np.isfinite(v)
            for i in where(bad):
                problems.append(
                    f"{src}: {row_name(i)}: {label(path)} = {float(v[i])!r}: "
                    "must be a finite number"
                )
            if kind is int:
                for i in where(~bad & (v != np.round(v))):
                    problems.append(
                        f"{src}: {row_name(i)}: {label(path)} = {float(v[i])!r}: "
                        "expected a whole number"
                    )
            if kind is bool:
                for i in where(~bad & ~np.isin(v, (0.0, 1.0))):
                    problems.append(
                        f"{src}: {row_name(i)}: {label(path)} = {float(v[i])!r}: "
                        "expected true or false"
                    )
            for c in constraints:
                for cls_, attr, op, text in (
                    (Gt, "gt", np.greater, ">"),
                    (Ge, "ge", np.greater_equal, ">="),
                    (Lt, "lt", np.less, "<"),
                    (Le, "le", np.less_equal, "<="),
                ):
                    if isinstance(c, cls_):
                        bound = getattr(c, attr)
                        for i in where(~bad & ~op(v, bound)):
                            problems.append(
                                f"{src}: {row_name(i)}: {label(path)} = {float(v[i])!r}: "
                                f"must be {text} {bound:g}"
                            )
            cols[path] = v.astype(bool) if kind is bool else v
        shares = np.stack([cols[p].astype(float) for p in SHARE_FIELDS], axis=1)
        for i in where((shares < 0).any(axis=1) | (shares > 1).any(axis=1)):
            problems.append(
                f"{src}: {row_name(i)}: [restoration] target_land_use shares must lie in [0, 1]"
            )
        total = shares.sum(axis=1)
        for i in where(np.abs(total - 1.0) > LAND_USE_SUM_TOLERANCE):
            problems.append(
                f"{src}: {row_name(i)}: [restoration] target_land_use shares sum to "
                f"{total[i]:g}: they must sum to 1 (±{LAND_USE_SUM_TOLERANCE:g})"
            )
        if "extraction.reserves_mt" in cols and "extraction.annual_output_mt" in cols:
            with np.errstate(divide="ignore", invalid="ignore"):
                life = cols["extraction.reserves_mt"] / cols["extraction.annual_output_mt"]
            for i in where(life > MAX_LIFE_YEARS):
                problems.append(
                    f"{src}: {row_name(i)}: [extraction] reserves_mt / "
                    f"annual_output_mt = {life[i]:.1f} years: an implausible life "
                    f"(at most {MAX_LIFE_YEARS:g} years)"
                )
        id_strings = cols["proposal.id"].astype(str)
        uniq, counts = np.unique(id_strings, return_counts=True)
        for dup in uniq[counts > 1][:MAX_PROBLEMS]:
            problems.append(
                f"{src}: proposal id '{dup}' appears {counts[uniq == dup][0]} times; "
                "ids must be unique"
            )
        if problems:
            shown = problems[:MAX_PROBLEMS]
            if len(problems) > MAX_PROBLEMS:
                shown.append(f"{src}: … and {len(problems) - MAX_PROBLEMS} more problems")
            raise InputError("\n".join(shown), problems=shown)
        self.columns = cols


def as_portfolio(proposals: Portfolio | Sequence[Any] | Any) -> Portfolio:
    """A portfolio from a portfolio, one proposal, or a sequence of proposals."""
    if isinstance(proposals, Portfolio):
        return proposals
    if not isinstance(proposals, list | tuple):
        proposals = [proposals]
    return Portfolio.from_proposals(proposals)
