"""Travel times: the built-in time-of-day model of DESIGN.md ("Travel times") and the
:class:`TravelTimeProvider` protocol that it, and every road-network adapter, satisfies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from geo import _travel_rules as rules
from geo._speed_profile import arrive_after, arrive_after_many, depart_before
from geo.distance import haversine_km, haversine_matrix_km
from geo.errors import InvalidTravelModel
from geo.latlon import LatLon

__all__ = [
    "MODES",
    "Leg",
    "ModeSpeeds",
    "TravelMatrix",
    "TravelModel",
    "TravelSource",
    "TravelTimeProvider",
]

MODES: tuple[str, ...] = ("transit", "drive", "bike", "walk")
"""The travel modes a rep may use, in the order the model echoes them."""

_SAME_PLACE_KM = 0.001  # two points closer than 1 m: a leg of 0 minutes and 0 km


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeSpeeds:
    """How one travel mode moves.

    Parameters
    ----------
    circuity : float
        Road distance over straight-line distance, >= 1.
    offpeak_kmh : float
        Speed along the road outside rush hours, km/h, > 0.
    rush_kmh : float
        Speed along the road in rush hours, km/h, > 0 and <= ``offpeak_kmh``.
    access_min : float
        Minutes spent before moving (walking to the station, parking), >= 0.

    Raises
    ------
    InvalidTravelModel
        If a value breaks its rule; the message names the field and the value.
    """

    circuity: float
    offpeak_kmh: float
    rush_kmh: float
    access_min: float

    def __post_init__(self) -> None:
        values = {name: getattr(self, name) for name in rules.SPEED_FIELDS}
        for name, number in rules.speed_values(values, "").items():
            object.__setattr__(self, name, number)


@dataclass(frozen=True, slots=True, kw_only=True)
class Leg:
    """One leg of travel.

    Parameters
    ----------
    minutes : float
        Door-to-door minutes, access included (not rounded).
    km : float
        Road kilometres: the straight line times the mode's circuity.
    """

    minutes: float
    km: float


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TravelMatrix:
    """Travel minutes and road km between every origin and every destination.

    Parameters
    ----------
    minutes : numpy.ndarray
        Float64, shape ``(len(origins), len(destinations))``.
    km : numpy.ndarray
        Float64, the same shape.

    Raises
    ------
    InvalidTravelModel
        If the arrays are not two-dimensional with one shape.

    Notes
    -----
    Both arrays are copied and made read-only, so a matrix never changes after it is
    built. Compare matrices with ``numpy.array_equal`` on the fields.
    """

    minutes: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        minutes = np.array(self.minutes, dtype=np.float64)
        km = np.array(self.km, dtype=np.float64)
        if minutes.ndim != 2 or minutes.shape != km.shape:
            raise InvalidTravelModel(
                "a travel matrix needs 2-D minutes and km of one shape: "
                f"{minutes.shape} and {km.shape}"
            )
        minutes.setflags(write=False)
        km.setflags(write=False)
        object.__setattr__(self, "minutes", minutes)
        object.__setattr__(self, "km", km)

    @property
    def shape(self) -> tuple[int, int]:
        """``(number of origins, number of destinations)``."""
        rows, cols = self.minutes.shape
        return (rows, cols)


@runtime_checkable
class TravelTimeProvider(Protocol):
    """What the planner needs from a source of travel times.

    Points are WGS-84; times are minutes after local midnight of the planned day.
    :class:`TravelModel` is the built-in provider; road-network adapters live in
    :mod:`geo.providers`.
    """

    def leg(self, a: LatLon, b: LatLon, mode: str, depart_min: float) -> Leg:
        """The leg from ``a`` to ``b`` by ``mode``, leaving at ``depart_min``."""
        ...

    def leg_arriving(self, a: LatLon, b: LatLon, mode: str, arrive_min: float) -> Leg:
        """The leg from ``a`` to ``b`` by ``mode`` that arrives exactly at ``arrive_min``."""
        ...

    def matrix(
        self,
        origins: Sequence[LatLon],
        mode: str,
        depart_min: float | None = None,
        destinations: Sequence[LatLon] | None = None,
    ) -> TravelMatrix:
        """Every leg from ``origins`` to ``destinations`` (default: ``origins``)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The JSON echo of the provider and its parameters (``{"kind": …, …}``)."""
        ...


@runtime_checkable
class TravelSource(Protocol):
    """Where a day's travel-time provider comes from: a setting, chosen once and passed
    everywhere (plans, runs, balances, the API), picklable so worker processes get it.

    :class:`TravelModel` is its own source (the same model every day); a road-network
    source builds a provider for each planned day (transit timetables and predicted
    traffic depend on the date).
    """

    def for_day(self, day: dt.date) -> TravelTimeProvider:
        """The provider that times legs on ``day``.

        Raises
        ------
        ProviderUnavailable
            If the source's engine cannot be used (callers fall back to the built-in model).
        """
        ...

    def to_dict(self) -> dict[str, Any]:
        """The JSON echo of the source (``{"kind": …, …}``)."""
        ...


class _ModeTable(Mapping[str, ModeSpeeds]):
    """An immutable, hashable mapping of every mode in :data:`MODES` to its speeds."""

    __slots__ = ("_dict", "_items")

    def __init__(self, items: Mapping[str, ModeSpeeds]) -> None:
        self._dict = {name: items[name] for name in MODES}
        self._items = tuple(self._dict.items())

    def __getitem__(self, key: str) -> ModeSpeeds:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return repr(self._dict)


_DEFAULT_MODES = _ModeTable(
    {
        "transit": ModeSpeeds(circuity=1.4, offpeak_kmh=22.0, rush_kmh=16.0, access_min=8.0),
        "drive": ModeSpeeds(circuity=1.3, offpeak_kmh=30.0, rush_kmh=18.0, access_min=3.0),
        "bike": ModeSpeeds(circuity=1.2, offpeak_kmh=14.0, rush_kmh=13.0, access_min=1.0),
        "walk": ModeSpeeds(circuity=1.2, offpeak_kmh=4.5, rush_kmh=4.5, access_min=0.0),
    }
)
_DEFAULT_RUSH: tuple[tuple[float, float], ...] = ((420.0, 570.0), (1020.0, 1170.0))


def _check_modes(modes: object) -> _ModeTable:
    if not isinstance(modes, Mapping):
        raise InvalidTravelModel(f"modes must be a mapping of mode to ModeSpeeds: {modes!r}")
    for name in modes:
        if name not in MODES:
            raise InvalidTravelModel(f"modes has an unknown mode {name!r} (known: {MODES})")
    for name in MODES:
        if name not in modes:
            raise InvalidTravelModel(f"modes must define every mode of {MODES}: {name!r} missing")
        if not isinstance(modes[name], ModeSpeeds):
            raise InvalidTravelModel(f"modes.{name} must be a ModeSpeeds: {modes[name]!r}")
    return modes if isinstance(modes, _ModeTable) else _ModeTable(modes)


@dataclass(frozen=True, slots=True, kw_only=True)
class TravelModel:
    """The built-in travel model: great circle × circuity at time-of-day speeds.

    A leg from *a* to *b* (WGS-84) leaving at *t*: under 1 m apart it takes 0 minutes
    and 0 km; under ``walk_below_km`` it is walked, else it uses the requested mode. The
    road distance is the great-circle distance times the mode's circuity; the leg first
    spends the mode's access minutes, then covers the road distance at the speed in
    force at each moment (rush or off-peak by wall-clock minute of the day, integrated
    across the boundaries), so leaving later never arrives earlier. This is exactly
    ``leg()`` of the checker (``tools/check_plan.py``).

    Parameters
    ----------
    walk_below_km : float, default 0.8
        Straight-line km below which every leg is walked, >= 0.
    rush : tuple of (float, float), default ((420, 570), (1020, 1170))
        Rush intervals ``[start, end)`` in whole minutes after local midnight (07:00-09:30
        and 17:00-19:30), within 0-1440, sorted and not overlapping. Rush hours apply to
        the planned day only: times past 24:00 are off-peak.
    modes : mapping of str to ModeSpeeds, default the DESIGN.md table
        Speeds of every mode in :data:`MODES`, no more and no fewer. Stored as an
        immutable mapping, so the model is hashable.

    Raises
    ------
    InvalidTravelModel
        If a parameter breaks its rule.

    Examples
    --------
    >>> leg = TravelModel().leg(LatLon(39.90, 116.40), LatLon(39.99, 116.40), "transit", 660.0)
    >>> round(leg.km, 3), round(leg.minutes, 2)
    (14.011, 46.21)
    """

    walk_below_km: float = 0.8
    rush: tuple[tuple[float, float], ...] = _DEFAULT_RUSH
    modes: Mapping[str, ModeSpeeds] = _DEFAULT_MODES

    def __post_init__(self) -> None:
        walk_below = rules.number(self.walk_below_km, "walk_below_km")
        if walk_below < 0.0:
            raise InvalidTravelModel(f"walk_below_km must be >= 0: {self.walk_below_km!r}")
        object.__setattr__(self, "walk_below_km", walk_below)
        object.__setattr__(self, "rush", rules.check_rush(self.rush))
        object.__setattr__(self, "modes", _check_modes(self.modes))

    @property
    def kind(self) -> str:
        """``"builtin"``: the ``kind`` this model echoes in plans."""
        return "builtin"

    def _speeds(self, mode: str) -> ModeSpeeds:
        try:
            return self.modes[mode]
        except (KeyError, TypeError):
            raise InvalidTravelModel(f"mode must be one of {MODES}: {mode!r}") from None

    def _profile(self, crow_km: float, mode: ModeSpeeds) -> ModeSpeeds:
        return self.modes["walk"] if crow_km < self.walk_below_km else mode

    def leg(self, a: LatLon, b: LatLon, mode: str, depart_min: float) -> Leg:
        """The leg from ``a`` to ``b`` leaving at ``depart_min``.

        Parameters
        ----------
        a, b : LatLon
            Origin and destination, in WGS-84.
        mode : str
            One of :data:`MODES` (legs under ``walk_below_km`` are walked regardless).
        depart_min : float
            Departure in minutes after local midnight.

        Returns
        -------
        Leg
            Minutes and road km; ``Leg(minutes=0.0, km=0.0)`` under 1 m.

        Raises
        ------
        InvalidTravelModel
            If ``mode`` is unknown or ``depart_min`` is not finite.
        """
        speeds = self._speeds(mode)
        rules.finite_time(depart_min, "depart_min")
        crow = haversine_km(a, b)
        if crow < _SAME_PLACE_KM:
            return Leg(minutes=0.0, km=0.0)
        used = self._profile(crow, speeds)
        road = crow * used.circuity
        arrive = arrive_after(
            depart_min + used.access_min, road, used.offpeak_kmh, used.rush_kmh, self.rush
        )
        return Leg(minutes=arrive - depart_min, km=road)

    def leg_arriving(self, a: LatLon, b: LatLon, mode: str, arrive_min: float) -> Leg:
        """The leg from ``a`` to ``b`` that arrives exactly at ``arrive_min``.

        Integrates backwards from the arrival: the road distance at the speeds in force,
        then the access minutes. Leaving ``result.minutes`` before ``arrive_min`` is the
        latest departure that still arrives in time, and ``leg()`` from then agrees.

        Parameters
        ----------
        a, b : LatLon
            Origin and destination, in WGS-84.
        mode : str
            One of :data:`MODES`.
        arrive_min : float
            Arrival in minutes after local midnight.

        Returns
        -------
        Leg
            Minutes and road km; ``Leg(minutes=0.0, km=0.0)`` under 1 m.

        Raises
        ------
        InvalidTravelModel
            If ``mode`` is unknown or ``arrive_min`` is not finite.
        """
        speeds = self._speeds(mode)
        rules.finite_time(arrive_min, "arrive_min")
        crow = haversine_km(a, b)
        if crow < _SAME_PLACE_KM:
            return Leg(minutes=0.0, km=0.0)
        used = self._profile(crow, speeds)
        road = crow * used.circuity
        moving = depart_before(arrive_min, road, used.offpeak_kmh, used.rush_kmh, self.rush)
        return Leg(minutes=arrive_min - (moving - used.access_min), km=road)

    def matrix(
        self,
        origins: Sequence[LatLon],
        mode: str,
        depart_min: float | None = None,
        destinations: Sequence[LatLon] | None = None,
    ) -> TravelMatrix:
        """Every leg from ``origins`` to ``destinations``, vectorised.

        Parameters
        ----------
        origins : sequence of LatLon
            Row points, WGS-84.
        mode : str
            One of :data:`MODES`.
        depart_min : float, optional
            Every leg leaves at this minute after midnight, and entry ``[i, j]`` equals
            ``leg(origins[i], destinations[j], mode, depart_min)``. When omitted, every
            leg is timed at off-peak speeds (no rush at all).
        destinations : sequence of LatLon, optional
            Column points, WGS-84; ``origins`` when omitted.

        Returns
        -------
        TravelMatrix
            Minutes and road km, shape ``(len(origins), len(destinations))``.

        Raises
        ------
        InvalidTravelModel
            If ``mode`` is unknown or ``depart_min`` is not finite.
        """
        speeds = self._speeds(mode)
        if depart_min is not None:
            rules.finite_time(depart_min, "depart_min")
        crow = haversine_matrix_km(origins, destinations)
        moving = crow >= _SAME_PLACE_KM
        walked = moving & (crow < self.walk_below_km)
        minutes = np.zeros_like(crow)
        km = np.zeros_like(crow)
        for used, mask in ((self.modes["walk"], walked), (speeds, moving & ~walked)):
            if not mask.any():
                continue
            road = crow[mask] * used.circuity
            km[mask] = road
            if depart_min is None:
                minutes[mask] = used.access_min + road / used.offpeak_kmh * 60.0
            else:
                arrive = arrive_after_many(
                    depart_min + used.access_min, road, used.offpeak_kmh, used.rush_kmh, self.rush
                )
                minutes[mask] = arrive - depart_min
        return TravelMatrix(minutes=minutes, km=km)

    def for_day(self, day: dt.date) -> TravelModel:
        """This model: the built-in model times every day alike (it is its own source)."""
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON echo of this model, as plans carry it in ``solver.travel_model``.

        Returns
        -------
        dict
            ``{"kind": "builtin", "walk_below_km": …, "rush": [["07:00", "09:30"], …],
            "modes": {"transit": {"circuity": …, "offpeak_kmh": …, "rush_kmh": …,
            "access_min": …}, …}}``; whole numbers appear as ints.
        """
        return {
            "kind": self.kind,
            "walk_below_km": rules.json_number(self.walk_below_km),
            "rush": [[rules.hhmm(start), rules.hhmm(end)] for start, end in self.rush],
            "modes": {
                name: {f: rules.json_number(getattr(s, f)) for f in rules.SPEED_FIELDS}
                for name, s in self.modes.items()
            },
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TravelModel:
        """Read a model from its JSON echo (the shape :meth:`to_dict` writes).

        Absent or null keys take their defaults, also inside ``modes`` (a mode given with
        only ``rush_kmh`` keeps the other defaults of that mode).

        Parameters
        ----------
        d : mapping
            ``kind`` (``"builtin"`` if given), ``walk_below_km``, ``rush`` as
            ``[["HH:MM", "HH:MM"], …]`` and ``modes``.

        Returns
        -------
        TravelModel
            The model.

        Raises
        ------
        InvalidTravelModel
            On an unknown key or mode, or an invalid value; the message names the field
            (``modes.transit.rush_kmh``).
        """
        if not isinstance(d, Mapping):
            raise InvalidTravelModel(f"a travel model must be a JSON object: {d!r}")
        for key in d:
            if key not in rules.MODEL_KEYS:
                raise InvalidTravelModel(
                    f"unknown travel-model key {key!r} (known: {rules.MODEL_KEYS})"
                )
        kind = d.get("kind")
        if kind is not None and kind != "builtin":
            raise InvalidTravelModel(f"kind must be 'builtin' for the built-in model: {kind!r}")
        walk_below = d.get("walk_below_km")
        rush = d.get("rush")
        return cls(
            walk_below_km=0.8 if walk_below is None else rules.number(walk_below, "walk_below_km"),
            rush=_DEFAULT_RUSH if rush is None else rules.parse_rush(rush),
            modes=_parse_modes(d.get("modes")),
        )


def _parse_modes(modes: object) -> _ModeTable:
    if modes is None:
        return _DEFAULT_MODES
    if not isinstance(modes, Mapping):
        raise InvalidTravelModel(f"modes must be an object of mode to speeds: {modes!r}")
    table = dict(_DEFAULT_MODES)
    for name, given in modes.items():
        if name not in MODES:
            raise InvalidTravelModel(f"unknown mode {name!r} in modes (known: {MODES})")
        if given is None:
            continue
        if not isinstance(given, Mapping):
            raise InvalidTravelModel(f"modes.{name} must be an object: {given!r}")
        for key in given:
            if key not in rules.SPEED_FIELDS:
                raise InvalidTravelModel(
                    f"unknown key {key!r} in modes.{name} (known: {rules.SPEED_FIELDS})"
                )
        default = _DEFAULT_MODES[name]
        merged = {
            f: getattr(default, f) if given.get(f) is None else given[f] for f in rules.SPEED_FIELDS
        }
        table[name] = ModeSpeeds(**rules.speed_values(merged, f"modes.{name}."))
    return _ModeTable(table)
