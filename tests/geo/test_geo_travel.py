"""The built-in travel model: agreement with the checker's leg(), rush hours, FIFO,
arrivals, matrices, and the JSON echo."""

from __future__ import annotations

import json
import math
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import (
    EARTH_RADIUS_KM,
    MODES,
    InvalidTravelModel,
    LatLon,
    Leg,
    ModeSpeeds,
    TravelMatrix,
    TravelModel,
    TravelTimeProvider,
)

BEIJING = LatLon(39.9087, 116.3975)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


def north_of(p: LatLon, km: float) -> LatLon:
    """The point exactly ``km`` north along the meridian (haversine gives ``km`` back)."""
    return LatLon(p.lat + km / KM_PER_DEGREE, p.lon)


# A point in a Chinese city, and another from the same spot to ~40 km away, including
# pairs under 1 m and under walk_below_km.
cities = st.builds(
    LatLon,
    st.floats(min_value=22.0, max_value=45.0),
    st.floats(min_value=100.0, max_value=125.0),
)
offsets = st.one_of(
    st.floats(min_value=-0.3, max_value=0.3),
    st.floats(min_value=-0.01, max_value=0.01),
    st.floats(min_value=-2e-5, max_value=2e-5),
)
times = st.one_of(
    st.floats(min_value=-60.0, max_value=1600.0),
    st.sampled_from([0.0, 419.0, 420.0, 560.0, 570.0, 1019.5, 1020.0, 1170.0, 1440.0]),
)
modes = st.sampled_from(MODES)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[LatLon, LatLon]:
    a = draw(cities)
    return a, LatLon(a.lat + draw(offsets), a.lon + draw(offsets))


@st.composite
def models(draw: st.DrawFn) -> TravelModel:
    """Any valid model: random speeds and rush intervals on whole minutes."""
    speeds = {}
    for mode in MODES:
        offpeak = draw(st.floats(min_value=1.0, max_value=80.0))
        speeds[mode] = ModeSpeeds(
            circuity=draw(st.floats(min_value=1.0, max_value=2.0)),
            offpeak_kmh=offpeak,
            rush_kmh=draw(st.floats(min_value=0.5, max_value=offpeak)),
            access_min=draw(st.floats(min_value=0.0, max_value=15.0)),
        )
    edges = sorted(draw(st.sets(st.integers(min_value=0, max_value=1440), max_size=6)))
    edges = edges[: len(edges) // 2 * 2]
    rush = tuple((float(a), float(b)) for a, b in zip(edges[::2], edges[1::2], strict=True))
    walk_below = draw(st.floats(min_value=0.0, max_value=3.0))
    return TravelModel(walk_below_km=walk_below, rush=rush, modes=speeds)


def as_dict(p: LatLon) -> dict[str, float]:
    return {"lat": p.lat, "lon": p.lon}


# --- agreement with the reference ------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(pair=pairs(), mode=modes, t=times)
def test_the_default_model_agrees_with_the_checkers_leg(
    checker: ModuleType, pair: tuple[LatLon, LatLon], mode: str, t: float
) -> None:
    a, b = pair
    want_minutes, want_km = checker.leg(as_dict(a), as_dict(b), mode, t)
    got = TravelModel().leg(a, b, mode, t)
    assert got.minutes == pytest.approx(want_minutes, abs=1e-9)
    assert got.km == pytest.approx(want_km, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(model=models(), pair=pairs(), mode=modes, t=times)
def test_any_model_agrees_with_the_checkers_leg_given_its_echo(
    checker: ModuleType, model: TravelModel, pair: tuple[LatLon, LatLon], mode: str, t: float
) -> None:
    a, b = pair
    echo = json.loads(json.dumps(model.to_dict()))
    want_minutes, want_km = checker.leg(as_dict(a), as_dict(b), mode, t, echo)
    got = model.leg(a, b, mode, t)
    assert got.minutes == pytest.approx(want_minutes, abs=1e-9)
    assert got.km == pytest.approx(want_km, abs=1e-9)


def test_the_default_echo_is_the_checkers_default_model_verbatim(checker: ModuleType) -> None:
    assert json.dumps(TravelModel().to_dict()) == json.dumps(checker.DEFAULT_MODEL)


# --- hand-checked values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("depart", "minutes"),
    [
        # 10 km straight, transit: road 10 × 1.4 = 14 km, 8 min access.
        # Off-peak at 11:00: 8 + 14 / 22 × 60 = 8 + 38.1818… = 46.1818… min.
        (660.0, 8.0 + 14.0 / 22.0 * 60.0),
        # At 08:00 it moves from 08:08 in rush: 8 + 14 / 16 × 60 = 8 + 52.5 = 60.5 min.
        (480.0, 60.5),
        # At 09:00 it moves from 09:08: 22 min of rush cover 22/60 × 16 = 5.8667 km; the
        # other 8.1333 km at 22 km/h take 8.1333 / 22 × 60 = 244/11 = 22.1818 min;
        # total 8 + 22 + 22.1818… = 52.1818… min.
        (540.0, 8.0 + 22.0 + 244.0 / 11.0),
        # At 16:40 it moves from 16:48, off-peak for 12 min (4.4 km), then 9.6 km of rush
        # at 16 km/h = 36 min: 8 + 12 + 36 = 56 min.
        (1000.0, 56.0),
    ],
)
def test_a_hand_computed_transit_leg(depart: float, minutes: float) -> None:
    leg = TravelModel().leg(BEIJING, north_of(BEIJING, 10.0), "transit", depart)
    assert leg.km == pytest.approx(14.0, abs=1e-9)
    assert leg.minutes == pytest.approx(minutes, abs=1e-9)


def test_rush_hour_makes_a_leg_slower_than_off_peak() -> None:
    model, b = TravelModel(), north_of(BEIJING, 10.0)
    at_8 = model.leg(BEIJING, b, "transit", 480.0)
    at_11 = model.leg(BEIJING, b, "transit", 660.0)
    assert at_8.minutes > at_11.minutes
    assert at_8.km == at_11.km


@pytest.mark.parametrize(
    ("km", "mode", "used"),
    [
        (0.0005, "drive", None),  # under 1 m: no leg at all
        (0.5, "drive", "walk"),  # under walk_below_km: walked whatever the mode
        (0.81, "drive", "drive"),  # just over walk_below_km: the rep's mode
        (5.0, "bike", "bike"),  # a normal bike leg
    ],
)
def test_short_legs_are_walked_and_tiny_ones_are_free(
    km: float, mode: str, used: str | None
) -> None:
    model = TravelModel()
    leg = model.leg(BEIJING, north_of(BEIJING, km), mode, 660.0)
    if used is None:
        assert leg == Leg(minutes=0.0, km=0.0)
    else:
        s = model.modes[used]
        assert leg.km == pytest.approx(km * s.circuity, rel=1e-9)
        assert leg.minutes == pytest.approx(s.access_min + leg.km / s.offpeak_kmh * 60, rel=1e-9)


# --- properties --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(model=models(), pair=pairs(), mode=modes, t1=times, dt=st.floats(min_value=0, max_value=300))
def test_leaving_later_never_arrives_earlier(
    model: TravelModel, pair: tuple[LatLon, LatLon], mode: str, t1: float, dt: float
) -> None:
    a, b = pair
    t2 = t1 + dt
    assert t1 + model.leg(a, b, mode, t1).minutes <= t2 + model.leg(a, b, mode, t2).minutes + 1e-9


@settings(max_examples=300, deadline=None)
@given(model=models(), pair=pairs(), mode=modes, arrive=times)
def test_leg_arriving_is_the_departure_that_arrives_exactly_then(
    model: TravelModel, pair: tuple[LatLon, LatLon], mode: str, arrive: float
) -> None:
    a, b = pair
    back = model.leg_arriving(a, b, mode, arrive)
    forward = model.leg(a, b, mode, arrive - back.minutes)
    assert forward.minutes == pytest.approx(back.minutes, abs=1e-6)
    assert forward.km == back.km


def test_leg_arriving_spends_the_access_minutes_first() -> None:
    # Arrive at 09:38 after 14 road km: 09:30-09:38 off-peak covers 8/60 × 22 = 2.9333 km,
    # the other 11.0667 km in rush at 16 km/h take 41.5 min (from 08:48.5), and the 8
    # access minutes come before that: leave 08:40.5, 57.5 min in all.
    leg = TravelModel().leg_arriving(BEIJING, north_of(BEIJING, 10.0), "transit", 578.0)
    assert leg.minutes == pytest.approx(8.0 + 41.5 + 8.0, abs=1e-9)


# --- matrices ----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    model=models(),
    origins=st.lists(cities, min_size=1, max_size=5),
    nearby=st.lists(offsets, min_size=2, max_size=10),
    mode=modes,
    t=times,
)
def test_the_matrix_equals_pairwise_legs(
    model: TravelModel, origins: list[LatLon], nearby: list[float], mode: str, t: float
) -> None:
    base = origins[0]
    destinations = [LatLon(base.lat + d, base.lon + nearby[-1 - i]) for i, d in enumerate(nearby)]
    m = model.matrix(origins, mode, t, destinations)
    assert m.shape == (len(origins), len(destinations))
    for i, a in enumerate(origins):
        for j, b in enumerate(destinations):
            leg = model.leg(a, b, mode, t)
            assert m.minutes[i, j] == pytest.approx(leg.minutes, abs=1e-9)
            assert m.km[i, j] == pytest.approx(leg.km, abs=1e-9)


def test_a_matrix_without_a_departure_uses_off_peak_speeds_everywhere() -> None:
    points = [BEIJING, north_of(BEIJING, 0.3), north_of(BEIJING, 10.0), north_of(BEIJING, 25.0)]
    model = TravelModel()
    no_rush = TravelModel(rush=())
    m = model.matrix(points, "transit")
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert m.minutes[i, j] == pytest.approx(no_rush.leg(a, b, "transit", 480.0).minutes)


def test_a_150_point_matrix_across_a_rush_boundary_equals_pairwise_legs() -> None:
    rng = np.random.default_rng(7)
    lats = 39.9 + rng.uniform(-0.2, 0.2, 150)
    lons = 116.4 + rng.uniform(-0.25, 0.25, 150)
    points = [LatLon(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    model = TravelModel()
    m = model.matrix(points, "drive", 555.0)  # leaves 09:15, rush ends 09:30
    assert m.shape == (150, 150)
    for i in range(0, 150, 7):
        for j in range(0, 150, 3):
            leg = model.leg(points[i], points[j], "drive", 555.0)
            assert m.minutes[i, j] == pytest.approx(leg.minutes, abs=1e-9)
            assert m.km[i, j] == pytest.approx(leg.km, abs=1e-9)


def test_a_travel_matrix_is_read_only_and_checks_its_shapes() -> None:
    m = TravelModel().matrix([BEIJING, north_of(BEIJING, 3.0)], "bike", 600.0)
    with pytest.raises(ValueError, match="read-only"):
        m.minutes[0, 1] = 1.0
    with pytest.raises(InvalidTravelModel, match="one shape"):
        TravelMatrix(minutes=np.zeros((2, 2)), km=np.zeros((2, 3)))


# --- the echo and its validation ---------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(model=models())
def test_to_dict_and_from_dict_round_trip(model: TravelModel) -> None:
    again = TravelModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    assert hash(again) == hash(model)


def test_a_partial_dict_fills_in_the_defaults() -> None:
    model = TravelModel.from_dict({"modes": {"transit": {"rush_kmh": 12}}, "rush": None})
    assert model.modes["transit"] == ModeSpeeds(
        circuity=1.4, offpeak_kmh=22.0, rush_kmh=12.0, access_min=8.0
    )
    assert model.modes["drive"] == TravelModel().modes["drive"]
    assert model.rush == ((420.0, 570.0), (1020.0, 1170.0))
    assert TravelModel.from_dict({}) == TravelModel()
    assert TravelModel.from_dict({"rush": []}).rush == ()


@pytest.mark.parametrize(
    ("d", "message"),
    [
        # a zero speed
        ({"modes": {"transit": {"rush_kmh": 0}}}, "modes.transit.rush_kmh must be > 0: 0"),
        # rush faster than off-peak
        (
            {"modes": {"transit": {"rush_kmh": 30}}},
            r"modes.transit.rush_kmh must be <= offpeak_kmh \(22\): 30",
        ),
        # roads shorter than the straight line
        ({"modes": {"drive": {"circuity": 0.9}}}, "modes.drive.circuity must be >= 1: 0.9"),
        # negative access time
        ({"modes": {"bike": {"access_min": -1}}}, "modes.bike.access_min must be >= 0: -1"),
        # a bool is not a speed
        ({"modes": {"walk": {"offpeak_kmh": True}}}, "modes.walk.offpeak_kmh must be a number"),
        # a string is not a speed
        ({"modes": {"walk": {"offpeak_kmh": "fast"}}}, "modes.walk.offpeak_kmh must be a number"),
        # a mode we do not have
        ({"modes": {"boat": {}}}, "unknown mode 'boat'"),
        # a typo inside a mode
        ({"modes": {"transit": {"speed": 3}}}, "unknown key 'speed' in modes.transit"),
        # modes of the wrong JSON type
        ({"modes": []}, "modes must be an object"),
        # an unknown top-level key
        ({"speed": 1}, "unknown travel-model key 'speed'"),
        # another provider's echo
        ({"kind": "osrm"}, "kind must be 'builtin'"),
        # a negative walking threshold
        ({"walk_below_km": -1}, "walk_below_km must be >= 0: -1"),
        # a walking threshold that is not a number
        ({"walk_below_km": "far"}, "walk_below_km must be a number"),
        # an interval that ends before it starts
        ({"rush": [["09:30", "07:00"]]}, r"rush\[0\] must end after it starts: 09:30-07:00"),
        # overlapping intervals
        (
            {"rush": [["07:00", "09:30"], ["09:00", "10:00"]]},
            r"rush\[1\] starts 09:00, before rush\[0\] ends 09:30",
        ),
        # intervals out of order
        ({"rush": [["17:00", "19:30"], ["07:00", "09:30"]]}, "must be sorted"),
        # not HH:MM
        ({"rush": [["7am", "09:30"]]}, r"rush\[0\]\[0\] must be a time 'HH:MM'"),
        # past the end of the day
        ({"rush": [["07:00", "24:01"]]}, r"rush\[0\]\[1\] must be a time 'HH:MM'"),
        # half an interval
        ({"rush": [["07:00"]]}, r"rush\[0\] must be a pair"),
        # a string instead of a list
        ({"rush": "07:00-09:30"}, "rush must be a list"),
    ],
)
def test_from_dict_errors_name_the_field(d: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidTravelModel, match=message):
        TravelModel.from_dict(d)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # a negative speed
        (
            dict(circuity=1.0, offpeak_kmh=-5.0, rush_kmh=4.0, access_min=0.0),
            "offpeak_kmh must be > 0",
        ),
        # an infinite speed
        (dict(circuity=1.0, offpeak_kmh=math.inf, rush_kmh=4.0, access_min=0.0), "must be finite"),
        # a NaN access time
        (dict(circuity=1.0, offpeak_kmh=5.0, rush_kmh=4.0, access_min=math.nan), "must be finite"),
    ],
)
def test_mode_speeds_refuse_bad_values(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidTravelModel, match=message):
        ModeSpeeds(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # a partial table of modes
        ({"modes": {"transit": TravelModel().modes["transit"]}}, "'drive' missing"),
        ({"rush": ((420.5, 570.0),)}, "whole minute"),  # not echoable as HH:MM
        ({"rush": ((420.0, 1500.0),)}, "whole minute from 0"),  # past the day
        ({"rush": ((420.0,),)}, "pair"),  # not a pair
    ],
)
def test_the_constructor_validates_the_model(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidTravelModel, match=message):
        TravelModel(**kwargs)  # type: ignore[arg-type]


def test_an_unknown_mode_or_a_non_finite_time_is_refused() -> None:
    model = TravelModel()
    with pytest.raises(InvalidTravelModel, match="mode must be one of"):
        model.leg(BEIJING, north_of(BEIJING, 5.0), "boat", 600.0)
    with pytest.raises(InvalidTravelModel, match="depart_min must be a finite number"):
        model.leg(BEIJING, north_of(BEIJING, 5.0), "walk", math.nan)
    with pytest.raises(InvalidTravelModel, match="mode must be one of"):
        model.matrix([BEIJING], "boat")


def test_the_model_is_a_travel_time_provider_and_hashable() -> None:
    model = TravelModel()
    assert isinstance(model, TravelTimeProvider)
    assert model.kind == "builtin"
    assert {model: 1}[TravelModel()] == 1
