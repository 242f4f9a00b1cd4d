"""The day problem and day plan as JSON documents: pydantic models for the HTTP API and
the CLI. Every input is validated here and turned into the planner's frozen types; an
error names the field by its JSON path."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from api.documents.calendar import CalendarIn, work_calendar
from geo import CRS, InvalidFootprint, LatLon, footprint_polygon
from planner import (
    DEFAULT_SERVICE_MIN,
    DEFAULT_SWEEP_MIN,
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOW,
    MAX_LEADS,
    Building,
    DayProblem,
    Lead,
    Lunch,
    Options,
    ProblemError,
    Rep,
    Rules,
    SkippedSweep,
    WorkCalendar,
    parse_hhmm,
)

HHMM = Annotated[
    str,
    StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"),
    Field(description="Local wall-clock time 'HH:MM' on the problem's date", examples=["08:30"]),
]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LatLonIn(_Strict):
    """A point: latitude and longitude in degrees, in the problem's `crs`."""

    lat: float = Field(ge=-90, le=90, description="Latitude in degrees (−90..90)")
    lon: float = Field(ge=-180, le=180, description="Longitude in degrees (−180..180)")

    def domain(self) -> LatLon:
        return LatLon(self.lat, self.lon)


class LunchIn(_Strict):
    """One lunch break of exactly `minutes`, starting between `earliest` and `latest`."""

    earliest: HHMM
    latest: HHMM = Field(description="Latest start of the break")
    minutes: float = Field(gt=0, le=240, description="Length of the break in minutes")


class RepIn(_Strict):
    id: Id
    start: LatLonIn = Field(description="Where the day starts (the office)")
    end: LatLonIn | None = Field(None, description="Where the day ends; default: start")
    shift_start: HHMM | None = Field(None, description="Earliest departure; default 08:30")
    return_by: HHMM | None = Field(None, description="Latest arrival at the end; default 18:00")
    mode: Literal["transit", "drive", "bike", "walk"] | None = Field(
        None, description="Travel mode; default transit (legs under 0.8 km are walked)"
    )
    lunch: LunchIn | None = None


class RulesIn(_Strict):
    min_visits: int | None = Field(None, ge=0, le=MAX_LEADS, description="Default 8")
    min_effective: int | None = Field(None, ge=0, le=MAX_LEADS, description="Default 2")
    target_effective: int | None = Field(None, ge=0, le=MAX_LEADS, description="Default 3")
    sweep_radius_m: float | None = Field(
        None,
        ge=0,
        le=5000,
        description="Buildings this close to an effective visit (metres) can be swept; default 300",
    )


class OptionsIn(_Strict):
    time_limit_s: float | None = Field(
        None, gt=0, le=600, description="Solver time limit in seconds; default: the server's"
    )
    deterministic: bool | None = Field(
        None, description="Stop the search by a work limit instead of the clock (repeatable plans)"
    )
    urgency_weight: float | None = Field(
        None,
        ge=1,
        le=10,
        description="Weight of leads reclaimed before the next working day; default 1.5",
    )


Window = tuple[HHMM, HHMM]


class LeadIn(_Strict):
    id: Id
    location: LatLonIn
    building_id: Id | None = None
    kind: Literal["appointment", "follow_up", "new"] | None = Field(None, description="Default new")
    value: float | None = Field(None, ge=0, le=100, description="CRM lead score 0-100; default 0")
    service_minutes: float | None = Field(
        None,
        ge=0,
        le=600,
        description="Visit length in minutes; default 45 for appointments, else 30",
    )
    windows: list[Window] | None = Field(
        None,
        min_length=1,
        max_length=24,
        description="The visit must start inside one; default [['09:00', '17:30']]",
    )
    reclaim_at: AwareDatetime | None = Field(None, description="ISO 8601 instant with offset")
    effective: bool | None = Field(
        None, description="A decision maker is expected (appointments always are)"
    )


class BuildingIn(_Strict):
    id: Id
    location: LatLonIn
    name: str | None = Field(None, max_length=200)
    footprint: dict[str, Any] | None = Field(
        None, description="GeoJSON Polygon of [lon, lat] positions in the problem's crs"
    )
    tenants: int | None = Field(None, ge=0, le=100_000)
    sweep_minutes: float | None = Field(None, gt=0, le=480, description="Default 30")

    @field_validator("footprint")
    @classmethod
    def _valid_polygon(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                footprint_polygon(value)
            except InvalidFootprint as err:
                raise ValueError(str(err)) from None
        return value


class SkippedSweepIn(_Strict):
    building_id: Id = Field(description="A building of the problem")
    reason: Literal["swept_by_other_rep", "swept_recently"]


class DayProblemIn(_Strict):
    """One rep's day: the rep, the rules, the leads to choose from, the buildings to sweep."""

    date: Date = Field(
        ge=Date(2000, 1, 1),
        le=Date(2099, 12, 31),
        description="The day planned, YYYY-MM-DD (2000-2099: local times there have whole-minute "
        "offsets, as ISO 8601 instants in the plan need)",
    )
    timezone: str | None = Field(None, description="IANA zone; default Asia/Shanghai")
    crs: Literal["wgs84", "gcj02", "bd09"] | None = Field(None, description="Default wgs84")
    rep: RepIn
    rules: RulesIn | None = None
    options: OptionsIn | None = None
    calendar: CalendarIn | None = Field(
        None,
        description="Working days for the urgency rule (a lead reclaimed before the next "
        "working day's shift_start weighs more); default China's public calendar",
    )
    leads: list[LeadIn] = Field(max_length=MAX_LEADS)
    buildings: list[BuildingIn] | None = None
    skipped_sweeps: list[SkippedSweepIn] | None = Field(
        None,
        description="Buildings the rep must not sweep today (a batch run writes them: another "
        "rep of the branch sweeps them, or they were swept within the branch's cooldown)",
        max_length=10_000,
    )


class InputError(ValueError):
    """An input document is invalid; ``errors`` lists ``{"field", "message"}`` entries."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def json_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a JSON path: ('leads', 3, 'id') -> 'leads[3].id'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


def field_errors(err: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[dict[str, str]]:
    """pydantic's errors as ``{"field", "message"}`` entries, paths under ``prefix``."""
    return [{"field": json_path((*prefix, *e["loc"])), "message": e["msg"]} for e in err.errors()]


def parse_day_problem(data: Any) -> DayProblem:
    """Validate a day-problem document and build the planner's problem (or InputError)."""
    try:
        model = DayProblemIn.model_validate(data)
    except ValidationError as err:
        raise InputError(field_errors(err)) from None
    try:
        return to_domain(model)
    except ProblemError as err:
        raise InputError([{"field": err.field, "message": err.message}]) from None


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def to_domain(m: DayProblemIn) -> DayProblem:
    """The planner's problem from a validated document (defaults filled in)."""
    return DayProblem(
        date=m.date,
        timezone=_or(m.timezone, DEFAULT_TIMEZONE),
        crs=CRS(_or(m.crs, CRS.WGS84)),
        rep=rep_domain(m.rep),
        rules=rules_domain(m.rules),
        options=options_domain(m.options),
        calendar=calendar_domain(m.date, m.calendar),
        leads=leads_domain(m.leads),
        buildings=buildings_domain(m.buildings),
        skipped_sweeps=tuple(
            SkippedSweep(building_id=s.building_id, reason=s.reason) for s in m.skipped_sweeps or ()
        ),
    )


def calendar_domain(day: Date, c: CalendarIn | None) -> WorkCalendar:
    """The planner's working days (the public calendar and the document's overrides)."""
    try:
        return work_calendar(day, c)
    except (ValueError, NotImplementedError) as err:
        raise ProblemError("calendar.country", f"no public calendar: {err}") from None


def rep_domain(r: RepIn) -> Rep:
    """The planner's rep (defaults filled in)."""
    lunch = (
        Lunch(
            earliest_min=parse_hhmm(r.lunch.earliest, "rep.lunch.earliest"),
            latest_min=parse_hhmm(r.lunch.latest, "rep.lunch.latest"),
            minutes=r.lunch.minutes,
        )
        if r.lunch
        else None
    )
    return Rep(
        id=r.id,
        start=r.start.domain(),
        end=(r.end or r.start).domain(),
        shift_start_min=parse_hhmm(_or(r.shift_start, "08:30"), "rep.shift_start"),
        return_by_min=parse_hhmm(_or(r.return_by, "18:00"), "rep.return_by"),
        mode=_or(r.mode, "transit"),
        lunch=lunch,
    )


def rules_domain(ru: RulesIn | None) -> Rules:
    """The planner's rules (defaults filled in)."""
    ru = ru or RulesIn()
    return Rules(
        min_visits=_or(ru.min_visits, 8),
        min_effective=_or(ru.min_effective, 2),
        target_effective=_or(ru.target_effective, max(3, _or(ru.min_effective, 2))),
        sweep_radius_m=_or(ru.sweep_radius_m, 300.0),
    )


def options_domain(o: OptionsIn | None) -> Options:
    """The planner's options (defaults filled in)."""
    o = o or OptionsIn()
    return Options(
        time_limit_s=o.time_limit_s,
        deterministic=bool(o.deterministic),
        urgency_weight=_or(o.urgency_weight, 1.5),
    )


def leads_domain(items: list[LeadIn]) -> tuple[Lead, ...]:
    """The planner's leads (defaults filled in)."""
    leads = []
    for i, x in enumerate(items):
        kind = _or(x.kind, "new")
        windows = tuple(
            (
                parse_hhmm(a, f"leads[{i}].windows[{k}][0]"),
                parse_hhmm(z, f"leads[{i}].windows[{k}][1]"),
            )
            for k, (a, z) in enumerate(x.windows or [])
        ) or (DEFAULT_WINDOW,)
        leads.append(
            Lead(
                id=x.id,
                location=x.location.domain(),
                kind=kind,
                value=_or(x.value, 0.0),
                service_min=_or(x.service_minutes, DEFAULT_SERVICE_MIN[kind]),
                windows=windows,
                building_id=x.building_id,
                reclaim_at=x.reclaim_at,
                effective=kind == "appointment" or bool(x.effective),
            )
        )
    return tuple(leads)


def buildings_domain(items: list[BuildingIn] | None) -> tuple[Building, ...]:
    """The planner's buildings (defaults filled in)."""
    return tuple(
        Building(
            id=b.id,
            location=b.location.domain(),
            name=b.name,
            footprint=b.footprint,
            tenants=b.tenants,
            sweep_min=_or(b.sweep_minutes, DEFAULT_SWEEP_MIN),
        )
        for b in items or []
    )
