"""The audit's knobs: tolerances, flag weights and the scores that flag a record or a day.

Every default here is documented in README.md ("Visit audit"); the API and the CLI take
any of them as overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from planner.errors import ProblemError

FlagCode = Literal[
    "far_from_lead",
    "far_from_lead_strong",
    "impossible_travel",
    "overlapping_visits",
    "outside_working_day",
    "outside_lead_window",
    "copied_coordinates",
    "repeated_durations",
    "effective_without_decision_maker",
    "unknown_lead",
]
FLAG_CODES: tuple[str, ...] = get_args(FlagCode)
"""Every flag the audit raises, in the order records list them."""

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "far_from_lead": 20.0,
    "far_from_lead_strong": 60.0,
    "impossible_travel": 60.0,
    "overlapping_visits": 60.0,
    "outside_working_day": 20.0,
    "outside_lead_window": 10.0,
    "copied_coordinates": 60.0,
    "repeated_durations": 20.0,
    "effective_without_decision_maker": 60.0,
    "unknown_lead": 0.0,
}
"""Points a flag adds to its record's score (0-100): one strong flag (60) flags a rep-day,
weak ones (10-20) take three or more."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """Tolerances of the audit rules, flag weights, and the scores that flag.

    Parameters
    ----------
    far_tolerance_m : float, default 150
        A check-in may lie this far beyond its GPS accuracy from the lead (or its building's
        point or footprint) before ``far_from_lead``.
    far_strong_m : float, default 1000
        Beyond accuracy + tolerance by more than this: ``far_from_lead_strong`` instead.
    max_accuracy_m : float, default 200
        A fix is credited at most this accuracy (a 3 km "accuracy" excuses nothing).
    travel_slack : float, default 0.5
        Consecutive visits closer in time than this share of the fastest travel the model
        allows between them (any mode, off-peak speeds; each fix's credited accuracy plus
        ``far_tolerance_m`` subtracted from the distance) are ``impossible_travel``.
    max_speed_kmh : float, default 60
        So is any straight-line speed above this (the car's cap in DESIGN.md).
    overlap_tolerance_min : float, default 1
        Visits overlapping by more than this are ``overlapping_visits``.
    shift_start_min, shift_end_min : int, default 08:30, 18:00
        The working day when the rep's plan does not say (local minutes).
    shift_tolerance_min, window_tolerance_min : float, default 10, 15
        Slack around the working day and the lead's windows.
    copy_decimals : int, default 6
        Fixes given with at least this many decimals and equal to that many at
        ``copy_min_leads`` or more different leads are ``copied_coordinates``.
    copy_min_leads : int, default 2
    repeat_durations : int, default 3
        This many visits of one rep-day lasting the same whole second:
        ``repeated_durations``.
    weights : mapping, default :data:`DEFAULT_WEIGHTS`
        Points per flag; a record's score is the sum of its flags' points, capped at 100.
    record_threshold : float, default 40
        A record scoring this or more is flagged.
    day_threshold : float, default 60
        A rep-day is flagged when the sum of its records' scores (capped at 100) reaches it.
    """

    far_tolerance_m: float = 150.0
    far_strong_m: float = 1000.0
    max_accuracy_m: float = 200.0
    travel_slack: float = 0.5
    max_speed_kmh: float = 60.0
    overlap_tolerance_min: float = 1.0
    shift_start_min: int = 8 * 60 + 30
    shift_end_min: int = 18 * 60
    shift_tolerance_min: float = 10.0
    window_tolerance_min: float = 15.0
    copy_decimals: int = 6
    copy_min_leads: int = 2
    repeat_durations: int = 3
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    record_threshold: float = 40.0
    day_threshold: float = 60.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(FLAG_CODES))
        if unknown:
            raise ProblemError(f"weights.{unknown[0]}", f"unknown flag (known: {FLAG_CODES})")
        object.__setattr__(self, "weights", {**DEFAULT_WEIGHTS, **self.weights})
        if not 0 < self.travel_slack <= 1:
            raise ProblemError("travel_slack", "must be in (0, 1]")
        if self.shift_end_min <= self.shift_start_min:
            raise ProblemError("shift_end", "the working day ends before it starts")

    def weight(self, code: str) -> float:
        return float(self.weights[code])
