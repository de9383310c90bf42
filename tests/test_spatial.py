"""Spatial screening of the mining-right boundary against protected layers (sim.spatial).

Hand-computed shapes: a 1 km square boundary in CGCS2000 / 3-degree Gauss-Kruger CM 111E
(EPSG:4546, scale 1 on its central meridian, where the shapes lie), protected squares, a railway
line and a point; the same shapes written in WGS 84 lon/lat must give the same numbers.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from conftest import make_proposal
from pyogrio.raw import write as ogr_write
from pyproj import Transformer

import sim
from sim import spatial
from sim.cli import main
from sim.errors import InputError
from sim.proposal import parse_policy

ROOT = Path(__file__).resolve().parents[1]
X0, Y0 = 500_000.0, 3_050_000.0  # on the central meridian 111° E, about 27.5° N
GK = "EPSG:4546"
BOUNDARY = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)  # 100 ha
RED = shapely.box(X0 + 750, Y0 + 500, X0 + 1750, Y0 + 1500)  # overlaps 250 m x 500 m = 12.5 ha
FARM = shapely.box(X0 - 300, Y0 - 300, X0 + 200, Y0 + 100)  # overlaps 200 m x 100 m = 2 ha
RAIL = shapely.LineString([(X0 + 2050, Y0 - 5000), (X0 + 2050, Y0 + 5000)])  # 1,050 m east
WELL = shapely.Point(X0 - 300, Y0 - 400)  # 300-400-500 m from the south-west corner
APPROVED = {"finance.bond_cny": 25_000_000.0}  # the packaged example, approved


# ------------------------------------------------------------------------------------------
# helpers


def geojson(path: Path, geoms: list[Any], crs: str | None = None) -> Path:
    """A GeoJSON FeatureCollection; ``crs`` adds a (legacy) crs member."""
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if crs is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc["features"] = [
        {
            "type": "Feature",
            "properties": {"synthetic": True},
            "geometry": None if g is None else json.loads(shapely.to_geojson(g)),
        }
        for g in geoms
    ]
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def ogr(path: Path, geoms: list[Any], crs: str | None, driver: str) -> Path:
    """A Shapefile or GeoPackage (``crs`` None: no CRS, e.g. a Shapefile without .prj)."""
    kind = shapely.get_type_id(geoms[0])
    gtype = {0: "Point", 1: "LineString", 3: "Polygon"}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio warns when crs is None: wanted
        ogr_write(
            str(path),
            shapely.to_wkb(np.array(geoms, dtype=object)),
            [np.arange(len(geoms))],
            fields=["id"],
            geometry_type=gtype,
            crs=crs,
            driver=driver,
        )
    return path


def lonlat(geom: Any, src: str = GK) -> Any:
    """A geometry reprojected to WGS 84 lon/lat, edges split every 10 m first (stay straight)."""
    tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    return shapely.transform(
        shapely.segmentize(geom, 10.0), lambda xy: np.column_stack(tr.transform(*xy.T))
    )


def policy_with(layers: list[tuple[str, Path, float | None]], **spatial_settings: Any):
    table = [
        {"name": n, "path": str(p), "rule": "min_distance" if d else "no_overlap"}
        | ({"min_distance_m": d} if d else {})
        for n, p, d in layers
    ]
    data: dict[str, Any] = {"layers": table}
    if spatial_settings:
        data["spatial"] = spatial_settings
    return parse_policy(data, "policy.toml", path="policy.toml")


def proposal_at(boundary: Path, licensed_area_ha: float = 100.0, **changes: Any):
    return make_proposal(
        {
            "location.boundary": str(boundary),
            "proposal.licensed_area_ha": licensed_area_ha,
            **changes,
        }
    )


def files(tmp: Path, to: Any = None, crs: str | None = GK) -> dict[str, Path]:
    """The hand-computed shapes written as GeoJSON (``to`` transforms them first)."""
    t = to or (lambda g: g)
    return {
        "boundary": geojson(tmp / "boundary.geojson", [t(BOUNDARY)], crs),
        "red": geojson(tmp / "red.geojson", [t(RED)], crs),
        "farm": geojson(tmp / "farm.geojson", [t(FARM)], crs),
        "rail": geojson(tmp / "rail.geojson", [t(RAIL)], crs),
        "well": geojson(tmp / "well.geojson", [t(WELL)], crs),
    }


def all_layers(f: dict[str, Path]) -> list[tuple[str, Path, float | None]]:
    return [
        ("red line", f["red"], None),
        ("farmland", f["farm"], None),
        ("railway", f["rail"], 1000.0),
        ("well", f["well"], 600.0),
    ]


def screen(f: dict[str, Path], **spatial_settings: Any) -> spatial.Screening:
    pol = policy_with(all_layers(f), **spatial_settings)
    return spatial.screen(proposal_at(f["boundary"]), pol)


def check_hand_values(s: spatial.Screening, scale: float = 1.0, rel: float = 1e-5) -> None:
    """The hand-computed values; ``scale``: the grid scale factor of the files' CRS."""
    area = lambda ha: pytest.approx(ha / scale**2, rel=rel)  # noqa: E731
    dist = lambda m: pytest.approx(m / scale, rel=rel)  # noqa: E731
    overlap = s.criterion("protected_overlap")
    assert overlap["value"] == area(14.5)
    assert overlap["passed"] is False and overlap["hard"] is True
    by_layer = {d["layer"]: d for d in overlap["details"]}
    assert by_layer["red line"]["overlap_ha"] == area(12.5)
    assert by_layer["farmland"]["overlap_ha"] == area(2.0)
    assert f"red line {12.5 / scale**2:,.2f} ha" in overlap["explanation"]
    distance = s.criterion("protected_distance")
    by_layer = {d["layer"]: d for d in distance["details"]}
    assert by_layer["railway"]["distance_m"] == dist(1050.0)
    assert by_layer["well"]["distance_m"] == dist(500.0)
    # the well (500 m of 600 required) has the smallest margin, so it decides
    assert distance["value"] == dist(500.0) and distance["threshold"] == 600.0
    assert distance["direction"] == ">=" and distance["passed"] is False
    assert by_layer["railway"]["passed"] is True and by_layer["well"]["passed"] is False
    assert s.boundary_area_ha == area(100.0)
    assert s.criterion("boundary_area")["passed"] is True


# ------------------------------------------------------------------------------------------
# hand-computed overlaps and distances


def test_hand_computed_in_a_projected_crs(tmp_path: Path) -> None:
    s = screen(files(tmp_path))
    check_hand_values(s)
    assert s.warnings == ()


def test_same_values_after_reprojection_from_lonlat(tmp_path: Path) -> None:
    # RFC 7946 GeoJSON: no crs member, WGS 84 longitude/latitude
    s = screen(files(tmp_path, to=lonlat, crs=None))
    check_hand_values(s)


def test_utm_grid_values_are_scaled_to_ground(tmp_path: Path) -> None:
    # UTM 49N has the same central meridian but scale 0.9996 on it: a 1 km grid square is
    # 1000 / 0.9996 m on the ground, so ground areas are 1 / 0.9996² of the grid's.
    s = screen(files(tmp_path, crs="EPSG:32649"))
    check_hand_values(s, scale=0.9996)


def test_web_mercator_grid_is_measured_on_the_ground(tmp_path: Path) -> None:
    # a 1 km square of Web Mercator grid at about 27.5° N: its east-west ground scale is
    # N cos(phi) / a and its north-south scale M cos(phi) / a (it is not conformal on WGS 84)
    a, fl = 6_378_137.0, 1 / 298.257223563
    e2 = fl * (2 - fl)
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x, y = tr.transform(112.0, 27.5)
    b = geojson(tmp_path / "b.geojson", [shapely.box(x, y, x + 1000, y + 1000)], "EPSG:3857")
    s = spatial.screen(proposal_at(b, 80.0), policy_with([]))
    phi = math.radians(Transformer.from_crs("EPSG:3857", "EPSG:4326").transform(x, y + 500)[0])
    w = 1 - e2 * math.sin(phi) ** 2
    n, m = a / math.sqrt(w), a * (1 - e2) / w**1.5
    assert s.boundary_area_ha == pytest.approx(100.0 * n * m * math.cos(phi) ** 2 / a**2, rel=1e-5)


def test_shapefile_and_geopackage(tmp_path: Path) -> None:
    f = {
        "boundary": ogr(tmp_path / "boundary.shp", [BOUNDARY], GK, "ESRI Shapefile"),
        "red": ogr(tmp_path / "red.gpkg", [RED], GK, "GPKG"),
        "farm": ogr(tmp_path / "farm.shp", [lonlat(FARM)], "EPSG:4490", "ESRI Shapefile"),
        "rail": ogr(tmp_path / "rail.gpkg", [lonlat(RAIL)], "EPSG:4326", "GPKG"),
        "well": ogr(tmp_path / "well.shp", [WELL], GK, "ESRI Shapefile"),
    }
    check_hand_values(screen(f))


def test_lonlat_quadrangle_matches_the_ellipsoidal_formula(tmp_path: Path) -> None:
    # a 0.01° x 0.01° quadrangle bounded by meridians and parallels (WGS 84), and a point
    # 0.01° west of its west side on the same parallel
    lon0, lat0, d = 112.0, 27.5, 0.01
    box = geojson(tmp_path / "q.geojson", [shapely.box(lon0, lat0, lon0 + d, lat0 + d)])
    point = geojson(tmp_path / "p.geojson", [shapely.Point(lon0 - d, lat0 + d / 2)])
    s = spatial.screen(proposal_at(box, 120.0), policy_with([("p", point, 10.0)]))
    a, fl = 6_378_137.0, 1 / 298.257223563
    e2 = fl * (2 - fl)
    e = math.sqrt(e2)

    def q(phi_deg: float) -> float:
        sn = math.sin(math.radians(phi_deg))
        return sn / (1 - e2 * sn**2) + math.log((1 + e * sn) / (1 - e * sn)) / (2 * e)

    area_m2 = a**2 * (1 - e2) / 2 * math.radians(d) * (q(lat0 + d) - q(lat0))
    assert s.boundary_area_ha == pytest.approx(area_m2 / 1e4, rel=1e-5)
    phi = math.radians(lat0 + d / 2)  # the radius of the parallel times the longitude gap
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    expected = n * math.cos(phi) * math.radians(d)
    got = s.criterion("protected_distance")["details"][0]["distance_m"]
    assert got == pytest.approx(expected, rel=1e-5)


def test_shared_edge_is_not_an_overlap_after_reprojection(tmp_path: Path) -> None:
    touching = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)
    b = geojson(tmp_path / "b.geojson", [lonlat(BOUNDARY)])
    red = geojson(tmp_path / "red.geojson", [lonlat(touching)])
    s = spatial.screen(proposal_at(b), policy_with([("red", red, None)]))
    c = s.criterion("protected_overlap")
    assert c["value"] == 0.0 and c["passed"] is True
    assert c["details"][0]["distance_m"] == pytest.approx(0.0, abs=0.01)


def test_overlapping_layers_count_ground_once(tmp_path: Path) -> None:
    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    one = geojson(tmp_path / "one.geojson", [RED], GK)
    two = geojson(tmp_path / "two.geojson", [RED, RED.buffer(-100)], GK)
    s = spatial.screen(proposal_at(b), policy_with([("one", one, None), ("two", two, None)]))
    c = s.criterion("protected_overlap")
    assert c["value"] == pytest.approx(12.5, rel=1e-5)
    assert [d["overlap_ha"] for d in c["details"]] == pytest.approx([12.5, 12.5], rel=1e-5)
    assert "sums to more than the total" in c["explanation"]


def test_nearest_distance_is_exact_beyond_the_search_radius(tmp_path: Path) -> None:
    # a ring 12 km around the boundary (its box holds the search window) and a point 11 km
    # east (outside the window): the point is the nearest feature
    ring = shapely.box(X0 - 12_000, Y0 - 12_000, X0 + 13_000, Y0 + 13_000).exterior
    point = shapely.Point(X0 + 12_000, Y0 + 500)
    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    layer = geojson(tmp_path / "l.geojson", [ring, point], GK)
    s = spatial.screen(proposal_at(b), policy_with([("l", layer, 500.0)]))
    assert s.criterion("protected_distance")["value"] == pytest.approx(11_000.0, rel=1e-5)
    assert spatial.screening.SEARCH_RADIUS_M < 11_000.0


def test_boundary_area_against_licensed_area(tmp_path: Path) -> None:
    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    pol = policy_with([])
    near = spatial.screen(proposal_at(b, 104.0), pol).criterion("boundary_area")
    assert near["passed"] is True and near["value"] == pytest.approx(4 / 104, rel=1e-4)
    far = spatial.screen(proposal_at(b, 90.0), pol).criterion("boundary_area")
    assert far["passed"] is False and far["hard"] is False
    assert far["value"] == pytest.approx(10 / 90, rel=1e-4)
    assert "licensed_area_ha to 100.00 ha" in far["explanation"]
    s = spatial.screen(proposal_at(b), pol)
    assert s.criterion("protected_overlap")["passed"] is None  # no layers
    assert "no_overlap" in s.criterion("protected_overlap")["explanation"]
    assert s.criterion("protected_distance")["passed"] is None


def test_no_boundary_is_not_assessed(policy) -> None:
    s = spatial.screen(make_proposal(), policy)
    assert [c["passed"] for c in s.criteria] == [None, None, None]
    assert all("no mining-right boundary" in c["explanation"] for c in s.criteria)


def test_far_layer_gets_a_crs_warning(tmp_path: Path) -> None:
    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    square = shapely.box(X0, Y0 + 81_000, X0 + 10, Y0 + 81_010)  # 80 km north
    far = geojson(tmp_path / "far.geojson", [square], GK)
    s = spatial.screen(proposal_at(b), policy_with([("far", far, None)]))
    assert any("80 km" in w and "CRS" in w for w in s.warnings)


def test_a_layer_of_another_area_is_named_in_the_overlap_explanation(tmp_path: Path) -> None:
    """A red-line layer whose every feature lies 20 km north (a neighbouring county's) passed
    'no overlap' like the site's own; its extent not reaching the site is now said, in en and
    zh. Features on both sides of the site, as far, are the site's area: nothing said."""
    from sim.i18n import use_lang
    from sim.i18n.verdict import explanation

    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    north = [shapely.box(X0 + dx, Y0 + 20_000, X0 + dx + 500, Y0 + 20_500) for dx in (0, 3000)]
    other = geojson(tmp_path / "other.geojson", north, GK)
    c = spatial.screen(proposal_at(b), policy_with([("other", other, None)])).criterion(
        "protected_overlap"
    )
    assert c["passed"] is True and c["details"][0]["reaches_site"] is False
    assert "does not reach the site" in c["explanation"]
    with use_lang("zh"):
        zh = explanation(c, {"metrics": {}})
    assert "未覆盖矿区所在区域" in zh and "19" in zh, zh
    south = shapely.box(X0, Y0 - 20_500, X0 + 500, Y0 - 20_000)
    own = geojson(tmp_path / "own.geojson", [*north, south], GK)
    c = spatial.screen(proposal_at(b), policy_with([("own", own, None)])).criterion(
        "protected_overlap"
    )
    assert c["details"][0]["reaches_site"] is True
    assert "does not reach the site" not in c["explanation"]


# ------------------------------------------------------------------------------------------
# bad geometry and files


def expect_input_error(match: str, func: Any, *args: Any) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        func(*args)
    return info.value


BOWTIE = shapely.Polygon(
    [(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000), (X0, Y0)]
)


def test_self_intersection_repaired_with_warning(tmp_path: Path) -> None:
    b = geojson(tmp_path / "bowtie.geojson", [BOWTIE], GK)
    s = spatial.screen(proposal_at(b, 50.0), policy_with([]))
    assert s.boundary_area_ha == pytest.approx(50.0, rel=1e-5)  # two triangles of 25 ha
    (note,) = s.warnings
    assert "bowtie.geojson" in note and "Self-intersection" in note and "repaired" in note


def test_self_intersection_refused_by_policy(tmp_path: Path) -> None:
    b = geojson(tmp_path / "bowtie.geojson", [BOWTIE], GK)
    err = expect_input_error(
        "not valid",
        spatial.screen,
        proposal_at(b, 50.0),
        policy_with([], repair_invalid=False),
    )
    assert "Self-intersection" in str(err) and "repair_invalid = true" in str(err)
    assert "[location] boundary" in str(err) and "bowtie.geojson" in str(err)


@pytest.mark.parametrize(
    ("geoms", "match"),
    [
        ([], "holds no geometry"),
        ([None], "holds no geometry"),
        ([shapely.Polygon()], "holds no geometry"),
        ([RAIL], "must be a Polygon or MultiPolygon, found LineString"),
        ([WELL], "must be a Polygon or MultiPolygon, found Point"),
        ([BOUNDARY, RAIL], "found LineString \\(feature #2\\)"),
    ],
)
def test_empty_or_non_polygon_boundary_refused(tmp_path: Path, geoms: list, match: str) -> None:
    b = geojson(tmp_path / "b.geojson", geoms, GK)
    err = expect_input_error(match, spatial.screen, proposal_at(b), policy_with([]))
    assert "b.geojson" in str(err)


def test_swapped_lonlat_detected(tmp_path: Path) -> None:
    swapped = shapely.transform(lonlat(BOUNDARY), lambda xy: xy[:, ::-1])
    b = geojson(tmp_path / "latlon.geojson", [swapped])
    err = expect_input_error("swapped", spatial.screen, proposal_at(b), policy_with([]))
    assert "longitude first" in str(err) and "latlon.geojson" in str(err)
    # the same in a file that states a geographic CRS
    b = ogr(tmp_path / "latlon.shp", [swapped], "EPSG:4490", "ESRI Shapefile")
    expect_input_error("swapped", spatial.screen, proposal_at(b), policy_with([]))


def test_projected_coordinates_in_a_lonlat_file(tmp_path: Path) -> None:
    b = ogr(tmp_path / "wrong.shp", [BOUNDARY], "EPSG:4326", "ESRI Shapefile")
    expect_input_error("not longitudes/latitudes", spatial.screen, proposal_at(b), policy_with([]))


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    b = tmp_path / "broken.geojson"
    b.write_bytes(b"\x00\x01 not a geojson {")
    err = expect_input_error("cannot read", spatial.screen, proposal_at(b), policy_with([]))
    assert "broken.geojson" in str(err) and "[location] boundary" in str(err)
    layer = tmp_path / "layer.gpkg"
    layer.write_text("no sqlite here", encoding="utf-8")
    good = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    err = expect_input_error(
        "cannot read", spatial.screen, proposal_at(good), policy_with([("x", layer, None)])
    )
    assert "policy.toml: [[layers]] #1 path" in str(err) and "layer.gpkg" in str(err)


def test_missing_crs_is_an_error_unless_the_policy_has_a_default(tmp_path: Path) -> None:
    b = ogr(tmp_path / "noprj.shp", [BOUNDARY], None, "ESRI Shapefile")
    assert not (tmp_path / "noprj.prj").exists()
    err = expect_input_error(
        "no coordinate reference system", spatial.screen, proposal_at(b), policy_with([])
    )
    assert "default_crs" in str(err) and "noprj.shp" in str(err)
    s = spatial.screen(proposal_at(b), policy_with([], default_crs=GK))
    assert s.boundary_area_ha == pytest.approx(100.0, rel=1e-5)
    assert any("default_crs" in w for w in s.warnings)
    # a GeoJSON without a crs member is lon/lat (RFC 7946) unless its numbers cannot be
    g = geojson(tmp_path / "metres.geojson", [BOUNDARY])
    expect_input_error("'crs' member", spatial.screen, proposal_at(g), policy_with([]))
    s = spatial.screen(proposal_at(g), policy_with([], default_crs=GK))
    assert s.boundary_area_ha == pytest.approx(100.0, rel=1e-5)


def test_layer_problems(tmp_path: Path) -> None:
    b = geojson(tmp_path / "b.geojson", [BOUNDARY], GK)
    rail = geojson(tmp_path / "rail.geojson", [RAIL], GK)
    err = expect_input_error(
        "must hold polygons", spatial.screen, proposal_at(b), policy_with([("rail", rail, None)])
    )
    assert "min_distance" in str(err)
    empty = geojson(tmp_path / "empty.geojson", [])
    s = spatial.screen(proposal_at(b), policy_with([("empty", empty, None)]))
    assert s.criterion("protected_overlap")["value"] == 0.0
    assert any("no features" in w for w in s.warnings)


def test_problems_of_every_proposal_are_listed_together(tmp_path: Path) -> None:
    one = geojson(tmp_path / "one.geojson", [RAIL], GK)
    two = tmp_path / "two.geojson"
    two.write_text("{", encoding="utf-8")
    props = [make_proposal({"location.boundary": str(p)}, pid=p.stem) for p in (one, two)]
    err = expect_input_error("one.geojson", sim.evaluate, props)
    assert len(err.problems) == 2 and "two.geojson" in str(err)


# ------------------------------------------------------------------------------------------
# --layers syntax


@pytest.mark.parametrize(
    ("text", "path", "rule", "distance"),
    [
        ("red.geojson", "red.geojson", "no_overlap", None),
        ("red.geojson:no_overlap", "red.geojson", "no_overlap", None),
        ("rail.shp:min_distance=1000", "rail.shp", "min_distance", 1000.0),
        ("C:/layers/rail.gpkg:min_distance=250.5", "C:/layers/rail.gpkg", "min_distance", 250.5),
        ("C:/layers/red.gpkg", "C:/layers/red.gpkg", "no_overlap", None),
    ],
)
def test_parse_layer_arg(text: str, path: str, rule: str, distance: float | None) -> None:
    spec = spatial.parse_layer_arg(text, origin="--layers")
    assert (spec.path, spec.rule, spec.min_distance_m) == (Path(path), rule, distance)
    assert spec.name == Path(path).stem


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("rail.shp:min_distance=far", "must be a number of metres"),
        ("rail.shp:min_distance=-5", "must be a number of metres"),
        ("p.toml", "not a layer"),
    ],
)
def test_bad_layer_arg(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        spatial.parse_layer_arg(text, origin="--layers")


# ------------------------------------------------------------------------------------------
# integration: evaluate, verdict, CLI


def test_moving_the_boundary_onto_the_red_line_rejects(tmp_path: Path) -> None:
    red = geojson(tmp_path / "red.geojson", [lonlat(RED)])
    pol = policy_with([("red line", red, None)])
    clear = geojson(tmp_path / "clear.geojson", [lonlat(shapely.box(X0, Y0, X0 + 500, Y0 + 400))])
    onto = geojson(
        tmp_path / "onto.geojson", [lonlat(shapely.box(X0 + 800, Y0 + 600, X0 + 1300, Y0 + 1000))]
    )
    before = sim.evaluate(proposal_at(clear, 20.0, **APPROVED), pol, draws=200).verdicts[0]
    assert before["verdict"] == "approve"
    after = sim.evaluate(proposal_at(onto, 20.0, **APPROVED), pol, draws=200).verdicts[0]
    assert after["verdict"] == "reject" and after["deciding_criteria"] == ["protected_overlap"]
    overlap = next(c for c in after["criteria"] if c["name"] == "protected_overlap")
    assert overlap["value"] == pytest.approx(20.0, rel=1e-5)
    assert overlap["details"][0] == {"layer": "red line", "overlap_ha": overlap["value"]} | {
        "distance_m": 0.0,
        "reaches_site": True,
    }


def test_evaluate_layers_keyword_and_licensed_area(tmp_path: Path) -> None:
    f = files(tmp_path)
    p = proposal_at(f["boundary"], 98.0, **APPROVED)
    v = sim.evaluate(
        p, draws=100, layers=[str(f["red"]), f"{f['rail']}:min_distance=1100"], conditions=False
    ).verdicts[0]
    crit = {c["name"]: c for c in v["criteria"]}
    assert [c["name"] for c in v["criteria"]][:4] == [
        "licensed_area",
        "protected_overlap",
        "protected_distance",
        "boundary_area",
    ]
    assert crit["protected_overlap"]["value"] == pytest.approx(12.5, rel=1e-5)
    assert crit["protected_distance"]["value"] == pytest.approx(1050.0, rel=1e-5)
    assert crit["protected_distance"]["passed"] is False
    assert crit["licensed_area"]["threshold"] == pytest.approx(100.0, rel=1e-5)
    assert "polygon" in crit["licensed_area"]["explanation"]
    assert v["deciding_criteria"] == ["protected_overlap", "protected_distance"]


def test_boundary_area_failure_is_conditional_on_stating_the_area(tmp_path: Path) -> None:
    b = geojson(tmp_path / "b.geojson", [shapely.box(X0, Y0, X0 + 500, Y0 + 400)], GK)
    v = sim.evaluate(proposal_at(b, 17.0, **APPROVED), draws=100).verdicts[0]
    assert v["verdict"] == "conditional" and v["deciding_criteria"] == ["boundary_area"]
    (cond,) = v["conditions"]
    assert cond["field"] == "proposal.licensed_area_ha"
    assert cond["value"] == pytest.approx(20.0, rel=1e-5)
    fixed = proposal_at(b, cond["value"], **APPROVED)
    assert sim.evaluate(fixed, draws=100).verdicts[0]["verdict"] == "approve"


def test_repair_warning_reaches_the_notes(tmp_path: Path) -> None:
    b = geojson(tmp_path / "bowtie.geojson", [BOWTIE], GK)
    v = sim.evaluate(proposal_at(b, 50.0), draws=50, conditions=False).verdicts[0]
    assert any("Self-intersection" in n for n in v["notes"])


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_layers(tmp_path: Path, capsys) -> None:
    f = files(tmp_path)
    text = (ROOT / "sim" / "data" / "example-proposal.toml").read_text("utf-8")
    text += f'\n[location]\nboundary = "{f["boundary"].name}"\n'
    prop = tmp_path / "p.toml"
    prop.write_text(text.replace("licensed_area_ha = 35.0", "licensed_area_ha = 100.0"), "utf-8")
    rc, out, _ = run(
        capsys,
        "evaluate",
        str(prop),
        "--json",
        "--draws",
        "50",
        "--no-conditions",
        "--layers",
        str(f["farm"]),
        f"{f['well']}:min_distance=400",
    )
    assert rc == 0
    crit = {c["name"]: c for c in json.loads(out)["criteria"]}
    assert crit["protected_overlap"]["value"] == pytest.approx(2.0, rel=1e-5)
    assert crit["protected_overlap"]["details"][0]["layer"] == "farm"
    assert crit["protected_distance"]["value"] == pytest.approx(500.0, rel=1e-5)
    assert crit["protected_distance"]["passed"] is True
    rc, out, _ = run(capsys, "evaluate", str(prop), "--draws", "50", "--no-conditions")
    assert rc == 0 and "protected_distance" in out and "not assessed" in out
    # a missing layer file and bad geometry are input errors (exit code 2)
    rc, _, err = run(capsys, "evaluate", str(prop), "--layers", str(tmp_path / "nope.geojson"))
    assert rc == 2 and "nope.geojson" in err and "file not found" in err
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--layers", "x.geojson", str(prop)])
    assert info.value.code == 2
    assert "not a layer" in capsys.readouterr().err


def test_cli_exit_code_2_for_bad_geometry(tmp_path: Path, capsys) -> None:
    geojson(tmp_path / "line.geojson", [RAIL], GK)
    text = (ROOT / "sim" / "data" / "example-proposal.toml").read_text("utf-8")
    prop = tmp_path / "p.toml"
    prop.write_text(text + '\n[location]\nboundary = "line.geojson"\n', "utf-8")
    rc, out, err = run(capsys, "evaluate", str(prop), "--draws", "50")
    assert rc == 2 and out == ""
    assert "line.geojson" in err and "must be a Polygon or MultiPolygon" in err


def test_map_figure(tmp_path: Path) -> None:
    s = screen(files(tmp_path))
    fig = spatial.draw_map(s, "HN-TEST")
    fig.savefig(tmp_path / "map.png", dpi=60)
    assert (tmp_path / "map.png").stat().st_size > 5000
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "N" in texts and any(re.fullmatch(r"\d+ (m|km)", t) for t in texts)


# ------------------------------------------------------------------------------------------
# the spatial examples


SPATIAL_EXAMPLES = sorted((ROOT / "scenarios" / "spatial").glob("*.toml"))
SCREENING_POLICY = ROOT / "scenarios" / "policies" / "hunan-screening.toml"


def test_there_are_spatial_examples() -> None:
    assert len(SPATIAL_EXAMPLES) >= 2
    layers = sorted((ROOT / "scenarios" / "layers").glob("*.geojson"))
    assert len(layers) >= 3
    for path in layers:
        doc = json.loads(path.read_text("utf-8"))
        assert all(f["properties"]["synthetic"] is True for f in doc["features"])


@pytest.mark.parametrize("path", SPATIAL_EXAMPLES, ids=lambda p: p.stem)
def test_spatial_example_verdicts(path: Path) -> None:
    (line,) = re.findall(r"^# expected: (.*)$", path.read_text("utf-8"), re.MULTILINE)
    expected = tomllib.loads("\n".join(part.strip() for part in line.split(";")))
    policy = sim.load_policy(SCREENING_POLICY)
    v = sim.evaluate([sim.load_proposal(path)], policy, draws=1000, seed=0).verdicts[0]
    assert v["verdict"] == expected["verdict"], path.name
    assert v["deciding_criteria"] == expected["deciding"], path.name
