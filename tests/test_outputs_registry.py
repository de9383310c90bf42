"""The output registry and what is emitted agree, both ways (sim/outputs_registry.py).

Every variable of the engine's datasets, the JSON verdict's metrics, the sweep store and the
programme's datasets is registered, with the registry's dims, units and long name; every
registered entry is emitted. Units are read by pint; long names are in the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from test_sweep import BASE, write_spec

import sim
from sim import kernel
from sim import outputs_registry as registry
from sim.api import METRIC_UNITS
from sim.i18n import use_lang
from sim.model._compile import output_layout_stamp
from sim.sweep import store


def check_dataset(ds: xr.Dataset, entries: tuple[registry.Output, ...]) -> None:
    """``ds`` has exactly the registered variables, each with its dims and attributes."""
    assert list(ds.data_vars) == [o.name for o in entries]
    for o in entries:
        assert ds[o.name].dims == o.dims, o.name
        assert ds[o.name].attrs["units"] == o.unit, o.name
        assert ds[o.name].attrs["long_name"] == o.full_long_name, o.name
        assert ds[o.name].attrs.get("description", "") == o.description, o.name


@pytest.fixture(scope="module")
def evaluation() -> sim.Evaluation:
    return sim.evaluate(
        [sim.load_proposal(sim.example_path())],
        draws=20,
        seed=1,
        trajectories=True,
        raw=True,
        conditions=False,
    )


def test_engine_datasets_are_the_registry(evaluation) -> None:
    check_dataset(evaluation.summary, registry.SUMMARY)
    check_dataset(evaluation.trajectories, registry.TRAJECTORY)
    check_dataset(evaluation.raw, registry.DRAW + registry.DRAW_YEARLY)
    coords = registry.by_name(registry.COORDINATES)
    for ds in (evaluation.summary, evaluation.trajectories, evaluation.raw):
        for name in ds.coords:
            assert ds[name].attrs["units"] == coords[name].unit
            assert ds[name].attrs["long_name"] == coords[name].long_name
    # kinds: the raw draws keep their natural dtypes
    for o in registry.DRAW:
        kind = evaluation.raw[o.name].dtype.kind
        assert kind == {"bool": "b", "int": "i", "float": "f"}[o.kind], o.name


def test_netcdf_files_keep_the_registry_attributes(evaluation, tmp_path: Path) -> None:
    """What `restoresim evaluate --out` writes (summary.nc, trajectories.nc) explains itself."""
    for ds, entries in (
        (evaluation.summary, registry.SUMMARY),
        (evaluation.trajectories, registry.TRAJECTORY),
    ):
        path = tmp_path / "x.nc"
        ds.to_netcdf(path, engine="h5netcdf")
        with xr.open_dataset(path, engine="h5netcdf") as back:
            for o in entries:
                assert back[o.name].attrs == o.attrs(), o.name
        path.unlink()


def test_kernel_layout_is_the_registry_order() -> None:
    assert kernel.OUT_SCALARS == tuple(o.name for o in registry.DRAW)
    assert kernel.OUT_YEARLY == tuple(o.name for o in registry.DRAW_YEARLY)
    assert kernel.OUT_COLS_DTYPE.names == kernel.OUT_SCALARS
    assert kernel.YEARLY_DTYPE.names[-1] == "cover"
    n_cover = kernel.YEARLY_DTYPE["cover"].shape[0]
    assert kernel.OUT_YEARLY[-n_cover:] == tuple(f"cover_{c}" for c in registry.COVER_CLASSES)


def test_cache_stamp_follows_the_output_layout_not_the_labels(monkeypatch) -> None:
    before = output_layout_stamp()
    relabelled = tuple(replace(o, long_name="x", unit="m", description="y") for o in registry.DRAW)
    monkeypatch.setattr(registry, "DRAW", relabelled)
    assert output_layout_stamp() == before
    monkeypatch.setattr(registry, "DRAW", (relabelled[1], relabelled[0], *relabelled[2:]))
    assert output_layout_stamp() != before


def test_json_metrics_and_units_are_the_registry(evaluation) -> None:
    verdict = evaluation.verdicts[0]
    json_metrics = [m for m in registry.METRICS if "json" in m.uses]
    assert list(verdict["metrics"]) == [m.name for m in json_metrics]
    assert verdict["metric_units"] == {m.name: m.unit for m in json_metrics} == METRIC_UNITS
    s = evaluation.summary.isel(proposal=0)
    for m in json_metrics:
        v = s[m.source] if m.quantile is None else s[m.source].sel(quantile=m.quantile)
        assert verdict["metrics"][m.name] == pytest.approx(float(v), rel=1e-9, abs=0.5)
        assert isinstance(verdict["metrics"][m.name], int if m.kind == "int" else float)


def test_sweep_store_is_the_registry(tmp_path: Path) -> None:
    from sim.sweep.execute import run_sweep

    spec = write_spec(
        tmp_path / "sweep.json",
        BASE | {"portfolio": {"synthetic": 3}, "sweep": {"name": "reg", "seed": 1, "draws": 8}},
    )
    run_sweep(spec, tmp_path / "s.zarr", workers=1)
    ds = store.open_results(tmp_path / "s.zarr")
    metrics = tuple(m for m in registry.METRICS if "sweep" in m.uses)
    outputs = [o.name for o in (*registry.SWEEP_DECISIONS, *metrics)]
    outputs += [o.name for o in (*registry.SWEEP_OUTCOMES, *registry.SWEEP_BY_CRITERION)]
    assert set(ds.data_vars) == set(store.DESIGN_VARIABLES) | set(outputs)
    for o in (*registry.SWEEP_DECISIONS, *registry.SWEEP_OUTCOMES, *registry.SWEEP_BY_CRITERION):
        assert ds[o.name].dims == o.dims, o.name
        assert ds[o.name].attrs["units"] == o.unit, o.name
        assert ds[o.name].attrs["long_name"] == o.long_name, o.name
    for m in metrics:
        assert ds[m.name].dims == ("run", "proposal"), m.name
        assert ds[m.name].attrs["units"] == m.unit, m.name
        assert ds[m.name].attrs["long_name"] == registry.metric_long_name(m), m.name
    # the stored metric values are the engine summary's at the registered quantile
    assert np.isfinite(ds["cost_p90_cny"].values).all()
    assert (ds["cost_p90_cny"] >= ds["cost_p50_cny"]).all()


def test_programme_datasets_are_the_registry() -> None:
    from test_programme import small

    from sim.programme.run import simulate
    from sim.programme.whatif import sweep

    sc = small({"sweep.crews": [6, 12]})
    ds = simulate(sc, replications=2, seed=3).dataset
    assert set(ds.data_vars) == {o.name for o in registry.PROGRAMME}
    for o in registry.PROGRAMME:
        assert ds[o.name].dims == o.dims, o.name
        assert ds[o.name].attrs == o.attrs(), o.name
    sw = sweep(sc, replications=2, seed=3)
    check_dataset(sw, registry.PROGRAMME_WHATIF)


#: the unit a name's suffix promises (longest suffix first)
SUFFIX_UNITS = {"_per_ha_cny": "CNY/ha", "_cny": "CNY", "_ha": "ha", "_years": "year", "_days": "d"}


def test_units_are_read_by_pint_and_match_the_names() -> None:
    pint = pytest.importorskip("pint")
    ureg = pint.UnitRegistry()
    ureg.define("CNY = [currency]")
    for table, entries in registry.TABLES.items():
        for o in entries:
            unit = ureg.Unit(o.unit)  # raises on a unit pint does not read
            name = re.sub(r"_p\d+(?=_)", "", o.name)  # cost_per_ha_p50_cny: cost_per_ha_cny
            suffix = next((s for s in SUFFIX_UNITS if name.endswith(s)), None)
            if suffix is not None and table != "coordinate":
                want = ureg.Unit(SUFFIX_UNITS[suffix]).dimensionality
                assert unit.dimensionality == want, (table, o.name, o.unit)


def test_long_names_are_translated() -> None:
    with use_lang("zh"):
        for entries in registry.TABLES.values():
            for o in entries:
                title = o.title()
                assert re.search(r"[\u4e00-\u9fff]", title), (o.name, title)
