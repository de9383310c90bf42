"""Validation against real sites (issue #13 item 6): the harness, its command, the README table
and the calibration criteria."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim import engine
from sim.cli import main
from sim.keys import MEASURES
from sim.params import load_library
from sim.proposal import load_policy, load_proposal
from sim.resolve import resolve
from sim.validate import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    LEAVE_ONE_OUT_MIN,
    LIKELIHOOD_DROP,
    RATIO_RANGE,
    SIGMA_GRID,
    SIGMA_PARAM,
    Row,
    SigmaFit,
    Validation,
    evaluate_cases,
    fit_sigma,
    load_cases,
    log_score,
    markdown_table,
    matching_share,
)

README = Path(__file__).resolve().parents[1] / "README.md"
CASES = Path(__file__).parents[1] / "scenarios" / "real-cases"
START, END = "<!-- validation-table:start -->", "<!-- validation-table:end -->"


@pytest.fixture(scope="module")
def validation() -> Validation:
    """The shipped cases at the README's settings (500 draws, seed 0)."""
    return evaluate_cases(load_cases(CASES), draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)


def test_every_case_has_a_source_and_a_tagged_header() -> None:
    cases = load_cases(CASES)
    assert len(cases) >= 6
    for c in cases:
        assert c.source.startswith("http")
        head = c.file.read_text(encoding="utf-8")
        assert c.source.split("//")[1].split("/")[0] in head  # the header names the source
        for tag in ("[S]", "[D]", "[E]"):
            assert tag in head, f"{c.file.name}: no {tag} in its header"


def test_rows_agree_with_the_engine(validation: Validation) -> None:
    cases = load_cases(CASES)
    proposals = [load_proposal(c.file) for c in cases]
    summary = engine.run(proposals, load_policy(), draws=DEFAULT_DRAWS, seed=DEFAULT_SEED).summary
    policy, lib = load_policy(), load_library()
    for i, (c, p, r) in enumerate(zip(cases, proposals, validation.rows, strict=True)):
        assert r.id == c.id == summary.proposal.values[i]
        share = 1.0 if c.compare is None else matching_share(resolve(p, policy, lib), c.compare)
        eng = summary["cost_cny"].isel(proposal=i).values * share
        np.testing.assert_allclose([r.p10_cny, r.p50_cny, r.p90_cny], eng, rtol=1e-12)
        assert r.p05_cny <= r.p10_cny <= r.p50_cny <= r.p90_cny <= r.p95_cny
        assert r.ratio == pytest.approx(r.p50_cny / c.stated_cost_cny, rel=1e-15)
        assert r.inside == (r.p05_cny <= c.stated_cost_cny <= r.p95_cny)
    ratios = [r.ratio for r in validation.rows if r.calibration]
    assert validation.median_ratio == pytest.approx(float(np.median(ratios)))
    assert validation.inside_count == sum(r.inside for r in validation.rows if r.calibration)


def test_matching_share_is_a_share_of_the_breakdown() -> None:
    p = load_proposal(CASES / "rc-04-tongshan-silica-revegetation.toml")
    r = resolve(p, load_policy(), load_library())
    assert matching_share(r, MEASURES) == pytest.approx(1.0, rel=1e-12)
    part = matching_share(r, ["revegetation", "wall_greening", "aftercare"])
    rest = matching_share(
        r, [m for m in MEASURES if m not in ("revegetation", "wall_greening", "aftercare")]
    )
    assert 0.0 < part < 1.0
    assert part + rest == pytest.approx(1.0, rel=1e-12)


def test_readme_carries_the_current_table(validation: Validation) -> None:
    text = README.read_text(encoding="utf-8")
    m = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert m, f"README.md lacks the {START} … {END} block"
    assert m.group(1).strip() == markdown_table(validation).strip(), (
        "README's validation table is stale: replace it with `restoresim validate --markdown`"
    )


def test_calibration_criteria(validation: Validation) -> None:
    lo, hi = RATIO_RANGE
    outside = [r.id for r in validation.calibrated if not r.inside]
    assert not outside, f"stated cost outside our P05–P95: {outside}"
    assert lo <= validation.median_ratio <= hi
    assert validation.passes


def test_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--draws", "50", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in doc["rows"]] == [c.id for c in load_cases(CASES)]
    assert doc["summary"]["calibration_cases"] == sum(c.calibration for c in load_cases(CASES))
    assert main(["validate", "--draws", "50"]) == 0
    out = capsys.readouterr().out
    assert "RC-02" in out and "median P50/stated" in out


def _one_case(tmp_path: Path, stated: float, **extra: str) -> Path:
    src = CASES / "rc-02-hongjiang-zhushan-vanadium.toml"
    shutil.copy(src, tmp_path / src.name)
    lines = [
        "[cases.RC-02]",
        f'file = "{src.name}"',
        'site = "株山"',
        f"stated_cost_cny = {stated!r}",
        'kind = "actual"',
        'covers = "all works"',
        'compare = "total"',
        "calibration = true",
        'source = "http://example.org"',
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    (tmp_path / "cases.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_check_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _one_case(tmp_path, 1.0)
    p50 = evaluate_cases(load_cases(folder), draws=50).rows[0].p50_cny
    assert main(["validate", "--draws", "50", "--cases", str(folder), "--check"]) == 1
    _one_case(tmp_path, p50)
    assert main(["validate", "--draws", "50", "--cases", str(folder), "--check"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("extra", "stated", "needle"),
    [
        ({"colour": '"red"'}, 1e6, "colour = 'red': expected no such field; allowed: file"),
        ({}, -5.0, "stated_cost_cny = -5.0: expected the stated cost in CNY, positive"),
        ({"kind": '"guess"'}, 1e6, None),
        ({"compare": '["planting"]'}, 1e6, "compare = 'planting': expected a measure: regrading"),
        ({"compare": '"all"'}, 1e6, "compare = 'all'"),
        ({"calibration": "false"}, 1e6, "calibration = false needs exclude_reason"),
        ({"file": '"missing.toml"'}, 1e6, "file = 'missing.toml': expected a proposal file"),
    ],
)
def test_bad_cases_file_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: dict[str, str],
    stated: float,
    needle: str | None,
) -> None:
    folder = _one_case(tmp_path, stated)
    text = (folder / "cases.toml").read_text(encoding="utf-8")
    for k, v in extra.items():  # replace a field, or add an unknown one
        text, n = re.subn(rf"^{k} = .*$", f"{k} = {v}", text, flags=re.M)
        if not n:
            text += f"{k} = {v}\n"
    (folder / "cases.toml").write_text(text, encoding="utf-8")
    assert main(["validate", "--draws", "10", "--cases", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "cases.toml: [cases.RC-02]" in err
    assert (needle or "kind = 'guess': expected one of plan, actual, revegetation_only") in err


def test_missing_folder_and_id_mismatch_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--cases", str(tmp_path / "nowhere")]) == 2
    assert "no cases.toml" in capsys.readouterr().err
    folder = _one_case(tmp_path, 1e6)
    text = (folder / "cases.toml").read_text(encoding="utf-8")
    (folder / "cases.toml").write_text(text.replace("[cases.RC-02]", "[cases.RC-99]"), "utf-8")
    assert main(["validate", "--draws", "10", "--cases", str(folder)]) == 2
    assert "id = 'RC-02': expected 'RC-99'" in capsys.readouterr().err


def test_an_excluded_case_is_shown_but_not_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _one_case(tmp_path, 1.0, exclude_reason='"covers land purchase too"')
    text = (folder / "cases.toml").read_text(encoding="utf-8")
    (folder / "cases.toml").write_text(
        text.replace("calibration = true", "calibration = false"), "utf-8"
    )
    v = evaluate_cases(load_cases(folder), draws=20)
    assert not v.rows[0].calibration and not v.rows[0].inside
    assert v.calibrated == [] and not v.passes and math.isnan(v.median_ratio)
    assert "no (excluded)" in markdown_table(v)
    assert main(["validate", "--draws", "20", "--cases", str(folder), "--check"]) == 1
    capsys.readouterr()
    assert main(["validate", "--draws", "20", "--cases", str(folder), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["median_ratio_p50_to_stated"] is None and summary["calibration_cases"] == 0


def _row(case_id: str, stated: float, log_mean: float, log_sd: float) -> Row:
    return Row(
        id=case_id, site="s", kind="actual", compared="total", stated_cost_cny=stated,
        p05_cny=1.0, p10_cny=1.0, p50_cny=1.0, p90_cny=1.0, p95_cny=1.0, ratio=1.0,
        inside=abs(math.log(stated) - log_mean) <= 1.645 * log_sd,
        log_mean=log_mean, log_sd=log_sd, calibration=True, covers="c", source="http://x",
    )  # fmt: skip


def test_log_score_is_the_lognormal_log_density() -> None:
    r = _row("A", math.e**2, 2.0, 0.5)
    assert log_score(r) == pytest.approx(-math.log(0.5))
    off = _row("A", math.e**3, 2.0, 0.5)  # two sd away
    assert log_score(off) == pytest.approx(-math.log(0.5) - 2.0)


def test_fit_finds_the_spread_of_the_residuals() -> None:
    """With a model whose log-sd is the grid value g, the summed log score peaks at g = root
    mean square of the log residuals; the fit is the smallest value of the 95 % likelihood
    interval that holds every case inside P05-P95; leave-one-out applies the same rule."""
    resid = np.array([1.3, -0.7, 0.3, -0.2, 0.5, -0.45, 0.1, -0.3])
    grid = tuple(round(0.1 * k, 1) for k in range(2, 13))
    runs = [
        Validation(
            rows=[_row(f"C{i}", math.exp(x), 0.0, g) for i, x in enumerate(resid)],
            draws=1,
            seed=0,
        )
        for g in grid
    ]
    fit = SigmaFit(grid=grid, runs=runs)
    rms = float(np.sqrt(np.mean(resid**2)))  # 0.60
    assert fit.sigma_ml == min(grid, key=lambda g: abs(g - rms))
    total = fit.scores.sum(axis=1)
    lo, hi = fit.interval
    assert total[grid.index(lo)] >= total.max() - LIKELIHOOD_DROP
    assert lo == grid[0] or total[grid.index(lo) - 1] < total.max() - LIKELIHOOD_DROP
    # 1.3 needs 1.645 g >= 1.3, g >= 0.79: the fit is 0.8 (inside the interval), not the peak
    assert fit.sigma == 0.8 and lo <= 0.8 <= hi
    loo = fit.leave_one_out()
    assert [c for c, _, _ in loo] == [f"C{i}" for i in range(len(resid))]
    # without the 1.3 case every other lies within 1.645 x 0.5: the rule picks the interval's
    # lowest value that holds them, and the 1.3 case falls outside
    _, g0, inside0 = loo[0]
    assert g0 < 0.8 and inside0 is False
    assert all(ok for _, _, ok in loo[1:])


@pytest.mark.slow
def test_the_library_spread_is_the_fit_to_the_real_cases() -> None:
    """cost.common_factor_sigma is [D]: the fit of `restoresim validate --fit-sigma` to the
    shipped cases; at least LEAVE_ONE_OUT_MIN of them lie inside P05–P95 at the value the same
    rule picks without them."""
    fit = fit_sigma(load_cases(CASES), draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)
    lib = load_library().params[SIGMA_PARAM]
    assert lib.source == "D"
    assert float(lib.value) == pytest.approx(fit.sigma), (  # type: ignore[arg-type]
        f"refit: `restoresim validate --fit-sigma` gives {fit.sigma}, the library {lib.value}"
    )
    assert SIGMA_GRID[0] < fit.sigma_ml < SIGMA_GRID[-1], "the peak is at the grid's edge"
    loo = fit.leave_one_out()
    inside = sum(ok for _, _, ok in loo)
    assert inside >= LEAVE_ONE_OUT_MIN * len(loo), f"left out and outside: {loo}"


@pytest.mark.slow
def test_fit_sigma_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--draws", "60", "--fit-sigma"]) == 0
    out = capsys.readouterr().out
    assert "maximum likelihood" in out and "leave one out" in out and "RC-08" in out


def test_fit_sigma_shows_the_grid_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fit runs every case at each grid value (seconds): a terminal sees the count."""
    from test_report import _Terminal

    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    monkeypatch.setenv("COLUMNS", "120")
    grid = (0.3, 0.6)
    fit_sigma(load_cases(CASES)[:3], draws=20, grid=grid, progress=True)
    assert SIGMA_PARAM in term.text and f"{len(grid)}/{len(grid)}" in term.text


def test_command_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """`validate --lang zh`: the table's words and the summary in Chinese (the sites' names are
    data, as cases.toml states them); the English table is the README's."""
    from zhcheck import assert_chinese, english_runs

    assert main(["validate", "--draws", "40", "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("编号") and "矿山名称" in lines[0]
    assert_chinese(lines[0])
    assert_chinese(lines[-1])  # the summary and the criteria
    assert "校准" in lines[-1] and "万元" in lines[-1]
    cases = load_cases(CASES)
    rows = [ln for ln in lines if ln.startswith("RC-")]
    assert len(rows) == len(cases)
    for c, row in zip(cases, rows, strict=True):
        rest = row.split(c.site, 1)[1]  # what follows the site's name: our words and numbers
        assert not english_runs(rest), row
        assert ("是" in rest or "否" in rest) and "yes" not in rest
    assert any("仅植被恢复" in r and "管护及监测" in r for r in rows)  # measures by name
    assert any("不计入校准" in r for r in rows)  # an excluded case says so
    assert main(["validate", "--draws", "40"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("id     site")


def test_fit_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    from zhcheck import assert_chinese

    fit = fit_sigma(load_cases(CASES)[:4], draws=20, grid=(0.3, 0.6))
    from sim.i18n import use_lang
    from sim.validate import format_fit

    with use_lang("zh"):
        text = format_fit(fit, 0.6)
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("0."):
            assert_chinese(line.replace(SIGMA_PARAM, ""))
    assert "参数库现值" in text and "留一检验" in text
    from sim.validate import _width

    grid = [ln.split("  <- ")[0] for ln in text.splitlines()[2:5]]  # header and two values
    assert len({_width(ln) for ln in grid}) == 1, grid  # columns aligned (CJK: two columns)


def test_bad_cases_file_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zhcheck import assert_chinese

    folder = _one_case(tmp_path, -5.0)
    assert main(["validate", "--draws", "10", "--cases", str(folder), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert "stated_cost_cny = -5.0" in err and "公开费用（元，正数）" in err
    assert_chinese(err.replace(str(folder), ""))
    assert main(["validate", "--cases", str(tmp_path / "nowhere"), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert "没有 cases.toml" in err
    assert_chinese(err.replace(str(tmp_path / "nowhere"), ""))
