"""LatLon: validation at construction and the (lat, lon) / [lon, lat] helpers."""

from __future__ import annotations

import dataclasses
import math

import pytest

from geo import GeoError, InvalidCoordinates, LatLon


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (91, 0),  # latitude above the north pole
        (-90.0001, 0),  # latitude below the south pole
        (0, -181),  # longitude beyond the antimeridian, west
        (0, 180.5),  # longitude beyond the antimeridian, east
        (math.nan, 0),  # NaN latitude
        (0, math.nan),  # NaN longitude
        (math.inf, 0),  # infinite latitude
        (0, -math.inf),  # infinite longitude
        (True, 0),  # a bool is not a coordinate
        (0, False),  # a bool is not a coordinate, longitude side
        ("1", 0),  # strings are refused, not parsed
        (None, 0),  # None is refused
    ],
)
def test_bad_coordinates_raise_invalid_coordinates(lat: object, lon: object) -> None:
    with pytest.raises(InvalidCoordinates):
        LatLon(lat, lon)  # type: ignore[arg-type]


def test_invalid_coordinates_is_both_a_geo_error_and_a_value_error() -> None:
    with pytest.raises(GeoError):
        LatLon(91, 0)
    with pytest.raises(ValueError, match=r"lat must be within \[-90, 90\]: 91"):
        LatLon(91, 0)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (90, 180),  # the north-east corner of the valid range
        (-90, -180),  # the south-west corner
        (0, 0),  # null island
        (39.9087, 116.3975),  # Tian'anmen
    ],
)
def test_coordinates_in_range_are_kept_as_floats(lat: float, lon: float) -> None:
    p = LatLon(lat, lon)
    assert (p.lat, p.lon) == (lat, lon)
    assert type(p.lat) is float and type(p.lon) is float


def test_lat_lon_is_frozen_and_hashable() -> None:
    p = LatLon(39.9, 116.4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.lat = 1.0  # type: ignore[misc]
    assert {p, LatLon(39.9, 116.4)} == {p}


def test_as_lonlat_puts_longitude_first_as_geojson_does() -> None:
    assert LatLon(39.9, 116.4).as_lonlat() == (116.4, 39.9)


def test_from_lonlat_reads_a_geojson_position() -> None:
    assert LatLon.from_lonlat([116.4, 39.9]) == LatLon(39.9, 116.4)
    assert LatLon.from_lonlat((116.4, 39.9)) == LatLon(lat=39.9, lon=116.4)


@pytest.mark.parametrize(
    "pos",
    [
        [116.4],  # too short
        [116.4, 39.9, 50.0],  # an altitude is not part of the contract
        "12",  # a string is a sequence, but not a position
        {"lon": 116.4, "lat": 39.9},  # a mapping is not a position
        42,  # not a sequence at all
        [39.9, 191.0],  # a valid pair in the wrong order lands out of range
    ],
)
def test_from_lonlat_refuses_anything_but_two_valid_numbers(pos: object) -> None:
    with pytest.raises(InvalidCoordinates):
        LatLon.from_lonlat(pos)  # type: ignore[arg-type]
