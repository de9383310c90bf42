"""A/B of ``simulate_chunk`` between two checkouts in ONE process, calls alternating.

    python benchmarks/kernel_ab.py ../main .    # 500 proposals × 100 draws, 100 calls of each

Each tree's copy is compiled afresh (≈ 15 s of CPU each).

On a machine shared with other jobs, separate processes (``kernel_timing.py``) differ by
±5 % between runs of the same tree: the other jobs come and go, and even CPU time moves
with them (shared caches, the host's own scheduling of the VM). Here each tree's ``sim``
package is copied under a name of its own (``sim_a``, ``sim_b``; its own numba cache), both
kernels run on the same random inputs in one process, alternately (A B, then B A, …), and
the paired ratio of their CPU times is reported with the kernels' minimum and median (many
short calls: for identical code the minima agree within 0.2 % under load). The outputs of
the two are compared too (byte for byte).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_IMPORTS = re.compile(r"\b(from|import) sim\b|\bsim\.(?=[a-z_])")


def copy_renamed(tree: Path, name: str, into: Path) -> None:
    """``tree/sim`` copied to ``into/name`` with its imports of ``sim`` renamed."""
    dst = into / name
    shutil.copytree(tree / "sim", dst, ignore=shutil.ignore_patterns("__pycache__"))

    def rename(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)} {name}" if m.group(1) == "from" else f"import {name} as sim"
        return f"{name}."

    for path in dst.rglob("*.py"):
        path.write_text(_IMPORTS.sub(rename, path.read_text("utf-8")), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree_a", help="checkout A (the baseline)")
    parser.add_argument("tree_b", help="checkout B")
    parser.add_argument("--proposals", type=int, default=500)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=100, help="calls of each kernel")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(HERE.parent), str(HERE)]

    import numpy as np
    from portfolio import kernel_inputs

    from sim import engine

    work = Path(tempfile.mkdtemp(prefix="kernel-ab-"))
    try:
        tags = ("a", "b")
        for tag, tree in zip(tags, (args.tree_a, args.tree_b), strict=True):
            copy_renamed(Path(tree).resolve(), f"sim_{tag}", work)
        sys.path.insert(0, str(work))
        kernels = {tag: importlib.import_module(f"sim_{tag}.kernel") for tag in tags}

        x = kernel_inputs(args.proposals)
        par, keys, streams = x["par"], x["keys"], x["streams"]
        g_inf, g_disc, g_int = x["g_inf"], x["g_disc"], x["g_int"]
        n_rows = args.proposals * args.draws
        pdy = args.draws * float(par[:, engine._HORIZON_COL].sum())
        k_a = kernels["a"]
        rin = np.empty((k_a.N_RIN, n_rows))
        k_a.draw_inputs(k_a.param_records(par), keys, streams, 0, rin)

        outs, calls = {}, {}
        for tag, k in kernels.items():
            prec = k.param_records(par)
            yearly = k.records(np.empty((0, 0), dtype=k.YEARLY_DTYPE))
            out = outs[tag] = np.empty((len(k.OUT_SCALARS), n_rows))
            own_rin = rin.copy()

            def call(k=k, prec=prec, yearly=yearly, out=out, own_rin=own_rin) -> None:
                k.simulate_chunk(
                    prec, keys, streams, 0, own_rin, g_inf, g_disc, g_int, out, yearly, False
                )

            calls[tag] = call
            call()  # compile or load
        same = np.array_equal(outs["a"], outs["b"], equal_nan=True)
        times: dict[str, list[float]] = {tag: [] for tag in tags}
        for r in range(args.rounds):
            for tag in tags if r % 2 == 0 else tags[::-1]:
                t0 = time.process_time()
                calls[tag]()
                times[tag].append(time.process_time() - t0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ns = {tag: np.array(times[tag]) / pdy * 1e9 for tag in tags}
    ratio = np.array(times["b"]) / np.array(times["a"])
    for tag, tree in zip(tags, (args.tree_a, args.tree_b), strict=True):
        print(
            f"{tag.upper()} {Path(tree).resolve().name}: simulate_chunk min "
            f"{ns[tag].min():.2f}, median {np.median(ns[tag]):.2f} ns per proposal-draw-year"
        )
    print(
        f"B/A paired ratio: median {np.median(ratio):.3f} (range {ratio.min():.3f}-"
        f"{ratio.max():.3f}, {args.rounds} rounds); outputs "
        f"{'identical' if same else 'DIFFERENT'}; load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
