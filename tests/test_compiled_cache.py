"""Editing the parameter registry cannot make numba's on-disk cache serve a stale kernel.

numba's cache notices edits to the compiled function's own file only. The kernel reads its
parameters as records of ``sim.keys.PARAM_DTYPE``, whose field names and offsets are part of the
compiled signature, so a registry with one more key (shifting every column after it) gets a
kernel compiled for the new layout. Before, the kernel took its column numbers from globals
built in ``sim/keys.py``: the same edit made ``restoresim evaluate`` report a cost P50 of
1.85e12 CNY instead of 14.8 M. Likewise the output registry: the kernel's output rows follow its
per-draw outputs, and numba's cache is stamped with their order (without that stamp, swapping
two outputs made the cost P50 0.92 M CNY instead of 13.9 M).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim

SCRIPT = """
import json, sim
ev = sim.evaluate([sim.load_proposal(sim.example_path())], draws=200, seed=3, conditions=False)
s = ev.summary.isel(proposal=0)
print(json.dumps({"file": sim.__file__,
                  "cost_p50": float(s["cost_cny"].sel(quantile=0.5)),
                  "success": float(s["success_probability"]),
                  "assurance": float(s["assurance_probability"])}))
"""


def evaluate_example(package_root: Path, cache_dir: Path) -> dict[str, float]:
    """Summary numbers of the packaged example, in a fresh process importing ``sim`` from
    ``package_root`` with numba's cache in ``cache_dir``."""
    env = {**os.environ, "PYTHONPATH": str(package_root), "NUMBA_CACHE_DIR": str(cache_dir)}
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=cache_dir.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result.pop("file")).is_relative_to(package_root)
    return result


def add_registry_key(keys_py: Path) -> None:
    """Insert an unused float key before every other float key of the registry."""
    text = keys_py.read_text("utf-8")
    anchor = "FLOAT_KEYS: tuple[str, ...] = (\n"
    assert text.count(anchor) == 1
    keys_py.write_text(text.replace(anchor, anchor + '    "unused_test_key",\n'), "utf-8")


def swap_cost_outputs(registry_py: Path) -> None:
    """Swap the registry's per-draw cost and cost per hectare: the kernel's output rows of both
    change (a stale kernel would report the cost per hectare as the cost)."""
    text = registry_py.read_text("utf-8")
    assert "\nDRAW: tuple[Output, ...] = (" in text
    registry_py.write_text(
        text
        + "\n_names = [o.name for o in DRAW]\n"
        + '_i, _j = _names.index("cost_cny"), _names.index("cost_per_ha_cny")\n'
        + "_swapped = list(DRAW)\n"
        + "_swapped[_i], _swapped[_j] = DRAW[_j], DRAW[_i]\n"
        + "DRAW = tuple(_swapped)\n",
        "utf-8",
    )


@pytest.mark.slow
def test_registry_edits_do_not_reuse_a_stale_kernel(tmp_path: Path) -> None:
    """One copy of the package, compiled once; then the parameter registry edited (the kernel
    recompiles, the results are the same), restored, and the output registry edited (likewise).
    Three compiles in one test rather than four in two: the slowest test of CI."""
    root = tmp_path / "copy"
    shutil.copytree(
        Path(sim.__file__).parent, root / "sim", ignore=shutil.ignore_patterns("__pycache__")
    )
    cache = tmp_path / "numba-cache"
    before = evaluate_example(root, cache)
    assert any(cache.rglob("*.nbi")), "the first run should fill numba's cache"
    assert 5e6 < before["cost_p50"] < 5e7
    kernel_stamp = (root / "sim" / "kernel.py").stat().st_mtime_ns
    for edited, edit in (("keys.py", add_registry_key), ("outputs_registry.py", swap_cost_outputs)):
        path = root / "sim" / edited
        original = path.read_bytes()
        edit(path)
        after = evaluate_example(root, cache)
        assert (root / "sim" / "kernel.py").stat().st_mtime_ns == kernel_stamp
        assert after == before, edited
        path.write_bytes(original)
