"""The one place that imports pyvalhalla: the engine config, its requests (matrix in
chunks, route, locate, status) and the translation of its errors into ours.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.latlon import LatLon
from geo.providers.errors import ProviderUnavailable, RoadNetworkError

try:
    import valhalla
except ImportError as err:  # pragma: no cover - exercised only without pyvalhalla
    valhalla = None
    _IMPORT_ERROR: ImportError | None = err
else:
    _IMPORT_ERROR = None

__all__ = ["Engine", "default_config", "engine_version"]

_TIMEDEP_MATRIX_M = 500_000.0  # Valhalla ships 0: time-dependent matrices switched off


def _library() -> Any:
    if valhalla is None:
        raise ProviderUnavailable(
            "the Valhalla provider needs pyvalhalla (pip install pyvalhalla)"
        ) from _IMPORT_ERROR
    return valhalla


def engine_version() -> str:
    """The pyvalhalla version, e.g. ``"3.9.1"``."""
    return str(_library().__version__)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def default_config(
    tiles: Path, overrides: Mapping[str, Any] | None = None, *, log: bool = False
) -> dict[str, Any]:
    """A Valhalla config for the tiles at ``tiles`` (a directory or a .tar extract).

    Starts from pyvalhalla's defaults, points ``mjolnir`` at the tiles, drops the default
    ``/data/valhalla`` side files, switches on time-dependent matrices and verbose
    status, then merges ``overrides`` (nested mappings merge key by key).
    """
    lib = _library()
    if not tiles.exists():
        raise ProviderUnavailable(f"no Valhalla tiles at {tiles}")
    is_tar = tiles.is_file()
    config: dict[str, Any] = lib.get_config(
        tile_extract=tiles if is_tar else "", tile_dir=tiles if not is_tar else ""
    )
    mjolnir = config["mjolnir"]
    for key in ("traffic_extract", "admin", "landmarks", "timezone"):
        mjolnir[key] = ""
    config["logging"]["type"] = "std_out" if log else ""
    limits = config["service_limits"]
    limits["max_timedep_distance_matrix"] = _TIMEDEP_MATRIX_M
    limits["status"]["allow_verbose"] = True
    return _merge(config, overrides or {})


def _location(p: LatLon, snap_m: float) -> dict[str, float]:
    return {"lat": p.lat, "lon": p.lon, "search_cutoff": snap_m}


class Engine:
    """A pyvalhalla ``Actor`` with chunked matrices and translated errors.

    Parameters
    ----------
    config : dict
        A full Valhalla config (see :func:`default_config`).
    snap_m : float
        How far, in metres, a point may lie from the road it is placed on.
    """

    def __init__(self, config: dict[str, Any], snap_m: float) -> None:
        lib = _library()
        self.config = config
        self.snap_m = snap_m
        self.calls = 0
        self._router: Any = None
        try:
            self._actor = lib.Actor(config)
            self.status: dict[str, Any] = self._actor.status({"verbose": True})
        except (RuntimeError, OSError, AttributeError, ValueError) as err:
            raise ProviderUnavailable(f"Valhalla cannot load its tiles: {err}") from err
        if not self.status.get("has_tiles", False):
            raise ProviderUnavailable("Valhalla found no road tiles in its config")

    def _route_actor(self) -> Any:
        """The actor routes go to: a second one, built on the first route. Once an actor
        has answered a large matrix, every later route on it runs 2-3 times slower
        (measured with pyvalhalla 3.9.1; bench/README.md section 6), and transit legs are
        routes."""
        if self._router is None:
            try:
                self._router = _library().Actor(self.config)
            except (RuntimeError, OSError, AttributeError, ValueError) as err:
                raise ProviderUnavailable(f"Valhalla cannot load its tiles: {err}") from err
        return self._router

    def _max_pairs(self, costing: str) -> int:
        limits = self.config["service_limits"].get(costing, {})
        return max(1, int(limits.get("max_matrix_location_pairs", 2500)))

    def matrix(
        self,
        sources: Sequence[LatLon],
        targets: Sequence[LatLon],
        costing: str,
        date_time: str | None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Seconds and km from every source to every target (NaN where there is no route).

        Splits the query into blocks of at most the costing's ``max_matrix_location_pairs``.
        """
        seconds = np.full((len(sources), len(targets)), np.nan)
        km = np.full_like(seconds, np.nan)
        pairs = self._max_pairs(costing)
        cols = min(len(targets), max(1, math.isqrt(pairs)))
        rows = max(1, pairs // cols)
        for r0 in range(0, len(sources), rows):
            for c0 in range(0, len(targets), cols):
                src, dst = sources[r0 : r0 + rows], targets[c0 : c0 + cols]
                request: dict[str, Any] = {
                    "sources": [_location(p, self.snap_m) for p in src],
                    "targets": [_location(p, self.snap_m) for p in dst],
                    "costing": costing,
                    "units": "kilometers",
                }
                if date_time is not None:
                    request["date_time"] = {"type": 1, "value": date_time}
                answer = self._call("matrix", request, [*src, *dst])
                for i, row in enumerate(answer["sources_to_targets"]):
                    for j, cell in enumerate(row):
                        if cell.get("time") is not None and cell.get("distance") is not None:
                            seconds[r0 + i, c0 + j] = float(cell["time"])
                            km[r0 + i, c0 + j] = float(cell["distance"])
        return seconds, km

    def route(
        self,
        a: LatLon,
        b: LatLon,
        costing: str,
        date_time: str | None,
        options: Mapping[str, Any],
        *,
        locate_on_error: bool = True,
    ) -> tuple[float, float]:
        """Seconds and km of the best route from ``a`` to ``b``.

        Asks for no turn-by-turn directions (only the summary is read). Without
        ``locate_on_error`` a failure is not followed by a ``locate`` request naming the
        points off the network: for callers that know both points are on it.
        """
        request: dict[str, Any] = {
            "locations": [_location(a, self.snap_m), _location(b, self.snap_m)],
            "costing": costing,
            "units": "kilometers",
            "directions_type": "none",
            "costing_options": {key: dict(value) for key, value in options.items()},
        }
        if date_time is not None:
            request["date_time"] = {"type": 1, "value": date_time}
        answer = self._call("route", request, [a, b] if locate_on_error else [])
        summary = answer["trip"]["summary"]
        return float(summary["time"]), float(summary["length"])

    def _call(self, action: str, request: dict[str, Any], points: Sequence[LatLon]) -> Any:
        self.calls += 1
        actor = self._route_actor() if action == "route" else self._actor
        try:
            return getattr(actor, action)(request)
        except RuntimeError as err:  # valhalla.ValhallaError is a RuntimeError
            raise self._explain(err, request["costing"], points) from err

    def _explain(self, err: RuntimeError, costing: str, points: Sequence[LatLon]) -> Exception:
        """Name the points that cannot be placed on the network, when that is the cause
        (one ``locate`` request, skipped when no points are given)."""
        found = None
        if points:
            try:
                found = self._actor.locate(
                    {"locations": [_location(p, self.snap_m) for p in points], "costing": costing}
                )
            except RuntimeError:
                found = None
        if found is not None:
            off = tuple(i for i, hit in enumerate(found) if not hit.get("edges"))
            if off:
                named = ", ".join(
                    f"({p.lat}, {p.lon})" for p in dict.fromkeys(points[i] for i in off)
                )
                return RoadNetworkError(
                    f"no {costing} road within {self.snap_m:g} m of point(s) {named}",
                    tuple(dict.fromkeys(points[i] for i in off)),
                )
        text = str(err)
        if "unconnected" in text or "No path" in text or "No route" in text:
            return RoadNetworkError(f"no {costing} route between the points: {text}")
        return ProviderUnavailable(f"Valhalla failed ({costing}): {text}")
