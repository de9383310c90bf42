"""The application queue: ``restoresim batch QUEUE --out DIR``.

QUEUE is a folder of proposal files (``*.toml``, ``*.json``) or a CSV file with one application
per row, its columns named by the field paths of ``design/inputs.md`` (``proposal.id``,
``extraction.reserves_mt``, ``restoration.target_land_use.forest``, ...). For every valid
application the batch writes its report (``reports/ID.html``) and a record of its verdict
(``verdicts/ID.json``); at the end ``summary.csv`` and ``summary.html`` list every application,
valid or not, with its verdict, deciding criteria, key metrics and a link to its report.

A malformed application (or a second one with the same id) is listed with its error and does
not stop the batch. Every file is written to a temporary name and renamed, and a record is
written after its report, so ``--resume`` can skip exactly the applications whose outputs are
complete and were made from the same inputs, policy, parameters, seed, draws and version.

The applications are evaluated on worker processes (``--workers``; started with ``spawn``, so
no numba or thread-pool state is inherited), each writing its own report and record; the
parent keeps the queue's order, so every output is the same bytes whatever the number of
workers. Ctrl-C or SIGTERM stops the workers, and none leaves a temporary file behind.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import multiprocessing as mp
import os
import pickle
import re
import signal
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from queue import Empty
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from sim import outputs_registry as registry
from sim.contract import CHINESE_VALUES
from sim.errors import InputError
from sim.i18n import N_, _, current_lang, gettext, resolve_lang, use_lang
from sim.i18n.verdict import change, label, verdict_word
from sim.outputs import atomic_write_text, clean_stale_temp_files, prepare_folder
from sim.params import load_library
from sim.proposal import SUFFIXES, Proposal, load_proposal, parse_proposal, read_document
from sim.quantities import _POWER, HALF_WIDTH, UNITS
from sim.report.analysis import percentile_label
from sim.safeio import MAX_CSV_BYTES, read_limited, spreadsheet_safe
from sim.textfiles import decode
from sim.version import __version__

SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
REPORTS = "reports"
VERDICTS = "verdicts"

#: columns of summary.csv, in order
COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "source",
    "verdict",
    "deciding_criteria",
    "life_years",
    "total_disturbed_area_ha",
    "cost_p50_cny",
    "cost_p90_cny",
    "cost_per_ha_p50_cny",
    "pv_cost_p90_cny",
    "pv_revenue_cny",
    "success_probability",
    "assurance_probability",
    "expected_unfunded_liability_cny",
    "applicant_percentile",
    "conditions",
    "report",
    "error",
    "remedies",
)
METRICS = COLUMNS[5:15]


@dataclass
class Application:
    """One entry of the queue: a validated proposal, or the error that made it invalid."""

    source: str
    proposal: Proposal | None = None
    error: str | None = None
    id: str = ""


# ------------------------------------------------------------------------------------------
# reading the queue


def _unwrap(annotation: Any) -> Any:
    """The plain type of a field annotation (``Annotated`` and ``Optional`` removed)."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation


def field_type(path: Sequence[str], model: type[BaseModel] = Proposal) -> Any:
    """The plain type of the proposal field at a dotted path, or None if there is none."""
    annotation: Any = model
    for key in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(key)
            if info is None:
                return None
            annotation = info.annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrap(annotation)


#: a bare key of a table in a cell, with its '=' or ':' ({林地 = 0.8, 草地: 0.2})
_BARE_KEY = re.compile(r"([{,]\s*)([^\s\"'=:,{}]+)\s*[=:]\s*")


def _parse_table(text: str) -> Any:
    """A table in a cell: an inline TOML table or JSON; else the cell as a reviewer types it
    in a spreadsheet, with the land uses in Chinese and unquoted (``林地 = 0.8, 草地 = 0.2``,
    braces optional, '=' or ':', the full-width ，＝： or the enumeration comma 、), which a
    cell cannot quote without doubling every quote; else the text (validation says why)."""
    for candidate in (text, None):
        if candidate is None:
            cell = text.translate(HALF_WIDTH).replace("、", ",").strip()
            if not cell.startswith("{"):
                cell = "{" + cell + "}"
            candidate = _BARE_KEY.sub(lambda m: f'{m.group(1)}"{m.group(2)}" = ', cell)
        try:
            return tomllib.loads(f"v = {candidate}")["v"]
        except (tomllib.TOMLDecodeError, RecursionError):
            try:
                return json.loads(candidate)
            except (json.JSONDecodeError, RecursionError):
                continue
    return text


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def coerce_cell(text: str, kind: Any) -> Any:
    """A CSV cell as the field's type; left as text when it does not parse (validation says why)."""
    t = text.strip()
    if kind in (int, float) and _THOUSANDS.fullmatch(t):
        t = t.replace(",", "")  # Excel's "3,000,000" (a number format with separators)
    try:
        if kind is bool:
            return {"true": True, "false": False}.get(t.lower(), t)
        if kind is int:
            f = float(t)
            return int(f) if f.is_integer() else t
        if kind is float:
            return float(t)
    except ValueError:
        return t
    if get_origin(kind) is dict or kind is dict:
        return _parse_table(t)
    return t


#: column heads for fields whose template term two fields share (开采方式, 开采标高), or that
#: plans and notices also write so
_HEADS = {
    "开采方式": "proposal.method",  # 山坡露天 / 凹陷露天 in it also give site.pit_type
    "最高开采标高": "site.pit_top_elevation_m",
    "开采标高上限": "site.pit_top_elevation_m",
    "最低开采标高": "site.pit_bottom_elevation_m",
    "开采标高下限": "site.pit_bottom_elevation_m",
    "坑底标高": "site.pit_bottom_elevation_m",
    "可采储量": "extraction.reserves_mt",
    "剥采比": "extraction.stripping_ratio",
    "矿种": "proposal.mineral",
    "项目名称": "proposal.name",
    "工业场地面积": "extraction.infrastructure_area_ha",
    "修复费用": "finance.plan_restoration_cost_cny",
}
#: a column head's unit in brackets: 矿区面积（km²）, 设计可采储量[万t], 生产规模(万t/a)
_HEAD_UNIT = re.compile(r"^(.*?)\s*[(（\[［]\s*([^()（）\[\]［］]+?)\s*[)）\]］]\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def chinese_columns() -> dict[str, str]:
    """The terms the template gives each field (``restoresim new --lang zh``, README's table),
    as a CSV queue's column heads: 矿区面积 → ``proposal.licensed_area_ha``; the words in
    brackets and spaces are left out, and each of the terms a '/' separates is a head. A term
    two fields share is not one (开采方式 and 开采标高 are named in :data:`_HEADS`)."""
    from sim.template import WHERE

    paths: dict[str, set[str]] = {}
    for path, (term, *_rest) in WHERE.items():
        main = re.sub(r"\s*[(（][^)）]*[)）]", "", term)
        for name in main.split("/"):
            name = name.replace(" ", "")
            if _CJK.search(name):
                paths.setdefault(name, set()).add(path)
    return {n: p.pop() for n, p in paths.items() if len(p) == 1} | _HEADS


@functools.cache  # read for every row of a queue; the heads are few
def _column(head: str) -> tuple[str, str]:
    """A column head as ``(field path, unit)``: a dotted path, or the plans' term for it (see
    :func:`chinese_columns`), either with a unit in brackets that its bare numbers are in
    ('' when none)."""
    head = head.strip()
    names = chinese_columns()
    match = _HEAD_UNIT.match(head)
    split = [(match.group(1), match.group(2))] if match and _is_unit(match.group(2)) else []
    bare = re.sub(r"\s*[(（][^)）]*[)）]", "", head)  # the template's term, its notes left out
    for base, unit in (*split, (head, ""), (bare, "")):
        base, unit = base.strip(), unit.strip()
        if base.replace(" ", "") in names:
            return names[base.replace(" ", "")], unit
        if "." in base and not _CJK.search(base):
            return base, unit
    return head, ""


def _unknown_column(source: str, head: str) -> str:
    """The message for a column head that names no field, with the closest head."""
    from sim.contract import field_specs

    heads = [*chinese_columns(), *field_specs()]
    close = difflib.get_close_matches(head.strip(), heads, n=1, cutoff=0.5)
    return _(
        "{source}: unknown column {head}: head a column with a field path "
        "(proposal.licensed_area_ha) or the plans' term the template gives it (矿区面积), "
        "with a unit in brackets if need be (矿区面积（km²）)",
        source=source, head=repr(head),
    ) + (_("; did you mean '{word}'?", word=close[0]) if close else "")  # fmt: skip


def _is_unit(text: str) -> bool:
    """Whether ``text`` is a unit some field takes (万t, km², 元/t, ×10⁴t, %)."""
    written = text.replace(" ", "")
    power = _POWER.match(written)
    written = written[power.end() :] if power else written
    return written == "%" or any(written in table for table in UNITS.values())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def row_to_data(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A CSV row as a nested proposal table: columns named by dotted field paths, or by the
    plans' Chinese terms as the template gives them (矿区面积, 设计可采储量, 开采标高 …), either
    with a unit in brackets for the column's bare numbers (``矿区面积（km²）``)."""
    data: dict[str, Any] = {}
    pit_types = CHINESE_VALUES["site.pit_type"]
    cells: list[tuple[str, str]] = []
    for column, cell in row.items():
        if column is None or cell is None or not cell.strip():
            continue
        path, unit = _column(column)
        if unit and _is_number(cell.strip()):
            cell = f"{cell.strip()} {unit}"
        if path == "proposal.method" and cell.strip() in pit_types:  # 山坡露天 is 露天开采 too
            cells.append(("site.pit_type", cell))
            cell = "露天开采"
        cells.append((path, cell))
    for column, cell in cells:
        path = [p.strip() for p in column.strip().split(".")]
        table = data
        for key in path[:-1]:
            table = table.setdefault(key, {})
            if not isinstance(table, dict):
                break
        else:
            table[path[-1]] = coerce_cell(cell, field_type(path))
    return data


def _raw_id(data: Any) -> str:
    try:
        pid = data["proposal"]["id"]
    except (KeyError, TypeError):
        return ""
    return pid if isinstance(pid, str) else ""


def said_once(errors: Iterable[tuple[str, str]]) -> list[list[str]]:
    """For each ``(source, error)`` of a queue's rows, the lines of its error not said for an
    earlier row: a problem several rows share (a misspelt column makes every row of a CSV fail
    alike) is said for its first row, with how many more rows have it. A line's row is its
    ``source`` prefix."""
    first: dict[str, tuple[int, int]] = {}  # the problem without its row -> where it was said
    said: list[list[str]] = []
    more: dict[tuple[int, int], int] = {}
    for k, (source, error) in enumerate(errors):
        lines: list[str] = []
        for line in error.splitlines():
            rest = line.removeprefix(source)
            if rest in first:
                more[first[rest]] += 1
                continue
            first[rest] = (k, len(lines))
            more[first[rest]] = 0
            lines.append(line)
        said.append(lines)
    for (k, i), n in more.items():
        if n:
            said[k][i] = _("{problem} (and {n} more rows)", problem=said[k][i], n=n)
    return said


def _read_csv(path: Path) -> list[Application]:
    raw = read_limited(path, f"{path}: the CSV queue", MAX_CSV_BYTES)
    text, _encoding = decode(raw, str(path), N_("CSV queue"))  # UTF-8 (BOM or not) or GB18030
    reader = csv.DictReader(io.StringIO(text))
    apps = []
    for row in reader:
        source = _("{file} line {n}", file=path.name, n=reader.line_num)
        if None in row:  # more cells than columns
            error = _("{source}: more cells than header columns", source=source)
            apps.append(Application(source, error=error))
            continue
        # a head that is neither a field path nor a term of the template (it was read as an
        # unknown section, '[容积率]', one line for each such column of every row)
        unknown = [h for h in row if "." not in _column(h)[0]]
        columns = [_unknown_column(source, h) for h in unknown]
        data = row_to_data({h: v for h, v in row.items() if h not in unknown})
        try:
            proposal = parse_proposal(data, source, path=path)
            problems = proposal.boundary_problems(source)
            if problems:
                raise InputError("\n".join(problems), problems=problems)
            if columns:
                raise InputError("\n".join(columns), problems=columns)
            apps.append(Application(source, proposal))
        except InputError as exc:
            said = columns if exc.problems != columns else []  # the columns, then the rest
            error = "\n".join([*said, str(exc)])
            apps.append(Application(source, error=error, id=_raw_id(data)))
    if not reader.fieldnames:
        raise InputError(
            _("{path}: the CSV queue is empty (expected a header of field paths)", path=path)
        )
    return apps


def _read_folder(path: Path) -> list[Application]:
    files = sorted(
        p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )
    apps = []
    for f in files:
        try:
            apps.append(Application(f.name, load_proposal(f)))
        except InputError as exc:
            try:
                pid = _raw_id(read_document(f))
            except InputError:
                pid = ""
            apps.append(Application(f.name, error=str(exc), id=pid))
    return apps


def read_queue(path: str | Path) -> list[Application]:
    """Every application of a queue folder or CSV file; duplicate ids are marked invalid."""
    path = Path(path)
    if path.is_dir():
        apps = _read_folder(path)
    elif path.suffix.lower() == ".csv" and path.is_file():
        apps = _read_csv(path)
    else:
        raise InputError(
            _(
                "{path}: QUEUE must be a folder of proposal files ({suffixes}) or a .csv file "
                "with one application per row",
                path=path, suffixes=_(", ").join(SUFFIXES),
            )
            + ("" if path.exists() else _(" (not found)"))
        )
    if not apps:
        raise InputError(_("{path}: no applications in the queue", path=path))
    first: dict[str, str] = {}
    for a in apps:
        if a.proposal is None:
            continue
        a.id = a.proposal.id
        if a.id in first:
            a.error = _(
                "{source}: [proposal] id = {id}: duplicate proposal id, also used by {other} "
                "(ids must be unique in a queue); not evaluated",
                source=a.source, id=repr(a.id), other=first[a.id],
            )
            a.proposal = None
        else:
            first[a.id] = a.source
    return apps


# ------------------------------------------------------------------------------------------
# running


@dataclass
class BatchResult:
    """What a batch did."""

    rows: list[dict[str, Any]]
    evaluated: int
    resumed: int
    #: wall-clock seconds of each application evaluated here, in completion order
    seconds: list[float] = field(default_factory=list)
    workers: int = 1
    #: CPU seconds of the process that evaluated each application (same order as ``seconds``)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        """Number of applications listed with an error."""
        return sum(1 for r in self.rows if r["verdict"] == "invalid")


def _record_key(inputs_sha256: str, seed: int, draws: int, lang: str) -> dict[str, Any]:
    return {
        "inputs_sha256": inputs_sha256,
        "seed": seed,
        "draws": draws,
        "version": __version__,
        "lang": lang,
    }


def _load_record(path: Path, key: Mapping[str, Any], report: Path) -> dict[str, Any] | None:
    """The stored record if it is complete and was made from the same inputs, else None."""
    if not (path.is_file() and report.is_file()):
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return record if all(record.get(k) == v for k, v in key.items()) else None


def _setting(c: Mapping[str, Any]) -> str:
    """A condition or remedy as ``criterion: field=value``, the value as the input file takes
    it (``true``, not the 1 that a boolean formats to as a number)."""
    x = c["value"]
    value = str(x).lower() if isinstance(x, bool) else f"{x:.10g}"
    return f"{c['criterion']}: {c['field']}={value}"


def summary_row(app: Application, record: Mapping[str, Any] | None) -> dict[str, Any]:
    """One line of the summary: the verdict record of a valid application, or its error."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row.update(id=app.id, source=app.source)
    if record is None:
        row.update(verdict="invalid", error=app.error or "")
        return row
    v = record["verdict"]
    m = v["metrics"]
    row.update(
        name=v.get("name", ""),
        verdict=v["verdict"],
        deciding_criteria=";".join(v["deciding_criteria"]),
        conditions="; ".join(_setting(c) for c in v["conditions"]),
        remedies="; ".join(_setting(c) for c in v.get("remedies", ())),
        report=record["report"],
        applicant_percentile=record.get("applicant_percentile"),
        **{k: _table_value(k, m.get(k)) for k in METRICS},
    )
    return row


def _table_value(name: str, value: Any) -> Any:
    """A metric as the summary holds it: money to the whole 元, areas to the m² (0.0001 ha);
    the rest as the verdict has it."""
    if not isinstance(value, float):
        return value
    unit = _METRIC_UNITS.get(name, "")
    if unit.startswith("CNY"):
        return round(value)
    if unit == "ha":
        return round(value, 4)
    return value


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


@dataclass(frozen=True)
class _Task:
    """One application to evaluate: everything a worker process needs, picklable."""

    index: int
    source: str
    proposal: Proposal
    key: dict[str, Any]
    out: Path
    policy: Any
    params: dict[str, float] | None
    draws: int
    seed: int
    lang: str


@dataclass(frozen=True)
class _Done:
    """What evaluating one application gave: its record, or the error that stopped it."""

    index: int
    record: dict[str, Any] | None
    error: str | None
    seconds: float
    cpu_seconds: float


def _since(wall: float, cpu: float) -> tuple[float, float]:
    """Wall and CPU seconds since ``(perf_counter(), process_time())`` were ``(wall, cpu)``."""
    return time.perf_counter() - wall, time.process_time() - cpu


def _evaluate(task: _Task) -> _Done:
    """Build one application's report, write it and then its record (both atomically)."""
    from sim.report import build_report, save

    t0, c0 = time.perf_counter(), time.process_time()
    app_id = task.proposal.id
    report = task.out / REPORTS / f"{app_id}.html"
    try:
        data, html = build_report(
            task.proposal,
            task.policy,
            draws=task.draws,
            seed=task.seed,
            params=task.params,
            lang=task.lang,
        )
    except InputError as exc:  # e.g. a boundary that cannot be screened
        return _Done(task.index, None, str(exc), *_since(t0, c0))
    save(html, report)
    record = {
        **task.key,
        "source": task.source,
        "report": f"{REPORTS}/{report.name}",
        "applicant_percentile": _round(data.applicant_percentile(), 1),
        "verdict": data.verdict,
    }
    atomic_write_text(
        task.out / VERDICTS / f"{app_id}.json", json.dumps(record, indent=1, allow_nan=False)
    )
    return _Done(task.index, record, None, *_since(t0, c0))


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _worker(tasks: Any, results: Any) -> None:
    """A worker process: evaluate tasks until the ``None`` sentinel.

    Ctrl-C reaches the whole process group, so the worker ignores SIGINT and leaves stopping to
    the parent, which sends SIGTERM: that interrupts the work like Ctrl-C, so a file being
    written is removed (:func:`sim.outputs.atomic_write`), and the worker exits quietly.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    from sim import lazy_blas, lazy_dask

    lazy_dask.install()  # a fresh process: xarray imports no array library it does not need
    lazy_blas.install()  # and numba no scipy.linalg for its BLAS check
    try:
        while (task := tasks.get()) is not None:
            try:
                results.put(_evaluate(task))
            except Exception as exc:  # a bug or an unwritable file: the parent re-raises it
                try:
                    pickle.dumps(exc)
                except Exception:
                    exc = RuntimeError(f"{type(exc).__name__}: {exc}")
                results.put((task.index, exc))
    except KeyboardInterrupt:
        pass


def default_workers(n_tasks: int) -> int:
    """Worker processes by default: one per CPU this process may use, at most one per task."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_tasks))


#: resident memory of one worker process evaluating an application and writing its report:
#: 329 MB peak measured (`/usr/bin/time -v restoresim batch` of the packaged example, 1,000
#: draws; numpy, numba's kernel, xarray and matplotlib loaded), rounded up [D]
WORKER_MEMORY_MB = 350.0


def available_memory_mb() -> float | None:
    """Memory the system can give new processes (``MemAvailable``), MB; None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - not Linux
        pass
    return None


def check_worker_memory(workers: int, available_mb: float | None) -> None:
    """Refuse more worker processes than the available memory holds (each ≈
    :data:`WORKER_MEMORY_MB`): they would swap or be killed, and the batch take longer."""
    if workers <= 1 or available_mb is None:
        return
    fit = int(available_mb // WORKER_MEMORY_MB)
    if workers > fit:
        raise InputError(
            _(
                "--workers {n}: each worker process holds about {per} MB and this machine has "
                "{free} MB available, enough for {fit}; use --workers {fit} or fewer (more "
                "workers than CPUs run no faster)",
                n=workers, per=f"{WORKER_MEMORY_MB:.0f}", free=f"{available_mb:,.0f}",
                fit=max(1, fit),
            )
        )


def _in_processes(tasks: Sequence[_Task], workers: int, done: Any) -> None:
    """Evaluate ``tasks`` on ``workers`` new processes (spawned: no numba or thread-pool state
    is inherited); ``done(result)`` is called in completion order. On Ctrl-C or SIGTERM the
    workers are stopped, their temporary files removed, and ``KeyboardInterrupt`` re-raised."""
    ctx = mp.get_context("spawn")
    task_q, result_q = ctx.SimpleQueue(), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(task_q, result_q), daemon=True) for _ in range(workers)
    ]
    pending = list(reversed(tasks))
    in_flight = 0
    try:
        for p in procs:
            p.start()
        # at most two tasks per worker queued: the queue's pipe never fills up
        while pending and in_flight < 2 * workers:
            task_q.put(pending.pop())
            in_flight += 1
        while in_flight:
            try:
                result = result_q.get(timeout=0.5)
            except Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(
                        f"a batch worker process stopped (exit code {dead[0].exitcode})"
                    ) from None
                continue
            in_flight -= 1
            if isinstance(result, tuple):
                raise result[1]
            done(result)
            if pending:
                task_q.put(pending.pop())
                in_flight += 1
        for _p in procs:
            task_q.put(None)
        for p in procs:
            p.join()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: the worker removes the file it was writing
        for p in procs:
            if p.pid is not None:
                p.join(10)
                if p.is_alive():  # pragma: no cover - a worker stuck in compiled code
                    p.kill()
                    p.join()
        result_q.cancel_join_thread()
        result_q.close()
        task_q.close()
        if tasks:  # whatever a killed worker left half-written
            for folder in (tasks[0].out / REPORTS, tasks[0].out / VERDICTS):
                clean_stale_temp_files(folder)


def run_batch(
    queue: str | Path,
    out: str | Path,
    *,
    policy: Any | None = None,
    draws: int = 1000,
    seed: int = 0,
    params: Mapping[str, float] | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = False,
    lang: str | None = None,
    workers: int | None = None,
) -> BatchResult:
    """Evaluate every application of ``queue`` and write its report; then the summaries.

    ``lang`` (en or zh) of the reports and summaries: by default ``$RESTORESIM_LANG``, else the
    policy's, else en. A Chinese ``summary.csv`` starts with a BOM, so Excel reads it as UTF-8.
    ``workers`` processes evaluate the applications (default: one per CPU, at most one per
    application to evaluate; 1 evaluates them in this process); the outputs are the same
    bytes whatever the number. Worker processes are spawned, so a script that calls this with
    more than one worker needs the usual ``if __name__ == "__main__":`` guard.
    """
    from sim.proposal import load_policy
    from sim.report import inputs_sha256

    out = Path(out)
    policy = policy if policy is not None else load_policy()
    lang = resolve_lang(lang, policy)
    lib = load_library(params)
    apps = read_queue(queue)
    if workers is not None and workers < 1:
        raise InputError(_("--workers = {n}: must be a positive integer", n=workers))
    if workers is not None:  # before anything is written
        check_worker_memory(min(workers, len(apps)), available_memory_mb())
    if out.exists() and not out.is_dir():
        raise InputError(_("--out {out}: exists and is not a directory", out=out))
    existing = [n for n in (SUMMARY_CSV, SUMMARY_HTML, REPORTS, VERDICTS) if (out / n).exists()]
    if existing and not (resume or force):
        raise InputError(
            _(
                "--out {out}: {names} already exist; use --resume to continue the batch or "
                "--force to redo it",
                out=out, names=_(", ").join(existing),
            )
        )
    for folder in (out, out / REPORTS, out / VERDICTS):  # also removes our stale temp files
        prepare_folder(folder)

    records: list[dict[str, Any] | None] = [None] * len(apps)
    errors: dict[int, str] = {}
    tasks: list[_Task] = []
    resumed = 0
    for i, app in enumerate(apps):
        if app.proposal is None:
            continue
        key = _record_key(inputs_sha256(app.proposal, policy, lib), seed, draws, lang)
        report = out / REPORTS / f"{app.id}.html"
        record = _load_record(out / VERDICTS / f"{app.id}.json", key, report) if resume else None
        if record is None:
            over = dict(params) if params is not None else None
            tasks.append(
                _Task(i, app.source, app.proposal, key, out, policy, over, draws, seed, lang)
            )
        else:
            records[i] = record
            resumed += 1
    n_workers = default_workers(len(tasks)) if workers is None else min(workers, len(tasks))

    from tqdm import tqdm

    seconds: list[float] = []
    cpu_seconds: list[float] = []
    with use_lang(lang):  # the bar's words in the reviewer's language
        desc, unit = _("applications"), _("app")
    bar = tqdm(
        total=len(apps),
        initial=len(apps) - len(tasks),
        desc=desc,
        unit=unit,
        disable=not progress,
        leave=False,
    )

    def done(result: _Done) -> None:
        seconds.append(result.seconds)
        cpu_seconds.append(result.cpu_seconds)
        if result.error is not None:
            errors[result.index] = result.error
        records[result.index] = result.record
        bar.update()
        bar.set_postfix_str(apps[result.index].id)

    with bar:
        if n_workers <= 1:
            for task in tasks:
                done(_evaluate(task))
        else:
            _in_processes(tasks, n_workers, done)
    rows = []
    for i, app in enumerate(apps):
        if i in errors:
            app = Application(app.source, error=errors[i], id=app.id)
        rows.append(summary_row(app, records[i]))
    with use_lang(lang):
        write_summaries(out, rows, queue=str(queue), seed=seed, draws=draws)
    return BatchResult(rows, len(tasks) - len(errors), resumed, seconds, n_workers, cpu_seconds)


# ------------------------------------------------------------------------------------------
# summaries


def summary_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """The summary table as CSV text (one row per application, columns :data:`COLUMNS`);
    text cells are made safe to open in a spreadsheet (:func:`spreadsheet_safe`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r[k] is None else spreadsheet_safe(r[k]) for k in COLUMNS})
    return buf.getvalue()


_METRIC_UNITS = {m.name: m.unit for m in registry.METRICS}


def _cell(key: str, v: Any) -> str:
    if v is None or v == "":
        return ""
    if key in _METRIC_UNITS and _METRIC_UNITS[key] == "CNY":
        return f"{v / 1e4:.2f}" if current_lang() == "zh" else f"{v / 1e6:,.2f}"
    if key in ("success_probability", "assurance_probability"):
        return f"{100 * v:.1f}%"
    if key == "applicant_percentile":
        return escape(percentile_label(v))
    if key in ("conditions", "remedies"):  # one per line, long field names may break anywhere
        items = "<br>".join(escape(_condition(c)) for c in str(v).split("; "))
        return f'<span style="overflow-wrap:anywhere;font-size:0.85em">{items}</span>'

    if isinstance(v, float):
        return f"{v:,.1f}"
    return escape(str(v))


#: the summary's columns and their heads (the metrics': their short labels in the registry)
SHOWN: dict[str, str] = {
    "id": N_("application"),
    "verdict": N_("verdict"),
    "deciding_criteria": N_("deciding criteria"),
    **{m.name: m.label for m in registry.METRICS if m.label and "json" in m.uses},
    "applicant_percentile": N_("applicant's estimate"),
    "conditions": N_("conditions (any one fixes its criterion)"),
}

def column_head(key: str) -> str:
    """A column head of the summary in the current language: a metric's short label with its
    unit as the cells show it (the output registry's), else the column's label."""
    if key in _METRIC_UNITS:
        return registry.lookup("metric", key).heading(capital=False)
    return gettext(SHOWN[key])


#: sorts the summary's rows when a column head is clicked (numbers by their data-sort value)
SORT_SCRIPT = """
document.querySelectorAll('table.summary th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var up = th.getAttribute('aria-sort') !== 'ascending';
    th.closest('tr').querySelectorAll('th').forEach(function (h) {
      h.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
    var key = function (tr) {
      var td = tr.cells[col];
      if (!td) { return ''; }
      var v = td.getAttribute('data-sort');
      return v === null ? td.textContent.trim() : (v === '' ? -Infinity : Number(v));
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var numbers = typeof x === 'number' && typeof y === 'number';
      var c = numbers ? x - y : String(x).localeCompare(String(y));
      return up ? c : -c;
    }).forEach(function (tr) { body.appendChild(tr); });
  });
});
"""


def _condition(text: str) -> str:
    """``criterion: field=value`` of the summary for people (in Chinese: the change asked)."""
    name, sep, rest = text.partition(": ")
    field, eq, value = rest.partition("=")
    if not (sep and eq):
        return text
    if current_lang() == "zh":
        read = {"true": True, "false": False}.get(value)  # a boolean remedy (_setting)
        x = float(value) if read is None else read
        rest = change({"field": field, "value": x, "change": rest})
    return _("{names}: {text}", names=label(name), text=rest)


def _sort_value(key: str, v: Any) -> str:
    """The ``data-sort`` attribute of a numeric cell ('' when empty)."""
    if key == "applicant_percentile" or (isinstance(v, int | float) and not isinstance(v, bool)):
        return f' data-sort="{"" if v in (None, "") else v}"'
    return ' data-sort=""' if v in (None, "") else ""


TEXT_COLUMNS = ("id", "verdict", "deciding_criteria", "conditions")
_STYLE = {"conditions": ' style="max-width:16em"'}
#: a rejected application's plan changes, shown in its (empty) conditions cell
REMEDIES_HEAD = N_("plan changes that would fix a hard failure")


def summary_html(rows: Sequence[Mapping[str, Any]], *, queue: str, seed: int, draws: int) -> str:
    """The summary as a self-contained HTML page with links to the reports, in the current
    language; a click on a column head sorts the rows by it."""
    css = resources.files("sim.report").joinpath("report.css").read_text("utf-8")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    order = ("approve", "conditional", "reject", "invalid")
    if current_lang() == "zh":
        tally = "，".join(f"{verdict_word(k)}{counts[k]}件" for k in order if k in counts)
    else:
        tally = ", ".join(f"{counts[k]} {k}" for k in order if k in counts)
    head = "".join(
        f'<th class="{"" if k in TEXT_COLUMNS else "num"}">{escape(column_head(k))}</th>'
        for k in SHOWN
    )
    body = []
    for r in rows:
        ident = escape(r["id"] or r["source"])
        name = f"<br><small>{escape(r['name'])}</small>" if r["name"] else ""
        link = f'<a href="{escape(r["report"])}">{ident}</a>' if r["report"] else ident
        verdict = r["verdict"]
        word = verdict if current_lang() == "en" else verdict_word(verdict)
        cls = {"approve": "pass", "conditional": "cond", "reject": "fail"}.get(verdict, "fail")
        cells = [f"<td>{link}{name}</td>", f'<td><span class="{cls}">{escape(word)}</span></td>']
        if r["error"]:
            cells.append(f'<td colspan="{len(SHOWN) - 2}" class="error">{escape(r["error"])}</td>')
        else:
            deciding = _(", ").join(label(n) for n in r["deciding_criteria"].split(";") if n)
            cells.append(f"<td>{escape(deciding)}</td>")
            cells += [
                f'<td class="{"" if k in TEXT_COLUMNS else "num"}"{_STYLE.get(k, "")}'
                f"{_sort_value(k, r[k])}>{_cell(k, r[k])}</td>"
                for k in list(SHOWN)[3:]
            ]
            if r.get("remedies") and not r["conditions"]:
                cells[-1] = (
                    f'<td{_STYLE["conditions"]}><small>{escape(gettext(REMEDIES_HEAD))}:</small>'
                    f"<br>{_cell('remedies', r['remedies'])}</td>"
                )
        body.append(
            f'<tr data-id="{escape(r["id"])}" data-verdict="{verdict}">{"".join(cells)}</tr>'
        )
    intro = _(
        "{queue}: {n} applications — {tally}. {draws} draws, seed {seed}, restoresim {version}.",
        queue=escape(queue),
        n=len(rows),
        tally=escape(tally),
        draws=draws,
        seed=seed,
        version=escape(__version__),
    )
    title = escape(_("restoresim batch: {queue}", queue=queue))
    heading = escape(_("Application queue"))
    note = _(
        "Money undiscounted at year-0 prices; “applicant's estimate” is the percentile of the "
        "applicant's own cost estimate on the simulated cost distribution. Invalid applications "
        "are listed with their error and were not evaluated. Click a column head to sort."
    )
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if current_lang() == "zh" else "en"}"><head><meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{title}</title><style>{css}
main {{ max-width: 1280px; }} table.summary th {{ white-space: normal; cursor: pointer; }}
table.summary th[aria-sort=ascending]::after {{ content: " ▲"; }}
table.summary th[aria-sort=descending]::after {{ content: " ▼"; }}
table.summary td:first-child {{ min-width: 13em; }}
html:lang(zh-CN) table.summary td:nth-child(2) {{ white-space: nowrap; }}
td small {{ color: var(--muted); }}
td.error {{ color: var(--reject); font-size: 0.85rem; overflow-wrap: anywhere; }}
</style></head><body><main>
<header><h1>{heading}</h1>
<p>{intro}</p></header>
<table class="summary"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
<p>{note}</p>
</main><script>{SORT_SCRIPT}</script></body></html>
"""


def write_summaries(
    out: Path, rows: Sequence[Mapping[str, Any]], *, queue: str, seed: int, draws: int
) -> None:
    """Write ``summary.csv`` and ``summary.html`` atomically."""
    bom = "\ufeff" if current_lang() == "zh" else ""  # Excel reads a CSV with a BOM as UTF-8
    atomic_write_text(out / SUMMARY_CSV, bom + summary_csv(rows))
    atomic_write_text(out / SUMMARY_HTML, summary_html(rows, queue=queue, seed=seed, draws=draws))
