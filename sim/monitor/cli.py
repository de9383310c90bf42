"""``restoresim monitor``: the supervision list of approved mines from observed cover."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.i18n import _


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a date as YYYY-MM-DD, got {text}", text=repr(text))
        ) from None


def add_parser(sub: Any, run_options: argparse.ArgumentParser) -> None:
    """Register the ``monitor`` sub-command (policy, draws, seed and --param from
    ``run_options``)."""
    mo = sub.add_parser(
        "monitor",
        parents=[run_options],
        help=_("compare observed recovery of approved mines with their projection"),
        description=_(
            "Place each observed vegetation cover of an approved mine's restored land "
            "on the cover projected at approval, give every mine a status (on_track, watch, "
            "behind, no_data), update its success probability from the observations and write "
            "a supervision list sorted by risk. Observations: a CSV table (proposal_id, date, "
            "cover [, area_class, land_use, restored_area_ha or restored_area_mu, source]) or a "
            "raster manifest (proposal_id, date, raster [, kind, areas, area_class, land_use, "
            "source]) of NDVI/FVC GeoTIFFs; Chinese headings (项目编号, 监测日期, 植被覆盖度, "
            "损毁单元, 复垦方向, 复垦面积(亩), 影像文件 …), class names and a cover with its "
            "percent sign (35%) are read too."
        ),
    )
    mo.add_argument("proposals", nargs="+", metavar="PROPOSAL", help=_("approved proposal files"))
    mo.add_argument(
        "--observations", metavar="FILE", required=True, help=_("observation table or manifest")
    )
    mo.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="DATE",
        help=_(
            "assess as of this date: later observations are ignored and next inspections "
            "dated from it (default: the latest observation)"
        ),
    )
    mo.add_argument("--json", action="store_true", help=_("print only the JSON records"))
    mo.add_argument(
        "--out", metavar="DIR", help=_("write monitor.json, supervision.csv/.html and plots to DIR")
    )
    mo.add_argument("--force", action="store_true", help=_("overwrite existing outputs in --out"))


def command(args: argparse.Namespace) -> int:
    """Run ``restoresim monitor``."""
    from sim import monitor
    from sim.i18n import resolve_lang, use_lang
    from sim.monitor import outputs
    from sim.params import load_library
    from sim.proposal import load_policy, load_proposals
    from sim.safeio import printable_lines

    lib = load_library().with_overrides(dict(args.param), origin="--param")
    policy = load_policy(args.policy) if args.policy else load_policy()
    proposals = load_proposals(args.proposals)
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(_("--out {out}: exists and is not a folder", out=out))
        if not args.force:
            outputs.refuse_overwrite(
                out, [outputs.MONITOR_JSON, outputs.SUPERVISION_CSV, outputs.SUPERVISION_HTML]
            )
    res = monitor.run(
        proposals,
        args.observations,
        policy=policy,
        draws=args.draws,
        seed=args.seed,
        as_of=args.as_of,
        lib=lib,
    )
    others = res.run_info["other_mines_observed"]
    today = dt.date.today()
    future = sorted(
        f"{r['proposal_id']} {o['date']}"
        for r in res.records
        for o in r["observations"]
        if dt.date.fromisoformat(o["date"]) > today
    )
    records = [{**r, **res.run_info} for r in res.records]
    with use_lang(resolve_lang(args.lang, policy)):
        if others:
            names = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            print(
                _(
                    "note: observations of {n} mine(s) not given as proposals were left out "
                    "({names})",
                    n=len(others),
                    names=names,
                ),
                file=sys.stderr,
            )
        if future:  # on the terminal only: the outputs do not depend on the day they are made
            print(
                _(
                    "note: {n} observation(s) dated after today ({today}): {which}; a satellite "
                    "image cannot come from the future: check the year (a replay or a "
                    "synthetic test may mean it)",
                    n=len(future),
                    today=today.isoformat(),
                    which=", ".join(future[:5]) + (" …" if len(future) > 5 else ""),
                ),
                file=sys.stderr,
            )
        if args.json:
            print(json.dumps(records, indent=2, ensure_ascii=False))
        else:
            print(printable_lines(outputs.text(res.records)))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            written = outputs.write(out, res.records, res.figures(), res.run_info, args.force)
            print(_("wrote {n} files to {out}", n=len(written), out=out), file=sys.stderr)
    return 0
