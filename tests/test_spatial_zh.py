"""The boundary's, the layers' and the corner tables' (拐点坐标) errors and warnings read in
Chinese under ``zh``: each case provokes one, and once values, paths, CRS codes and numbers are
taken out no run of two English words is left (English as before otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import shapely
from test_corners import table, write_csv
from test_spatial import BOUNDARY, GK, RAIL, X0, Y0, geojson, lonlat, ogr, policy_with, proposal_at
from zhcheck import assert_chinese, english_runs

from sim import spatial
from sim.errors import InputError
from sim.i18n import use_lang
from sim.spatial import parse_layer_arg

BOWTIE = shapely.Polygon(
    [(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000), (X0, Y0)]
)


def _screen(boundary: Path, layers=(), **settings) -> Callable[[], object]:
    return lambda: spatial.screen(proposal_at(boundary), policy_with(list(layers), **settings))


def _corners(tmp: Path, rows: list[str], **settings) -> Callable[[], object]:
    name = f"corners-{len(list(tmp.glob('corners-*')))}.csv"
    return _screen(write_csv(tmp / name, rows), **settings)


def _cases(tmp: Path) -> dict[str, Callable[[], object]]:
    swapped = shapely.transform(lonlat(BOUNDARY), lambda xy: xy[:, ::-1])
    empty = tmp / "empty.geojson"
    empty.write_bytes(b"")
    broken = tmp / "broken.geojson"
    broken.write_bytes(b"\x00\x01 not a geojson {")
    kml = tmp / "b.kml"
    kml.write_text("<kml/>", encoding="utf-8")
    good = geojson(tmp / "good.geojson", [BOUNDARY], GK)
    bad_layer = tmp / "layer.gpkg"
    bad_layer.write_text("no sqlite here", encoding="utf-8")
    rail = geojson(tmp / "rail.geojson", [RAIL], GK)
    return {
        "invalid geometry": _screen(
            geojson(tmp / "bowtie.geojson", [BOWTIE], GK), repair_invalid=False
        ),
        "no geometry": _screen(geojson(tmp / "none.geojson", [], GK)),
        "not a polygon": _screen(geojson(tmp / "line.geojson", [BOUNDARY, RAIL], GK)),
        "swapped": _screen(geojson(tmp / "latlon.geojson", [swapped])),
        "metres in lon/lat": _screen(
            ogr(tmp / "wrong.shp", [BOUNDARY], "EPSG:4326", "ESRI Shapefile")
        ),
        "no crs": _screen(ogr(tmp / "noprj.shp", [BOUNDARY], None, "ESRI Shapefile")),
        "geojson without crs": _screen(geojson(tmp / "metres.geojson", [BOUNDARY])),
        "empty file": _screen(empty),
        "bad header": _screen(broken),
        "unsupported suffix": _screen(kml),
        "missing layer": lambda: spatial.layer_specs(
            policy_with([]), [str(tmp / "nowhere.geojson")]
        ),
        "layer not a gpkg": _screen(good, [("x", bad_layer, None)]),
        "layer of lines": _screen(good, [("rail", rail, None)]),
        "too few corners": _corners(tmp, table(37)[:2]),
        "zones differ": _corners(tmp, [f"J1,{Y0},{X0 + 58_000_000}", *table(37)[1:]]),
        "not a northing": _corners(tmp, [r.replace(",3", ",9") for r in table(37)]),
        "not a zone": _corners(tmp, [r.replace(",37", ",12") for r in table(37)]),
        "no corners": _corners(tmp, ["点号,X,Y"]),
        "no zone prefix": _corners(tmp, table(None)),
        "corners crossed": _corners(
            tmp,
            [*table(37)[:2], table(37)[5], *table(37)[3:5], table(37)[2], *table(37)[6:]],
            repair_invalid=False,
        ),
        "layer distance": lambda: parse_layer_arg("rail.geojson:min_distance=far", "--layers"),
        "layer option": lambda: parse_layer_arg("rail.geojson:distance=5", "--layers"),
        "layer no path": lambda: parse_layer_arg(":min_distance=5", "--layers"),
        "layer a toml": lambda: parse_layer_arg("policy.toml", "--layers"),
    }


NAMES = [
    "invalid geometry",
    "no geometry",
    "not a polygon",
    "swapped",
    "metres in lon/lat",
    "no crs",
    "geojson without crs",
    "empty file",
    "bad header",
    "unsupported suffix",
    "missing layer",
    "layer not a gpkg",
    "layer of lines",
    "too few corners",
    "zones differ",
    "not a northing",
    "not a zone",
    "no corners",
    "no zone prefix",
    "corners crossed",
    "layer distance",
    "layer option",
    "layer no path",
    "layer a toml",
]

#: names that stay as written: geometry types, GDAL drivers, CRS names with their codes
_NAMES = (
    "MultiPolygon", "Polygon", "LineString", "Point", "ESRI Shapefile", "GeoJSON", "GeoPackage",
    "Shapefile", "WGS 84", "CGCS2000",
)  # fmt: skip


def _strip_names(text: str) -> str:
    for name in _NAMES:
        text = text.replace(name, " ")
    return text


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_spatial_errors_are_chinese_under_zh(name: str, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
    with use_lang("zh"), pytest.raises(InputError) as info:
        _cases(tmp_path / "zh")[name]()
    assert_chinese(_strip_names(str(info.value)), options=True)
    with pytest.raises(InputError) as info:  # English as before
        _cases(tmp_path / "en")[name]()
    assert english_runs(str(info.value), options=True), str(info.value)


def test_spatial_warnings_are_chinese_under_zh(tmp_path: Path) -> None:
    """The notes of a screening (a repaired geometry, the zone read from Y, a layer without
    features, the policy's default CRS assumed) read in Chinese too."""
    bowtie = geojson(tmp_path / "bowtie.geojson", [BOWTIE], GK)
    empty = geojson(tmp_path / "empty.geojson", [])
    corners = write_csv(tmp_path / "c.csv", table(37))
    noprj = ogr(tmp_path / "noprj.shp", [BOUNDARY], None, "ESRI Shapefile")
    with use_lang("zh"):
        notes = [
            *spatial.screen(proposal_at(bowtie, 50.0), policy_with([])).warnings,
            *spatial.screen(proposal_at(corners), policy_with([("e", empty, None)])).warnings,
            *spatial.screen(proposal_at(noprj), policy_with([], default_crs=GK)).warnings,
        ]
    assert len(notes) >= 4
    for note in notes:
        assert_chinese(_strip_names(note), options=True)
    assert any("自相交" in n for n in notes) and any("第 37 带" in n for n in notes)
