"""Pure spatial computation in a local metric CRS: overlaps, distances and the three criteria.

Nothing here reads files. Geometries are shapely 2 objects in metres in the local transverse
Mercator projection of :func:`local_crs`; areas are returned in hectares, distances in metres.
The criteria are dicts in the verdict format (``name, value, threshold, direction, margin,
passed, hard, explanation`` and ``details``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import TransverseMercatorConversion

from sim.spatial.result import criterion, unassessed  # noqa: F401  (re-exported)

M2_PER_HA = 10_000.0
OVERLAP_NOISE_M2 = 1.0
"""Overlaps below 1 m² are reported as 0: they are rounding noise of reprojected shared edges."""


def local_crs(lon_deg: float, lat_deg: float) -> ProjectedCRS:
    """Transverse Mercator on WGS 84 centred on (lon, lat), scale 1 at the centre, metres.

    Its scale error grows as (d / R)² / 2 with the distance d from the central meridian: below
    3e-6 within 15 km and 1e-4 within 90 km, so areas and distances of a mining right and its
    surroundings are ground (ellipsoidal) values to well within survey accuracy.
    """
    conversion = TransverseMercatorConversion(
        latitude_natural_origin=float(lat_deg),
        longitude_natural_origin=float(lon_deg),
        scale_factor_natural_origin=1.0,
        false_easting=0.0,
        false_northing=0.0,
    )
    return ProjectedCRS(
        conversion=conversion,
        geodetic_crs=CRS("EPSG:4326"),
        name=f"restoresim local transverse Mercator (lon_0={lon_deg:.6f}, lat_0={lat_deg:.6f})",
    )


@dataclass(frozen=True)
class LayerResult:
    """One protected layer measured against the boundary (metres, hectares).

    ``geometry`` is the layer's part inside the map window, ``overlap`` its intersection with
    the boundary (no_overlap layers), ``zone`` the area within ``min_distance_m`` of the layer
    inside the map window (min_distance layers); ``distance_m`` is None for a layer without
    features.
    """

    name: str
    rule: str
    min_distance_m: float | None
    geometry: shapely.Geometry
    overlap: shapely.Geometry
    zone: shapely.Geometry
    overlap_ha: float | None
    distance_m: float | None
    #: the layer's extent (its features' bounding box, grown by the search radius) reaches the
    #: boundary; a zoning layer of the site's own area surrounds it, so one whose every feature
    #: lies away on one side may be of another county (its "no overlap" then proves nothing)
    reaches_site: bool = True


def _ha(area_m2: float) -> float:
    return 0.0 if area_m2 < OVERLAP_NOISE_M2 else round(area_m2 / M2_PER_HA, 4)


def measure_layer(
    boundary: shapely.Geometry,
    name: str,
    rule: str,
    min_distance_m: float | None,
    geoms: np.ndarray,
    window: tuple[float, float, float, float],
) -> LayerResult:
    """Overlap (no_overlap layers) and nearest distance of one layer's features (metres)."""
    empty = shapely.Polygon()
    distance = float(np.min(shapely.distance(boundary, geoms))) if geoms.size else None
    near = shapely.union_all(shapely.clip_by_rect(geoms, *window)) if geoms.size else empty
    overlap, overlap_ha, zone = empty, None, empty
    if rule == "no_overlap":
        hits = geoms[shapely.intersects(boundary, geoms)] if geoms.size else geoms
        overlap = shapely.intersection(boundary, shapely.union_all(hits)) if hits.size else empty
        overlap_ha = _ha(float(shapely.area(overlap)))
    elif min_distance_m is not None and geoms.size:
        x0, y0, x1, y1 = window
        d = min_distance_m
        grown = shapely.clip_by_rect(geoms, x0 - d, y0 - d, x1 + d, y1 + d)
        zone = shapely.clip_by_rect(shapely.buffer(shapely.union_all(grown), d), *window)
    return LayerResult(
        name=name,
        rule=rule,
        min_distance_m=min_distance_m,
        geometry=near,
        overlap=overlap,
        zone=zone,
        overlap_ha=overlap_ha,
        distance_m=None if distance is None else round(distance, 2),
    )


def _m(x: float) -> str:
    return f"{x:,.0f} m"


def overlap_criterion(results: Sequence[LayerResult], crit: Any) -> dict[str, Any]:
    """``protected_overlap``: hectares of the boundary inside the no_overlap layers.

    The total counts ground covered by several layers once; the per-layer breakdown (in the
    explanation and ``details``) counts it for each layer.
    """
    layers = [r for r in results if r.rule == "no_overlap"]
    name, direction = "protected_overlap", crit.direction
    if not layers:
        return criterion(
            name,
            None,
            crit.threshold,
            direction,
            crit.hard,
            "Not assessed: the policy names no protected layer with rule = 'no_overlap' "
            "([[layers]] or --layers).",
            [],
        )
    total = _ha(float(shapely.area(shapely.union_all([r.overlap for r in layers]))))
    details = [
        {
            "layer": r.name,
            "overlap_ha": r.overlap_ha,
            "distance_m": r.distance_m,
            "reaches_site": r.reaches_site,
        }
        for r in layers
    ]
    parts = []
    for r in layers:
        where = (
            "no features"
            if r.distance_m is None
            else "overlaps"
            if r.overlap_ha
            else f"nearest {_m(r.distance_m)} away"
        )
        if not r.reaches_site:
            where += (
                "; the layer's extent does not reach the site: check that it is the layer of "
                "the site's own area, or its 'no overlap' proves nothing"
            )
        parts.append(f"{r.name} {r.overlap_ha:,.2f} ha ({where})")
    summed = sum(r.overlap_ha or 0.0 for r in layers)
    double = (
        " The layers overlap each other there, so the breakdown sums to more than the total."
        if summed > total + 1e-4
        else ""
    )
    head = (
        f"{total:,.2f} ha of the mining-right boundary lie inside protected no-overlap layers"
        if total > 0
        else "The mining-right boundary does not overlap any protected no-overlap layer"
    )
    return criterion(
        name,
        total,
        crit.threshold,
        direction,
        crit.hard,
        f"{head}: {'; '.join(parts)}.{double}",
        details,
    )


def distance_criterion(results: Sequence[LayerResult], crit: Any) -> dict[str, Any]:
    """``protected_distance``: the layer with the smallest distance margin decides.

    value = its distance to the boundary (m), threshold = its ``min_distance_m``.
    """
    layers = [r for r in results if r.rule == "min_distance"]
    name, direction = "protected_distance", crit.direction
    if not layers:
        return criterion(
            name,
            None,
            None,
            direction,
            crit.hard,
            "Not assessed: the policy names no protected layer with rule = 'min_distance' "
            "([[layers]] or --layers PATH:min_distance=M).",
            [],
        )
    details = []
    for r in layers:
        required = float(r.min_distance_m or 0.0)
        margin = None if r.distance_m is None else round(r.distance_m - required, 2)
        details.append(
            {
                "layer": r.name,
                "distance_m": r.distance_m,
                "min_distance_m": required,
                "margin_m": margin,
                "passed": None if margin is None else margin >= 0,
            }
        )
    measured = [d for d in details if d["margin_m"] is not None]
    if not measured:
        return criterion(
            name,
            None,
            None,
            direction,
            crit.hard,
            "Not assessed: the min_distance layers contain no features.",
            details,
        )
    worst = min(measured, key=lambda d: d["margin_m"])
    parts = [
        f"{d['layer']} {_m(d['distance_m'])} away (required {_m(d['min_distance_m'])})"
        if d["distance_m"] is not None
        else f"{d['layer']} has no features"
        for d in details
    ]
    return criterion(
        name,
        worst["distance_m"],
        worst["min_distance_m"],
        direction,
        crit.hard,
        f"Distances from the mining-right boundary: {'; '.join(parts)}. The layer with the "
        f"smallest margin decides: {worst['layer']}.",
        details,
    )


def area_criterion(area_ha: float, licensed_area_ha: float, crit: Any) -> dict[str, Any]:
    """``boundary_area``: |polygon area - licensed_area_ha| / licensed_area_ha."""
    rel = abs(area_ha - licensed_area_ha) / licensed_area_ha
    word = "larger" if area_ha > licensed_area_ha else "smaller"
    text = (
        f"The mining-right polygon covers {area_ha:,.2f} ha, {rel:.1%} {word} than "
        f"licensed_area_ha = {licensed_area_ha:,.2f} ha; the polygon is taken as the truth "
        "(licensed_area uses its area)."
    )
    if rel > crit.threshold:
        text += f" Correct [proposal] licensed_area_ha to {area_ha:,.2f} ha, or the boundary."
    details = {
        "boundary_area_ha": area_ha,
        "licensed_area_ha": licensed_area_ha,
        "relative_difference": rel,
    }
    return criterion("boundary_area", rel, crit.threshold, crit.direction, crit.hard, text, details)


