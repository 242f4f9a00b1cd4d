"""Distances between points: the haversine great circle (the contract's metric), its
vectorised matrix, and the WGS-84 ellipsoidal geodesic for single precise pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from geo.latlon import LatLon

__all__ = ["EARTH_RADIUS_KM", "geodesic_km", "haversine_km", "haversine_matrix_km"]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), in km: the sphere every straight-line distance uses."""


def haversine_km(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in km on the sphere of radius :data:`EARTH_RADIUS_KM`.

    The formula is the checker's, operation for operation, so both agree to the bit.

    Parameters
    ----------
    a, b : LatLon
        The two points (any one CRS; the travel model passes WGS-84).

    Returns
    -------
    float
        The distance in kilometres.
    """
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def _radians(points: Sequence[LatLon]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lat = np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points))
    lon = np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points))
    return np.radians(lat), np.radians(lon)


def haversine_matrix_km(
    a: Sequence[LatLon], b: Sequence[LatLon] | None = None
) -> npt.NDArray[np.float64]:
    """All great-circle distances from ``a`` to ``b`` in km, vectorised with numpy.

    Parameters
    ----------
    a : sequence of LatLon
        The row points.
    b : sequence of LatLon, optional
        The column points; ``a`` itself when omitted.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(len(a), len(b))``; entry ``[i, j]`` equals
        ``haversine_km(a[i], b[j])`` to within floating-point rounding (~1e-12 km).
    """
    la1, lo1 = _radians(a)
    la2, lo2 = (la1, lo1) if b is None else _radians(b)
    dlat = la2[np.newaxis, :] - la1[:, np.newaxis]
    dlon = lo2[np.newaxis, :] - lo1[:, np.newaxis]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(la1)[:, np.newaxis] * np.cos(la2)[np.newaxis, :] * np.sin(dlon / 2) ** 2
    )
    out: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))
    return out


def geodesic_km(a: LatLon, b: LatLon) -> float:
    """Shortest distance on the WGS-84 ellipsoid in km (Karney's method, via geopy).

    Up to about 0.5 % from :func:`haversine_km`; use it where precision matters, never
    where the contract says "great-circle distance".

    Parameters
    ----------
    a, b : LatLon
        The two points, in WGS-84.

    Returns
    -------
    float
        The geodesic distance in kilometres.
    """
    # imported here, not at the top: geopy's package imports its geocoders and with them
    # requests and urllib3 (~0.2 s), which every `ironroute plan` paid for this one function
    from geopy.distance import geodesic

    return float(geodesic((a.lat, a.lon), (b.lat, b.lon)).km)
