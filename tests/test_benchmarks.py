"""The benchmarks run once in their quickest form so they cannot rot (no time is asserted)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[1]


def test_asv_suite_runs_at_its_smallest_sizes() -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_engine", ROOT / "benchmarks" / "suite" / "bench_engine.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for cls_name, args in [
        ("Evaluate", (100, 100)),
        ("Draws", (25,)),
        ("SingleProposal", (1_000,)),
        ("Trajectories", (True,)),
    ]:
        bench = getattr(mod, cls_name)()
        bench.setup(*args)
        for name in dir(bench):
            if name.startswith(("time_", "peakmem_")):
                getattr(bench, name)(*args)
            if name.startswith("track_"):
                assert getattr(bench, name)(*args) > 0
    json.loads((ROOT / "benchmarks" / "asv.conf.json").read_text())


def test_run_script_quick(tmp_path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["speedup_over_reference"] > 1
    assert set(results["scaling"]) == {"proposals", "draws", "years"}
    assert (tmp_path / "scaling.png").stat().st_size > 10_000
    assert "M proposal-draw-years/s" in res.stdout
    assert results["limit_proxy"]["pdy_per_s"] > 0 and results["limit_proxy"]["threads"] == 2
    assert results["startup"]["ratio"] == pytest.approx(
        results["startup"]["evaluate_s"] / results["startup"]["import_s"]
    )


def test_kernel_timing_script(tmp_path) -> None:
    saved = tmp_path / "kernel.npz"
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "kernel_timing.py"),
            *("--proposals", "20", "--draws", "10", "--repeat", "1", "--save", str(saved)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "ns per proposal-draw-year" in res.stdout
    with np.load(saved) as data:
        assert data["out"].shape[1] == data["rin"].shape[1] == 200
        assert np.isfinite(data["rin"]).all()


def test_kernel_ab_script_compares_two_trees_in_one_process() -> None:
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "kernel_ab.py"),
            str(ROOT),
            str(ROOT),
            *("--proposals", "10", "--draws", "5", "--rounds", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr
    assert "B/A paired ratio" in res.stdout
    assert "outputs identical" in res.stdout  # the same tree twice


def test_compile_timing_script_on_a_copy(tmp_path) -> None:
    """A cold compile of a copy of the package (the checkout's own cache is left alone)."""
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "sim", tree / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "compile_timing.py"), "--tree", str(tree)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr
    assert "cold `restoresim evaluate`" in res.stdout
    assert "sim.kernel.simulate_chunk" in res.stdout
