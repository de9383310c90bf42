"""Spatial screening: the mining-right boundary against protected layers (model.md §8).

The application gives its boundary (``[location] boundary``); the policy gives the protected
layers (``[[layers]]``: ``no_overlap``, or ``min_distance`` with ``min_distance_m``), and more
may be added per run (``sim.evaluate(layers=...)``, ``restoresim evaluate --layers``). Three
criteria result:

- ``protected_overlap`` (hard): hectares of the boundary inside the no_overlap layers (ground
  covered by several layers counted once), with the breakdown by layer in ``details``;
- ``protected_distance`` (hard): the smallest distance (m) to a min_distance layer against that
  layer's required distance (the layer with the smallest margin decides), every layer in
  ``details``;
- ``boundary_area`` (soft): |polygon area - licensed_area_ha| / licensed_area_ha against 0.05.
  The polygon is the truth: ``licensed_area`` then compares the P90 pit with its area.

**CRS approach.** Files may be in any CRS pyproj knows (WGS 84 or CGCS2000 longitude/latitude,
Gauss-Kruger, UTM, ...). Each boundary is measured in its own *local transverse Mercator*
projection: central meridian and origin at the boundary's centroid, scale factor 1, on WGS 84
(CGCS2000 coincides with WGS 84 to centimetres). Its scale error is (d/R)²/2 at a distance d
from the centre -- under 3e-6 within 15 km, 1e-4 within 90 km -- so areas and distances are
ground (ellipsoidal) values, the measure China's land surveys use, whatever the files' CRS.
A UTM zone would be simpler but is off by up to 0.04 % in scale at its central meridian and
0.1 % at its edges, and Web Mercator by 10-16 % in scale (21-34 % in area) across Hunan. Edges
are densified (≤ 100 m, or ≤ 0.001°) before reprojection so they stay straight in the file's CRS.

Reading and checks are in :mod:`sim.spatial.files`, pure computation in
:mod:`sim.spatial.geometry`, orchestration in :mod:`sim.spatial.screening`, the map in
:mod:`sim.spatial.figure`, the verdict's side in :mod:`sim.spatial.result`; the heavy modules
load on first use.
"""

from __future__ import annotations

from typing import Any

from sim.spatial.result import NO_BOUNDARY, Screening, criterion, unscreened

#: names loaded on first use, by module: shapely, pyproj and GDAL load only when a boundary or a
#: layer is read (an application without a boundary never needs them)
_LAZY = {
    "LayerResult": "sim.spatial.geometry",
    "local_crs": "sim.spatial.geometry",
    "LayerSpec": "sim.spatial.screening",
    "LoadedLayer": "sim.spatial.screening",
    "layer_specs": "sim.spatial.screening",
    "load_layers": "sim.spatial.screening",
    "parse_layer_arg": "sim.spatial.screening",
    "read_boundary": "sim.spatial.screening",
    "screen": "sim.spatial.screening",
    "screen_proposals": "sim.spatial.screening",
    "draw_map": "sim.spatial.figure",
}

__all__ = [
    "NO_BOUNDARY",
    "LayerResult",
    "LayerSpec",
    "LoadedLayer",
    "Screening",
    "criterion",
    "draw_map",
    "layer_specs",
    "load_layers",
    "local_crs",
    "parse_layer_arg",
    "read_boundary",
    "screen",
    "screen_proposals",
    "unscreened",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.spatial' has no attribute {name!r}")
