"""Reading boundary and layer files: format, coordinate reference system and geometry checks.

Files are read with pyogrio (GDAL), but only the three documented formats, recognised by their
suffix *and* their first bytes before GDAL opens them (so a ``.vrt``, a ``.zip``, or a GeoJSON
that is really an OGR VRT naming ``/vsicurl/http://...`` is refused, and GDAL's network access is
switched off): GeoJSON (``.geojson``/``.json``, a JSON object), Shapefile (``.shp`` with its
sidecars) and GeoPackage (``.gpkg``, an SQLite file). Every file GDAL may open must be a regular
file (no FIFO or device) within a size limit; a boundary is also limited in vertices (as read
and after densifying), and a file with several layers is refused, naming them, since it is
ambiguous which one holds the boundary. Geometries become shapely 2 arrays in the file's own CRS,
2-D, without null or empty features.

The CRS of a file is, in this order:

1. the CRS the file states (a Shapefile's ``.prj``, a GeoPackage layer's SRS, a GeoJSON
   ``crs`` member);
2. for a GeoJSON without a ``crs`` member whose coordinates are valid longitudes/latitudes,
   WGS 84 (RFC 7946 defines GeoJSON as WGS 84 lon/lat);
3. the policy's ``[spatial] default_crs``;
4. otherwise the file is refused.

Coordinates in a geographic CRS must be longitudes in [-180, 180] and latitudes in [-90, 90];
latitude-first files (a "latitude" above 90 with every "longitude" within ±90) are refused as
swapped. Invalid geometries (self-intersections, ...) are repaired with ``shapely.make_valid``
and a warning, or refused when the policy says ``repair_invalid = false``. Every problem raises
:class:`sim.errors.InputError` naming the file.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio.raw import read as ogr_read
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from sim import safeio
from sim.errors import InputError
from sim.i18n import N_, _, gettext

SUPPORTED = N_("GeoJSON (.geojson), Shapefile (.shp) or GeoPackage (.gpkg)")


#: suffix -> (GDAL driver, test of the file's first bytes, what the bytes should be)
def _json_object(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


FORMATS: dict[str, tuple[str, Callable[[bytes], bool], str]] = {
    ".geojson": ("GeoJSON", _json_object, N_("a JSON object")),
    ".json": ("GeoJSON", _json_object, N_("a JSON object")),
    ".shp": ("ESRI Shapefile", lambda b: b[:4] == b"\x00\x00\x27\x0a", N_("a Shapefile header")),
    ".gpkg": ("GPKG", lambda b: b[:16] == b"SQLite format 3\x00", N_("an SQLite database")),
}
#: GDAL configuration for every read: no network access of any kind
GDAL_CONFIG = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".restoresim-no-network",
    # any HTTP(S) request GDAL might still make goes to a proxy that does not exist
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on one file: bytes of each file GDAL may open, vertices, number of layers."""

    max_bytes: int
    max_vertices: int | None = None
    single_layer: bool = False
    folder: Path | None = None
    """When given, every file read must lie inside this folder (after following links)."""


def boundary_limits(folder: Path | None = None) -> Limits:
    """The limits of an applicant's boundary file (:mod:`sim.safeio`), inside ``folder``."""
    return Limits(
        safeio.MAX_BOUNDARY_BYTES, safeio.MAX_BOUNDARY_VERTICES, single_layer=True, folder=folder
    )


def layer_limits() -> Limits:
    """The limits of a reviewer's layer file."""
    return Limits(safeio.MAX_LAYER_BYTES)


def parts_of(path: Path) -> list[Path]:
    """The files GDAL reads for ``path``: itself and, for a Shapefile, its sidecar files."""
    if path.suffix.lower() != ".shp":
        return [path]
    stem = path.name[: -len(path.suffix)]
    try:
        siblings = sorted(p for p in path.parent.iterdir() if p.name.startswith(stem + "."))
    except OSError:
        siblings = []
    return [path, *(p for p in siblings if p != path and "." not in p.name[len(stem) + 1 :])]


def check_file(path: Path, where: str, limits: Limits) -> None:
    """Refuse a file GDAL should not open: wrong format, not regular, too large, outside
    ``limits.folder`` (when given), or, for a Shapefile, sidecars that are any of these."""
    folder = limits.folder
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None or str(path).startswith("/vsi"):
        raise InputError(
            _(
                "{where}: unsupported file type {suffix}; expected {supported} (archives, VRT "
                "and other GDAL formats are not read)",
                where=where, suffix=repr(path.suffix) if path.suffix else _("(no suffix)"),
                supported=gettext(SUPPORTED),
            )
        )
    for part in parts_of(path):
        if folder is not None and not safeio.inside(part, folder):
            raise InputError(
                _(
                    "{where}: {name} lies outside the application's folder {folder} (after "
                    "following links); the boundary must be a file inside the application's "
                    "folder",
                    where=where, name=part.name, folder=folder,
                )
            )
        shown = where if part == path else f"{where} ({part.name})"
        if safeio.regular_file_size(part, shown, limits.max_bytes) == 0 and part == path:
            raise InputError(_("{where}: the file is empty", where=where))
    head = safeio.read_head(path, where)
    if not fmt[1](head):
        raise InputError(
            _(
                "{where}: cannot read the file as {format}: a {suffix} file must begin with "
                "{begin} (expected {supported})",
                where=where, format=fmt[0], suffix=path.suffix, begin=gettext(fmt[2]),
                supported=gettext(SUPPORTED),
            )
        )


WGS84 = CRS("EPSG:4326")
SAME_AS_WGS84 = ("World Geodetic System 1984", "China 2000")
"""Datums taken as WGS 84: CGCS2000 (China 2000) coincides with it to a few centimetres."""
POLYGONAL = ("Polygon", "MultiPolygon")
MAX_LISTED = 3  # invalid features named one by one in a warning or error


@dataclass(frozen=True)
class GeoFile:
    """The geometries of one file.

    ``geometries`` are in ``crs`` (the file's own, or the default it was read in); ``lonlat``
    are the same geometries in WGS 84 longitude/latitude (degrees), for indexing and for
    choosing the local projection.
    """

    where: str
    geometries: np.ndarray
    lonlat: np.ndarray
    """Densified (see :func:`densify`), so reprojecting them keeps the file's straight edges."""
    crs: CRS
    warnings: tuple[str, ...]
    corners: tuple[tuple[str, float, float], ...] = ()
    """The corner points as a corner table names them (拐点 J1, J2 …), in ``crs`` (easting,
    northing): what the screening map labels; empty for other files."""


def _read_raw(
    path: Path, where: str, limits: Limits
) -> tuple[np.ndarray, str | None, bool, list[str]]:
    """(geometries, CRS text or None, whether the file states its CRS, warnings) of the first
    layer of a file; every check of :func:`check_file` first."""
    check_file(path, where, limits)
    driver = FORMATS[path.suffix.lower()][0]
    explicit = driver != "GeoJSON" or _geojson_states_crs(path, where, limits)
    notes: list[str] = []
    pyogrio.set_gdal_config_options(GDAL_CONFIG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layers = pyogrio.list_layers(path)
            info = pyogrio.read_info(path)
        except (RuntimeError, OSError, ValueError) as exc:
            raise InputError(
                _(
                    "{where}: cannot read the file as {supported}: {why}",
                    where=where, supported=gettext(SUPPORTED), why=_gdal_text(exc, path),
                )
            ) from None
        if limits.single_layer and len(layers) > 1:
            names = ", ".join(repr(str(n)) for n in layers[:, 0])
            raise InputError(
                _(
                    "{where}: the file holds {n} layers ({names}); a boundary file must hold one "
                    "layer, since it is ambiguous which one is the boundary",
                    where=where, n=len(layers), names=names,
                )
            )
        if info.get("driver") != driver:
            raise InputError(
                _(
                    "{where}: GDAL reads the file as {read}, not as {driver}; expected "
                    "{supported}",
                    where=where, read=info.get("driver"), driver=driver,
                    supported=gettext(SUPPORTED),
                )
            )
        try:
            _meta, _fids, wkb, _fields = ogr_read(path, columns=[])
        except (RuntimeError, OSError, ValueError) as exc:
            raise InputError(
                _(
                    "{where}: cannot read the file as {supported}: {why}",
                    where=where, supported=gettext(SUPPORTED), why=_gdal_text(exc, path),
                )
            ) from None
    notes += [f"{where}: {w.message}" for w in caught]
    if len(layers) > 1:
        names = ", ".join(repr(str(n)) for n in layers[:, 0])
        notes.append(
            _(
                "{where}: the file holds {n} layers ({names}); only the first, {first}, is used",
                where=where, n=len(layers), names=names, first=repr(str(layers[0, 0])),
            )
        )
    if wkb is None:
        raise InputError(
            _(
                "{where}: the file has no geometry (expected {supported})",
                where=where, supported=gettext(SUPPORTED),
            )
        )
    try:
        geoms = shapely.from_wkb(wkb)
    except shapely.errors.ShapelyError as exc:
        raise InputError(_("{where}: unreadable geometry: {why}", where=where, why=exc)) from None
    if limits.max_vertices is not None:
        n = int(np.sum(shapely.get_num_coordinates(geoms)))
        if n > limits.max_vertices:
            raise InputError(
                _(
                    "{where}: the geometry has {n} vertices, more than the {limit} vertices "
                    "allowed for a boundary; simplify it",
                    where=where, n=f"{n:,}", limit=f"{limits.max_vertices:,}",
                )
            )
    return np.asarray(geoms, dtype=object), info.get("crs"), explicit, notes


def _gdal_text(exc: Exception, path: Path) -> str:
    """GDAL's message without the path and its hint about driver prefixes."""
    text = str(exc).split("; It might help", 1)[0].replace(str(path), "").strip(" '\":;.")
    if "not recognized as" in text:
        return _("not a recognised format, or a damaged file")
    return text or type(exc).__name__


_LINK_CRS = re.compile(rb'"type"\s*:\s*"link"', re.IGNORECASE)


def _geojson_states_crs(path: Path, where: str, limits: Limits) -> bool:
    """Whether a GeoJSON file states its CRS (a ``crs`` member). A ``link`` CRS (a URL or a
    file named by ``href``, which GDAL would fetch or read) is refused before GDAL opens it."""
    data = safeio.read_limited(path, where, limits.max_bytes)
    if _LINK_CRS.search(data):
        raise InputError(
            _(
                '{where}: the GeoJSON names its CRS by a link ("type": "link", a URL or another '
                "file), which is not read; state the CRS by name, e.g. {example}",
                where=where,
                example='"crs": {"type": "name", "properties": {"name": "EPSG:4490"}}',
            )
        )
    return b'"crs"' in data


def _is_lonlat(bounds: np.ndarray) -> bool:
    x0, y0, x1, y1 = bounds
    return -180.0 <= x0 and x1 <= 180.0 and -90.0 <= y0 and y1 <= 90.0


def _looks_swapped(bounds: np.ndarray) -> bool:
    x0, y0, x1, y1 = bounds
    return -90.0 <= x0 and x1 <= 90.0 and -180.0 <= y0 and y1 <= 180.0 and max(-y0, y1) > 90.0


def _swapped_message(where: str, bounds: np.ndarray) -> str:
    x0, y0, x1, y1 = bounds
    return _(
        "{where}: longitude and latitude look swapped: the first coordinate (x) lies in "
        "[{x0:.4f}, {x1:.4f}] and the second (y) in [{y0:.4f}, {y1:.4f}], but a latitude must "
        "lie in [-90, 90]. GeoJSON, Shapefile and GeoPackage store longitude first "
        "(x = longitude, y = latitude): swap the two coordinates of every point",
        where=where, x0=x0, x1=x1, y0=y0, y1=y1,
    )


def _resolve_crs(
    where: str, stated: str | None, explicit: bool, bounds: np.ndarray, default_crs: str | None
) -> tuple[CRS, list[str]]:
    """The CRS to read the coordinates in (rules 1-4 of the module docstring)."""
    finite = bool(np.all(np.isfinite(bounds)))
    if stated is not None and explicit:
        try:
            crs = CRS.from_user_input(stated)
        except CRSError as exc:
            raise InputError(
                _("{where}: the file's CRS is not understood ({why})", where=where, why=exc)
            ) from None
        return crs, []
    if stated is not None and finite and _is_lonlat(bounds):  # GeoJSON without a crs member
        return CRS.from_user_input(stated), []
    if stated is not None and finite and _looks_swapped(bounds):
        raise InputError(_swapped_message(where, bounds))
    if default_crs is not None:
        note = _(
            "{where}: the file states no CRS; read in the policy's [spatial] default_crs = "
            "{crs}",
            where=where, crs=repr(default_crs),
        )
        return CRS.from_user_input(default_crs), [note]
    if stated is not None:
        x0, y0, x1, y1 = bounds
        raise InputError(
            _(
                "{where}: coordinates x in [{x0:.6g}, {x1:.6g}], y in [{y0:.6g}, {y1:.6g}] are "
                "not longitudes/latitudes, and the GeoJSON has no 'crs' member (GeoJSON without "
                "one is WGS 84 lon/lat, RFC 7946): add a crs member, reproject the file to "
                "lon/lat, or set [spatial] default_crs in the policy",
                where=where, x0=x0, x1=x1, y0=y0, y1=y1,
            )
        )
    raise InputError(
        _(
            "{where}: the file has no coordinate reference system (e.g. a Shapefile without its "
            ".prj): add one, or set [spatial] default_crs in the policy (e.g. 'EPSG:4490' for "
            "CGCS2000 longitude/latitude)",
            where=where,
        )
    )


def _extent_text(bounds: np.ndarray) -> str:
    x0, y0, x1, y1 = bounds
    return f"x in [{x0:.6g}, {x1:.6g}], y in [{y0:.6g}, {y1:.6g}]"


def _check_coordinates(
    where: str, crs: CRS, bounds: np.ndarray, *, from_default: bool = False
) -> None:
    if not np.all(np.isfinite(bounds)):
        raise InputError(
            _("{where}: coordinates are not finite numbers (NaN or infinity)", where=where)
        )
    if crs.is_geographic and not _is_lonlat(bounds):
        if _looks_swapped(bounds):
            raise InputError(_swapped_message(where, bounds))
        x0, y0, x1, y1 = bounds
        raise InputError(
            _(
                "{where}: coordinates x in [{x0:.6g}, {x1:.6g}], y in [{y0:.6g}, {y1:.6g}] are "
                "not longitudes/latitudes although the CRS {crs} is geographic; the file is "
                "probably in a projected CRS (metres): {fix}",
                where=where, x0=x0, x1=x1, y0=y0, y1=y1, crs=_crs_name(crs),
                fix=_(
                    "the file states no CRS and the policy's [spatial] default_crs was assumed; "
                    "state the file's CRS in it (or correct default_crs)"
                )
                if from_default
                else _("correct the CRS it states"),
            )
        )


def _crs_name(crs: CRS) -> str:
    auth = crs.to_authority()
    return f"{crs.name} ({':'.join(auth)})" if auth else repr(crs.name)


def to_crs(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    """Geometries transformed vertex by vertex (``always_xy`` transformers); NaN/inf refused."""

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        out = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
        if not np.all(np.isfinite(out)):
            raise ValueError("coordinates outside the valid area of the CRS")
        return out

    return np.asarray(shapely.transform(geoms, apply), dtype=object)


def to_wgs84(crs: CRS) -> tuple[Transformer, str | None]:
    """A transformer from ``crs`` to WGS 84 longitude/latitude, and a note on the datum shift.

    WGS 84- and CGCS2000-based CRSs are only unprojected (their datums coincide to a few cm; this
    avoids PROJ's slow search for a shift). Other datums use PROJ's best transformation; when
    PROJ knows none (a "ballpark" shift, e.g. Beijing 1954 or Xian 1980), the note says so.
    """
    geodetic = crs.geodetic_crs
    datum = geodetic.datum.name if geodetic is not None and geodetic.datum is not None else ""
    if geodetic is not None and any(name in datum for name in SAME_AS_WGS84):
        return Transformer.from_crs(crs, geodetic, always_xy=True), None
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    if "ballpark" in transformer.description.lower():
        return transformer, _(
            "PROJ knows no datum shift from {datum} to WGS 84, so positions may be off by up to "
            "~100 m against files in other datums (exact against files in the same datum)",
            datum=datum or _crs_name(crs),
        )
    return transformer, None


def densify(geoms: np.ndarray, crs: CRS, max_vertices: int | None = None) -> np.ndarray:
    """Edges split so that they stay straight lines *of the file's CRS* after reprojection.

    Segments are at most 0.001° (about 100 m) in a geographic CRS, 100 CRS units otherwise.
    With ``max_vertices``, geometries that would exceed it are refused (ValueError) before any
    vertex is made.
    """
    step = 1e-3 if crs.is_geographic else 100.0
    if max_vertices is not None:
        total = float(np.sum(shapely.length(geoms))) / step + float(
            np.sum(shapely.get_num_coordinates(geoms))
        )
        if not total <= max_vertices:
            raise OverflowError(f"{total:,.0f}")
    return np.asarray(shapely.segmentize(geoms, step), dtype=object)


def _repair(
    where: str, geoms: np.ndarray, repair: bool, polygonal_only: bool
) -> tuple[np.ndarray, list[str]]:
    """Invalid geometries repaired (with a warning) or refused."""
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if invalid.size == 0:
        return geoms, []
    reasons = [
        _("feature #{n}: {reason}", n=i + 1, reason=_invalid_reason(geoms[i])) for i in invalid
    ]
    listed = _("; ").join(reasons[:MAX_LISTED]) + (
        _("; and {n} more", n=len(reasons) - MAX_LISTED) if len(reasons) > MAX_LISTED else ""
    )
    if not repair:
        raise InputError(
            _(
                "{where}: {n} geometries are not valid ({listed}; coordinates in the file's CRS): "
                "fix the geometry, or set [spatial] repair_invalid = true in the policy to "
                "repair it automatically",
                where=where, n=invalid.size, listed=listed,
            )
            if invalid.size > 1
            else _(
                "{where}: a geometry is not valid ({listed}; coordinates in the file's CRS): "
                "fix the geometry, or set [spatial] repair_invalid = true in the policy to "
                "repair it automatically",
                where=where, listed=listed,
            )
        )
    fixed = geoms.copy()
    fixed[invalid] = shapely.make_valid(geoms[invalid])
    if polygonal_only:
        fixed[invalid] = [_polygonal_part(g) for g in fixed[invalid]]
    what = (
        _("a geometry is")
        if invalid.size == 1
        else _("{n} geometries are", n=invalid.size)
    )
    note = _(
        "{where}: {what} not valid ({listed}; coordinates in the file's CRS); repaired with "
        "shapely.make_valid, which splits self-intersecting rings into valid parts. Check "
        "the repaired shape",
        where=where, what=what, listed=listed,
    )
    return fixed, [note]


#: shapely's (GEOS's) reasons a geometry is invalid, for the catalogue
_INVALID_REASONS = frozenset(
    {
        N_("Self-intersection"),
        N_("Ring Self-intersection"),
        N_("Too few points in geometry component"),
        N_("Hole lies outside shell"),
        N_("Interior is disconnected"),
        N_("Nested shells"),
        N_("Nested holes"),
        N_("Invalid Coordinate"),
        N_("Duplicate Rings"),
        N_("Ring is not closed"),
    }
)


def _invalid_reason(geom: shapely.Geometry) -> str:
    """shapely's reason ``geom`` is invalid in the current language, its location kept."""
    reason = shapely.is_valid_reason(geom)
    name, bracket, where = reason.partition("[")
    name = name.strip()
    return f"{gettext(name)}{bracket}{where}" if name in _INVALID_REASONS else reason


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a geometry (a repaired polygon may carry collapsed lines or points)."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _types(geoms: np.ndarray) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, g in enumerate(geoms):
        out.setdefault(g.geom_type, []).append(i + 1)
    return out


def read_geofile(
    path: Path,
    where: str,
    *,
    default_crs: str | None,
    repair: bool,
    check_types: Callable[[dict[str, list[int]]], None] | None = None,
    polygonal_only: bool = False,
    limits: Limits | None = None,
) -> GeoFile:
    """Read, check and (if allowed) repair one file's geometries; see the module docstring.

    ``where`` names the file in messages (``"p.toml: [location] boundary = 'b.geojson'"``);
    ``check_types`` may refuse geometry types (it receives type -> 1-based feature numbers)
    before repairs; ``polygonal_only`` keeps only the polygons of repaired geometries;
    ``limits`` bound the file (default: a reviewer's layer file).
    """
    limits = limits or layer_limits()
    raw, stated, explicit, notes = _read_raw(path, where, limits)
    present = np.array([g is not None and not g.is_empty for g in raw], dtype=bool)
    geoms = np.asarray(shapely.force_2d(raw[present]), dtype=object) if present.any() else raw[:0]
    if geoms.size == 0:
        return GeoFile(where, geoms, geoms, WGS84, tuple(notes))
    if check_types is not None:
        check_types(_types(geoms))
    bounds = np.asarray(shapely.total_bounds(geoms), dtype=float)
    crs, crs_notes = _resolve_crs(where, stated, explicit, bounds, default_crs)
    _check_coordinates(where, crs, bounds, from_default=bool(crs_notes))
    geoms, repaired = _repair(where, geoms, repair, polygonal_only)
    transformer, datum_note = to_wgs84(crs)
    try:
        dense = densify(geoms, crs, limits.max_vertices)
    except OverflowError as exc:
        raise InputError(
            _(
                "{where}: the geometry spans {extent} in {crs}; measuring it would take {n} "
                "vertices (more than the {limit} allowed): a mining-right boundary spans a few "
                "kilometres, check its coordinates and CRS",
                where=where, extent=_extent_text(bounds), crs=_crs_name(crs), n=exc.args[0],
                limit=f"{limits.max_vertices:,}",
            )
        ) from None
    try:
        lonlat = to_crs(dense, transformer)
    except ValueError:
        raise InputError(
            _(
                "{where}: coordinates cannot be transformed from {crs} to longitude/latitude "
                "(they lie outside the area where that CRS is defined): check the file's CRS",
                where=where, crs=_crs_name(crs),
            )
        ) from None
    notes += crs_notes + repaired + _area_of_use_note(where, crs, lonlat)
    if datum_note:
        notes.append(f"{where}: {datum_note}")
    return GeoFile(where, geoms, lonlat, crs, tuple(notes))


def _area_of_use_note(where: str, crs: CRS, lonlat: np.ndarray) -> list[str]:
    """A warning when a projected file lies far outside its CRS's area of use."""
    area = crs.area_of_use
    if crs.is_geographic or area is None:
        return []
    x0, y0, x1, y1 = shapely.total_bounds(lonlat)
    margin = 1.0  # degrees
    if (
        x1 < area.west - margin
        or x0 > area.east + margin
        or y1 < area.south - margin
        or y0 > area.north + margin
    ):
        return [
            _(
                "{where}: the geometries lie at longitude {x0:.3f}..{x1:.3f}, latitude "
                "{y0:.3f}..{y1:.3f}, outside the area of use of {crs} ({area}): check the "
                "file's CRS and its axis order",
                where=where, x0=x0, x1=x1, y0=y0, y1=y1, crs=_crs_name(crs), area=area.name,
            )
        ]
    return []
