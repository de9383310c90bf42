"""The engine's outputs on fixed cases equal the stored golden files.

Integer and boolean outputs (life, success, assurance, default, default year …) must be equal;
floating-point outputs equal to :data:`RTOL` relative (and :data:`ATOL_CNY` for money, whose
exact zeros are round-off of flows of millions). The tolerance is for the compiler only: the
model is compiled with fast-math reassociation, and LLVM orders a reassociated sum by where its
terms are defined, so moving an equation into a stage function (same arithmetic) can change the
last bits. Seen so far: ≤ 5e-16 relative on costs, ≤ 2e-13 on the fund at closure (a
difference of flows), when the unit costs became a stage. A flipped discrete outcome moves a
summary probability by 1/200 and a draw's cost by far more than RTOL, so any change of the
model still fails. The files were made on x86-64 with FMA (AVX-512). A deliberate change
regenerates the files with ``python tests/golden.py`` (see there) and says why in its commit.
"""

from __future__ import annotations

import numpy as np
import pytest
from golden import DRAWS, cases, outputs, path_of

CASES = dict(cases())
RTOL = 1e-12
ATOL_CNY = 1e-6


def test_golden_files_exist_for_every_case_and_stay_small() -> None:
    files = {path_of(c) for c in CASES}
    assert all(p.exists() for p in files), [p.name for p in files if not p.exists()]
    stored = set(path_of("x").parent.glob("*.npz"))
    assert stored == files, sorted(p.name for p in stored ^ files)
    # about 40 kB a case; raised from 1 MB for the two design-path examples (issue 12)
    assert sum(p.stat().st_size for p in files) < 1_100_000


def _differences(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> list[str]:
    problems = [f"{k}: missing" for k in sorted(set(want) - set(got))]
    problems += [f"{k}: not in the golden file" for k in sorted(set(got) - set(want))]
    for k in sorted(set(got) & set(want)):
        a, b = np.asarray(got[k]), np.asarray(want[k])
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            problems.append(f"{k}: {a.dtype}{a.shape} != {b.dtype}{b.shape}")
            continue
        if a.dtype.kind == "f":
            atol = ATOL_CNY if k.endswith("_cny") else 0.0
            ok = np.isclose(a, b, rtol=RTOL, atol=atol, equal_nan=True)
        else:
            ok = a == b
        if not ok.all():
            a, b = a.astype(float), b.astype(float)
            rel = np.max(np.abs(a - b)[~ok] / np.maximum(np.abs(b[~ok]), 1e-300))
            problems.append(
                f"{k}: {int(np.sum(~ok))} values differ, max relative difference {rel:.3g}"
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
    """The comparison can fail: a change of 1e-10 in one cost, or one flipped success, is
    found; a change in the last bit is within the compiler's tolerance."""
    case = "packaged-example"
    with np.load(path_of(case)) as f:
        want = {k: f[k] for k in f.files}
    got = dict(want)
    cost = want["raw/cost_cny"].copy()
    cost[3] = np.nextafter(cost[3], np.inf)
    got["raw/cost_cny"] = cost
    assert _differences(got, want) == []
    cost[3] = want["raw/cost_cny"][3] * (1.0 + 1e-10)
    [problem] = _differences(got, want)
    assert problem.startswith("raw/cost_cny: 1 values differ, max relative difference 1e-10")
    got = dict(want)
    got["raw/success"] = ~want["raw/success"]
    [problem] = _differences(got, want)
    assert problem.startswith("raw/success: 200 values differ")
