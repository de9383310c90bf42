"""The screening map: boundary, protected layers, overlaps and distance zones, with a scale bar
and a north arrow.

Drawn in the screening's local transverse Mercator CRS (metres), whose central meridian runs
through the boundary, so grid north is true north at the boundary. Uses matplotlib's
object-oriented API only (no pyplot state): ``fig = draw_map(screening); fig.savefig(path)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from sim.fonts import figure_lang, font_rc
from sim.i18n import _, current_lang, use_lang
from sim.spatial.geometry import LayerResult
from sim.spatial.screening import Screening

LAYER_COLOURS = ("#4c9a2a", "#c9a227", "#2a6f9a", "#8e44ad", "#7f8c8d")


def _flatten(geom: shapely.Geometry) -> Iterator[shapely.Geometry]:
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) == 7:  # a nested GeometryCollection
            yield from _flatten(part)
        else:
            yield part


def _polygon_path(poly: shapely.Polygon) -> MplPath:
    rings = [np.asarray(poly.exterior.coords), *(np.asarray(r.coords) for r in poly.interiors)]
    codes = []
    for ring in rings:
        c = np.full(len(ring), MplPath.LINETO)
        c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
        codes.append(c)
    return MplPath(np.concatenate(rings), np.concatenate(codes))


def draw_geometry(
    ax: Axes, geom: shapely.Geometry | None, label: str | None = None, **style
) -> None:
    """Draw any shapely geometry (polygons filled, lines as lines, points as markers)."""
    if geom is None or geom.is_empty:
        return
    first = True
    for part in _flatten(geom):
        kind = part.geom_type
        kw = dict(style, label=label if first else None)
        if kind in ("Polygon", "MultiPolygon"):
            for poly in shapely.get_parts(part):
                ax.add_patch(PathPatch(_polygon_path(poly), **kw))
                kw["label"] = None
        elif kind in ("LineString", "LinearRing", "MultiLineString"):
            lw = kw.pop("linewidth", 2.0)
            colour = kw.pop("edgecolor", kw.pop("facecolor", "k"))
            for line in shapely.get_parts(part):
                xy = np.asarray(line.coords)
                ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=lw, label=kw.get("label"))
                kw["label"] = None
        else:
            xy = shapely.get_coordinates(part)
            colour = kw.get("edgecolor", kw.get("facecolor", "k"))
            ax.scatter(xy[:, 0], xy[:, 1], color=colour, marker="^", s=40, label=kw["label"])
        first = False


def _nice_length(span_m: float) -> float:
    """A 1-2-5 length of about a fifth of the span (m)."""
    raw = span_m / 5.0
    base = 10.0 ** math.floor(math.log10(raw))
    return max(m * base for m in (1.0, 2.0, 5.0) if m * base <= raw)


def _scale_bar(ax: Axes, window: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = window
    length = _nice_length(x1 - x0)
    h = 0.012 * (y1 - y0)
    bx, by = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor="k" if i == 0 else "w",
                edgecolor="k",
                linewidth=0.8,
            )
        )
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 2.2 * h, text, ha="center", va="bottom", fontsize=8)


def _north_arrow(ax: Axes, window: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = window
    size = 0.08 * (y1 - y0)
    x, y = x1 - 0.07 * (x1 - x0), y1 - 0.06 * (y1 - y0) - size
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            size,
            width=size * 0.12,
            head_width=size * 0.4,
            head_length=size * 0.4,
            length_includes_head=True,
            color="k",
        )
    )
    ax.text(x, y + size * 1.05, "N", ha="center", va="bottom", fontsize=10, fontweight="bold")


def _distance_line(ax: Axes, boundary: shapely.Geometry, r: LayerResult) -> None:
    """The shortest line from the boundary to a layer, labelled with its length (m)."""
    if r.geometry.is_empty or r.distance_m is None or r.distance_m <= 0:
        return
    line = shapely.shortest_line(boundary, r.geometry)
    if line is None or line.length > r.distance_m * 1.001 + 0.01:  # nearest part is off the map
        return
    (x0, y0), (x1, y1) = line.coords
    ax.annotate(
        "", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "<->", "color": "k", "linewidth": 0.8}
    )
    ax.text((x0 + x1) / 2, (y0 + y1) / 2, f" {r.distance_m:,.0f} m", fontsize=8, va="bottom")


def _corner_labels(ax: Axes, screening: Screening) -> None:
    """The licence's corner points, each named (J1 …) just outside the boundary, so the map
    can be read against the corner table (拐点坐标表)."""
    if not screening.corners or screening.boundary is None:
        return
    xy = np.array([(x, y) for _, x, y in screening.corners])
    centre = np.asarray(screening.boundary.centroid.coords[0])
    x0, y0, x1, y1 = screening.window or screening.boundary.bounds
    offset = 0.015 * max(x1 - x0, y1 - y0)
    ax.plot(xy[:, 0], xy[:, 1], "o", color="k", markersize=2.5, zorder=5)
    names = [c[0] for c in screening.corners]
    for name, point in zip(names, xy, strict=True):
        away = point - centre
        norm = float(np.hypot(*away)) or 1.0
        tx, ty = point + away / norm * offset
        ax.text(
            tx,
            ty,
            name,
            fontsize=7,
            ha="left" if away[0] >= 0 else "right",
            va="bottom" if away[1] >= 0 else "top",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.7, "lw": 0},
        )


def draw_map(screening: Screening, title: str | None = None) -> Figure:
    """A figure of the boundary, the layers near it, overlaps and min-distance zones.

    Text is in the current language (:func:`sim.i18n.use_lang`) and in a font with CJK glyphs,
    so Chinese layer names print (:mod:`sim.fonts`).
    """
    if screening.boundary is None or screening.window is None:
        raise ValueError("the screening has no boundary to map")
    lang = figure_lang(current_lang())
    with use_lang(lang), mpl.rc_context(font_rc(lang)):
        return _draw_map(screening, title)


def _draw_map(screening: Screening, title: str | None) -> Figure:
    fig = Figure(figsize=(7.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    for i, r in enumerate(screening.layers):
        colour = LAYER_COLOURS[i % len(LAYER_COLOURS)]
        if r.rule == "min_distance":
            draw_geometry(
                ax,
                r.zone,
                _(
                    "within {distance} m of {layer}",
                    distance=f"{r.min_distance_m:,.0f}",
                    layer=r.name,
                ),
                facecolor="#f39c12",
                alpha=0.18,
                edgecolor="#d35400",
                linestyle="--",
            )
            draw_geometry(ax, r.geometry, r.name, edgecolor=colour, facecolor=colour)
            _distance_line(ax, screening.boundary, r)
        else:
            draw_geometry(ax, r.geometry, r.name, facecolor=colour, alpha=0.35, edgecolor=colour)
        if r.overlap is not None and not r.overlap.is_empty:
            draw_geometry(
                ax,
                r.overlap,
                _("overlap with {layer} ({area} ha)", layer=r.name, area=f"{r.overlap_ha:,.2f}"),
                facecolor="#c0392b",
                edgecolor="#922b21",
                hatch="///",
                alpha=0.8,
            )
    draw_geometry(
        ax,
        screening.boundary,
        _("mining-right boundary ({area} ha)", area=f"{screening.boundary_area_ha:,.2f}"),
        facecolor="none",
        edgecolor="k",
        linewidth=2.0,
    )
    _corner_labels(ax, screening)
    x0, y0, x1, y1 = screening.window
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, screening.window)
    _north_arrow(ax, screening.window)
    ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    ax.set_title(title or _("Spatial screening"), fontsize=10)
    return fig
