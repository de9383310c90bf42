"""The regional programme DES (sim.programme): scenario validation, reproducibility,
conservation, an analytic case with unlimited resources, monotonicity in crews, the area-before-
count mechanism, the Hunan calibration, the portfolio link, the sweep and the command line."""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from sim.cli import main
from sim.errors import InputError
from sim.programme.calibrate import calibrate, set_values
from sim.programme.model import ACCEPTED_FROM, STAGES
from sim.programme.run import (
    build_config,
    completion_at,
    latest,
    run_replications,
    simulate,
    site_table,
    site_times,
)
from sim.programme.scenario import load_scenario, parse_scenario
from sim.programme.summary import format_summary, summarise
from sim.programme.whatif import format_sweep, sweep, sweep_table

ROOT = Path(__file__).resolve().parent.parent
HUNAN = ROOT / "scenarios" / "programme" / "hunan-yangtze-2019.toml"
PROPOSALS = ROOT / "scenarios" / "proposals"
HUNAN_DATA = tomllib.loads(HUNAN.read_text("utf-8"))
REPORT_DAY = (datetime.date(2020, 10, 10) - datetime.date(2019, 7, 1)).days


def scenario_data(changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> dict:
    """The Hunan scenario's table with values replaced by dotted path (``works.crews``)."""
    data = copy.deepcopy(HUNAN_DATA)
    for dotted, value in (changes or {}).items():
        *head, last = dotted.split(".")
        table = data
        for key in head:
            table = table.setdefault(key, {})
        table[last] = value
    for section in drop:
        data.pop(section, None)
    return data


def small(changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()):
    base = {"sites.count": 60, "sites.total_area_ha": 210.0, "works.crews": 12}
    return parse_scenario(scenario_data({**base, **(changes or {})}, drop), "<test>")


def problems_of(data: dict) -> str:
    with pytest.raises(InputError) as info:
        parse_scenario(data, "bad.toml")
    text = str(info.value)
    assert "pydantic" not in text and "Input should be" not in text
    assert all(p.startswith("bad.toml: ") for p in info.value.problems)
    return text


# ------------------------------------------------------------------------------------------
# input validation


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"works.crews": 0},
            "[works] crews = 0: must be a whole number in [1, 100000] or 'unlimited'",
        ),
        ({"works.crews": "many"}, "'unlimited'"),
        ({"sites.source": "generatd"}, "did you mean 'generated'"),
        ({"works.days_per_ha": -1.0}, "[works] days_per_ha = -1.0: must be >= 0"),
        ({"programme.start": "mid-2019"}, "expected a date such as 2020-10-10"),
        ({"works.rainy_season_start": "13-01"}, "expected a month and day 'MM-DD'"),
        ({"spot_check.failure_rate": 1.5}, "[spot_check] failure_rate = 1.5: must be <= 1"),
        ({"works.crewz": 3}, "unknown key 'crewz'"),
        (
            {"programme.deadline": datetime.date(2019, 1, 1)},
            "deadline = 2019-01-01: must come after",
        ),
        ({"report.dates": [datetime.date(2030, 1, 1)]}, "outside the simulated window"),
        ({"sites.count": None}, "source = 'generated' needs count"),
    ],
)
def test_bad_scenarios_name_the_field_value_and_what_is_allowed(changes, expected) -> None:
    data = scenario_data({k: v for k, v in changes.items() if v is not None})
    if None in changes.values():
        data["sites"].pop("count")
    assert expected in problems_of(data)


def test_tranche_shares_must_not_exceed_one() -> None:
    data = scenario_data()
    data["funding"]["tranches"][0]["share"] = 0.9
    assert "[funding] tranches: the shares sum to 1.5" in problems_of(data)


def test_cli_exits_2_on_bad_scenario(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(HUNAN.read_text("utf-8").replace("crews = ", "crews = -", 1), "utf-8")
    assert main(["programme", str(bad), "--replications", "2"]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "[works] crews = -" in err and "Traceback" not in err


def test_inventory_csv_is_validated(tmp_path) -> None:
    good = tmp_path / "sites.csv"
    good.write_text("id,area_ha,priority\nA,2.5,1\nB,4.0,0\nC,1.0,\n", "utf-8")
    data = scenario_data({"sites.source": "inventory", "sites.inventory": "sites.csv"})
    (tmp_path / "s.toml").write_text("", "utf-8")
    sc = parse_scenario(data, "s.toml", path=tmp_path / "s.toml")
    table = site_table(sc)
    assert table.ids == ("A", "B", "C") and table.total_area_ha == pytest.approx(7.5)
    good.write_text("id,area_ha,colour\nA,-2,red\n", "utf-8")
    with pytest.raises(InputError, match="unknown column 'colour'"):
        site_table(sc)
    good.write_text("id,area_ha\nA,-2\nA,x\n", "utf-8")
    with pytest.raises(InputError) as info:
        site_table(sc)
    assert "row 2: area_ha = '-2': must be a finite number > 0" in str(info.value)
    assert "row 3: id = 'A': must be non-empty and unique" in str(info.value)


# ------------------------------------------------------------------------------------------
# reproducibility and conservation


def test_same_seed_gives_identical_results() -> None:
    sc = small()
    a, b = simulate(sc, replications=4, seed=7), simulate(sc, replications=4, seed=7)
    xr.testing.assert_identical(a.dataset, b.dataset)
    assert json.dumps(summarise(a.dataset, sc)) == json.dumps(summarise(b.dataset, sc))
    c = simulate(sc, replications=4, seed=8)
    assert not c.dataset["site_area_ha"].equals(a.dataset["site_area_ha"])
    # replication r's stream does not depend on how many replications run
    d = simulate(sc, replications=2, seed=7)
    xr.testing.assert_identical(
        d.dataset["finish_days"], a.dataset["finish_days"].isel(replication=slice(0, 2))
    )


def test_every_site_is_in_exactly_one_stage_and_hectares_are_conserved() -> None:
    sc = small({"spot_check.failure_rate": 0.5, "spot_check.share": 0.5})
    run = simulate(sc, replications=5, seed=3)
    ds = run.dataset
    # every transition leaves the stage the site was in: one unbroken chain per site
    tr = run.transitions(2)
    for _, chain in tr.groupby("site", sort=False):
        assert chain["from_stage"].iloc[0] == "pending"
        assert list(chain["from_stage"].iloc[1:]) == list(chain["stage"].iloc[:-1])
        assert chain["day"].is_monotonic_increasing
    assert (tr["stage"] == "works").sum() > tr["site"].nunique()  # failures were reworked
    n = ds.sizes["site"]
    np.testing.assert_array_equal(ds["sites"].sum("stage"), n)
    total = ds["site_area_ha"].sum("site")  # (replication,)
    np.testing.assert_allclose(
        ds["area_ha"].sum("stage"), total.broadcast_like(ds["area_ha"].sum("stage")), rtol=1e-12
    )
    np.testing.assert_allclose(total, 210.0, rtol=1e-12)
    # failures went back to works and were reworked: more works than sites, all accepted
    assert float(ds["site_days"].sel(stage="works").sum()) > 0
    last = ds.isel(time=-1)
    np.testing.assert_array_equal(
        last["sites"].sel(stage=list(STAGES[ACCEPTED_FROM:])).sum("stage"), n
    )
    assert np.isfinite(ds["site_accepted_days"]).all()


def test_stage_occupancy_at_dates_matches_the_site_times() -> None:
    # without spot-check failures a site's works finish once, so both views must agree
    sc = small({"spot_check.failure_rate": 0.0})
    sites = site_table(sc)
    recs = run_replications(build_config(sc, sites), sites, replications=3, seed=1)
    fr = completion_at(recs, [REPORT_DAY])
    ds = simulate(sc, replications=3, seed=1).dataset
    done = (ds["site_complete_days"] <= REPORT_DAY).sum("site") / ds.sizes["site"]
    np.testing.assert_allclose(fr["complete_fraction_count"][:, 0], done)


# ------------------------------------------------------------------------------------------
# analytic case and monotonicity


def _rainy(day: datetime.date) -> bool:
    return datetime.date(day.year, 4, 1) <= day <= datetime.date(day.year, 6, 30)


def _finish_by_hand(start_day: int, work: float, start: datetime.date) -> float:
    """Walk the calendar a day at a time: 1 day of work per dry day, 0.5 per rainy day."""
    d = start_day
    while True:
        rate = 0.5 if _rainy(start + datetime.timedelta(days=d)) else 1.0
        if work <= rate:
            return d + work / rate
        work -= rate
        d += 1


def test_unlimited_resources_finish_as_fast_as_the_durations_allow() -> None:
    changes = {
        "survey_design.teams": "unlimited",
        "works.crews": "unlimited",
        "city_acceptance.inspectors": "unlimited",
        "city_acceptance.batch_max_sites": 1000,
        "survey_design.days_cv": 0.0,
        "tender.days_cv": 0.0,
        "works.days_cv": 0.0,
        "county_acceptance.days_cv": 0.0,
        "works.days_per_ha": 40.0,
        "programme.horizon_end": datetime.date(2026, 12, 31),
        "works.rainy_productivity": 0.5,
        "spot_check.failure_rate": 0.0,
    }
    sc = small(changes, drop=("funding",))
    ds = simulate(sc, replications=2, seed=5).dataset
    start = sc.programme.start
    for r in range(2):
        area = ds["site_area_ha"].isel(replication=r).values
        works_start = 20 + 30  # design + tender [d], no waiting anywhere
        expected = [_finish_by_hand(works_start, 30.0 + 40.0 * a, start) for a in area]
        got = ds["site_complete_days"].isel(replication=r).values
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
        assert float(ds["finish_days"][r]) == pytest.approx(max(expected), abs=1e-9)
        # acceptance: county 15 d, then the next monthly batch, 3 d + 1 d per site, 30 d report
        arrive = np.array(expected) + 15.0
        batch_day = np.ceil(arrive / 30.0) * 30.0
        sizes = {b: int(np.sum(batch_day == b)) for b in batch_day}
        accepted = [b + 3.0 + sizes[b] + 30.0 for b in batch_day]
        np.testing.assert_allclose(ds["site_accepted_days"].isel(replication=r), accepted)
    assert float(ds["site_days"].sel(stage=["design_queue", "works_queue"]).sum()) == 0.0


@pytest.mark.slow
def test_more_crews_never_delay_the_median_finish() -> None:
    sc = load_scenario(HUNAN)
    sites = site_table(sc)
    medians = []
    for crews in (40, 60, 80, 100, 140, 200, "unlimited"):
        cfg = build_config(sc.with_values({"works.crews": crews}), sites)
        recs = run_replications(cfg, sites, replications=12, seed=11)
        finish = [latest(site_times(r, sites.n)[0]) for r in recs]
        medians.append(float(np.median(np.nan_to_num(finish, nan=np.inf))))
    assert all(b <= a for a, b in itertools.pairwise(medians)), medians


# ------------------------------------------------------------------------------------------
# Hunan: the calibration and the mechanism for area ahead of count


@pytest.fixture(scope="module")
def hunan_run():
    sc = load_scenario(HUNAN)
    return sc, simulate(sc, replications=60, seed=0)


@pytest.mark.slow
def test_hunan_calibration_reproduces_the_reported_completion(hunan_run) -> None:
    sc, run = hunan_run
    s = summarise(run.dataset, sc)
    (row,) = s["at_dates"]
    assert row["date"] == "2020-10-10"
    assert abs(row["completion_by_area_p50"] - 0.8931) <= 0.03, row
    assert abs(row["completion_by_count_p50"] - 0.859) <= 0.03, row
    assert row["completion_by_area_p50"] > row["completion_by_count_p50"]
    # the calibration's own record of the achieved medians matches a re-run
    assert sc.calibration.result_area_p50 == pytest.approx(row["completion_by_area_p50"], abs=0.02)
    assert sc.calibration.result_count_p50 == pytest.approx(
        row["completion_by_count_p50"], abs=0.02
    )


@pytest.mark.slow
def test_area_runs_ahead_of_count_because_large_sites_go_first(hunan_run) -> None:
    sc, run = hunan_run
    ds = run.dataset
    # unfinished sites on the report date are smaller than finished ones
    done = ds["site_complete_days"] <= REPORT_DAY
    area = ds["site_area_ha"]
    mean_done = float(area.where(done).mean())
    mean_open = float(area.where(~done).mean())
    assert mean_open < mean_done
    # without the size priority (order by everything else only), the gap closes or reverses
    flat = sc.with_values({"priority.size_weight": 0.0})
    sites = site_table(flat)
    recs = run_replications(build_config(flat, sites), sites, replications=30, seed=0)
    fr = completion_at(recs, [REPORT_DAY])
    gap_flat = np.median(fr["complete_fraction_area"] - fr["complete_fraction_count"])
    gap = float(
        (ds["complete_fraction_area"] - ds["complete_fraction_count"]).isel(report_date=0).median()
    )
    assert gap > 0.01 and gap_flat < gap - 0.01


# ------------------------------------------------------------------------------------------
# calibration routine, portfolio link, sweep, command line


def test_calibration_routine_is_deterministic_and_writes_in_place() -> None:
    data = scenario_data({"sites.count": 40, "sites.total_area_ha": 140.0})
    data["calibration"]["replications"] = 3
    data["calibration"]["search"] = {
        "works.crews": {"low": 5, "high": 20, "prior": 10, "prior_sd": 5, "grid": [8, 12]},
        "works.days_per_ha": {"low": 2.0, "high": 30.0, "prior": 10.0, "prior_sd": 8.0},
    }
    sc = parse_scenario(data, "<test>")
    a = calibrate(sc, maxfev=8)
    b = calibrate(sc, maxfev=8)
    assert a.values == b.values and a.objective == b.objective
    assert set(a.values) == {"works.crews", "works.days_per_ha"}
    text = "[works]\ncrews = 80   # [C] crews\ndays_per_ha = 15.0\n[calibration]\nx = 1\n"
    out = set_values(text, {"works.crews": 120, "works.days_per_ha": 5.123456})
    assert out == "[works]\ncrews = 120  # [C] crews\ndays_per_ha = 5.123\n[calibration]\nx = 1\n"
    with pytest.raises(InputError, match=r"no line for works\.base_days"):
        set_values(text, {"works.base_days": 3.0})


def test_portfolio_of_approved_proposals_feeds_the_programme(tmp_path) -> None:
    path = tmp_path / "portfolio.toml"
    data = scenario_data(
        {
            "programme.id": "portfolio",
            "programme.start": datetime.date(2026, 1, 1),
            "programme.deadline": datetime.date(2045, 12, 31),
            "programme.horizon_end": datetime.date(2070, 12, 31),
            "programme.time_step_days": 30,
            "report.dates": [datetime.date(2036, 1, 1)],
            "sites.source": "portfolio",
            "sites.portfolio_draws": 50,
            "sites.portfolio": [
                {
                    "proposal": str(PROPOSALS / "hn-2026-0002-qidong-limestone.toml"),
                    "approval_year": 2026,
                },
                {
                    "proposal": str(PROPOSALS / "hn-2026-0004-linxiang-sandstone.toml"),
                    "approval_year": 2028,
                },
            ],
        },
        drop=("funding", "calibration", "sweep"),
    )
    sc = parse_scenario(data, str(path), path=path)
    table = site_table(sc)
    assert table.n >= 2 and all("/y" in i for i in table.ids)
    import sim

    props = sim.load_proposals(
        [
            PROPOSALS / "hn-2026-0002-qidong-limestone.toml",
            PROPOSALS / "hn-2026-0004-linxiang-sandstone.toml",
        ]
    )
    ev = sim.evaluate(props, draws=50, seed=0, trajectories=True, conditions=False)
    restored = ev.trajectories["restored_by_class_ha"].sum("area_class").max("year")
    assert table.total_area_ha == pytest.approx(float(restored.sum()), rel=1e-9)
    ds = simulate(sc, replications=3, seed=0).dataset
    np.testing.assert_allclose(ds["area_ha"].sum("stage"), table.total_area_ha)
    assert np.isfinite(ds["site_complete_days"]).all()
    assert np.all(ds["site_complete_days"] >= np.asarray(table.release_day))


def test_sweep_over_crews_inspectors_and_tranche_timing() -> None:
    sc = small(
        {
            "sweep.crews": [6, 12, 24],
            "sweep.inspectors": [1, 14],
            "sweep.tranche_shift_days": [-60, 0, 60],
        }
    )
    sw = sweep(sc, replications=4, seed=0)
    assert sw.sizes["case"] == 1 + 8 and str(sw["lever"].values[0]) == "baseline"
    # the cases at the scenario's own values (12 crews, no shift) are the baseline exactly
    base = sw.isel(case=0)
    for lever, value in (("crews", 12.0), ("tranche_shift_days", 0.0)):
        same = sw.where((sw["lever"] == lever) & (sw["value"] == value), drop=True)
        for var in sw.data_vars:
            np.testing.assert_array_equal(same[var].values, [base[var].values])
    rows = sweep_table(sw)
    assert rows[0]["lever"] == "baseline" and rows[0]["finish_change_days_p50"] == 0
    assert "crews 12" in str(rows[0]["setting"])
    more = next(r for r in rows if r["lever"] == "crews" and r["value"] == 24.0)
    assert more["finish_change_days_p50"] == int(
        sw.where((sw["lever"] == "crews") & (sw["value"] == 24), drop=True)["finish_days_p50"][0]
        - base["finish_days_p50"]
    )
    assert format_sweep(rows).splitlines()[2].split()[:3] == ["baseline", "as", "given"]
    crews = sw.where(sw["lever"] == "crews", drop=True)
    assert np.all(np.diff(crews["finish_days_p50"].values) <= 0)
    shift = sw.where(sw["lever"] == "tranche_shift_days", drop=True)
    assert np.all(np.diff(shift["finish_days_p50"].values) >= 0)
    for v in ("complete_area_at_deadline_p50", "complete_count_at_deadline_p50"):
        assert np.all((sw[v] >= 0) & (sw[v] <= 1))
        assert sw[v].attrs["units"] == "1"


def test_cli_what_if_baseline_is_the_summarys_run(capsys, tmp_path) -> None:
    """With --replications N the what-if runs N replications too, so its baseline row (the
    scenario as given) is the summary printed above it; the table says how many it ran (it
    ran the scenario's [sweep] replications whatever --replications said: another P50)."""
    sc = small({"sweep.crews": [6], "sweep.inspectors": [14], "sweep.tranche_shift_days": [0]})
    scenario = tmp_path / "small.json"
    scenario.write_text(json.dumps(sc.to_dict(), default=str), "utf-8")
    args = ["programme", str(scenario), "--replications", "3", "--sweep"]
    assert main([*args, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    base = s["sweep"][0]
    assert base["lever"] == "baseline"
    assert base["finish_date_p50"] == s["finish_date_p50"]
    assert base["acceptance_finish_date_p50"] == s["acceptance_finish_date_p50"]
    assert main(args) == 0
    assert "P50 over 3 replications" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_json_summary_and_outputs(capsys, tmp_path) -> None:
    scenario = tmp_path / "hunan.toml"
    scenario.write_text(HUNAN.read_text("utf-8"), "utf-8")
    args = ["programme", str(scenario), "--replications", "3", "--seed", "1", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    s = json.loads(captured.out)
    (row,) = s["at_dates"]
    assert row["date"] == "2020-10-10"
    for key in ("area", "count"):
        for p in (10, 50, 90):
            assert 0.0 <= row[f"completion_by_{key}_p{p}"] <= 1.0
    assert s["bottleneck"] in ("survey_design", "funding", "works", "city_acceptance")
    datetime.date.fromisoformat(s["finish_date_p50"])
    out = tmp_path / "out"
    assert main([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    for name in ("programme.nc", "summary.json", "progress.png", "utilisation.png"):
        assert (out / name).is_file()
    ds = xr.load_dataset(out / "programme.nc", engine="h5netcdf")
    assert set(ds["sites"].dims) == {"replication", "time", "stage"}
    for var in ds.data_vars:
        assert "units" in ds[var].attrs and "long_name" in ds[var].attrs
    assert ds.attrs["seed"] == 1 and "version" in ds.attrs
    assert json.loads(ds.attrs["scenario"])["programme"]["id"] == "hunan-yangtze-2019"
    assert json.loads((out / "summary.json").read_text("utf-8")) == s
    assert main([*args, "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--out", str(out), "--force"]) == 0
    assert not list(out.glob(".*tmp"))


def test_no_bottleneck_is_said_in_words() -> None:
    """A programme where no site waited (unlimited resources) has no bottleneck: it printed
    "bottleneck: none (none); waiting site-days P50: survey_design 0, funding 0, …"."""
    sc = small()
    s = summarise(simulate(sc, replications=2, seed=0).dataset, sc)
    s["bottleneck"] = s["bottleneck_capacity"] = "none"
    s["waiting_site_days_p50"] = dict.fromkeys(s["waiting_site_days_p50"], 0.0)
    text = format_summary(s)
    assert "none (none)" not in text and "no site waited" in text, text


def test_finish_date_quantiles_treat_unfinished_as_late() -> None:
    from sim.programme.summary import day_quantiles

    q = day_quantiles(np.array([10.0, np.nan, 30.0, 20.0, np.nan]))
    assert q[0] == 10.0 and q[1] == 30.0 and math.isinf(q[2])
