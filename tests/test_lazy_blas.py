"""numba's BLAS check answers without importing scipy.linalg (CLI start-up), and BLAS functions
still work (and check scipy for real) when one is compiled."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim import lazy_blas

EVALUATE = """
import contextlib, io, json, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["evaluate", "--draws", "20", "--json"])
from numba.np import arraymath, linalg
print(json.dumps([code, sorted(m for m in ("scipy.linalg", "numpy.f2py") if m in sys.modules),
                  arraymath._HAVE_BLAS, getattr(linalg.ensure_blas, "_lazy", False)]))
"""

BLAS_LATER = """
import json, sys
import numpy as np
from numba import njit
from sim import lazy_blas
installed = lazy_blas.install()

@njit(cache=False)
def count(x):
    return x.sum()

count(np.ones(3))  # numba loads its implementations: the BLAS check is made, lazily
before = "scipy.linalg" in sys.modules

@njit(cache=False)
def dot(a, b):
    return np.dot(a, b)

value = dot(np.arange(6.0).reshape(2, 3), np.ones(3)).tolist()
print(json.dumps([installed, before, value, "scipy.linalg" in sys.modules]))
"""


def _last_json(script: str) -> list:
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_evaluate_does_not_import_scipy_linalg() -> None:
    code, imported, have_blas, still_lazy = _last_json(EVALUATE)
    assert code == 0
    assert imported == []
    assert have_blas is True  # numba's answer is the one it gives with scipy imported
    assert still_lazy is False  # the one-shot check gave way to numba's own


@pytest.mark.slow
def test_blas_functions_still_compile_and_import_scipy_when_used() -> None:
    installed, before, value, after = _last_json(BLAS_LATER)
    assert installed is True
    assert before is False
    assert value == [3.0, 12.0]
    assert after is True


def test_install_is_a_no_op_once_numba_has_asked() -> None:
    import numba.np.arraymath  # noqa: F401  (numba has made its check in this process)

    assert lazy_blas.install() is False
    assert not any(isinstance(f, lazy_blas._PatchOnImport) for f in sys.meta_path)
