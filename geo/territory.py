"""Territory shapes: the buffered convex hull of a rep's points, as a GeoJSON Polygon, and
the pairwise overlap areas of a set of territories. Measured in metres (a local projection),
never in degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from geo.buildings import LocalProjection
from geo.latlon import LatLon

__all__ = ["Territories"]


class Territories:
    """Hull-and-buffer polygons of point sets in one city, and their overlaps.

    Parameters
    ----------
    groups : sequence of sequence of LatLon
        The points of each territory (WGS-84). An empty group has no polygon.
    buffer_m : float
        Metres added around each hull (a lone point becomes a disc of this radius).

    Notes
    -----
    Polygons are built in a :class:`LocalProjection` around the mean of all points, so
    areas are in square metres to well under 1 % at city scale.
    """

    __slots__ = ("_polygons", "_projection")

    def __init__(self, groups: Sequence[Sequence[LatLon]], buffer_m: float = 150.0) -> None:
        every = [p for g in groups for p in g]
        origin = (
            LatLon(float(np.mean([p.lat for p in every])), float(np.mean([p.lon for p in every])))
            if every
            else LatLon(0.0, 0.0)
        )
        self._projection = LocalProjection(origin)
        self._polygons: list[shapely.Polygon | None] = []
        for g in groups:
            if not g:
                self._polygons.append(None)
                continue
            xy = [self._projection.to_xy(p) for p in g]
            hull = shapely.MultiPoint(xy).convex_hull.buffer(buffer_m, quad_segs=4)
            self._polygons.append(hull)

    def area_km2(self, k: int) -> float:
        """Area of territory ``k`` in km² (0 when it has no points)."""
        polygon = self._polygons[k]
        return 0.0 if polygon is None else float(polygon.area) / 1e6

    def geojson(self, k: int) -> dict[str, Any] | None:
        """Territory ``k`` as an RFC 7946 Polygon (``[lon, lat]``, counter-clockwise)."""
        polygon = self._polygons[k]
        if polygon is None:
            return None
        ring = shapely.geometry.polygon.orient(polygon, sign=1.0).exterior.coords
        positions = []
        for x, y in ring:
            p = self._projection.to_latlon(x, y)
            positions.append([round(p.lon, 6), round(p.lat, 6)])
        positions[-1] = positions[0]
        return {"type": "Polygon", "coordinates": [positions]}

    def overlaps_km2(self, min_km2: float = 1e-4) -> list[tuple[int, int, float]]:
        """Every pair ``(a, b, km2)`` with ``a < b`` whose territories share more than
        ``min_km2``, largest first."""
        keep = [(k, p) for k, p in enumerate(self._polygons) if p is not None]
        if len(keep) < 2:
            return []
        tree = shapely.STRtree([p for _, p in keep])
        left, right = tree.query([p for _, p in keep], predicate="intersects")
        out = []
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a >= b:
                continue
            km2 = float(keep[a][1].intersection(keep[b][1]).area) / 1e6
            if km2 > min_km2:
                out.append((keep[a][0], keep[b][0], km2))
        out.sort(key=lambda t: (-t[2], t[0], t[1]))
        return out
