"""The restoration programme's input files (the site inventory, the supervision file it
reads from ``restoresim monitor``) are refused in Chinese under ``zh`` (English otherwise)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_programme import scenario_data
from zhcheck import assert_chinese, english_runs

from sim.errors import InputError
from sim.i18n import use_lang
from sim.programme.run import site_table
from sim.programme.scenario import parse_scenario
from sim.programme.sources import monitoring_priority


def _inventory(tmp: Path, name: str, text: str) -> Callable[[], object]:
    folder = tmp / name
    folder.mkdir()
    (folder / "sites.csv").write_text(text, "utf-8")
    (folder / "s.toml").write_text("", "utf-8")
    data = scenario_data({"sites.source": "inventory", "sites.inventory": "sites.csv"})
    sc = parse_scenario(data, "s.toml", path=folder / "s.toml")
    return lambda: site_table(sc)


def _monitoring(tmp: Path, name: str, records: object | None) -> Callable[[], object]:
    folder = tmp / name
    folder.mkdir()
    if records is not None:
        (folder / "monitor.json").write_text(json.dumps(records), "utf-8")
    (folder / "s.toml").write_text("", "utf-8")
    data = scenario_data()
    data["monitoring"] = {"file": "monitor.json"}
    sc = parse_scenario(data, "s.toml", path=folder / "s.toml")
    return lambda: monitoring_priority(sc, ("A", "B"))


def _cases(tmp: Path) -> dict[str, Callable[[], object]]:
    return {
        "unknown column": _inventory(tmp, "a", "id,area_ha,colour\nA,2,red\n"),
        "missing column": _inventory(tmp, "b", "id,priority\nA,1\n"),
        "no rows": _inventory(tmp, "c", "id,area_ha\n"),
        "bad rows": _inventory(
            tmp, "d", "id,area_ha,priority,release_date\nA,-2,,\nA,x,inf,15.01.2020\n"
        ),
        "monitoring missing": _monitoring(tmp, "e", None),
        "monitoring not records": _monitoring(tmp, "f", [{"id": "A"}]),
        "monitoring status": _monitoring(tmp, "g", [{"proposal_id": "A", "status": "late"}]),
        "monitoring no site": _monitoring(tmp, "h", [{"proposal_id": "Z", "status": "behind"}]),
    }


NAMES = [
    "unknown column",
    "missing column",
    "no rows",
    "bad rows",
    "monitoring missing",
    "monitoring not records",
    "monitoring status",
    "monitoring no site",
]


@pytest.mark.parametrize("name", NAMES)
def test_programme_input_errors_are_chinese_under_zh(name: str, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
    with use_lang("zh"), pytest.raises(InputError) as info:
        _cases(tmp_path / "zh")[name]()
    # the operating system's own words (file not found) follow its locale, not ours
    message = str(info.value).split("（[Errno")[0]
    assert_chinese(message, options=True)
    with pytest.raises(InputError) as info:  # English as before
        _cases(tmp_path / "en")[name]()
    assert english_runs(str(info.value), options=True), str(info.value)


def test_what_if_levers_are_named_in_chinese_under_zh() -> None:
    """The what-if table and figure name their levers in the reviewer's language (they showed
    crews, inspectors and tranche_shift_days, the scenario's keys, in a Chinese table)."""
    from test_programme import small

    from sim.programme.plots import sweep_figure
    from sim.programme.whatif import format_sweep, sweep, sweep_table

    sc = small({"sweep.crews": [6], "sweep.inspectors": [2], "sweep.tranche_shift_days": [30]})
    sw = sweep(sc, replications=2, seed=0)
    keys = ("baseline", "crews", "inspectors", "tranche_shift_days", "restoresim", "what-if")
    with use_lang("zh"):
        text = format_sweep(sweep_table(sw))
        fig = sweep_figure(sw)
    assert not [k for k in keys if k in text], text
    labels = [fig.texts[0].get_text()] if fig.texts else []
    labels += [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        labels += [ax.get_title(), ax.get_xlabel()]
    labels = [x for x in labels if x]
    assert labels and not [x for x in labels for k in keys if k in x], labels
    with use_lang("en"):  # English as before: the scenario's keys
        assert "tranche_shift_days" in format_sweep(sweep_table(sw))
