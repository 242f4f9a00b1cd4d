"""The day plan's objective, in one place: DESIGN.md's priorities as integer weights,
highest rule first, and the functions every evaluator weighs a route with (the routing
model's costs and penalties, ruin and recreate's objective, the repair's ranking).

DESIGN.md orders what the planner optimizes; the routing model turns that order into
one integer objective. Each level's weight exceeds what the levels below it can add up
to on any realistic day (≤ 30 visits, ≤ 20 sweeps, ≤ 86,400 s of travel), so the solver
trades a lower level only for a higher one. All sums stay far below 2**63 for the
500-lead maximum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

TRAVEL_PER_S: Final = 1
"""Least travel: one unit per second on the road (a day has < 100,000 s)."""

STABILITY_PER_STOP: Final = 200_000
"""A re-plan's stability: each stop of the plan being revised that is dropped, gets a new
predecessor (moved) or another set of sweeps. Below value (a re-plan changes stops only
for at least 0.1 point of value, or for a higher rule: 30 changed stops are 6,000,000,
under one :data:`VALUE_PER_DECIPOINT`) and above travel (one change outweighs a whole
day's travel, so among near-equal days the one that changes least wins). It weighs about
as much as two points of a further sweep."""

EXTRA_SWEEP_PER_SCORE: Final = 100_000
"""A further sweep: per point of building score (1 + tenants / 30, at most 11)."""

OWN_BUILDING_SCORE: Final = 50
"""Sweeping the effective lead's own building first beats any other building choice
(more than the score of several buildings together)."""

OWN_BUILDING_BONUS: Final = OWN_BUILDING_SCORE * EXTRA_SWEEP_PER_SCORE

VALUE_PER_DECIPOINT: Final = 10_000_000
"""Urgency-weighted lead value, per 0.1 point of score."""

TARGET_EFFECTIVE: Final = 10**12
"""Each effective visit short of ``target_effective``."""

SWEEP_AFTER_EFFECTIVE: Final = 10**13
"""Each effective lead that is not visited with at least one sweep after it."""

MIN_EFFECTIVE: Final = 10**14
"""Each effective visit short of ``min_effective``."""

MIN_VISITS: Final = 10**15
"""Each visit short of ``min_visits``."""

APPOINTMENT: Final = 10**16
"""Each appointment left out."""


def building_score(tenants: int | None) -> int:
    """Worth of sweeping a building: more tenants, more doors to knock on (1..11)."""
    return 1 + min(max(tenants or 0, 0), 300) // 30


def value_units(weighted_value: float) -> int:
    """The rounding policy for lead value: tenths of a point, to the nearest."""
    return int(round(weighted_value * 10))


def sweep_score(sweeps: Sequence[int], own_building: int | None, scores: Sequence[int]) -> int:
    """Worth of the sweeps after one visit, in building-score points: each swept building's
    score, plus :data:`OWN_BUILDING_SCORE` when the first is the visited lead's own building."""
    if not sweeps:
        return 0
    own = OWN_BUILDING_SCORE if sweeps[0] == own_building else 0
    return own + sum(scores[b] for b in sweeps)


def shortfall_cost(
    *,
    visits: int,
    effective: int,
    min_visits: int,
    min_effective: int,
    target_effective: int,
) -> int:
    """What the counted rules cost a route short of them: each missing visit, each missing
    effective visit below ``min_effective`` and again below ``target_effective``."""
    return (
        MIN_VISITS * max(0, min_visits - visits)
        + MIN_EFFECTIVE * max(0, min_effective - effective)
        + TARGET_EFFECTIVE * max(0, target_effective - effective)
    )


def rank(
    *,
    appointments: int,
    visits: int,
    effective: int,
    swept_effective: int,
    value_units: int,
    sweep_points: int,
    min_visits: int,
    min_effective: int,
    target_effective: int,
) -> tuple[int, ...]:
    """DESIGN.md's order as a tuple compared lexicographically (greater is better):
    appointments, visits up to ``min_visits``, effective up to ``min_effective``, effective
    visits followed by a sweep, effective up to ``target_effective``, value, further sweeps.
    Travel, the last level, is left to the caller's tie-break."""
    return (
        appointments,
        min(visits, min_visits),
        min(effective, min_effective),
        swept_effective,
        min(effective, target_effective),
        value_units,
        sweep_points,
    )
