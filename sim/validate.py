"""Validation against real sites: simulated cost against the cost Chinese sources state.

The cases are proposal files in ``scenarios/real-cases/`` (one per costed site, its sources
and every assumption in its header) and a data file ``cases.toml`` there with, per proposal
id, the stated cost, its kind (plan, actual spend, revegetation only), what it covers and the
source. :func:`evaluate_cases` runs the engine on all of them (fixed seed) and returns, per
case, the stated cost against our P05/P10/P50/P90/P95, the ratio P50 / stated and whether
the stated figure lies inside P05–P95, and the summary the calibration criteria of issue #13
item 6 use (every costed case inside P05–P95; median P50 / stated within 0.67–1.5).

A stated cost that covers only some works (``compare`` = a list of measures) is compared with
the same share of every draw's cost: the share those measures, with their fees, take of the
cost at median factors (:func:`sim.breakdown.cost_by_measure_cny`). Per-measure cost factors
vary by draw, so this is a close approximation, not the exact part of each draw.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.i18n import N_, NP_, _, current_lang, gettext, pgettext

#: the folder of the shipped cases (a source checkout or an editable install)
#: where the shipped cases live in a source checkout (relative to its root)
CASES_SUBDIR = Path("scenarios") / "real-cases"


def default_cases_dir() -> Path:
    """The shipped cases: ``scenarios/real-cases`` of the current folder (a source checkout,
    as CI and the tests run) or of the checkout this package was installed from in editable
    mode; the wheel carries no scenarios, so elsewhere ``--cases DIR`` names them."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / CASES_SUBDIR / "cases.toml").is_file():
            return root / CASES_SUBDIR
    return Path.cwd() / CASES_SUBDIR


DEFAULT_DRAWS = 500
DEFAULT_SEED = 0
KINDS = ("plan", "actual", "revegetation_only")
QUANTILES = (0.05, 0.1, 0.5, 0.9, 0.95)
#: issue #13 item 6: the median of P50 / stated must lie in this range
RATIO_RANGE = (0.67, 1.5)
_FIELDS = {
    "file": N_("the proposal file, relative to the cases folder"),
    "site": N_("the site's name"),
    "stated_cost_cny": N_("the stated cost in CNY, positive"),
    "kind": N_("one of {kinds}"),
    "covers": N_("what the stated cost pays for"),
    "compare": N_('"total" or a list of measures'),
    "calibration": N_("true or false"),
    "exclude_reason": N_("why the case is left out of the calibration check"),
    "source": N_("the source's address"),
}


def _field_text(name: str) -> str:
    """What field ``name`` of a case takes, in the current language."""
    return gettext(_FIELDS[name]).format(kinds=", ".join(KINDS))


_REQUIRED = (
    "file",
    "site",
    "stated_cost_cny",
    "kind",
    "covers",
    "compare",
    "calibration",
    "source",
)


@dataclass(frozen=True)
class Case:
    """One real site: its proposal file and the cost its source states."""

    id: str
    file: Path
    site: str
    stated_cost_cny: float
    kind: str
    covers: str
    compare: tuple[str, ...] | None  # None: the whole cost
    calibration: bool
    exclude_reason: str
    source: str


@dataclass(frozen=True)
class Row:
    """The stated cost of one case against our cost distribution [CNY]."""

    id: str
    site: str
    kind: str
    compared: str
    stated_cost_cny: float
    p05_cny: float
    p10_cny: float
    p50_cny: float
    p90_cny: float
    p95_cny: float
    ratio: float  # P50 / stated
    inside: bool  # stated within [P05, P95]
    log_mean: float  # mean of ln(cost / CNY) over the draws
    log_sd: float  # standard deviation of ln(cost / CNY) over the draws
    calibration: bool
    covers: str
    source: str


@dataclass(frozen=True)
class Validation:
    """Rows per case and the summary over the calibration cases."""

    rows: list[Row]
    draws: int
    seed: int

    @property
    def calibrated(self) -> list[Row]:
        return [r for r in self.rows if r.calibration]

    @property
    def median_ratio(self) -> float:
        rows = self.calibrated
        return float(np.median([r.ratio for r in rows])) if rows else math.nan

    @property
    def inside_count(self) -> int:
        return sum(r.inside for r in self.calibrated)

    @property
    def passes(self) -> bool:
        """Issue #13 item 6: every calibration case inside P05–P95 and the median ratio in
        :data:`RATIO_RANGE`."""
        lo, hi = RATIO_RANGE
        rows = self.calibrated
        return bool(rows) and self.inside_count == len(rows) and lo <= self.median_ratio <= hi

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "seed": self.seed,
            "rows": [asdict(r) for r in self.rows],
            "summary": {
                "cases": len(self.rows),
                "calibration_cases": len(self.calibrated),
                "inside_p05_p95": self.inside_count,
                "median_ratio_p50_to_stated": (
                    None if math.isnan(self.median_ratio) else self.median_ratio
                ),
                "ratio_range": list(RATIO_RANGE),
                "passes": self.passes,
            },
        }


# ------------------------------------------------------------------------------------------
# cases


def _bad(path: Path, case: str, field: str, value: Any, allowed: str) -> InputError:
    return InputError(
        _(
            "{path}: [cases.{case}] {field} = {value}: expected {allowed}",
            path=path,
            case=case,
            field=field,
            value=repr(value),
            allowed=allowed,
        )
    )


def load_cases(folder: str | Path | None = None) -> list[Case]:
    """Read ``cases.toml`` of ``folder``; bad entries raise :class:`InputError` naming the file,
    the case, the field, the value and what is allowed."""
    from sim.keys import MEASURES

    shipped = folder is None
    folder = default_cases_dir() if folder is None else Path(folder)
    path = folder / "cases.toml"
    if not path.is_file():
        if shipped:
            raise InputError(
                _(
                    "--cases {folder}: no cases.toml in this folder (the shipped cases are in a "
                    "source checkout's scenarios/real-cases; run from its root or pass its path)",
                    folder=folder,
                )
            )
        raise InputError(_("--cases {folder}: no cases.toml in this folder", folder=folder))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            _("{path}: not a valid UTF-8 TOML file ({error})", path=path, error=exc)
        ) from None
    extra = sorted(set(doc) - {"cases"})
    if extra or not isinstance(doc.get("cases"), dict) or not doc["cases"]:
        raise InputError(
            _(
                "{path}: expected only [cases.<proposal id>] tables, found {found}",
                path=path,
                found=", ".join(extra) if extra else _("none"),
            )
        )
    measures = (*MEASURES,)
    out = []
    for cid, t in doc["cases"].items():
        if not isinstance(t, dict):
            raise _bad(path, cid, "(table)", t, _("a table of {fields}", fields=", ".join(_FIELDS)))
        for k in t:
            if k not in _FIELDS:
                raise _bad(
                    path,
                    cid,
                    k,
                    t[k],
                    _("no such field; allowed: {fields}", fields=", ".join(_FIELDS)),
                )
        for k in _REQUIRED:
            if k not in t:
                raise InputError(
                    _(
                        "{path}: [cases.{case}] {field} is missing ({what})",
                        path=path,
                        case=cid,
                        field=k,
                        what=_field_text(k),
                    )
                )
        for k in ("file", "site", "covers", "source"):
            if not isinstance(t[k], str) or not t[k].strip():
                raise _bad(path, cid, k, t[k], _("a non-empty string"))
        cost = t["stated_cost_cny"]
        if isinstance(cost, bool) or not isinstance(cost, int | float) or not 0 < cost < math.inf:
            raise _bad(path, cid, "stated_cost_cny", cost, _field_text("stated_cost_cny"))
        if t["kind"] not in KINDS:
            raise _bad(path, cid, "kind", t["kind"], _field_text("kind"))
        cmp = t["compare"]
        if cmp == "total":
            compare = None
        elif (
            isinstance(cmp, list)
            and cmp
            and all(isinstance(m, str) for m in cmp)
            and len(set(cmp)) == len(cmp)
        ):
            wrong = [m for m in cmp if m not in measures]
            if wrong:
                raise _bad(
                    path,
                    cid,
                    "compare",
                    wrong[0],
                    _("a measure: {measures}", measures=", ".join(measures)),
                )
            compare = tuple(cmp)
        else:
            raise _bad(path, cid, "compare", cmp, _('"total" or a list of distinct measures'))
        if not isinstance(t["calibration"], bool):
            raise _bad(path, cid, "calibration", t["calibration"], _field_text("calibration"))
        reason = t.get("exclude_reason", "")
        if not t["calibration"] and not (isinstance(reason, str) and reason.strip()):
            raise InputError(
                _(
                    "{path}: [cases.{case}] calibration = false needs exclude_reason (why the case "
                    "is left out of the calibration check)",
                    path=path,
                    case=cid,
                )
            )
        file = folder / t["file"]
        if not file.is_file():
            raise _bad(
                path, cid, "file", t["file"], _("a proposal file in {folder}", folder=folder)
            )
        out.append(
            Case(
                id=cid,
                file=file,
                site=t["site"],
                stated_cost_cny=float(cost),
                kind=t["kind"],
                covers=t["covers"],
                compare=compare,
                calibration=t["calibration"],
                exclude_reason=str(reason),
                source=t["source"],
            )
        )
    return out


# ------------------------------------------------------------------------------------------
# evaluation


def matching_share(resolved: dict[str, Any], measures: Sequence[str]) -> float:
    """Share of the cost at median factors taken by ``measures`` with their fees.

    Works carry the works fee multiplier, aftercare the aftercare one (model/SPEC.md §5), so the
    share of a measure is its item times its multiplier over the whole cost.
    """
    from sim.breakdown import cost_by_measure_cny
    from sim.model import cost

    items = cost_by_measure_cny(resolved)
    m_w, m_a = cost.fee_multiplier_pair(
        *(
            float(resolved[k])
            for k in ("profit_rate", "tax_rate", "other_fees_rate", "contingency_rate")
        )
    )
    part = sum(items[m] * (m_a if m == "aftercare" else m_w) for m in measures)
    total = sum(items.values())
    return float(part / total) if total > 0 else 0.0


def evaluate_cases(
    cases: Sequence[Case],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    overrides: dict[str, float] | None = None,
) -> Validation:
    """Run the engine on every case (default policy; the packaged parameter library, with
    ``overrides`` by dotted name when given) and compare."""
    from sim import engine
    from sim.params import load_library
    from sim.proposal import load_policy, load_proposals
    from sim.resolve import resolve

    proposals = load_proposals([c.file for c in cases])
    for c, p in zip(cases, proposals, strict=True):
        if p.proposal.id != c.id:
            raise InputError(
                _(
                    "{file}: [proposal] id = {value}: expected {expected}, the key of its entry "
                    "in cases.toml",
                    file=c.file,
                    value=repr(p.proposal.id),
                    expected=repr(c.id),
                )
            )
    policy, lib = load_policy(), load_library(overrides)
    res = engine.run(proposals, policy, draws=draws, seed=seed, lib=lib, raw=True)
    assert res.raw is not None
    rows = []
    for i, (c, p) in enumerate(zip(cases, proposals, strict=True)):
        cost = np.asarray(res.raw["cost_cny"].values[i], dtype=float)
        share = 1.0 if c.compare is None else matching_share(resolve(p, policy, lib), c.compare)
        compared = cost * share
        q = np.quantile(compared, QUANTILES)
        log_cost = np.log(compared)
        rows.append(
            Row(
                id=c.id,
                site=c.site,
                kind=c.kind,
                compared="total" if c.compare is None else "+".join(c.compare),
                stated_cost_cny=c.stated_cost_cny,
                p05_cny=float(q[0]),
                p10_cny=float(q[1]),
                p50_cny=float(q[2]),
                p90_cny=float(q[3]),
                p95_cny=float(q[4]),
                ratio=float(q[2] / c.stated_cost_cny),
                inside=bool(q[0] <= c.stated_cost_cny <= q[4]),
                log_mean=float(log_cost.mean()),
                log_sd=float(log_cost.std(ddof=1)),
                calibration=c.calibration,
                covers=c.covers,
                source=c.source,
            )
        )
    return Validation(rows=rows, draws=draws, seed=seed)


# ------------------------------------------------------------------------------------------
# the spread the real cases support

#: the parameter the real cases calibrate: the log-sd of the cost factor every measure of a
#: draw shares (model/SPEC.md §5), i.e. how far an application-stage estimate is from what a
#: site turns out to cost
SIGMA_PARAM = "cost.common_factor_sigma"
#: the values tried, 0.20 to 0.80 by 0.05 (AACE class 5 spans about 0.2 to 0.55 at P10/P90)
SIGMA_GRID: tuple[float, ...] = tuple(round(0.20 + 0.05 * i, 2) for i in range(13))
#: the drop of the summed log score that bounds the 95 % likelihood interval (chi2(1) 0.95 / 2)
LIKELIHOOD_DROP = 1.92
#: at least this share of the cases must lie inside P05–P95 at the value fitted without them
#: (a 90 % band covers 90 % of new cases on average)
LEAVE_ONE_OUT_MIN = 0.8


def log_score(row: Row) -> float:
    """Log density of the stated cost under a lognormal with the draws' log mean and log-sd,
    less the terms that do not depend on the model (a proper score: higher is better)."""
    z = (math.log(row.stated_cost_cny) - row.log_mean) / row.log_sd
    return -math.log(row.log_sd) - 0.5 * z * z


@dataclass(frozen=True)
class SigmaFit:
    """The cases run at every value of :data:`SIGMA_GRID` (same seed: common random numbers)."""

    grid: tuple[float, ...]
    runs: list[Validation]

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.runs[0].calibrated]

    @property
    def scores(self) -> np.ndarray:
        """Log score [grid value, calibration case]."""
        return np.array([[log_score(r) for r in v.calibrated] for v in self.runs])

    def _kept(self, leave_out: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Summed score per grid value and coverage [grid value, case] without one case."""
        s = self.scores
        inside = np.array([[r.inside for r in v.calibrated] for v in self.runs])
        if leave_out is not None:
            s, inside = np.delete(s, leave_out, axis=1), np.delete(inside, leave_out, axis=1)
        return s.sum(axis=1), inside

    def best(self, leave_out: int | None = None) -> int:
        """Index of the maximum-likelihood grid value (without one case)."""
        return int(np.argmax(self._kept(leave_out)[0]))

    def chosen(self, leave_out: int | None = None) -> int:
        """Index of the value the library takes (without one case): the smallest grid value
        inside the 95 % likelihood interval (summed score within :data:`LIKELIHOOD_DROP` of the
        maximum) at which every case lies inside P05–P95; the maximum when there is none."""
        total, inside = self._kept(leave_out)
        ok = (total >= total.max() - LIKELIHOOD_DROP) & inside.all(axis=1)
        return int(np.flatnonzero(ok)[0]) if ok.any() else int(np.argmax(total))

    @property
    def sigma_ml(self) -> float:
        """The maximum-likelihood value over the grid, all calibration cases."""
        return self.grid[self.best()]

    @property
    def sigma(self) -> float:
        """The value the library takes (:meth:`chosen`), all calibration cases."""
        return self.grid[self.chosen()]

    @property
    def interval(self) -> tuple[float, float]:
        """The grid values inside the 95 % likelihood interval: lowest, highest."""
        total = self.scores.sum(axis=1)
        k = np.flatnonzero(total >= total.max() - LIKELIHOOD_DROP)
        return self.grid[k[0]], self.grid[k[-1]]

    def leave_one_out(self) -> list[tuple[str, float, bool]]:
        """Per case: the value the rule of :meth:`chosen` picks without it and whether its
        stated cost then lies inside our P05–P95 (a check the fit does not see)."""
        out = []
        for i, case_id in enumerate(self.ids):
            k = self.chosen(leave_out=i)
            out.append((case_id, self.grid[k], self.runs[k].calibrated[i].inside))
        return out


def fit_sigma(
    cases: Sequence[Case],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    grid: Sequence[float] = SIGMA_GRID,
    progress: bool = False,
) -> SigmaFit:
    """Run the cases at every value of ``grid`` for :data:`SIGMA_PARAM` (maximum likelihood of
    the stated costs, and its leave-one-out check); ``progress``: a bar over the grid on
    stderr, if it is a terminal."""
    from tqdm import tqdm

    values = tqdm(
        grid, desc=SIGMA_PARAM, unit="value", leave=False, file=sys.stderr, mininterval=0,
        disable=not progress or not sys.stderr.isatty(), dynamic_ncols=True,
    )  # fmt: skip
    runs = [
        evaluate_cases(cases, draws=draws, seed=seed, overrides={SIGMA_PARAM: float(g)})
        for g in values
    ]
    return SigmaFit(grid=tuple(float(g) for g in grid), runs=runs)


def format_fit(fit: SigmaFit, current: float) -> str:
    """The grid's summed log scores, coverage and median ratio, the fit and the leave-one-out."""
    lines = [_("{name}: log score of the stated costs (higher is better)", name=SIGMA_PARAM), ""]
    head = [_("value"), _("log score"), _("inside P05-P95"), _("median P50/stated")]
    total = fit.scores.sum(axis=1)
    rows, marks = [], []
    for g, t, v in zip(fit.grid, total, fit.runs, strict=True):
        labels = [
            label
            for label, on in (
                (_("max. likelihood"), g == fit.sigma_ml),
                (_("fit"), g == fit.sigma),
                (_("library"), g == current),
            )
            if on
        ]
        marks.append(f"  <- {_(', ').join(labels)}" if labels else "")
        inside = _("{k} of {n}", k=v.inside_count, n=len(v.calibrated))
        rows.append([f"{g:.2f}", f"{t:.2f}", inside, f"{v.median_ratio:.2f}"])
    widths = [max(_width(r[j]) for r in [head, *rows]) for j in range(len(head))]

    def line(cells: list[str], left: int | None) -> str:
        """Numbers right-aligned, the text column (``left``) left-aligned."""
        return "  " + "  ".join(
            c + " " * (w - _width(c)) if j == left else " " * (w - _width(c)) + c
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    lines.append(line(head, left=2))
    lines += [line(r, left=2) + m for r, m in zip(rows, marks, strict=True)]
    loo = fit.leave_one_out()
    lo, hi = fit.interval
    lines += [
        "",
        _(
            "maximum likelihood: {ml}; 95 % likelihood interval {lo}-{hi}",
            ml=f"{fit.sigma_ml:.2f}",
            lo=f"{lo:.2f}",
            hi=f"{hi:.2f}",
        ),
        _(
            "fit: {fit}, the smallest value in that interval with every case inside P05-P95 "
            "(the library has {current})",
            fit=f"{fit.sigma:.2f}",
            current=f"{current:.2f}",
        ),
        "",
        _("leave one out: each case against the value the same rule picks without it"),
    ]
    for case_id, g, inside in loo:
        where = _("inside P05-P95") if inside else _("OUTSIDE P05-P95")
        lines.append(f"  {case_id}  {g:.2f}  {where}")
    n_in = sum(ok for _case, _g, ok in loo)
    lines.append("  " + _("{k} of {n} inside when left out", k=n_in, n=len(loo)))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# output


def _wan(x: float) -> str:
    return f"{x / 1e4:,.2f}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


#: the table's columns (in the current language when shown)
_HEAD = (
    NP_("validation column", "id"),
    NP_("validation column", "site"),
    NP_("validation column", "kind"),
    NP_("validation column", "compared"),
    NP_("validation column", "stated 万"),
    "P05",
    "P10",
    "P50",
    "P90",
    "P95",
    NP_("validation column", "P50/stated"),
    NP_("validation column", "in P05–P95"),
)
#: what a stated cost is, as the table says it
KIND_LABELS = {
    "plan": NP_("validation kind", "plan"),
    "actual": NP_("validation kind", "actual"),
    "revegetation_only": NP_("validation kind", "revegetation only"),
}

#: whether the stated cost lies inside P05–P95; the whole simulated cost compared
_YES, _NO = NP_("validation", "yes"), NP_("validation", "no")
_TOTAL = NP_("validation compared", "total")


def _head() -> list[str]:
    return [pgettext("validation column", h) for h in _HEAD]


def _compared(r: Row) -> str:
    """What of the simulated cost is compared: the total or the named measures."""
    if r.compared == "total":
        return pgettext("validation compared", _TOTAL)
    if current_lang() == "en":
        return r.compared
    from sim.model.measures import MEASURES

    labels = {m.name: gettext(m.label) for m in MEASURES}
    return " + ".join(labels.get(name, name) for name in r.compared.split("+"))


def _cells(r: Row) -> list[str]:
    inside = pgettext("validation", _YES if r.inside else _NO)
    return [
        r.id,
        r.site,
        pgettext("validation kind", KIND_LABELS[r.kind]),
        _compared(r),
        _wan(r.stated_cost_cny),
        *(_wan(x) for x in (r.p05_cny, r.p10_cny, r.p50_cny, r.p90_cny, r.p95_cny)),
        f"{r.ratio:.2f}",
        inside + ("" if r.calibration else _(" (excluded)")),
    ]


def _summary_line(v: Validation) -> str:
    lo, hi = RATIO_RANGE
    return _(
        "median P50/stated {median} (criterion {lo}–{hi}); {inside} of {n} stated costs inside "
        "P05–P95 (criterion: all); calibration {outcome} ({draws} draws, seed {seed}; costs in "
        "万元 = 10,000 CNY)",
        median=f"{v.median_ratio:.2f}",
        lo=lo,
        hi=hi,
        inside=v.inside_count,
        n=len(v.calibrated),
        outcome=_("passes") if v.passes else _("fails"),
        draws=v.draws,
        seed=v.seed,
    )


def format_table(v: Validation) -> str:
    """Plain-text table for the terminal."""
    cells = [_head(), *(_cells(r) for r in v.rows)]
    widths = [max(_width(row[j]) for row in cells) for j in range(len(_HEAD))]
    lines = [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, "", _summary_line(v)])


def markdown_table(v: Validation) -> str:
    """The Markdown table the README's "Validation against real sites" section carries."""
    out = ["| " + " | ".join(_head()) + " |", "|" + "---|" * len(_HEAD)]
    out += ["| " + " | ".join(_cells(r)) + " |" for r in v.rows]
    return "\n".join([*out, "", _summary_line(v) + "."])


# ------------------------------------------------------------------------------------------
# command line


def add_parser(sub: Any) -> None:
    """Register ``restoresim validate``."""
    from sim.cli import _add_lang, _positive_int

    va = sub.add_parser(
        "validate",
        help=_("compare simulated restoration costs with the costs real Chinese sites state"),
        description=_(
            "Run the real cases (scenarios/real-cases: proposal files and cases.toml "
            "with each stated cost and its source) and print, per case, the stated cost, our "
            "P05/P10/P50/P90/P95, the ratio P50/stated and whether the stated cost lies inside "
            "P05–P95, then the calibration criteria (all inside; median ratio {low}–{high}). "
            "The cases come with the source checkout (git clone), not with pip install: run from "
            "its root or give --cases.",
            low=RATIO_RANGE[0],
            high=RATIO_RANGE[1],
        ),
    )
    va.add_argument(
        "--draws",
        type=_positive_int("--draws", 1, 1_000_000),
        default=DEFAULT_DRAWS,
        help=_("Monte-Carlo draws per case (default {n})", n=DEFAULT_DRAWS),
    )
    va.add_argument(
        "--seed",
        type=_positive_int("--seed", 0, 2**63 - 1),
        default=DEFAULT_SEED,
        help=_("run seed (default {seed})", seed=DEFAULT_SEED),
    )
    va.add_argument("--json", action="store_true", help=_("print the rows and summary as JSON"))
    va.add_argument("--markdown", action="store_true", help=_("print the Markdown table"))
    va.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help=_(
            "folder with cases.toml and the proposal files (default: the shipped cases, "
            "scenarios/real-cases of the source checkout)"
        ),
    )
    va.add_argument(
        "--fit-sigma",
        action="store_true",
        help=_(
            "fit {param} to the stated costs (maximum likelihood over {low}–{high}) and check "
            "it leaving each case out",
            param=SIGMA_PARAM,
            low=SIGMA_GRID[0],
            high=SIGMA_GRID[-1],
        ),
    )
    va.add_argument(
        "--check",
        action="store_true",
        help=_("exit with status 1 when the calibration criteria fail"),
    )
    _add_lang(va)


def command(args: argparse.Namespace) -> int:
    """``restoresim validate``: print the table (or JSON); with --check, 1 on failure."""
    if args.fit_sigma:
        from sim.params import load_library

        fit = fit_sigma(load_cases(args.cases), draws=args.draws, seed=args.seed, progress=True)
        current = float(load_library().params[SIGMA_PARAM].value)  # type: ignore[arg-type]
        print(format_fit(fit, current))
        return 0
    v = evaluate_cases(load_cases(args.cases), draws=args.draws, seed=args.seed)
    if args.json:
        print(json.dumps(v.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    elif args.markdown:
        print(markdown_table(v))
    else:
        print(format_table(v))
    return 1 if args.check and not v.passes else 0
