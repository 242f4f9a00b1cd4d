"""Validation and JSON (de)serialisation rules of travel-model parameters.

Private to :mod:`geo.travel`; every error is an InvalidTravelModel naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real

from geo._speed_profile import MINUTES_PER_DAY
from geo.errors import InvalidTravelModel

SPEED_FIELDS = ("circuity", "offpeak_kmh", "rush_kmh", "access_min")
MODEL_KEYS = ("kind", "walk_below_km", "rush", "modes")


def number(value: object, field: str) -> float:
    """``value`` as a finite float, or InvalidTravelModel naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidTravelModel(f"{field} must be a number: {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidTravelModel(f"{field} must be finite: {value!r}")
    return out


def speed_values(values: Mapping[str, object], where: str) -> dict[str, float]:
    """Validate the four numbers of a mode; ``where`` prefixes field names in messages."""
    v = {name: number(values[name], where + name) for name in SPEED_FIELDS}
    if v["circuity"] < 1.0:
        raise InvalidTravelModel(f"{where}circuity must be >= 1: {values['circuity']!r}")
    for name in ("offpeak_kmh", "rush_kmh"):
        if v[name] <= 0.0:
            raise InvalidTravelModel(f"{where}{name} must be > 0: {values[name]!r}")
    if v["rush_kmh"] > v["offpeak_kmh"]:
        raise InvalidTravelModel(
            f"{where}rush_kmh must be <= offpeak_kmh ({v['offpeak_kmh']:g}): {values['rush_kmh']!r}"
        )
    if v["access_min"] < 0.0:
        raise InvalidTravelModel(f"{where}access_min must be >= 0: {values['access_min']!r}")
    return v


def hhmm(minutes: float) -> str:
    whole = int(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def check_rush(rush: object) -> tuple[tuple[float, float], ...]:
    try:
        pairs = [tuple(pair) for pair in rush]  # type: ignore[attr-defined]
    except TypeError:
        raise InvalidTravelModel(
            f"rush must be a sequence of (start, end) pairs: {rush!r}"
        ) from None
    out: list[tuple[float, float]] = []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            raise InvalidTravelModel(f"rush[{i}] must be a (start, end) pair: {pair!r}")
        start, end = (number(x, f"rush[{i}][{j}]") for j, x in enumerate(pair))
        for j, x in enumerate((start, end)):
            if not (0.0 <= x <= MINUTES_PER_DAY and x.is_integer()):
                raise InvalidTravelModel(
                    f"rush[{i}][{j}] must be a whole minute from 0 (00:00) to 1440 (24:00): "
                    f"{pair[j]!r}"
                )
        if start >= end:
            raise InvalidTravelModel(
                f"rush[{i}] must end after it starts: {hhmm(start)}-{hhmm(end)}"
            )
        if out and start < out[-1][1]:
            raise InvalidTravelModel(
                f"rush intervals must be sorted and must not overlap: rush[{i}] starts "
                f"{hhmm(start)}, before rush[{i - 1}] ends {hhmm(out[-1][1])}"
            )
        out.append((start, end))
    return tuple(out)


def json_number(x: float) -> float | int:
    """Whole numbers as ints, so the echo reads ``22`` rather than ``22.0``."""
    return int(x) if x.is_integer() else x


def finite_time(value: float, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise InvalidTravelModel(f"{field} must be a finite number of minutes: {value!r}")


def parse_hhmm(text: object, field: str) -> float:
    parts = text.split(":") if isinstance(text, str) else []
    if (
        len(parts) != 2
        or not (1 <= len(parts[0]) <= 2 and len(parts[1]) == 2)
        or not (parts[0].isdigit() and parts[1].isdigit())
        or int(parts[1]) > 59
        or int(parts[0]) * 60 + int(parts[1]) > MINUTES_PER_DAY
    ):
        raise InvalidTravelModel(f"{field} must be a time 'HH:MM' from 00:00 to 24:00: {text!r}")
    return float(int(parts[0]) * 60 + int(parts[1]))


def parse_rush(rush: object) -> tuple[tuple[float, float], ...]:
    if isinstance(rush, str | bytes | Mapping) or not isinstance(rush, Sequence):
        raise InvalidTravelModel(f"rush must be a list of ['HH:MM', 'HH:MM'] pairs: {rush!r}")
    out: list[tuple[float, float]] = []
    for i, pair in enumerate(rush):
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise InvalidTravelModel(f"rush[{i}] must be a pair ['HH:MM', 'HH:MM']: {pair!r}")
        out.append((parse_hhmm(pair[0], f"rush[{i}][0]"), parse_hhmm(pair[1], f"rush[{i}][1]")))
    return tuple(out)
