"""The one coordinate type of ironroute: a validated (latitude, longitude) pair.

geopy orders coordinates (lat, lon); GeoJSON and shapely order them [lon, lat]. Convert
only through :meth:`LatLon.as_lonlat` and :meth:`LatLon.from_lonlat`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

from geo.errors import InvalidCoordinates

__all__ = ["LatLon"]


def _coordinate(name: str, value: object, limit: float) -> float:
    """Return ``value`` as a float, or raise when it is not a finite number in range."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidCoordinates(f"{name} must be a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidCoordinates(f"{name} must be finite: {value!r}")
    if not -limit <= number <= limit:
        raise InvalidCoordinates(f"{name} must be within [-{limit:g}, {limit:g}]: {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class LatLon:
    """A point on the Earth in degrees, latitude first.

    The coordinate reference system is the caller's to track (see :class:`geo.CRS`);
    the type only guarantees that both numbers are finite and in range.

    Parameters
    ----------
    lat : float
        Latitude in degrees, within [-90, 90].
    lon : float
        Longitude in degrees, within [-180, 180].

    Raises
    ------
    InvalidCoordinates
        If either value is NaN, infinite, out of range, a bool or not a real number.
        Values are never normalised (no wrapping of longitudes).

    Examples
    --------
    >>> LatLon(39.9087, 116.3975).as_lonlat()
    (116.3975, 39.9087)
    """

    lat: float
    lon: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lat", _coordinate("lat", self.lat, 90.0))
        object.__setattr__(self, "lon", _coordinate("lon", self.lon, 180.0))

    def as_lonlat(self) -> tuple[float, float]:
        """Return ``(lon, lat)``: the order of GeoJSON positions and shapely points.

        Returns
        -------
        tuple of float
            Longitude, then latitude, in degrees.
        """
        return (self.lon, self.lat)

    @classmethod
    def from_lonlat(cls, pos: Sequence[float]) -> LatLon:
        """Build a point from a GeoJSON position ``[lon, lat]``.

        Parameters
        ----------
        pos : sequence of float
            Exactly two numbers, longitude first.

        Returns
        -------
        LatLon
            The same point, latitude first.

        Raises
        ------
        InvalidCoordinates
            If ``pos`` is not a two-number sequence or a value is invalid.
        """
        try:
            size = len(pos)
        except TypeError:
            size = -1
        if isinstance(pos, str | bytes | Mapping) or size != 2:
            raise InvalidCoordinates(f"a position is [lon, lat] (two numbers): {pos!r}")
        return cls(pos[1], pos[0])
