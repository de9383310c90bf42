"""sweep-report's policy comparison: the baseline, rule labels, the first table of summary.md
and changes.csv, each checked against numbers recomputed from the store's per-proposal results."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_sweep import write_spec

from sim.cli import main
from sim.sweep.compare import rule_label
from sim.sweep.execute import run_sweep
from sim.sweep.labels import t
from sim.sweep.spec import baseline_policy, load_spec, parse_spec
from sim.sweep.store import open_results

REPO = Path(__file__).resolve().parent.parent

SPEC: dict[str, Any] = {
    "sweep": {"name": "compare", "seed": 5, "draws": 30},
    "portfolio": {"synthetic": 16},
    "levers": [
        {"policy": "criteria.assurance.threshold", "values": [0.9, 0.95]},
        {"policy": "criteria.assurance.hard", "values": [False, True]},
    ],
    "uncertainties": [
        {
            "name": "unit_cost",
            "scale_parameters": ["cost.regrade_unit_cost", "cost.planting.*"],
            "distribution": "uniform",
            "low": 0.8,
            "high": 1.2,
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


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, Path]:
    """A small sweep (baseline: assurance >= 90 % hard) and its report."""
    tmp = tmp_path_factory.mktemp("compare")
    data = json.loads(json.dumps(SPEC))
    data["baseline"] = {"criteria.assurance.hard": True}
    store, out = tmp / "s.zarr", tmp / "report"
    run_sweep(write_spec(tmp / "spec.json", data), store, workers=1)
    assert main(["sweep-report", str(store), "--out", str(out)]) == 0
    return store, out


# --------------------------------------------------------------------------------------------
# baseline in the spec


def test_default_baseline_is_the_packaged_policy() -> None:
    spec = load_spec(REPO / "scenarios" / "sweeps" / "assurance-threshold.toml")
    index, values, defaulted = baseline_policy(spec)
    assert values == {
        "criteria.assurance.threshold": 0.9,
        "criteria.assurance.hard": False,
        "criteria.unfunded_liability.threshold": 5_000_000.0,
    }
    assert defaulted == [] and index == 1  # (0.9, soft, 5 M): the second policy of the grid


def test_given_baseline_and_defaulted_plan_lever() -> None:
    data = json.loads(json.dumps(SPEC))
    data["levers"].insert(0, {"plan": "restoration.progressive_fraction", "values": [0.3, 0.6]})
    data["baseline"] = {
        "criteria.assurance.threshold": 0.95,
        "restoration.progressive_fraction": 0.6,
    }
    index, values, defaulted = baseline_policy(parse_spec(data))
    assert values["criteria.assurance.hard"] is False  # the packaged policy's
    assert index == 4 + 2 and defaulted == []
    # dotted keys written unquoted in TOML arrive as nested tables
    data["baseline"] = {
        "criteria": {"assurance": {"threshold": 0.95}},
        "restoration": {"progressive_fraction": 0.6},
    }
    assert baseline_policy(parse_spec(data))[0] == 4 + 2
    data["baseline"] = {"criteria.assurance.threshold": 0.95}
    index, _, defaulted = baseline_policy(parse_spec(data))
    assert index == 2 and defaulted == ["restoration.progressive_fraction"]  # first value


@pytest.mark.parametrize(
    ("baseline", "expect"),
    [
        ({"criteria.assurance.treshold": 0.9}, ("not a lever of this sweep", "did you mean")),
        ({"criteria.assurance.threshold": 0.85}, ("not one of the lever's values", "0.9, 0.95")),
        ({"criteria.assurance.hard": 1}, ("not one of the lever's values",)),
        ({"criteria.assurance.threshold": "high"}, ("baseline",)),
    ],
)
def test_bad_baseline_exits_2_naming_it(baseline, expect, tmp_path, capsys) -> None:
    data = json.loads(json.dumps(SPEC))
    data["baseline"] = baseline
    spec = write_spec(tmp_path / "bad.json", data)
    rc = main(["sweep", str(spec), "--out", str(tmp_path / "x.zarr"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert str(spec) in err and "Traceback" not in err
    for part in expect:
        assert part in err, err
    assert not (tmp_path / "x.zarr").exists()


# --------------------------------------------------------------------------------------------
# labels


def test_rule_labels_in_words() -> None:
    assert (
        rule_label({"criteria.assurance.threshold": 0.95, "criteria.assurance.hard": 1.0})
        == "assurance ≥ 95 %, hard"
    )
    assert (
        rule_label({"criteria.unfunded_liability.threshold": 2e6, "criteria.assurance.hard": 0.0})
        == "unfunded liability ≤ 2 M CNY; assurance soft"
    )
    assert rule_label({"restoration.progressive_fraction": 0.3}) == "progressive restoration 30 %"
    assert t("verdict.reject", "zh") == "不予通过" and t("verdict.reject") == "rejected"


def test_rule_labels_in_chinese_take_chinese_punctuation() -> None:
    """A Chinese rule is punctuated as Chinese ('；', '，'); it took the English '; ', ', ' and
    a bare space before 整改项 ("资金保障概率 整改项")."""
    two = {"criteria.unfunded_liability.threshold": 2e6, "criteria.assurance.hard": 0.0}
    assert rule_label(two, "zh") == "需政府兜底费用 ≤ 200 万元；资金保障概率，整改项"
    one = {"criteria.assurance.threshold": 0.95, "criteria.assurance.hard": 1.0}
    assert rule_label(one, "zh") == "资金保障概率 ≥ 95 %，否决项"


# --------------------------------------------------------------------------------------------
# the first table against the store


def _cells(summary: str) -> list[list[str]]:
    """The rows of the first table of summary.md, as cells."""
    lines = summary.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| policy |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def _mean(cell: str) -> float:
    return float(re.match(r"[+]?(-?[\d,]+\.\d+)", cell).group(1).replace(",", ""))  # type: ignore[union-attr]


def _recomputed(store: Path) -> dict[str, np.ndarray]:
    """Counts and avoided liability per (policy, scenario) from the per-proposal results."""
    ds = open_results(store).load()
    s, p = ds.sizes["scenario"], ds.sizes["policy"]
    v = ds["verdict"].values.reshape(s, p, -1)
    groups = ds.sizes["run"] // s
    names = ("approved", "conditional", "rejected", "avoided", "as_applied", "at_most")
    out = {k: np.zeros((p, s)) for k in names}
    policies = json.loads(ds.attrs["policies"])
    for q in range(p):
        cap = policies[q]["criteria"]["unfunded_liability"]["threshold"]
        for k in range(s):
            run = k * groups + int(ds["policy_group"].values[q])
            eu = ds["expected_unfunded_liability_cny"].values[run]
            out["approved"][q, k] = (v[k, q] == 0).sum()
            out["conditional"][q, k] = (v[k, q] == 1).sum()
            out["rejected"][q, k] = (v[k, q] == 2).sum()
            out["avoided"][q, k] = eu[v[k, q] == 2].sum()
            out["as_applied"][q, k] = eu[v[k, q] <= 1].sum()
            out["at_most"][q, k] = eu[v[k, q] == 0].sum() + np.minimum(eu[v[k, q] == 1], cap).sum()
    return out


@pytest.mark.slow
def test_first_table_counts_and_avoided_liability_match_the_store(report) -> None:
    store, out = report
    ds = open_results(store)
    base = int(ds.attrs["baseline_policy"])
    assert base == 1  # assurance >= 90 %, hard
    x = _recomputed(store)
    rows = _cells((out / "summary.md").read_text(encoding="utf-8"))
    assert len(rows) == ds.sizes["policy"]
    labels = [r[0].strip("*").replace(" (baseline)", "") for r in rows]
    assert labels == [
        "assurance ≥ 90 %, soft",
        "assurance ≥ 90 %, hard",
        "assurance ≥ 95 %, soft",
        "assurance ≥ 95 %, hard",
    ]
    assert rows[base][0] == "**assurance ≥ 90 %, hard (baseline)**"
    for q, row in enumerate(rows):
        for col, name in ((1, "approved"), (2, "conditional"), (3, "rejected")):
            assert _mean(row[col]) == pytest.approx(x[name][q].mean(), abs=0.051)
            share = float(row[col].split("·")[1].strip().rstrip("%")) / 100
            assert share == pytest.approx(x[name][q].mean() / ds.sizes["proposal"], abs=5.01e-4)
        assert _mean(row[5]) == pytest.approx(x["avoided"][q].mean() / 1e6, abs=0.0051)
        if q == base:
            assert row[4] == row[6] == "—"
            continue
        d_rej = (x["rejected"][q] - x["rejected"][base]).mean()
        d_avoided = (x["avoided"][q] - x["avoided"][base]).mean() / 1e6
        assert _mean(row[4]) == pytest.approx(d_rej, abs=0.051)
        assert _mean(row[6]) == pytest.approx(d_avoided, abs=0.0051)
    # the stricter hard rule rejects at least as many, and avoids at least as much
    assert x["rejected"][3].mean() >= x["rejected"][1].mean()
    comp = pd.read_csv(out / "comparison.csv")
    np.testing.assert_allclose(comp["rejected_mean"], x["rejected"].mean(axis=1))
    np.testing.assert_allclose(
        comp["liability_avoided_cny_change_p90"],
        np.percentile(x["avoided"] - x["avoided"][base], 90, axis=1),
        atol=1e-3,  # CNY: sums in another order
    )
    # liability once conditions are met: conditional ones capped at the threshold (a bound)
    np.testing.assert_allclose(
        comp["liability_secured_by_conditions_at_least_cny_mean"],
        (x["as_applied"] - x["at_most"]).mean(axis=1),
        atol=1e-3,
    )
    assert (x["as_applied"] >= x["at_most"] - 1e-6).all()


def test_changes_csv_lists_every_changed_verdict(report) -> None:
    store, out = report
    ds = open_results(store).load()
    s, p = ds.sizes["scenario"], ds.sizes["policy"]
    v = ds["verdict"].values.reshape(s, p, -1)
    base = int(ds.attrs["baseline_policy"])
    changes = pd.read_csv(out / "changes.csv")
    assert base not in set(changes.policy)
    for q in range(p):
        if q != base:
            assert changes[changes.policy == q].scenarios.sum() == (v[:, q] != v[:, base]).sum()
    soft = changes[changes.policy == 0]  # soft at 90 %: the baseline's assurance rejections
    assert len(soft) and set(soft.change) <= {"reject -> conditional"}
    assert all("assurance" in d.split() for d in soft.deciding)


def test_figures_and_summary_name_the_rules(report) -> None:
    _, out = report
    text = (out / "summary.md").read_text(encoding="utf-8")
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text
    assert "conditions met (at most)" in text and "#0" not in text
    for name in ("frontier.png", "tornado.png", "distributions.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    front = pd.read_csv(out / "frontier.csv")
    assert front.baseline.sum() == 1 and front.policy_label.is_unique


def test_frontier_labels_do_not_overlap() -> None:
    from sim.sweep.figures import _spread

    want, heights = [0.05, 0.5, 0.5, 0.52, 0.9, 0.95], [0.1, 0.1, 0.2, 0.1, 0.1, 0.15]
    pos = _spread(want, heights, 0.0, 1.0)
    for i in range(1, len(pos)):
        assert pos[i] - pos[i - 1] >= (heights[i] + heights[i - 1]) / 2 - 1e-12
    assert pos[0] - heights[0] / 2 >= -1e-12 and pos[-1] + heights[-1] / 2 <= 1.0 + 1e-12
    assert _spread([0.1, 0.6], [0.1, 0.1], 0.0, 1.0) == [0.1, 0.6]  # room: at their points
    # two labels wanted at one height share it: one above, one below
    a, b = _spread([0.5, 0.5], [0.2, 0.2], 0.0, 1.0)
    assert a == pytest.approx(0.4) and b == pytest.approx(0.6)


@pytest.mark.slow
def test_store_without_baseline_reports_policy_0(report, tmp_path) -> None:
    import shutil

    import zarr

    store, _ = report
    old = tmp_path / "old.zarr"
    shutil.copytree(store, old)
    g = zarr.open_group(str(old), mode="r+", zarr_format=2)
    del g.attrs["baseline_policy"], g.attrs["baseline_defaulted"]
    assert main(["sweep-report", str(old), "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")
    assert "predates the baseline" in text
    assert "**assurance ≥ 90 %, soft (baseline)**" in text


def test_any_two_policies_compare_in_python(report) -> None:
    """comparison_table / verdict_changes against another policy than the store's baseline:
    hard 90 % -> hard 95 % rejects the applications approved only between the two thresholds."""
    from sim.sweep.compare import comparison_table, verdict_changes

    store, _ = report
    ds = open_results(store).load()
    x = _recomputed(store)
    comp = comparison_table(ds, baseline=1)
    np.testing.assert_allclose(
        comp.loc[3, "rejected_change_mean"], (x["rejected"][3] - x["rejected"][1]).mean()
    )
    assert (comp.loc[1, [c for c in comp.columns if c.endswith("_change_mean")]] == 0).all()
    changes = verdict_changes(ds, baseline=1)
    strict = changes[changes.policy == 3]
    assert set(strict.change) <= {"approve -> reject"} and set(strict.deciding) <= {"assurance"}
    assert strict.scenarios.sum() == (x["rejected"][3] - x["rejected"][1]).sum()


def test_drivers_in_words_name_the_largest_swing(report) -> None:
    store, out = report
    base = int(open_results(store).attrs["baseline_policy"])
    tornado = pd.read_csv(out / "tornado.csv")
    tb = tornado[(tornado.outcome == "restoration_cost_p90_sum_cny")]
    tb = tb[tb.policy == base]
    top = tb.loc[tb.swing.abs().idxmax()]
    text = (out / "summary.md").read_text(encoding="utf-8").split("## 6.")[1]
    line = next(x for x in text.splitlines() if "sum of P90s" in x)
    assert f"moves most with **{top.uncertainty}**" in line
    high = top.high_third / 1e6
    shown = f"{high:,.0f}" if abs(high) >= 100 else f"{high:,.3g}"
    assert f"{shown} M CNY in the highest third" in line


def test_side_by_side_points_keep_leaders_clear() -> None:
    """Two points at one height near the top: the rightmost takes the label nearest its
    height, so the other's leader does not run level through it."""
    from sim.sweep.figures import _spread, _untangle

    want, heights, xs = [0.95, 0.95], [0.2, 0.2], [1.0, 7.0]
    pos = _untangle(_spread(want, heights, 0.0, 1.0), want, heights, xs)
    assert abs(pos[1] - 0.95) < abs(pos[0] - 0.95) and sorted(pos) == pytest.approx([0.7, 0.9])


@pytest.mark.slow
def test_chinese_report(report, tmp_path) -> None:
    """sweep-report --lang zh: summary and figure texts from the catalogue, CSV keys English."""
    store, _ = report
    out = tmp_path / "zh"
    assert main(["sweep-report", str(store), "--out", str(out), "--lang", "zh"]) == 0
    text = (out / "summary.md").read_text(encoding="utf-8")
    assert text.startswith("# 政策情景分析报告") or "政策情景分析报告" in text.splitlines()[0]
    assert "不予通过" in text and "资金保障" in text
    # money in 万元 as Hunan documents count it, not 百万元: the same number x 100
    assert "［万元］" in text and "百万元" not in text and "M CNY" not in text
    tornado = pd.read_csv(report[1] / "tornado.csv")
    base = int(open_results(store).attrs["baseline_policy"])
    tb = tornado[(tornado.outcome == "restoration_cost_p90_sum_cny") & (tornado.policy == base)]
    high = tb.loc[tb.swing.abs().idxmax()].high_third / 1e4
    assert (f"{high:,.0f}" if abs(high) >= 100 else f"{high:,.3g}") + " 万元" in text
    assert "How many applications" not in text
    assert list(pd.read_csv(out / "comparison.csv").columns) == list(
        pd.read_csv(report[1] / "comparison.csv").columns
    )
    for name in ("frontier.png", "tornado.png", "distributions.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_use_a_cjk_font_in_chinese(report) -> None:
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    import sim.sweep.figures as figs
    from sim.fonts import CJK_FAMILIES, cjk_family

    if cjk_family() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    made: list[Figure] = []
    real_png = figs.png
    try:
        figs.png = lambda fig: made.append(fig) or real_png(fig)
        comp = pd.read_csv(report[1] / "comparison.csv")
        comp["policy_label"] = comp["policy_label"].astype(str)
        figs.frontier_figure(comp, "zh")
    finally:
        figs.png = real_png
    from matplotlib.text import Text

    title = next(x for x in made[0].findobj(Text) if "获批申请比例" in x.get_text())
    used = font_manager.FontProperties(fname=font_manager.findfont(title.get_fontproperties()))
    assert used.get_name() in CJK_FAMILIES


@pytest.mark.slow
def test_sweep_without_uncertainties_reports(tmp_path, capsys, monkeypatch) -> None:
    """A sweep of policies only (no uncertainty sampled, like the packaged 10k benchmark spec)
    has no drivers to rank: the report says so instead of failing."""
    import tomllib

    from sim.cli import main
    from sim.sweep.execute import run_sweep
    from sim.sweep.spec import parse_spec

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "scenarios/sweeps/hunan-10k-benchmark.toml").read_text())
    data["portfolio"]["synthetic"], data["sweep"]["draws"] = 12, 10
    spec = parse_spec(data)
    assert not spec.uncertainties
    run_sweep(spec, tmp_path / "p.zarr", workers=1)
    out = tmp_path / "rep"
    assert main(["sweep-report", str(tmp_path / "p.zarr"), "--out", str(out)]) == 0
    text = (out / "summary.md").read_text(encoding="utf-8")
    assert not (out / "tornado.png").exists()
    assert t("no_tornado", "en") in text
    # on a terminal, the files written are counted as they go
    from test_report import _Terminal

    from sim.sweep.report import write_report

    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    monkeypatch.setenv("COLUMNS", "120")
    written = write_report(tmp_path / "p.zarr", tmp_path / "again", lang="zh", progress=True)
    assert t("progress", "zh") in term.text and f"{len(written)}/{len(written)}" in term.text


@pytest.mark.slow
def test_a_chinese_summary_is_punctuated_as_chinese(report, tmp_path) -> None:
    """summary.md in zh lists its files with '、' and gives the next drivers in '（…）', '；'
    (it wrote 'comparison.csv, changes.csv' and 'growth_rate (71.5 % → 72.1 %)')."""
    from sim.sweep.report import write_report

    store, _out = report
    write_report(store, tmp_path / "zh", lang="zh")
    text = (tmp_path / "zh" / "summary.md").read_text(encoding="utf-8")
    files = next(line for line in text.splitlines() if line.startswith("文件："))
    assert "comparison.csv、" in files and ", " not in files, files
    nexts = [line for line in text.splitlines() if "其次：" in line]
    assert nexts and all(" (" not in line.split("其次：")[1] for line in nexts), nexts
    assert all("（" in line.split("其次：")[1] for line in nexts), nexts


def test_ranges_that_round_to_zero_read_zero() -> None:
    """A change that rounds to zero is 0.00, never -0.00 (new-user trial)."""
    from sim.sweep.summary import _range

    row = pd.Series({"x_mean": -1e-9, "x_p10": -0.0, "x_p90": 0.004})
    assert _range(row, "x", 1.0, 2) == "0.00 [0.00–0.00]"
    assert _range(row, "x", 1.0, 2, sign=True) == "0.00 [0.00–0.00]"
    row = pd.Series({"x_mean": -1.5, "x_p10": -2.0, "x_p90": 0.5})
    assert _range(row, "x", 1.0, 2, sign=True) == "-1.50 [-2.00–+0.50]"


def test_the_sampler_is_named_in_words(report) -> None:
    """The summary names the design in words in both languages, not by its identifier
    (new-user trial: 'latin_hypercube' stood in the Chinese text)."""
    _store, out = report
    intro = (out / "summary.md").read_text(encoding="utf-8").split("\n\n")[1]
    assert "latin_hypercube" not in intro and t("sampler.latin_hypercube", "en") in intro


def test_box_labels_fit_their_slot_in_both_languages() -> None:
    """The distributions figure's labels under each box: a Chinese rule is wrapped by its
    width, not its characters (20 Chinese characters ran into the next box's label)."""
    from sim.i18n import use_lang
    from sim.i18n.units import width
    from sim.sweep.compare import rule_label
    from sim.sweep.figures import box_labels

    levers = {
        "criteria.assurance.threshold": 0.9,
        "criteria.assurance.hard": 0.0,
        "criteria.unfunded_liability.threshold": 5e6,
    }
    for lang in ("en", "zh"):
        with use_lang(lang):
            labels = box_labels([rule_label(levers, lang)] * 2, 1, lang)
        lines = [line for label in labels for line in label.splitlines()]
        assert len(lines) > 2 and max(width(line) for line in lines) <= 22, (lang, lines)
