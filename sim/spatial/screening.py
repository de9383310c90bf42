"""Screening one application's boundary against the policy's protected layers.

The layers are read once per run (:func:`load_layers`) and indexed by their longitude/latitude
bounding boxes; each boundary is then projected, with the layer features near it, into a local
transverse Mercator CRS centred on the boundary (:func:`sim.spatial.geometry.local_crs`), where
overlaps (ha) and distances (m) are measured. Features far from the boundary are only
projected when no feature lies within the search radius (so the nearest distance is exact).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from sim.errors import InputError, did_you_mean
from sim.i18n import _
from sim.proposal import Layer
from sim.spatial import geometry as geo
from sim.spatial.corners import is_corner_table, read_corner_table
from sim.spatial.files import (
    POLYGONAL,
    WGS84,
    GeoFile,
    boundary_limits,
    read_geofile,
    to_crs,
)
from sim.spatial.result import NO_BOUNDARY, Screening, unscreened  # noqa: F401  (re-exported)

SEARCH_RADIUS_M = 10_000.0
"""Features within this distance (or 2x the largest min_distance_m) are projected first."""
MAP_MARGIN_M = 1_000.0
"""The map window extends the boundary by this (or 1.5x the largest min_distance_m)."""
FAR_M = 50_000.0
"""A layer whose nearest feature is farther than this gets a 'check the CRS' warning."""
MIN_DISTANCE_OPTION = "min_distance="


@dataclass(frozen=True)
class LayerSpec:
    """A protected layer: its file, its rule and where it was named (for messages)."""

    name: str
    path: Path
    rule: str
    min_distance_m: float | None = None
    where: str = ""


@dataclass(frozen=True)
class LoadedLayer:
    """A layer's geometries with a spatial index on their longitude/latitude boxes."""

    spec: LayerSpec
    file: GeoFile
    tree: shapely.STRtree


# ------------------------------------------------------------------------------------------
# layer specifications


def parse_layer_arg(text: str, origin: str = "layers") -> LayerSpec:
    """``PATH`` (rule no_overlap) or ``PATH:min_distance=METRES`` as a layer (path from cwd).

    ``origin`` names the option in messages (``--layers``).
    """
    path_text, rule, distance = text, "no_overlap", None
    head, sep, option = text.rpartition(":")
    if sep and (option.startswith(MIN_DISTANCE_OPTION) or option == "no_overlap"):
        path_text = head
        if option != "no_overlap":
            value = option[len(MIN_DISTANCE_OPTION) :]
            try:
                distance = float(value)
            except ValueError:
                distance = math.nan
            if not (math.isfinite(distance) and 0 < distance <= 100_000):
                raise InputError(
                    _(
                        "{origin} {text}: min_distance = {value}: must be a number of metres in "
                        "(0, 100000], e.g. 'railway.geojson:min_distance=1000'",
                        origin=origin, text=repr(text), value=repr(value),
                    )
                )
            rule = "min_distance"
    elif sep and "=" in option and "/" not in option:
        name = option.split("=")[0]
        raise InputError(
            _(
                "{origin} {text}: unknown layer option {name}; allowed: 'min_distance=METRES'",
                origin=origin, text=repr(text), name=repr(name),
            )
            + did_you_mean(name, ["min_distance"])
        )
    if not path_text:
        raise InputError(
            _(
                "{origin} {text}: expected PATH or PATH:min_distance=METRES",
                origin=origin, text=repr(text),
            )
        )
    path = Path(path_text).expanduser()
    if path.suffix.lower() == ".toml":
        raise InputError(
            _(
                "{origin} {text}: a .toml file is a proposal or policy, not a layer (put "
                "{origin} after the proposal files)",
                origin=origin, text=repr(text),
            )
        )
    return LayerSpec(path.stem, path, rule, distance, f"{origin} {path_text!r}")


def layer_specs(policy: Any, extra: Iterable[Any] = ()) -> list[LayerSpec]:
    """The policy's ``[[layers]]`` (paths relative to the policy file) and the extra layers.

    ``extra`` items are :class:`LayerSpec`, :class:`sim.proposal.Layer` or path strings in the
    ``--layers`` syntax; the extra files must exist.
    """
    source = policy.source_path or "<policy>"
    specs = [
        LayerSpec(
            layer.name,
            policy.resolve_path(layer.path),
            layer.rule,
            layer.min_distance_m,
            f"{source}: [[layers]] #{i + 1} path = {layer.path!r}",
        )
        for i, layer in enumerate(policy.layers)
    ]
    problems = []
    for item in extra:
        if isinstance(item, LayerSpec):
            spec = item
        elif isinstance(item, Layer):
            where = f"layers {item.path!r}"
            spec = LayerSpec(item.name, Path(item.path), item.rule, item.min_distance_m, where)
        elif isinstance(item, str | os.PathLike):
            spec = parse_layer_arg(os.fspath(item))
        else:
            raise TypeError(f"a layer must be a path, a LayerSpec or a Layer, got {item!r}")
        if not spec.path.is_file():
            problems.append(
                _("{where}: file not found (looked for {path})", where=spec.where, path=spec.path)
            )
        specs.append(spec)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return specs


def _found(types: dict[str, list[int]]) -> str:
    """Geometry types found, each with its first feature: ``LineString (feature #2)``."""
    return _(", ").join(_("{type} (feature #{n})", type=t, n=n[0]) for t, n in types.items())


TypeCheck = Callable[[dict[str, list[int]]], None]


def _layer_types(spec: LayerSpec, where: str) -> TypeCheck:
    """Refuse lines and points in a no_overlap layer (their overlap area is always 0)."""

    def check(types: dict[str, list[int]]) -> None:
        if spec.rule != "no_overlap":
            return
        other = {t: n for t, n in types.items() if t not in POLYGONAL}
        if other:
            raise InputError(
                _(
                    "{where}: a no_overlap layer must hold polygons, found {found}; for lines "
                    "and points use rule = 'min_distance' with min_distance_m (on the command "
                    "line PATH:min_distance=METRES)",
                    where=where, found=_found(other),
                )
            )

    return check


def load_layers(specs: Sequence[LayerSpec], spatial: Any) -> list[LoadedLayer]:
    """Read every layer (all files are checked before one InputError lists every problem)."""
    loaded, problems = [], []
    for spec in specs:
        try:
            f = read_geofile(
                spec.path,
                spec.where,
                default_crs=spatial.default_crs,
                repair=spatial.repair_invalid,
                check_types=_layer_types(spec, spec.where),
                polygonal_only=spec.rule == "no_overlap",
            )
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if f.geometries.size == 0:
            empty = _("{where}: the layer holds no features; it constrains nothing", where=f.where)
            f = dataclasses.replace(f, warnings=(*f.warnings, empty))
        loaded.append(LoadedLayer(spec, f, shapely.STRtree(f.lonlat)))
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return loaded


# ------------------------------------------------------------------------------------------
# the boundary


def _boundary_types(where: str) -> TypeCheck:
    """Refuse a boundary that is not polygonal."""

    def check(types: dict[str, list[int]]) -> None:
        other = {t: n for t, n in types.items() if t not in POLYGONAL}
        if other:
            raise InputError(
                _(
                    "{where}: the mining-right boundary must be a Polygon or MultiPolygon, found "
                    "{found}",
                    where=where, found=_found(other),
                )
            )

    return check


def read_boundary(proposal: Any, spatial: Any) -> GeoFile:
    """A proposal's boundary file, checked to hold (possibly repaired) polygons with an area."""
    source = proposal.source_path or f"<proposal {proposal.id}>"
    where = f"{source}: [location] boundary = {proposal.location.boundary!r}"
    path = proposal.boundary_path()
    corners = is_corner_table(path)  # 拐点坐标 tables
    read = read_corner_table if corners else read_geofile
    extra = {"central_meridian_deg": proposal.location.central_meridian_deg} if corners else {}
    f = read(
        path,
        where,
        **extra,
        default_crs=spatial.default_crs,
        repair=spatial.repair_invalid,
        check_types=_boundary_types(where),
        polygonal_only=True,
        limits=boundary_limits(proposal.application_folder()),
    )
    if f.geometries.size == 0:
        raise InputError(
            _(
                "{where}: the file holds no geometry (no features, or only null/empty ones); "
                "the mining-right boundary must be a Polygon or MultiPolygon",
                where=where,
            )
        )
    polygon = shapely.union_all(f.geometries)
    if polygon.is_empty or polygon.area <= 0:
        raise InputError(
            _(
                "{where}: the mining-right boundary has no area (a degenerate polygon)",
                where=where,
            )
        )
    return f


# ------------------------------------------------------------------------------------------
# screening


def _project(lonlat: np.ndarray, to_local: Transformer) -> np.ndarray:
    """Densified lon/lat geometries (:attr:`GeoFile.lonlat`) in the local CRS (metres)."""
    out = to_crs(lonlat, to_local)
    bad = ~shapely.is_valid(out)
    if bad.any():  # reprojection may pinch a nearly-touching ring: repair quietly
        out[bad] = shapely.make_valid(out[bad])
    return out


def _lonlat_window(lonlat: shapely.Geometry, radius_m: float) -> shapely.Geometry:
    """A lon/lat box holding every point within ``radius_m`` of the geometry (conservative)."""
    x0, y0, x1, y1 = lonlat.bounds
    dlat = radius_m / 110_000.0  # a degree of latitude is >= 110.57 km
    far_lat = min(89.0, max(abs(y0), abs(y1)) + dlat)
    dlon = min(180.0, radius_m / (111_000.0 * math.cos(math.radians(far_lat))))
    return shapely.box(x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)


def _measure(
    layer: LoadedLayer,
    boundary_m: shapely.Geometry,
    boundary_lonlat: shapely.Geometry,
    to_local: Transformer,
    radius_m: float,
    window: tuple[float, float, float, float],
) -> geo.LayerResult:
    spec, f = layer.spec, layer.file
    near = layer.tree.query(_lonlat_window(boundary_lonlat, radius_m))
    chosen = f.lonlat[np.sort(near)] if near.size else f.lonlat
    try:
        result = geo.measure_layer(
            boundary_m,
            spec.name,
            spec.rule,
            spec.min_distance_m,
            _project(chosen, to_local),
            window,
        )
        if near.size and near.size < f.geometries.size and (result.distance_m or 0) > radius_m:
            result = geo.measure_layer(  # nothing within the radius: measure every feature
                boundary_m,
                spec.name,
                spec.rule,
                spec.min_distance_m,
                _project(f.lonlat, to_local),
                window,
            )
        if f.geometries.size:
            extent = shapely.box(*shapely.total_bounds(f.lonlat))
            reaches = bool(_lonlat_window(extent, radius_m).intersects(boundary_lonlat))
            result = dataclasses.replace(result, reaches_site=reaches)
    except ValueError:
        raise InputError(
            _(
                "{where}: the layer cannot be projected around the boundary (coordinates "
                "outside the valid area of a CRS): check the CRS of the layer and of the "
                "boundary",
                where=spec.where,
            )
        ) from None
    return result


def stated_area_m2(f: GeoFile, boundary_m: Any) -> float:
    """The boundary's area as its licence states it [m²]: in the grid of a Gauss-Kruger CRS
    (transverse Mercator of scale 1 on its central meridian, metres: CGCS2000's, in which a
    licence's area is computed from its corner coordinates, so a pit designed to fill it is
    compared with the same number; on the ground the area differs by the projection's scale,
    1e-4 at 64 km from the central meridian), else on the ground (``boundary_m``, in the local
    projection; UTM's 0.9996 and Web Mercator's grids are not areas any licence states)."""
    op = f.crs.coordinate_operation if f.crs is not None and f.crs.is_projected else None
    gauss_kruger = (
        op is not None
        and "Transverse Mercator" in op.method_name
        and all((a.unit_name or "").lower() in ("metre", "meter") for a in f.crs.axis_info)
        and any(
            p.name == "Scale factor at natural origin" and abs(p.value - 1.0) < 1e-12
            for p in op.params
        )
    )
    if gauss_kruger:
        return float(shapely.union_all(f.geometries).area)
    return float(boundary_m.area)


def screen(
    proposal: Any,
    policy: Any,
    extra_layers: Iterable[Any] = (),
    *,
    layers: Sequence[LoadedLayer] | None = None,
) -> Screening:
    """Screen one proposal's boundary against the policy's (and the extra) protected layers.

    ``layers`` are already loaded layers (:func:`load_layers`); when None they are read from
    the policy and ``extra_layers``. Raises :class:`InputError` for bad files or geometry.
    """
    crit = policy.criteria
    if proposal.location is None:
        return unscreened(policy)
    if layers is None:
        layers = load_layers(layer_specs(policy, extra_layers), policy.spatial)
    f = read_boundary(proposal, policy.spatial)
    boundary_lonlat = shapely.union_all(f.lonlat)
    centre = boundary_lonlat.centroid
    local = geo.local_crs(centre.x, centre.y)
    to_local = Transformer.from_crs(WGS84, local, always_xy=True)
    try:
        boundary_m = shapely.union_all(_project(f.lonlat, to_local))
    except ValueError:
        raise InputError(
            _(
                "{where}: the boundary cannot be projected (coordinates outside the valid area "
                "of its CRS): check the file's CRS",
                where=f.where,
            )
        ) from None
    area_ha = round(stated_area_m2(f, boundary_m) / geo.M2_PER_HA, 4)

    widest = max((lay.spec.min_distance_m or 0.0 for lay in layers), default=0.0)
    radius = max(SEARCH_RADIUS_M, 2.0 * widest)
    margin = max(MAP_MARGIN_M, 1.5 * widest)
    x0, y0, x1, y1 = boundary_m.bounds
    window = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    results = tuple(
        _measure(lay, boundary_m, boundary_lonlat, to_local, radius, window) for lay in layers
    )
    notes = list(f.warnings)
    for lay in layers:
        notes.extend(lay.file.warnings)
    for r in results:
        if r.distance_m is not None and r.distance_m > FAR_M:
            notes.append(
                _(
                    "Layer {name} lies {km} km from the boundary: check that it covers the "
                    "application's area and that both files' CRS are right.",
                    name=repr(r.name), km=f"{r.distance_m / 1000:,.0f}",
                )
            )
    criteria = [
        geo.overlap_criterion(results, crit.protected_overlap),
        geo.distance_criterion(results, crit.protected_distance),
        geo.area_criterion(area_ha, proposal.proposal.licensed_area_ha, crit.boundary_area),
    ]
    corners = _corners_m(f, local)
    return Screening(criteria, area_ha, tuple(notes), local, boundary_m, results, window, corners)


#: a boundary drawn from a geometry file has its corners numbered on the map up to this many
#: (a digitised outline of hundreds of vertices is not a licence's 拐点 table)
MAX_NUMBERED_CORNERS = 40


def _corners_m(f: GeoFile, local: Any) -> tuple[tuple[str, float, float], ...]:
    """The boundary's corner points in the local projection (m): as its corner table names
    them, or, for a single polygon of at most :data:`MAX_NUMBERED_CORNERS` corners, numbered
    from 1 along its ring (as a licence numbers its 拐点); else none."""
    corners = f.corners
    if not corners and f.geometries.size == 1:
        geom = f.geometries[0]
        if shapely.get_type_id(geom) == 3 and not shapely.get_num_interior_rings(geom):
            ring = np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(geom)))[:-1]
            if 3 <= len(ring) <= MAX_NUMBERED_CORNERS:
                corners = tuple((str(i), x, y) for i, (x, y) in enumerate(ring.tolist(), 1))
    if not corners:
        return ()
    to_local = Transformer.from_crs(f.crs, local, always_xy=True)
    x, y = to_local.transform([c[1] for c in corners], [c[2] for c in corners])
    xs, ys = np.atleast_1d(x).tolist(), np.atleast_1d(y).tolist()
    return tuple((c[0], a, b) for c, a, b in zip(corners, xs, ys, strict=True))


def screen_proposals(
    proposals: Sequence[Any], policy: Any, extra_layers: Iterable[Any] = ()
) -> list[Screening]:
    """Screen every proposal, reading the layers once; one InputError lists every problem."""
    specs = layer_specs(policy, extra_layers)
    needed = any(p.location is not None for p in proposals)
    layers = load_layers(specs, policy.spatial) if needed else []
    out, problems = [], []
    for p in proposals:
        try:
            out.append(screen(p, policy, layers=layers))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError("\n".join(problems), problems=problems)
    return out
