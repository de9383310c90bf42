"""Regional restoration programme: a SimPy discrete-event model (model.md §7).

Sites pass through survey and design (design teams), funding release (tranches), tender, works
(crews; duration grows with area, a rainy season slows work), county acceptance, city expert
acceptance in batches (inspector teams), the province's spot check (failures go back to works)
and aftercare. Large, visible and clustered sites are served first, which is why completion by
area runs ahead of completion by count (:mod:`sim.programme.model`).

::

    from sim.programme import load_scenario, simulate, summarise
    sc = load_scenario("scenarios/programme/hunan-yangtze-2019.toml")
    run = simulate(sc, replications=100, seed=0)
    run.dataset                # xarray.Dataset (replication, time, stage) + resources, dates
    summarise(run.dataset, sc) # the JSON summary of ``restoresim programme --json``

Modules: ``scenario`` (input file), ``model`` (SimPy processes), ``run`` (replications ->
Dataset), ``summary``, ``whatif`` (sweep), ``calibrate``, ``sources`` (inventory, portfolio),
``plots``. ``python -m sim.programme calibrate|bench`` runs the calibration
(:func:`sim.programme.calibrate.calibrate`) and the benchmark.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Scenario",
    "load_scenario",
    "parse_scenario",
    "simulate",
    "summarise",
    "sweep",
]

_WHERE = {
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "parse_scenario": "scenario",
    "simulate": "run",
    "summarise": "summary",
    "sweep": "whatif",
}


def __getattr__(name: str) -> Any:  # lazy: nothing heavy happens at import time
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"sim.programme.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'sim.programme' has no attribute {name!r}")
