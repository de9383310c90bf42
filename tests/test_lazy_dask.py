"""xarray's checks for dask and pint arrays answer without importing them (CLI start-up)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from sim.lazy_dask import install

SCRIPT = """
import json, sys
from sim.cli import main
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["evaluate", "--draws", "20", "--json"])
lazy = ("dask", "dask.array", "pint", "sim.monitor.assess", "sim.monitor.update", "zarr")
print(json.dumps([code, sorted(m for m in lazy if m in sys.modules)]))
"""


@pytest.mark.slow
def test_evaluate_imports_neither_dask_nor_pint() -> None:
    """Nor zarr, nor the monitoring model (the command line registers `monitor` without it)."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=600
    )
    code, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert code == 0
    assert imported == []


def test_dask_arrays_are_still_recognised_once_dask_is_imported() -> None:
    install()
    import dask.array as da

    lazy = da.zeros((4, 3), chunks=(2, 3))
    v = xr.Variable(("a", "b"), lazy)
    assert v.chunks == ((2, 2), (3,))
    assert isinstance(v.data, da.Array)
    np.testing.assert_array_equal(v.values, np.zeros((4, 3)))
