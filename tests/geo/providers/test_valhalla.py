"""The Valhalla provider on the synthetic city: the TravelTimeProvider contract, caching,
FIFO, speed caps and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("valhalla")

from geo import LatLon, TravelTimeProvider, haversine_km  # noqa: E402
from geo.errors import GeoError, InvalidTravelModel  # noqa: E402
from geo.providers.errors import (  # noqa: E402
    ModeUnavailable,
    ProviderUnavailable,
    RoadNetworkError,
)
from geo.providers.valhalla import SPEED_CAPS_KMH, ValhallaProvider  # noqa: E402
from geo.providers.valhalla_build import BuildSummary, build_tiles  # noqa: E402
from tests.geo.providers.synthetic_city import SyntheticCity  # noqa: E402

ROAD_MODES = ("drive", "bike", "walk")


def test_the_provider_satisfies_the_travel_time_protocol(provider: ValhallaProvider) -> None:
    assert isinstance(provider, TravelTimeProvider)


@pytest.mark.parametrize("mode", ROAD_MODES)  # each mode with a Valhalla matrix
def test_a_matrix_has_one_row_per_origin_and_near_symmetric_values(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    points = city.points(8)
    m = provider.matrix(points, mode)
    assert m.shape == (8, 8)
    assert np.all(np.diag(m.minutes) == 0.0) and np.all(np.diag(m.km) == 0.0)
    off = ~np.eye(8, dtype=bool)
    assert np.all(m.minutes[off] > 0.0) and np.all(m.km[off] > 0.0)
    # two-way streets: there and back differ by a little (side of the street, turns)
    assert np.allclose(m.minutes, m.minutes.T, rtol=0.35, atol=1.0)


def test_a_matrix_to_other_destinations_is_rectangular(
    provider: ValhallaProvider, city: SyntheticCity
) -> None:
    points = city.points(7)
    m = provider.matrix(points[:3], "drive", destinations=points[3:])
    assert m.shape == (3, 4)


@pytest.mark.parametrize("mode", [*ROAD_MODES, "transit"])  # every mode, transit by route
def test_a_leg_equals_its_matrix_entry_and_comes_from_the_cache(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    points = city.points(5)
    m = provider.matrix(points, mode, depart_min=540.0)
    calls = provider.engine_calls
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            leg = provider.leg(a, b, mode, 540.0)
            assert leg.minutes == m.minutes[i, j] and leg.km == m.km[i, j]
    assert provider.engine_calls == calls  # every leg answered from the cache


def test_a_large_matrix_is_asked_in_chunks_within_the_engine_limit(
    built: BuildSummary, city: SyntheticCity
) -> None:
    small = ValhallaProvider(
        built.tiles_dir, config={"service_limits": {"auto": {"max_matrix_location_pairs": 16}}}
    )
    whole = ValhallaProvider(built.tiles_dir)
    points = city.points(12)
    chunked = small.matrix(points, "drive")
    assert small.engine_calls >= 9
    assert np.array_equal(chunked.minutes, whole.matrix(points, "drive").minutes)


def test_transit_legs_are_routed_once_per_pair_and_bucket(
    provider: ValhallaProvider, city: SyntheticCity
) -> None:
    a, b = city.node(6, 0), city.node(6, 12)  # the two ends of bus line L1
    times = (600.0, 601.0, 605.5, 610.0, 614.9)  # all in the 10:00-10:15 bucket
    first = provider.leg(a, b, "transit", times[0])
    for t in times:
        provider.leg(a, b, "transit", t)
    calls = provider.engine_calls
    # one walk matrix (the bound), then one route per bucket: 10:00, plus the buckets
    # the rep might wait for
    assert 2 <= calls <= 2 + (first.minutes + 15.0) // 15.0
    for t in times:
        provider.leg(a, b, "transit", t)
        provider.leg_arriving(a, b, "transit", t + first.minutes)
    assert provider.engine_calls == calls
    assert first.minutes < haversine_km(a, b) / 4.5 * 60.0  # faster than walking: a bus


@pytest.mark.parametrize("mode", ["transit", "drive"])  # timed, and time-independent
def test_leaving_later_never_arrives_earlier(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    a, b = city.node(6, 0), city.node(6, 12)
    arrivals = [t + provider.leg(a, b, mode, t).minutes for t in np.arange(420.0, 600.0, 1.5)]
    assert all(
        later >= earlier - 1e-9 for earlier, later in zip(arrivals[:-1], arrivals[1:], strict=True)
    )


@pytest.mark.parametrize("mode", ["transit", "drive", "walk"])  # timed and untimed
def test_leg_arriving_gives_the_latest_departure_that_arrives_in_time(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    a, b = city.node(6, 0), city.node(6, 12)
    for arrive in (500.0, 533.3, 611.0):
        back = provider.leg_arriving(a, b, mode, arrive)
        depart = arrive - back.minutes
        assert depart + provider.leg(a, b, mode, depart).minutes <= arrive + 1e-6
        later = depart + 0.01
        assert later + provider.leg(a, b, mode, later).minutes > arrive


@pytest.mark.parametrize("mode", ["transit", *ROAD_MODES])  # every mode
def test_no_leg_beats_the_speed_cap_of_its_mode(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    points = [*city.points(10), city.node(6, 0), city.node(6, 12)]
    m = provider.matrix(points, mode, depart_min=480.0)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            crow = haversine_km(a, b)
            if crow > 0.001:
                assert crow / (m.minutes[i, j] / 60.0) <= SPEED_CAPS_KMH[mode] + 1e-9


@pytest.mark.parametrize(
    "mode",
    [
        "drive",  # snapped to streets, the road can come out shorter than the line
        "walk",  # the footway across the grid
    ],
)
def test_no_leg_is_shorter_than_the_straight_line(
    provider: ValhallaProvider, city: SyntheticCity, mode: str
) -> None:
    points = city.points(14, seed=5)  # between the streets, off the road
    m = provider.matrix(points, mode, depart_min=600.0)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert m.km[i, j] >= haversine_km(a, b) - 1e-9
            assert provider.leg(a, b, mode, 600.0).km >= haversine_km(a, b) - 1e-9


def test_a_transit_pair_no_bus_line_connects_is_walked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # a city of 30 x 30 blocks: its opposite corners lie beyond walking reach of both bus
    # lines (they run along the middle streets), so Valhalla finds no multimodal route
    from tests.geo.providers.synthetic_city import write_gtfs, write_osm_pbf

    big = SyntheticCity(blocks=30)
    root = tmp_path_factory.mktemp("big_city")
    summary = build_tiles(
        write_osm_pbf(big, root / "city.osm.pbf"),
        root / "out",
        gtfs_dir=write_gtfs(big, root / "gtfs"),
        concurrency=1,
    )
    provider = ValhallaProvider(summary.tiles_dir)
    routed = _spy_on_routes(provider)
    a, b = big.node(0, 0), big.node(30, 30)
    leg = provider.leg(a, b, "transit", 600.0)
    # one walk matrix, then only multimodal routes (one per bucket): a failed route is
    # neither explained by a locate nor followed by a walking route
    assert routed and {costing for costing, _ in routed} == {"multimodal"}
    assert provider.engine_calls == 1 + len(routed)
    walked = provider.leg(a, b, "walk", 600.0)
    assert leg.minutes == pytest.approx(walked.minutes, rel=0.01)
    assert leg.km >= haversine_km(a, b)


def _spy_on_routes(provider: ValhallaProvider) -> list[tuple[str, tuple[LatLon, LatLon]]]:
    """Record the costing and the pair of every route the provider asks its engine for."""
    routed: list[tuple[str, tuple[LatLon, LatLon]]] = []
    engine = provider._engine
    route = engine.route

    def spy(a: LatLon, b: LatLon, costing: str, *args: Any, **kwargs: Any) -> tuple[float, float]:
        routed.append((costing, (a, b)))
        return route(a, b, costing, *args, **kwargs)

    engine.route = spy  # type: ignore[method-assign]
    return routed


def test_a_transit_leg_is_never_slower_than_walking_the_pair(
    provider: ValhallaProvider, city: SyntheticCity
) -> None:
    points = [*city.points(8, seed=11), city.node(6, 0), city.node(6, 12)]
    for depart in (480.0, 725.0, 1010.0):  # the morning rush, noon, the evening
        for a in points:
            for b in points:
                transit = provider.leg(a, b, "transit", depart)
                assert transit.minutes <= provider.leg(a, b, "walk", depart).minutes + 1e-9


def test_the_planning_matrix_routes_transit_only_between_near_neighbours(
    built: BuildSummary, city: SyntheticCity
) -> None:
    provider = ValhallaProvider(built.tiles_dir, transit_neighbours=3)
    routed = _spy_on_routes(provider)
    points = city.points(12, seed=4)
    m = provider.matrix(points, "transit")
    crow = np.array([[haversine_km(a, b) for b in points] for a in points])
    near = np.zeros_like(crow, dtype=bool)
    np.put_along_axis(near, np.argsort(crow, axis=1, kind="stable")[:, :4], True, axis=1)
    np.put_along_axis(near, np.argsort(crow, axis=0, kind="stable")[:4, :], True, axis=0)
    index = {p: i for i, p in enumerate(points)}
    assert routed and all(near[index[a], index[b]] for _, (a, b) in routed)
    assert len({pair for _, pair in routed}) <= int(near.sum()) - len(points)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            exact = provider.leg(a, b, "transit", 720.0).minutes
            if near[i, j]:  # routed at 12:00, as leg() answers
                assert m.minutes[i, j] == exact
            else:  # the walk: never optimistic
                assert m.minutes[i, j] == provider.leg(a, b, "walk", 720.0).minutes
                assert m.minutes[i, j] >= exact - 1e-9


def test_transit_neighbours_must_be_a_positive_int(built: BuildSummary) -> None:
    for bad in (0, 2.5, True):
        with pytest.raises(InvalidTravelModel, match="transit_neighbours"):
            ValhallaProvider(built.tiles_dir, transit_neighbours=bad)  # type: ignore[arg-type]


def test_points_under_a_metre_apart_take_no_time(
    provider: ValhallaProvider, city: SyntheticCity
) -> None:
    a = city.node(3, 3)
    b = LatLon(a.lat + 0.000004, a.lon)  # about 45 cm north
    leg = provider.leg(a, b, "drive", 600.0)
    assert (leg.minutes, leg.km) == (0.0, 0.0)


def test_short_legs_are_walked(provider: ValhallaProvider, city: SyntheticCity) -> None:
    a, b = city.node(3, 3), city.node(3, 5)  # 400 m along a street
    assert provider.leg(a, b, "drive", 600.0) == provider.leg(a, b, "walk", 600.0)


def test_a_point_off_the_network_raises_a_road_network_error(
    provider: ValhallaProvider, city: SyntheticCity
) -> None:
    far = LatLon(31.30, 121.46)  # 10 km north of the grid: no road within 500 m
    with pytest.raises(RoadNetworkError, match=r"31\.3, 121\.46") as caught:
        provider.matrix([city.node(1, 1), far], "drive")
    assert caught.value.points == (far,)
    assert isinstance(caught.value, ProviderUnavailable) and isinstance(caught.value, GeoError)


def test_transit_without_transit_tiles_says_so(
    roads_only: BuildSummary, city: SyntheticCity
) -> None:
    plain = ValhallaProvider(roads_only.tiles_dir)
    assert not plain.supports("transit") and plain.supports("drive")
    with pytest.raises(ModeUnavailable, match="GTFS"):
        plain.leg(city.node(6, 0), city.node(6, 12), "transit", 600.0)


def test_missing_tiles_raise_provider_unavailable(tmp_path: object) -> None:
    with pytest.raises(ProviderUnavailable):
        ValhallaProvider(f"{tmp_path}/nowhere")


@pytest.mark.parametrize(
    ("mode", "t"),
    [
        ("boat", 600.0),  # an unknown mode
        ("drive", float("nan")),  # a departure that is not finite
    ],
)
def test_bad_queries_raise_invalid_travel_model(
    provider: ValhallaProvider, city: SyntheticCity, mode: str, t: float
) -> None:
    with pytest.raises(InvalidTravelModel):
        provider.leg(city.node(0, 0), city.node(5, 5), mode, t)


def test_to_dict_echoes_the_engine_and_what_the_tiles_hold(
    provider: ValhallaProvider, built: BuildSummary
) -> None:
    echo = provider.to_dict()
    assert echo["kind"] == "valhalla"
    assert echo["tiles"] == str(built.tiles_dir.resolve())
    assert echo["version"] == "3.9.1"
    assert echo["transit"] is True and echo["traffic"] is False
    assert echo["costing"]["drive"] == "auto"
    assert echo["transit_neighbours"] == 8
    assert echo["speed_caps_kmh"] == {"transit": 40, "drive": 60, "bike": 25, "walk": 7}
