"""The ``restoresim`` command line: thin; it parses, calls the library and prints.

Exit codes: 0 when the command ran (whatever the verdict), 2 for bad input (one message on
stderr naming the file, the field, the value and what is allowed), 1 for an internal error.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim import validate as validate_cli
from sim.errors import InputError, MissingExtraError
from sim.i18n import ENV_VAR, LANGS, N_, NP_, _, current_lang, pgettext, resolve_lang, use_lang
from sim.i18n.units import width as text_columns
from sim.i18n.verdict import label, verdict_name
from sim.monitor import cli as monitor_cli
from sim.outputs import atomic_write_all, prepare_folder, restore_signal, terminate_as_interrupt
from sim.safeio import printable_lines
from sim.verdict_text import format_verdict
from sim.version import __version__

MAX_DRAWS = 1_000_000


def _positive_int(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("{name} = {text}: expected an integer", name=name, text=repr(text))
            ) from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(
                _("{name} = {v}: must lie in [{low}, {high}]", name=name, v=v, low=low, high=high)
            )
        return v

    return parse


def _param(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(_("--param {text}: expected NAME=VALUE", text=repr(text)))
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("--param {text}: VALUE must be a number", text=repr(text))
        ) from None


def _layer(text: str) -> Any:
    from sim.spatial import parse_layer_arg

    try:
        return parse_layer_arg(text, origin="--layers")
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: argparse's own messages (Python's, in English) as the catalogue's: ``(pattern, message)``
_ARGPARSE_MESSAGES = (
    (r"argument (?P<arg>.+?): (?P<rest>.*)", N_("argument {arg}: {rest}")),
    (
        r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.*)\)",
        N_("invalid choice: {value} (choose from {choices})"),
    ),
    (
        r"the following arguments are required: (?P<args>.*)",
        N_("the following arguments are required: {args}"),
    ),
    (r"unrecognized arguments: (?P<args>.*)", N_("unrecognized arguments: {args}")),
    (r"expected one argument", N_("expected one argument")),
    (r"invalid (?P<type>\S+) value: (?P<value>.*)", N_("invalid value: {value}")),
    (
        r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)",
        N_("ambiguous option: {option} could match {matches}"),
    ),
)


#: the word between a report's allowed file-name endings (".html or .htm")
_SUFFIX_OR = ("file name endings", NP_("file name endings", " or "))


def _argparse_message(message: str) -> str:
    """argparse's English ``message`` in the current language (itself when not recognised)."""
    for pattern, text in _ARGPARSE_MESSAGES:
        m = re.fullmatch(pattern, message, flags=re.DOTALL)
        if m:
            parts = m.groupdict()
            if "rest" in parts:
                parts["rest"] = _argparse_message(parts["rest"])
                if parts["rest"].startswith(parts["arg"].split("/")[0] + " "):
                    return parts["rest"]  # the type's message names the option already
            return _(text, **parts)
    return message


#: Chinese punctuation a line must not start with, and opening brackets it must not end with
_CLOSING, _OPENING = "，。、；：？！）」』》", "（「『《"
#: a unit of help text a line may break after: an un-spaced run of narrow characters, a space, or
#: one wide (CJK) character
_WRAP_TOKEN = re.compile(r"\s+|[^\s\u2e80-\ua4cf\uf900-\ufaff\uff00-\uffef]+|\S")


def _wrap_columns(text: str, columns: int) -> list[str]:
    """``text``'s words (Chinese: characters) in lines of at most ``columns`` terminal columns
    (a longer word has a line of its own), punctuation kept with the character it follows."""
    units: list[str] = []
    for token in _WRAP_TOKEN.findall(" ".join(text.split())):
        if units and not units[-1].isspace() and (token in _CLOSING or units[-1] in _OPENING):
            units[-1] += token
        else:
            units.append(token)
    lines: list[str] = []
    line = ""
    for unit in units:
        if unit.isspace():
            line += " " if line else ""
        elif line and text_columns(line + unit) > columns:
            lines.append(line.rstrip())
            line = unit
        else:
            line += unit
    return [*lines, line.rstrip()] if line.strip() else lines


#: argparse's own words in a help page (Python's, in English), as the catalogue's
_ARGPARSE_WORDS = frozenset(
    (
        N_("positional arguments"),
        N_("options"),
        N_("show this help message and exit"),
        N_("show program's version number and exit"),
    )
)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help in the current language: its own words (usage, headings, the help of -h
    and --version) translated, and (not in English, which stays argparse's) lines wrapped by
    terminal columns, a Chinese character taking two."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(_(heading) if heading in _ARGPARSE_WORDS else heading)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        return _(text) if text in _ARGPARSE_WORDS else text

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None) -> str:
        prefix = _("usage: ") if prefix is None else prefix
        blank = " " * text_columns(prefix)  # argparse indents the usage's next lines by len(prefix)
        return prefix + super()._format_usage(usage, actions, groups, blank)[len(blank) :]

    def format_help(self) -> str:
        text = super().format_help()
        if current_lang() == "en":
            return text
        return re.sub(r"(?m)^(\S.*[\u2e80-\uffef]):$", r"\1：", text)  # a heading's colon: 选项：

    def _split_lines(self, text: str, width: int) -> list[str]:
        if current_lang() == "en":
            return super()._split_lines(text, width)
        return _wrap_columns(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if current_lang() == "en":
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in _wrap_columns(text, width - len(indent)))


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and usage errors read in the current language (English as
    argparse writes it); its help texts are translated as it is built (:func:`build_parser`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # type: ignore[override]
        if current_lang() == "en":
            super().error(message)
        sys.stderr.write(self.format_usage())
        error = _argparse_message(message)
        self.exit(2, printable_lines(_("restoresim: error: {error}", error=error)) + "\n")


def _argv_lang_given(argv: Sequence[str]) -> str | None:
    """The last ``--lang`` written anywhere in ``argv`` (None when there is none)."""
    chosen = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            chosen = argv[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    return chosen


def _argv_lang(argv: Sequence[str]) -> str:
    """The language ``argv``'s ``--lang`` (else ``$RESTORESIM_LANG``) asks for, for the help and
    the errors of parsing the command line itself; English when it names none the program knows."""
    try:
        return resolve_lang(_argv_lang_given(argv))
    except InputError:
        return "en"


def _add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=_positive_int("--seed", 0, 2**63 - 1),
        default=0,
        help=_("random seed (default 0)"),
    )


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGS,
        default=None,
        help=_(
            "language of the outputs for people (default: ${env}, else the policy's [policy] "
            "language, else en); JSON keys and criterion names stay English",
            env=ENV_VAR,
        ),
    )


def _run_options() -> argparse.ArgumentParser:
    """Options shared by ``evaluate``, ``report`` and ``batch``: policy, draws, seed, overrides."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--policy", metavar="FILE", help=_("policy file (default: packaged policy)")
    )
    common.add_argument(
        "--draws",
        type=_positive_int("--draws", 1, MAX_DRAWS),
        default=1000,
        help=_("Monte-Carlo draws per proposal (default 1000)"),
    )
    _add_seed(common)
    common.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=_("override a parameter of the library, e.g. cost.regrade_unit_cost=18"),
    )
    _add_lang(common)
    return common


def _add_report_and_batch(sub: Any) -> None:
    common = _run_options()
    rp = sub.add_parser(
        "report",
        parents=[common],
        help=_("write the reviewer's report of one proposal (HTML or PDF)"),
        description=_(
            "Evaluate one proposal and write its report: a self-contained HTML page "
            "(figures embedded, opens offline) or, with --format pdf, the same content as a PDF "
            "printed by headless Chromium."
        ),
    )
    rp.add_argument("proposal", metavar="PROPOSAL", help=_("proposal file (TOML or JSON)"))
    rp.add_argument("--out", metavar="FILE", required=True, help=_("report file to write"))
    rp.add_argument(
        "--format",
        choices=["html", "pdf"],
        default=None,
        help=_("output format (default: pdf for a .pdf --out, else html)"),
    )
    rp.add_argument("--force", action="store_true", help=_("overwrite an existing report"))
    bt = sub.add_parser(
        "batch",
        parents=[common],
        help=_("work through a queue of applications: reports + summary.csv/html"),
        description=_(
            "Evaluate every application of QUEUE (a folder of proposal files, or a CSV "
            "file with one application per row and columns named by field paths such as "
            "extraction.reserves_mt) and write one report each, summary.csv and summary.html. "
            "Invalid applications are listed with their error and do not stop the batch."
        ),
    )
    bt.add_argument("queue", metavar="QUEUE", help=_("folder of proposal files or a .csv file"))
    bt.add_argument("--out", metavar="DIR", required=True, help=_("output folder"))
    bt.add_argument(
        "--resume", action="store_true", help=_("skip applications whose outputs are complete")
    )
    bt.add_argument("--force", action="store_true", help=_("redo the batch over existing outputs"))
    bt.add_argument(
        "--strict", action="store_true", help=_("exit 2 if any application was invalid")
    )
    bt.add_argument(
        "--workers",
        type=_positive_int("--workers", 1, 1024),
        help=_(
            "worker processes, one application each at a time (default: the number of CPUs, "
            "at most the number of applications; 1 = in this process); outputs are the same bytes"
        ),
    )


def _add_sweep(sub: Any) -> None:
    sw = sub.add_parser(
        "sweep",
        help=_("run a policy sweep: portfolio x policies x uncertainties"),
        description=_(
            "Run the sweep SPEC (scenarios/sweeps/*.toml) into the chunked Zarr store "
            "STORE: the design is written first, then every (scenario, engine group, proposal "
            "chunk) task streams its results into the store. Results are identical whatever the "
            "workers, scheduler or chunking; a killed sweep continues with --resume."
        ),
    )
    sw.add_argument("spec", metavar="SPEC", help=_("sweep spec (TOML or JSON)"))
    sw.add_argument(
        "--out", metavar="STORE", required=True, help=_("Zarr store (a folder) to write")
    )
    sw.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=_(
            "run on an existing dask.distributed cluster, e.g. tcp://host:8786 (default: "
            "worker threads of this process, see --workers)"
        ),
    )
    sw.add_argument(
        "--workers",
        type=_positive_int("--workers", 1, 1024),
        help=_("local worker threads (default: the number of CPUs)"),
    )
    sw.add_argument(
        "--chunk-proposals",
        type=_positive_int("--chunk-proposals", 1, 1_000_000),
        help=_(
            "proposals per task (default: about 16 tasks per engine run, 250 to 2,000 "
            "proposals each; does not change the results)"
        ),
    )
    sw.add_argument("--resume", action="store_true", help=_("continue the sweep already in STORE"))
    sw.add_argument(
        "--no-progress",
        action="store_true",
        help=_("no progress bar (there is none either when stderr is not a terminal)"),
    )
    sw.add_argument(
        "--force",
        action="store_true",
        help=_("run a design larger than the size limit (see the message that names it)"),
    )
    sr = sub.add_parser(
        "sweep-report",
        help=_("compare a sweep's policies against its baseline: tables, figures, drivers"),
        description=_(
            "From a complete sweep STORE write to DIR summary.md (one table per "
            "question, each policy named by its rule, against the spec's baseline: verdict counts, "
            "avoided and remaining liability, restored area, verdict changes and their deciding "
            "criteria, drivers in words), comparison.csv, changes.csv, the policy frontier, a "
            "tornado chart, outcome distributions and (for a Saltelli design) Sobol indices."
        ),
    )
    sr.add_argument("store", metavar="STORE", help=_("sweep store written by restoresim sweep"))
    sr.add_argument("--out", metavar="DIR", required=True, help=_("output folder"))
    sr.add_argument("--force", action="store_true", help=_("overwrite existing report files"))
    _add_lang(sr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command, its help in the current language (its texts
    are translated here: build it inside :func:`use_lang`)."""
    parser = _Parser(
        prog="restoresim",
        description=_(
            "Can the land a proposed mine will disturb be restored, at what cost and "
            "how surely? Evaluates mining-right applications against a reviewer's policy."
        ),
        epilog=_(
            "--lang {en,zh}, before or after the command, chooses the language of the outputs "
            "for people, of the help and of the errors (default: $RESTORESIM_LANG, else the "
            "policy's [policy] language, else en): restoresim --lang zh evaluate FILE. "
            "restoresim COMMAND --help describes each command."
        ),
    )
    parser.add_argument("--version", action="version", version=f"restoresim {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help=_("show tracebacks of internal errors")
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser(
        "evaluate",
        parents=[_run_options()],
        help=_("evaluate proposals and print verdicts"),
        description=_(
            "Evaluate proposal files (TOML or JSON). With no file, "
            "evaluates the example proposal that ships with the package."
        ),
    )
    ev.add_argument("proposals", nargs="*", metavar="PROPOSAL", help=_("proposal files"))
    ev.add_argument(
        "--out",
        metavar="DIR",
        help=_("also write verdicts.json, summary.nc and trajectories.nc to DIR"),
    )
    ev.add_argument("--force", action="store_true", help=_("overwrite existing outputs in --out"))
    ev.add_argument("--json", action="store_true", help=_("print only the JSON verdicts"))
    ev.add_argument(
        "--no-conditions",
        action="store_true",
        help=_("skip the search for approval conditions and remedies"),
    )
    ev.add_argument(
        "--layers",
        nargs="+",
        action="extend",
        type=_layer,
        default=[],
        metavar="PATH",
        help=_(
            "protected layers (GeoJSON, Shapefile, GeoPackage) added to the policy's "
            "[[layers]]: PATH is a no-overlap layer, PATH:min_distance=METRES a layer the boundary "
            "must keep that far from; put --layers after the proposal files"
        ),
    )

    pg = sub.add_parser(
        "programme",
        help=_("simulate a regional restoration programme (SimPy)"),
        description=_(
            "Simulate a regional restoration programme scenario: sites by stage over "
            "time, completion on the report dates, finish date, utilisation and the bottleneck."
        ),
    )
    pg.add_argument(
        "scenario", metavar="SCENARIO", help=_("programme scenario file (TOML or JSON)")
    )
    pg.add_argument(
        "--replications",
        type=_positive_int("--replications", 1, 100_000),
        default=None,
        help=_(
            "independent replications (default 100; the what-if of --sweep runs as many, else "
            "the scenario's [sweep] replications)"
        ),
    )
    _add_seed(pg)
    pg.add_argument(
        "--out", metavar="DIR", help=_("write programme.nc, summary.json and the plots to DIR")
    )
    pg.add_argument("--force", action="store_true", help=_("overwrite existing outputs in --out"))
    pg.add_argument("--json", action="store_true", help=_("print only the JSON summary"))
    pg.add_argument(
        "--sweep", action="store_true", help=_("also run the scenario's [sweep] what-if levers")
    )
    _add_lang(pg)

    _add_report_and_batch(sub)
    _add_sweep(sub)
    monitor_cli.add_parser(sub, _run_options())
    validate_cli.add_parser(sub)

    sc = sub.add_parser("schema", help=_("print the JSON Schema of the input files"))
    sc.add_argument("kind", nargs="?", choices=["proposal", "policy"], default="proposal")

    nw = sub.add_parser(
        "new",
        help=_(
            "write a commented application template: every field with its Chinese term and "
            "where the 开发利用方案 / 矿山生态保护修复方案 states it"
        ),
    )
    nw.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="FILE",
        help=_("template file to write, as --out FILE (default: print it)"),
    )
    nw.add_argument("--out", type=Path, help=_("template file to write (default: print it)"))
    nw.add_argument("--force", action="store_true", help=_("overwrite an existing --out file"))
    nw.add_argument(
        "--lang",
        choices=LANGS,
        default=None,
        help=_(
            "language of the template's comments (default: ${env}, else en); keys, allowed "
            "values and examples stay as the contract writes them",
            env=ENV_VAR,
        ),
    )
    return parser


# ------------------------------------------------------------------------------------------
# output


def _json_text(verdicts: list[dict[str, Any]]) -> str:
    doc: Any = verdicts[0] if len(verdicts) == 1 else verdicts
    return json.dumps(
        doc,
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
        default=lambda o: None if isinstance(o, float) and math.isnan(o) else o,
    )


def _write_outputs(out: Path, ev: Any, text: str) -> list[Path]:
    """verdicts.json, summary.nc and trajectories.nc, written together (never mixed with old)."""
    writers: dict[Path, Callable[[Path], None]] = {
        out / "verdicts.json": lambda p: p.write_text(text + "\n", encoding="utf-8"),
        out / "summary.nc": lambda p: ev.summary.to_netcdf(p, engine="h5netcdf"),
        out / "trajectories.nc": lambda p: ev.trajectories.to_netcdf(p, engine="h5netcdf"),
    }
    atomic_write_all(writers)
    return list(writers)


# ------------------------------------------------------------------------------------------
# commands


#: a single run of at least this many proposal-draws shows a progress bar (on a terminal)
PROGRESS_PAIRS = 100_000


def _progress(n_proposals: int, draws: int) -> bool:
    """Whether to show a progress bar: a long run, and stderr is a terminal."""
    return sys.stderr.isatty() and (n_proposals > 20 or n_proposals * draws >= PROGRESS_PAIRS)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from sim.api import evaluate
    from sim.examples import example_path
    from sim.params import load_library
    from sim.proposal import load_policy, load_proposals

    paths = args.proposals or [example_path()]
    overrides = dict(args.param)
    load_library().with_overrides(overrides, origin="--param")  # validate first
    policy = load_policy(args.policy) if args.policy else load_policy()
    proposals = load_proposals(paths)
    if args.out:
        prepare_folder(Path(args.out))
    if args.out and not args.force:
        out = Path(args.out)
        clash = [
            n for n in ("verdicts.json", "summary.nc", "trajectories.nc") if (out / n).exists()
        ]
        if clash:
            raise InputError(
                _(
                    "--out {out}: {names} already exist; use --force to overwrite",
                    out=out,
                    names=_(", ").join(clash),
                )
            )
    progress = _progress(len(proposals), args.draws)
    with use_lang(resolve_lang(args.lang, policy)):  # notes made while screening read in it
        ev = evaluate(
            proposals,
            policy,
            draws=args.draws,
            seed=args.seed,
            trajectories=bool(args.out),
            params=overrides,
            conditions=not args.no_conditions,
            progress=progress,
            layers=args.layers,
        )
    if progress and not args.no_conditions:
        print(
            _("assessing the criteria and searching for approval conditions ..."),
            file=sys.stderr,
        )
    text = _json_text(ev.verdicts)
    if args.json:
        print(text)
    else:
        with use_lang(resolve_lang(args.lang, policy)):
            if not args.proposals:
                print(
                    _(
                        "(evaluating the packaged example {name}; pass proposal files to "
                        "evaluate your own)",
                        name=paths[0].name,
                    )
                    + "\n"
                )
            print(printable_lines("\n\n".join(format_verdict(v, policy) for v in ev.verdicts)))
    if args.out:
        written = _write_outputs(Path(args.out), ev, text)
        print(_("wrote {files}", files=", ".join(str(p) for p in written)), file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.proposal import policy_schema, proposal_schema

    schema = proposal_schema() if args.kind == "proposal" else policy_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from sim.outputs import atomic_write_text
    from sim.template import template_text

    with use_lang(resolve_lang(args.lang)):  # --lang, else $RESTORESIM_LANG, else en
        if args.path is not None and args.out is not None and args.path != args.out:
            raise InputError(
                _(
                    "two template files given, {path} and --out {out}: give one",
                    path=args.path,
                    out=args.out,
                )
            )
        args.out = args.out or args.path
        text = template_text()
        if args.out is None:
            sys.stdout.write(text)
            return 0
        if args.out.exists() and not args.force:
            raise InputError(_("--out {out}: exists; pass --force to overwrite it", out=args.out))
        atomic_write_text(args.out, text)
        print(
            _("wrote {out}; fill it in, then: restoresim evaluate {out}", out=args.out),
            file=sys.stderr,
        )
    return 0


#: ``restoresim programme``'s replications without --replications
DEFAULT_REPLICATIONS = 100


def cmd_programme(args: argparse.Namespace) -> int:
    from sim.programme.plots import progress_figure, sweep_figure, utilisation_figure
    from sim.programme.run import simulate
    from sim.programme.scenario import load_scenario
    from sim.programme.summary import format_summary, summarise
    from sim.programme.whatif import format_sweep, sweep, sweep_table

    scenario = load_scenario(args.scenario)
    names = ["programme.nc", "summary.json", "progress.png", "utilisation.png"]
    names += ["sweep.nc", "sweep.png"] if args.sweep else []
    out = Path(args.out) if args.out else None
    if out is not None:
        prepare_folder(out)
        clash = [n for n in names if (out / n).exists()]
        if clash and not args.force:
            raise InputError(
                _(
                    "--out {out}: {names} already exist; use --force to overwrite",
                    out=out,
                    names=_(", ").join(clash),
                )
            )
    replications = args.replications or DEFAULT_REPLICATIONS
    run = simulate(scenario, replications=replications, seed=args.seed, progress=replications >= 20)
    summary = summarise(run.dataset, scenario)
    # the what-if's baseline is the run above when --replications is given
    sw = (
        sweep(scenario, replications=args.replications, seed=args.seed, progress=True)
        if args.sweep
        else None
    )
    if sw is not None:
        summary["sweep"] = sweep_table(sw)
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
    lang = resolve_lang(args.lang)
    if args.json:
        print(text)
    else:
        with use_lang(lang):
            print(format_summary(summary))
            if sw is not None:
                print("\n" + format_sweep(summary["sweep"]))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        writers: dict[str, Callable[[Path], None]] = {
            "programme.nc": lambda p: run.dataset.to_netcdf(p, engine="h5netcdf"),
            "summary.json": lambda p: p.write_text(text + "\n", encoding="utf-8"),
            "progress.png": lambda p: progress_figure(run.dataset).savefig(p, format="png"),
            "utilisation.png": lambda p: utilisation_figure(run.dataset).savefig(p, format="png"),
        }
        if sw is not None:
            writers["sweep.nc"] = lambda p: sw.to_netcdf(p, engine="h5netcdf")
            writers["sweep.png"] = lambda p: sweep_figure(sw).savefig(p, format="png")
        with use_lang(lang):
            atomic_write_all({out / name: write for name, write in writers.items()})
        print(_("wrote {files}", files=", ".join(str(out / n) for n in writers)), file=sys.stderr)
    return 0


def _policy_and_params(args: argparse.Namespace) -> tuple[Any, dict[str, float]]:
    from sim.params import load_library
    from sim.proposal import load_policy

    overrides = dict(args.param)
    load_library().with_overrides(overrides, origin="--param")  # validate first
    return (load_policy(args.policy) if args.policy else load_policy()), overrides


def cmd_report(args: argparse.Namespace) -> int:
    from sim.proposal import load_proposal
    from sim.report import write_report

    suffix = Path(args.out).suffix.lower()
    fmt = args.format or ("pdf" if suffix == ".pdf" else "html")
    suffixes = {"html": (".html", ".htm"), "pdf": (".pdf",)}[fmt]
    if suffix not in suffixes and not Path(args.out).is_dir():
        template = (
            N_(
                "--out {out}: an HTML report needs a file name ending in {suffixes} (use "
                "--format to choose HTML or PDF)"
            )
            if fmt == "html"
            else N_(
                "--out {out}: a PDF report needs a file name ending in {suffixes} (use "
                "--format to choose HTML or PDF)"
            )
        )
        raise InputError(_(template, out=args.out, suffixes=pgettext(*_SUFFIX_OR).join(suffixes)))
    policy, overrides = _policy_and_params(args)
    data = write_report(
        load_proposal(args.proposal),
        args.out,
        policy=policy,
        fmt=args.format,
        force=args.force,
        draws=args.draws,
        seed=args.seed,
        params=overrides,
        lang=args.lang,
        progress=True,
    )
    v = data.verdict
    with use_lang(resolve_lang(args.lang, policy)):
        names = _(", ").join(label(n) for n in v["deciding_criteria"])
        deciding = _(" ({names})", names=names) if names else ""
        line = _(
            "{id}: {verdict}{deciding}; wrote {out}",
            id=v["proposal_id"],
            verdict=verdict_name(v["verdict"]),
            deciding=deciding,
            out=args.out,
        )
    print(line, file=sys.stderr)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from sim.batch import SUMMARY_CSV, SUMMARY_HTML, run_batch, said_once

    if args.resume and args.force:
        raise InputError(_("--resume and --force exclude each other"))
    policy, overrides = _policy_and_params(args)
    res = run_batch(
        args.queue,
        args.out,
        policy=policy,
        draws=args.draws,
        seed=args.seed,
        params=overrides,
        resume=args.resume,
        force=args.force,
        progress=sys.stderr.isatty(),
        lang=args.lang,
        workers=args.workers,
    )
    out = Path(args.out)
    invalid = [(r["source"], r["error"]) for r in res.rows if r["verdict"] == "invalid"]
    for lines in said_once(invalid):  # a problem many rows share is said once (summary: all)
        if lines:
            error = "\n".join(lines)
            print(printable_lines(_("invalid: {error}", error=error)), file=sys.stderr)
    with use_lang(resolve_lang(args.lang, policy)):
        line = _(
            "{n} applications: {evaluated} evaluated, {resumed} resumed, {invalid} invalid; "
            "wrote {csv} and {html}",
            n=len(res.rows),
            evaluated=res.evaluated,
            resumed=res.resumed,
            invalid=res.invalid,
            csv=out / SUMMARY_CSV,
            html=out / SUMMARY_HTML,
        )
        if res.seconds:
            line += "\n" + _(
                "{mean} s per application on average, {max} s at most; workers: {workers}",
                mean=f"{sum(res.seconds) / len(res.seconds):.1f}",
                max=f"{max(res.seconds):.1f}",
                workers=res.workers,
            )
    print(line, file=sys.stderr)
    return 2 if args.strict and res.invalid else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim import sweep

    sweep.require()
    from sim.sweep.execute import run_sweep

    try:
        res = run_sweep(
            args.spec,
            args.out,
            scheduler=args.scheduler,
            workers=args.workers,
            resume=args.resume,
            progress=not args.no_progress and sys.stderr.isatty(),
            chunk_proposals=args.chunk_proposals,
            force=args.force,
        )
    except KeyboardInterrupt:  # Ctrl-C: what the store holds and how to continue it
        from sim.sweep.store import progress_of

        try:
            done, total = progress_of(Path(args.out))
        except Exception:  # interrupted before the store was written: nothing to continue
            raise KeyboardInterrupt from None
        hint = _(
            "restoresim: interrupted; {done} of {total} tasks are done in {store}: continue "
            "with restoresim sweep {spec} --out {store} --resume",
            done=done, total=total, store=args.out, spec=args.spec,
        )  # fmt: skip
        print(hint, file=sys.stderr)
        return 130
    print(res.text(), file=sys.stderr)
    return 0


def cmd_sweep_report(args: argparse.Namespace) -> int:
    from sim import sweep

    sweep.require()
    from sim.sweep.report import write_report

    prepare_folder(Path(args.out))  # before the work, not after it
    lang = resolve_lang(args.lang)
    written = write_report(args.store, args.out, force=args.force, lang=lang, progress=True)
    with use_lang(lang):
        print(_("wrote {n} files to {out}", n=len(written), out=args.out), file=sys.stderr)
    return 0


COMMANDS = {
    "evaluate": cmd_evaluate,
    "schema": cmd_schema,
    "new": cmd_new,
    "programme": cmd_programme,
    "report": cmd_report,
    "batch": cmd_batch,
    "sweep": cmd_sweep,
    "sweep-report": cmd_sweep_report,
    "monitor": monitor_cli.command,
    "validate": validate_cli.command,
}


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


#: the garbage collector's first threshold in a ``restoresim`` process (CPython's is 700): the
#: libraries a command imports (numba, pandas, xarray, pydantic) leave ≈ 150,000 objects that
#: each full collection walks again; young collections every 50,000 allocations make those rare
PROGRAM_GC_THRESHOLD = 50_000


def _lang_to_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """``argv`` with a ``--lang`` written before the command (``restoresim --lang zh evaluate
    …``) moved after it, where the commands take it; a command without ``--lang`` (``schema``)
    and a line without a command (``--lang zh --help``) drop it, as it already chose the
    language of the help and the errors (:func:`_argv_lang`)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in sub.choices:
            takes = "--lang" in sub.choices[arg]._option_string_actions
            return [*rest, arg, *(moved if takes else []), *argv[i + 1 :]]
        if arg == "--lang" and i + 1 < len(argv):
            moved += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith("--lang="):
            moved.append(arg)
        elif not arg.startswith("-"):  # not a command: argparse says what is wrong
            return [*rest, *argv[i:]]
        else:
            rest.append(arg)
        i += 1
    return rest


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``restoresim`` console script.

    Called without ``argv`` (the console script, ``python -m sim.cli``) it runs as the process's
    program: fewer full garbage collections while it runs (:data:`PROGRAM_GC_THRESHOLD`), and
    the objects alive at its end are frozen (``gc.freeze``), so the interpreter's shutdown does
    not walk them again in its several full collections (≈ 0.3 s of ``restoresim evaluate``'s
    1.2 s); reference counts free them as the modules are cleared, as before. A caller passing
    ``argv`` (tests, other programs) keeps its collector as it is."""
    program = argv is None
    if program:
        gc.set_threshold(PROGRAM_GC_THRESHOLD, *gc.get_threshold()[1:])
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, as the error message suggests
    with use_lang(_argv_lang(argv)):  # --help and the line's own errors in the reviewer's language
        parser = build_parser()
        args = parser.parse_args(_lang_to_command([a for a in argv if a != "--debug"], parser))
    args.debug = debug
    from sim import lazy_blas, lazy_dask

    lazy_dask.install()  # xarray does not import dask unless a command uses it
    lazy_blas.install()  # nor numba scipy.linalg, unless a command compiles a BLAS call
    previous = terminate_as_interrupt()  # SIGTERM cleans up like Ctrl-C
    try:  # input errors in the reviewer's language: --lang, else $RESTORESIM_LANG
        # a command without --lang (sweep, schema) takes the one written before it
        given = args.lang if hasattr(args, "lang") else _argv_lang_given(argv)
        lang = resolve_lang(given)
    except InputError as exc:  # a bad $RESTORESIM_LANG
        print(printable_lines(_("restoresim: error: {error}", error=exc)), file=sys.stderr)
        return 2
    try:
        with use_lang(lang):
            return COMMANDS[args.command](args)
    except (InputError, MissingExtraError) as exc:
        with use_lang(lang):
            head = _("restoresim: error: {error}", error=exc)
        print(printable_lines(head), file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (``restoresim evaluate --json | head``)
        _silence_stdout()
        return 0
    except OSError as exc:  # an output path that cannot be written, a full disk, …
        with use_lang(lang):
            what = exc.filename or _("output")
            error = _("cannot write {what}: {why}", what=what, why=exc.strerror or exc)
            head = _("restoresim: error: {error}", error=error)
        print(printable_lines(head), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        with use_lang(lang):
            print(_("restoresim: interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(
            f"restoresim: internal error: {type(exc).__name__}: {printable_lines(str(exc))}\n"
            "This is a bug in restoresim; rerun with --debug for a traceback and report it.",
            file=sys.stderr,
        )
        return 1
    finally:
        restore_signal(previous)
        if program:
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
