"""Golden outputs: what the engine computes for fixed cases, stored to catch any change.

The cases are the packaged example, every other proposal in ``scenarios/proposals/`` and the
reference variants of ``tests/test_engine_reference.py``, each run alone with :data:`DRAWS` draws
and seed :data:`SEED` under the default policy and parameter library. For each case the file
keeps

- every per-draw scalar output of every draw (``raw/<name>``),
- every per-year output of the first :data:`YEARLY_DRAWS` draws (``year/<name>``),
- the summaries (``summary/<name>``: quantiles and means over the draws) and the per-year
  trajectories (``traj/<name>``: quantiles over the draws, cover included).

Regenerate after a deliberate change of the model (and say why in the commit)::

    python tests/golden.py            # rewrites tests/data/golden/*.npz
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import sim

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "data" / "golden"
DRAWS = 200
SEED = 20261207
YEARLY_DRAWS = 1


def cases() -> Iterator[tuple[str, Any]]:
    """(case name, proposal) of every golden case."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import make_proposal
    from test_engine_reference import VARIANTS

    example = sim.example_path()
    yield "packaged-example", sim.load_proposal(example)
    for path in sorted((ROOT / "scenarios" / "proposals").glob("*.toml")):
        if path.read_bytes() == example.read_bytes():
            continue  # the scenarios' copy of the packaged example
        yield f"scenario-{path.stem}", sim.load_proposal(path)
    for name in sorted(VARIANTS):
        if VARIANTS[name]:
            yield f"variant-{name}", make_proposal(VARIANTS[name])


def outputs(proposal: Any) -> dict[str, np.ndarray]:
    """The arrays kept for one case (see the module docstring)."""
    from sim import engine
    from sim.params import load_library

    res = engine.run(
        [proposal],
        sim.load_policy(),
        draws=DRAWS,
        seed=SEED,
        lib=load_library(),
        trajectories=True,
        raw=True,
    )
    out: dict[str, np.ndarray] = {}
    raw = res.raw.isel(proposal=0)
    for name, var in raw.data_vars.items():
        if "year" in var.dims:
            out[f"year/{name}"] = var.values[:YEARLY_DRAWS]
        else:
            out[f"raw/{name}"] = var.values
    for name, var in res.summary.isel(proposal=0).data_vars.items():
        if "input" not in var.dims:
            out[f"summary/{name}"] = np.asarray(var.values)
    for name, var in res.trajectories.isel(proposal=0).data_vars.items():
        out[f"traj/{name}"] = var.values
    return out


def path_of(case: str) -> Path:
    return GOLDEN_DIR / f"{case}.npz"


def write() -> None:
    """Rewrite every golden file (and remove those of cases that no longer exist)."""
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    names = set()
    for case, proposal in cases():
        np.savez_compressed(path_of(case), **outputs(proposal))
        names.add(path_of(case).name)
    for old in GOLDEN_DIR.glob("*.npz"):
        if old.name not in names:
            old.unlink()
    total = sum(p.stat().st_size for p in GOLDEN_DIR.glob("*.npz"))
    print(f"{len(names)} golden files, {total / 1e3:.0f} kB in {GOLDEN_DIR}")


if __name__ == "__main__":
    write()
