"""The command line: outputs, exit codes, and bad input without tracebacks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
from test_inputs import BAD_CASES

from sim.cli import main
from sim.params import load_library

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good" / "limestone.toml"
VERDICT_KEYS = {
    "proposal_id",
    "verdict",
    "criteria",
    "metrics",
    "conditions",
    "seed",
    "draws",
    "version",
}
CRITERION_KEYS = {
    "name",
    "value",
    "threshold",
    "direction",
    "margin",
    "passed",
    "hard",
    "explanation",
}
METRIC_KEYS = {
    "life_years",
    "peak_disturbed_area_ha",
    "total_disturbed_area_ha",
    "cost_p50_cny",
    "cost_p90_cny",
    "cost_per_ha_p50_cny",
    "pv_cost_p50_cny",
    "pv_cost_p90_cny",
    "pv_revenue_cny",
    "success_probability",
    "assurance_probability",
    "expected_unfunded_liability_cny",
    "horizon_years",
}
NAMES = [
    "licensed_area",
    "protected_overlap",
    "protected_distance",
    "boundary_area",
    "highwall_slope",
    "success_probability",
    "cost_to_revenue",
    "assurance",
    "unfunded_liability",
]


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_default_evaluates_the_packaged_example(capsys) -> None:
    rc, out, _err = run(capsys, "evaluate", "--draws", "200")
    assert rc == 0
    assert "HN-2026-0001" in out and "Verdict:" in out
    for name in NAMES:
        assert name in out
    assert "Key metrics" in out


def test_json_contract(capsys) -> None:
    rc, out, _ = run(capsys, "evaluate", "--json", "--draws", "200", str(GOOD))
    assert rc == 0
    doc = json.loads(out)
    assert VERDICT_KEYS <= set(doc)
    assert doc["verdict"] in ("approve", "conditional", "reject")
    assert [c["name"] for c in doc["criteria"]] == NAMES
    for c in doc["criteria"]:
        assert CRITERION_KEYS <= set(c)
        assert c["direction"] in ("<=", ">=")
        if c["passed"] is not None:
            signed = (
                c["threshold"] - c["value"]
                if c["direction"] == "<="
                else c["value"] - c["threshold"]
            )
            assert c["margin"] == pytest.approx(signed, rel=1e-8, abs=1e-9)
            assert c["passed"] == (c["margin"] >= 0)
    overlap = next(c for c in doc["criteria"] if c["name"] == "protected_overlap")
    assert overlap["passed"] is None and "boundary" in overlap["explanation"]
    assert METRIC_KEYS <= set(doc["metrics"])
    for cond in doc["conditions"]:
        assert {"criterion", "change", "field", "value"} <= set(cond)


def test_several_proposals_give_a_json_array(capsys, tmp_path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(GOOD.read_text().replace("HN-2026-0001", "HN-2026-0099"))
    rc, out, _ = run(
        capsys, "evaluate", "--json", "--draws", "100", str(GOOD), str(other), "--no-conditions"
    )
    assert rc == 0
    doc = json.loads(out)
    assert [d["proposal_id"] for d in doc] == ["HN-2026-0001", "HN-2026-0099"]


def test_json_stdout_is_only_json(capsys) -> None:
    _rc, out, _ = run(capsys, "evaluate", "--json", "--draws", "50")
    json.loads(out)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_exits_2_naming_file_and_field(capsys, name) -> None:
    path = DATA / "bad" / name
    rc, out, err = run(capsys, "evaluate", str(path))
    assert rc == 2
    assert out == ""
    assert str(path) in err and BAD_CASES[name] in err
    assert "Traceback" not in err


def test_one_bad_file_stops_all_evaluation(capsys) -> None:
    rc, out, _err = run(capsys, "evaluate", str(GOOD), str(DATA / "bad" / "negative-reserves.toml"))
    assert rc == 2 and out == ""


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--draws", "0"], "--draws = 0"),
        (["--draws", "many"], "expected an integer"),
        (["--seed", "-1"], "--seed = -1"),
        (["--param", "cost.regrade_unit_cost=999"], "outside its plausible range"),
        (["--param", "cost.regrade_cost=18"], "did you mean 'cost.regrade_unit_cost'"),
        (["--param", "nonsense"], "expected NAME=VALUE"),
        (["--policy", "missing-policy.toml"], "missing-policy.toml"),
        (["nope.toml"], "nope.toml"),
    ],
)
def test_bad_options_exit_2(capsys, args, expected) -> None:
    try:
        rc = main(["evaluate", *args])
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_bad_policy_file_exits_2(capsys, tmp_path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[criteria.assurance]\nthreshold = 1.5\n")
    rc, _, err = run(capsys, "evaluate", "--policy", str(bad), "--draws", "20")
    assert rc == 2 and "policy.toml" in err and "threshold" in err


def test_parameter_override_changes_cost(capsys) -> None:
    _, base, _ = run(capsys, "evaluate", "--json", "--draws", "100", "--no-conditions")
    _, dear, _ = run(
        capsys,
        "evaluate",
        "--json",
        "--draws",
        "100",
        "--no-conditions",
        "--param",
        "cost.wall_trough_unit_cost=300",
    )
    assert json.loads(dear)["metrics"]["cost_p50_cny"] > json.loads(base)["metrics"]["cost_p50_cny"]
    # the verdict says it holds with the changed parameter (JSON, terminal, in both languages)
    assert "params" not in json.loads(base)
    assert json.loads(dear)["params"] == {
        "cost.wall_trough_unit_cost": {
            "value": 300.0,
            "library": load_library()["cost.wall_trough_unit_cost"],
        }
    }
    for lang, phrase in (("en", "parameters changed from the library"), ("zh", "调整了参数库")):
        _, text, _ = run(
            capsys, "evaluate", "--draws", "50", "--no-conditions", "--lang", lang,
            "--param", "cost.wall_trough_unit_cost=300",
        )  # fmt: skip
        assert phrase in text and "cost.wall_trough_unit_cost = 300" in text


@pytest.mark.slow
def test_out_writes_netcdf_and_never_overwrites(capsys, tmp_path) -> None:
    out = tmp_path / "run"
    rc, stdout, _ = run(capsys, "evaluate", "--json", "--draws", "100", "--out", str(out))
    assert rc == 0
    verdict = json.loads((out / "verdicts.json").read_text())
    assert verdict == json.loads(stdout)
    summary = xr.open_dataset(out / "summary.nc", engine="h5netcdf")
    traj = xr.open_dataset(out / "trajectories.nc", engine="h5netcdf")
    assert summary.attrs["seed"] == 0 and json.loads(summary.attrs["inputs"])
    assert summary["cost_cny"].attrs["units"] == "CNY"
    assert set(traj.dims) >= {"proposal", "year", "quantile"}
    summary.close()
    traj.close()
    before = (out / "verdicts.json").read_bytes()
    rc, _, err = run(capsys, "evaluate", "--draws", "50", "--seed", "9", "--out", str(out))
    assert rc == 2 and "--force" in err
    assert (out / "verdicts.json").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    rc, _, _ = run(capsys, "evaluate", "--draws", "50", "--seed", "9", "--out", str(out), "--force")
    assert rc == 0
    assert json.loads((out / "verdicts.json").read_text())["seed"] == 9


def test_internal_error_exits_1_without_traceback(capsys, monkeypatch) -> None:
    import sim.api

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(sim.api, "evaluate", boom)
    rc, _, err = run(capsys, "evaluate", "--draws", "10")
    assert rc == 1 and "internal error" in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["proposal", "policy"])
def test_schema(capsys, kind) -> None:
    rc, out, _ = run(capsys, "schema", kind)
    assert rc == 0
    schema = json.loads(out)
    assert "properties" in schema


@pytest.mark.slow
def test_console_script_runs_as_a_new_user_would(tmp_path) -> None:
    """The installed entry point (or the module when running from a source tree)."""
    import os

    exe = shutil.which("restoresim")
    cmd = [exe] if exe else [sys.executable, "-m", "sim.cli"]
    env = dict(os.environ)
    if not exe:
        env["PYTHONPATH"] = str(Path(__file__).parents[1])
    res = subprocess.run(
        [*cmd, "evaluate", "--json", "--draws", "200"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["proposal_id"] == "HN-2026-0001"
    bad = subprocess.run(
        [*cmd, "evaluate", str(DATA / "bad" / "binary.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_unwritable_out_is_bad_input_before_any_work(capsys, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    rc, out, err = run(capsys, "evaluate", "--draws", "20", "--out", str(blocker / "sub"))
    assert rc == 2 and out == "" and "cannot create" in err and "Traceback" not in err


def test_debug_is_accepted_after_the_subcommand(capsys) -> None:
    rc, _, _ = run(capsys, "evaluate", "--draws", "20", "--no-conditions", "--debug")
    assert rc == 0


def test_policy_schema_accepts_a_partial_policy_file(capsys) -> None:
    import tomllib

    import jsonschema

    rc, out, _ = run(capsys, "schema", "policy")
    assert rc == 0
    schema = json.loads(out)
    root = Path(__file__).parents[1]
    partial = tomllib.loads((root / "scenarios" / "policies" / "hunan-screening.toml").read_text())
    jsonschema.validate(partial, schema)


def test_report_refuses_an_out_name_that_does_not_match_its_format(capsys, tmp_path) -> None:
    rc, _, err = run(
        capsys, "report", str(GOOD), "--draws", "20", "--out", str(tmp_path / "r.docx")
    )
    assert rc == 2 and ".html" in err
    rc, _, err = run(
        capsys,
        "report",
        str(GOOD),
        "--draws",
        "20",
        "--format",
        "html",
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert rc == 2 and not (tmp_path / "r.pdf").exists()


def test_unknown_layer_option_is_named(capsys) -> None:
    try:
        rc = main(["evaluate", str(GOOD), "--draws", "20", "--layers", "x.geojson:min_dist=100"])
    except SystemExit as exc:  # argparse reports the option's own type error
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2 and "did you mean 'min_distance'" in err


def test_fund_conditions_say_why_they_exceed_the_p90_cost(capsys) -> None:
    """A fund condition above the cost's P90 puzzles a reviewer (new-user trial): the verdict
    says how it is sized (closure-year prices, inflation ahead of the fund's interest)."""
    for lang, phrase in (("en", "faster than the fund earns interest"), ("zh", "快于基金利息")):
        _, text, _ = run(capsys, "evaluate", "--draws", "200", "--lang", lang)
        joined = re.sub(r"\n +", " " if lang == "en" else "", text)  # undo the wrapping
        assert "finance.plan_restoration_cost_cny" in text and phrase in joined
    _, text, _ = run(capsys, "evaluate", "--draws", "200", "--no-conditions")
    assert "earns interest" not in re.sub(r"\n +", " ", text)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_input_errors_in_the_reviewers_language(capsys, tmp_path, monkeypatch, how) -> None:
    """A Chinese reviewer gets input errors in Chinese (new-user trial: they were English under
    --lang zh): the field's name as the plans write it, what is wrong, what is allowed, the
    did-you-mean; still the file, the field path and the value, and exit 2."""
    from sim.data import __file__ as data_init

    text = (Path(data_init).parent / "example-proposal.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^reserves_mt = .*$", "reserves_mt = -3", text)
    text = re.sub(r"(?m)^soil_depth_cm = .*\n", "", text)
    text = re.sub(r"(?m)^stripping_ratio = ", "stripping_ratoi = ", text)
    bad = tmp_path / "申请.toml"
    bad.write_text(text, encoding="utf-8")
    args = ["evaluate", str(bad), "--draws", "20"]
    if how == "flag":
        args += ["--lang", "zh"]
    else:
        monkeypatch.setenv("RESTORESIM_LANG", "zh")
    rc, _, err = run(capsys, *args)
    assert rc == 2 and err.startswith("restoresim：输入有误：")
    for phrase in (
        "申请.toml",
        "reserves_mt（设计可采储量",
        "= -3: 须 > 0（允许范围",
        "soil_depth_cm（表土",
        "缺失（必填项",
        "未知的键 'stripping_ratoi'",
        "是否应为 'stripping_ratio'",
    ):
        assert phrase in err, phrase
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    rc, _, err = run(capsys, "evaluate", str(bad), "--draws", "20")
    assert rc == 2 and err.startswith("restoresim: error:") and "must be > 0" in err


def test_the_designed_pit_check_is_explained_when_it_passes(capsys) -> None:
    """On the design path the licence row's two areas are not obvious (new-user trial): the
    verdict explains them even when the check passes."""
    root = Path(__file__).resolve().parents[1] / "scenarios" / "proposals"
    design = root / "hn-2026-0010-youxian-limestone-design.toml"
    rc, text, _ = run(capsys, "evaluate", str(design), "--draws", "50", "--no-conditions")
    row = next(line for line in text.splitlines() if line.lstrip().startswith("licensed_area"))
    assert rc == 0 and row.rstrip().endswith("pass")
    assert "licensed_area: Designed pit" in re.sub(r"\n +", " ", text)
