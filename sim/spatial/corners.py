"""Mining-right boundaries as they are issued: a corner-coordinate table (拐点坐标).

A mining-right notice or licence gives its area as a table of corner points (点号, X, Y) in
CGCS2000 Gauss–Krüger coordinates: **X is the northing and Y the easting** (the surveying
convention), Y usually carrying the zone number in front (``Y = 38512345.67``: zone 38, easting
512,345.67 m). The table may be a CSV or TXT file (comma, tab, space or '，' separated; UTF-8,
UTF-8 with BOM or GB18030) or the first sheet of an XLSX workbook, with or without a header row.

The CRS is found from the zone prefix: zones 25–45 are 3° zones (EPSG:4513–4533, "CGCS2000 /
3-degree Gauss-Kruger zone N"), zones 13–23 are 6° zones (EPSG:4491–4501); the two ranges do not
overlap in China. Without a prefix (Y below 1,000,000) the zone cannot be known from the numbers:
the application names the table's central meridian (``[location] central_meridian_deg = 111``,
as the table's heading states it: 中央经线 111°), else the policy's ``[spatial] default_crs`` must
name a projected CRS (e.g. ``EPSG:4546``, 3° CM 111°E; the CM-only codes are EPSG:4534–4554 for
3° and 4502–4512 for 6° zones), else the file is refused.

The points are screened like any boundary: at least three distinct corners; the ring is closed if
the table does not repeat the first point; a ring listed clockwise (as Chinese tables usually
are) is accepted and stored counter-clockwise; a self-intersecting ring (corners out of order) is
repaired with a warning or refused, as the policy's ``[spatial] repair_invalid`` says. The result
is a :class:`sim.spatial.files.GeoFile`, so the boundary is screened exactly as a GeoJSON one.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import ProjError

from sim.errors import InputError
from sim.i18n import N_, _
from sim.quantities import HALF_WIDTH
from sim.spatial.files import GeoFile, _repair, densify, to_crs, to_wgs84
from sim.textfiles import decode

__all__ = ["SUFFIXES", "gauss_kruger_crs", "is_corner_table", "read_corner_table"]

SUFFIXES = (".csv", ".txt", ".xlsx")
NORTHING_M = (1.5e6, 6.0e6)  # China lies between about 18°N and 54°N
ZONES_3 = (25, 45)
ZONES_6 = (13, 23)
_SPLIT = re.compile(r"[,\t;，；\s]+")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?$")
_LABEL = re.compile(r"(?<![A-Za-z0-9])[XYxy]\s*[=:]\s*(?=[+-]?\d)")


def is_corner_table(path: Path) -> bool:
    """Whether a boundary file is read as a corner-coordinate table (by its suffix)."""
    return path.suffix.lower() in SUFFIXES


def _rows(path: Path, where: str) -> list[list[str]]:
    if not path.is_file():
        raise InputError(
            _("{where}: file not found (looked for {path})", where=where, path=path)
        )
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(
                _("{where}: cannot read the workbook ({why})", where=where, why=type(exc).__name__)
            ) from None
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return [[c.translate(HALF_WIDTH) for c in r if c] for r in rows]
    text, _encoding = decode(path.read_bytes(), where, N_("corner table"))
    text = text.translate(HALF_WIDTH)  # ３４３７１７４．６５ typed with a Chinese input method
    text = _LABEL.sub(" ", text)  # "J1 X=3437174.65 Y=38383678.71", as a licence lists them
    return [[c for c in _SPLIT.split(line.strip()) if c] for line in text.splitlines()]


def _coordinate(cell: str) -> bool:
    """Whether a cell is a coordinate (metres: 10 km or more), not a point name such as 12."""
    return bool(_NUMBER.match(cell)) and abs(float(cell)) >= 1e4


def _groups(cells: list[str]) -> list[list[str]] | None:
    """The 'point, X, Y' groups of a row that holds several side by side (a table printed in
    two or three blocks to fit the page, copied line by line), or None for any other row."""
    if len(cells) < 6 or len(cells) % 3:
        return None
    groups = [cells[i : i + 3] for i in range(0, len(cells), 3)]
    if all(_coordinate(g[1]) and _coordinate(g[2]) and not _coordinate(g[0]) for g in groups):
        return groups
    return None


def _points(
    rows: list[list[str]], where: str
) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Point names, X (northing) and Y (easting) of the numeric rows, and notes; text rows are
    skipped. A table printed in blocks side by side is read block by block (the left block top
    to bottom, then the next), the order its point numbers run in."""
    blocks: list[list[tuple[str, float, float]]] = [[]]
    for n, row in enumerate(rows, start=1):
        cells = [c.replace("，", "") for c in row]
        numeric = [c for c in cells if _NUMBER.match(c)]
        groups = _groups(cells)
        if groups is not None:
            while len(blocks) < len(groups):
                blocks.append([])
            for block, (name, x, y) in zip(blocks, groups, strict=False):
                block.append((name, float(x), float(y)))
            continue
        if (
            len(cells) >= 3
            and _NUMBER.match(cells[-1])
            and _NUMBER.match(cells[-2])
            and not any(_coordinate(c) for c in cells[:-2])
        ):
            name = " ".join(cells[:-2])
        elif len(cells) == 2 and len(numeric) == 2:
            name = str(sum(map(len, blocks)) + 1)
        else:
            if (len(numeric) >= 2 and blocks[0]) or sum(map(_coordinate, cells)) >= 3:
                raise InputError(
                    _(
                        "{where}: line {n} {row}: expected 'point, X, Y' or 'X, Y'",
                        where=where, n=n, row=repr(" ".join(row)),
                    )
                )
            continue  # a header or a title line
        blocks[0].append((name, float(cells[-2]), float(cells[-1])))
    points = [p for block in blocks for p in block]
    if not points:
        raise InputError(
            _(
                "{where}: no corner coordinates found; expected rows 'point, X, Y' (X northing, "
                "Y easting, metres, CGCS2000 Gauss-Kruger)",
                where=where,
            )
        )
    notes = []
    if len(blocks) > 1:
        notes.append(
            _(
                "{where}: the table prints {k} blocks of points side by side; read block by "
                "block, in the order {names}",
                where=where, k=len(blocks), names=", ".join(p[0] for p in points),
            )
        )
    names = [p[0] for p in points]
    return names, np.array([p[1] for p in points]), np.array([p[2] for p in points]), notes


#: EPSG code of the CGCS2000 3° Gauss-Kruger CRS of central meridian 75°E without a zone
#: prefix ("CGCS2000 / 3-degree Gauss-Kruger CM 75E"); one code per 3° up to 135°E (4554). A
#: 6° zone's meridian is one of these and its coordinates without prefix are the same
CM_CODE_75E = 4534


def meridian_crs(central_meridian_deg: float) -> CRS:
    """CGCS2000 Gauss-Kruger CRS (no zone prefix) of a central meridian, 75-135 °E by 3°."""
    return CRS.from_epsg(CM_CODE_75E + round((central_meridian_deg - 75.0) / 3.0))


def gauss_kruger_crs(
    x: np.ndarray,
    y: np.ndarray,
    where: str,
    default_crs: str | None,
    central_meridian_deg: float | None = None,
) -> tuple[CRS, np.ndarray, np.ndarray, list[str]]:
    """The CRS of corner coordinates and their (northing, easting), swapped if given the other
    way round; see the module docstring. Without a zone prefix, the application's central
    meridian (``[location] central_meridian_deg``) names the projection, else the policy's
    ``default_crs`` (which must be projected)."""
    notes: list[str] = []
    lo, hi = NORTHING_M
    if np.all(x >= 1e7) and np.all((y >= lo) & (y <= hi)):
        x, y = y, x
        notes.append(
            _(
                "{where}: the first coordinate column carries the zone prefix, so it is the "
                "easting; the columns were read as Y, X (in CGCS2000 Gauss-Kruger tables X is "
                "the northing and Y the easting)",
                where=where,
            )
        )
    if not np.all((x >= lo) & (x <= hi)):
        raise InputError(
            _(
                "{where}: X in [{x0:,.2f}, {x1:,.2f}] is not a northing in China "
                "({lo:,.0f}-{hi:,.0f} m): X must be the northing and Y the easting, in metres of "
                "CGCS2000 Gauss-Kruger (longitude/latitude tables are not supported: use "
                "GeoJSON)",
                where=where, x0=x.min(), x1=x.max(), lo=lo, hi=hi,
            )
        )
    if np.all(y >= 1e7):
        zones = np.unique(np.floor(y / 1e6).astype(int))
        if zones.size > 1:
            raise InputError(
                _(
                    "{where}: the Y coordinates carry different zone prefixes {zones}",
                    where=where, zones=zones.tolist(),
                )
            )
        zone = int(zones[0])
        if ZONES_3[0] <= zone <= ZONES_3[1]:
            code, kind = 4513 + zone - ZONES_3[0], "3°"
        elif ZONES_6[0] <= zone <= ZONES_6[1]:
            code, kind = 4491 + zone - ZONES_6[0], "6°"
        else:
            raise InputError(
                _(
                    "{where}: Y = {y:,.2f} has zone prefix {zone}, not a CGCS2000 Gauss-Kruger "
                    "zone of China (3° zones {a3}-{b3}, 6° zones {a6}-{b6})",
                    where=where, y=y[0], zone=zone, a3=ZONES_3[0], b3=ZONES_3[1],
                    a6=ZONES_6[0], b6=ZONES_6[1],
                )
            )
        easting = y - zone * 1e6
        if not np.all((easting > 0) & (easting < 1e6)):
            raise InputError(
                _(
                    "{where}: Y without its zone prefix is not an easting (0-1,000,000)",
                    where=where,
                )
            )
        notes.append(
            _(
                "{where}: CGCS2000 {kind} Gauss-Kruger zone {zone} (EPSG:{code}), from Y",
                where=where, kind=kind, zone=zone, code=code,
            )
        )
        return CRS.from_epsg(code), x, y, notes
    if np.any(y >= 1e6) or np.any(y <= 0):
        raise InputError(
            _(
                "{where}: Y in [{y0:,.2f}, {y1:,.2f}] is neither an easting with its zone "
                "prefix (e.g. 38512345.67) nor one without (0-1,000,000)",
                where=where, y0=y.min(), y1=y.max(),
            )
        )
    if central_meridian_deg is not None:
        crs = meridian_crs(central_meridian_deg)
        notes.append(
            _(
                "{where}: CGCS2000 Gauss-Kruger, central meridian {cm:g}°E (EPSG:{code}), from "
                "[location] central_meridian_deg",
                where=where, cm=central_meridian_deg, code=crs.to_epsg(),
            )
        )
        return crs, x, y, notes
    if default_crs is None:
        raise InputError(
            _(
                "{where}: the Y coordinates carry no zone prefix, so the Gauss-Kruger zone is "
                "unknown: write Y with its zone number (e.g. 38512345.67), give the table's "
                "central meridian ([location] central_meridian_deg = 111), or set [spatial] "
                "default_crs in the policy to the zone's CRS (e.g. 'EPSG:4546' for the 3° zone "
                "of central meridian 111°E, EPSG:4534-4554 for 3° zones, 4502-4512 for 6° zones)",
                where=where,
            )
        )
    crs = CRS.from_user_input(default_crs)
    if not crs.is_projected:
        raise InputError(
            _(
                "{where}: the Y coordinates carry no zone prefix, and the policy's [spatial] "
                "default_crs ({crs}) is longitude/latitude, which a table in metres cannot be: "
                "write Y with its zone number (e.g. 38512345.67), or give the table's central "
                "meridian ([location] central_meridian_deg = 111)",
                where=where, crs=default_crs,
            )
        )
    return crs, x, y, notes


def read_corner_table(
    path: Path,
    where: str,
    *,
    default_crs: str | None,
    repair: bool,
    central_meridian_deg: float | None = None,
    **_ignored: object,
) -> GeoFile:
    """The boundary polygon of a corner-coordinate table, as :func:`read_geofile` gives a file."""
    names, x, y, read_notes = _points(_rows(path, where), where)
    crs, x, y, notes = gauss_kruger_crs(x, y, where, default_crs, central_meridian_deg)
    notes = read_notes + notes
    xy = np.column_stack([y, x])  # easting, northing
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
        xy, names = xy[:-1], names[:-1]
    distinct = np.unique(xy, axis=0)
    if len(distinct) < 3:
        raise InputError(
            _(
                "{where}: {n} distinct corner points; a boundary needs at least 3",
                where=where, n=len(distinct),
            )
        )
    ring = shapely.Polygon(xy)
    if shapely.is_valid(ring) and not ring.exterior.is_ccw:
        ring = shapely.Polygon(xy[::-1])  # stored counter-clockwise, as GeoJSON prefers
    geoms, repaired = _repair(where, np.array([ring], dtype=object), repair, True)
    if shapely.area(geoms[0]) <= 0:
        raise InputError(_("{where}: the corner points enclose no area", where=where))
    try:
        transformer, datum_note = to_wgs84(crs)
        lonlat = to_crs(densify(geoms, crs), transformer)
    except (ValueError, ProjError):
        raise InputError(
            _(
                "{where}: the corner coordinates lie outside the area of {crs}",
                where=where, crs=crs.name,
            )
        ) from None
    notes += repaired
    if datum_note:
        notes.append(f"{where}: {datum_note}")
    corners = tuple((str(n), float(e), float(nth)) for n, (e, nth) in zip(names, xy, strict=True))
    return GeoFile(where, geoms, lonlat, crs, tuple(notes), corners)
