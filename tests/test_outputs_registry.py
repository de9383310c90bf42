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


@pytest.mark.slow
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


# ------------------------------------------------------------------------------------------
# every output a user sees (figure axis, table head, dataset variable) is the registry's


ROOT = Path(__file__).parents[1]
#: the modules that name outputs in figures and tables
SHOWING = (
    "sim/report/figures.py",
    "sim/report/html.py",
    "sim/monitor/outputs.py",
    "sim/programme/plots.py",
    "sim/programme/summary.py",
    "sim/batch.py",
    "sim/verdict_text.py",
)
LOOKUP = re.compile(r"""(?:\bout|registry\.lookup)\(\s*"(\w+)",\s*"(\w+)"\s*\)""")


def test_every_output_a_figure_or_table_names_is_registered() -> None:
    """Each ``out(table, name)`` / ``registry.lookup(table, name)`` of the figure and table
    code names a registered output with a label that has Chinese (removing an entry fails)."""
    named = {
        (path, table, name)
        for path in SHOWING
        for table, name in LOOKUP.findall((ROOT / path).read_text("utf-8"))
    }
    assert {p for p, _t, _n in named} == set(SHOWING) - {"sim/programme/summary.py", "sim/batch.py"}
    assert len(named) >= 25, named
    for path, table, name in named:
        o = registry.lookup(table, name)  # KeyError: not registered
        with use_lang("zh"):
            assert re.search(r"[\u4e00-\u9fff]", o.short_label()), (path, name)


def _with(monkeypatch, table: str, name: str, **changes) -> registry.Output:
    """Replace the registered ``name`` of ``table`` by a copy with ``changes``."""
    entries = tuple(replace(o, **changes) if o.name == name else o for o in registry.TABLES[table])
    monkeypatch.setitem(registry.TABLES, table, entries)
    return registry.lookup(table, name)


@pytest.fixture(scope="module")
def report_data():
    from sim.report.analysis import analyse

    return analyse(sim.load_proposal(sim.example_path()), draws=40, seed=0, sensitivity_draws=20)


def _labels(fig) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel(), ax.get_title())]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_figure_axes_are_the_registry_headings(report_data, lang) -> None:
    from sim.report import figures

    with use_lang(lang):
        cost = registry.lookup("draw", "cost_cny").heading(figures._("undiscounted, year-0 prices"))
        expected = {
            "cost-breakdown": [cost],
            "applicant": [cost],
            "cost-fan": [
                registry.lookup("draw_yearly", "spend_cny").heading(),
                registry.lookup("trajectory", "cost_cumulative_cny").heading(),
            ],
            "cover": [registry.lookup("trajectory", "cover").heading(unit="%")],
            "recovery": [
                registry.lookup("draw", "recovery_years").heading(figures._("area-weighted")),
                registry.lookup("draw", "rework_area_share").heading(unit="%"),
            ],
            "assurance": [registry.lookup("trajectory", "coverage_probability").heading(unit="%")],
            "tornado": [
                registry.lookup("metric", "cost_p90_cny").heading(),
                registry.lookup("summary", "success_probability").heading(unit="%"),
            ],
            "disturbance": [
                registry.lookup("trajectory", name).heading(unit="")
                for name in ("disturbed_by_class_ha", "unrestored_area_ha", "restored_by_class_ha")
            ],
        }
        for key, wanted in expected.items():
            shown = _labels(figures.FIGURES[key](report_data))
            for text in wanted:
                assert text in shown, (key, text, shown)
    if lang == "zh":  # the money unit is 万元 and the composition full-width
        assert cost == "生态修复费用［万元，未折现，申请年价格］"
    else:
        assert cost == "Restoration cost [M CNY, undiscounted, year-0 prices]"


def test_renaming_an_output_in_the_registry_renames_it_in_the_report(
    report_data, monkeypatch
) -> None:
    """A label or unit changed in the registry alone reaches the figures and the HTML tables."""
    from sim.report import figures
    from sim.report.html import render

    _with(monkeypatch, "draw", "cost_cny", label="renamed cost")
    _with(monkeypatch, "draw", "recovery_years", unit="d")
    _with(monkeypatch, "summary", "success_probability", label="renamed success")
    _with(monkeypatch, "trajectory", "cover", label="renamed cover")
    assert "Renamed cost [M CNY, undiscounted, year-0 prices]" in _labels(
        figures.cost_breakdown(report_data)
    )
    recovery = _labels(figures.recovery(report_data))
    assert "Years from planting to the criterion [d, area-weighted]" in recovery
    assert "Renamed cover [%]" in _labels(figures.cover(report_data))
    assert "Renamed success [%]" in _labels(figures.tornado(report_data))
    html = render(report_data, {})
    assert "Renamed cost (undiscounted)" in html  # the key-metrics table
    assert "renamed success (parameter low)" in html  # the sensitivity table's head


def test_batch_summary_heads_are_the_registry_headings(monkeypatch) -> None:
    from sim.batch import SHOWN, column_head

    assert column_head("cost_p50_cny") == "cost P50 [M CNY]"
    with use_lang("zh"):
        assert column_head("cost_p50_cny") == "修复费用P50［万元］"
        assert column_head("life_years") == "开采年限P50［年］"
    _with(monkeypatch, "metric", "cost_p50_cny", unit="CNY/ha", label="x")
    assert column_head("cost_p50_cny") == "x [CNY/ha]"
    assert {k for k in SHOWN if k in registry.by_name(registry.METRICS)} <= {
        m.name for m in registry.METRICS if m.label
    }


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    from sim import monitor
    from sim.monitor import synthetic

    sites = synthetic.write_sites(tmp_path_factory.mktemp("sites"), draws=60)
    proposals = [sim.load_proposal(p) for p in sites.proposals]
    return monitor.run(proposals, sites.observations, draws=60)


def _values(record: dict) -> set[str]:
    """The keys of a record that hold numbers (or none), not identifiers, texts or lists (run
    information and an observation's optional texts left out)."""
    numbers = {k for k, v in record.items() if v is None or isinstance(v, bool | int | float)}
    return numbers - {"seed", "draws", "area_class", "land_use"}


@pytest.mark.slow
def test_monitor_outputs_are_the_registry(monitored) -> None:
    """Every value of a supervision record and its observations is registered, and every
    registered entry is written (both ways); the CSV's value columns too."""
    from sim.monitor.outputs import COLUMNS

    monitor_names = {o.name for o in registry.MONITOR}
    csv_only = {"latest_percentile"}
    for record in monitored.records:
        assert _values(record) == monitor_names - csv_only, record["proposal_id"]
        for row in record["observations"]:
            assert _values(row) <= {o.name for o in registry.MONITOR_OBSERVATION}
    rows = [r for rec in monitored.records for r in rec["observations"] if r.get("used")]
    assert rows and _values(rows[0]) == {o.name for o in registry.MONITOR_OBSERVATION}
    texts = {"rank", "proposal_id", "name", "status", "latest_observation", "action"}
    texts |= {"next_inspection", "reasons"}
    assert set(COLUMNS) - texts <= monitor_names
    assert csv_only <= set(COLUMNS)


def test_monitor_heads_and_axes_follow_the_registry(monitored, monkeypatch) -> None:
    from sim.monitor.outputs import plot, supervision_html

    record = monitored.records[0]
    proj = monitored.projections[record["proposal_id"]]
    fig = plot(record, proj)
    assert fig.axes[0].get_ylabel() == "Vegetation cover (FVC)"
    _with(monkeypatch, "monitor_observation", "cover", label="renamed cover")
    _with(monkeypatch, "monitor", "fund_shortfall_mean_cny", label="renamed shortfall")
    assert plot(record, proj).axes[0].get_ylabel() == "Renamed cover"
    run = {"as_of": record["as_of"], "seed": 0, "draws": 60, "version": "x"}
    html = supervision_html(monitored.records, {}, run)
    assert "<th>Renamed shortfall (mean)</th>" in html
    with use_lang("zh"):
        html = supervision_html(monitored.records, {}, run)
    assert "<th>复垦成功概率（观测前 → 观测后）</th>" in html


def _registered(key: str, entries: dict[str, registry.Output]) -> str:
    """The registry's name of a programme summary's key (``finish_date_p10``: finish_date)."""
    if key in entries:
        return key
    family = re.sub(r"_p(10|50|90)$", "", key)
    assert entries[family].summary == "quantiles_of_replications", key
    return family


def test_programme_summary_is_the_registry() -> None:
    from test_programme import small

    from sim.programme.plots import progress_figure, utilisation_figure
    from sim.programme.run import simulate
    from sim.programme.summary import format_summary, summarise

    sc = small()
    ds = simulate(sc, replications=2, seed=3).dataset
    s = summarise(ds, sc)
    entries = registry.by_name(registry.PROGRAMME_SUMMARY)
    for name, o in entries.items():  # each registered entry is emitted
        if o.summary == "quantiles_of_replications":
            keys = [f"{name}_p{p}" for p in (10, 50, 90)]
            where = s["at_deadline"] if o.dims == ("report_date",) else s
            assert all(k in where for k in keys), name
            if o.dims == ("report_date",):
                assert all(k in row for row in s["at_dates"] for k in keys), name
        else:
            assert name in s, name
    texts = {"scenario", "name", "start", "deadline", "bottleneck", "bottleneck_capacity"}
    texts |= {"seed", "replications", "version", "at_dates", "at_deadline"}
    emitted = {_registered(k, entries) for k in s if k not in texts}
    emitted |= {_registered(k, entries) for k in s["at_deadline"] if k != "date"}
    assert emitted == set(entries)
    text = format_summary(s)
    assert entries["completion_by_area"].heading("P10-P50-P90", unit="", capital=False) in text
    progress = progress_figure(ds)
    assert progress.axes[1].get_ylabel() == "area in stage [ha]"
    util = utilisation_figure(ds)
    assert util.axes[0].get_ylabel() == registry.lookup("programme", "utilisation").heading(
        capital=False
    )


def test_every_sweep_outcome_the_report_shows_has_a_label_in_both_languages() -> None:
    from sim.sweep.figures import TORNADO_OUTCOMES
    from sim.sweep.labels import LABELS, t

    outcomes = registry.by_name(registry.SWEEP_OUTCOMES + registry.SWEEP_REPORT)
    for o in outcomes.values():
        assert o.label, o.name
        assert LABELS[f"outcome.{o.name}"] == o.label
        assert re.search(r"[\u4e00-\u9fff]", t(f"outcome.{o.name}", "zh")), o.name
    assert set(TORNADO_OUTCOMES) <= set(outcomes)


def test_sweep_table_heads_are_the_registry_headings(monkeypatch) -> None:
    from sim.sweep.labels import outcome_head, t

    assert outcome_head("restored_area_ha") == "restored area [ha]"
    assert outcome_head("grant_rate") == "granted (approved or conditional) [%]"  # shown in %
    assert outcome_head("rejected_share", "zh") == "不予通过［%］"  # derived by the report
    assert outcome_head("restoration_cost_cny", "zh") == "获批申请修复费用，P50之和［万元］"
    cols = t("q3.cols", "zh", restored="R", disturbed="D", cost="C")
    assert cols.split(" | ")[1:4] == ["R", "D", "C"]
    _with(monkeypatch, "sweep_outcome", "restored_area_ha", label="x", unit="CNY")
    assert outcome_head("restored_area_ha") == "x [M CNY]"


def test_terminal_key_metrics_name_the_registry_outputs(evaluation, monkeypatch) -> None:
    from sim.verdict_text import format_verdict

    assert "  present value of cost      P50 " in format_verdict(evaluation.verdicts[0])
    _with(monkeypatch, "draw", "pv_cost_cny", label="renamed present value")
    assert "  renamed present value      P50 " in format_verdict(evaluation.verdicts[0])
