"""The application queue: folders and CSV files, invalid entries, --resume, --strict, atomicity."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_DATA, REVIEW_DRAWS

import sim.report
from sim.batch import COLUMNS, coerce_cell, field_type, read_queue, row_to_data, run_batch
from sim.cli import main
from sim.outputs import atomic_write
from sim.report.appendix import flatten

EXAMPLES = sorted((Path(__file__).parents[1] / "scenarios" / "proposals").glob("*.toml"))


def summary(out: Path) -> list[dict[str, str]]:
    with (out / "summary.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def page_row(out: Path, ident: str) -> str:
    """The summary page's row of application ``ident``."""
    page = (out / "summary.html").read_text(encoding="utf-8")
    return page.split(f'<tr data-id="{ident}"')[1].split("</tr>")[0]


def test_folder_with_a_broken_file_completes(review_batch) -> None:
    _queue, out, rc = review_batch
    assert rc == 0
    rows = summary(out)
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(EXAMPLES) + 1
    broken = next(r for r in rows if r["source"] == "zz-broken.toml")
    assert broken["verdict"] == "invalid" and "TOML syntax error" in broken["error"]
    assert broken["id"] == "" and broken["report"] == ""
    for r in rows:
        if r["verdict"] == "invalid":
            continue
        record = json.loads((out / "verdicts" / f"{r['id']}.json").read_text(encoding="utf-8"))
        assert r["verdict"] == record["verdict"]["verdict"] in ("approve", "conditional", "reject")
        assert r["deciding_criteria"] == ";".join(record["verdict"]["deciding_criteria"])
        assert float(r["cost_p50_cny"]) == round(record["verdict"]["metrics"]["cost_p50_cny"])
        assert (out / r["report"]).is_file() and r["report"] == f"reports/{r['id']}.html"
        # a rejected application's plan changes are in the summary, as its conditions are
        fixes = record["verdict"]["remedies"]
        assert r["remedies"] == "; ".join(
            f"{c['criterion']}: {c['field']}="
            + (str(c["value"]).lower() if isinstance(c["value"], bool) else f"{c['value']:.10g}")
            for c in fixes
        )
    assert {r["verdict"] for r in rows} == {"approve", "conditional", "reject", "invalid"}
    assert any(r["remedies"] for r in rows)  # the examples include a rejection with a remedy
    rejected = next(r for r in rows if r["remedies"])
    row_html = page_row(out, rejected["id"])
    assert "plan changes that would fix a hard failure" in row_html
    assert rejected["remedies"].split(": ")[1].split("=")[0] in row_html  # the field it changes
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert page.count("<tr data-id=") == len(rows)
    for r in rows:
        if r["report"]:
            assert f'href="{r["report"]}"' in page
    assert "TOML syntax error" in page


def test_outputs_are_written_atomically(review_batch) -> None:
    _queue, out, _rc = review_batch
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


@pytest.mark.slow
def test_an_interrupted_batch_resumes_to_the_same_outputs(
    review_batch, tmp_path, capsys, monkeypatch
) -> None:
    queue, out, _rc = review_batch
    copy = tmp_path / "review"
    shutil.copytree(out, copy)
    before = files(copy)
    for name in ("reports/HN-2026-0003.html", "verdicts/HN-2026-0003.json"):
        (copy / name).unlink()
    # left by a kill -9 mid-write (a process id above any pid_max: no longer running)
    stale = copy / "reports" / f".HN-2026-0004.html.restoresim-{2**22 + 1}-x1y2.tmp"
    stale.write_text("<!DOCTYPE html><p>half")

    def interrupted(path: Path, text: str) -> None:
        def half_then_ctrl_c(tmp: Path) -> None:
            tmp.write_text(text[: len(text) // 2], encoding="utf-8")
            raise KeyboardInterrupt

        atomic_write(path, half_then_ctrl_c)

    args = [
        *("batch", str(queue), "--out", str(copy), "--draws", str(REVIEW_DRAWS), "--resume"),
        *("--workers", "1"),  # in this process, where the write is patched
    ]
    with monkeypatch.context() as m:
        m.setattr(sim.report, "atomic_write_text", interrupted)
        assert main(args) == 130
    assert not (copy / "reports" / "HN-2026-0003.html").exists()
    assert not [p for p in copy.rglob("*.tmp") if p != stale]  # no half-written file
    assert main(args) == 0
    resumed = len(list(queue.glob("*.toml"))) - 2  # all but the removed one and the broken one
    assert f"1 evaluated, {resumed} resumed, 1 invalid" in capsys.readouterr().err
    assert not stale.exists()
    assert files(copy) == before  # the missing report came back identical; nothing else moved


@pytest.mark.slow
def test_resume_redoes_outputs_made_from_other_inputs(review_batch, tmp_path, capsys) -> None:
    queue, out, _rc = review_batch
    copy = tmp_path / "review"
    shutil.copytree(out, copy)
    record_path = copy / "verdicts" / "HN-2026-0002.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["inputs_sha256"] = "0" * 64  # as if the application had changed since
    record_path.write_text(json.dumps(record), encoding="utf-8")
    args = ["batch", str(queue), "--out", str(copy), "--draws", str(REVIEW_DRAWS), "--resume"]
    assert main(args) == 0
    resumed = len(list(queue.glob("*.toml"))) - 2  # all but the changed one and the broken one
    assert f"1 evaluated, {resumed} resumed" in capsys.readouterr().err
    assert record_path.read_bytes() == (out / "verdicts" / "HN-2026-0002.json").read_bytes()


def test_strict_exits_2_when_an_application_is_invalid(review_batch, tmp_path, capsys) -> None:
    queue, out, _rc = review_batch
    copy = tmp_path / "review"
    shutil.copytree(out, copy)
    (copy / "summary.csv").unlink()
    args = ["batch", str(queue), "--out", str(copy), "--draws", str(REVIEW_DRAWS)]
    assert main([*args, "--resume", "--strict"]) == 2
    assert "invalid: " in capsys.readouterr().err
    assert (copy / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()


def test_existing_outputs_need_resume_or_force(review_batch, capsys) -> None:
    queue, out, _rc = review_batch
    before = files(out)
    assert main(["batch", str(queue), "--out", str(out), "--draws", "10"]) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "--force" in err
    assert main(["batch", str(queue), "--out", str(out), "--resume", "--force"]) == 2
    assert files(out) == before


@pytest.mark.parametrize("make", ["missing", "empty", "toml-file"])
def test_bad_queue_exits_2(tmp_path, capsys, make) -> None:
    queue = tmp_path / "queue"
    if make == "empty":
        queue.mkdir()
    elif make == "toml-file":
        queue = Path(EXAMPLES[0])
    assert main(["batch", str(queue), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(queue) in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------
# a CSV queue


def csv_text(rows: list[dict]) -> str:
    flat = [flatten(r) for r in rows]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in flat:
        w.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in r.items()})
    return buf.getvalue()


@pytest.mark.slow
def test_csv_queue_with_field_path_columns(tmp_path, capsys) -> None:
    good = json.loads(json.dumps(EXAMPLE_DATA))
    good["proposal"]["id"] = "CSV-1"
    bad = json.loads(json.dumps(good))
    bad["proposal"]["id"] = "CSV-2"
    bad["extraction"]["reserves_mt"] = -5.0
    queue = tmp_path / "queue.csv"
    queue.write_text(csv_text([good, bad, good]), encoding="utf-8")
    assert "restoration.target_land_use.forest" in queue.read_text().splitlines()[0]
    out = tmp_path / "out"
    assert main(["batch", str(queue), "--out", str(out), "--draws", "50"]) == 0
    rows = summary(out)
    assert [r["id"] for r in rows] == ["CSV-1", "CSV-2", "CSV-1"]
    assert rows[0]["verdict"] in ("approve", "conditional", "reject")
    assert (out / "reports" / "CSV-1.html").is_file()
    assert rows[1]["verdict"] == "invalid"
    assert "queue.csv line 3" in rows[1]["error"] and "reserves_mt" in rows[1]["error"]
    assert rows[2]["verdict"] == "invalid" and "duplicate proposal id" in rows[2]["error"]
    assert "queue.csv line 2" in rows[2]["error"]  # names where the id was first used
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["CSV-1.html"]
    assert "2 invalid" in capsys.readouterr().err


def test_csv_cells_take_the_field_types() -> None:
    assert field_type(["extraction", "ramp_up_years"]) is int
    assert field_type(["restoration", "topsoil_stripped"]) is bool
    assert field_type(["restoration", "target_land_use", "forest"]) is float
    assert field_type(["proposal", "nonsense"]) is None
    assert coerce_cell("2", int) == 2 and coerce_cell("2.5", int) == "2.5"
    assert coerce_cell("TRUE", bool) is True and coerce_cell("yes", bool) == "yes"
    assert coerce_cell(" 12.5 ", float) == 12.5 and coerce_cell("n/a", float) == "n/a"
    # Excel writes a number formatted with separators as "3,000,000" (it was left as text and
    # refused: "expected a number, got a string")
    assert coerce_cell("3,000,000", float) == 3e6 and coerce_cell("1,296.30", float) == 1296.3
    assert coerce_cell("12,5", float) == "12,5"  # a decimal comma is not a separator
    data = row_to_data(
        {
            "proposal.id": "X",
            "restoration.target_land_use": "{forest = 0.7, water = 0.3}",
            "finance.bond_cny": "",
        }
    )
    assert data == {
        "proposal": {"id": "X"},
        "restoration": {"target_land_use": {"forest": 0.7, "water": 0.3}},
    }


def test_a_land_use_cell_reads_as_a_reviewer_types_it_in_chinese() -> None:
    """A queue's cell '{ 林地 = 0.8, 草地 = 0.2 }' (the plan's 复垦方向 in Chinese) was refused
    with "expected a table, got a string": a cell cannot quote its keys without doubling
    every quote, so bare Chinese keys, '=' or ':', no braces and the full-width ，＝ or 、 read."""
    path = ["restoration", "target_land_use"]
    kind = field_type(path)
    want = {"林地": 0.8, "草地": 0.2}
    for cell in ("{ 林地 = 0.8, 草地 = 0.2 }", "林地=0.8，草地=0.2", "{林地: 0.8、草地: 0.2}",
                 "｛林地＝0.8，草地＝0.2｝"):  # fmt: skip
        assert coerce_cell(cell, kind) == want, cell
    assert coerce_cell("{ 林地 = 0.8, 草地 = }", kind) == "{ 林地 = 0.8, 草地 = }"  # refused later
    data = row_to_data({"proposal.id": "X", "restoration.target_land_use": "林地=0.7, 水面=0.3"})
    assert data["restoration"]["target_land_use"] == {"林地": 0.7, "水面": 0.3}


def test_a_queue_headed_with_the_plans_terms_reads_as_one_headed_with_field_paths(
    tmp_path,
) -> None:
    """A reviewer's spreadsheet headed as the template names the fields (申请编号, 矿区面积 …)
    was refused with '未知的节 [申请编号]' for every column: the template's terms (and 最高/最低
    开采标高) name the fields, a unit in brackets is the unit of the column's bare numbers, and
    开采方式 = 山坡露天 is an open pit on a hillside. Saved as Excel's GB18030 "CSV"."""
    heads = (
        "申请编号,矿山名称,开采矿种,开采方式,所在地区,矿区面积（km²）,设计可采储量[万t],"
        "生产规模(万t/a),达产期 (投产后以半产能生产的年数),平均剥采比,排土场平均堆高,"
        "工业场地、道路、堆场 面积,地形坡度,最终边坡角,开采境界（km²）,最高开采标高,最低开采标高,"
        "表土厚度(m),多年平均降水量,复垦方向,边开采边治理(%),治理滞后年限,闭坑后治理期,管护期,"
        "表土剥离,土壤改良,产品销售价格(元/t),修复工程总投资(万元),基金计提方式"
    )
    row = (
        "Z1,页岩矿,砖瓦用页岩,山坡露天,西南山地丘陵区,0.143,171.67,20,0,0.05,8,2,20,45,0.143,"
        "+1330m,+1290m,0.3,1100,林地=0.7，草地=0.3,30,2,1,3,是,否,30,120,按产量"
    )
    zh = tmp_path / "zh.csv"
    zh.write_bytes(f"{heads}\n{row}\n".encode("gb18030"))
    paths = (
        "proposal.id,proposal.name,proposal.mineral,proposal.method,site.pit_type,proposal.region,"
        "proposal.licensed_area_ha,extraction.reserves_mt,extraction.annual_output_mt,"
        "extraction.ramp_up_years,extraction.stripping_ratio,extraction.dump_height_m,"
        "extraction.infrastructure_area_ha,site.mean_slope_deg,site.final_highwall_slope_deg,"
        "site.pit_area_ha,site.pit_top_elevation_m,site.pit_bottom_elevation_m,site.soil_depth_cm,"
        "site.annual_precipitation_mm,restoration.target_land_use,"
        "restoration.progressive_fraction,restoration.progressive_lag_years,"
        "restoration.closure_years,restoration.monitoring_years,restoration.topsoil_stripped,"
        "restoration.substrate_amendment,finance.ore_price_cny_per_t,"
        "finance.plan_restoration_cost_cny,finance.fund_basis"
    )
    cells = (
        "Z1,页岩矿,shale,open_pit,hillside,southwest_karst,14.3,1.7167,0.2,0,0.05,8,2,20,45,14.3,"
        "1330,1290,30,1100,\"{forest = 0.7, grassland = 0.3}\",0.3,2,1,3,true,false,30,1200000,"
        "plan_cost_by_output"
    )
    en = tmp_path / "en.csv"
    en.write_text(f"{paths}\n{cells}\n", encoding="utf-8")
    (a,), (b,) = read_queue(zh), read_queue(en)
    assert a.error is None and b.error is None, (a.error, b.error)
    assert a.proposal == b.proposal
    assert a.proposal.site.pit_type == "hillside" and a.proposal.proposal.method == "open_pit"


def test_a_column_head_that_names_no_field_is_said_as_a_column(tmp_path) -> None:
    """A Chinese head that is no term of the template ('容积率', '矿区面积s') was read as an
    unknown section '[容积率]'; it is an unknown column, with the closest head, in Chinese."""
    from zhcheck import assert_chinese

    from sim.i18n import use_lang

    queue = tmp_path / "q.csv"
    queue.write_text("申请编号,矿区面积s,容积率\nX,3,1\n", encoding="utf-8")
    (app,) = read_queue(queue)
    assert app.proposal is None and app.id == "X"
    assert "unknown column '矿区面积s'" in app.error and "did you mean '矿区面积'?" in app.error
    assert "unknown column '容积率'" in app.error and "[容积率]" not in app.error
    with use_lang("zh"):
        (app,) = read_queue(queue)
    line = next(x for x in app.error.splitlines() if "容积率" in x)
    assert "未知的列 '容积率'" in line
    assert_chinese(line)


def test_unknown_csv_column_is_reported_with_a_suggestion(tmp_path) -> None:
    queue = tmp_path / "q.csv"
    queue.write_text("proposal.id,extraction.reserve_mt\nX,3\n", encoding="utf-8")
    (app,) = read_queue(queue)
    assert app.proposal is None and app.id == "X"
    assert "reserve_mt" in app.error and "did you mean 'reserves_mt'" in app.error


def test_a_problem_every_csv_row_shares_is_said_once(tmp_path, capsys) -> None:
    """A misspelt column in a 12-row queue: the terminal says each problem once with how many
    more rows share it (it said it for every row: two lines each); summary.csv still has
    every row."""
    rows = []
    for i in range(12):
        row = json.loads(json.dumps(EXAMPLE_DATA))
        row["proposal"]["id"] = f"CSV-{i}"
        rows.append(row)
    queue = tmp_path / "queue.csv"
    text = csv_text(rows).replace("extraction.reserves_mt", "extraction.reserve_mt", 1)
    queue.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(queue), "--out", str(out), "--draws", "10"]) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "reserve" in line]
    assert len(said) == 2, err
    assert all("(and 11 more rows)" in line for line in said), err
    assert said[0].startswith("invalid: queue.csv line 2:"), err
    assert "12 invalid" in err
    assert [r["verdict"] for r in summary(out)] == ["invalid"] * 12


# ------------------------------------------------------------------------------------------
# worker processes

PARALLEL_DRAWS = 40


@pytest.fixture(scope="module")
def small_queue(tmp_path_factory) -> Path:
    """Four example applications and a broken file."""
    queue = tmp_path_factory.mktemp("small") / "queue"
    queue.mkdir()
    for path in EXAMPLES[:4]:
        shutil.copy(path, queue / path.name)
    (queue / "zz-broken.toml").write_text('[proposal]\nid = "B"\n[extraction\n', "utf-8")
    return queue


@pytest.fixture(scope="module")
def one_worker(small_queue, tmp_path_factory) -> Path:
    """The small queue's outputs evaluated in the calling process (``--workers 1``)."""
    out = tmp_path_factory.mktemp("one") / "out"
    args = ["batch", str(small_queue), "--out", str(out), "--draws", str(PARALLEL_DRAWS)]
    assert main([*args, "--workers", "1"]) == 0
    return out


@pytest.mark.slow
def test_outputs_are_the_same_bytes_whatever_the_workers(
    small_queue, one_worker, tmp_path, capsys
) -> None:
    out = tmp_path / "out"
    args = ["batch", str(small_queue), "--out", str(out), "--draws", str(PARALLEL_DRAWS)]
    assert main([*args, "--workers", "2", "--strict"]) == 2  # the broken file
    err = capsys.readouterr().err
    assert "4 evaluated, 0 resumed, 1 invalid" in err
    assert "s per application on average" in err and "workers: 2" in err
    assert "\r" not in err and "app/s" not in err  # no bar in a redirected log
    made = files(out)
    assert sorted(made) == sorted(files(one_worker))
    assert len([n for n in made if n.startswith("reports/")]) == 4
    for name, data in files(one_worker).items():
        assert made[name] == data, name


@pytest.mark.slow
def test_a_terminal_shows_a_bar_over_the_applications(one_worker, small_queue, tmp_path, capsys):
    copy = tmp_path / "out"
    shutil.copytree(one_worker, copy)
    (copy / "verdicts" / f"{read_queue(small_queue)[0].id}.json").unlink()
    res = run_batch(small_queue, copy, draws=PARALLEL_DRAWS, resume=True, progress=True, workers=2)
    assert (res.evaluated, res.resumed, res.workers, len(res.seconds)) == (1, 3, 1, 1)
    err = capsys.readouterr().err
    assert "applications" in err and "5/5" in err
    assert files(copy) == files(one_worker)


def test_workers_must_be_positive(small_queue, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["batch", str(small_queue), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _own_temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".restoresim-" in p.name or p.suffix == ".tmp"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGINT", "SIGTERM", "Ctrl-C-to-the-process-group"],
)
def test_a_signal_stops_the_workers_cleanly_and_resume_completes(
    small_queue, one_worker, tmp_path, sig, group
) -> None:
    out = tmp_path / "out"
    cmd = [
        *(sys.executable, "-m", "sim.cli", "batch", str(small_queue), "--out", str(out)),
        *("--draws", str(PARALLEL_DRAWS), "--workers", "2"),
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=group)
    try:
        deadline = time.monotonic() + 300
        while not list((out / "verdicts").glob("*.json")):  # the workers are under way
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        if group:  # as a terminal's Ctrl-C: the parent and its workers all receive it
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not (out / "summary.csv").exists()
    assert len(list((out / "verdicts").glob("*.json"))) < 4  # it did stop midway
    assert _own_temp_files(out) == []
    res = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "resumed" in res.stderr and "0 resumed" not in res.stderr
    assert files(out) == files(one_worker)


def test_a_csv_queues_rows_are_named_in_the_reviewers_language(tmp_path) -> None:
    """Under zh a queue row is 第3行 (it was 'queue.csv line 3' inside Chinese messages)."""
    from sim.batch import _read_csv
    from sim.i18n import use_lang

    good = json.loads(json.dumps(EXAMPLE_DATA))
    bad = json.loads(json.dumps(good))
    bad["proposal"]["id"] = "CSV-2"
    bad["extraction"]["reserves_mt"] = -5.0
    queue = tmp_path / "队列.csv"
    queue.write_text(csv_text([good, bad]), encoding="utf-8")
    with use_lang("zh"):
        apps = _read_csv(queue)
    assert apps[1].source == "队列.csv 第3行" and "队列.csv 第3行" in apps[1].error
    assert _read_csv(queue)[1].source == "队列.csv line 3"


def test_a_boolean_remedy_reads_as_the_file_writes_it() -> None:
    """A rejection fixed by substrate amendment read 'restoration.substrate_amendment=1' in
    summary.csv and summary.html; the file takes true."""
    from sim.batch import Application, summary_row

    remedy = {"criterion": "success_probability", "field": "restoration.substrate_amendment",
              "value": True, "change": "", "cost_change_p50_cny": 1.0}  # fmt: skip
    verdict = {"name": "n", "verdict": "reject", "deciding_criteria": ["success_probability"],
               "conditions": [], "remedies": [remedy], "metrics": {}}  # fmt: skip
    row = summary_row(Application("q.csv", id="X"), {"verdict": verdict, "report": "r.html"})
    assert row["remedies"] == "success_probability: restoration.substrate_amendment=true"
    # and the Chinese summary page reads it back (it crashed: float('true'))
    from sim.batch import summary_html
    from sim.i18n import use_lang

    row.update(conditions="")
    with use_lang("zh"):
        page = summary_html([row], queue="q.csv", seed=0, draws=10)
    assert "改良" in page, page


def test_more_workers_than_memory_holds_are_refused_before_writing(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """--workers 1000 on a machine with room for a few worker processes would swap or be
    killed; it is refused, naming how many fit, before any output is written."""
    import sim.batch

    queue = tmp_path / "queue"
    queue.mkdir()
    for i in range(3):
        shutil.copy(sim.example_path(), queue / f"a{i}.toml")
    monkeypatch.setattr(sim.batch, "available_memory_mb", lambda: 800.0)
    out = tmp_path / "out"
    assert main(["batch", str(queue), "--out", str(out), "--workers", "3"]) == 2
    err = capsys.readouterr().err
    assert "--workers 3" in err and "enough for 2" in err and "--workers 2 or fewer" in err
    assert not out.exists()
    sim.batch.check_worker_memory(2, 800.0)  # two fit
    sim.batch.check_worker_memory(8, None)  # unknown memory: not refused
