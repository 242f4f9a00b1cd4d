"""Geography for ironroute: coordinates and their reference systems, distances, travel
times, and building footprints. Pure: no files, sockets, clock or environment.

``Territories`` (the balancer's territory shapes) loads on first use (PEP 562), so a day plan
does not import ``geo.territory``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.buildings import (
    BuildingIndex,
    BuildingSite,
    LocalProjection,
    footprint_area_m2,
    footprint_polygon,
)
from geo.crs import (
    CRS,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)
from geo.distance import EARTH_RADIUS_KM, geodesic_km, haversine_km, haversine_matrix_km
from geo.errors import (
    GeoError,
    InvalidCoordinates,
    InvalidFootprint,
    InvalidTravelModel,
    ProviderUnavailable,
)
from geo.latlon import LatLon
from geo.lazy import lazy_exports
from geo.travel import (
    MODES,
    Leg,
    ModeSpeeds,
    TravelMatrix,
    TravelModel,
    TravelSource,
    TravelTimeProvider,
)

if TYPE_CHECKING:
    from geo.territory import Territories

# name -> the module that defines it, imported on first access
_LAZY = {"Territories": "geo.territory"}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "CRS",
    "EARTH_RADIUS_KM",
    "MODES",
    "BuildingIndex",
    "BuildingSite",
    "GeoError",
    "InvalidCoordinates",
    "InvalidFootprint",
    "InvalidTravelModel",
    "LatLon",
    "Leg",
    "LocalProjection",
    "ModeSpeeds",
    "ProviderUnavailable",
    "Territories",
    "TravelMatrix",
    "TravelModel",
    "TravelSource",
    "TravelTimeProvider",
    "bd09_to_gcj02",
    "footprint_area_m2",
    "footprint_polygon",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geodesic_km",
    "haversine_km",
    "haversine_matrix_km",
    "to_wgs84",
    "wgs84_to_gcj02",
]
