"""Policy sweeps: spec validation, design, fast verdicts, dask execution, resume and report."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

import sim
from sim import engine, feasibility, spatial
from sim.cli import main
from sim.errors import InputError
from sim.params import load_library
from sim.sweep.design import build_design
from sim.sweep.execute import run_sweep
from sim.sweep.portfolio import load_portfolio
from sim.sweep.spec import build_policy, parse_spec
from sim.sweep.store import open_group, open_results, progress_of, stored_portfolio
from sim.sweep.tasks import VERDICTS, apply_policies, criteria_table, decode_deciding

REPO = Path(__file__).resolve().parent.parent
SPECS = sorted((REPO / "scenarios" / "sweeps").glob("*.toml"))
SIM_ROOT = str(Path(sim.__file__).resolve().parent.parent)  # where the tested `sim` lives

BASE: dict[str, Any] = {
    "sweep": {"name": "test", "seed": 11, "draws": 30},
    "portfolio": {"synthetic": 12},
    "levers": [
        {"plan": "restoration.progressive_fraction", "values": [0.3, 0.6]},
        {"policy": "criteria.assurance.threshold", "values": [0.8, 0.9]},
        {"policy": "criteria.assurance.hard", "values": [False, True]},
    ],
    "uncertainties": [
        {
            "name": "unit_cost",
            "scale_parameters": ["cost.regrade_unit_cost", "cost.planting.*"],
            "distribution": "triangular",
            "low": 0.85,
            "mode": 1.0,
            "high": 1.3,
        },
        {
            "name": "hazard",
            "scale_field": "finance.operator_default_hazard_per_year",
            "distribution": "loguniform",
            "low": 0.5,
            "high": 2.0,
        },
    ],
    "sampler": {"method": "latin_hypercube", "samples": 3},
}


def write_spec(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def results(store: Path) -> xr.Dataset:
    return open_results(store).load()


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SIM_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec") / "sweep.json", BASE)


@pytest.fixture(scope="module")
def reference(spec_path, tmp_path_factory) -> Path:
    """The sweep run in-process, one worker, one chunk: the result every other run must equal."""
    store = tmp_path_factory.mktemp("ref") / "ref.zarr"
    run_sweep(spec_path, store, workers=1, chunk_proposals=12)
    return store


# --------------------------------------------------------------------------------------------
# spec


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
def test_packaged_specs_validate(path: Path) -> None:
    spec = sim.sweep.load_spec(path)
    assert spec.n_policies() >= 1


def _mutate(change: str) -> dict[str, Any]:
    d = copy.deepcopy(BASE)
    if change == "lever-typo":
        d["levers"][1]["policy"] = "criteria.asurance.threshold"
    elif change == "lever-range":
        d["levers"][1]["values"] = [0.8, 1.5]
    elif change == "plan-range":
        d["levers"][0]["values"] = [0.3, 1.6]
    elif change == "kind-typo":
        d["uncertainties"][0]["distribution"] = "trianglar"
    elif change == "kind-keys":
        d["uncertainties"][0]["distribution"] = "uniform"
    elif change == "implausible":
        d["uncertainties"][0]["scale_parameters"] = ["cost.wall_greening.thick_layer"]
        d["uncertainties"][0]["low"] = 0.5
    elif change == "sobol-n":
        d["sampler"] = {"method": "sobol", "samples": 10}
    elif change == "two-sources":
        d["portfolio"]["csv"] = "queue.csv"
    elif change == "section-typo":
        d["sampling"] = d.pop("sampler")
    elif change == "no-seed":
        del d["sweep"]["seed"]
    elif change == "synthetic-field":
        d["portfolio"]["fields"] = [{"name": "term_yaers", "distribution": "constant", "value": 3}]
    elif change == "files":
        d["portfolio"] = {"files": ["nowhere/*.toml"]}
    elif change == "lever-string":
        d["levers"][1]["values"] = [0.8, "0.9"]
    elif change == "lever-backwards":
        d["levers"][1] = {"policy": "criteria.assurance.threshold", "low": 0.95, "high": 0.85,
                          "num": 3}  # fmt: skip
    elif change == "baseline-string":
        d["baseline"] = {"criteria.assurance.threshold": "0.9"}
    elif change == "baseline-no-levers":
        del d["levers"]
        d["baseline"] = {"criteria.assurance.threshold": 0.9}
    return d


BAD_SPECS = {
    "lever-typo": ("[[levers]] #2 policy = 'criteria.asurance.threshold'", "did you mean"),
    "lever-range": ("criteria.assurance", "threshold = 1.5", "must be <= 1"),
    "plan-range": ("restoration.progressive_fraction", "1.6", "must be <= 1"),
    "kind-typo": ("[[uncertainties]] #1 distribution = 'trianglar'", "did you mean 'triangular'"),
    "kind-keys": ("[[uncertainties]] #1 distribution = 'uniform' takes low, high", "mode"),
    "implausible": ("cost.wall_greening.thick_layer", "plausible range [70, 150]"),
    "sobol-n": ("[sampler] samples = 10", "power of 2"),
    "two-sources": ("[portfolio]", "exactly one of", "'synthetic', 'csv'"),
    "section-typo": ("unknown section [sampling]", "did you mean 'sampler'"),
    "no-seed": ("[sweep] seed is missing",),
    "synthetic-field": ("[[portfolio.fields]] #1 name = 'term_yaers'", "did you mean 'term_years'"),
    "files": ("[portfolio] files: 'nowhere/*.toml'", "matches no file"),
    # one line, not pydantic's "values.1.bool = ...", "values.1.float = ..." (one per type)
    "lever-string": ("[[levers]] #2 values = [0.8, '0.9']: item 2 is the string '0.9'",),
    "baseline-string": ("'criteria.assurance.threshold' is the string '0.9'",),
    # as an uncertainty's range: it ran 0.95, 0.9, 0.85 without a word
    "lever-backwards": ("[[levers]] #2 low = 0.95, high = 0.85: low must be < high",),
    # it said "not a lever of this sweep; allowed: " and nothing after
    "baseline-no-levers": ("[baseline] 'criteria.assurance.threshold' = 0.9", "no [[levers]]"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_malformed_spec_exits_2_naming_the_field(case, tmp_path, capsys) -> None:
    spec = write_spec(tmp_path / f"{case}.json", _mutate(case))
    store = tmp_path / "out.zarr"
    rc = main(["sweep", str(spec), "--out", str(store), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert str(spec) in err
    for part in BAD_SPECS[case]:
        assert part in err, err
    assert ".bool" not in err and ".float" not in err, err
    assert "Traceback" not in err
    assert not store.exists()


def test_a_misspelt_csv_column_is_said_once_not_once_per_row(tmp_path, capsys) -> None:
    """A header typo in a 30-row CSV portfolio: each problem once, with how many rows share it
    (it printed two lines for every row: 60 lines here, 1,000 for 500 mines)."""
    from conftest import EXAMPLE_DATA
    from test_batch import csv_text

    rows = []
    for i in range(30):
        row = copy.deepcopy(EXAMPLE_DATA)
        row["proposal"]["id"] = f"CSV-{i:02d}"
        rows.append(row)
    text = csv_text(rows).replace("extraction.reserves_mt", "extraction.reserve_mt", 1)
    (tmp_path / "queue.csv").write_text(text, encoding="utf-8")
    d = copy.deepcopy(BASE)
    d["portfolio"] = {"csv": "queue.csv"}
    spec = write_spec(tmp_path / "spec.json", d)
    rc = main(["sweep", str(spec), "--out", str(tmp_path / "out.zarr"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert "queue.csv line 2: [extraction] unknown key 'reserve_mt'" in err
    assert "did you mean 'reserves_mt'" in err
    assert all("29 more rows" in line for line in lines), err


@pytest.mark.slow
def test_existing_store_needs_resume_and_the_same_spec(spec_path, reference, tmp_path, capsys):
    rc = main(["sweep", str(spec_path), "--out", str(reference), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "--resume" in err and "--force" not in err
    # --force is taken to mean 'overwrite' by habit: said that it does not, and what does
    rc = main(["sweep", str(spec_path), "--out", str(reference), "--no-progress", "--force"])
    assert rc == 2 and "does not overwrite a store" in capsys.readouterr().err
    other = copy.deepcopy(BASE)
    other["sweep"]["draws"] = 31
    other_spec = write_spec(tmp_path / "other.json", other)
    rc = main(["sweep", str(other_spec), "--out", str(reference), "--resume", "--no-progress"])
    assert rc == 2 and "different spec" in capsys.readouterr().err



def _as_layout_1(store: Path, copy_to: Path) -> Path:
    """A copy of ``store`` as the earlier layout wrote it: one array per outcome, no layout
    attribute (the proposals' JSON is not needed to read the results)."""
    import shutil

    import zarr

    from sim.sweep.store import BY_CRITERION, OUTCOMES

    shutil.copytree(store, copy_to)
    g = zarr.open_group(str(copy_to), mode="r+", zarr_format=2)
    for packed, names, dims in (
        ("outcomes", OUTCOMES, ["experiment"]),
        ("outcomes_by_criterion", BY_CRITERION, ["experiment", "criterion"]),
    ):
        block = np.asarray(g[packed][...])
        for j, (name, (units, long_name)) in enumerate(names.items()):
            values = block[:, j]
            arr = g.create_array(
                name, shape=values.shape, chunks=values.shape, dtype=float, fill_value=np.nan,
                attributes={"units": units, "long_name": long_name, "_ARRAY_DIMENSIONS": dims},
            )  # fmt: skip
            arr[...] = values
        del g[packed]
    del g["outcome"], g["criterion_outcome"], g.attrs["layout"]
    return copy_to


@pytest.mark.slow
def test_a_store_of_the_earlier_layout_reads_the_same_and_is_not_resumed(
    spec_path, reference, tmp_path, capsys
):
    """Stores written before the outcomes were packed read as the same results; resuming one
    is refused with what to do (its proposals are stored as JSON, which this version does not
    read)."""
    old = _as_layout_1(reference, tmp_path / "old.zarr")
    new = results(reference)
    assert new.attrs.pop("layout") == 2
    xr.testing.assert_identical(new, results(old))
    rc = main(["sweep", str(spec_path), "--out", str(old), "--resume", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "earlier restoresim" in err and "another folder" in err, err


def test_a_failing_task_stops_the_sweep_with_its_error(spec_path, tmp_path, monkeypatch) -> None:
    """The local pool raises the first task's error, starts no more tasks, and leaves a store
    that resumes."""
    import sim.sweep.execute as execute

    started: list[str] = []
    real = execute.compute_task

    def failing(task):
        started.append(task.key)
        if len(started) == 3:
            raise RuntimeError("task broke")
        return real(task)

    monkeypatch.setattr(execute, "compute_task", failing)
    store = tmp_path / "f.zarr"
    with pytest.raises(RuntimeError, match="task broke"):
        run_sweep(spec_path, store, workers=1, chunk_proposals=4)
    done, total = progress_of(store)
    assert len(started) == 3 and done == 2 and total == 6 * 3



def test_fast_verdicts_that_drift_from_feasibility_stop_the_sweep(spec_path, tmp_path, monkeypatch):
    """Every run's first task re-decides its first proposal through sim.feasibility: fast
    verdicts that disagree (here: every verdict moved one step on) are an error."""
    import sim.sweep.tasks as tasks

    real = tasks.apply_policies

    def drifted(table, policies):
        verdict, deciding = real(table, policies)
        return ((verdict + 1) % 3).astype(np.int8), deciding

    monkeypatch.setattr(tasks, "apply_policies", drifted)
    with pytest.raises(RuntimeError, match="fast path is out of date"):
        run_sweep(spec_path, tmp_path / "d.zarr", workers=1, chunk_proposals=4)


# --------------------------------------------------------------------------------------------
# design


def test_synthetic_portfolio_is_extensible_and_changes_one_variable() -> None:
    small = load_portfolio(parse_spec({**BASE, "portfolio": {"synthetic": 4}}))
    large = load_portfolio(parse_spec({**BASE, "portfolio": {"synthetic": 40}}))
    assert [p.to_dict() for p in small] == [p.to_dict() for p in large[:4]]
    field = {"name": "site.soil_depth_cm", "distribution": "constant", "value": 25.0}
    changed = load_portfolio(parse_spec({**BASE, "portfolio": {"synthetic": 4, "fields": [field]}}))
    for a, b in zip(small, changed, strict=True):
        assert b.site.soil_depth_cm == 25.0
        assert a.with_values({"site.soil_depth_cm": 25.0}) == b
    assert len({p.proposal.mineral for p in large}) > 2


#: the derived fields of the benchmark's synthetic portfolio (seed 1) as the generator first
#: made them, one proposal at a time: its first three rows and the sums over its first 500
BENCH_DERIVED = {
    "extraction.reserves_mt": ([138.971, 54.563, 8.904], 18208.631),
    "site.final_highwall_height_m": ([47.8, 95.7, 36.2], 43022.9),
    "proposal.licensed_area_ha": ([243.37, 56.67, 19.21], 25297.18),
    "finance.ore_price_cny_per_t": ([42.8, 42.0, 48.3], 41511.7),
    "finance.plan_restoration_cost_cny": ([242040000.0, 16990000.0, 17910000.0], 19800640000.0),
    "restoration.substrate_amendment": ([0.0, 0.0, 0.0], 6.0),
}


def test_synthetic_derived_fields_are_those_of_one_proposal_at_a_time() -> None:
    """Deriving the fields column-wise changes no value (rounding, tangents and powers are
    Python's, row by row)."""
    spec = parse_spec(
        tomllib.loads((REPO / "scenarios/sweeps/hunan-10k-benchmark.toml").read_text("utf-8"))
    )
    spec.portfolio.synthetic = 500
    cols = build_design(spec).proposals.columns
    for path, (first, total) in BENCH_DERIVED.items():
        col = np.asarray(cols[path], dtype=float)
        assert col[:3].tolist() == first and float(col.sum()) == total, path


def test_synthetic_rows_that_cannot_be_derived_are_named_once_per_reason() -> None:
    fields = [
        {"name": "proposal.mineral", "distribution": "choice", "values": ["unobtainium", "clay"]},
        {"name": "site.final_highwall_slope_deg", "distribution": "constant", "value": 0},
    ]
    spec = parse_spec({**BASE, "portfolio": {"synthetic": 30, "fields": fields}})
    with pytest.raises(InputError) as err:
        build_design(spec)
    problems = err.value.problems
    assert len(problems) == 2, problems
    assert "unknown mineral 'unobtainium'" in problems[0] and "more: cannot derive" in problems[0]
    assert "divides by is zero" in problems[1]


def test_design_ids_groups_and_samplers(spec_path) -> None:
    design = build_design(sim.sweep.load_spec(spec_path))
    assert (design.n_policies, design.n_inner, design.n_groups) == (8, 4, 2)
    assert design.n_scenarios == 3 and design.n_experiments == 24 and design.n_runs == 6
    # the plan lever is the outer loop: each group has one progressive fraction
    fracs = [v["restoration.progressive_fraction"] for v in design.policy_values]
    assert fracs == [0.3] * 4 + [0.6] * 4
    run = design.run(5)
    assert (run.scenario, run.group, run.first_experiment) == (2, 1, 20)
    lhs = design.unit
    assert lhs.shape == (3, 2)
    assert all(sorted(np.floor(lhs[:, j] * 3)) == [0, 1, 2] for j in range(2))  # Latin
    factorial = parse_spec({**BASE, "sampler": {"method": "full_factorial", "levels": 3}})
    assert build_design(factorial).unit.shape == (9, 2)
    sobol = parse_spec({**BASE, "sampler": {"method": "sobol", "samples": 4}})
    assert build_design(sobol).unit.shape == (4 * (2 + 2), 2)


def test_fast_verdicts_equal_feasibility_assess_and_decide() -> None:
    proposals = sim.load_proposals(sorted((REPO / "scenarios" / "proposals").glob("*.toml")))
    proposals += load_portfolio(parse_spec({**BASE, "portfolio": {"synthetic": 40}}))
    base = sim.load_policy().to_dict()
    policies = tuple(
        build_policy(base, changes, "<test>")
        for changes in (
            {},
            {"criteria.assurance.threshold": 0.5, "criteria.unfunded_liability.threshold": 1e6},
            {"criteria.assurance.hard": True, "criteria.highwall_slope.threshold": 50.0},
            {
                "criteria.cost_to_revenue.hard": False,
                "criteria.success_probability.threshold": 0.97,
            },
        )
    )
    summary = engine.run(proposals, policies[0], draws=60, seed=5).summary
    screenings = spatial.screen_proposals(proposals, policies[0])
    table = criteria_table(proposals, policies[0], summary, screenings)
    verdict, deciding = apply_policies(table, policies)
    seen = set()
    for i, p in enumerate(proposals):
        row = summary.isel(proposal=i)
        for k, pol in enumerate(policies):
            expect = feasibility.decide(feasibility.assess(p, pol, row, screenings[i]), set())
            got = (VERDICTS[verdict[k, i]], decode_deciding(int(deciding[k, i])))
            assert got[0] == expect[0] and sorted(got[1]) == sorted(expect[1]), (p.id, k)
            seen.add(got[0])
    assert seen == set(VERDICTS)
    # the tasks' path: the same run's summaries as arrays give the same table
    arrays = engine.summaries(proposals, policies[0], draws=60, seed=5)
    fast = criteria_table(proposals, policies[0], arrays, screenings)
    np.testing.assert_array_equal(fast.values, table.values)
    np.testing.assert_array_equal(fast.thresholds, table.thresholds)
    np.testing.assert_array_equal(fast.assessed, table.assessed)


def test_summaries_as_arrays_are_the_run_summary() -> None:
    """engine.summaries (a sweep task's run) holds the numbers of engine.run's summary."""
    proposals = load_portfolio(parse_spec({**BASE, "portfolio": {"synthetic": 9}}))
    policy = sim.load_policy()
    ds = engine.run(proposals, policy, draws=40, seed=3).summary
    arrays = engine.summaries(proposals, policy, draws=40, seed=3, workers=2)
    expect = ds.drop_vars(["resolved_inputs", "input"]).drop_attrs(deep=False)
    xr.testing.assert_identical(arrays.dataset(), expect)
    for var in ("pit_footprint_ha", "cost_cny"):
        for q in (0.1, 0.5, 0.9):
            np.testing.assert_array_equal(arrays.column(var, q), ds[var].sel(quantile=q).values)
    np.testing.assert_array_equal(arrays.resolved, ds["resolved_inputs"].values)
    assert arrays.sizes["proposal"] == 9 and arrays.horizons.sum() == ds["horizon_years"].sum()


# --------------------------------------------------------------------------------------------
# execution


def test_outcomes_do_not_depend_on_how_many_runs_are_read_at_once(
    reference, spec_path, tmp_path, monkeypatch
):
    """finalize reads the per-proposal results a block of runs at a time: one run per block
    gives the outcomes of all runs in one."""
    import sim.sweep.store as store

    monkeypatch.setattr(store, "FINALIZE_BLOCK_BYTES", 1)
    res = run_sweep(spec_path, tmp_path / "one-run-blocks.zarr", workers=2)
    assert res.tasks_run == 6
    xr.testing.assert_identical(results(reference), results(tmp_path / "one-run-blocks.zarr"))


@pytest.mark.slow
def test_results_identical_whatever_workers_and_chunking(reference, spec_path, tmp_path):
    store = tmp_path / "b.zarr"
    res = run_sweep(spec_path, store, workers=2, chunk_proposals=5)
    assert res.tasks_run == 6 * 3 and res.proposals_evaluated == 6 * 12
    xr.testing.assert_identical(results(reference), results(store))


def test_stored_results_equal_direct_evaluation(reference) -> None:
    """An experiment's verdicts are those of the engine + feasibility run directly on the
    scenario's parameters, the plan lever and the scaled field."""
    ds = results(reference)
    assert ds.attrs["complete"] == 1
    n = ds.sizes["proposal"]
    counts = ds["approved"] + ds["conditional"] + ds["rejected"]
    assert (counts == n).all()
    assert (ds["verdict"] >= 0).all() and (ds["deciding"] >= 0).all()
    # experiment 22: scenario 2, policy 6 (progressive 0.6, assurance 0.9, soft)
    e = 22
    s, p = int(ds.experiment_scenario[e]), int(ds.experiment_policy[e])
    levers = dict(zip([str(x) for x in ds.lever.values], ds.policy_lever.values[p], strict=True))
    values = dict(
        zip([str(x) for x in ds.uncertainty.values], ds.scenario_value.values[s], strict=True)
    )
    policy = build_policy(
        sim.load_policy().to_dict(),
        {"criteria.assurance.threshold": levers["criteria.assurance.threshold"],
         "criteria.assurance.hard": bool(levers["criteria.assurance.hard"])},
        "<test>",
    )  # fmt: skip
    lib = load_library()
    scaled = ["cost.regrade_unit_cost", *(k for k in lib.params if k.startswith("cost.planting."))]
    params = {name: lib[name] * values["unit_cost"] for name in scaled}
    proposals = list(stored_portfolio(open_group(reference), 0, n, "<store>"))
    proposals = [
        q.with_values({
            "restoration.progressive_fraction": levers["restoration.progressive_fraction"],
            "finance.operator_default_hazard_per_year":
                q.finance.operator_default_hazard_per_year * values["hazard"],
        })
        for q in proposals
    ]  # fmt: skip
    summary = engine.run(proposals, policy, draws=30, seed=11, lib=load_library(params)).summary
    for i, q in enumerate(proposals):
        crits = feasibility.assess(q, policy, summary.isel(proposal=i))
        verdict, _ = feasibility.decide(crits, set())
        assert VERDICTS[int(ds["verdict"][e, i])] == verdict
    run = s * 2 + 1
    np.testing.assert_array_equal(
        ds["expected_unfunded_liability_cny"][run].values,
        summary["expected_unfunded_liability_cny"].values,
    )


def _start(args: list[str], log: Path) -> subprocess.Popen:
    """A process in its own session (so it and its children can be stopped by its id)."""
    with log.open("w") as err:
        return subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=cli_env(),
            cwd=str(log.parent),
            start_new_session=True,
        )


def _stop(procs: list[subprocess.Popen]) -> None:
    """Stop each process (and its session) in turn: SIGTERM, then SIGKILL after 10 s."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def cluster(tmp_path) -> Iterator[str]:
    """A real dask.distributed scheduler and two single-threaded workers on loopback."""
    sched_file = tmp_path / "scheduler.json"
    py = [sys.executable, "-m", "dask"]
    procs = [
        _start(
            [*py, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(sched_file)],
            tmp_path / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        _wait_for(sched_file.exists, 60, "the scheduler")
        logs = [tmp_path / f"worker{i}.log" for i in range(2)]
        for log in logs:
            procs.append(
                _start(
                    [*py, "worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1",
                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "60"],
                    log,
                )
            )  # fmt: skip
        _wait_for(
            lambda: all("Registered to" in log.read_text() for log in logs), 60, "two workers"
        )
        yield json.loads(sched_file.read_text())["address"]
    finally:
        _stop(procs[::-1])  # workers first: a worker that lost its scheduler keeps reconnecting


def test_distributed_cluster_gives_the_same_store(cluster, spec_path, reference, tmp_path):
    assert cluster.startswith("tcp://127.0.0.1:")
    store = tmp_path / "dist.zarr"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(spec_path), "--out", str(store),
         "--scheduler", cluster, "--chunk-proposals", "4", "--no-progress"],
        capture_output=True, text=True, env=cli_env(), timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    xr.testing.assert_identical(results(reference), results(store))


def test_an_interrupted_sweep_says_how_to_continue(tmp_path, capsys, monkeypatch) -> None:
    """Ctrl-C once the store exists: how many tasks it holds and the command that continues
    it (it said only "restoresim: interrupted")."""
    import sim.sweep.execute as execute

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "_execute_local", interrupted)
    spec = write_spec(tmp_path / "spec.json", BASE)
    store = tmp_path / "out.zarr"
    assert main(["sweep", str(spec), "--out", str(store), "--no-progress"]) == 130
    err = capsys.readouterr().err
    done, total = progress_of(store)
    assert "interrupted" in err and f"{done} of {total} tasks" in err, err
    assert f"restoresim sweep {spec} --out {store} --resume" in err, err
    # a report of the unfinished store says the same (it said "restoresim sweep SPEC")
    assert main(["sweep-report", str(store), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"restoresim sweep {spec.resolve()} --out {store} --resume" in err, err


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_uninterrupted_result(spec_path, reference, tmp_path):
    store = tmp_path / "killed.zarr"
    log = tmp_path / "sweep.log"
    proc = _start(
        [sys.executable, "-m", "sim.cli", "sweep", str(spec_path), "--out", str(store),
         "--workers", "1", "--chunk-proposals", "1", "--no-progress"],
        log,
    )  # fmt: skip
    try:

        def some_done() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"the sweep ended before it was killed: {log.read_text()}")
            try:
                return progress_of(store)[0] >= 8
            except Exception:
                return False

        _wait_for(some_done, 90, "tasks to be done")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        _stop([proc])
    done, total = progress_of(store)
    assert 8 <= done < total == 6 * 12
    assert results(store).attrs["complete"] == 0
    res = run_sweep(spec_path, store, resume=True, workers=2)
    assert res.resumed and res.tasks_run == total - done
    xr.testing.assert_identical(results(reference), results(store))


# --------------------------------------------------------------------------------------------
# report


@pytest.mark.slow
def test_sweep_report_sobol_tornado_frontier(tmp_path, capsys) -> None:
    data = copy.deepcopy(BASE)
    data["sweep"]["draws"] = 20
    data["portfolio"]["synthetic"] = 8
    data["levers"] = data["levers"][1:2]
    data["sampler"] = {"method": "sobol", "samples": 4}
    spec = write_spec(tmp_path / "sobol.json", data)
    store, out = tmp_path / "sobol.zarr", tmp_path / "report"
    assert main(["sweep", str(spec), "--out", str(store), "--no-progress"]) == 0
    assert main(["sweep-report", str(store), "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    for name in (
        "experiments.csv",
        "policies.csv",
        "frontier.csv",
        "frontier.png",
        "tornado.csv",
        "tornado.png",
        "distributions.png",
        "sobol.csv",
        "summary.md",
    ):
        assert name in names  # fmt: skip
    import pandas as pd

    sob = pd.read_csv(out / "sobol.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sob.columns)
    assert set(sob.uncertainty) == {"unit_cost", "hazard"}
    front = pd.read_csv(out / "frontier.csv")
    assert len(front) == 2 and front.efficient.any()
    exp = pd.read_csv(out / "experiments.csv")
    assert len(exp) == 4 * (2 + 2) * 2
    capsys.readouterr()
    assert main(["sweep-report", str(store), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


@pytest.mark.slow
def test_packaged_spec_runs_and_reports(tmp_path) -> None:
    """The shipped examples spec (real files, every lever changing the engine) end to end."""
    spec = tomllib.loads((REPO / "scenarios/sweeps/examples-progressive.toml").read_text())
    spec["sweep"]["draws"] = 20
    spec["portfolio"]["folder"] = str(REPO / "scenarios" / "proposals")
    spec["sampler"]["levels"] = 1
    path = write_spec(tmp_path / "examples.json", spec)
    run_sweep(path, tmp_path / "ex.zarr", workers=2)
    ds = results(tmp_path / "ex.zarr")
    n_examples = len(list((REPO / "scenarios" / "proposals").glob("*.toml")))
    assert ds.sizes["run"] == 8 and ds.sizes["proposal"] == n_examples
    assert ds.attrs["n_inner"] == 1
    # run 1 differs from run 0 only by the success horizon (5 years after closure, not 3)
    horizon3 = ds["success_probability"].isel(run=0).values
    horizon5 = ds["success_probability"].isel(run=1).values
    assert horizon5.mean() > horizon3.mean()


def _spatial_examples() -> tuple[Path, list[Path]]:
    """The spatial example applications' folder and the screening policies (with layers)."""
    spatial_dir, policy = REPO / "scenarios" / "spatial", REPO / "scenarios" / "policies"
    screening = sorted(p for p in policy.glob("*.toml") if "[[layers]]" in p.read_text("utf-8"))
    if not list(spatial_dir.glob("*.toml")) or not screening:
        pytest.skip("no spatial example applications or screening policy")
    return spatial_dir, screening


@pytest.mark.slow
def test_spatial_criteria_follow_each_policy(tmp_path) -> None:
    """Screened proposals: a spatial criterion's hardness and threshold are each policy's."""
    spatial_dir, screening = _spatial_examples()
    data = {
        "sweep": {"name": "spatial", "seed": 1, "draws": 20, "policy": str(screening[0])},
        "portfolio": {"files": [str(spatial_dir / "*.toml")]},
        "levers": [{"policy": "criteria.protected_overlap.hard", "values": [True, False]}],
    }
    store = tmp_path / "spatial.zarr"
    run_sweep(write_spec(tmp_path / "spatial.json", data), store, workers=1)
    ds = results(store)
    hard_rejects = {decode_deciding(int(d))[0] for d in ds["deciding"][0].values if d}
    assert "protected_overlap" in hard_rejects  # some example overlaps a protected layer
    assert (ds["verdict"][1] <= ds["verdict"][0]).all()  # soft: never stricter
    assert (ds["verdict"][1] < ds["verdict"][0]).any()


def test_boundaries_stored_against_their_file_and_resumed_alike(tmp_path, monkeypatch) -> None:
    """A proposal's boundary is stored as the file next to the proposal, whatever the folder
    the sweep is started from (it was resolved against the cwd: the stored path named no file
    and a resumed sweep stopped with "file not found"; with a plan lever the sweep itself
    stopped so), and a resumed sweep, which reads the proposals back from the store, gives the
    uninterrupted store."""
    spatial_dir, screening = _spatial_examples()
    data = {
        "sweep": {"name": "spatial", "seed": 1, "draws": 10, "policy": str(screening[0])},
        "portfolio": {"files": [str(spatial_dir / "*.toml")]},
        "levers": [
            {"policy": "criteria.protected_overlap.hard", "values": [True, False]},
            # a plan lever: a task re-makes its rows from the columns, without their file
            {"plan": "restoration.progressive_fraction", "values": [0.3, 0.6]},
        ],
    }
    spec = write_spec(tmp_path / "spatial.json", data)
    monkeypatch.chdir(tmp_path)  # not the proposals' folder
    store = tmp_path / "whole.zarr"
    run_sweep(spec, store, workers=1, chunk_proposals=1)
    ds = results(store)
    stored = [str(b) for b in ds["portfolio_text"].sel(text_field="location.boundary").values]
    proposals = sim.load_proposals(sorted(spatial_dir.glob("*.toml")))
    expect = [str(p.boundary_path().resolve()) for p in proposals]
    assert stored == expect and all(Path(b).is_file() for b in stored), stored
    resumed = tmp_path / "resumed.zarr"
    run_sweep(spec, resumed, workers=1, chunk_proposals=1)
    g = open_group(resumed, "r+")
    g["task_done"][:, 1:] = 0  # as if killed after the first task
    g.attrs["complete"] = 0
    res = run_sweep(spec, resumed, resume=True, workers=1)
    assert res.resumed and res.tasks_run > 0
    xr.testing.assert_identical(ds, results(resumed))


def test_stored_portfolio_says_each_fields_unit(reference) -> None:
    """The portfolio table gives each field's unit and name (its units said only "see the
    input contract": an analyst could not tell the reserves' unit from the store)."""
    ds = results(reference)
    attrs = ds["portfolio_number"].attrs
    fields = ds["number_field"].values.tolist()
    units = dict(zip(fields, json.loads(attrs["field_units"]), strict=True))
    names = dict(zip(fields, json.loads(attrs["field_long_names"]), strict=True))
    assert units["extraction.reserves_mt"] == "Mt" and names["extraction.reserves_mt"]
    assert units["finance.bond_cny"] == "CNY" and units["restoration.import_topsoil"] == "1"
    assert "[" not in names["extraction.reserves_mt"]
    texts = json.loads(ds["portfolio_text"].attrs["field_long_names"])
    assert len(texts) == ds.sizes["text_field"]
