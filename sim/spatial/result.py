"""What a spatial screening gives the verdict, without the geometry libraries.

The verdict-format builder (:func:`criterion`), the :class:`Screening` record and the screening
of an application without a boundary (:func:`unscreened`) live here, so that evaluating an
application that gives no boundary never imports shapely, pyproj or GDAL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import shapely
    from pyproj import CRS

    from sim.spatial.geometry import LayerResult

NO_BOUNDARY = "the application gives no mining-right boundary ([location] boundary)."


def criterion(
    name: str,
    value: float | None,
    threshold: float | None,
    direction: str,
    hard: bool,
    explanation: str,
    details: Any = None,
) -> dict[str, Any]:
    """One criterion in the verdict format; ``passed``/``margin`` are None when not assessed.

    A value or threshold that is not a finite number (NaN, infinity) never passes: ``passed`` is
    False and ``margin`` None, and the explanation says so.
    """
    if value is None or threshold is None:
        margin = passed = None
    elif not (math.isfinite(value) and math.isfinite(threshold)):
        margin, passed = None, False
        explanation = (
            f"{explanation} The value could not be computed as a finite number "
            f"({value!r} against {threshold!r}), so the criterion is not met."
        ).strip()
    else:
        margin = threshold - value if direction == "<=" else value - threshold
        passed = bool(margin >= 0)
    out: dict[str, Any] = {
        "name": name,
        "value": value,
        "threshold": threshold,
        "direction": direction,
        "margin": margin,
        "passed": passed,
        "hard": bool(hard),
        "explanation": explanation,
    }
    if details is not None:
        out["details"] = details
    return out


def unassessed(criteria: Any, reason: str) -> list[dict[str, Any]]:
    """The three spatial criteria, not assessed for ``reason``."""
    text = f"Not assessed: {reason}"
    out = []
    for name in ("protected_overlap", "protected_distance", "boundary_area"):
        c = getattr(criteria, name)
        threshold = getattr(c, "threshold", None)  # protected_distance: per layer
        out.append(criterion(name, None, threshold, c.direction, c.hard, text))
    return out


@dataclass(frozen=True)
class Screening:
    """The spatial screening of one application.

    ``criteria`` holds ``protected_overlap``, ``protected_distance`` and ``boundary_area`` in
    the verdict format; ``boundary_area_ha`` is the polygon's area as its licence states it
    (ha, None without a boundary; :func:`sim.spatial.screening.stated_area_m2`); ``warnings``
    are repairs and CRS notes for the verdict's notes. ``crs`` (the local projection),
    ``boundary``, ``layers``, ``window`` (xmin, ymin, xmax, ymax) and ``corners`` (name, x, y:
    the licence's corner points, named as its table names them or numbered along a single
    polygon's ring) in metres are what a map draws.
    """

    criteria: list[dict[str, Any]]
    boundary_area_ha: float | None = None
    warnings: tuple[str, ...] = ()
    crs: CRS | None = None
    boundary: shapely.Geometry | None = None
    layers: tuple[LayerResult, ...] = ()
    window: tuple[float, float, float, float] | None = None
    corners: tuple[tuple[str, float, float], ...] = ()

    def criterion(self, name: str) -> dict[str, Any]:
        """The criterion called ``name``."""
        return next(c for c in self.criteria if c["name"] == name)


def unscreened(policy: Any, reason: str = NO_BOUNDARY) -> Screening:
    """A screening whose three criteria are not assessed (``passed`` None) for ``reason``."""
    return Screening(unassessed(policy.criteria, reason))
