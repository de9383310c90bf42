"""The compiled kernel alone: ns per proposal-draw-year of ``draw_inputs`` and ``simulate_chunk``.

    python benchmarks/kernel_timing.py                     # 4,000 proposals × 100 draws, best of 5
    python benchmarks/kernel_timing.py --tree ../other     # another checkout, for an A/B

Both functions are called directly on one synthetic chunk, on one thread, and timed with
``time.process_time`` (CPU time: other jobs on the machine disturb it far less than wall time).
For an A/B, run each tree in its own process, alternately, several times. ``--save FILE``
writes the random inputs and the outputs (``.npz``) to compare two trees byte for byte.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="checkout to time")
    parser.add_argument("--proposals", type=int, default=4_000)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="best of R calls")
    parser.add_argument("--save", metavar="FILE", help="write the inputs and outputs (.npz)")
    args = parser.parse_args(argv)
    tree = Path(args.tree).resolve()
    sys.path[:0] = [str(tree), str(tree / "benchmarks")]

    import numpy as np
    from portfolio import kernel_inputs

    import sim
    from sim import engine
    from sim import kernel as k

    if not Path(sim.__file__).resolve().is_relative_to(tree):
        parser.error(f"sim imported from {sim.__file__}, not from {tree}")
    x = kernel_inputs(args.proposals)
    par, keys, streams = x["par"], x["keys"], x["streams"]
    g_inf, g_disc, g_int = x["g_inf"], x["g_disc"], x["g_int"]
    n_rows = args.proposals * args.draws
    out = np.empty((len(k.OUT_SCALARS), n_rows))
    rin = np.empty((k.N_RIN, n_rows))
    yearly = k.records(np.empty((0, 0), dtype=k.YEARLY_DTYPE))
    prec = k.param_records(par)
    pdy = args.draws * float(par[:, engine._HORIZON_COL].sum())

    def draw() -> None:
        k.draw_inputs(prec, keys, streams, 0, rin)

    def simulate() -> None:
        k.simulate_chunk(prec, keys, streams, 0, rin, g_inf, g_disc, g_int, out, yearly, False)

    draw()  # compile or load the kernels
    simulate()
    best = {}
    for name, fn in (("draw_inputs", draw), ("simulate_chunk", simulate)):
        times = []
        for _ in range(args.repeat):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        best[name] = min(times) / pdy * 1e9
    if args.save:
        np.savez(args.save, rin=rin, out=out)
    print(
        f"{tree.name}: draw_inputs {best['draw_inputs']:.2f} ns, simulate_chunk "
        f"{best['simulate_chunk']:.2f} ns, total {sum(best.values()):.2f} ns per "
        f"proposal-draw-year (one thread, best of {args.repeat}; "
        f"load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
