"""The ``restoresim`` command line: thin; it parses, calls the library and prints.

Exit codes: 0 when the command ran (whatever the verdict), 2 for bad input (one message on
stderr naming the file, the field, the value and what is allowed), 1 for an internal error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.version import __version__

MAX_DRAWS = 1_000_000


def _positive_int(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} = {text!r}: expected an integer") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{name} = {v}: must lie in [{low}, {high}]")
        return v

    return parse


def _param(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--param {text!r}: expected NAME=VALUE")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--param {text!r}: VALUE must be a number") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="restoresim",
        description="Can the land a proposed mine will disturb be restored, at what cost and "
        "how surely? Evaluates mining-right applications against a reviewer's policy.",
    )
    parser.add_argument("--version", action="version", version=f"restoresim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser(
        "evaluate",
        help="evaluate proposals and print verdicts",
        description="Evaluate proposal files (TOML or JSON). With no file, "
        "evaluates the example proposal that ships with the package.",
    )
    ev.add_argument("proposals", nargs="*", metavar="PROPOSAL", help="proposal files")
    ev.add_argument("--policy", metavar="FILE", help="policy file (default: packaged policy)")
    ev.add_argument(
        "--draws",
        type=_positive_int("--draws", 1, MAX_DRAWS),
        default=1000,
        help="Monte-Carlo draws per proposal (default 1000)",
    )
    ev.add_argument(
        "--seed",
        type=_positive_int("--seed", 0, 2**63 - 1),
        default=0,
        help="random seed (default 0)",
    )
    ev.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter of the library, e.g. cost.regrade_unit_cost=18",
    )
    ev.add_argument(
        "--out",
        metavar="DIR",
        help="also write verdicts.json, summary.nc and trajectories.nc to DIR",
    )
    ev.add_argument("--force", action="store_true", help="overwrite existing outputs in --out")
    ev.add_argument("--json", action="store_true", help="print only the JSON verdicts")
    ev.add_argument(
        "--no-conditions",
        action="store_true",
        help="skip the search for approval conditions and remedies",
    )

    sc = sub.add_parser("schema", help="print the JSON Schema of the input files")
    sc.add_argument("kind", nargs="?", choices=["proposal", "policy"], default="proposal")
    return parser


# ------------------------------------------------------------------------------------------
# output


def _fmt_value(name: str, v: float | None, margin: bool = False) -> str:
    if v is None:
        return "n/a"
    if margin and name in ("success_probability", "assurance", "cost_to_revenue"):
        return f"{v * 100:+.1f} pts"
    if name in ("licensed_area", "protected_overlap"):
        return f"{v:,.2f} ha"
    if name == "highwall_slope":
        return f"{v:.1f}°"
    if name in ("success_probability", "assurance", "cost_to_revenue"):
        return f"{v:.1%}"
    if name == "unfunded_liability":
        return f"{v / 1e6:,.2f} M CNY"
    return f"{v:.4g}"


def format_verdict(v: dict[str, Any]) -> str:
    """A reviewer-readable text block for one verdict."""
    lines = [f"{v['proposal_id']}  {v['name']}", ""]
    deciding = (
        f"  (deciding: {', '.join(v['deciding_criteria'])})" if v["deciding_criteria"] else ""
    )
    lines.append(f"Verdict: {v['verdict'].upper()}{deciding}")
    lines.append("")
    head = (
        f"  {'criterion':<20} {'value':>14} {'':2} {'threshold':>14} {'margin':>14}  {'':4}  result"
    )
    lines.append(head)
    lines.append("  " + "-" * (len(head) - 2))
    for c in v["criteria"]:
        result = {True: "pass", False: "FAIL", None: "not assessed"}[c["passed"]]
        lines.append(
            f"  {c['name']:<20} {_fmt_value(c['name'], c['value']):>14} {c['direction']:2} "
            f"{_fmt_value(c['name'], c['threshold']):>14} "
            f"{_fmt_value(c['name'], c['margin'], margin=True):>14}  "
            f"{'hard' if c['hard'] else 'soft':4}  "
            f"{result}"
        )
    lines.append("")
    for c in v["criteria"]:
        if c["passed"] is not True:
            lines.extend(
                textwrap.wrap(
                    f"{c['name']}: {c['explanation']}",
                    width=98,
                    initial_indent="  ",
                    subsequent_indent="    ",
                )
            )
    m = v["metrics"]
    lines += [
        "",
        "Key metrics",
        f"  extraction life            {m['life_years']} years (simulated horizon "
        f"{m['horizon_years']} years)",
        f"  disturbed area             {m['total_disturbed_area_ha']:,.1f} ha "
        f"(peak unrestored {m['peak_disturbed_area_ha']:,.1f} ha)",
        f"  restoration cost           P50 {m['cost_p50_cny'] / 1e6:,.2f} M CNY "
        f"(P10 {m['cost_p10_cny'] / 1e6:,.2f} – P90 {m['cost_p90_cny'] / 1e6:,.2f} M), "
        f"{m['cost_per_ha_p50_cny']:,.0f} CNY/ha, undiscounted at year-0 prices",
        f"  present value of cost      P50 {m['pv_cost_p50_cny'] / 1e6:,.2f} M, "
        f"P90 {m['pv_cost_p90_cny'] / 1e6:,.2f} M CNY "
        f"(revenue {m['pv_revenue_cny'] / 1e6:,.1f} M CNY)",
        f"  restoration success        {m['success_probability']:.1%} "
        f"(rework on {m['rework_area_share']:.0%} of the area)",
        f"  financial assurance        {m['assurance_probability']:.1%}; operator default "
        f"{m['default_probability']:.1%}; expected unfunded liability "
        f"{m['expected_unfunded_liability_cny'] / 1e6:,.2f} M CNY",
    ]
    if v["conditions"]:
        lines += ["", "Conditions (any one of these fixes its criterion)"]
        for c in v["conditions"]:
            val = f"{c['value']:,.0f}" if abs(c["value"]) >= 1000 else f"{c['value']:g}"
            lines.append(f"  {c['criterion']}: {c['change']}  [{c['field']} = {val}]")
    if v["remedies"]:
        lines += ["", "Plan changes that would fix a hard failure"]
        for c in v["remedies"]:
            lines.append(f"  {c['criterion']}: {c['change']}  [{c['field']} = {c['value']}]")
    if v.get("notes"):
        lines += ["", "Notes"]
        for note in v["notes"]:
            lines.extend(
                textwrap.wrap(note, width=98, initial_indent="  - ", subsequent_indent="    ")
            )
    lines += ["", f"seed {v['seed']}, {v['draws']} draws, restoresim {v['version']}"]
    return "\n".join(lines)


def _json_text(verdicts: list[dict[str, Any]]) -> str:
    doc: Any = verdicts[0] if len(verdicts) == 1 else verdicts
    return json.dumps(
        doc,
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
        default=lambda o: None if isinstance(o, float) and math.isnan(o) else o,
    )


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_outputs(out: Path, ev: Any, text: str, force: bool) -> list[Path]:
    targets = {"verdicts.json": None, "summary.nc": ev.summary, "trajectories.nc": ev.trajectories}
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    existing = [n for n in targets if (out / n).exists()]
    if existing and not force:
        raise InputError(
            f"--out {out}: {', '.join(existing)} already exist; use --force to overwrite"
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, ds in targets.items():
        path = out / name
        if ds is None:
            _atomic_write(path, lambda p: p.write_text(text + "\n", encoding="utf-8"))
        else:
            _atomic_write(path, lambda p, ds=ds: ds.to_netcdf(p, engine="h5netcdf"))
        written.append(path)
    return written


# ------------------------------------------------------------------------------------------
# commands


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
    if args.out and not args.force:
        out = Path(args.out)
        clash = [
            n for n in ("verdicts.json", "summary.nc", "trajectories.nc") if (out / n).exists()
        ]
        if clash:
            raise InputError(
                f"--out {out}: {', '.join(clash)} already exist; use --force to overwrite"
            )
    ev = evaluate(
        proposals,
        policy,
        draws=args.draws,
        seed=args.seed,
        trajectories=bool(args.out),
        params=overrides,
        conditions=not args.no_conditions,
        progress=len(proposals) > 20,
    )
    text = _json_text(ev.verdicts)
    if args.json:
        print(text)
    else:
        if not args.proposals:
            print(
                f"(evaluating the packaged example {paths[0].name}; "
                "pass proposal files to evaluate your own)\n"
            )
        print("\n\n".join(format_verdict(v) for v in ev.verdicts))
    if args.out:
        written = _write_outputs(Path(args.out), ev, text, args.force)
        print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.proposal import policy_schema, proposal_schema

    schema = proposal_schema() if args.kind == "proposal" else policy_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


COMMANDS = {"evaluate": cmd_evaluate, "schema": cmd_schema}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``restoresim`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"restoresim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("restoresim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(
            f"restoresim: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in restoresim; rerun with --debug for a traceback and report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
