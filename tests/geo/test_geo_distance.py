"""Great-circle and geodesic distances, and the vectorised distance matrix."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from geopy.distance import great_circle  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import EARTH_RADIUS_KM, LatLon, geodesic_km, haversine_km, haversine_matrix_km

china = st.builds(
    LatLon,
    st.floats(min_value=18.0, max_value=53.0),
    st.floats(min_value=73.0, max_value=135.0),
)
anywhere = st.builds(
    LatLon,
    st.floats(min_value=-90.0, max_value=90.0),
    st.floats(min_value=-180.0, max_value=180.0),
)


@settings(max_examples=300, deadline=None)
@given(a=china, b=china)
def test_haversine_matches_geopys_great_circle_on_the_same_sphere(a: LatLon, b: LatLon) -> None:
    want = great_circle((a.lat, a.lon), (b.lat, b.lon), radius=EARTH_RADIUS_KM).km
    assert haversine_km(a, b) == pytest.approx(want, rel=1e-9, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(a=anywhere, b=anywhere)
def test_haversine_is_the_checkers_formula_to_the_bit(
    checker: ModuleType, a: LatLon, b: LatLon
) -> None:
    want = checker.haversine_km({"lat": a.lat, "lon": a.lon}, {"lat": b.lat, "lon": b.lon})
    assert haversine_km(a, b) == want


@settings(max_examples=100, deadline=None)
@given(a=china, b=china)
def test_geodesic_and_haversine_differ_by_under_half_a_percent(a: LatLon, b: LatLon) -> None:
    sphere = haversine_km(a, b)
    assert geodesic_km(a, b) == pytest.approx(sphere, rel=0.005, abs=1e-6)


def test_one_degree_of_latitude_is_111_2_km_on_the_mean_sphere() -> None:
    # pi * 6371.0088 / 180 = 111.19508...
    assert haversine_km(LatLon(30.0, 120.0), LatLon(31.0, 120.0)) == pytest.approx(
        111.19508, abs=1e-5
    )


@settings(max_examples=50, deadline=None)
@given(a=st.lists(china, min_size=1, max_size=8), b=st.lists(china, min_size=1, max_size=8))
def test_the_matrix_equals_pairwise_haversine(a: list[LatLon], b: list[LatLon]) -> None:
    m = haversine_matrix_km(a, b)
    assert m.shape == (len(a), len(b))
    assert m.dtype == np.float64
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            assert m[i, j] == pytest.approx(haversine_km(p, q), rel=1e-12, abs=1e-12)


def test_the_matrix_defaults_to_all_pairs_of_one_list() -> None:
    points = [LatLon(39.9, 116.4), LatLon(39.95, 116.45), LatLon(31.23, 121.47)]
    m = haversine_matrix_km(points)
    assert m.shape == (3, 3)
    assert np.allclose(m, m.T, rtol=0, atol=1e-12)
    assert np.all(np.diag(m) == 0.0)


def test_an_empty_list_gives_an_empty_matrix_of_the_right_shape() -> None:
    assert haversine_matrix_km([], [LatLon(0, 0), LatLon(1, 1)]).shape == (0, 2)
