"""Integrating a distance over a piecewise-constant speed (off-peak / rush by the clock).

Private to :mod:`geo.travel`. The forward loop mirrors ``leg()`` in the checker step for
step, so that both produce the same minutes to the last few ulps.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

MINUTES_PER_DAY = 1440.0
_DONE_KM = 1e-12  # distance left that counts as arrived (the checker's threshold)

Rush = tuple[tuple[float, float], ...]


def _segment_forward(t: float, offpeak: float, rush_kmh: float, rush: Rush) -> tuple[float, float]:
    """Speed in force from minute ``t`` on, and the minute it next changes (or inf)."""
    for start, end in rush:
        if start <= t < end:
            return rush_kmh, end
    return offpeak, min((start for start, _ in rush if start > t), default=math.inf)


def arrive_after(t: float, road_km: float, offpeak: float, rush_kmh: float, rush: Rush) -> float:
    """Minute of arrival when ``road_km`` is covered starting to move at minute ``t``.

    Parameters
    ----------
    t : float
        Minute the movement starts (access time already spent).
    road_km : float
        Distance to cover along the road.
    offpeak, rush_kmh : float
        Speeds outside and inside the rush intervals, km/h.
    rush : tuple of (float, float)
        Sorted, non-overlapping ``[start, end)`` rush intervals in minutes.

    Returns
    -------
    float
        The arrival minute.
    """
    left = road_km
    while left > _DONE_KM:
        v, edge = _segment_forward(t, offpeak, rush_kmh, rush)
        reach = (edge - t) / 60.0 * v
        if reach >= left:
            t += left / v * 60.0
            break
        left -= reach
        t = edge
    return t


def depart_before(t: float, road_km: float, offpeak: float, rush_kmh: float, rush: Rush) -> float:
    """Minute the movement must start so that ``road_km`` is covered exactly by minute ``t``.

    The mirror image of :func:`arrive_after`: the speed in force just *before* each moment.
    """
    left = road_km
    while left > _DONE_KM:
        inside = next(((start, end) for start, end in rush if start < t <= end), None)
        if inside is not None:
            v, edge = rush_kmh, inside[0]
        else:
            v, edge = offpeak, max((end for _, end in rush if end < t), default=-math.inf)
        reach = (t - edge) / 60.0 * v
        if reach >= left:
            t -= left / v * 60.0
            break
        left -= reach
        t = edge
    return t


def arrive_after_many(
    t: float,
    road_km: npt.NDArray[np.float64],
    offpeak: float,
    rush_kmh: float,
    rush: Rush,
) -> npt.NDArray[np.float64]:
    """:func:`arrive_after` for many distances that all start moving at minute ``t``.

    The speed profile from ``t`` on is cut into segments once; each distance then finds
    its segment by binary search on the cumulative km, with no loop over distances.
    """
    starts: list[float] = []
    done_km: list[float] = []  # km covered when each segment begins
    speeds: list[float] = []
    covered = 0.0
    while True:
        v, edge = _segment_forward(t, offpeak, rush_kmh, rush)
        starts.append(t)
        done_km.append(covered)
        speeds.append(v)
        if math.isinf(edge):
            break
        covered += (edge - t) / 60.0 * v
        t = edge
    # Segment k holds the distances in (done_km[k], done_km[k + 1]], like the checker's
    # "reach >= left" test; the last segment is open-ended.
    k = np.searchsorted(np.asarray(done_km[1:]), road_km, side="left")
    seg_start = np.asarray(starts)[k]
    seg_done = np.asarray(done_km)[k]
    seg_speed = np.asarray(speeds)[k]
    out: npt.NDArray[np.float64] = seg_start + (road_km - seg_done) / seg_speed * 60.0
    return out
