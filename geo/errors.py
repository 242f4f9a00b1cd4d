"""Errors raised by ``geo``: bad coordinates, bad travel models and bad footprints.

Every error derives from :class:`GeoError` and from the matching builtin, so callers may
catch either (``except ValueError`` keeps working).
"""

from __future__ import annotations

__all__ = [
    "GeoError",
    "InvalidCoordinates",
    "InvalidFootprint",
    "InvalidTravelModel",
    "ProviderUnavailable",
]


class GeoError(Exception):
    """Root of every error that ``geo`` raises on purpose."""


class InvalidCoordinates(GeoError, ValueError):
    """Raised when a coordinate is not a finite number inside its range.

    Latitude must lie in [-90, 90] and longitude in [-180, 180]; NaN, infinities, bools
    and non-numbers are refused rather than normalised. Also raised for an unknown
    coordinate reference system name and for a GeoJSON position that is not
    ``[lon, lat]``.
    """


class InvalidTravelModel(GeoError, ValueError):
    """Raised when a travel model or one of its parameters breaks a rule.

    Examples: a speed that is not positive, a circuity below 1, overlapping rush
    intervals, an unknown key in a travel-model dictionary; also a query the model
    cannot answer (an unknown travel mode, a departure time that is not finite). The
    message names the field (``modes.transit.rush_kmh``) and the offending value.
    """


class InvalidFootprint(GeoError, ValueError):
    """Raised when a building footprint is not a valid GeoJSON-shaped Polygon.

    The footprint must be ``{"type": "Polygon", "coordinates": [ring, ...]}`` whose rings
    each hold at least four ``[lon, lat]`` positions, are closed (first == last) and
    together form a valid polygon (no self-intersection).
    """


class ProviderUnavailable(GeoError, RuntimeError):
    """Raised when a travel-time provider cannot answer a query.

    The engine is missing or failed (tiles not found or unreadable, an engine error), a
    mode it cannot serve, or points it cannot place on its network. The caller may fall
    back to the built-in model; the message says what failed. The road-network adapters
    raise subclasses of it (:mod:`geo.providers.errors`).
    """
