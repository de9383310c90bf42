"""Benchmark of the vectorised core: throughput, memory, scaling, and the ratio to the reference.

    python benchmarks/run.py            # the full run (≈ 100,000 proposals × 100 draws)
    python benchmarks/run.py --quick    # under a minute: small sizes, same measurements
    python benchmarks/run.py --batch-only --batch 20 1000   # only the batch line (issue 16)

Prints a table and writes ``results.json`` and ``scaling.png`` to ``--out`` (default
``benchmarks/results/``). Throughput is in proposal-draw-years per second: one draw of one
proposal over one year of its own horizon. Every size runs in a fresh process so its peak
resident memory (RSS) is its own; timings exclude start-up and the one-off compilation of the
kernel (cached on disk after the first run) but include resolving the inputs, the random draws,
the summaries and the datasets, i.e. ``sim.evaluate(..., trajectories=False)``. Verdicts are
computed on first access and timed separately. Nothing here is asserted: it measures.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:  # the installed package; from a plain checkout, the package beside this folder
    import sim  # noqa: F401
except ImportError:
    sys.path.insert(1, str(HERE.parent))

FULL = {
    "sizes": [("small", 1_000, 100), ("medium", 10_000, 100), ("large", 100_000, 100)],
    "scale_proposals": [2_000, 5_000, 10_000, 20_000],
    "scale_draws": [25, 50, 100, 200],
    "scale_years": [0.5, 1.0, 2.0, 4.0],
    "scale_base": (5_000, 100),
    "reference": (40, 10),
    "trajectories": (200, 500),
    "batch": (100, 1_000),
    "sweep": (10_000, 200),
    "moderate": (1_000, 300),
}
QUICK = {
    "sizes": [("small", 300, 50), ("medium", 2_000, 100)],
    # above 1,000 proposals, where the inputs are no longer copied into the attributes
    "scale_proposals": [1_500, 3_000, 6_000],
    "scale_draws": [25, 50, 100],
    "scale_years": [0.5, 1.0, 2.0],
    "scale_base": (2_000, 50),
    "reference": (8, 5),
    "trajectories": (20, 200),
    "batch": (4, 50),
    "sweep": (300, 20),
    "moderate": (200, 50),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _evaluate(
    n: int,
    draws: int,
    workers: int | None,
    life_scale: float = 1.0,
    seed: int = 0,
    repeat: int = 1,
) -> dict:
    """Time sim.evaluate on a synthetic portfolio (in the calling process): the fastest of
    ``repeat`` runs, as ``timeit`` reports (the others were slowed by something else; every
    run's time is kept in ``all_seconds``); the peak RSS is the process's, over all runs."""
    from portfolio import synthetic_portfolio

    import sim

    policy = sim.load_policy()
    warm = synthetic_portfolio(4, seed=99)
    sim.evaluate(warm, policy, draws=5, seed=seed, workers=workers)  # compile / load the kernel
    portfolio = synthetic_portfolio(n, seed=seed, life_scale=life_scale)
    rss_before = _rss_mb()
    times = []
    horizons, mean_horizon = 0, 0.0
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        ev = sim.evaluate(portfolio, policy, draws=draws, seed=seed, workers=workers)
        times.append(time.perf_counter() - t0)
        horizons = int(ev.summary["horizon_years"].sum())
        mean_horizon = float(ev.summary["horizon_years"].mean())
        del ev  # one result at a time: the peak RSS is that of one run, as with one repeat
        gc.collect()
    seconds = min(times)
    pdy = draws * horizons
    return {
        "proposals": n,
        "draws": draws,
        "life_scale": life_scale,
        "seconds": seconds,
        "all_seconds": times,
        "proposal_draw_years": pdy,
        "pdy_per_s": pdy / seconds,
        "mean_horizon_years": mean_horizon,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _rss_mb(),
    }


def _child(args: tuple) -> dict:
    return _evaluate(*args)


def in_fresh_process(*args) -> dict:
    """Run :func:`_evaluate` in a new process so its peak RSS is its own."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_child, (args,))


def _sweep_child(args: tuple) -> dict:
    return sweep_speed(*args)


def sweep_in_fresh_process(*args) -> dict:
    """Run :func:`sweep_speed` in a new process, so its memory (10,000 proposals, dask, zarr)
    does not count in the peak RSS of the evaluations started after it."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        result = pool.apply(_sweep_child, (args,))
        pool.close()  # the child exits by itself, releasing what it holds
        pool.join()
    return result


def reference_speed(n: int, draws: int) -> dict:
    """Proposal-draw-years per second of the scalar reference (one core)."""
    from portfolio import synthetic_portfolio

    import sim
    from sim import engine, reference

    portfolio = synthetic_portfolio(n, seed=5)
    prepared = engine.prepare(portfolio, sim.load_policy(), sim.params.load_library())
    t0 = time.perf_counter()
    pdy = 0
    for p in prepared:
        reference.simulate_draws(p.resolved, p.draws(0, draws))
        pdy += draws * p.horizon
    seconds = time.perf_counter() - t0
    return {"proposals": n, "draws": draws, "seconds": seconds, "pdy_per_s": pdy / seconds}


def single_proposal(draws: int = 10_000) -> dict:
    """One proposal: the engine call alone, and `restoresim evaluate` with start-up."""
    import sim
    from sim import engine

    p = sim.load_proposal(sim.example_path())
    policy = sim.load_policy()
    engine.run([p], policy, draws=10, seed=0)
    t0 = time.perf_counter()
    engine.run([p], policy, draws=draws, seed=0)
    engine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.evaluate([p], policy, draws=draws, seed=0).verdicts  # noqa: B018 - verdicts included
    evaluate_s = time.perf_counter() - t0
    cmd = [sys.executable, "-m", "sim.cli", "evaluate", "--json", "--draws", str(draws)]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the on-disk kernel cache
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    cli_s = time.perf_counter() - t0
    return {
        "draws": draws,
        "engine_s": engine_s,
        "evaluate_with_verdict_s": evaluate_s,
        "cli_wall_s": cli_s,
    }


def startup_ratio(rounds: int = 3, draws: int = 1_000) -> dict:
    """`restoresim evaluate --draws 1000` (warm kernel cache) against ``python -c "import numpy,
    xarray"``, each in a fresh process, alternately ``rounds`` times; medians and their ratio
    (issue 16: at most 2)."""
    import statistics

    base_cmd = [sys.executable, "-c", "import numpy, xarray"]
    cli_cmd = [sys.executable, "-m", "sim.cli", "evaluate", "--json", "--draws", str(draws)]
    subprocess.run(cli_cmd, capture_output=True, check=True)  # warm the on-disk kernel cache
    walls: dict[str, list[float]] = {"import": [], "evaluate": []}
    for _ in range(rounds):
        for key, cmd in (("import", base_cmd), ("evaluate", cli_cmd)):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            walls[key].append(time.perf_counter() - t0)
    imp, ev = statistics.median(walls["import"]), statistics.median(walls["evaluate"])
    return {
        "draws": draws,
        "import_s": imp,
        "evaluate_s": ev,
        "ratio": ev / imp,
        "runs": walls,
        "load_average": os.getloadavg()[0],
    }


def limit_proxy(total_pdy: int, threads: int = 2, block: int = 1 << 16) -> dict:
    """The issue's limit proxy: per proposal-draw-year one normal and one uniform variate
    (numpy's ``Generator``) and two ``exp`` evaluations, in blocks, on ``threads`` threads
    (numpy releases the GIL in both), timed in the same run as the engine."""
    import threading

    import numpy as np

    per = total_pdy // threads

    def work(seed: int) -> None:
        gen = np.random.default_rng(seed)
        z, u, e, f = (np.empty(block) for _ in range(4))
        left = per
        while left > 0:
            m = min(block, left)
            gen.standard_normal(out=z[:m])
            gen.random(out=u[:m])
            np.exp(z[:m], out=e[:m])
            np.exp(u[:m], out=f[:m])
            left -= m

    pool = [threading.Thread(target=work, args=(s,)) for s in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - t0
    return {
        "proposal_draw_years": per * threads,
        "threads": threads,
        "seconds": seconds,
        "pdy_per_s": per * threads / seconds,
        "load_average": os.getloadavg()[0],
    }


def trajectories_cost(n: int, draws: int) -> dict:
    """Per-year quantiles are extra work, measured on their own."""
    from portfolio import synthetic_portfolio

    import sim

    portfolio = synthetic_portfolio(n, seed=3)
    policy = sim.load_policy()
    out = {}
    for flag in (False, True):
        t0 = time.perf_counter()
        sim.evaluate(portfolio, policy, draws=draws, seed=0, trajectories=flag)
        out["with" if flag else "without"] = time.perf_counter() - t0
    out.update(proposals=n, draws=draws)
    return out


def stream_cost(n: int = 20_000) -> dict:
    """Seconds per proposal to key its random stream, against one generator per proposal."""
    import numpy as np

    from sim import rng

    ids = [f"SYN-{i:06d}" for i in range(n)]
    t0 = time.perf_counter()
    rng.proposal_keys(0, ids)
    keyed = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for i in ids[: n // 10]:
        ss = np.random.SeedSequence(0, spawn_key=(hash(i) & 0xFFFFFFFF,))
        np.random.Generator(np.random.PCG64(ss)).random(1)
    per_generator = (time.perf_counter() - t0) / (n // 10)
    return {"counter_keys_us": keyed * 1e6, "generator_per_proposal_us": per_generator * 1e6}


def batch_queue(folder: Path, n: int) -> Path:
    """A queue of ``n`` applications: the example proposals in turn, each under a new id."""
    import re

    examples = sorted((HERE.parent / "scenarios" / "proposals").glob("*.toml"))
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = examples[i % len(examples)].read_text(encoding="utf-8")
        text, found = re.subn(r'(?m)^id = ".*"$', f'id = "BENCH-{i:04d}"', text, count=1)
        assert found == 1, examples[i % len(examples)]
        (folder / f"app-{i:04d}.toml").write_text(text, encoding="utf-8")
    return folder


def batch_speed(n: int, draws: int, work: Path, repeat: int = 1) -> dict:
    """``restoresim batch`` with reports on the same ``n`` applications, one worker (in this
    process) against two worker processes: wall seconds, ratio, per-application seconds.

    With ``repeat`` > 1 the two are run alternately and each keeps its fastest run (on a
    machine shared with other work, the run least disturbed)."""
    import shutil

    from sim.batch import run_batch

    queue = batch_queue(work / "queue", n)
    run_batch(batch_queue(work / "warm", 1), work / "warm-out", draws=5, workers=1)  # kernel
    runs: dict[int, dict] = {}
    for _ in range(repeat):
        for workers in (1, 2):
            out = work / f"out-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            res = run_batch(queue, out, draws=draws, workers=workers)
            wall = time.perf_counter() - t0
            assert res.evaluated == n, res.rows
            if workers in runs and runs[workers]["seconds"] <= wall:
                continue
            runs[workers] = {
                "seconds": wall,
                "per_application_mean_s": sum(res.seconds) / len(res.seconds),
                "per_application_max_s": max(res.seconds),
                "per_application_cpu_s": sum(res.cpu_seconds) / len(res.cpu_seconds),
                "workers": res.workers,
                # the machine's load over the last minute, this run included: above the number
                # of CPUs, other work shared the cores and the ratio understates the speed-up
                "load_average_1min": os.getloadavg()[0],
            }
    same = all(
        (work / "out-1" / name).read_bytes() == (work / "out-2" / name).read_bytes()
        for name in ("summary.csv", "summary.html")
    )
    shutil.rmtree(work, ignore_errors=True)
    return {
        "applications": n,
        "draws": draws,
        "repeat": repeat,
        "runs": {str(k): v for k, v in runs.items()},
        "speedup": runs[1]["seconds"] / runs[2]["seconds"],
        "same_summaries": same,
    }


SWEEP_SPEC = HERE.parent / "scenarios" / "sweeps" / "hunan-10k-benchmark.toml"


def sweep_speed(n: int, draws: int, work: Path, repeat: int = 1) -> dict:
    """The policy sweep of ``scenarios/sweeps/hunan-10k-benchmark.toml`` (16 policies sharing one
    engine run) at ``n`` proposals x ``draws``, with one and two workers, and the engine alone
    on the same portfolio with two threads, alternately ``repeat`` times in this process: wall
    seconds of each run (the sweep's from the spec to the finished store, design included)."""
    import shutil
    import tomllib

    from sim import engine
    from sim.proposal import load_policy
    from sim.sweep.design import build_design
    from sim.sweep.execute import run_sweep
    from sim.sweep.spec import parse_spec

    data = tomllib.loads(SWEEP_SPEC.read_text(encoding="utf-8"))
    data["portfolio"]["synthetic"], data["sweep"]["draws"] = n, draws
    spec = parse_spec(data)
    portfolio = build_design(spec).proposals
    policy = load_policy()
    engine.run(portfolio.slice(0, 4), policy, draws=5)  # kernel loaded
    small = parse_spec({**data, "portfolio": {"synthetic": 20}, "sweep": {**data["sweep"]}})
    run_sweep(small, work / "warm.zarr", workers=1)  # dask, zarr imported
    runs: dict[str, list[float]] = {"engine-1": [], "engine": [], "1": [], "2": []}
    design: dict[str, list[float]] = {"1": [], "2": []}
    pdy = 0
    stores = []
    for _ in range(repeat):
        for threads, key in ((1, "engine-1"), (2, "engine")):
            t0 = time.perf_counter()
            res = engine.run(portfolio, policy, draws=draws, seed=spec.sweep.seed, workers=threads)
            runs[key].append(time.perf_counter() - t0)
        pdy = int(res.summary["horizon_years"].sum()) * draws
        for workers in (1, 2):
            store = work / f"sweep-{workers}-{len(runs[str(workers)])}.zarr"
            sw = run_sweep(spec, store, workers=workers)
            runs[str(workers)].append(sw.wall_seconds)
            design[str(workers)].append(sw.design_seconds)
            assert sw.proposal_draw_years == pdy, (sw.proposal_draw_years, pdy)
            stores.append(store)
    from sim.sweep.store import open_results

    first = open_results(stores[0])
    same = all(first.equals(open_results(s)) for s in stores[1:])
    shutil.rmtree(work, ignore_errors=True)
    best = {k: min(v) for k, v in runs.items()}
    return {
        "proposals": n,
        "draws": draws,
        "policies": 16,
        "proposal_draw_years": pdy,
        "repeat": repeat,
        "seconds": runs,
        "design_seconds": design,
        "engine_pdy_per_s": pdy / best["engine"],
        "sweep_pdy_per_s": {k: pdy / best[k] for k in ("1", "2")},
        "share_of_engine": best["engine"] / best["2"],
        "speedup": best["1"] / best["2"],
        # the engine's own speed-up from one thread to two in the same run: on a machine whose
        # cores are shared with other work it bounds what the sweep's workers can show
        "engine_speedup": best["engine-1"] / best["engine"],
        "same_results": same,
        "load_average_1min": os.getloadavg()[0],
    }


def print_sweep(sw: dict) -> None:
    """The sweep measurement's lines."""
    spread = {k: f"{min(v):.2f}–{max(v):.2f} s" for k, v in sw["seconds"].items()}
    print(
        f"  sweep {sw['proposals']:,} × {sw['policies']} policies × {sw['draws']} draws "
        f"({sw['proposal_draw_years'] / 1e6:.1f} M proposal-draw-years), best of "
        f"{sw['repeat']}: engine alone {sw['engine_pdy_per_s'] / 1e6:.1f} M/s on 2 threads "
        f"({spread['engine']}; {sw['engine_speedup']:.2f}× its one-thread rate); "
        f"sweep 1 worker {sw['sweep_pdy_per_s']['1'] / 1e6:.1f} M/s ({spread['1']}), "
        f"2 workers {sw['sweep_pdy_per_s']['2'] / 1e6:.1f} M/s ({spread['2']}; of which design "
        f"and store {min(sw['design_seconds']['2']):.2f} s); load average "
        f"{sw['load_average_1min']:.1f}{'' if sw['same_results'] else '; results DIFFER'}",
        flush=True,
    )


def sweep_budget(sw: dict) -> dict:
    """The sweep budget items: its rate against the engine's, and two workers against one."""
    size = f"{sw['proposals']:,} x {sw['policies']} x {sw['draws']}"
    return {
        f"sweep {size}, 2 workers / engine": (
            sw["share_of_engine"],
            BUDGET["sweep_share"],
            sw["share_of_engine"] >= BUDGET["sweep_share"] and sw["same_results"],
            "of the engine's rate, at least",
        ),
        f"sweep {size}, 2 workers / 1": (
            sw["speedup"],
            BUDGET["sweep_speedup"],
            sw["speedup"] >= BUDGET["sweep_speedup"] and sw["same_results"],
            "x, at least",
        ),
    }


def print_batch(b: dict) -> None:
    """The batch measurement's lines."""
    for w, r in b["runs"].items():
        print(
            f"  batch {b['applications']} applications × {b['draws']:,} draws with reports, "
            f"{w} worker{'s' if w != '1' else ''}: {r['seconds']:.1f} s "
            f"({r['per_application_mean_s']:.2f} s per application, at most "
            f"{r['per_application_max_s']:.2f} s; CPU {r['per_application_cpu_s']:.2f} s per "
            f"application; load average {r['load_average_1min']:.1f})",
            flush=True,
        )
    print(
        f"  batch: 2 workers {b['speedup']:.2f}× one worker"
        f"{'' if b['same_summaries'] else ' (summaries DIFFER)'}",
        flush=True,
    )


def linear_fit(xs: list[float], ys: list[float]) -> dict:
    import numpy as np

    a, b = np.polyfit(xs, ys, 1)
    pred = np.polyval([a, b], xs)
    ss_res = float(np.sum((np.array(ys) - pred) ** 2))
    ss_tot = float(np.sum((np.array(ys) - np.mean(ys)) ** 2)) or 1.0
    return {"slope": float(a), "intercept": float(b), "r2": 1.0 - ss_res / ss_tot}


def plot_scaling(scaling: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    for ax, (key, label) in zip(
        axes,
        (
            ("proposals", "proposals (draws fixed)"),
            ("draws", "draws per proposal (proposals fixed)"),
            ("years", "horizon years (proposals, draws fixed)"),
        ),
        strict=True,
    ):
        runs = scaling[key]["runs"]
        x = [r["proposal_draw_years"] / 1e6 for r in runs]
        y = [r["seconds"] for r in runs]
        fit = scaling[key]["fit"]
        ax.plot(x, y, "o", label="measured")
        xs = [0, max(x) * 1.05]
        ax.plot(
            xs,
            [fit["intercept"] + fit["slope"] * v * 1e6 for v in xs],
            "-",
            lw=1,
            label=f"linear fit, R² = {fit['r2']:.4f}",
        )
        ax.set_xlabel("proposal-draw-years [millions]")
        ax.set_ylabel("wall time [s]")
        ax.set_title(f"varying {label}", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("restoresim engine scaling: sim.evaluate(trajectories=False)")
    fig.savefig(path, dpi=110)
    plt.close(fig)


#: the performance budget of the issue "The vectorised core at speed"
BUDGET = {
    "pdy_per_s": 60e6,
    "peak_rss_mb": 512 * 1.048576,
    "engine_s": 0.3,
    "cli_wall_s": 2.0,
    "batch_speedup": 1.8,  # issue 16: two workers against one, same run
    "sweep_share": 0.6,  # issue 16: sweep with 2 workers against the engine, same run
    "sweep_speedup": 1.7,  # issue 16: sweep with two workers against one
    "moderate_share": 0.8,  # issue 16: sim.evaluate 1,000 x 300 against 100,000 x 100
    "limit_share": 0.5,  # issue 16: the engine at 100,000 x 100 against the limit proxy
    "startup_ratio": 2.0,  # issue 16: `restoresim evaluate` 1 x 1,000 against importing xarray
}


def batch_budget(b: dict) -> dict:
    """The batch budget item: two worker processes against one on the same applications."""
    name = f"batch, {b['applications']} x {b['draws']:,} with reports, 2 workers / 1"
    ok = b["speedup"] >= BUDGET["batch_speedup"] and b["same_summaries"]
    return {name: (b["speedup"], BUDGET["batch_speedup"], ok, "x, at least")}


def _lines(items: dict) -> list[str]:
    return [
        f"{name}: {value:.3g} (limit {limit:.3g}{' ' + unit if unit else ''}) "
        f"{'met' if ok else 'NOT met'}"
        for name, (value, limit, ok, unit) in items.items()
    ]


def budget(results: dict) -> dict:
    """Each budget item: measured, allowed, met (only the full run's large size counts for
    throughput and memory)."""
    items = {}
    large = results["sizes"].get("large")
    if large:
        items["throughput at 100,000 x 100"] = (
            large["pdy_per_s"] / 1e6,
            BUDGET["pdy_per_s"] / 1e6,
            large["pdy_per_s"] >= BUDGET["pdy_per_s"],
            "M proposal-draw-years/s, at least",
        )
        items["peak RSS at 100,000"] = (
            large["peak_rss_mb"],
            BUDGET["peak_rss_mb"],
            large["peak_rss_mb"] <= BUDGET["peak_rss_mb"],
            "MB, at most",
        )
    sp = results["single_proposal"]
    items["engine, 1 x 10,000"] = (sp["engine_s"], BUDGET["engine_s"], sp["engine_s"] < 0.3, "s")
    items["CLI wall, 1 x 10,000"] = (
        sp["cli_wall_s"],
        BUDGET["cli_wall_s"],
        sp["cli_wall_s"] < BUDGET["cli_wall_s"],
        "s",
    )
    r2 = min(b["fit"]["r2"] for b in results["scaling"].values())
    items["linear scaling (least R²)"] = (r2, 0.99, r2 >= 0.99, "")
    items.update(batch_budget(results["batch"]))
    items.update(sweep_budget(results["sweep"]))
    proxy = results.get("limit_proxy")
    if large and proxy:
        share = large["pdy_per_s"] / proxy["pdy_per_s"]
        items["engine 100,000 x 100 / limit proxy"] = (
            share,
            BUDGET["limit_share"],
            share >= BUDGET["limit_share"],
            "of the proxy's rate, at least",
        )
    su = results.get("startup")
    if su:
        items["restoresim evaluate 1 x 1,000 / import numpy, xarray"] = (
            su["ratio"],
            BUDGET["startup_ratio"],
            su["ratio"] <= BUDGET["startup_ratio"],
            "x, at most",
        )
    moderate = results["sizes"].get("moderate")
    if large and moderate:
        share = moderate["pdy_per_s"] / large["pdy_per_s"]
        items["sim.evaluate 1,000 x 300 / 100,000 x 100"] = (
            share,
            BUDGET["moderate_share"],
            share >= BUDGET["moderate_share"],
            "of the rate, at least",
        )
    return {
        "items": {k: {"value": v, "limit": lim, "met": ok} for k, (v, lim, ok, _) in items.items()},
        "lines": _lines(items),
    }


def _finish_with_budget(results: dict, lines: list[str], out: Path) -> int:
    """Print the budget lines of a partial run, write results.json atomically, exit 0."""
    results["budget"] = {"lines": lines}
    for line in lines:
        print(f"  budget: {line}", flush=True)
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    tmp.replace(out / "results.json")
    print(f"wrote {out / 'results.json'}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--out", default=str(HERE / "results"), help="output folder")
    parser.add_argument("--workers", type=int, default=None, help="threads (default: CPUs)")
    parser.add_argument(
        "--batch-only",
        action="store_true",
        help="only the batch line: 1 against 2 worker processes on the same applications",
    )
    parser.add_argument(
        "--batch",
        nargs=2,
        type=int,
        metavar=("APPLICATIONS", "DRAWS"),
        help="size of the batch measurement (default 100 1000; quick: 4 50)",
    )
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="only the sweep lines: the engine, then the sweep on 1 and 2 workers",
    )
    parser.add_argument(
        "--sweep",
        nargs=2,
        type=int,
        metavar=("PROPOSALS", "DRAWS"),
        help="size of the sweep measurement (default 10000 200; quick: 300 20)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="R",
        help=(
            "repeat the sweep, the sizes, the scaling points and the limit proxy R times each "
            "(the fastest run counts, as timeit reports; the spread is shown)"
        ),
    )
    parser.add_argument(
        "--batch-repeat",
        type=int,
        default=1,
        metavar="R",
        help="run 1 and 2 workers alternately R times, each keeping its fastest run",
    )
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import numpy as np

    import sim

    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "restoresim": sim.__version__,
            "platform": platform.platform(),
        },
        "quick": args.quick,
        "workers": args.workers,
    }
    print(
        f"restoresim {sim.__version__} benchmark ({'quick' if args.quick else 'full'}), "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    import tempfile

    if not args.batch_only:  # --batch-only measures the batch line alone, as its help says
        with tempfile.TemporaryDirectory(prefix="restoresim-bench-") as work:
            results["sweep"] = sweep_in_fresh_process(
                *(args.sweep or cfg["sweep"]), Path(work), args.repeat
            )
        print_sweep(results["sweep"])
    if args.sweep_only:
        return _finish_with_budget(results, _lines(sweep_budget(results["sweep"])), out)
    with tempfile.TemporaryDirectory(prefix="restoresim-bench-") as work:
        results["batch"] = batch_speed(
            *(args.batch or cfg["batch"]), Path(work), repeat=args.batch_repeat
        )
    print_batch(results["batch"])
    if args.batch_only:
        return _finish_with_budget(results, _lines(batch_budget(results["batch"])), out)
    results["sizes"] = {}
    for name, n, d in [*cfg["sizes"], ("moderate", *cfg["moderate"])]:
        r = in_fresh_process(n, d, args.workers, 1.0, 0, args.repeat)
        results["sizes"][name] = r
        spread = (
            f" (best of {len(r['all_seconds'])}: {min(r['all_seconds']):.2f}–"
            f"{max(r['all_seconds']):.2f} s)"
            if len(r["all_seconds"]) > 1
            else ""
        )
        print(
            f"  {name:7s} {n:>7,} proposals × {d} draws: {r['seconds']:7.2f} s, "
            f"{r['pdy_per_s'] / 1e6:6.1f} M proposal-draw-years/s, peak RSS "
            f"{r['peak_rss_mb']:.0f} MB{spread}",
            flush=True,
        )
    large = results["sizes"].get("large") or results["sizes"]["medium"]
    results["limit_proxy"] = max(
        (limit_proxy(large["proposal_draw_years"]) for _ in range(max(1, args.repeat))),
        key=lambda r: r["pdy_per_s"],
    )
    lp = results["limit_proxy"]
    print(
        f"  limit proxy (1 normal + 1 uniform + 2 exp per proposal-draw-year, numpy, "
        f"{lp['threads']} threads): {lp['pdy_per_s'] / 1e6:.1f} M/s; the engine at "
        f"{large['proposals']:,} × {large['draws']}: "
        f"{large['pdy_per_s'] / lp['pdy_per_s']:.0%} of it (load average "
        f"{lp['load_average']:.1f})",
        flush=True,
    )
    ref = reference_speed(*cfg["reference"])
    results["reference"] = ref
    best = max(r["pdy_per_s"] for r in results["sizes"].values())
    results["speedup_over_reference"] = best / ref["pdy_per_s"]
    print(
        f"  scalar reference: {ref['pdy_per_s'] / 1e3:.1f} k proposal-draw-years/s "
        f"(engine {results['speedup_over_reference']:,.0f}× faster)",
        flush=True,
    )
    results["single_proposal"] = single_proposal()
    sp = results["single_proposal"]
    print(
        f"  one proposal × 10,000 draws: engine {sp['engine_s']:.3f} s, with verdict and "
        f"conditions {sp['evaluate_with_verdict_s']:.2f} s, `restoresim evaluate` "
        f"{sp['cli_wall_s']:.2f} s wall",
        flush=True,
    )
    results["startup"] = startup_ratio(rounds=1 if args.quick else 3)
    su = results["startup"]
    print(
        f"  start-up: `restoresim evaluate --draws {su['draws']:,}` {su['evaluate_s']:.2f} s "
        f'against `python -c "import numpy, xarray"` {su["import_s"]:.2f} s (medians): '
        f"{su['ratio']:.2f}× (load average {su['load_average']:.1f})",
        flush=True,
    )
    results["trajectories"] = trajectories_cost(*cfg["trajectories"])
    tr = results["trajectories"]
    print(
        f"  trajectories ({tr['proposals']} × {tr['draws']}): {tr['without']:.2f} s without, "
        f"{tr['with']:.2f} s with per-year quantiles",
        flush=True,
    )
    results["streams"] = stream_cost()
    st = results["streams"]
    print(
        f"  random streams: {st['counter_keys_us']:.1f} µs per proposal to key "
        f"(a generator per proposal: {st['generator_per_proposal_us']:.1f} µs)",
        flush=True,
    )

    base_n, base_d = cfg["scale_base"]
    r = args.repeat  # each point the fastest of R runs, as the sizes
    scaling = {
        "proposals": {
            "runs": [_evaluate(n, base_d, args.workers, repeat=r) for n in cfg["scale_proposals"]]
        },
        "draws": {
            "runs": [_evaluate(base_n, d, args.workers, repeat=r) for d in cfg["scale_draws"]]
        },
        "years": {
            "runs": [
                _evaluate(base_n, base_d, args.workers, life_scale=s, repeat=r)
                for s in cfg["scale_years"]
            ]
        },
    }
    for key, block in scaling.items():
        block["fit"] = linear_fit(
            [r["proposal_draw_years"] for r in block["runs"]], [r["seconds"] for r in block["runs"]]
        )
        print(
            f"  scaling in {key:9s}: R² = {block['fit']['r2']:.4f}, "
            f"{1 / block['fit']['slope'] / 1e6:.1f} M proposal-draw-years/s at the margin",
            flush=True,
        )
    results["scaling"] = scaling
    if args.quick:
        print("  budget: judged on the full run only (quick sizes are too small to time)")
    else:
        results["budget"] = budget(results)
        for line in results["budget"]["lines"]:
            print(f"  budget: {line}", flush=True)
    plot_scaling(scaling, out / "scaling.png")
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    tmp.replace(out / "results.json")
    print(f"wrote {out / 'results.json'} and {out / 'scaling.png'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
