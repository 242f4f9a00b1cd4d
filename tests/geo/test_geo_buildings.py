"""Footprints, the local projection and the building index behind the sweep rule."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geo import (
    EARTH_RADIUS_KM,
    BuildingIndex,
    BuildingSite,
    InvalidCoordinates,
    InvalidFootprint,
    LatLon,
    LocalProjection,
    footprint_area_m2,
    footprint_polygon,
    haversine_km,
    haversine_matrix_km,
)

KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
TOWER = LatLon(39.9801, 116.4702)


def north_of(p: LatLon, metres: float) -> LatLon:
    """The point exactly ``metres`` north along the meridian."""
    return LatLon(p.lat + metres / 1000.0 / KM_PER_DEGREE, p.lon)


def square(centre: LatLon, half_m: float) -> dict[str, Any]:
    """A closed square footprint of side 2 × half_m metres around ``centre``."""
    proj = LocalProjection(centre)
    corners = [(-half_m, -half_m), (half_m, -half_m), (half_m, half_m), (-half_m, half_m)]
    ring = [list(proj.to_latlon(x, y).as_lonlat()) for x, y in corners]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


# --- projection ------------------------------------------------------------------------


def test_the_projection_maps_metres_north_and_east() -> None:
    proj = LocalProjection(TOWER)
    x, y = proj.to_xy(north_of(TOWER, 250.0))
    assert x == pytest.approx(0.0, abs=1e-9)
    assert y == pytest.approx(250.0, abs=1e-6)
    back = proj.to_latlon(120.0, -80.0)
    assert proj.to_xy(back) == pytest.approx((120.0, -80.0), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(min_value=18.0, max_value=53.0),
    lon=st.floats(min_value=73.0, max_value=135.0),
    dx=st.floats(min_value=-0.1, max_value=0.1),
    dy=st.floats(min_value=-0.09, max_value=0.09),
)
def test_projected_distances_within_10_km_are_within_0_2_percent(
    lat: float, lon: float, dx: float, dy: float
) -> None:
    origin, p = LatLon(lat, lon), LatLon(lat + dy, lon + dx)
    true_m = haversine_km(origin, p) * 1000.0
    assume(true_m <= 10_000.0)
    x, y = LocalProjection(origin).to_xy(p)
    assert math.hypot(x, y) == pytest.approx(true_m, rel=0.002, abs=1e-6)


def test_the_projection_refuses_an_origin_at_a_pole() -> None:
    with pytest.raises(InvalidCoordinates, match=r"\|lat\| <= 89"):
        LocalProjection(LatLon(90.0, 0.0))


# --- footprints ------------------------------------------------------------------------


def test_a_valid_footprint_becomes_a_lon_lat_polygon() -> None:
    polygon = footprint_polygon(square(TOWER, 40.0))
    assert polygon.is_valid
    assert polygon.covers(shapely.Point(TOWER.lon, TOWER.lat))
    assert not polygon.covers(shapely.Point(TOWER.lat, TOWER.lon))


def test_a_footprints_area_is_measured_in_metres() -> None:
    # A 100 m × 100 m square.
    assert footprint_area_m2(square(TOWER, 50.0)) == pytest.approx(10_000.0, rel=1e-3)


RING = [[116.0, 39.0], [116.001, 39.0], [116.001, 39.001], [116.0, 39.001], [116.0, 39.0]]
BOW_TIE = [[116.0, 39.0], [116.001, 39.001], [116.001, 39.0], [116.0, 39.001], [116.0, 39.0]]


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ({"type": "MultiPolygon", "coordinates": [[RING]]}, "type must be 'Polygon'"),  # wrong type
        ({"coordinates": [RING]}, "type must be 'Polygon'"),  # no type
        ({"type": "Polygon", "coordinates": []}, "non-empty list of rings"),  # no rings
        ({"type": "Polygon", "coordinates": [RING[:3]]}, "at least 4 positions"),  # a triangle line
        ({"type": "Polygon", "coordinates": [RING[:4]]}, "is not closed"),  # open ring
        # a latitude out of range
        (
            {"type": "Polygon", "coordinates": [[*RING[:2], [116.001, 95.0], *RING[3:]]]},
            r"coordinates\[0\]\[2\]: lat must be within",
        ),
        # a position with an altitude
        (
            {"type": "Polygon", "coordinates": [[*RING[:2], [116.001, 39.001, 12.0], *RING[3:]]]},
            r"coordinates\[0\]\[2\]: a position is \[lon, lat\]",
        ),
        # a bow tie crosses itself
        ({"type": "Polygon", "coordinates": [BOW_TIE]}, "not a valid polygon"),
        ("Polygon", "GeoJSON Polygon object"),  # not a mapping
    ],
)
def test_invalid_footprints_are_refused_with_the_rule(geojson: Any, message: str) -> None:
    with pytest.raises(InvalidFootprint, match=message):
        footprint_polygon(geojson)


def test_a_site_with_a_bad_footprint_names_the_building() -> None:
    with pytest.raises(InvalidFootprint, match="building 'B7': .*not closed"):
        BuildingSite(
            id="B7", location=TOWER, footprint={"type": "Polygon", "coordinates": [RING[:4]]}
        )


# --- the index -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("radius_m", "near"),
    [
        (300.0, True),  # 250 m away, radius 300 m
        (250.0, True),  # exactly at the radius counts (the checker's 1 mm slack)
        (200.0, False),  # 250 m away, radius 200 m
    ],
)
def test_a_building_250_m_away_is_near_only_within_a_large_enough_radius(
    radius_m: float, near: bool
) -> None:
    index = BuildingIndex([BuildingSite(id="B7", location=TOWER)])
    assert index.near(north_of(TOWER, 250.0), radius_m) == (["B7"] if near else [])


def test_a_footprint_containing_the_point_beats_distance() -> None:
    campus = LatLon(39.99, 116.48)
    far_gate = north_of(campus, 2_000.0)  # the site's point is 2 km from the query
    site = BuildingSite(id="P1", location=far_gate, footprint=square(campus, 300.0))
    index = BuildingIndex([site, BuildingSite(id="B2", location=north_of(campus, 5_000.0))])
    assert index.near(campus, 300.0) == ["P1"]
    assert index.near(north_of(campus, 299.0), 0.0) == ["P1"]  # inside, near the edge
    assert index.near(north_of(campus, 301.0), 0.0) == []  # just outside


def test_a_point_on_the_footprint_boundary_is_covered() -> None:
    ring = RING
    site = BuildingSite(
        id="B", location=LatLon(30.0, 110.0), footprint={"type": "Polygon", "coordinates": [ring]}
    )
    assert BuildingIndex([site]).near(LatLon(39.0, 116.0005), 0.0) == ["B"]


def test_a_point_in_a_courtyard_hole_is_not_inside_the_footprint() -> None:
    hole = [
        [116.0004, 39.0004],
        [116.0006, 39.0004],
        [116.0006, 39.0006],
        [116.0004, 39.0006],
        [116.0004, 39.0004],
    ]
    fp = {"type": "Polygon", "coordinates": [RING, hole]}
    index = BuildingIndex([BuildingSite(id="B", location=LatLon(30.0, 110.0), footprint=fp)])
    assert index.near(LatLon(39.0005, 116.0005), 0.0) == []
    assert index.near(LatLon(39.0002, 116.0002), 0.0) == ["B"]


def test_results_are_sorted_by_distance_then_id() -> None:
    sites = [
        BuildingSite(id="far", location=north_of(TOWER, 200.0)),
        BuildingSite(id="b-twin", location=north_of(TOWER, 100.0)),
        BuildingSite(id="a-twin", location=north_of(TOWER, 100.0)),
        BuildingSite(id="out", location=north_of(TOWER, 400.0)),
    ]
    assert BuildingIndex(sites).near(TOWER, 300.0) == ["a-twin", "b-twin", "far"]


def test_an_empty_index_finds_nothing_and_a_bad_radius_is_refused() -> None:
    assert BuildingIndex([]).near(TOWER, 300.0) == []
    with pytest.raises(ValueError, match="radius_m must be a finite number >= 0"):
        BuildingIndex([BuildingSite(id="B", location=TOWER)]).near(TOWER, -1.0)


@st.composite
def star_polygons(draw: st.DrawFn) -> dict[str, Any]:
    """A simple star-shaped polygon (angles sorted, radii random) of 3-12 vertices."""
    n = draw(st.integers(min_value=3, max_value=12))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi), min_size=n, max_size=n, unique=True)))
    radii = draw(st.lists(st.floats(0.0002, 0.003), min_size=n, max_size=n))
    ring = [
        [116.4 + r * math.cos(a), 39.9 + r * math.sin(a)]
        for a, r in zip(angles, radii, strict=True)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@settings(max_examples=200, deadline=None)
@given(
    fp=star_polygons(),
    dx=st.floats(min_value=-0.0035, max_value=0.0035),
    dy=st.floats(min_value=-0.0035, max_value=0.0035),
)
def test_containment_agrees_with_the_checkers_ray_casting(
    checker: ModuleType, fp: dict[str, Any], dx: float, dy: float
) -> None:
    try:
        polygon = footprint_polygon(fp)
    except InvalidFootprint:
        assume(False)  # nearly collinear vertices: not a valid polygon
        raise
    point = LatLon(39.9 + dy, 116.4 + dx)
    # Off the boundary only (a test filter, in degrees, not a measurement we rely on).
    assume(polygon.exterior.distance(shapely.Point(point.lon, point.lat)) > 1e-9)
    index = BuildingIndex([BuildingSite(id="B", location=LatLon(30.0, 110.0), footprint=fp)])
    inside = checker.point_in_polygon({"lat": point.lat, "lon": point.lon}, fp)
    assert index.near(point, 0.0) == (["B"] if inside else [])


def test_500_buildings_by_500_queries_match_brute_force(checker: ModuleType) -> None:
    rng = np.random.default_rng(11)
    locations = [
        LatLon(float(a), float(b))
        for a, b in zip(
            39.9 + rng.uniform(-0.02, 0.02, 500),
            116.4 + rng.uniform(-0.025, 0.025, 500),
            strict=True,
        )
    ]
    sites = [
        BuildingSite(
            id=f"B{i:03d}",
            location=p,
            footprint=square(north_of(p, 150.0), 60.0) if i % 5 == 0 else None,
        )
        for i, p in enumerate(locations)
    ]
    queries = [
        LatLon(float(a), float(b))
        for a, b in zip(
            39.9 + rng.uniform(-0.02, 0.02, 500),
            116.4 + rng.uniform(-0.025, 0.025, 500),
            strict=True,
        )
    ]
    index = BuildingIndex(sites)
    distances = haversine_matrix_km(queries, locations)
    found = 0
    for q, row in zip(queries, distances, strict=True):
        want = {
            s.id
            for s, d in zip(sites, row, strict=True)
            if d <= 0.3 + 1e-6
            or checker.point_in_polygon({"lat": q.lat, "lon": q.lon}, s.footprint)
        }
        got = index.near(q, 300.0)
        assert set(got) == want
        assert [haversine_km(q, sites[int(i[1:])].location) for i in got] == sorted(
            haversine_km(q, sites[int(i[1:])].location) for i in got
        )
        found += len(got)
    assert found > 500  # the case is not vacuous
