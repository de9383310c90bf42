"""Observed cover from imagery: NDVI or FVC GeoTIFFs reduced to the observation table.

A raster manifest is a CSV with the columns ``proposal_id, date, raster`` and optionally
``kind`` (``ndvi`` or ``fvc``, default ``ndvi``), ``areas`` (a polygon file of the restored land;
default the mine's ``[location] boundary``), ``area_class``, ``land_use`` and ``source``. Paths
are relative to the manifest and must stay inside its folder; only GeoTIFFs (``.tif``,
``.tiff``) are opened, never a GDAL virtual path.

Each raster becomes one observation: the mean fractional vegetation cover of the pixels whose
centres fall inside the polygons (zonal statistics, rioxarray). NDVI becomes cover by the
dimidiate pixel model, ``FVC = (NDVI - NDVI_soil) / (NDVI_veg - NDVI_soil)`` clipped to [0, 1],
the model of the Hunan mining-area cover studies the parameter library cites; its end-members
are the library's ``monitor.ndvi_soil`` and ``monitor.ndvi_vegetation`` unless given.
Rasters need the ``[monitor]`` extra (rioxarray, rasterio).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError, allowed_list, require_extra
from sim.i18n import N_, _
from sim.monitor.observations import (
    Observation,
    check_columns,
    class_and_use,
    parse_date,
    read_csv_rows,
)

REQUIRED = ("proposal_id", "date", "raster")
OPTIONAL = ("kind", "areas", "area_class", "land_use", "source")
KINDS = ("ndvi", "fvc")
#: the kinds as a Chinese manifest may name them
KIND_NAMES = {"归一化植被指数": "ndvi", "植被指数": "ndvi", "植被覆盖度": "fvc", "覆盖度": "fvc"}
RASTER_SUFFIXES = (".tif", ".tiff")
#: the largest raster read, in pixels (a 10 m scene of 60 km x 60 km); a mine is far smaller
MAX_PIXELS = 36_000_000


def fvc_from_ndvi(ndvi: np.ndarray, ndvi_soil: float, ndvi_vegetation: float) -> np.ndarray:
    """Fractional vegetation cover by the dimidiate pixel model, clipped to [0, 1].

    ``FVC = (NDVI - NDVI_soil) / (NDVI_veg - NDVI_soil)``: a pixel is a mix of bare ground
    (``ndvi_soil``) and full vegetation (``ndvi_vegetation``); NaN stays NaN.
    """
    if not ndvi_vegetation > ndvi_soil:
        raise InputError(
            _(
                "NDVI end-members: vegetation ({vegetation}) must exceed soil ({soil})",
                vegetation=ndvi_vegetation, soil=ndvi_soil,
            )
        )
    return np.clip((ndvi - ndvi_soil) / (ndvi_vegetation - ndvi_soil), 0.0, 1.0)


def is_manifest(header: list[str]) -> bool:
    """A table with a ``raster`` column is a raster manifest, not an observation table."""
    return "raster" in header


def _inside(folder: Path, manifest: Path, row: int, column: str, text: str) -> Path:
    """A path named in the manifest, refused unless it is a plain file inside its folder."""
    if not text:
        raise InputError(
            _(
                "{manifest}, row {row}: {column} is empty",
                manifest=manifest, row=row, column=column,
            )
        )
    if text.startswith("/vsi") or "://" in text:
        raise InputError(
            _(
                "{manifest}, row {row}: {column} = {text}: only local files inside the "
                "manifest's folder are read",
                manifest=manifest, row=row, column=column, text=repr(text),
            )
        )
    path = (folder / text).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise InputError(
            _(
                "{manifest}, row {row}: {column} = {text} lies outside the manifest's folder "
                "{folder}; copy the file there",
                manifest=manifest, row=row, column=column, text=repr(text), folder=folder,
            )
        )
    if not path.is_file():
        raise InputError(
            _(
                "{manifest}, row {row}: {column} = {text}: no such file",
                manifest=manifest, row=row, column=column, text=repr(text),
            )
        )
    return path


def _polygons_lonlat(
    areas: Path | None, boundary: Any, manifest: Path, row: int, spatial: Any
) -> Any:
    """The restored-area polygons (or the mine's boundary) as one lon/lat geometry."""
    import shapely

    from sim.spatial.files import read_geofile

    if areas is not None:
        f = read_geofile(
            areas,
            _("{manifest}, row {row}: areas", manifest=manifest, row=row),
            default_crs=spatial.default_crs,
            repair=spatial.repair_invalid,
            polygonal_only=True,
        )
        return shapely.union_all(f.lonlat)
    if boundary is None:
        raise InputError(
            _(
                "{manifest}, row {row}: no areas file and the proposal gives no boundary "
                "([location] boundary): name the restored-area polygons in an 'areas' column",
                manifest=manifest, row=row,
            )
        )
    return boundary


def clipped_pixels(raster: Path, geometry_lonlat: Any, where: str) -> np.ndarray:
    """The valid pixel values of the first band whose centres lie in the lon/lat geometry."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr
    from rioxarray.exceptions import NoDataInBounds

    with xr.open_dataarray(raster, engine="rasterio", mask_and_scale=True) as da:
        if da.size > MAX_PIXELS:
            raise InputError(
                _(
                    "{where}: {name} has {n} pixels (at most {limit}); clip it to the mine first",
                    where=where, name=raster.name, n=f"{da.size:,}", limit=f"{MAX_PIXELS:,}",
                )
            )
        if da.rio.crs is None:
            raise InputError(
                _(
                    "{where}: {name} states no coordinate reference system",
                    where=where, name=raster.name,
                )
            )
        band = da.isel(band=0) if "band" in da.dims else da
        try:
            clipped = band.rio.clip([geometry_lonlat], crs="EPSG:4326", all_touched=False)
        except NoDataInBounds:
            raise InputError(
                _(
                    "{where}: {name} does not cover the mine's polygons",
                    where=where, name=raster.name,
                )
            ) from None
        values = np.asarray(clipped.values, dtype=float)
    valid = values[np.isfinite(values)]
    if valid.size == 0:
        raise InputError(
            _(
                "{where}: {name} has no valid pixel inside the polygons",
                where=where, name=raster.name,
            )
        )
    return valid


def zonal_cover(
    raster: Path,
    geometry_lonlat: Any,
    where: str,
    kind: str,
    ndvi_soil: float,
    ndvi_vegetation: float,
) -> float:
    """Mean cover of the pixels inside the polygons; NDVI is converted pixel by pixel first
    (the dimidiate model is clipped, so converting the mean would differ)."""
    values = clipped_pixels(raster, geometry_lonlat, where)
    if kind == "ndvi":
        values = fvc_from_ndvi(values, ndvi_soil, ndvi_vegetation)
    elif values.min() < 0 or values.max() > 1:
        raise InputError(
            _(
                "{where}: {name}: FVC pixels outside [0, 1]; is it NDVI?",
                where=where, name=raster.name,
            )
        )
    return float(values.mean())


def read_manifest(
    path: str | Path,
    boundaries: Mapping[str, Any],
    ndvi_soil: float,
    ndvi_vegetation: float,
    spatial: Any,
) -> list[Observation]:
    """Reduce every raster of a manifest to an observation (zonal mean cover).

    ``boundaries`` maps proposal ids to their boundary as one lon/lat shapely geometry (or
    None); ``ndvi_soil``/``ndvi_vegetation`` are the dimidiate model's end-members; ``spatial``
    the policy's spatial settings (default CRS, repair of invalid polygons).
    """
    require_extra("monitor", ("rioxarray", "rasterio"), N_("cover from rasters"))
    path = Path(path)
    header, rows = read_csv_rows(path)
    check_columns(path, header, REQUIRED, OPTIONAL)
    folder = path.parent
    out = []
    for i, r in enumerate(rows, start=2):
        where = _("{path}, row {row}", path=path, row=i)
        pid = r["proposal_id"]
        if pid not in boundaries:
            raise InputError(
                _(
                    "{where}: proposal_id = {id} is none of the proposals given ({allowed})",
                    where=where, id=repr(pid), allowed=allowed_list(sorted(boundaries)),
                )
            )
        kind = r.get("kind") or "ndvi"
        kind = KIND_NAMES.get(kind, kind.lower() if kind.isascii() else kind)
        if kind not in KINDS:
            raise InputError(
                _(
                    "{where}: kind = {kind}: expected one of {allowed}",
                    where=where, kind=repr(kind), allowed=allowed_list(KINDS),
                )
            )
        raster = _inside(folder, path, i, "raster", r["raster"])
        if raster.suffix.lower() not in RASTER_SUFFIXES:
            raise InputError(
                _(
                    "{where}: raster = {raster}: expected a GeoTIFF ({allowed})",
                    where=where, raster=repr(r["raster"]), allowed=allowed_list(RASTER_SUFFIXES),
                )
            )
        areas = _inside(folder, path, i, "areas", r["areas"]) if r.get("areas") else None
        geom = _polygons_lonlat(areas, boundaries[pid], path, i, spatial)
        mean = zonal_cover(raster, geom, where, kind, ndvi_soil, ndvi_vegetation)
        area_class, land_use = class_and_use(path, i, r)
        out.append(
            Observation(
                proposal_id=pid,
                date=parse_date(path, i, "date", r["date"]),
                cover=round(mean, 4),
                area_class=area_class,
                land_use=land_use,
                source=r.get("source") or raster.name,
            )
        )
    return out
