"""Errors raised by the travel-time providers of :mod:`geo.providers`.

Each derives from :class:`geo.GeoError`. :class:`ProviderUnavailable` and its subclasses
mean "this provider cannot answer; fall back to the built-in :class:`geo.TravelModel`".
"""

from __future__ import annotations

from geo.errors import GeoError, ProviderUnavailable
from geo.latlon import LatLon

__all__ = ["ModeUnavailable", "ProviderUnavailable", "RoadNetworkError", "TileBuildError"]


class ModeUnavailable(ProviderUnavailable):
    """Raised when a provider cannot serve a travel mode at all.

    Example: ``transit`` asked of road tiles built without a GTFS feed. Check
    :meth:`ValhallaProvider.supports` first, or catch this and fall back.
    """


class RoadNetworkError(ProviderUnavailable, ValueError):
    """Raised when points cannot be placed on the road network, or a pair has no route.

    The message names each offending point by ``(lat, lon)``; the points themselves are
    in :attr:`points` (empty when the engine only said that a route is missing).
    """

    def __init__(self, message: str, points: tuple[LatLon, ...] = ()) -> None:
        super().__init__(message)
        self.points = points


class TileBuildError(GeoError, RuntimeError):
    """Raised when building road-network tiles fails.

    A build step exited non-zero, or its input is missing. The message names the step,
    its exit status and the log file that holds its output.
    """
