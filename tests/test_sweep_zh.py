"""The policy sweep's command-level errors (an existing store, --workers with a cluster, a
path that is not a sweep store) read in Chinese under ``zh`` (English as before otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_sweep import BASE, write_spec
from zhcheck import assert_chinese, english_runs

from sim.errors import InputError
from sim.i18n import use_lang
from sim.sweep.execute import run_sweep
from sim.sweep.report import write_report
from sim.sweep.store import open_group


def _cases(tmp: Path) -> dict[str, Callable[[], object]]:
    spec = write_spec(tmp / "sweep.json", BASE)
    existing = tmp / "existing.zarr"
    existing.mkdir()
    return {
        "store exists": lambda: run_sweep(spec, existing),
        "workers with a cluster": lambda: run_sweep(
            spec, tmp / "new.zarr", scheduler="tcp://127.0.0.1:1", workers=2
        ),
        "not a store": lambda: open_group(existing),
        "report of no store": lambda: write_report(existing, tmp / "report"),
    }


NAMES = ["store exists", "workers with a cluster", "not a store", "report of no store"]


@pytest.mark.parametrize("name", NAMES)
def test_sweep_errors_are_chinese_under_zh(name: str, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
    with use_lang("zh"), pytest.raises(InputError) as info:
        _cases(tmp_path / "zh")[name]()
    # zarr's own words on why it is no store follow in brackets, as it wrote them
    assert_chinese(str(info.value).split("（")[0] + "（", options=True)
    with pytest.raises(InputError) as info:  # English as before
        _cases(tmp_path / "en")[name]()
    assert english_runs(str(info.value), options=True), str(info.value)


def test_lang_before_a_command_without_lang_chooses_its_errors(tmp_path: Path, capsys) -> None:
    """``restoresim --lang zh sweep …``: sweep takes no --lang, and the one written before it
    chose the help's language but not its errors' (they began "restoresim: error:")."""
    from sim.cli import main

    spec = write_spec(tmp_path / "sweep.json", BASE)
    existing = tmp_path / "existing.zarr"
    existing.mkdir()
    assert main(["--lang", "zh", "sweep", str(spec), "--out", str(existing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("restoresim：输入有误"), err
    assert_chinese(err.strip(), options=True)
    assert main(["sweep", str(spec), "--out", str(existing)]) == 2
    assert capsys.readouterr().err.startswith("restoresim: error:")


def _spec_with(changes: dict) -> dict:
    import copy

    data = copy.deepcopy(BASE)
    for section, value in changes.items():
        data[section] = value
    return data


SPEC_CASES = {
    "backward range": {"levers": [{"policy": "criteria.assurance.threshold", "low": 0.95,
                                   "high": 0.85, "num": 3}]},
    "quoted value": {"levers": [{"policy": "criteria.assurance.threshold", "values": ["0.9"]}]},
    "unknown lever": {"levers": [{"policy": "criteria.assurance.treshold", "values": [0.9]}]},
    "two sources": {"portfolio": {"synthetic": 12, "folder": "x"}},
    "sobol samples": {"sampler": {"method": "sobol", "samples": 100}},
    "repeated lever": {"levers": [{"policy": "criteria.assurance.threshold", "values": [0.9]},
                                  {"policy": "criteria.assurance.threshold", "values": [0.8]}]},
}  # fmt: skip


@pytest.mark.parametrize("name", list(SPEC_CASES))
def test_spec_errors_read_in_chinese_under_zh(name: str, tmp_path: Path) -> None:
    """A sweep spec's own rules (backward range, quoted value, unknown lever, …) read in
    Chinese under zh, not only their prefix (the analyst's trial: the body stayed English)."""
    from sim.sweep.spec import load_spec

    spec = write_spec(tmp_path / "sweep.json", _spec_with(SPEC_CASES[name]))
    with use_lang("zh"), pytest.raises(InputError) as info:
        load_spec(spec)
    text = str(info.value).replace(str(spec), "")
    assert_chinese(text, options=True)
    with pytest.raises(InputError) as info:  # English as before
        load_spec(spec)
    assert english_runs(str(info.value), options=True), str(info.value)
