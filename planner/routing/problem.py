"""The day problem: one rep, one day, the leads to choose from and the buildings to sweep.

Frozen domain types, validated once at construction; the solver trusts them. Times of
day are minutes after local midnight; instants are timezone-aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo import CRS, LatLon
from planner.errors import ProblemError

LeadKind = Literal["appointment", "follow_up", "new"]
Mode = Literal["transit", "drive", "bike", "walk"]
SkipReason = Literal["swept_by_other_rep", "swept_recently"]
"""Why a building in reach is not swept today: another rep of the branch sweeps it, or it
was swept within the branch's cooldown."""

DEFAULT_WINDOW = (9 * 60, 17 * 60 + 30)
"""Visits and sweeps start between 09:00 and 17:30 unless a lead says otherwise."""
SWEEP_WINDOW = DEFAULT_WINDOW
DEFAULT_SERVICE_MIN = {"appointment": 45.0, "follow_up": 30.0, "new": 30.0}
DEFAULT_SWEEP_MIN = 30.0
MAX_LEADS = 500


def parse_hhmm(text: str, where: str) -> int:
    """Minutes after midnight of a ``"HH:MM"`` wall-clock time (``"24:00"`` allowed)."""
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except (AttributeError, ValueError):
        raise ProblemError(where, f"expected a time 'HH:MM', got {text!r}") from None
    if len(mm) != 2 or not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ProblemError(where, f"expected a time 'HH:MM' between 00:00 and 24:00, got {text!r}")
    return h * 60 + m


def format_hhmm(minutes: float) -> str:
    """``"HH:MM"`` of minutes after midnight."""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The time zone of a problem that names none (the contract's default)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Lunch:
    """One break of exactly ``minutes`` that starts between ``earliest`` and ``latest``."""

    earliest_min: int
    latest_min: int
    minutes: float

    def __post_init__(self) -> None:
        if self.latest_min < self.earliest_min:
            raise ProblemError(
                "rep.lunch.latest", "lunch latest start is before its earliest start"
            )
        if self.minutes <= 0:
            raise ProblemError("rep.lunch.minutes", "lunch must last more than 0 minutes")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rep:
    """The rep whose day is planned: where the day starts and ends, and its limits.

    ``shift_start_min`` is whole minutes from a document; a re-plan's rest of the day
    starts at the rep's present instant, to the second.
    """

    id: str
    start: LatLon
    end: LatLon
    shift_start_min: float = 8 * 60 + 30
    return_by_min: int = 18 * 60
    mode: Mode = "transit"
    lunch: Lunch | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """The day's targets: visits, effective visits, and the sweep radius."""

    min_visits: int = 8
    min_effective: int = 2
    target_effective: int = 3
    sweep_radius_m: float = 300.0

    def __post_init__(self) -> None:
        for name in ("min_visits", "min_effective", "target_effective"):
            if not 0 <= getattr(self, name) <= MAX_LEADS:
                raise ProblemError(f"rules.{name}", f"must be between 0 and {MAX_LEADS}")
        if self.target_effective < self.min_effective:
            raise ProblemError("rules.target_effective", "target_effective is below min_effective")
        if not 0 <= self.sweep_radius_m <= 5000:
            raise ProblemError("rules.sweep_radius_m", "must be between 0 and 5000 metres")


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """How to solve: the time limit, deterministic mode and the urgency weight.

    ``time_limit_s`` None means the caller's default. In ``deterministic`` mode the search
    stops after a fixed amount of work instead of the clock, so the plan is repeatable.
    """

    time_limit_s: float | None = None
    deterministic: bool = False
    urgency_weight: float = 1.5

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not 0 < self.time_limit_s <= 600:
            raise ProblemError("options.time_limit_s", "must be > 0 and at most 600 seconds")
        if not 1.0 <= self.urgency_weight <= 10.0:
            raise ProblemError("options.urgency_weight", "must be between 1 and 10")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkCalendar:
    """Which dates are working days: Monday to Friday, less ``days_off`` (public holidays),
    plus ``working_days`` (weekend days worked in exchange, China's make-up days).

    Data, not a lookup: the API edge fills it from a holiday calendar and a branch's own list.
    """

    days_off: tuple[date, ...] = ()
    working_days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        both = sorted(set(self.days_off) & set(self.working_days))
        if both:
            raise ProblemError(
                "calendar", f"a date is both a day off and a working day: {both[0].isoformat()}"
            )

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off


@dataclass(frozen=True, slots=True, kw_only=True)
class Lead:
    """A lead the rep may visit; ``effective`` means a decision maker is expected."""

    id: str
    location: LatLon
    kind: LeadKind = "new"
    value: float = 0.0
    service_min: float = 30.0
    windows: tuple[tuple[int, int], ...] = (DEFAULT_WINDOW,)
    building_id: str | None = None
    reclaim_at: datetime | None = None
    effective: bool = False

    @property
    def is_appointment(self) -> bool:
        return self.kind == "appointment"


@dataclass(frozen=True, slots=True, kw_only=True)
class Building:
    """An office building or park that can be swept with cold calls."""

    id: str
    location: LatLon
    name: str | None = None
    footprint: dict[str, Any] | None = None
    tenants: int | None = None
    sweep_min: float = DEFAULT_SWEEP_MIN


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedSweep:
    """A building of the problem the rep must not sweep today, and why (decided branch-wide)."""

    building_id: str
    reason: SkipReason


@dataclass(frozen=True, slots=True, kw_only=True)
class DayProblem:
    """One rep's day. Coordinates are in ``crs``; times are local to ``timezone``."""

    date: date
    rep: Rep
    leads: tuple[Lead, ...]
    buildings: tuple[Building, ...] = ()
    timezone: str = DEFAULT_TIMEZONE
    crs: CRS = CRS.WGS84
    rules: Rules = field(default_factory=Rules)
    options: Options = field(default_factory=Options)
    skipped_sweeps: tuple[SkippedSweep, ...] = ()
    """Buildings the rep may not sweep today (the branch's sweep assignment or cooldown)."""
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ProblemError("timezone", f"unknown time zone {self.timezone!r}") from None
        if len(self.leads) > MAX_LEADS:
            raise ProblemError("leads", f"{len(self.leads)} leads; at most {MAX_LEADS} per day")
        rep = self.rep
        if rep.return_by_min <= rep.shift_start_min:
            raise ProblemError("rep.return_by", "return_by is not after shift_start")
        building_ids: set[str] = set()
        for i, b in enumerate(self.buildings):
            if b.id in building_ids:
                raise ProblemError(f"buildings[{i}].id", f"duplicate building id {b.id!r}")
            building_ids.add(b.id)
            if b.sweep_min <= 0:
                raise ProblemError(
                    f"buildings[{i}].sweep_minutes", f"must be > 0: building {b.id!r}"
                )
        skipped: set[str] = set()
        for i, skip in enumerate(self.skipped_sweeps):
            if skip.building_id not in building_ids:
                raise ProblemError(
                    f"skipped_sweeps[{i}].building_id", f"unknown building {skip.building_id!r}"
                )
            if skip.building_id in skipped:
                raise ProblemError(
                    f"skipped_sweeps[{i}].building_id",
                    f"building {skip.building_id!r} is skipped twice",
                )
            skipped.add(skip.building_id)
        lead_ids: set[str] = set()
        for i, lead in enumerate(self.leads):
            where = f"leads[{i}]"
            if lead.id in lead_ids:
                raise ProblemError(f"{where}.id", f"duplicate lead id {lead.id!r}")
            lead_ids.add(lead.id)
            if lead.building_id is not None and lead.building_id not in building_ids:
                raise ProblemError(
                    f"{where}.building_id",
                    f"unknown building {lead.building_id!r}: lead {lead.id!r}",
                )
            if lead.service_min < 0:
                raise ProblemError(f"{where}.service_minutes", f"negative: lead {lead.id!r}")
            if not 0 <= lead.value <= 100:
                raise ProblemError(f"{where}.value", f"must be 0-100: lead {lead.id!r}")
            if not lead.windows:
                raise ProblemError(f"{where}.windows", f"no window: lead {lead.id!r}")
            for k, (a, z) in enumerate(lead.windows):
                if z < a:
                    raise ProblemError(
                        f"{where}.windows[{k}]", f"window closes before it opens: lead {lead.id!r}"
                    )
            if lead.kind == "appointment" and not lead.effective:
                raise ProblemError(f"{where}.effective", "an appointment is always effective")

    # -- derived facts -------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def instant(self, minutes: float) -> datetime:
        """The aware instant ``minutes`` after local midnight of the problem's date."""
        midnight = datetime.combine(self.date, time(0), tzinfo=self.tz)
        return midnight + timedelta(seconds=round(minutes * 60))

    def next_working_shift(self) -> datetime:
        """Start of the next working day's shift after the problem's date (``calendar``:
        Mon-Fri less holidays plus make-up days; at most a year ahead)."""
        day = self.date + timedelta(days=1)
        for _ in range(366):
            if self.calendar.is_working_day(day):
                break
            day += timedelta(days=1)
        h, m = divmod(int(self.rep.shift_start_min), 60)
        return datetime.combine(day, time(h, m), tzinfo=self.tz)

    def is_urgent(self, lead: Lead) -> bool:
        """True when the lead is reclaimed before the next working day's shift starts."""
        return lead.reclaim_at is not None and lead.reclaim_at < self.next_working_shift()

    def weighted_value(self, lead: Lead) -> float:
        """The lead's value today: urgent leads weigh ``options.urgency_weight`` times more."""
        return lead.value * (self.options.urgency_weight if self.is_urgent(lead) else 1.0)
