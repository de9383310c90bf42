"""Synthetic supervision data: three approved mines, their observation table and NDVI rasters.

For the tests and notebook 04. Three copies of the packaged example application, started on
2024-03-01, each with a square boundary in Hunan, observed every August from the year after
restoration begins:

- ``HN-2024-S01`` tracks its projection (the approval projection's median cover);
- ``HN-2024-S02`` stalls: its cover stops at 0.12, as on unamended toxic spoil;
- ``HN-2024-S03`` follows its projection but for one drought year at 30 % of its cover (a
  first-year drought left under 30 % of a Hunan quarry's trees alive, real-cases.md §3).

:func:`write_sites` writes the proposals, boundaries, the observation table and, with
``rasters=True``, one NDVI GeoTIFF per observation (a checkerboard of two NDVI values whose
mean cover is the table's) and a raster manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

START = dt.date(2024, 3, 1)
SITES = {"HN-2024-S01": "tracks", "HN-2024-S02": "stalls", "HN-2024-S03": "drought dip"}
#: observation years (from the start) and the drought year of the dip site
OBS_YEARS = tuple(range(3, 10))
DROUGHT_YEAR = 6
STALL_COVER = 0.12
#: the dip site's cover in its drought year, as a share of the projected median
DROUGHT_COVER_FACTOR = 0.3
#: lon/lat of the sites' south-west corners (central Hunan) and the boundary's side (degrees)
CORNERS = {
    "HN-2024-S01": (111.50, 27.20),
    "HN-2024-S02": (111.60, 27.20),
    "HN-2024-S03": (111.70, 27.20),
}
SIDE_DEG = 0.004  # about 400 m x 445 m


@dataclass(frozen=True)
class SyntheticSites:
    """Paths of what :func:`write_sites` wrote."""

    proposals: list[Path]
    observations: Path
    manifest: Path | None


def site_cover(kind: str, median: np.ndarray) -> dict[int, float]:
    """Observed cover by year of a site of ``kind`` given its projected median by year."""
    out = {}
    for t in OBS_YEARS:
        c = float(median[t])
        if kind == "stalls":
            c = min(c, STALL_COVER)
        elif kind == "drought dip" and t == DROUGHT_YEAR:
            c = DROUGHT_COVER_FACTOR * c
        out[t] = round(c, 4)
    return out


def _proposal_toml(pid: str, boundary: str) -> str:
    from sim.examples import example_path

    text = example_path().read_text("utf-8")
    data = tomllib.loads(text)
    text = text.replace(f'id = "{data["proposal"]["id"]}"', f'id = "{pid}"', 1)
    text = text.replace(
        f'name = "{data["proposal"]["name"]}"',
        f'name = "Synthetic supervised quarry ({SITES[pid]})"\nstart_date = "{START}"',
        1,
    )
    return text + f'\n[location]\nboundary = "{boundary}"\n'


def _square(lon: float, lat: float) -> dict:
    ring = [
        [lon, lat],
        [lon + SIDE_DEG, lat],
        [lon + SIDE_DEG, lat + SIDE_DEG],
        [lon, lat + SIDE_DEG],
        [lon, lat],
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def write_ndvi_raster(
    path: Path, lon: float, lat: float, cover: float, soil: float, vegetation: float
) -> None:
    """A GeoTIFF (lon/lat, 0.0001° pixels) around a site whose NDVI is a checkerboard of two
    values with mean cover ``cover`` under the dimidiate model (end-members soil, vegetation)."""
    import rasterio
    from rasterio.transform import Affine

    spread = min(0.1, cover, 1.0 - cover)
    n = round(SIDE_DEG * 1.5 / 1e-4)
    checker = (np.add.outer(np.arange(n), np.arange(n)) % 2) * 2 - 1  # +1 / -1
    fvc = cover + spread * checker
    ndvi = (soil + fvc * (vegetation - soil)).astype("float32")
    west, north = lon - SIDE_DEG * 0.25, lat + SIDE_DEG * 1.25
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=n,
        width=n,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(1e-4, 0.0, west, 0.0, -1e-4, north),
        nodata=np.nan,
    ) as dst:
        dst.write(ndvi, 1)


def write_sites(
    folder: str | Path, *, draws: int = 300, seed: int = 0, rasters: bool = False
) -> SyntheticSites:
    """Write the three synthetic sites into ``folder`` (see the module docstring)."""
    import sim
    from sim.monitor import settings_with, update
    from sim.params import load_library

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    settings = settings_with()
    policy = sim.load_policy()
    paths, rows, manifest = [], [], []
    for pid, kind in SITES.items():
        boundary = f"{pid}-boundary.geojson"
        (folder / boundary).write_text(json.dumps(_square(*CORNERS[pid])), encoding="utf-8")
        path = folder / f"{pid}.toml"
        path.write_text(_proposal_toml(pid, boundary), encoding="utf-8")
        paths.append(path)
        proposal = sim.load_proposal(path)
        proj = update.project(
            proposal, policy, load_library(), draws, seed, settings["monitor.site_rate_sd_log"]
        )
        median = update.fan(proj, "site", (0.5,))[0]
        for t, cover in site_cover(kind, median).items():
            date = dt.date(START.year + t, 8, 15)
            rows.append(f"{pid},{date},{cover},synthetic {kind}")
            if rasters:
                tif = f"{pid}-{date}.tif"
                write_ndvi_raster(
                    folder / tif,
                    *CORNERS[pid],
                    cover,
                    settings["monitor.ndvi_soil"],
                    settings["monitor.ndvi_vegetation"],
                )
                manifest.append(f"{pid},{date},{tif},ndvi")
    obs = folder / "observations.csv"
    obs.write_text("proposal_id,date,cover,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    man = None
    if rasters:
        man = folder / "rasters.csv"
        man.write_text(
            "proposal_id,date,raster,kind\n" + "\n".join(manifest) + "\n", encoding="utf-8"
        )
    return SyntheticSites(paths, obs, man)
