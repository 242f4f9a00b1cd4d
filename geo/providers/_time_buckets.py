"""First-in-first-out legs from durations sampled at the start of fixed time buckets.

An engine answers "leaving at the start of bucket *k*, the leg takes d(k) minutes". The
leg leaving at *t* then takes the earliest arrival over leaving now or waiting at the
origin for a later bucket start: A(t) = min(t + d(⌊t/Δ⌋), min over k > ⌊t/Δ⌋ of
kΔ + d(k)). A is non-decreasing (leaving later never arrives earlier), and only the
buckets starting before the first candidate arrival can improve it, so the search stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["Sample", "arrive_by", "earliest_arrival"]

Sample = Callable[[int], tuple[float, float]]
"""``sample(k) -> (minutes, km)`` of the leg leaving at the start of bucket ``k``."""

_OPEN_END_MIN = 1e-6  # the latest departure inside a bucket whose end is excluded


def earliest_arrival(t: float, bucket_min: float, sample: Sample) -> tuple[float, float]:
    """The earliest ``(arrival, km)`` when ready to leave at minute ``t``.

    Parameters
    ----------
    t : float
        Ready to leave at this minute.
    bucket_min : float
        Bucket length Δ in minutes, > 0.
    sample : callable
        ``sample(k) -> (minutes, km)`` for leaving at ``k * bucket_min``.

    Returns
    -------
    tuple of float
        The arrival minute and the km of the leg that achieves it.
    """
    k = math.floor(t / bucket_min)
    minutes, km = sample(k)
    best, best_km = t + minutes, km
    k += 1
    while k * bucket_min < best:
        minutes, km = sample(k)
        if k * bucket_min + minutes < best:
            best, best_km = k * bucket_min + minutes, km
        k += 1
    return best, best_km


def arrive_by(arrive: float, bucket_min: float, sample: Sample) -> tuple[float, float]:
    """The latest departure that arrives by ``arrive``, and the km of that leg.

    The inverse of :func:`earliest_arrival`: leaving at the returned minute arrives by
    ``arrive``, and leaving any later arrives after it. Where the arrival function jumps
    (the next bucket is slower), the latest departure is the end of a bucket less
    ``1e-6`` minute, so the leg arrives early and waits.
    """
    k = math.floor(arrive / bucket_min)
    while True:
        minutes, km = sample(k)
        start, end = k * bucket_min, (k + 1) * bucket_min
        latest = arrive - minutes
        if latest >= start:
            if latest < end:
                return latest, km
            return end - _OPEN_END_MIN, km
        k -= 1
