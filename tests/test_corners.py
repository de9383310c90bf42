"""Boundaries as issued: corner-coordinate tables (拐点坐标) in CGCS2000 Gauss–Krüger."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from test_spatial import GK, RED, X0, Y0, geojson, lonlat, policy_with, proposal_at

import sim
from sim import spatial
from sim.errors import InputError

# an irregular 8-corner licence on the central meridian 111°E (3° zone 37, 6° zone 19)
CORNERS = [
    (X0 + 0, Y0 + 0),
    (X0 + 420, Y0 - 60),
    (X0 + 910, Y0 + 80),
    (X0 + 1000, Y0 + 520),
    (X0 + 870, Y0 + 990),
    (X0 + 400, Y0 + 1040),
    (X0 + 60, Y0 + 870),
    (X0 - 40, Y0 + 430),
]
LICENCE = shapely.Polygon(CORNERS)
FARM = shapely.box(X0 - 300, Y0 - 300, X0 + 200, Y0 + 100)


def table(prefix: int | None, clockwise: bool = True, closed: bool = False) -> list[str]:
    """Rows 点号, X (northing), Y (easting, with the zone prefix when given)."""
    pts = CORNERS[::-1] if clockwise else CORNERS
    if closed:
        pts = [*pts, pts[0]]
    offset = 0 if prefix is None else prefix * 1_000_000
    return [f"J{i + 1},{n:.2f},{e + offset:.2f}" for i, (e, n) in enumerate(pts)]


def write_csv(path: Path, rows: list[str], encoding: str = "gb18030", sep: str = ",") -> Path:
    text = "矿区范围拐点坐标 (2000国家大地坐标系)\n点号,X坐标,Y坐标\n" + "\n".join(rows) + "\n"
    path.write_bytes(text.replace(",", sep).encode(encoding))
    return path


def screen_both(tmp: Path, boundary: Path, **spatial_settings):
    layers = [
        ("red line", geojson(tmp / "red.geojson", [lonlat(RED)]), None),
        ("farmland", geojson(tmp / "farm.geojson", [FARM], GK), None),
    ]
    pol = policy_with(layers, **spatial_settings)
    twin = geojson(tmp / "twin.geojson", [lonlat(LICENCE)])
    return spatial.screen(proposal_at(boundary), pol), spatial.screen(proposal_at(twin), pol)


def assert_same(a: spatial.Screening, b: spatial.Screening) -> None:
    assert a.boundary_area_ha == pytest.approx(b.boundary_area_ha, abs=0.01)
    assert a.boundary_area_ha == pytest.approx(LICENCE.area / 1e4, abs=0.01)
    va, vb = a.criterion("protected_overlap")["value"], b.criterion("protected_overlap")["value"]
    assert vb > 1.0 and va == pytest.approx(vb, abs=0.01)
    for ra, rb in zip(a.layers, b.layers, strict=True):
        assert ra.overlap_ha == pytest.approx(rb.overlap_ha, abs=0.01)


@pytest.mark.parametrize(
    "prefix,clockwise,closed,encoding,sep",
    [
        (37, True, False, "gb18030", ","),  # 3° zone 37 with prefix, as issued
        (37, False, True, "utf-8-sig", "\t"),  # counter-clockwise, closed, tab separated
        (19, True, False, "utf-8", " "),  # 6° zone 19 (same central meridian)
    ],
)
def test_a_corner_table_screens_like_its_geojson_twin(
    tmp_path: Path, prefix, clockwise, closed, encoding, sep
) -> None:
    path = write_csv(tmp_path / "corners.txt", table(prefix, clockwise, closed), encoding, sep)
    a, b = screen_both(tmp_path, path)
    assert_same(a, b)
    kind = "3°" if prefix == 37 else "6°"
    assert any(f"{kind} Gauss-Kruger zone {prefix}" in w for w in a.warnings)


def test_without_the_zone_prefix_the_policy_names_the_zone(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "corners.csv", table(None))
    with pytest.raises(InputError, match="no zone prefix"):
        screen_both(tmp_path, path)
    a, b = screen_both(tmp_path, path, default_crs=GK)
    assert_same(a, b)


def test_an_xlsx_corner_table(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["点号", "X", "Y"])
    for row in table(37):
        name, x, y = row.split(",")
        sheet.append([name, float(x), float(y)])
    path = tmp_path / "corners.xlsx"
    book.save(path)
    a, b = screen_both(tmp_path, path)
    assert_same(a, b)


def test_swapped_columns_are_read_with_a_note(tmp_path: Path) -> None:
    rows = [f"{r.split(',')[0]},{r.split(',')[2]},{r.split(',')[1]}" for r in table(37)]
    a, b = screen_both(tmp_path, write_csv(tmp_path / "c.csv", rows))
    assert_same(a, b)
    assert any("read as Y, X" in w for w in a.warnings)


def test_corners_out_of_order_are_repaired_or_refused(tmp_path: Path) -> None:
    rows = table(37)
    rows[2], rows[5] = rows[5], rows[2]  # a self-intersecting ring
    path = write_csv(tmp_path / "c.csv", rows)
    a, _ = screen_both(tmp_path, path)
    assert any("not valid" in w and "repaired" in w for w in a.warnings)
    with pytest.raises(InputError, match="not valid"):
        screen_both(tmp_path, path, repair_invalid=False)


@pytest.mark.parametrize(
    "rows,phrase",
    [
        (table(37)[:2], "distinct corner points"),
        ([f"J1,{Y0},{X0 + 58_000_000}", *table(37)[1:]], "different zone prefixes"),
        ([r.replace(",3", ",9") for r in table(37)], "not a northing in China"),
        ([r.replace(",37", ",12") for r in table(37)], "not a CGCS2000 Gauss-Kruger zone"),
        (["点号,X,Y"], "no corner coordinates found"),
    ],
)
@pytest.mark.slow
def test_bad_corner_tables_are_refused_naming_the_file(tmp_path: Path, rows, phrase) -> None:
    path = write_csv(tmp_path / "c.csv", rows)
    with pytest.raises(InputError) as info:
        screen_both(tmp_path, path)
    assert "[location] boundary = " in str(info.value) and phrase in str(info.value)


def test_corner_table_areas_are_exact_in_the_grid() -> None:
    """The polygon is the corners' (no smoothing): shoelace area of the listed points."""
    x = np.array([c[0] for c in CORNERS])
    y = np.array([c[1] for c in CORNERS])
    shoelace = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    assert LICENCE.area == pytest.approx(shoelace)


def test_the_application_names_the_central_meridian(tmp_path: Path) -> None:
    """A table without zone prefix, as many plans print it under "中央经线 111°": the
    application's [location] central_meridian_deg names the projection (the policy need not)."""
    path = write_csv(tmp_path / "corners.csv", table(None))
    layers = [("red line", geojson(tmp_path / "red.geojson", [lonlat(RED)]), None)]
    pol = policy_with(layers)
    twin = spatial.screen(proposal_at(geojson(tmp_path / "t.geojson", [lonlat(LICENCE)])), pol)
    a = spatial.screen(proposal_at(path, **{"location.central_meridian_deg": 111.0}), pol)
    assert a.boundary_area_ha == pytest.approx(twin.boundary_area_ha, abs=0.01)
    assert any("central meridian 111°E (EPSG:4546)" in w for w in a.warnings)
    with pytest.raises(InputError, match="multiple of 3"):
        proposal_at(path, **{"location.central_meridian_deg": 112.0})


def test_a_longitude_latitude_default_crs_is_refused_not_a_crash(tmp_path: Path) -> None:
    """A table in metres without zone prefix under a policy whose default_crs is longitude/
    latitude (EPSG:4490) crashed inside PROJ ("Invalid value for lat_0"); it is an input error
    that says what to write."""
    path = write_csv(tmp_path / "corners.csv", table(None))
    with pytest.raises(InputError, match="longitude/latitude") as exc:
        screen_both(tmp_path, path, default_crs="EPSG:4490")
    assert "central_meridian_deg" in str(exc.value) and "corners.csv" in str(exc.value)


def test_the_licence_area_is_the_corner_tables_own(tmp_path: Path) -> None:
    """A licence's area is computed from its Gauss-Kruger corners, and a plan designs its pit to
    fill it: 400 m x 620 m, 64.5 km west of the central meridian 114°E, is 24.80 ha in the grid
    but 24.7975 ha on the ground (scale 1.00005). The polygon's area is the grid's, so a pit of
    24.80 ha fits the licence (it was refused, by 0.0025 ha, as a hard failure)."""
    x0, y0 = 2_993_100.0, 38_435_500.0  # zone 38 (CM 114°E), easting 435,500 m
    rows = [
        f"J{i + 1},{x:.2f},{y:.2f}"
        for i, (x, y) in enumerate([(x0 + 400, y0), (x0 + 400, y0 + 620), (x0, y0 + 620), (x0, y0)])
    ]
    path = write_csv(tmp_path / "corners.csv", rows)
    s = spatial.screen(proposal_at(path, 24.8), policy_with([]))
    assert s.boundary_area_ha == 24.8
    assert s.boundary.area / 1e4 == pytest.approx(24.7975, abs=2e-4)  # on the ground
    assert s.criterion("boundary_area")["value"] == 0.0


def test_a_table_of_two_point_blocks_side_by_side_is_read_block_by_block(tmp_path: Path) -> None:
    """A licence table is often printed two blocks to a row to fit the page (点号 X Y 点号 X Y:
    points 1-4 on the left, 5-8 on the right, as the 钟祥长滩季河 notice prints its 11 corners);
    copied from Word it arrives as one line per printed row. It was read as one point per line
    (the name '1 X Y 5', the right block's X and Y), so half the corners were dropped without a
    word and the licence came out a fraction of its area."""
    rows = table(37, clockwise=False)
    left, right = rows[:4], rows[4:]
    lines = ["点号\tX\tY\t点号\tX\tY"]
    lines += [f"{a}\t{b}".replace(",", "\t") for a, b in zip(left, right, strict=True)]
    path = tmp_path / "corners.txt"
    path.write_text("\n".join(lines) + "\n2000国家大地坐标系\n", encoding="utf-8")
    a, b = screen_both(tmp_path, path)
    assert_same(a, b)
    assert any("2 blocks of points side by side" in w for w in a.warnings)
    # a right block one row shorter (an odd number of corners) is read the same way
    lines = [*lines[:-1], rows[3].replace(",", "\t")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = spatial.screen(proposal_at(path), policy_with([]))
    seven = shapely.Polygon([CORNERS[i] for i in range(8) if i != 7])
    assert c.boundary_area_ha == pytest.approx(seven.area / 1e4, abs=0.01)


def test_x_y_pairs_side_by_side_without_point_names_are_refused(tmp_path: Path) -> None:
    """Two X, Y pairs on a line with no point names cannot be told from a name: refused, naming
    the line, never read as a point named by the first pair."""
    rows = [r.split(",", 1)[1] for r in table(37)]
    lines = [f"{a},{b}" for a, b in zip(rows[:4], rows[4:], strict=True)]
    with pytest.raises(InputError, match="line 3"):
        screen_both(tmp_path, write_csv(tmp_path / "c.csv", lines))


def test_full_width_digits_from_a_chinese_input_method_are_read(tmp_path: Path) -> None:
    """A table typed or pasted with full-width digits (３４３７１７４．６５) and the ideographic
    space reads as its ASCII twin (it was refused: 'no corner coordinates found')."""
    full = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
    rows = [r.translate(full).replace("，", "\u3000") for r in table(37)]
    a, b = screen_both(tmp_path, write_csv(tmp_path / "c.txt", rows, encoding="utf-8"))
    assert_same(a, b)


def test_coordinates_labelled_x_and_y_are_read(tmp_path: Path) -> None:
    """A licence lists its corners as "J1  X=3437174.65  Y=38383678.71" (or X：…); it was
    refused with "no corner coordinates found"."""
    rows = [f"{n}  X={x}  Y：{y}" for n, x, y in (r.split(",") for r in table(37))]
    a, b = screen_both(tmp_path, write_csv(tmp_path / "c.txt", rows, encoding="utf-8"))
    assert_same(a, b)


def test_the_terminal_notes_follow_the_policys_language(tmp_path: Path, capsys, monkeypatch):
    """With the language set by the policy ([policy] language = "zh", as the Hunan screening
    policy sets it) the verdict printed in Chinese but the boundary's notes in English: they
    were made while evaluating, before the policy's language was switched on."""
    from sim.cli import main
    from sim.examples import example_path

    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    write_csv(tmp_path / "corners.csv", table(37))
    text = example_path().read_text(encoding="utf-8") + '\n[location]\nboundary = "corners.csv"\n'
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    (tmp_path / "zh.toml").write_text('[policy]\nname = "zh"\nlanguage = "zh"\n', "utf-8")
    argv = ["evaluate", str(tmp_path / "p.toml"), "--policy", str(tmp_path / "zh.toml")]
    assert main([*argv, "--draws", "50", "--no-conditions"]) == 0
    out = capsys.readouterr().out
    assert "评审结论" in out and "据 Y 坐标判定为 CGCS2000 高斯-克吕格 3° 带第 37 带" in out


def test_the_map_names_the_corners_as_the_table_does(tmp_path: Path) -> None:
    """The screening map labels each corner as the licence's table names it (J1 …), at the
    corner, so a reviewer reads the polygon against the 拐点坐标表; a GeoJSON licence of a few
    corners is numbered along its ring; a digitised outline of hundreds of vertices is not."""
    from sim.spatial.figure import draw_map

    path = write_csv(tmp_path / "corners.csv", table(37))
    s, _ = screen_both(tmp_path, path)
    assert [c[0] for c in s.corners] == [f"J{i}" for i in range(1, 9)]
    for _, x, y in s.corners:  # each on the boundary's ring, in the map's metres
        assert shapely.Point(x, y).distance(s.boundary.exterior) < 1e-3
    fig = draw_map(s)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {f"J{i}" for i in range(1, 9)} <= texts
    square = geojson(tmp_path / "sq.geojson", [shapely.box(X0, Y0, X0 + 500, Y0 + 400)], GK)
    pol = policy_with([])
    assert [c[0] for c in spatial.screen(proposal_at(square), pol).corners] == ["1", "2", "3", "4"]
    outline = shapely.Point(X0, Y0).buffer(300, quad_segs=64)  # 256 vertices
    traced = geojson(tmp_path / "traced.geojson", [outline], GK)
    assert spatial.screen(proposal_at(traced), pol).corners == ()


@pytest.mark.parametrize(("north_m", "passes"), [(619.75, True), (613.8, False)])
def test_a_polygon_that_confirms_the_stated_licence_to_its_rounding_takes_the_stated_area(
    tmp_path: Path, north_m: float, passes: bool
) -> None:
    """A 大冶 quarry's licence, 0.1192 km², drawn by its corner table as 11.91975 ha: its pit,
    designed to fill the licence as stated (11.92 ha), was 0.00025 ha outside the polygon and
    the application rejected (licensed_area 11.92 <= 11.92, margin -0.00, a hard failure). A
    polygon within 0.1 % of the stated area confirms it; one 1 % smaller is the truth."""
    import tomllib

    x0, y0 = 2_993_100.0, 38_435_500.0
    corners = [(x0 + 400, y0), (x0 + 400, y0 + north_m), (x0, y0 + north_m), (x0, y0)]
    rows = [f"J{i + 1},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(corners)]
    write_csv(tmp_path / "corners.csv", rows)
    design = Path(__file__).parents[1] / "scenarios/proposals"
    text = (design / "hn-2026-0010-youxian-limestone-design.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)  # licence and designed pit both 24.8 ha
    data["location"] = {"boundary": "corners.csv"}
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    v = sim.evaluate([sim.load_proposal(tmp_path / "p.json")], draws=40, conditions=False)
    (c,) = [c for c in v.verdicts[0]["criteria"] if c["name"] == "licensed_area"]
    assert c["passed"] is passes
    assert c["threshold"] == (24.8 if passes else pytest.approx(400 * north_m / 1e4))
