"""Policy sweeps at scale: portfolios x policies x uncertainties, with sensitivity.

A sweep spec (``scenarios/sweeps/*.toml``, :mod:`sim.sweep.spec`) names a portfolio of
proposals, policy and plan levers, uncertainties over model parameters and a sampler. The
design (:mod:`sim.sweep.design`) is saved first in a chunked Zarr store
(:mod:`sim.sweep.store`); tasks of (scenario x engine group, proposal chunk) run on worker
threads of the process, or on a ``dask.distributed`` cluster (:mod:`sim.sweep.execute`,
:mod:`sim.sweep.tasks`), and stream their results into it;
:mod:`sim.sweep.report` turns a finished store into the comparison of every policy against
the spec's baseline (:mod:`sim.sweep.compare`, :mod:`sim.sweep.summary`: one table per
question, rules in words), figures (:mod:`sim.sweep.figures`), Sobol indices and a tornado
chart; every text of the report is in :mod:`sim.sweep.labels`.

Python API::

    from sim import sweep
    run = sweep.run_sweep("scenarios/sweeps/assurance-threshold.toml", "out/sweep.zarr")
    ds = sweep.open_results("out/sweep.zarr")     # xarray, dims experiment, proposal, ...
    sweep.write_report("out/sweep.zarr", "out/report")
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_spec", "open_results", "run_sweep", "write_report"]


#: the packages of the ``[sweep]`` extra (import names)
SWEEP_MODULES = ("dask", "distributed", "zarr", "SALib")


def require() -> None:
    """Fail with the install command when the ``[sweep]`` extra is missing."""
    from sim.errors import require_extra
    from sim.i18n import N_

    require_extra("sweep", SWEEP_MODULES, N_("policy sweeps"))


def __getattr__(name: str) -> Any:  # lazy: dask, zarr and SALib load on first use
    if name in __all__:
        require()
    if name == "load_spec":
        from sim.sweep.spec import load_spec

        return load_spec
    if name == "run_sweep":
        from sim.sweep.execute import run_sweep

        return run_sweep
    if name == "open_results":
        from sim.sweep.store import open_results

        return open_results
    if name == "write_report":
        from sim.sweep.report import write_report

        return write_report
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
