"""Every error a reviewer can meet reads in Chinese under ``zh``: the command line's own (its
options, --out/--force clashes, argparse's usage errors), the report's, the batch queue's, the
bill file's, the text files' and the outputs'. Each case provokes one error and checks that, once
values, paths, options and numbers are taken out, no run of two English words is left."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE_DATA, make_proposal
from zhcheck import assert_chinese, english_runs

import sim
from sim.cli import main
from sim.errors import InputError
from sim.i18n import use_lang

# ------------------------------------------------------------------------------------------
# the command line


def _cli_cases(tmp: Path) -> dict[str, list[str]]:
    example = str(sim.example_path())
    out = tmp / "out"
    out.mkdir()
    (out / "verdicts.json").write_text("{}", encoding="utf-8")
    return {
        "draws not an integer": ["evaluate", "--draws", "x"],
        "draws out of range": ["evaluate", "--draws", "0"],
        "seed negative": ["evaluate", "--seed", "-1"],
        "param without =": ["evaluate", "--param", "cost.regrade_unit_cost"],
        "param not a number": ["evaluate", "--param", "cost.regrade_unit_cost=abc"],
        "unknown option": ["evaluate", "--bogus"],
        "missing arguments": ["report"],
        "bad choice": ["report", example, "--out", str(tmp / "r.html"), "--format", "docx"],
        "report suffix": ["report", example, "--out", str(tmp / "r.txt")],
        "pdf suffix": ["report", example, "--out", str(tmp / "r.html"), "--format", "pdf"],
        "resume and force": ["batch", str(tmp), "--out", str(tmp / "b"), "--resume", "--force"],
        "outputs exist": ["evaluate", example, "--out", str(out), "--draws", "5"],
        "queue not found": ["batch", str(tmp / "nowhere"), "--out", str(tmp / "b")],
        "unknown parameter": ["evaluate", "--param", "cost.regrade_unit_cots=18"],
        "implausible parameter": ["evaluate", "--param", "cost.regrade_unit_cost=999"],
        "list parameter": ["evaluate", "--param", "cost.wall_slope_edges=45"],
        "infinite parameter": ["evaluate", "--param", "cost.regrade_unit_cost=inf"],
    }


CLI_NAMES = [
    "draws not an integer",
    "draws out of range",
    "seed negative",
    "param without =",
    "param not a number",
    "unknown option",
    "missing arguments",
    "bad choice",
    "report suffix",
    "pdf suffix",
    "resume and force",
    "outputs exist",
    "queue not found",
    "unknown parameter",
    "implausible parameter",
    "list parameter",
    "infinite parameter",
]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        rc = int(exc.code or 0)
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("name", CLI_NAMES)
def test_command_line_errors_are_chinese_with_lang_zh(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """``--lang zh`` on the line: the error line (after argparse's usage line) is Chinese."""
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    argv = _cli_cases(tmp_path)[name]
    rc, err = _run([*argv, "--lang", "zh"], capsys)
    lines = [x for x in err.splitlines() if x.startswith("restoresim：")]
    assert rc == 2 and lines, err
    assert not any(x.startswith("usage:") for x in err.splitlines()), err
    for line in lines:
        assert line.startswith("restoresim：输入有误："), line
        assert_chinese(line.removeprefix("restoresim："), options=True)
    rc, err = _run(argv, capsys)  # English as before
    assert rc == 2 and "error:" in err and "输入有误" not in err


def test_command_line_errors_follow_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """``$RESTORESIM_LANG=zh`` without --lang: argparse's errors too are Chinese."""
    monkeypatch.setenv("RESTORESIM_LANG", "zh")
    rc, err = _run(["evaluate", "--draws", "many"], capsys)
    assert rc == 2 and "restoresim：输入有误：--draws = 'many'：应为整数" in err, err


def test_english_command_line_errors_are_unchanged(
    capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    rc, err = _run(["evaluate", "--draws", "many"], capsys)
    assert rc == 2
    assert (
        "restoresim evaluate: error: argument --draws: --draws = 'many': expected an integer"
        in err
    )


# ------------------------------------------------------------------------------------------
# the library's errors on a reviewer's path


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _bill_application(tmp: Path, table: dict) -> Path:
    data = copy.deepcopy(EXAMPLE_DATA)
    data["bill"] = table
    path = tmp / "application.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _bill_file(tmp: Path, name: str, text: str | bytes) -> Callable[[], object]:
    from sim.billfile import read_bill_file

    path = _write(tmp / name, text)
    return lambda: read_bill_file(path)


def _library_cases(tmp: Path) -> dict[str, Callable[[], object]]:
    from sim import engine, textfiles
    from sim.batch import read_queue, run_batch
    from sim.outputs import prepare_folder
    from sim.proposal import load_policy, load_proposal
    from sim.report import format_for, write_report
    from sim.report.pdf import require_chromium
    from sim.safeio import clean_document, read_limited

    a_file = _write(tmp / "a-file", "x")
    existing = _write(tmp / "old.html", "x")
    empty_csv = _write(tmp / "empty.csv", "")
    (tmp / "empty-queue").mkdir()
    queue = tmp / "queue"
    queue.mkdir()
    (queue / "a.toml").write_bytes(sim.example_path().read_bytes())
    (tmp / "done").mkdir()
    (tmp / "done" / "summary.csv").write_text("x", encoding="utf-8")
    rows = "序号,项目名称,单位,工程量,单价(元),合价(万元)\n"
    deep: object = 1
    for _i in range(40):
        deep = [deep]
    p = make_proposal()
    slip = [{"measure": "平整", "quantity": 75000.0, "unit_price_cny": 3.5, "amount": 262500.0}]
    return {
        "report format": lambda: format_for(tmp / "r", "docx"),
        "report is a folder": lambda: write_report(p, tmp),
        "report exists": lambda: write_report(p, existing),
        "no chromium": require_chromium,
        "out is a file": lambda: prepare_folder(a_file),
        "utf-16": lambda: textfiles.decode("a,b\n".encode("utf-16"), "q.csv", "CSV queue"),
        "nul bytes": lambda: textfiles.decode(b"a\x00b", "q.csv", "CSV queue"),
        "not utf-8": lambda: textfiles.decode("café\n".encode("latin-1"), "q.csv"),
        "unreadable": lambda: textfiles.read_text(tmp, "bill of quantities"),
        "too large": lambda: read_limited(a_file, str(a_file), 0),
        "control key": lambda: clean_document({"a\x01": 1}, "p.toml"),
        "control value": lambda: clean_document({"proposal": {"name": "a\x07"}}, "p.toml"),
        "nested": lambda: clean_document({"a": deep}, "p.toml"),
        "draws": lambda: engine.run([p], load_policy(), draws=0),
        "duplicate ids": lambda: engine.run([p, p], load_policy(), draws=2),
        "queue not found": lambda: read_queue(tmp / "nowhere"),
        "queue empty folder": lambda: read_queue(tmp / "empty-queue"),
        "queue empty csv": lambda: read_queue(empty_csv),
        "batch workers": lambda: run_batch(queue, tmp / "b", workers=0),
        "batch out a file": lambda: run_batch(queue, a_file),
        "batch outputs exist": lambda: run_batch(queue, tmp / "done"),
        "bill suffix": _bill_file(tmp, "bill.doc", "x"),
        "bill no header": _bill_file(tmp, "b1.csv", "a,b\n1,2\n"),
        "bill no amount": _bill_file(tmp, "b2.csv", "项目名称,单位\n平整,m²\n"),
        "bill bad cell": _bill_file(tmp, "b3.csv", rows + "1,平整,m²,四万,3.5,26.25\n"),
        "bill no item": _bill_file(tmp, "b4.csv", rows + "一,工程施工费,,,,\n"),
        "bill negative": _bill_file(tmp, "b5.csv", rows + "1,平整,m²,-5,3.5,\n"),
        "bill workbook": _bill_file(tmp, "b6.xlsx", b"not a zip"),
        "bill not text": _bill_file(tmp, "b7.csv", b"\x00\x01"),
        "bill money unit": lambda: load_proposal(
            _bill_application(tmp, {"money_unit": "万元", "items": slip})
        ),
    }


LIBRARY_NAMES = [
    "report format",
    "report is a folder",
    "report exists",
    "no chromium",
    "out is a file",
    "utf-16",
    "nul bytes",
    "not utf-8",
    "unreadable",
    "too large",
    "control key",
    "control value",
    "nested",
    "draws",
    "duplicate ids",
    "queue not found",
    "queue empty folder",
    "queue empty csv",
    "batch workers",
    "batch out a file",
    "batch outputs exist",
    "bill suffix",
    "bill no header",
    "bill no amount",
    "bill bad cell",
    "bill no item",
    "bill negative",
    "bill workbook",
    "bill not text",
    "bill money unit",
]


@pytest.mark.parametrize("name", LIBRARY_NAMES)
def test_library_errors_are_chinese_under_zh(name: str, tmp_path: Path, monkeypatch) -> None:
    """The report's, the outputs', the text files', the engine's, the batch queue's and the
    bill file's errors read in Chinese under ``zh`` (and still in English otherwise)."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-browsers"))
    monkeypatch.delenv("RESTORESIM_CHROMIUM", raising=False)
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
    with use_lang("zh"), pytest.raises(InputError) as info:
        _library_cases(tmp_path / "zh")[name]()
    assert_chinese(str(info.value), options=True)
    with pytest.raises(InputError) as info:  # English as before
        _library_cases(tmp_path / "en")[name]()
    assert english_runs(str(info.value), options=True), str(info.value)


def test_batch_names_invalid_applications_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """``restoresim batch --lang zh``: each invalid application's line reads in Chinese."""
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "empty.toml").write_text("", encoding="utf-8")
    rc = main(["batch", str(queue), "--out", str(tmp_path / "out"), "--lang", "zh"])
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if "empty.toml" in x]
    assert rc == 0 and lines and lines[0].startswith("无效："), err
    for line in lines:
        assert_chinese(line, options=True)


def test_a_missing_input_is_told_apart_in_any_language(tmp_path: Path) -> None:
    """The report's input digests say 'missing' for a file that is not there, also under zh
    (they told it by the English words of the error message)."""
    from sim.safeio import sha256_of

    (tmp_path / "folder").mkdir()
    for lang in ("en", "zh"):
        with use_lang(lang):
            assert sha256_of(tmp_path / "nowhere.toml") == "missing"
            assert sha256_of(tmp_path / "folder") == "not a regular file"


def test_report_file_name_endings_read_as_a_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """'an HTML report … .html or .htm' in English; '.html 或 .htm' in Chinese (the list's
    word is its own message, not the clause-joining '；或')."""
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    argv = ["report", str(sim.example_path()), "--out", str(tmp_path / "r.txt")]
    rc, err = _run(argv, capsys)
    assert rc == 2 and "an HTML report needs a file name ending in .html or .htm" in err, err
    rc, err = _run([*argv, "--lang", "zh"], capsys)
    assert rc == 2 and "HTML 报告的文件名须以 .html 或 .htm 结尾" in err, err
