"""Regenerate the SYNTHETIC example layers and boundaries (``python make_synthetic.py``).

Shapes are drawn in metres around a made-up point in the hills of central Hunan (111.9° E,
27.6° N, between Lianyuan and Lengshuijiang), x east and y north, then written in WGS 84
longitude/latitude, except the basic-farmland layer and the HN-2026-0104 boundary, which are
written in CGCS2000 / 3-degree Gauss-Kruger CM 111E (EPSG:4546) so that the examples exercise
reprojection. None of this is real protected-area data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from sim.spatial import local_crs

HERE = Path(__file__).resolve().parent
SPATIAL = HERE.parent / "spatial"
ORIGIN = (111.9, 27.6)  # lon, lat (degrees)
NOTE = "SYNTHETIC example data for restoresim; not a real protected area or mining right"

RED_LINE = [  # ecological protection red line: a forested ridge and a reserve to the north
    (
        "Ridge forest red-line patch (synthetic)",
        [(-1800, -900), (-40, -900), (-40, 1400), (-600, 1900), (-1800, 1500)],
    ),
    ("Reserve core zone (synthetic)", [(500, 2600), (2200, 2600), (2400, 3800), (600, 3900)]),
]
FARMLAND = [  # permanent basic farmland: valley paddies south of the hills
    ("Valley paddies (synthetic)", [(300, -2400), (2600, -2400), (2600, -1100), (300, -900)]),
]
RAILWAY = [  # a line, screened with min_distance_m = 1000
    ("Railway (synthetic)", [(2600, -6000), (3000, -2500), (3000, 2500), (2700, 6000)]),
]
BOUNDARIES = {  # proposal id -> (file name, polygon in metres, CRS written)
    "HN-2026-0101": (
        "hn-2026-0101-boundary.geojson",
        [(-100, 0), (400, 0), (400, 400), (-100, 400)],
        "EPSG:4326",
    ),
    "HN-2026-0102": (
        "hn-2026-0102-boundary.geojson",
        [(1450, 100), (1950, 100), (1950, 500), (1450, 500)],
        "EPSG:4326",
    ),
    "HN-2026-0103": (
        "hn-2026-0103-boundary.geojson",
        [(1700, -500), (2200, -500), (2200, -100), (1700, -100)],
        "EPSG:4326",
    ),
    "HN-2026-0104": (
        "hn-2026-0104-boundary.geojson",
        [(600, 600), (1100, 600), (1100, 1000), (600, 1000)],
        "EPSG:4546",
    ),
}


def _to(crs: str) -> Callable[[np.ndarray], np.ndarray]:
    """Metres around ORIGIN -> coordinates in ``crs`` (7 decimals of a degree, or mm)."""
    tr = Transformer.from_crs(local_crs(*ORIGIN), crs, always_xy=True)
    digits = 7 if crs == "EPSG:4326" else 3

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([x, y]), digits)

    return apply


def _write(
    path: Path, features: list[tuple[str, shapely.Geometry]], crs: str, kind: str, step: float
) -> None:
    """A GeoJSON FeatureCollection; edges split every ``step`` m (0: corner points only)."""
    to = _to(crs)
    doc: dict = {"type": "FeatureCollection", "name": path.stem}
    if crs != "EPSG:4326":
        doc["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:{crs.replace(':', '::')}"},
        }
    doc["features"] = [
        {
            "type": "Feature",
            "properties": {"name": name, "kind": kind, "synthetic": True, "note": NOTE},
            "geometry": json.loads(
                shapely.to_geojson(
                    shapely.transform(shapely.segmentize(g, step) if step else g, to)
                )
            ),
        }
        for name, g in features
    ]
    features = ",\n".join(json.dumps(f, ensure_ascii=False) for f in doc.pop("features"))
    head = json.dumps(doc, ensure_ascii=False)[:-1]
    path.write_text(f'{head}, "features": [\n{features}\n]}}\n', encoding="utf-8")


def main() -> None:
    _write(
        HERE / "red-line.geojson",
        [(n, shapely.Polygon(c)) for n, c in RED_LINE],
        "EPSG:4326",
        "ecological protection red line",
        50.0,
    )
    _write(
        HERE / "basic-farmland.geojson",
        [(n, shapely.Polygon(c)) for n, c in FARMLAND],
        "EPSG:4546",
        "permanent basic farmland",
        50.0,
    )
    _write(
        HERE / "railway.geojson",
        [(n, shapely.LineString(c)) for n, c in RAILWAY],
        "EPSG:4326",
        "railway",
        50.0,
    )
    for pid, (name, coords, crs) in BOUNDARIES.items():
        _write(
            SPATIAL / name,
            [(f"{pid} mining-right boundary (synthetic)", shapely.Polygon(coords))],
            crs,
            "mining-right boundary",
            0.0,
        )


if __name__ == "__main__":
    main()
