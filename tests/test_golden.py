"""The engine's outputs on fixed cases equal the stored golden files, bit for bit.

Exact equality (NaN equal to NaN): the compiled model computes each row with the same code
wherever the row falls, so any difference is a change of the model or of its compilation
(fast-math reassociation across a changed function boundary shows as differences in the last
bits). The files were made on x86-64 with FMA (AVX-512); numba compiles for the host CPU, so
on a CPU without fused multiply-add the last bits may differ and the files must be regenerated
there. A deliberate change regenerates the files with ``python tests/golden.py`` (see there) and
says why in its commit.
"""

from __future__ import annotations

import numpy as np
import pytest
from golden import DRAWS, cases, outputs, path_of

CASES = dict(cases())


def test_golden_files_exist_for_every_case_and_stay_small() -> None:
    files = {path_of(c) for c in CASES}
    assert all(p.exists() for p in files), [p.name for p in files if not p.exists()]
    stored = set(path_of("x").parent.glob("*.npz"))
    assert stored == files, sorted(p.name for p in stored ^ files)
    assert sum(p.stat().st_size for p in files) < 1_000_000


def _differences(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> list[str]:
    problems = [f"{k}: missing" for k in sorted(set(want) - set(got))]
    problems += [f"{k}: not in the golden file" for k in sorted(set(got) - set(want))]
    for k in sorted(set(got) & set(want)):
        a, b = np.asarray(got[k]), np.asarray(want[k])
        if a.shape != b.shape:
            problems.append(f"{k}: shape {a.shape} != {b.shape}")
        elif not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            a, b = a.astype(float), b.astype(float)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            rel = np.max(np.abs(a - b)[~same] / np.maximum(np.abs(b[~same]), 1e-300))
            problems.append(
                f"{k}: {int(np.sum(~same))} values differ, max relative difference {rel:.3g}"
            )
    return problems


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_equal_golden(case: str) -> None:
    with np.load(path_of(case)) as f:
        want = {k: f[k] for k in f.files}
    got = outputs(CASES[case])
    assert got["raw/cost_cny"].shape == (DRAWS,)
    problems = _differences(got, want)
    assert not problems, f"{case} differs from its golden file:\n  " + "\n  ".join(problems)


def test_a_changed_output_is_reported() -> None:
    """The comparison can fail: one last-bit change in one value is found."""
    case = "packaged-example"
    with np.load(path_of(case)) as f:
        want = {k: f[k] for k in f.files}
    got = dict(want)
    cost = want["raw/cost_cny"].copy()
    cost[3] = np.nextafter(cost[3], np.inf)
    got["raw/cost_cny"] = cost
    [problem] = _differences(got, want)
    assert problem.startswith("raw/cost_cny: 1 values differ, max relative difference 1")
