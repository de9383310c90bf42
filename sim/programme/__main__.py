"""``python -m sim.programme calibrate SCENARIO`` and ``python -m sim.programme bench``.

calibrate: run the calibration routine of :mod:`sim.programme.calibrate` and write the result
into the scenario file (``--dry-run``: print it only).

bench: time the discrete-event simulation (events per second; seconds for N replications).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sim.errors import InputError

HUNAN = Path("scenarios/programme/hunan-yangtze-2019.toml")


def _calibrate(args: argparse.Namespace) -> int:
    from sim.programme.calibrate import calibrate, describe, write_result
    from sim.programme.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    result = calibrate(
        scenario,
        replications=args.replications,
        maxfev=args.maxfev,
        log=lambda m: print(m, file=sys.stderr),
    )
    out = describe(result) | {"seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(out, indent=2))
    if not args.dry_run:
        write_result(args.scenario, result)
        print(f"wrote the result into {args.scenario}", file=sys.stderr)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from sim.programme.run import simulate
    from sim.programme.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    simulate(scenario, replications=2, seed=args.seed)  # warm-up (imports, caches)
    t0 = time.perf_counter()
    run = simulate(scenario, replications=args.replications, seed=args.seed)
    total = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "scenario": scenario.programme.id,
                "sites": run.sites.n,
                "replications": args.replications,
                "events": run.events,
                "simulation_seconds": round(run.seconds, 3),
                "events_per_second": round(run.events_per_second),
                "seconds_including_dataset": round(total, 3),
            },
            indent=2,
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.programme")
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate", help="calibrate a scenario and write the result into it")
    cal.add_argument("scenario", type=Path)
    cal.add_argument("--replications", type=int, default=None, help="default: the scenario's")
    cal.add_argument("--maxfev", type=int, default=50, help="Nelder-Mead evaluations per fit")
    cal.add_argument("--dry-run", action="store_true", help="print the result only")
    bench = sub.add_parser("bench", help="time the discrete-event simulation")
    bench.add_argument("scenario", type=Path, nargs="?", default=HUNAN)
    bench.add_argument("--replications", type=int, default=100)
    bench.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        return _calibrate(args) if args.command == "calibrate" else _bench(args)
    except InputError as exc:
        print(f"python -m sim.programme: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
