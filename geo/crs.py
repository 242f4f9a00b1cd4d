"""China's coordinate reference systems: WGS-84, GCJ-02 (Amap, Tencent) and BD-09 (Baidu).

The formulas are the public ones, with the same constants as the independent checker
(``tools/check_plan.py``), so that both sides convert every point identically.
"""

from __future__ import annotations

import math
from enum import StrEnum

from geo.errors import InvalidCoordinates
from geo.latlon import LatLon

__all__ = [
    "CRS",
    "bd09_to_gcj02",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "to_wgs84",
    "wgs84_to_gcj02",
]

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_XP = math.pi * 3000.0 / 180.0  # BD-09's angular perturbation factor
_INVERSE_STEPS = 10  # fixed-point iterations of gcj02 -> wgs84, as the checker does
_INVERSE_TOL_DEG = 1e-12  # stop early below this change (about 0.1 micrometre)


class CRS(StrEnum):
    """A coordinate reference system a problem's coordinates may be given in."""

    WGS84 = "wgs84"
    """World Geodetic System 1984: GPS, OpenStreetMap, GeoJSON (RFC 7946)."""
    GCJ02 = "gcj02"
    """China's obfuscated GCJ-02 ("Mars coordinates"): Amap, Tencent, Google in China."""
    BD09 = "bd09"
    """Baidu's BD-09: GCJ-02 perturbed once more."""


def _crs(crs: CRS | str) -> CRS:
    try:
        return CRS(crs)
    except ValueError:
        names = ", ".join(c.value for c in CRS)
        raise InvalidCoordinates(f"crs must be one of {names}: {crs!r}") from None


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    """Return GCJ-02 ``(lat, lon)`` of a WGS-84 point (the checker's ``_wgs_to_gcj``)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )  # fmt: skip
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )  # fmt: skip
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (_A / sq * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def wgs84_to_gcj02(p: LatLon) -> LatLon:
    """Convert a WGS-84 point to GCJ-02.

    The transform is applied everywhere, also outside China (where Amap would leave a
    point unchanged), so that the result agrees with the checker for every input.

    Parameters
    ----------
    p : LatLon
        A point in WGS-84.

    Returns
    -------
    LatLon
        The same place in GCJ-02 (a few hundred metres away in China).

    Raises
    ------
    InvalidCoordinates
        If the shifted point leaves the valid range (possible only next to a pole or the
        antimeridian, far from China).
    """
    return LatLon(*_gcj_offset(p.lat, p.lon))


def gcj02_to_wgs84(p: LatLon) -> LatLon:
    """Convert a GCJ-02 point to WGS-84 by fixed-point iteration of the forward formula.

    At most ten iterations, stopping once a step moves less than 1e-12 degrees; inside
    China the round trip is exact to well under a millimetre. Applied everywhere, like
    :func:`wgs84_to_gcj02`.

    Parameters
    ----------
    p : LatLon
        A point in GCJ-02.

    Returns
    -------
    LatLon
        The same place in WGS-84.

    Raises
    ------
    InvalidCoordinates
        If the result leaves the valid range (only next to a pole or the antimeridian).
    """
    lat, lon = p.lat, p.lon
    wlat, wlon = lat, lon
    for _ in range(_INVERSE_STEPS):
        glat, glon = _gcj_offset(wlat, wlon)
        step_lat, step_lon = glat - lat, glon - lon
        wlat, wlon = wlat - step_lat, wlon - step_lon
        if abs(step_lat) < _INVERSE_TOL_DEG and abs(step_lon) < _INVERSE_TOL_DEG:
            break
    return LatLon(wlat, wlon)


def gcj02_to_bd09(p: LatLon) -> LatLon:
    """Convert a GCJ-02 point to Baidu's BD-09.

    Parameters
    ----------
    p : LatLon
        A point in GCJ-02.

    Returns
    -------
    LatLon
        The same place in BD-09.
    """
    x, y = p.lon, p.lat
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _BD_XP)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _BD_XP)
    return LatLon(z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065)


def bd09_to_gcj02(p: LatLon) -> LatLon:
    """Convert a BD-09 point to GCJ-02 with the public closed-form inverse.

    The formula is the checker's; it inverts :func:`gcj02_to_bd09` to within about
    0.25 m in China (it is not refined further, so that both sides agree exactly).

    Parameters
    ----------
    p : LatLon
        A point in BD-09.

    Returns
    -------
    LatLon
        The same place in GCJ-02.
    """
    x, y = p.lon - 0.0065, p.lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_XP)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_XP)
    return LatLon(z * math.sin(theta), z * math.cos(theta))


def to_wgs84(p: LatLon, crs: CRS | str) -> LatLon:
    """Convert a point given in ``crs`` to WGS-84.

    Parameters
    ----------
    p : LatLon
        The point, in ``crs``.
    crs : CRS or str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"``.

    Returns
    -------
    LatLon
        The point in WGS-84 (``p`` itself when ``crs`` is WGS-84).

    Raises
    ------
    InvalidCoordinates
        If ``crs`` is not a known system name.
    """
    system = _crs(crs)
    if system is CRS.GCJ02:
        return gcj02_to_wgs84(p)
    if system is CRS.BD09:
        return gcj02_to_wgs84(bd09_to_gcj02(p))
    return p


def from_wgs84(p: LatLon, crs: CRS | str) -> LatLon:
    """Convert a WGS-84 point to ``crs``.

    Parameters
    ----------
    p : LatLon
        The point, in WGS-84.
    crs : CRS or str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"``.

    Returns
    -------
    LatLon
        The point in ``crs`` (``p`` itself when ``crs`` is WGS-84).

    Raises
    ------
    InvalidCoordinates
        If ``crs`` is not a known system name.
    """
    system = _crs(crs)
    if system is CRS.GCJ02:
        return wgs84_to_gcj02(p)
    if system is CRS.BD09:
        return gcj02_to_bd09(wgs84_to_gcj02(p))
    return p
