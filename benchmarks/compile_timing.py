"""The first run after an install: a cold compile of ``restoresim evaluate``, and what compiles.

    python benchmarks/compile_timing.py                  # this checkout
    python benchmarks/compile_timing.py --tree ../other  # another checkout, for an A/B

Deletes the checkout's numba cache (``sim/**/*.nbi``, ``*.nbc``), runs ``restoresim evaluate`` on
the packaged example in a fresh process and prints its wall and CPU time and the numba
dispatchers that compiled, longest first (numba's compile events: a dispatcher's time includes
the functions it compiled on the way, e.g. the kernel's includes ``age_rule``). CPU time is the
figure to compare on a shared machine: the compile runs on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time
from numba.core import event

starts, rows = {}, []


class Timer(event.Listener):
    def on_start(self, ev):
        starts[id(ev.data["dispatcher"]), str(ev.data["args"])] = time.process_time()

    def on_end(self, ev):
        d = ev.data["dispatcher"]
        t0 = starts.pop((id(d), str(ev.data["args"])))
        rows.append((time.process_time() - t0, f"{d.py_func.__module__}.{d.py_func.__qualname__}"))


event.register("numba:compile", Timer())
from sim.cli import main

try:
    main(["evaluate"])
except SystemExit:
    pass
import sim

print(json.dumps({"cpu_s": time.process_time(), "dispatchers": sorted(rows, reverse=True),
                  "sim": sim.__file__}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="checkout to time")
    parser.add_argument("--top", type=int, default=8, help="dispatchers to list")
    args = parser.parse_args(argv)
    tree = Path(args.tree).resolve()
    removed = 0
    for pattern in ("*.nbi", "*.nbc"):
        for path in (tree / "sim").rglob(pattern):
            path.unlink()
            removed += 1
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=tree, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result["sim"]).resolve().is_relative_to(tree):
        parser.error(f"sim imported from {result['sim']}, not from {tree}")
    print(
        f"{tree.name}: cold `restoresim evaluate` {wall:.1f} s wall, {result['cpu_s']:.1f} s CPU "
        f"({removed} cached files removed; load average {os.getloadavg()[0]:.2f})"
    )
    for seconds, name in result["dispatchers"][: args.top]:
        print(f"  {seconds:6.2f} s CPU  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
