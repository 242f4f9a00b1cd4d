"""Travel times on a real road network: :class:`ValhallaProvider`, a
:class:`geo.TravelTimeProvider` over Valhalla tiles read in-process through pyvalhalla.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from geo import _travel_rules as rules
from geo.distance import haversine_km, haversine_matrix_km
from geo.errors import InvalidTravelModel
from geo.latlon import LatLon
from geo.providers import _time_buckets as buckets
from geo.providers._valhalla_engine import Engine, default_config, engine_version
from geo.providers.errors import ModeUnavailable, RoadNetworkError
from geo.travel import MODES, Leg, TravelMatrix

__all__ = ["COSTING", "SPEED_CAPS_KMH", "ValhallaProvider"]

COSTING: Mapping[str, str] = {
    "drive": "auto",
    "bike": "bicycle",
    "walk": "pedestrian",
    "transit": "multimodal",
}
"""The Valhalla costing of each travel mode."""

SPEED_CAPS_KMH: Mapping[str, float] = {"transit": 40.0, "drive": 60.0, "bike": 25.0, "walk": 7.0}
"""DESIGN.md's ceiling on door-to-door speed (great-circle km over leg minutes)."""

MANIFEST = "ironroute_tiles.json"
"""The file :func:`geo.providers.valhalla_build.build_tiles` writes beside the tiles."""

_WALK = COSTING["walk"]
_SAME_PLACE_KM = 0.001
_KEY_DIGITS = 6  # cache keys round coordinates to about 0.1 m
_UNTIMED_TRANSIT_MIN = 720.0  # transit needs a time: an untimed matrix is timed at noon
_REFERENCE_DAY = dt.date(2026, 1, 7)  # a Wednesday, used when no day is given
_TRANSIT_OPTIONS: Mapping[str, Mapping[str, float]] = {
    "transit": {"use_bus": 1.0, "use_rail": 1.0, "use_transfers": 0.5}
}

_Key = tuple[float, float, float, float]


def _key(a: LatLon, b: LatLon) -> _Key:
    return (
        round(a.lat, _KEY_DIGITS),
        round(a.lon, _KEY_DIGITS),
        round(b.lat, _KEY_DIGITS),
        round(b.lon, _KEY_DIGITS),
    )


def _read_manifest(tiles: Path) -> dict[str, Any]:
    for folder in (tiles, tiles.parent):
        path = folder / MANIFEST
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
    return {}


class ValhallaProvider:
    """Travel times from Valhalla tiles, cached so the planner's many legs stay cheap.

    ``matrix()`` asks Valhalla for every pair it has not seen (the matrix action, in
    chunks; one route per pair for transit, which Valhalla has no matrix for) and caches
    the answers; ``leg()`` and ``leg_arriving()`` read the cache and ask only on a miss.
    Legs under ``walk_below_km`` are walked, and points under 1 m apart take 0 minutes.
    A transit leg is never slower than walking the pair (the rider may walk): the walk
    comes from one walk matrix, and a pair no bus or train serves at that time takes it.

    Time matters for transit, and for driving when the tiles carry predicted traffic.
    Then Valhalla is asked at the start of ``bucket_min``-minute buckets and a leg leaving
    at *t* takes the earliest arrival of leaving now or waiting at the origin for a later
    bucket, so leaving later never arrives earlier. Every leg is finally held to the
    speed caps of :data:`SPEED_CAPS_KMH` (its minutes are raised when needed).

    Parameters
    ----------
    tiles : path
        A tile directory or a .tar tile extract (as ``build_tiles`` writes).
    config : mapping, optional
        Valhalla config keys merged over the defaults (nested keys merge one by one).
    day : datetime.date, optional
        The planned day, for transit schedules and predicted traffic; a Wednesday,
        2026-01-07, when omitted.
    traffic : bool, optional
        Whether the tiles carry predicted traffic; read from the build manifest when
        omitted (``False`` without one).
    bucket_min : float, default 15
        Length of the time buckets, minutes.
    walk_below_km : float, default 0.8
        Straight-line km below which every leg is walked (as the built-in model).
    snap_m : float, default 500
        How far a point may lie from the nearest usable road, metres.
    transit_neighbours : int, default 8
        In an untimed transit matrix (the planner's), how many nearest points of each
        point are routed by transit; farther pairs take the walk, an upper bound.

    Raises
    ------
    ProviderUnavailable
        If pyvalhalla is missing or the tiles cannot be loaded.
    InvalidTravelModel
        If a number breaks its rule.
    """

    def __init__(
        self,
        tiles: str | Path,
        *,
        config: Mapping[str, Any] | None = None,
        day: dt.date | None = None,
        traffic: bool | None = None,
        bucket_min: float = 15.0,
        walk_below_km: float = 0.8,
        snap_m: float = 500.0,
        transit_neighbours: int = 8,
    ) -> None:
        if isinstance(transit_neighbours, bool) or not isinstance(transit_neighbours, int):
            raise InvalidTravelModel(f"transit_neighbours must be an int: {transit_neighbours!r}")
        if transit_neighbours < 1:
            raise InvalidTravelModel(f"transit_neighbours must be >= 1: {transit_neighbours!r}")
        self.transit_neighbours = transit_neighbours
        for name, value in (("bucket_min", bucket_min), ("snap_m", snap_m)):
            if rules.number(value, name) <= 0.0:
                raise InvalidTravelModel(f"{name} must be > 0: {value!r}")
        if rules.number(walk_below_km, "walk_below_km") < 0.0:
            raise InvalidTravelModel(f"walk_below_km must be >= 0: {walk_below_km!r}")
        self.tiles = Path(tiles).resolve()
        manifest = _read_manifest(self.tiles)
        self.day = day or _REFERENCE_DAY
        self.traffic = bool(manifest.get("traffic", False)) if traffic is None else traffic
        self.bucket_min = float(bucket_min)
        self.walk_below_km = float(walk_below_km)
        self._engine = Engine(default_config(self.tiles, config), float(snap_m))
        self.transit = bool(self._engine.status.get("has_transit_tiles", False))
        self._cache: dict[tuple[str, _Key, int | None], tuple[float, float]] = {}

    @property
    def kind(self) -> str:
        """``"valhalla"``: the ``kind`` this provider echoes in plans."""
        return "valhalla"

    @property
    def engine_calls(self) -> int:
        """How many requests went to Valhalla so far (cache misses, chunks, retries)."""
        return self._engine.calls

    def supports(self, mode: str) -> bool:
        """Whether ``mode`` can be answered (transit needs transit tiles)."""
        return mode in COSTING and (mode != "transit" or self.transit)

    # -- the cache -------------------------------------------------------------------

    def _costing(self, mode: str, crow_km: float) -> str:
        if mode not in COSTING:
            raise InvalidTravelModel(f"mode must be one of {MODES}: {mode!r}")
        if mode == "transit" and not self.transit:
            raise ModeUnavailable(
                f"no transit in the tiles at {self.tiles}: build them with a GTFS feed"
            )
        return COSTING["walk"] if crow_km < self.walk_below_km else COSTING[mode]

    def _timed(self, costing: str) -> bool:
        return costing == "multimodal" or (costing == "auto" and self.traffic)

    def _date_time(self, bucket: int) -> str:
        start = dt.datetime.combine(self.day, dt.time()) + dt.timedelta(
            minutes=bucket * self.bucket_min
        )
        return start.strftime("%Y-%m-%dT%H:%M")

    def _fill(
        self, costing: str, pairs: Sequence[tuple[LatLon, LatLon]], bucket: int | None
    ) -> None:
        """Ask Valhalla for the pairs not yet cached, in as few requests as it allows."""
        missing = [(a, b) for a, b in pairs if (costing, _key(a, b), bucket) not in self._cache]
        if not missing:
            return
        when = None if bucket is None else self._date_time(bucket)
        if costing == "multimodal":
            # the rider may always walk: one walk matrix bounds every pair, and it has
            # placed both points on the network, so a failed route needs no explaining
            self._fill(_WALK, missing, None)
            for a, b in missing:
                walk = self._cache[(_WALK, _key(a, b), None)]
                try:
                    ride = self._engine.route(
                        a, b, costing, when, _TRANSIT_OPTIONS, locate_on_error=False
                    )
                except RoadNetworkError:
                    ride = walk  # no bus or train serves the pair at this time
                self._cache[(costing, _key(a, b), bucket)] = min(ride, walk)
            return
        sources = list({(p.lat, p.lon): p for p, _ in missing}.values())
        targets = list({(p.lat, p.lon): p for _, p in missing}.values())
        seconds, km = self._engine.matrix(sources, targets, costing, when)
        for i, a in enumerate(sources):
            for j, b in enumerate(targets):
                if not math.isnan(seconds[i, j]):
                    self._cache[(costing, _key(a, b), bucket)] = (seconds[i, j], km[i, j])
        for a, b in missing:
            if (costing, _key(a, b), bucket) not in self._cache:
                raise RoadNetworkError(
                    f"no {costing} route from ({a.lat}, {a.lon}) to ({b.lat}, {b.lon})", (a, b)
                )

    def _sample(
        self, a: LatLon, b: LatLon, costing: str, bucket: int | None
    ) -> tuple[float, float]:
        self._fill(costing, [(a, b)], bucket)
        seconds, km = self._cache[(costing, _key(a, b), bucket)]
        return seconds / 60.0, km

    # -- the protocol ----------------------------------------------------------------

    def _cap_min(self, mode: str, costing: str, crow_km: float) -> float:
        used = "walk" if costing == COSTING["walk"] else mode
        return crow_km / SPEED_CAPS_KMH[used] * 60.0

    def _untimed(self, a: LatLon, b: LatLon, mode: str) -> tuple[float, str, float, Leg | None]:
        """What ``leg`` and ``leg_arriving`` share: the straight line, the costing, the
        speed cap's minutes, and the leg itself when the time of day does not change it
        (the same place, or a costing without timetable or traffic)."""
        crow = haversine_km(a, b)
        costing = self._costing(mode, crow)
        if crow < _SAME_PLACE_KM:
            return crow, costing, 0.0, Leg(minutes=0.0, km=0.0)
        cap = self._cap_min(mode, costing, crow)
        if self._timed(costing):
            return crow, costing, cap, None
        minutes, km = self._sample(a, b, costing, None)
        return crow, costing, cap, Leg(minutes=max(minutes, cap), km=max(km, crow))

    def leg(self, a: LatLon, b: LatLon, mode: str, depart_min: float) -> Leg:
        """The leg from ``a`` to ``b`` by ``mode``, leaving at ``depart_min``.

        Raises
        ------
        InvalidTravelModel
            If ``mode`` is unknown or ``depart_min`` is not finite.
        ModeUnavailable
            If ``mode`` is transit and the tiles have none.
        RoadNetworkError
            If a point is off the network or the pair has no route.
        ProviderUnavailable
            If Valhalla fails otherwise.
        """
        rules.finite_time(depart_min, "depart_min")
        crow, costing, cap, fixed = self._untimed(a, b, mode)
        if fixed is not None:
            return fixed
        arrive, km = buckets.earliest_arrival(
            depart_min, self.bucket_min, lambda k: self._sample(a, b, costing, k)
        )
        return Leg(minutes=max(arrive - depart_min, cap), km=max(km, crow))

    def leg_arriving(self, a: LatLon, b: LatLon, mode: str, arrive_min: float) -> Leg:
        """The leg from ``a`` to ``b`` leaving at the latest minute that arrives by
        ``arrive_min``; ``leg()`` from that minute arrives by ``arrive_min``.

        Raises
        ------
        InvalidTravelModel, ModeUnavailable, RoadNetworkError, ProviderUnavailable
            As :meth:`leg`.
        """
        rules.finite_time(arrive_min, "arrive_min")
        crow, costing, cap, fixed = self._untimed(a, b, mode)
        if fixed is not None:
            return fixed
        latest, _ = buckets.arrive_by(
            arrive_min, self.bucket_min, lambda k: self._sample(a, b, costing, k)
        )
        depart = min(latest, arrive_min - cap)
        return Leg(minutes=arrive_min - depart, km=self.leg(a, b, mode, depart).km)

    def matrix(
        self,
        origins: Sequence[LatLon],
        mode: str,
        depart_min: float | None = None,
        destinations: Sequence[LatLon] | None = None,
    ) -> TravelMatrix:
        """Every leg from ``origins`` to ``destinations`` (default: ``origins``).

        Entry ``[i, j]`` equals ``leg(origins[i], destinations[j], mode, depart_min)``.
        Without ``depart_min`` driving on predicted traffic takes Valhalla's
        time-independent speeds, and transit is a planning matrix that is never
        optimistic: the leg leaving at 12:00 between each point and its
        ``transit_neighbours`` nearest (by straight line, either way), and the walk (which
        the transit leg never exceeds) between points farther apart, so a route between
        near neighbours costs one engine call per pair instead of every pair.

        Raises
        ------
        InvalidTravelModel, ModeUnavailable, RoadNetworkError, ProviderUnavailable
            As :meth:`leg`.
        """
        targets = origins if destinations is None else destinations
        crow = haversine_matrix_km(origins, targets)
        if mode not in COSTING:
            raise InvalidTravelModel(f"mode must be one of {MODES}: {mode!r}")
        if depart_min is not None:
            rules.finite_time(depart_min, "depart_min")
        planning = depart_min is None and mode == "transit"
        if planning:
            depart_min = _UNTIMED_TRANSIT_MIN
            self._costing(mode, 1.0)  # transit tiles or ModeUnavailable
        near = self._near(crow) if planning else np.ones(crow.shape, dtype=bool)
        groups: dict[str, list[tuple[LatLon, LatLon]]] = {}
        for i, a in enumerate(origins):
            for j, b in enumerate(targets):
                if crow[i, j] >= _SAME_PLACE_KM:
                    costing = self._costing(mode, crow[i, j]) if near[i, j] else _WALK
                    groups.setdefault(costing, []).append((a, b))
        for costing, pairs in groups.items():
            if depart_min is not None and self._timed(costing):
                self._prefetch(costing, pairs, depart_min)
            else:
                self._fill(costing, pairs, None)
        minutes = np.zeros_like(crow)
        km = np.zeros_like(crow)
        for i, a in enumerate(origins):
            for j, b in enumerate(targets):
                if crow[i, j] >= _SAME_PLACE_KM:
                    if not near[i, j]:
                        leg = self._untimed_leg(a, b, "walk", crow[i, j])
                    elif depart_min is None:
                        leg = self._untimed_leg(a, b, mode, crow[i, j])
                    else:
                        leg = self.leg(a, b, mode, depart_min)
                    minutes[i, j], km[i, j] = leg.minutes, leg.km
        return TravelMatrix(minutes=minutes, km=km)

    def _prefetch(
        self, costing: str, pairs: Sequence[tuple[LatLon, LatLon]], depart_min: float
    ) -> None:
        """Fill, in bulk, every bucket that the legs leaving at ``depart_min`` will read."""
        bucket = math.floor(depart_min / self.bucket_min)
        best = [math.inf] * len(pairs)
        waiting = list(range(len(pairs)))
        while waiting:
            self._fill(costing, [pairs[n] for n in waiting], bucket)
            start = max(depart_min, bucket * self.bucket_min)
            for n in waiting:
                minutes, _ = self._sample(*pairs[n], costing, bucket)
                best[n] = min(best[n], start + minutes)
            bucket += 1
            waiting = [n for n in waiting if bucket * self.bucket_min < best[n]]

    def _near(self, crow: np.ndarray) -> np.ndarray:
        """Which entries pair a point with one of its ``transit_neighbours`` nearest, as
        an origin or as a destination (the point itself included)."""
        near = np.zeros(crow.shape, dtype=bool)
        k = self.transit_neighbours + 1
        np.put_along_axis(near, np.argsort(crow, axis=1, kind="stable")[:, :k], True, axis=1)
        np.put_along_axis(near, np.argsort(crow, axis=0, kind="stable")[:k, :], True, axis=0)
        return near

    def _untimed_leg(self, a: LatLon, b: LatLon, mode: str, crow: float) -> Leg:
        costing = self._costing(mode, crow)
        minutes, km = self._sample(a, b, costing, None)
        return Leg(minutes=max(minutes, self._cap_min(mode, costing, crow)), km=max(km, crow))

    def to_dict(self) -> dict[str, Any]:
        """The JSON echo of this provider, as plans carry it in ``solver.travel_model``.

        Returns
        -------
        dict
            ``{"kind": "valhalla", "tiles": …, "version": …, "traffic": bool,
            "transit": bool, "day": "YYYY-MM-DD", "bucket_min": …, "walk_below_km": …,
            "snap_m": …, "transit_neighbours": …, "costing": {mode: costing},
            "speed_caps_kmh": {mode: km/h}}``.
        """
        return {
            "kind": self.kind,
            "tiles": str(self.tiles),
            "version": engine_version(),
            "traffic": self.traffic,
            "transit": self.transit,
            "day": self.day.isoformat(),
            "bucket_min": rules.json_number(self.bucket_min),
            "walk_below_km": rules.json_number(self.walk_below_km),
            "snap_m": rules.json_number(self._engine.snap_m),
            "transit_neighbours": self.transit_neighbours,
            "costing": dict(COSTING),
            "speed_caps_kmh": {m: rules.json_number(v) for m, v in SPEED_CAPS_KMH.items()},
        }
