"""Satellite verification after approval: the observation table's, the raster manifest's and
the monitoring settings' errors read in Chinese under ``zh`` (English as before otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from zhcheck import assert_chinese, english_runs

import sim
from sim.cli import main
from sim.errors import InputError
from sim.i18n import use_lang
from sim.monitor import settings_with
from sim.monitor.observations import read_observations
from sim.monitor.rasters import fvc_from_ndvi, read_manifest
from sim.proposal import load_policy

HEAD = "proposal_id,date,cover"


def _table(tmp: Path, name: str, text: str) -> Callable[[], object]:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return lambda: read_observations(path)


def _manifest(tmp: Path, name: str, rows: str, boundary: object = None) -> Callable[[], object]:
    folder = tmp / "rasters"
    folder.mkdir(exist_ok=True)
    (folder / "x.tif").write_bytes(b"II*\x00")  # the errors come before the raster is read
    (folder / "x.png").write_bytes(b"\x89PNG")
    path = folder / name
    path.write_text("proposal_id,date,raster,kind,land_use\n" + rows, encoding="utf-8")
    spatial = load_policy().spatial
    return lambda: read_manifest(path, {"HN-1": boundary}, 0.05, 0.85, spatial)


def _cases(tmp: Path) -> dict[str, Callable[[], object]]:
    return {
        "no such file": lambda: read_observations(tmp / "nowhere.csv"),
        "empty": _table(tmp, "empty.csv", ""),
        "missing column": _table(tmp, "a.csv", "proposal_id,date\nHN-1,2029-08-15\n"),
        "unknown column": _table(tmp, "b.csv", HEAD + ",cloud\nHN-1,2029-08-15,0.4,1\n"),
        "percentage": _table(tmp, "c.csv", HEAD + "\nHN-1,2029-08-15,42\n"),
        "not a number": _table(tmp, "d.csv", HEAD + "\nHN-1,2029-08-15,much\n"),
        "bad date": _table(tmp, "e.csv", HEAD + "\nHN-1,15.08.2029,0.4\n"),
        "bad land use": _table(tmp, "f.csv", HEAD + ",land_use\nHN-1,2029-08-15,0.4,forrest\n"),
        "no id": _table(tmp, "g.csv", HEAD + "\n,2029-08-15,0.4\n"),
        "too many values": _table(tmp, "h.csv", HEAD + "\nHN-1,2029-08-15,0.4,1,2\n"),
        "wall with land use": _table(
            tmp, "i.csv", HEAD + ",area_class,land_use\nHN-1,2029-08-15,0.4,pit_wall,forest\n"
        ),
        "unknown setting": lambda: settings_with({"monitor.bogus": 1.0}),
        "setting out of range": lambda: settings_with({"monitor.ndvi_soil": 0.5}),
        "end-members": lambda: fvc_from_ndvi(np.array([0.5]), 0.8, 0.2),
        "manifest id": _manifest(tmp, "m1.csv", "HN-9,2030-08-15,x.tif,,\n"),
        "manifest kind": _manifest(tmp, "m2.csv", "HN-1,2030-08-15,x.tif,evi,\n"),
        "manifest suffix": _manifest(tmp, "m3.csv", "HN-1,2030-08-15,x.png,,\n"),
        "manifest missing": _manifest(tmp, "m4.csv", "HN-1,2030-08-15,y.tif,,\n"),
        "manifest remote": _manifest(tmp, "m5.csv", "HN-1,2030-08-15,/vsicurl/x.tif,,\n"),
        "manifest outside": _manifest(tmp, "m6.csv", "HN-1,2030-08-15,../x.tif,,\n"),
        "manifest empty": _manifest(tmp, "m7.csv", "HN-1,2030-08-15,,,\n"),
        "manifest no boundary": _manifest(tmp, "m8.csv", "HN-1,2030-08-15,x.tif,,\n"),
        "chinese unknown column": _table(tmp, "j.csv", "项目编号,日期,云量\nHN-1,2029-08-15,1\n"),
        "chinese repeated column": _table(
            tmp, "k.csv", "项目编号,编号,日期,植被覆盖度\nHN-1,HN-1,2029-08-15,0.4\n"
        ),
        "area in ha and mu": _table(
            tmp, "l.csv", HEAD + ",restored_area_ha,restored_area_mu\nHN-1,2029-08-15,0.4,2,30\n"
        ),
    }


NAMES = [
    "no such file",
    "empty",
    "missing column",
    "unknown column",
    "percentage",
    "not a number",
    "bad date",
    "bad land use",
    "no id",
    "too many values",
    "wall with land use",
    "unknown setting",
    "setting out of range",
    "end-members",
    "manifest id",
    "manifest kind",
    "manifest suffix",
    "manifest missing",
    "manifest remote",
    "manifest outside",
    "manifest empty",
    "manifest no boundary",
    "chinese unknown column",
    "chinese repeated column",
    "area in ha and mu",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_monitoring_errors_are_chinese_under_zh(name: str, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
    with use_lang("zh"), pytest.raises(InputError) as info:
        _cases(tmp_path / "zh")[name]()
    assert_chinese(str(info.value).replace("GeoTIFF", " ").replace("NDVI", " "), options=True)
    with pytest.raises(InputError) as info:  # English as before
        _cases(tmp_path / "en")[name]()
    assert english_runs(str(info.value), options=True), str(info.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["--as-of", "15.08.2030"],  # argparse's type check
        [],  # no start date in the packaged example
    ],
)
def test_monitor_command_errors_are_chinese_with_lang_zh(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    obs = tmp_path / "obs.csv"
    obs.write_text(HEAD + "\nHN-2026-0001,2029-08-15,0.4\n", encoding="utf-8")
    line = ["monitor", str(sim.example_path()), "--observations", str(obs), *argv, "--lang", "zh"]
    try:
        rc = main(line)
    except SystemExit as exc:
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("restoresim：")]
    assert rc == 2 and lines, err
    for x in lines:
        assert_chinese(x.removeprefix("restoresim："), options=True)


def test_a_chinese_supervision_table_reads_as_its_english_twin(tmp_path: Path) -> None:
    """Chinese headings, class and land-use names, 亩 and a percentage sign read as the
    contract's columns and values (a supervision unit's export, saved by Excel in GB18030)."""
    zh = tmp_path / "监测.csv"
    zh.write_bytes(
        (
            "项目编号,监测日期,植被覆盖度,损毁单元,复垦方向,复垦面积（亩）,数据来源\n"
            "HN-1,2031年8月1日,35%,采场底盘,林地,30,GF-1\n"
            "HN-1,2032/8/1,41％,排土场,草地,12,GF-6\n"
            "HN-1,2032-08-01,0.2,边坡,,,无人机\n"
        ).encode("gb18030")
    )
    en = tmp_path / "obs.csv"
    en.write_text(
        "proposal_id,date,cover,area_class,land_use,restored_area_ha,source\n"
        "HN-1,2031-08-01,0.35,pit_floor,forest,2,GF-1\n"
        "HN-1,2032-08-01,0.41,dump,grassland,0.8,GF-6\n"
        "HN-1,2032-08-01,0.2,pit_wall,,,无人机\n",
        encoding="utf-8",
    )
    got, want = read_observations(zh), read_observations(en)
    assert [o.cover for o in got] == pytest.approx([o.cover for o in want], abs=1e-12)
    for a, b in zip(got, want, strict=True):
        assert (a.date, a.area_class, a.land_use, a.source) == (
            b.date, b.area_class, b.land_use, b.source
        )
        assert a.restored_area_ha == pytest.approx(b.restored_area_ha)
    assert [o.area_class for o in got] == ["pit_floor", "dump", "pit_wall"]


def test_a_chinese_manifest_names_its_columns_and_kind(tmp_path: Path) -> None:
    """A raster manifest headed in Chinese is recognised as one, its kind named in Chinese."""
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "x.tif").write_bytes(b"II*\x00")
    path = folder / "清单.csv"
    path.write_text("项目编号,日期,影像文件,影像类型,复垦方向\nHN-9,2030-08-15,x.tif,植被覆盖度,林地\n",
                    encoding="utf-8")  # fmt: skip
    from sim.monitor.observations import read_csv_rows
    from sim.monitor.rasters import is_manifest

    header, rows = read_csv_rows(path)
    assert is_manifest(header) and rows[0]["kind"] == "植被覆盖度"
    with pytest.raises(InputError, match="HN-9"):  # read as a manifest: the id is checked
        read_manifest(path, {"HN-1": None}, 0.05, 0.85, load_policy().spatial)
