"""Conversions between WGS-84, GCJ-02 and BD-09, and their agreement with the checker."""

from __future__ import annotations

from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import (
    CRS,
    InvalidCoordinates,
    LatLon,
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_km,
    to_wgs84,
    wgs84_to_gcj02,
)

# China's bounding box.
china = st.builds(
    LatLon,
    st.floats(min_value=18.0, max_value=53.0),
    st.floats(min_value=73.0, max_value=135.0),
)


@settings(max_examples=300, deadline=None)
@given(p=china)
def test_gcj02_round_trip_returns_within_a_millimetre(p: LatLon) -> None:
    back = gcj02_to_wgs84(wgs84_to_gcj02(p))
    assert haversine_km(p, back) * 1000.0 < 0.001


@settings(max_examples=300, deadline=None)
@given(p=china)
def test_bd09_round_trip_returns_within_a_metre(p: LatLon) -> None:
    assert haversine_km(p, bd09_to_gcj02(gcj02_to_bd09(p))) * 1000.0 < 1.0
    assert haversine_km(p, to_wgs84(from_wgs84(p, CRS.BD09), CRS.BD09)) * 1000.0 < 1.0


def test_tiananmen_moves_to_its_known_gcj02_position(checker: ModuleType) -> None:
    gcj = wgs84_to_gcj02(LatLon(39.9087, 116.3975))
    # Published value, about 500 m east-north-east of the WGS-84 point.
    assert haversine_km(gcj, LatLon(39.91010, 116.40374)) * 1000.0 < 5.0
    want_lat, want_lon = checker._wgs_to_gcj(39.9087, 116.3975)
    assert gcj.lat == pytest.approx(want_lat, abs=1e-12)
    assert gcj.lon == pytest.approx(want_lon, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(p=china, crs=st.sampled_from(["wgs84", "gcj02", "bd09"]))
def test_to_wgs84_agrees_with_the_checker(checker: ModuleType, p: LatLon, crs: str) -> None:
    want = checker.to_wgs84({"lat": p.lat, "lon": p.lon}, crs)
    got = to_wgs84(p, crs)
    assert got.lat == pytest.approx(want["lat"], abs=1e-10)
    assert got.lon == pytest.approx(want["lon"], abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(p=china)
def test_bd09_to_gcj02_is_the_checkers_formula(checker: ModuleType, p: LatLon) -> None:
    assert bd09_to_gcj02(p).as_lonlat()[::-1] == checker._bd_to_gcj(p.lat, p.lon)


def test_conversions_are_applied_outside_china_too() -> None:
    # Amap would leave Paris alone; we shift it, exactly as the checker does.
    paris = LatLon(48.8566, 2.3522)
    assert wgs84_to_gcj02(paris) != paris


@pytest.mark.parametrize(
    "crs",
    [
        CRS.WGS84,  # the enum member
        "wgs84",  # its string value
    ],
)
def test_wgs84_to_wgs84_is_the_identity(crs: CRS | str) -> None:
    p = LatLon(31.2304, 121.4737)
    assert to_wgs84(p, crs) is p
    assert from_wgs84(p, crs) is p


def test_crs_values_are_the_contracts_strings() -> None:
    assert [c.value for c in CRS] == ["wgs84", "gcj02", "bd09"]
    assert CRS("gcj02") is CRS.GCJ02


def test_an_unknown_crs_name_is_refused_with_the_rule() -> None:
    with pytest.raises(InvalidCoordinates, match="crs must be one of wgs84, gcj02, bd09: 'utm'"):
        to_wgs84(LatLon(0, 0), "utm")
